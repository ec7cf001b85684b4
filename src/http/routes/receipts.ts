/**
 * Routes of the delivery receipts extension (`arcdeno:receipts`), under
 * `/v1/arcdeno/`: acknowledge a message, report messages surfaced to the
 * agent's model, list a message's receipts, list
 * messages still waiting for an acknowledgement. The rules live in
 * `src/hub/receipts.ts`.
 *
 * @module
 */

import { Hono } from "hono";
import type { ArcEnv, RouteContext } from "../context.ts";
import { ok, query } from "../envelope.ts";

/** The receipt routes. */
export function receiptRoutes({ hub, body }: RouteContext): Hono<ArcEnv> {
  return new Hono<ArcEnv>()
    .post(
      "/v1/arcdeno/messages/:id/ack",
      async (c) =>
        ok(c, await hub.receipts.ack(c.req.param("id"), await body(c))),
    )
    .post(
      "/v1/arcdeno/messages/surfaced",
      async (c) => ok(c, await hub.receipts.surfaced(await body(c))),
    )
    .get(
      "/v1/arcdeno/messages/:id/receipts",
      async (c) =>
        ok(c, await hub.receipts.receipts(c.req.param("id"), query(c))),
    )
    .get(
      "/v1/arcdeno/unacked",
      async (c) => ok(c, await hub.receipts.unacked(query(c))),
    );
}
