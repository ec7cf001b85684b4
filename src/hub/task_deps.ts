/**
 * The rules of task dependencies (`arcdeno:task_deps`): adding dependencies
 * to a task, reading them, and the ready list. A task created by a `task` or
 * `task_request` message may name `metadata.arcdeno.depends_on`; the store
 * links it in the posting unit and posts the "task is ready" notice in the
 * unit that completes its last open dependency.
 *
 * @module
 */

import { NotFoundError, ValidationError } from "../errors.ts";
import { VENDOR } from "../protocol.ts";
import * as units from "./units/task_deps.ts";
import type { JsonObject, TaskDependencies } from "../store/types.ts";
import type { Hub } from "./hub.ts";
import type { Query } from "./params.ts";

/** A task as the wire shows it, with its dependency facts in the vendor object. */
export function taskWithDeps(d: TaskDependencies): JsonObject {
  return {
    ...d.task,
    [VENDOR]: {
      depends_on: d.depends_on,
      open_dependencies: d.open_dependencies,
      ready: d.task.status === "open" && d.open_dependencies.length === 0,
      assignee: d.assignee,
    },
  };
}

function checkTaskId(taskId: number): number {
  if (!Number.isSafeInteger(taskId) || taskId < 1) {
    throw new NotFoundError(`task not found: ${taskId}`);
  }
  return taskId;
}

/** `POST /v1/arcdeno/tasks/{id}/depends` with `{"depends_on": [ids]}`. */
export async function addDependencies(
  hub: Hub,
  taskId: number,
  body: JsonObject,
): Promise<JsonObject> {
  checkTaskId(taskId);
  if (body["depends_on"] === undefined || body["depends_on"] === null) {
    throw new ValidationError("depends_on is required");
  }
  const deps = units.parseTaskIds(body["depends_on"], "depends_on");
  if (!deps.length) throw new ValidationError("depends_on must not be empty");
  const result = await hub.store.run(() => units.addDependencies(taskId, deps));
  if (!result) throw new NotFoundError(`task not found: ${taskId}`);
  return taskWithDeps(result);
}

/** `GET /v1/arcdeno/tasks/{id}/depends`. */
export async function getDependencies(
  hub: Hub,
  taskId: number,
): Promise<JsonObject> {
  checkTaskId(taskId);
  const result = await hub.store.read(() => units.getDependencies(taskId));
  if (!result) throw new NotFoundError(`task not found: ${taskId}`);
  return taskWithDeps(result);
}

/** `GET /v1/arcdeno/tasks/ready?channel=&assignee=`. */
export async function readyTasks(
  hub: Hub,
  query: Query,
): Promise<JsonObject[]> {
  const channel = query.get("channel");
  const assignee = query.get("assignee");
  const filter = {
    ...(channel ? { channel } : {}),
    ...(assignee ? { assignee } : {}),
  };
  const ready = await hub.store.read(() => units.listReady(filter));
  return ready.map(taskWithDeps);
}
