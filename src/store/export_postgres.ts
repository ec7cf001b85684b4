/**
 * Export and import for the PostgreSQL backend. The export reads one
 * `REPEATABLE READ` snapshot on a reserved connection; the import runs in
 * one transaction and moves the message id sequence past the restored ids.
 *
 * @module
 */

import type postgres from "postgres";
import { ConflictError } from "../errors.ts";
import {
  type ExportFilter,
  type ExportRecord,
  exportRows,
  restoreRecords,
  type RowCounts,
  type RowRecord,
  type SqlRunner,
} from "./export_format.ts";

type Sql = postgres.Sql | postgres.TransactionSql | postgres.ReservedSql;

function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function runner(sql: Sql): SqlRunner {
  const exec = (text: string, params: unknown[]) =>
    sql.unsafe(
      numbered(text),
      params as postgres.ParameterOrJSON<never>[],
      { prepare: true },
    ) as unknown as Promise<Record<string, unknown>[]>;
  return {
    all: exec,
    run: async (text, params) => {
      await exec(text, params);
    },
    bool: (value) => value,
  };
}

/** Yields the rows `filter` selects, from one snapshot. */
export async function* exportPostgres(
  sql: postgres.Sql,
  filter: ExportFilter,
): AsyncGenerator<RowRecord> {
  const conn = await sql.reserve();
  try {
    await conn.unsafe("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    yield* exportRows(runner(conn), filter);
    await conn.unsafe("COMMIT");
  } finally {
    await conn.unsafe("ROLLBACK").catch(() => {});
    conn.release();
  }
}

/**
 * Restores an export into an empty database in one transaction; `before`
 * runs first inside it (the store takes its message lock there).
 */
export async function importPostgres(
  sql: postgres.Sql,
  records: AsyncIterable<ExportRecord>,
  options: {
    label: string;
    before: (tx: postgres.TransactionSql) => Promise<unknown>;
    onProgress?: (counts: RowCounts) => void;
  },
): Promise<RowCounts> {
  return await sql.begin(async (tx) => {
    await options.before(tx);
    const run = runner(tx);
    const counts = await restoreRecords(run, records, {
      label: options.label,
      conflict: (message) => new ConflictError(message),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    await run.run("DELETE FROM arc_thread_stats", []);
    await run.run(
      "DELETE FROM arc_meta WHERE key = 'thread_stats_through'",
      [],
    );
    if (counts.message > 0) {
      await run.all(
        "SELECT setval('arc_message_id_seq', (SELECT MAX(id) FROM messages))",
        [],
      );
    }
    return counts;
  }) as RowCounts;
}
