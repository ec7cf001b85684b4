/**
 * Task dependencies on SQLite. Every function runs inside a unit the
 * backend already opened (`BEGIN IMMEDIATE` for writes), synchronously.
 *
 * @module
 */

import { ConflictError, ValidationError } from "../errors.ts";
import { toTask } from "./rows.ts";
import {
  cycleMessage,
  dependsOnOf,
  findPath,
  messageAssignee,
  readyNotice,
  type TaskDependencies,
} from "./task_deps.ts";
import type { Message, NewMessage, Task } from "./types.ts";

type Row = Record<string, unknown>;
type Param = string | number | null;

/** The statements the backend lends these functions. */
export interface SqliteOps {
  get(sql: string, ...params: Param[]): Row | undefined;
  all(sql: string, ...params: Param[]): Row[];
  run(sql: string, ...params: Param[]): unknown;
}

function task(db: SqliteOps, taskId: number): Task | null {
  const row = db.get("SELECT * FROM tasks WHERE task_id = ?", taskId);
  return row ? toTask(row) : null;
}

function edges(db: SqliteOps, taskId: number): number[] {
  return db.all(
    "SELECT depends_on FROM arcdeno_task_deps WHERE task_id = ? ORDER BY depends_on",
    taskId,
  ).map((r) => Number(r["depends_on"]));
}

function requireTasks(db: SqliteOps, ids: number[]): void {
  const unknown = ids.filter((id) => !task(db, id));
  if (unknown.length) {
    throw new ValidationError(
      `depends_on references unknown task${unknown.length > 1 ? "s" : ""}: ${
        unknown.join(", ")
      }`,
    );
  }
}

function assigneeOf(db: SqliteOps, t: Task, now: string): string | null {
  const m = db.get(
    "SELECT to_agent, metadata_json FROM messages WHERE id = ?",
    t.task_id,
  );
  const named = messageAssignee(m);
  if (named) return named;
  const claim = db.get(
    `SELECT owner_agent_id FROM claims WHERE task_message_id = ?
     AND released_at IS NULL AND expires_at >= ? ORDER BY claimed_at DESC LIMIT 1`,
    t.task_id,
    now,
  );
  return claim ? String(claim["owner_agent_id"]) : null;
}

function describe(db: SqliteOps, t: Task, now: string): TaskDependencies {
  const dependsOn = edges(db, t.task_id);
  const open = dependsOn.filter((id) => task(db, id)?.status !== "done");
  return {
    task: t,
    depends_on: dependsOn,
    open_dependencies: open,
    assignee: assigneeOf(db, t, now),
  };
}

/** Records the `depends_on` of a task message just inserted; throws `ValidationError` for unknown ids. */
export function recordCreationDeps(db: SqliteOps, message: Message): void {
  const deps = dependsOnOf(message.metadata);
  if (!deps.length) return;
  requireTasks(db, deps.filter((id) => id !== message.id));
  if (deps.includes(message.id)) {
    throw new ConflictError(cycleMessage(message.id, [message.id]));
  }
  for (const dep of deps) {
    db.run(
      "INSERT OR IGNORE INTO arcdeno_task_deps VALUES (?, ?, ?)",
      message.id,
      dep,
      message.ts,
    );
  }
}

/** Adds dependencies to a task; null when the task is unknown. */
export function addDeps(
  db: SqliteOps,
  taskId: number,
  deps: number[],
  now: string,
): TaskDependencies | null {
  const t = task(db, taskId);
  if (!t) return null;
  requireTasks(db, deps);
  for (const dep of deps) {
    const path = findPath(dep, taskId, (id) => edges(db, id));
    if (path) throw new ConflictError(cycleMessage(taskId, path));
    db.run(
      "INSERT OR IGNORE INTO arcdeno_task_deps VALUES (?, ?, ?)",
      taskId,
      dep,
      now,
    );
  }
  return describe(db, t, now);
}

/** A task's dependency facts; null when the task is unknown. */
export function getDeps(
  db: SqliteOps,
  taskId: number,
  now: string,
): TaskDependencies | null {
  const t = task(db, taskId);
  return t ? describe(db, t, now) : null;
}

/** Open tasks whose dependencies are all done, optionally of one channel and assignee. */
export function listReady(
  db: SqliteOps,
  filter: { channel?: string; assignee?: string },
  now: string,
): TaskDependencies[] {
  const rows = filter.channel === undefined
    ? db.all(
      `SELECT * FROM tasks t WHERE status = 'open' AND NOT EXISTS (
         SELECT 1 FROM arcdeno_task_deps d JOIN tasks u ON u.task_id = d.depends_on
         WHERE d.task_id = t.task_id AND u.status <> 'done')
       ORDER BY task_id`,
    )
    : db.all(
      `SELECT * FROM tasks t WHERE status = 'open' AND channel = ? AND NOT EXISTS (
         SELECT 1 FROM arcdeno_task_deps d JOIN tasks u ON u.task_id = d.depends_on
         WHERE d.task_id = t.task_id AND u.status <> 'done')
       ORDER BY task_id`,
      filter.channel,
    );
  const ready = rows.map((r) => describe(db, toTask(r), now));
  return filter.assignee === undefined
    ? ready
    : ready.filter((d) => d.assignee === filter.assignee);
}

/**
 * The notices for tasks whose last open dependency is among `doneIds`
 * (tasks this unit just moved to done). Run in the completing transaction,
 * so each notice is posted once.
 */
export function readyNotices(
  db: SqliteOps,
  doneIds: number[],
  now: string,
): NewMessage[] {
  const notices: NewMessage[] = [];
  const seen = new Set<number>();
  for (const done of doneIds) {
    const dependents = db.all(
      "SELECT task_id FROM arcdeno_task_deps WHERE depends_on = ? ORDER BY task_id",
      done,
    ).map((r) => Number(r["task_id"]));
    for (const id of dependents) {
      if (seen.has(id)) continue;
      seen.add(id);
      const t = task(db, id);
      if (!t || t.status !== "open") continue;
      const d = describe(db, t, now);
      if (d.open_dependencies.length) continue;
      notices.push(readyNotice(t, d.assignee, d.depends_on, done));
    }
  }
  return notices;
}
