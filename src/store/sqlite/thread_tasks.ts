/**
 * Per-thread task facts for `GET /v1/threads` on SQLite, kept incrementally
 * so listing threads does not aggregate every task row ever created.
 *
 * A task's thread, parent and channel never change, so its count, first id
 * and root id are folded into `arcdeno_thread_tasks` by task id, like the
 * message statistics. Unlike messages, a task row may be committed after a
 * higher one (the reference hub writes the task row in its own commit after
 * the message), so each fold also checks that the number of rows at or below
 * the mark is still the number folded, and rebuilds from scratch if not.
 * Open counts change with every completion and are counted live from a
 * partial index that holds only open tasks.
 *
 * @module
 */

/** Schema statements for the task facts; each is idempotent. */
export const THREAD_TASKS_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS arcdeno_thread_tasks (
    thread_id TEXT PRIMARY KEY,
    task_count INTEGER NOT NULL,
    first_task_id INTEGER NOT NULL,
    root_task_id INTEGER
  )`,
  `CREATE INDEX IF NOT EXISTS arcdeno_t_open ON tasks(thread_id)
     WHERE status = 'open'`,
];

/** Reads one row per thread with tasks: n, open, root, root_channel, first_channel. */
export const THREAD_TASKS_SQL = `SELECT t.thread_id, t.task_count AS n,
    t.root_task_id AS root,
    (SELECT COUNT(*) FROM tasks
       WHERE thread_id = t.thread_id AND status = 'open') AS open,
    (SELECT channel FROM tasks WHERE task_id = t.root_task_id) AS root_channel,
    (SELECT channel FROM tasks WHERE task_id = t.first_task_id) AS first_channel
  FROM arcdeno_thread_tasks AS t`;

type Row = Record<string, unknown>;

/** The statements the fold runs with, from the store. */
export interface FoldSql {
  get(sql: string, ...params: number[]): Row | undefined;
  run(sql: string, ...params: number[]): unknown;
  /** Runs `fn` in one immediate transaction. */
  tx(fn: () => void): void;
}

function meta(db: FoldSql, key: string): number {
  return Number(
    db.get(`SELECT value FROM arc_meta WHERE key = '${key}'`)?.["value"] ?? 0,
  );
}

function counts(db: FoldSql, through: number) {
  return {
    fresh: Number(
      db.get("SELECT COUNT(*) AS n FROM tasks WHERE task_id > ?", through)
        ?.["n"] ?? 0,
    ),
    all: Number(db.get("SELECT COUNT(*) AS n FROM tasks")?.["n"] ?? 0),
  };
}

/** Brings `arcdeno_thread_tasks` up to date with the tasks table. */
export function foldThreadTasks(db: FoldSql): void {
  const through = meta(db, "thread_tasks_through");
  const folded = meta(db, "thread_tasks_count");
  const seen = counts(db, through);
  if (seen.fresh === 0 && seen.all === folded) return;
  db.tx(() => {
    // Re-read under the write lock: another process may have folded meanwhile.
    let from = meta(db, "thread_tasks_through");
    let count = meta(db, "thread_tasks_count");
    const now = counts(db, from);
    if (now.all - now.fresh !== count) {
      // A row appeared (or went) at or below the mark: start over.
      db.run("DELETE FROM arcdeno_thread_tasks");
      from = 0;
      count = 0;
    }
    const to = Number(
      db.get("SELECT COALESCE(MAX(task_id), 0) AS mx FROM tasks")?.["mx"] ?? 0,
    );
    db.run(
      `INSERT INTO arcdeno_thread_tasks
         SELECT thread_id, COUNT(*), MIN(task_id),
                MIN(CASE WHEN parent_task_id IS NULL THEN task_id END)
         FROM tasks WHERE task_id > ? AND task_id <= ? AND thread_id IS NOT NULL
         GROUP BY thread_id
       ON CONFLICT(thread_id) DO UPDATE SET
         task_count = task_count + excluded.task_count,
         first_task_id = MIN(first_task_id, excluded.first_task_id),
         root_task_id = CASE
           WHEN root_task_id IS NULL THEN excluded.root_task_id
           WHEN excluded.root_task_id IS NULL THEN root_task_id
           ELSE MIN(root_task_id, excluded.root_task_id) END`,
      from,
      to,
    );
    count += Number(
      db.get(
        "SELECT COUNT(*) AS n FROM tasks WHERE task_id > ? AND task_id <= ?",
        from,
        to,
      )?.["n"] ?? 0,
    );
    for (
      const [key, value] of [["thread_tasks_through", to], [
        "thread_tasks_count",
        count,
      ]] as const
    ) {
      db.run(
        `INSERT INTO arc_meta VALUES ('${key}', ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
        value,
      );
    }
  });
}
