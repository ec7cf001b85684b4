/**
 * SQL both backends run: statements written with `?` placeholders, which
 * PostgreSQL numbers (`$1`, `$2`, ...) before sending.
 *
 * @module
 */

import type { LeaseTable } from "./leases.ts";
import type { Claim, NewClaim, TaskFilter } from "./types.ts";
import { CLAIM_ROW, type Row } from "./rows.ts";

/** One statement with `?` placeholders. */
export interface Statement {
  text: string;
  params: unknown[];
}

/** Turns `?` placeholders into PostgreSQL's `$1`, `$2`, .... */
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

/**
 * Takes a claim: inserts it, or takes over the key's row (a released or
 * expired one; the unit has checked that it may). Parameters:
 * {@linkcode CLAIM_ROW}'s.
 */
export const CLAIM_UPSERT_SQL = `INSERT INTO claims (${CLAIM_ROW.columns})
  VALUES (${CLAIM_ROW.slots})
  ON CONFLICT (claim_key) DO UPDATE SET thread_id = excluded.thread_id,
    task_message_id = excluded.task_message_id,
    owner_agent_id = excluded.owner_agent_id,
    claimed_at = excluded.claimed_at, expires_at = excluded.expires_at,
    released_at = NULL, metadata_json = excluded.metadata_json`;

/** The claim row a {@linkcode CLAIM_UPSERT_SQL} writes. */
export function newClaim(
  input: NewClaim,
  claimedAt: string,
  expiresAt: string,
): Claim {
  return {
    claim_key: input.claim_key,
    thread_id: input.thread_id,
    task_message_id: input.task_message_id,
    owner_agent_id: input.owner_agent_id,
    claimed_at: claimedAt,
    expires_at: expiresAt,
    released_at: null,
    metadata: input.metadata,
  };
}

/** Every task dependency, for {@linkcode dependencyGraphOf}. */
export const DEPENDENCY_GRAPH_SQL =
  "SELECT task_id, depends_on FROM arcdeno_task_deps ORDER BY task_id, depends_on";

/** The rows of {@linkcode DEPENDENCY_GRAPH_SQL} as task id -> the tasks it depends on. */
export function dependencyGraphOf(rows: Row[]): Map<number, number[]> {
  const graph = new Map<number, number[]>();
  for (const r of rows) {
    const from = Number(r["task_id"]);
    const list = graph.get(from) ?? [];
    list.push(Number(r["depends_on"]));
    graph.set(from, list);
  }
  return graph;
}
