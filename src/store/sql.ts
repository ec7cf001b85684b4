/**
 * SQL both backends run: statements written with `?` placeholders, which
 * PostgreSQL numbers (`$1`, `$2`, …) before sending.
 *
 * @module
 */

import type { LeaseTable } from "./leases.ts";
import type { TaskFilter } from "./types.ts";

/** One statement with `?` placeholders. */
export interface Statement {
  text: string;
  params: unknown[];
}

/** Turns `?` placeholders into PostgreSQL's `$1`, `$2`, …. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** `column = ?` for each equality that is given, joined with AND (`1 = 1` for none). */
function where(equal: [string, unknown][], extra: Statement[] = []): Statement {
  const given = equal.filter(([, v]) => v !== undefined);
  const conds = [
    ...given.map(([column]) => `${column} = ?`),
    ...extra.map((s) => s.text),
  ];
  return {
    text: conds.length ? conds.join(" AND ") : "1 = 1",
    params: [...given.map(([, v]) => v), ...extra.flatMap((s) => s.params)],
  };
}

/** Lists the rows of a lease table, by the time they were taken. */
export function leaseListSql(
  t: LeaseTable<unknown>,
  equal: [string, unknown][],
  liveAt: string | undefined,
): Statement {
  const w = where(
    equal,
    liveAt === undefined
      ? []
      : [{ text: "released_at IS NULL AND expires_at >= ?", params: [liveAt] }],
  );
  return {
    text:
      `SELECT * FROM ${t.table} WHERE ${w.text} ORDER BY ${t.since}, ${t.key}`,
    params: w.params,
  };
}

/** Lists tasks by id. */
export function taskListSql(filter: TaskFilter): Statement {
  const w = where([
    ["parent_task_id", filter.parentId],
    ["status", filter.status],
    ["channel", filter.channel],
    ["thread_id", filter.threadId],
  ]);
  return {
    text: `SELECT * FROM tasks WHERE ${w.text} ORDER BY task_id`,
    params: w.params,
  };
}
