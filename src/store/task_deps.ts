/**
 * The task dependency table (`arcdeno:task_deps`) on both backends: one row
 * per edge "task_id waits for depends_on". The rules live in
 * `src/hub/units/task_deps.ts`.
 *
 * @module
 */

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
