/**
 * Vendor routes of the work queue (`arcdeno:work_queue`): take the next
 * ready task, and the queue's status.
 *
 * @module
 */

import { Hono } from "hono";
import { getQueueStatus, takeNextTask } from "../../hub/queue.ts";
import {
  type ArcEnv,
  bodyWithGeneration,
  type RouteContext,
} from "../context.ts";
import { ok, query } from "../envelope.ts";

/** The work queue routes. */
export function queueRoutes(ctx: RouteContext): Hono<ArcEnv> {
  const { hub } = ctx;
  return new Hono<ArcEnv>()
    .post(
      "/v1/arcdeno/tasks/next",
      async (c) =>
        ok(c, await takeNextTask(hub, await bodyWithGeneration(c, ctx))),
    )
    .get(
      "/v1/arcdeno/queue",
      async (c) => ok(c, await getQueueStatus(hub, query(c))),
    );
}
