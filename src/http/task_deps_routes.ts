/**
 * Vendor routes for task dependencies (`arcdeno:task_deps`).
 *
 * @module
 */

import type { Context, Hono } from "hono";
import type { Hub } from "../hub/hub.ts";
import {
  addDependencies,
  getDependencies,
  readyTasks,
} from "../hub/task_deps.ts";
import type { JsonObject } from "../protocol.ts";
import type { ArcEnv } from "./app.ts";
import { ok, query } from "./envelope.ts";

/** Adds the task dependency routes to the app. */
export function taskDepRoutes(
  app: Hono<ArcEnv>,
  hub: Hub,
  body: (c: Context) => Promise<JsonObject>,
): void {
  app.get(
    "/v1/arcdeno/tasks/ready",
    async (c) => ok(c, await readyTasks(hub, query(c))),
  );
  app.get(
    "/v1/arcdeno/tasks/:id{[0-9]+}/depends",
    async (c) => ok(c, await getDependencies(hub, Number(c.req.param("id")))),
  );
  app.post(
    "/v1/arcdeno/tasks/:id{[0-9]+}/depends",
    async (c) =>
      ok(
        c,
        await addDependencies(hub, Number(c.req.param("id")), await body(c)),
      ),
  );
}
