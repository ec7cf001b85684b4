/**
 * Routes of the approvals extension (`arcdeno:approvals`), under
 * `/v1/arcdeno/approvals`: an agent asks, anyone lists, the requester
 * long-polls for the decision, the operator decides. The rules live in
 * `src/hub/approvals.ts`.
 *
 * @module
 */

import type { Context, Hono } from "hono";
import type { Hub } from "../hub/hub.ts";
import type { ArcEnv } from "./app.ts";
import { body as readBody, ok, query } from "./envelope.ts";

/** Adds the approval routes to `app`. */
export function mountApprovals(app: Hono<ArcEnv>, hub: Hub): void {
  const body = (c: Context) => readBody(c, hub);

  app.post(
    "/v1/arcdeno/approvals",
    async (c) => ok(c, await hub.approvals.create(await body(c))),
  );
  app.get(
    "/v1/arcdeno/approvals",
    async (c) => ok(c, await hub.approvals.list(query(c))),
  );
  app.get("/v1/arcdeno/approvals/:id", async (c) => {
    using _parked = hub.parkLongPoll();
    const id = c.req.param("id");
    return ok(c, await hub.approvals.get(id, query(c), c.req.raw.signal));
  });
  app.post(
    "/v1/arcdeno/approvals/:id/decide",
    async (c) =>
      ok(c, await hub.approvals.decide(c.req.param("id"), await body(c))),
  );
}
