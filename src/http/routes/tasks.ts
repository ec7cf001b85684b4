/**
 * Tasks: the list, completion with its one-level rollup (the answer carries
 * `parent_completed: true` when a parent rolled up), and task dependencies
 * (`arcdeno:task_deps`): ready tasks, and a task's dependencies.
 *
 * @module
 */

import { Hono } from "hono";
import {
  addDependencies,
  getDependencies,
  readyTasks,
} from "../../hub/task_deps.ts";
import {
  type ArcEnv,
  bodyWithGeneration,
  type RouteContext,
} from "../context.ts";
import { ok, query } from "../envelope.ts";

/** The task and task dependency routes. */
export function taskRoutes(ctx: RouteContext): Hono<ArcEnv> {
  const { hub, body } = ctx;
  return new Hono<ArcEnv>()
    .get("/v1/tasks", async (c) => ok(c, await hub.listTasks(query(c))))
    .post("/v1/tasks/:id{[0-9]+}/complete", async (c) => {
      const { task, parentCompleted } = await hub.completeTask(
        Number(c.req.param("id")),
        await bodyWithGeneration(c, ctx),
      );
      return ok(
        c,
        task,
        parentCompleted ? { extra: { parent_completed: true } } : {},
      );
    })
    .get(
      "/v1/arcdeno/tasks/ready",
      async (c) => ok(c, await readyTasks(hub, query(c))),
    )
    .get(
      "/v1/arcdeno/tasks/:id{[0-9]+}/depends",
      async (c) => ok(c, await getDependencies(hub, Number(c.req.param("id")))),
    )
    .post(
      "/v1/arcdeno/tasks/:id{[0-9]+}/depends",
      async (c) =>
        ok(
          c,
          await addDependencies(hub, Number(c.req.param("id")), await body(c)),
        ),
    );
}
