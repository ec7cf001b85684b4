/**
 * Routes of the approvals extension (`arcdeno:approvals`), under
 * `/v1/arcdeno/approvals`: an agent asks, anyone lists, the requester
 * long-polls for the decision, the operator decides. The rules live in
 * `src/hub/approvals.ts`.
 *
 * @module
 */

import { Hono } from "hono";
import type { ArcEnv, RouteContext } from "../context.ts";
import { ok, query } from "../envelope.ts";

/** The approval routes. */
export function approvalRoutes({ hub, body }: RouteContext): Hono<ArcEnv> {
  return new Hono<ArcEnv>()
    .post(
      "/v1/arcdeno/approvals",
      async (c) => ok(c, await hub.approvals.create(await body(c))),
    )
    .get(
      "/v1/arcdeno/approvals",
      async (c) => ok(c, await hub.approvals.list(query(c))),
    )
    .get("/v1/arcdeno/approvals/:id", async (c) => {
      using _parked = hub.parkLongPoll();
      const id = c.req.param("id");
      return ok(c, await hub.approvals.get(id, query(c), c.req.raw.signal));
    })
    .post(
      "/v1/arcdeno/approvals/:id/decide",
      async (c) =>
        ok(c, await hub.approvals.decide(c.req.param("id"), await body(c))),
    );
}
