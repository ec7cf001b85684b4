/**
 * `arc backup` for the SQLite backend: an online copy of a live database,
 * checked before it is put in place.
 *
 * @module
 */

import { backup, DatabaseSync } from "node:sqlite";
import { basename, dirname, join } from "../../path.ts";

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
