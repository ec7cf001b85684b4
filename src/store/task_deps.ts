/**
 * Task dependencies (`arcdeno:task_deps`), the parts both backends share:
 * the vendor table's shape, reading `metadata.arcdeno.depends_on` and
 * `metadata.arcdeno.assignee` from a task's message, finding a cycle, and
 * the "task is ready" notice. Each backend runs the SQL inside its own
 * transactions (`task_deps_sqlite.ts`, `task_deps_postgres.ts`).
 *
 * A task's assignee is, in order: `metadata.arcdeno.assignee` of the message
 * that created it, that message's `to_agent`, or the owner of an active
 * claim on the task (`task_message_id` equal to the task id).
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { SYSTEM_AGENT, VENDOR } from "../protocol.ts";
import type { JsonObject, NewMessage, Task } from "./types.ts";

/** Most dependencies one request may name. */
export const MAX_DEPENDENCIES = 100;

/** The vendor table: one row per edge "task_id waits for depends_on". */
export const TASK_DEPS_SQLITE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS arcdeno_task_deps (
    task_id INTEGER NOT NULL,
    depends_on INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (task_id, depends_on)
  )`,
  `CREATE INDEX IF NOT EXISTS arcdeno_td_dep ON arcdeno_task_deps(depends_on)`,
] as const;

/** The same table on PostgreSQL. */
export const TASK_DEPS_POSTGRES_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS arcdeno_task_deps (
    task_id bigint NOT NULL,
    depends_on bigint NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    PRIMARY KEY (task_id, depends_on)
  )`,
  `CREATE INDEX IF NOT EXISTS arcdeno_td_dep ON arcdeno_task_deps (depends_on)`,
] as const;

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

/** `metadata.arcdeno.depends_on` of a validated message (checked by the hub before the store sees it). */
export function dependsOnOf(metadata: JsonObject): number[] {
  const list = vendorOf(metadata)?.["depends_on"];
  return list === undefined ? [] : parseTaskIds(list, "depends_on");
}

/** Checks `metadata.arcdeno` of a message to post: `depends_on` ids and a string `assignee`. */
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

/**
 * The assignee a task's message row (`to_agent`, `metadata_json`) names: the
 * explicit one in its metadata, else its `to_agent`.
 */
export function messageAssignee(
  row: Record<string, unknown> | undefined,
): string | null {
  let metadata: JsonObject = {};
  try {
    metadata = JSON.parse(String(row?.["metadata_json"] ?? "{}")) ?? {};
  } catch {
    // unreadable metadata names nobody
  }
  const explicit = vendorOf(metadata)?.["assignee"];
  if (typeof explicit === "string" && explicit.trim()) return explicit.trim();
  return row?.["to_agent"] == null ? null : String(row["to_agent"]);
}

/**
 * A path `from → … → to` along "depends on" edges, or null. `edgesOf`
 * returns the tasks one task depends on.
 */
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

/** Text of a cycle error: adding `taskId → dep` closes `dep → … → taskId`. */
export function cycleMessage(taskId: number, path: number[]): string {
  return `dependency cycle: ${[taskId, ...path].join(" -> ")}`;
}

/** One task with its dependency facts. */
export interface TaskDependencies {
  task: Task;
  depends_on: number[];
  open_dependencies: number[];
  assignee: string | null;
}

/** The notice posted when a task's last open dependency completes. */
export function readyNotice(
  task: Task,
  assignee: string | null,
  dependsOn: number[],
  completed: number,
): NewMessage {
  return {
    from_agent: SYSTEM_AGENT,
    to_agent: assignee,
    channel: task.channel,
    kind: "notice",
    body:
      `Task ${task.task_id} is ready: its last open dependency, task ${completed}, is done.`,
    attachments: [],
    reply_to: task.task_id,
    thread_id: task.thread_id,
    metadata: {
      [VENDOR]: {
        task_ready: task.task_id,
        depends_on: dependsOn,
        completed_dependency: completed,
        assignee,
      },
    },
  };
}
