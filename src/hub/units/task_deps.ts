/**
 * Task dependency units (`arcdeno:task_deps`): validating the ids a client
 * names, linking them without closing a cycle, deciding a task's assignee,
 * the ready list, and the "task is ready" notices a completion posts.
 *
 * A task's assignee is, in order: `metadata.arcdeno.assignee` of the message
 * that created it, that message's `to_agent`, or the owner of a live claim on
 * the task (`task_message_id` equal to the task id).
 *
 * @module
 */

import { ConflictError, ValidationError } from "../../errors.ts";
import { VENDOR } from "../../protocol.ts";
import { type TaskMessage, tx, type Unit } from "../../store/unit.ts";
import type {
  JsonObject,
  NewMessage,
  Task,
  TaskDependencies,
} from "../../store/types.ts";
import { toIso } from "../../time.ts";
import { readyNotice } from "./notices.ts";

/** Most dependencies one request may name. */
export const MAX_DEPENDENCIES = 100;

/** Checks a list of task ids given by a client; throws `ValidationError`. */
export function parseTaskIds(value: unknown, field: string): number[] {
  if (!Array.isArray(value)) {
    throw new ValidationError(`${field} must be a list of task ids`);
  }
  if (value.length > MAX_DEPENDENCIES) {
    throw new ValidationError(
      `${field} names too many tasks: ${value.length} (at most ${MAX_DEPENDENCIES})`,
    );
  }
  const ids = value.map((v) => {
    const n = typeof v === "string" && /^[0-9]+$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) {
      throw new ValidationError(
        `${field} must hold positive integer task ids: got ${
          JSON.stringify(v)
        }`,
      );
    }
    return n;
  });
  return [...new Set(ids)];
}

/** The vendor object of a message's metadata, if any. */
function vendorOf(metadata: JsonObject): JsonObject | undefined {
  const v = metadata[VENDOR];
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? v as JsonObject
    : undefined;
}

/** `metadata.arcdeno.depends_on` of a message already checked by {@linkcode checkTaskMetadata}. */
export function dependsOnOf(metadata: JsonObject): number[] {
  const list = vendorOf(metadata)?.["depends_on"];
  return list === undefined ? [] : parseTaskIds(list, "depends_on");
}

/** Checks `metadata.arcdeno` of a task message to post: `depends_on` ids and a string `assignee`. */
export function checkTaskMetadata(metadata: JsonObject): void {
  const vendor = vendorOf(metadata);
  if (!vendor) return;
  if (vendor["depends_on"] !== undefined) {
    parseTaskIds(vendor["depends_on"], "metadata.arcdeno.depends_on");
  }
  const assignee = vendor["assignee"];
  if (assignee !== undefined && assignee !== null) {
    if (typeof assignee !== "string" || !assignee.trim()) {
      throw new ValidationError(
        "metadata.arcdeno.assignee must be a non-empty string",
      );
    }
  }
}

/** The assignee a task's message names: the explicit one in its metadata, else its `to_agent`. */
export function messageAssignee(message: TaskMessage | null): string | null {
  if (!message) return null;
  const explicit = vendorOf(message.metadata)?.["assignee"];
  if (typeof explicit === "string" && explicit.trim()) return explicit.trim();
  return message.to_agent;
}

/** A path `from -> ... -> to` along "depends on" edges, or null. */
export function findPath(
  from: number,
  to: number,
  edgesOf: (taskId: number) => number[],
): number[] | null {
  const previous = new Map<number, number>();
  const queue = [from];
  const seen = new Set([from]);
  while (queue.length) {
    const at = queue.shift()!;
    if (at === to) {
      const path = [at];
      let step = at;
      while (previous.has(step)) {
        step = previous.get(step)!;
        path.unshift(step);
      }
      return path;
    }
    for (const next of edgesOf(at)) {
      if (seen.has(next)) continue;
      seen.add(next);
      previous.set(next, at);
      queue.push(next);
    }
  }
  return null;
}

/** Throws `ValidationError` naming the ids that are not tasks. */
export function* requireTasks(ids: readonly number[]): Unit<void> {
  if (!ids.length) return;
  const found = new Set(yield* tx.existingTasks(ids));
  const unknown = ids.filter((id) => !found.has(id));
  if (unknown.length) {
    throw new ValidationError(
      `depends_on references unknown task${unknown.length > 1 ? "s" : ""}: ${
        unknown.join(", ")
      }`,
    );
  }
}

function* assigneeOf(task: Task, now: string): Unit<string | null> {
  const named = messageAssignee(yield* tx.taskMessage(task.task_id));
  return named ?? (yield* tx.taskClaimOwner(task.task_id, now));
}

function* describe(task: Task, now: string): Unit<TaskDependencies> {
  const deps = yield* tx.dependenciesOf(task.task_id);
  return {
    task,
    depends_on: deps.map((d) => d.depends_on),
    open_dependencies: deps.filter((d) => d.status !== "done").map((d) =>
      d.depends_on
    ),
    assignee: yield* assigneeOf(task, now),
  };
}

/** Adds dependencies to a task; null for an unknown task; `ConflictError` for a cycle. */
export function* addDependencies(
  taskId: number,
  deps: readonly number[],
): Unit<TaskDependencies | null> {
  const now = toIso(yield* tx.now());
  // Edits of the graph one at a time, so two hubs never close a cycle between them.
  yield* tx.serialize("task_deps_edit");
  const task = yield* tx.task(taskId, true);
  if (!task) return null;
  yield* requireTasks(deps);
  const graph = yield* tx.dependencyGraph();
  for (const dep of deps) {
    const path = findPath(dep, taskId, (id) => graph.get(id) ?? []);
    if (path) {
      throw new ConflictError(
        `dependency cycle: ${[taskId, ...path].join(" -> ")}`,
      );
    }
    graph.set(taskId, [...(graph.get(taskId) ?? []), dep]);
  }
  yield* tx.insertDependencies(taskId, deps, now);
  return yield* describe(task, now);
}

/** A task's dependency facts; null for an unknown task. */
export function* getDependencies(
  taskId: number,
): Unit<TaskDependencies | null> {
  const now = toIso(yield* tx.now());
  const task = yield* tx.task(taskId, false);
  return task ? yield* describe(task, now) : null;
}

/** Open tasks whose dependencies are all done, optionally of one channel and assignee. */
export function* listReady(
  filter: { channel?: string; assignee?: string },
): Unit<TaskDependencies[]> {
  const now = toIso(yield* tx.now());
  const ready: TaskDependencies[] = [];
  for (const task of yield* tx.readyTasks(filter.channel)) {
    const d = yield* describe(task, now);
    if (filter.assignee === undefined || d.assignee === filter.assignee) {
      ready.push(d);
    }
  }
  return ready;
}

/**
 * The notices for tasks whose last open dependency is among `doneIds`
 * (tasks this unit just completed). Each dependent is locked before its
 * dependencies are counted, so when two dependencies complete at once on
 * two hubs, the later one sees the earlier one's commit and exactly one
 * notice is posted.
 */
export function* readyNotices(
  doneIds: readonly number[],
  now: string,
): Unit<NewMessage[]> {
  const notices: NewMessage[] = [];
  const seen = new Set<number>();
  for (const done of doneIds) {
    for (const id of yield* tx.dependentsOf(done)) {
      if (seen.has(id)) continue;
      seen.add(id);
      const task = yield* tx.task(id, true);
      if (!task || task.status !== "open") continue;
      const d = yield* describe(task, now);
      if (d.open_dependencies.length) continue;
      notices.push(readyNotice(task, d.assignee, d.depends_on, done));
    }
  }
  return notices;
}
