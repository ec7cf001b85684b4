/**
 * Routes of the delivery receipts extension (`arcdeno:receipts`), under
 * `/v1/arcdeno/`: acknowledge a message, report messages surfaced to the
 * agent's model, list a message's receipts, list
 * messages still waiting for an acknowledgement. The rules live in
 * `src/hub/receipts.ts`.
 *
 * @module
 */

import type { Hono } from "hono";
import type { Hub } from "../hub/hub.ts";
import type { ArcEnv } from "./app.ts";
import { body as readBody, ok, query } from "./envelope.ts";

/** Adds the receipt routes to `app`. */
export function mountReceipts(app: Hono<ArcEnv>, hub: Hub): void {
  app.post("/v1/arcdeno/messages/:id/ack", async (c) => {
    const body = await readBody(c, hub);
    return ok(c, await hub.receipts.ack(c.req.param("id"), body));
  });
  app.post("/v1/arcdeno/messages/surfaced", async (c) => {
    const body = await readBody(c, hub);
    return ok(c, await hub.receipts.surfaced(body));
  });
  app.get(
    "/v1/arcdeno/messages/:id/receipts",
    async (c) =>
      ok(c, await hub.receipts.receipts(c.req.param("id"), query(c))),
  );
  app.get(
    "/v1/arcdeno/unacked",
    async (c) => ok(c, await hub.receipts.unacked(query(c))),
  );
}
