/**
 * Vendor routes of the work queue (`arcdeno:work_queue`).
 *
 * @module
 */

import type { Context, Hono } from "hono";
import type { Hub } from "../hub/hub.ts";
import {
  GENERATION_HEADER,
  getQueueStatus,
  takeNextTask,
  withGenerationHeader,
} from "../hub/queue.ts";
import type { JsonObject } from "../protocol.ts";
import type { ArcEnv } from "./app.ts";
import { ok, query } from "./envelope.ts";

/** The request body with the `X-Arcdeno-Generation` header folded in. */
export async function bodyWithGeneration(
  c: Context,
  body: (c: Context) => Promise<JsonObject>,
): Promise<JsonObject> {
  return withGenerationHeader(await body(c), c.req.header(GENERATION_HEADER));
}

/** Adds the work queue routes to the app. */
export function queueRoutes(
  app: Hono<ArcEnv>,
  hub: Hub,
  body: (c: Context) => Promise<JsonObject>,
): void {
  app.post(
    "/v1/arcdeno/tasks/next",
    async (c) =>
      ok(c, await takeNextTask(hub, await bodyWithGeneration(c, body))),
  );
  app.get(
    "/v1/arcdeno/queue",
    async (c) => ok(c, await getQueueStatus(hub, query(c))),
  );
}
