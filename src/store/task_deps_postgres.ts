/**
 * Task dependencies on PostgreSQL. Every function runs on a connection the
 * backend lends it, inside the backend's transaction for writes. Edits of the
 * dependency graph take a table lock so two hubs never close a cycle between
 * them; a completion locks each dependent task row before it counts the open
 * dependencies, so when two dependencies complete at once on two hubs the
 * second one to count sees the first one's commit and exactly one notice is
 * posted.
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
import type { JsonObject, Message, NewMessage, Task } from "./types.ts";

type Row = Record<string, unknown>;

/** Runs one statement with `$n` parameters. */
export type PgQuery = (text: string, params?: unknown[]) => Promise<Row[]>;

/** A list of ids as a PostgreSQL array literal, for a `$n::bigint[]` parameter. */
function idArray(ids: number[]): string {
  return `{${ids.join(",")}}`;
}

async function task(
  q: PgQuery,
  taskId: number,
  forUpdate = false,
): Promise<Task | null> {
  const [row] = await q(
    `SELECT * FROM tasks WHERE task_id = $1${forUpdate ? " FOR UPDATE" : ""}`,
    [taskId],
  );
  return row ? toTask(row) : null;
}

async function requireTasks(q: PgQuery, ids: number[]): Promise<void> {
  if (!ids.length) return;
  const found = new Set(
    (await q("SELECT task_id FROM tasks WHERE task_id = ANY($1::bigint[])", [
      idArray(ids),
    ])).map((r) => Number(r["task_id"])),
  );
  const unknown = ids.filter((id) => !found.has(id));
  if (unknown.length) {
    throw new ValidationError(
      `depends_on references unknown task${unknown.length > 1 ? "s" : ""}: ${
        unknown.join(", ")
      }`,
    );
  }
}

async function assigneeOf(
  q: PgQuery,
  t: Task,
  now: string,
): Promise<string | null> {
  const [m] = await q(
    "SELECT to_agent, metadata_json FROM messages WHERE id = $1",
    [t.task_id],
  );
  const named = messageAssignee(m);
  if (named) return named;
  const [claim] = await q(
    `SELECT owner_agent_id FROM claims WHERE task_message_id = $1
     AND released_at IS NULL AND expires_at >= $2 ORDER BY claimed_at DESC LIMIT 1`,
    [t.task_id, now],
  );
  return claim ? String(claim["owner_agent_id"]) : null;
}

async function describe(
  q: PgQuery,
  t: Task,
  now: string,
): Promise<TaskDependencies> {
  const rows = await q(
    `SELECT d.depends_on, u.status FROM arcdeno_task_deps d
     LEFT JOIN tasks u ON u.task_id = d.depends_on
     WHERE d.task_id = $1 ORDER BY d.depends_on`,
    [t.task_id],
  );
  return {
    task: t,
    depends_on: rows.map((r) => Number(r["depends_on"])),
    open_dependencies: rows.filter((r) => r["status"] !== "done").map((r) =>
      Number(r["depends_on"])
    ),
    assignee: await assigneeOf(q, t, now),
  };
}

/** Checks the `depends_on` of a task message about to be inserted; throws `ValidationError` for unknown ids. */
export async function checkCreationDeps(
  q: PgQuery,
  metadata: JsonObject,
): Promise<number[]> {
  const deps = dependsOnOf(metadata);
  if (!deps.length) return deps;
  // The table lock the insert needs, taken now: never wait for it while
  // holding the message lock.
  await q("LOCK TABLE arcdeno_task_deps IN ROW EXCLUSIVE MODE");
  await requireTasks(q, deps);
  return deps;
}

/** Records the dependencies of a task message just inserted. */
export async function recordCreationDeps(
  q: PgQuery,
  message: Message,
  deps: number[],
): Promise<void> {
  if (!deps.length) return;
  await q(
    `INSERT INTO arcdeno_task_deps (task_id, depends_on, created_at)
     SELECT $1, dep, $3 FROM unnest($2::bigint[]) AS dep
     ON CONFLICT DO NOTHING`,
    [message.id, idArray(deps), message.ts],
  );
}

/** Adds dependencies to a task; null when the task is unknown. */
export async function addDeps(
  q: PgQuery,
  taskId: number,
  deps: number[],
  now: string,
): Promise<TaskDependencies | null> {
  await q("LOCK TABLE arcdeno_task_deps IN SHARE ROW EXCLUSIVE MODE");
  const t = await task(q, taskId, true);
  if (!t) return null;
  await requireTasks(q, deps);
  const graph = new Map<number, number[]>();
  const rows = await q("SELECT task_id, depends_on FROM arcdeno_task_deps");
  for (const r of rows) {
    const from = Number(r["task_id"]);
    graph.set(from, [...(graph.get(from) ?? []), Number(r["depends_on"])]);
  }
  for (const dep of deps) {
    const path = findPath(dep, taskId, (id) => graph.get(id) ?? []);
    if (path) throw new ConflictError(cycleMessage(taskId, path));
    graph.set(taskId, [...(graph.get(taskId) ?? []), dep]);
  }
  await q(
    `INSERT INTO arcdeno_task_deps (task_id, depends_on, created_at)
     SELECT $1, dep, $3 FROM unnest($2::bigint[]) AS dep
     ON CONFLICT DO NOTHING`,
    [taskId, idArray(deps), now],
  );
  return await describe(q, t, now);
}

/** A task's dependency facts; null when the task is unknown. */
export async function getDeps(
  q: PgQuery,
  taskId: number,
  now: string,
): Promise<TaskDependencies | null> {
  const t = await task(q, taskId);
  return t ? await describe(q, t, now) : null;
}

/** Open tasks whose dependencies are all done, optionally of one channel and assignee. */
export async function listReady(
  q: PgQuery,
  filter: { channel?: string; assignee?: string },
  now: string,
): Promise<TaskDependencies[]> {
  const rows = await q(
    `SELECT * FROM tasks t WHERE status = 'open'
       AND ($1::text IS NULL OR channel = $1::text) AND NOT EXISTS (
       SELECT 1 FROM arcdeno_task_deps d JOIN tasks u ON u.task_id = d.depends_on
       WHERE d.task_id = t.task_id AND u.status <> 'done')
     ORDER BY task_id`,
    [filter.channel ?? null],
  );
  const ready: TaskDependencies[] = [];
  for (const r of rows) ready.push(await describe(q, toTask(r), now));
  return filter.assignee === undefined
    ? ready
    : ready.filter((d) => d.assignee === filter.assignee);
}

/**
 * The notices for tasks whose last open dependency is among `doneIds`
 * (tasks this transaction just moved to done), to insert in the same
 * transaction.
 */
export async function readyNotices(
  q: PgQuery,
  doneIds: number[],
  now: string,
): Promise<NewMessage[]> {
  if (!doneIds.length) return [];
  const notices: NewMessage[] = [];
  const seen = new Set<number>();
  for (const done of doneIds) {
    const dependents = (await q(
      "SELECT task_id FROM arcdeno_task_deps WHERE depends_on = $1 ORDER BY task_id",
      [done],
    )).map((r) => Number(r["task_id"]));
    for (const id of dependents) {
      if (seen.has(id)) continue;
      seen.add(id);
      const t = await task(q, id, true);
      if (!t || t.status !== "open") continue;
      const d = await describe(q, t, now);
      if (d.open_dependencies.length) continue;
      notices.push(readyNotice(t, d.assignee, d.depends_on, done));
    }
  }
  return notices;
}
