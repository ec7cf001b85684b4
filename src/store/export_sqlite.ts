/**
 * Export and import for the SQLite backend. Both run on a connection of
 * their own to the same file: the export inside one read transaction (a WAL
 * snapshot, so writers carry on and the export stays consistent), the
 * import inside one `BEGIN IMMEDIATE` (all or nothing). Being alone on
 * their connection, they may await between statements.
 *
 * @module
 */

import { backup, DatabaseSync, type StatementSync } from "node:sqlite";
import { basename, dirname, join } from "node:path";
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
import { SQLITE_RECEIPT_SCHEMA } from "./receipts.ts";
import { reserveTables } from "./reserve.ts";
import { TASK_DEPS_SQLITE_SCHEMA } from "./task_deps.ts";

/** The vendor tables an import writes (created if the file lacks them). */
const VENDOR_SCHEMA = [
  ...reserveTables("TEXT"),
  ...SQLITE_RECEIPT_SCHEMA,
  ...TASK_DEPS_SQLITE_SCHEMA,
];

type Param = string | number | null;

function open(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA busy_timeout = 5000");
  return db;
}

function runner(db: DatabaseSync): SqlRunner {
  const statements = new Map<string, StatementSync>();
  const stmt = (sql: string) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, s = db.prepare(sql));
    return s;
  };
  return {
    all: (sql, params) =>
      Promise.resolve(
        stmt(sql).all(...params as Param[]) as Record<string, unknown>[],
      ),
    run: (sql, params) => {
      stmt(sql).run(...params as Param[]);
      return Promise.resolve();
    },
    bool: (value) => value ? 1 : 0,
    hasTable: (name) =>
      Promise.resolve(
        stmt(
          "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
        ).all(name).length > 0,
      ),
  };
}

/** Yields the rows `filter` selects from the database at `path`, from one snapshot. */
export async function* exportSqlite(
  path: string,
  filter: ExportFilter,
): AsyncGenerator<RowRecord> {
  const db = open(path);
  try {
    db.exec("BEGIN");
    yield* exportRows(runner(db), filter);
  } finally {
    if (db.isTransaction) db.exec("COMMIT");
    db.close();
  }
}

/** Restores an export into the empty database at `path`, as one transaction. */
export async function importSqlite(
  path: string,
  records: AsyncIterable<ExportRecord>,
  onProgress?: (counts: RowCounts) => void,
): Promise<RowCounts> {
  const db = open(path);
  try {
    db.exec("PRAGMA foreign_keys = OFF");
    db.exec("BEGIN IMMEDIATE");
    const run = runner(db);
    const counts = await restoreRecords(run, records, {
      label: path,
      conflict: (message) => new ConflictError(message),
      vendorSchema: VENDOR_SCHEMA,
      ...(onProgress ? { onProgress } : {}),
    });
    // Per-thread statistics are folded in again from the restored messages.
    db.exec("DELETE FROM arc_thread_stats");
    db.exec("DELETE FROM arc_meta WHERE key = 'thread_stats_through'");
    // The full-text index starts over and indexes every restored message.
    if (await run.hasTable("arcdeno_search_state")) {
      db.exec("DELETE FROM arcdeno_search_state");
    }
    if (await run.hasTable("arcdeno_search")) {
      db.exec(
        "INSERT INTO arcdeno_search (arcdeno_search) VALUES ('delete-all')",
      );
    }
    db.exec("COMMIT");
    return counts;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  } finally {
    db.close();
  }
}

/** What `backupSqlite` wrote. */
export interface BackupResult {
  bytes: number;
  messages: number;
  integrity: string;
}

/**
 * Copies the live database at `path` to a new file `out` with SQLite's
 * online backup, all pages in one step, so it reads one snapshot: writers
 * carry on, and the copy holds every transaction committed before it began.
 * The copy is written beside `out` and renamed into place once it passes
 * `PRAGMA integrity_check`.
 *
 * @throws {RangeError} when `out` exists already, its folder is missing or
 * cannot be written, or `path` does not exist
 */
export async function backupSqlite(
  path: string,
  out: string,
): Promise<BackupResult> {
  checkFolder(out);
  try {
    Deno.lstatSync(out);
    throw new RangeError(
      `Cannot back up to ${out}: the file exists (choose a new file; a backup never overwrites)`,
    );
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  try {
    Deno.statSync(path);
  } catch {
    throw new RangeError(`Cannot back up ${path}: no such database file`);
  }
  const temp = join(dirname(out), `.${basename(out)}.${crypto.randomUUID()}`);
  try {
    // Created here first, so a folder that cannot be written is named as the
    // problem rather than reported as SQLite's "unable to open database file".
    Deno.writeFileSync(temp, new Uint8Array(), { createNew: true });
  } catch (error) {
    throw new RangeError(
      `Cannot back up to ${out}: cannot create a file in ${dirname(out)} (${
        (error as Error).message
      })`,
      { cause: error },
    );
  }
  try {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      db.exec("PRAGMA busy_timeout = 5000");
      await backup(db, temp, { rate: -1 });
    } finally {
      db.close();
    }
    const copy = new DatabaseSync(temp);
    let result: BackupResult;
    try {
      const rows = copy.prepare("PRAGMA integrity_check").all() as Record<
        string,
        unknown
      >[];
      const count = copy.prepare("SELECT COUNT(*) AS n FROM messages").get() as
        | Record<string, unknown>
        | undefined;
      result = {
        bytes: 0,
        messages: Number(count?.["n"] ?? 0),
        integrity: rows.map((r) => String(Object.values(r)[0])).join("; "),
      };
    } finally {
      copy.close();
    }
    if (result.integrity === "ok") {
      await Deno.rename(temp, out);
      result.bytes = Deno.statSync(out).size;
    }
    return result;
  } finally {
    await Deno.remove(temp).catch(() => {});
    await Deno.remove(`${temp}-wal`).catch(() => {});
    await Deno.remove(`${temp}-shm`).catch(() => {});
  }
}

/** Throws a `RangeError` naming the problem when the backup's folder is missing or not a folder. */
function checkFolder(out: string): void {
  const folder = dirname(out);
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(folder);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new RangeError(
        `Cannot back up to ${out}: the folder ${folder} does not exist (create it first, e.g. mkdir -p ${folder})`,
      );
    }
    throw new RangeError(
      `Cannot back up to ${out}: cannot read the folder ${folder} (${
        (error as Error).message
      })`,
    );
  }
  if (!info.isDirectory) {
    throw new RangeError(
      `Cannot back up to ${out}: ${folder} is not a folder`,
    );
  }
}
