/**
 * The data commands: `arc export` (a hub, a channel or a thread as JSON
 * Lines, from a running hub over HTTP or straight from its storage),
 * `arc backup` (a consistent copy of a live SQLite hub) and `arc import`
 * (an export restored into an empty hub). Progress goes to stderr.
 *
 * @module
 */

import { dirname, isAbsolute, join } from "../path.ts";
import { ConflictError, ValidationError } from "../errors.ts";
import {
  checkRecord,
  exportFilter,
  exportRecords,
  importRecords,
} from "../hub/export.ts";
import { deriveInstanceId } from "../hub/hub.ts";
import { Query } from "../hub/params.ts";
import { DEFAULTS } from "../protocol.ts";
import {
  type ExportRecord,
  ROW_TYPES,
  type RowCounts,
} from "../store/export_format.ts";
import { backupSqlite } from "../store/sqlite/backup.ts";
import { SqliteStore } from "../store/sqlite/store.ts";
import type { Store } from "../store/types.ts";
import { parseCommand, textFlags, UsageError } from "./args.ts";
import type { Io } from "./io.ts";
import { DEFAULT_URL, resolveConnection } from "./connection.ts";
import { readEnv } from "./permissions.ts";

/** Records between two progress lines. */
const PROGRESS_EVERY = 10_000;

/** Help for `arc export`. */
export const EXPORT_HELP =
  `Usage: arc export [--base-url URL | --storage FILE | --database URL] [--channel NAME | --thread-id ID] [--out FILE]

Writes the whole hub, one channel or one thread as JSON Lines: a header line
(format version, instance id, time), then one typed record a line
({"type":"channel",...}, "session", "message", "task", "claim", "lock", and the
hub's own "lock_holder", "fence", "receipt", "ack_wait", "task_dep",
"approval"), then an end line with the count of each type. Session secrets are never exported. The rows come from one consistent
snapshot; the hub keeps serving meanwhile.

Where from (default: the hub at ARC_URL; else the database at ARC_DATABASE_URL;
else the hub at ${DEFAULT_URL}):
  --base-url URL    a running hub, over HTTP (GET /v1/arcdeno/export); --url too
  --token TOKEN     bearer token for a remote hub (also ARC_TOKEN)
  --storage FILE    read a SQLite hub file directly (the hub may be running)
  --database URL    read a PostgreSQL hub directly (also ARC_DATABASE_URL)

What:
  --channel NAME    only this channel: its row, its messages and its tasks
  --thread-id ID    only this thread: its messages, tasks and claims, and the
                    channels they use
  --out FILE        write to FILE (written whole or not at all) instead of stdout
  -h, --help        show this help

Examples:
  arc export --out arc-export.jsonl
  arc export --base-url http://10.0.0.5:6969 --channel ops > ops.jsonl
  arc export --storage arc.sqlite3 --thread-id deploy-7 --out deploy-7.jsonl
`;

/** Help for `arc backup`. */
export const BACKUP_HELP = `Usage: arc backup --storage FILE --out COPY

Copies a SQLite hub file to COPY while hubs keep serving it (SQLite's online
backup in one step, which reads one snapshot: the copy holds every write
committed before the backup began and nothing half-done). The copy is checked with
PRAGMA integrity_check and can be served as it is ('arc serve --storage COPY').
COPY must not exist yet.

  --storage FILE    the hub's database file (default ${DEFAULTS.storage})
  --out COPY        the new file to write
  -h, --help        show this help

A PostgreSQL hub is backed up with PostgreSQL's own tools:
  pg_dump --format=custom --file=arc.dump "$ARC_DATABASE_URL"

Examples:
  arc backup --storage arc.sqlite3 --out backups/arc-$(date +%F).sqlite3
`;

/** Help for `arc import`. */
export const IMPORT_HELP =
  `Usage: arc import [--storage FILE | --database URL] EXPORT.jsonl

Restores an export (from 'arc export') into an EMPTY hub: one that holds no
messages, tasks, sessions, claims or locks and no channels beyond general and
direct. A hub that holds anything is refused and left untouched. The restore
is one transaction: all of it or none of it.

Kept as they were: message ids (so agents' since_id cursors stay valid),
timestamps, channels and their metadata, tasks with their status, claims and
locks with their expiry times, and so every thread. Sessions come back
inactive: agents register again. Give '-' to read the export from stdin.
Import before starting the hub, or into a hub nobody uses yet.

  --storage FILE    the SQLite file to restore into (created when missing;
                    default ${DEFAULTS.storage} unless ARC_DATABASE_URL is set)
  --database URL    a PostgreSQL database instead (also ARC_DATABASE_URL)
  -h, --help        show this help

Examples:
  arc import --storage restored.sqlite3 arc-export.jsonl
  arc export --base-url http://old-host:6969 | arc import --storage new.sqlite3 -
`;

/** Runs `arc export`, `arc backup` or `arc import`; resolves with the exit code. */

export async function runDataCommand(
  command: "export" | "backup" | "import",
  args: string[],
  io: Io,
): Promise<number> {
  try {
    switch (command) {
      case "export":
        return await runExport(args, io);
      case "backup":
        return await runBackup(args, io);
      case "import":
        return await runImport(args, io);
    }
  } catch (error) {
    if (
      error instanceof ValidationError || error instanceof ConflictError ||
      error instanceof DataError
    ) {
      io.err(`arc ${command}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** A failure of a data command, printed as one line with exit code 1. */
class DataError extends Error {
  override name = "DataError";
}

// -- export -----------------------------------------------------------

async function runExport(args: string[], io: Io): Promise<number> {
  const { out, err } = io;
  const parsed = parseCommand(args, {
    ...textFlags("base-url", "url", "token", "storage", "database", "channel"),
    ...textFlags("thread-id", "out"),
  }, { help: EXPORT_HELP, out });
  if (!parsed) return 0;
  const { values } = parsed;
  const sources = [values["base-url"] ?? values.url, values.storage]
    .concat(values.database).filter((v) => v !== undefined);
  if (sources.length > 1) {
    throw new UsageError("give one of --base-url, --storage, --database");
  }
  // The hub at --base-url or ARC_URL, else the database at
  // ARC_DATABASE_URL, else the hub at the default URL.
  const hub = values.storage === undefined && values.database === undefined
    ? resolveConnection(values)
    : undefined;
  const database = values.database ??
    (hub?.urlFrom === "default" ? readEnv("ARC_DATABASE_URL") : undefined);
  if (values.channel !== undefined && values["thread-id"] !== undefined) {
    throw new UsageError("give --channel or --thread-id, not both");
  }
  const params = new URLSearchParams();
  if (values.channel !== undefined) params.set("channel", values.channel);
  if (values["thread-id"] !== undefined) {
    params.set("thread_id", values["thread-id"]);
  }
  const sink = await openSink(values.out);
  const started = performance.now();
  let lines = 0;
  let counts: RowCounts | undefined;
  try {
    const source = hub === undefined || database !== undefined
      ? storeLines(values.storage, database, params)
      : httpLines(hub.url, hub.token, params);
    for await (const line of source) {
      await sink.write(line);
      lines++;
      if (lines % PROGRESS_EVERY === 0) {
        err(`exported ${lines} records...`);
      }
      if (line.startsWith('{"type":"end"')) {
        counts = (JSON.parse(line) as { counts: RowCounts }).counts;
      }
    }
    if (!counts) {
      throw new DataError(
        `the export stopped early after ${lines} records (the hub closed the stream before the end record)${
          values.out ? `; ${values.out} was not written` : ""
        }`,
      );
    }
    await sink.commit();
  } catch (error) {
    await sink.abort();
    // The reader went away (e.g. 'arc export | head'): stop quietly.
    if (error instanceof Deno.errors.BrokenPipe) return 1;
    throw error;
  }
  err(
    `exported ${describeCounts(counts)}${
      values.out ? ` to ${values.out}` : ""
    } in ${seconds(started)}`,
  );
  return 0;
}

/** The lines of an export served by a running hub. */
async function* httpLines(
  baseUrl: string,
  token: string | undefined,
  params: URLSearchParams,
): AsyncGenerator<string> {
  const url = `${baseUrl}/v1/arcdeno/export${params.size ? `?${params}` : ""}`;
  const headers: Record<string, string> = {};
  if (token) headers["authorization"] = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(url, { headers });
  } catch (error) {
    throw new DataError(
      `could not reach the hub at ${baseUrl}: ${(error as Error).message}`,
    );
  }
  if (!response.ok) {
    const text = await response.text();
    let message = text.slice(0, 300);
    try {
      message = JSON.parse(text).error ?? message;
    } catch { /* not an envelope */ }
    if (response.status === 404 && message.startsWith("not found: GET")) {
      throw new DataError(
        `the hub at ${baseUrl} does not offer exports (it lacks the arcdeno:export feature); export its storage with --storage instead`,
      );
    }
    throw new DataError(
      `the hub refused the export: ${message} (HTTP ${response.status})`,
    );
  }
  if (!response.body) throw new DataError("the hub sent no export");
  for await (const [, line] of readLines(response.body)) yield line;
}

/** The lines of an export read straight from a store. */
async function* storeLines(
  storage: string | undefined,
  database: string | undefined,
  params: URLSearchParams,
): AsyncGenerator<string> {
  if (storage !== undefined) {
    try {
      Deno.statSync(storage);
    } catch {
      throw new DataError(`no hub database at ${storage}`);
    }
  }
  await using store = await openStore(storage, database);
  const instanceId = await deriveInstanceId(
    store.info.storagePath,
    await store.birthMarker(),
  );
  const filter = await exportFilter(store, new Query(params));
  for await (const record of exportRecords(store, instanceId, filter)) {
    yield JSON.stringify(record);
  }
}

/** Where an export goes: stdout, or a temp file renamed into place on success. */
async function openSink(path: string | undefined): Promise<{
  write(line: string): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}> {
  const encoder = new TextEncoder();
  const target = path === undefined ? undefined : absolute(path);
  const temp = target === undefined
    ? undefined
    : join(dirname(target), `.${crypto.randomUUID()}.export.tmp`);
  let file: { writable: WritableStream<Uint8Array> };
  try {
    file = temp === undefined
      ? Deno.stdout
      : await Deno.open(temp, { write: true, createNew: true });
  } catch (error) {
    throw new DataError(`cannot write ${path}: ${(error as Error).message}`);
  }
  const writer = file.writable.getWriter();
  let pending = "";
  const flush = async () => {
    if (pending) await writer.write(encoder.encode(pending));
    pending = "";
  };
  return {
    async write(line) {
      pending += line + "\n";
      if (pending.length > 65_536) await flush();
    },
    async commit() {
      await flush();
      if (temp === undefined) {
        writer.releaseLock();
        return;
      }
      await writer.close();
      await Deno.rename(temp, target!);
    },
    async abort() {
      if (temp === undefined) {
        await flush().catch(() => {});
        writer.releaseLock();
        return;
      }
      await writer.close().catch(() => {});
      await Deno.remove(temp).catch(() => {});
    },
  };
}

// -- backup -----------------------------------------------------------

async function runBackup(args: string[], io: Io): Promise<number> {
  const { out } = io;
  const parsed = parseCommand(args, {
    ...textFlags("storage", "database", "out"),
  }, { help: BACKUP_HELP, out });
  if (!parsed) return 0;
  const { values } = parsed;
  if (values.database !== undefined) {
    throw new DataError(
      "backup copies SQLite files; back a PostgreSQL hub up with pg_dump (e.g. pg_dump --format=custom --file=arc.dump \"$ARC_DATABASE_URL\"), or take a logical copy with 'arc export --database URL'",
    );
  }
  if (!values.out) throw new UsageError("--out COPY is required");
  const storage = absolute(values.storage ?? DEFAULTS.storage);
  const copy = absolute(values.out);
  if (storage === copy) {
    throw new UsageError("--out must name a new file, not the hub's own");
  }
  const started = performance.now();
  let result;
  try {
    result = await backupSqlite(storage, copy);
  } catch (error) {
    if (error instanceof RangeError) throw new DataError(error.message);
    throw new DataError(
      `could not back up ${storage}: ${(error as Error).message}`,
    );
  }
  if (result.integrity !== "ok") {
    throw new DataError(
      `the copy at ${copy} failed its integrity check: ${result.integrity}`,
    );
  }
  out(
    `backed up ${storage} to ${copy}: ${result.messages} messages, ${result.bytes} bytes, integrity ok, in ${
      seconds(started)
    }`,
  );
  return 0;
}

// -- import -----------------------------------------------------------

async function runImport(args: string[], io: Io): Promise<number> {
  const { out, err } = io;
  const parsed = parseCommand(args, {
    ...textFlags("storage", "database"),
  }, { help: IMPORT_HELP, out, positionals: true });
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    throw new UsageError(
      "give exactly one export file to import ('-' for stdin)",
    );
  }
  if (values.storage !== undefined && values.database !== undefined) {
    throw new UsageError("give --storage or --database, not both");
  }
  const path = positionals[0]!;
  let input: ReadableStream<Uint8Array>;
  try {
    input = path === "-"
      ? Deno.stdin.readable
      : (await Deno.open(path)).readable;
  } catch (error) {
    throw new DataError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const started = performance.now();
  await using store = await openStore(values.storage, values.database);
  let counts: RowCounts;
  try {
    counts = await importRecords(
      store,
      records(input),
      (c) =>
        err(
          `imported ${
            ROW_TYPES.reduce((n, t) => n + c[t], 0)
          } rows (${c.message} messages)...`,
        ),
    );
  } finally {
    await input.cancel().catch(() => {});
  }
  out(
    `imported ${describeCounts(counts)} into ${store.info.storagePath} in ${
      seconds(started)
    }`,
  );
  return 0;
}

/** Parses and checks the lines of an export. */
async function* records(
  input: ReadableStream<Uint8Array>,
): AsyncGenerator<ExportRecord> {
  for await (const [n, line] of readLines(input)) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ValidationError(
        `line ${n}: not JSON (${line.slice(0, 60)}${
          line.length > 60 ? "..." : ""
        })`,
      );
    }
    yield checkRecord(value, n);
  }
}

// -- shared -----------------------------------------------------------

async function openStore(
  storage: string | undefined,
  database: string | undefined,
): Promise<Store> {
  const url = database ??
    (storage === undefined ? readEnv("ARC_DATABASE_URL") : undefined);
  // The driver loads only for a database URL.
  if (url !== undefined) {
    return await (await import("../store/postgres/store.ts")).PostgresStore
      .open(url);
  }
  const path = absolute(storage ?? DEFAULTS.storage);
  Deno.mkdirSync(dirname(path), { recursive: true });
  return SqliteStore.open(path);
}

/** Yields the non-empty lines of a byte stream with their 1-based numbers. */
async function* readLines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<[number, string]> {
  let buffer = "";
  let n = 0;
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (buffer + chunk).split("\n");
    buffer = parts.pop()!;
    for (const part of parts) {
      n++;
      const line = part.replace(/\r$/, "");
      if (line.trim()) yield [n, line];
    }
  }
  n++;
  if (buffer.trim()) yield [n, buffer];
}

function describeCounts(counts: RowCounts): string {
  // Vendor row types are named only when the export holds some.
  return ROW_TYPES.filter((t, i) => i < 6 || (counts[t] ?? 0) > 0)
    .map((t) => `${counts[t] ?? 0} ${t}s`).join(", ");
}

function seconds(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : join(Deno.cwd(), path);
}
