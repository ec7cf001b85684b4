/**
 * Threads: the list of thread summaries and one thread's messages.
 *
 * @module
 */

import { Hono } from "hono";
import type { ArcEnv, RouteContext } from "../context.ts";
import { ok } from "../envelope.ts";

/** The thread routes. */
export function threadRoutes({ hub }: RouteContext): Hono<ArcEnv> {
  return new Hono<ArcEnv>()
    .get("/v1/threads", async (c) => ok(c, await hub.listThreads()))
    .get(
      "/v1/threads/:id",
      async (c) => ok(c, await hub.getThread(c.req.param("id"))),
    );
}
