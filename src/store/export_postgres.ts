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
import { reserveTables } from "./reserve.ts";
import { TASK_DEPS_POSTGRES_SCHEMA } from "./task_deps.ts";

/**
 * The vendor tables an import writes that may not exist yet (the receipt
 * tables come with the migrations; reservations are created on first use).
 */
const VENDOR_SCHEMA = [
  ...reserveTables(`text COLLATE "C"`),
  ...TASK_DEPS_POSTGRES_SCHEMA,
];

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
    hasTable: async (name) => {
      const [row] = await exec("SELECT to_regclass(?) IS NOT NULL AS found", [
        name,
      ]);
      return row?.["found"] === true;
    },
  };
}

/** Records handed from the transaction to the reader at a time. */
const BATCH = 500;

/**
 * Yields the rows `filter` selects, from one `REPEATABLE READ` snapshot.
 * The transaction runs in `sql.begin` (the pool's own way to hold a
 * connection) and hands batches over to this generator, waiting for each to
 * be taken, so memory stays bounded by one batch.
 */
export async function* exportPostgres(
  sql: postgres.Sql,
  filter: ExportFilter,
): AsyncGenerator<RowRecord> {
  let batch: RowRecord[] | null = null;
  let wakeReader: (() => void) | undefined;
  let wakeWriter: (() => void) | undefined;
  let finished = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  const writer = sql.begin(
    "isolation level repeatable read read only",
    async (tx) => {
      let pending: RowRecord[] = [];
      const handOff = async () => {
        batch = pending;
        pending = [];
        wakeReader?.();
        await new Promise<void>((resolve) => wakeWriter = resolve);
      };
      for await (const record of exportRows(runner(tx), filter)) {
        if (stopped) return;
        pending.push(record);
        if (pending.length >= BATCH) await handOff();
      }
      if (pending.length > 0 && !stopped) await handOff();
    },
  ).then(
    () => {},
    (error) => {
      failure = { error };
    },
  ).finally(() => {
    finished = true;
    wakeReader?.();
  });
  try {
    while (true) {
      if (batch === null && !finished) {
        await new Promise<void>((resolve) => wakeReader = resolve);
        wakeReader = undefined;
      }
      if (batch !== null) {
        const taken: RowRecord[] = batch;
        batch = null;
        const resume = wakeWriter;
        wakeWriter = undefined;
        resume?.();
        yield* taken;
        continue;
      }
      if (failure) throw failure.error;
      if (finished) return;
    }
  } finally {
    stopped = true;
    wakeWriter?.();
    await writer;
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
      vendorSchema: VENDOR_SCHEMA,
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
