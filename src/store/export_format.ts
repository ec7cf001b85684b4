/**
 * The export format (vendor extension `arcdeno:export`): JSON Lines, one
 * typed record a line. A header line opens the file, the rows follow
 * (channels, sessions, messages in id order, tasks, claims, locks, then the
 * vendor rows: lock holders and the fence counter of reservations, delivery
 * receipts and acknowledgement waits, task dependencies) and an `end` line
 * closes it with the count of each record type, so a truncated file is
 * recognised. Protocol records hold rows exactly as the HTTP API shows them.
 * Session secrets and the search index are never exported: sessions come
 * back inactive, and the index rebuilds itself from the restored messages.
 * Version 1 files (protocol rows only) still import.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import {
  toChannel,
  toClaim,
  toLock,
  toMessage,
  toSession,
  toTask,
} from "./rows.ts";
import { type Receipt, toReceipt } from "./receipts.ts";
import type {
  Channel,
  Claim,
  JsonObject,
  Lock,
  Message,
  Session,
  Task,
} from "./types.ts";

/** Value of the header's `format` field. */
export const EXPORT_FORMAT = "arcdeno-export";

/** Version of the record layout; an import refuses newer versions. */
export const EXPORT_VERSION = 2;

/** Which rows an export selects. */
export type ExportFilter =
  /** Every row of the protocol tables. */
  | { kind: "all" }
  /** One channel: its row, its messages and its tasks. */
  | { kind: "channel"; channel: string }
  /** One thread: its messages, tasks and claims, and the channels they name. */
  | { kind: "thread"; threadId: string };

/** The first line of an export. */
export interface HeaderRecord {
  type: "header";
  format: typeof EXPORT_FORMAT;
  version: number;
  instance_id: string;
  exported_at: string;
  implementation: string;
  implementation_version: string;
  backend: string;
  filter: JsonObject;
}

/** One grant of a reservation (`arcdeno_lock_holders`), since version 2. */
export interface LockHolderRow extends Lock {
  mode: "shared" | "exclusive";
  fence: number;
  /** Whether this grant owns the pattern's `locks` row. */
  primary: boolean;
}

/** The reservations' fence counter (`arcdeno_fence`), since version 2. */
export interface FenceRow {
  value: number;
}

/** A wait for an acknowledgement (`arcdeno_ack_waits`), since version 2. */
export interface AckWaitRow {
  message_id: number;
  from_agent: string;
  to_agent: string | null;
  ts: string;
  ack_within_sec: number | null;
  acked_at: string | null;
  acked_by: string | null;
}

/** A dependency edge between tasks (`arcdeno_task_deps`), since version 2. */
export interface TaskDepRow {
  task_id: number;
  depends_on: number;
  created_at: string;
}

/** A row of the export; `type` names its table. */
export type RowRecord =
  | ({ type: "channel" } & Channel)
  | ({ type: "session" } & Session)
  | ({ type: "message" } & Message)
  | ({ type: "task" } & Task)
  | ({ type: "claim" } & Claim)
  | ({ type: "lock" } & Lock)
  | ({ type: "lock_holder" } & LockHolderRow)
  | ({ type: "fence" } & FenceRow)
  | ({ type: "receipt" } & Receipt)
  | ({ type: "ack_wait" } & AckWaitRow)
  | ({ type: "task_dep" } & TaskDepRow);

/** The row types in the order an export writes them. */
export const ROW_TYPES = [
  "channel",
  "session",
  "message",
  "task",
  "claim",
  "lock",
  "lock_holder",
  "fence",
  "receipt",
  "ack_wait",
  "task_dep",
] as const;

/** A row type. */
export type RowType = typeof ROW_TYPES[number];

/** Rows of each type written or restored. */
export type RowCounts = Record<RowType, number>;

/** The last line of an export. */
export interface EndRecord {
  type: "end";
  /** A version 1 export has no counts for the vendor row types. */
  counts: Partial<RowCounts>;
}

/** Any line of an export. */
export type ExportRecord = HeaderRecord | RowRecord | EndRecord;

/** A count of zero for each row type. */
export function emptyCounts(): RowCounts {
  return {
    channel: 0,
    session: 0,
    message: 0,
    task: 0,
    claim: 0,
    lock: 0,
    lock_holder: 0,
    fence: 0,
    receipt: 0,
    ack_wait: 0,
    task_dep: 0,
  };
}

/** The filter as the header records it. */
export function describeFilter(filter: ExportFilter): JsonObject {
  switch (filter.kind) {
    case "all":
      return {};
    case "channel":
      return { channel: filter.channel };
    case "thread":
      return { thread_id: filter.threadId };
  }
}

// ── checking records read back from a file ──────────────────────────

type FieldType =
  | "string"
  | "string?"
  | "int"
  | "int?"
  | "object"
  | "array"
  | "bool"
  | "mode";

const FIELDS: Record<RowType, Record<string, FieldType>> = {
  channel: {
    name: "string",
    created_at: "string",
    created_by: "string?",
    metadata: "object",
  },
  session: {
    session_id: "string",
    agent_id: "string",
    display_name: "string",
    capabilities: "array",
    metadata: "object",
    created_at: "string",
    last_seen: "string",
  },
  message: {
    id: "int",
    ts: "string",
    from_agent: "string",
    to_agent: "string?",
    channel: "string",
    kind: "string",
    body: "string",
    attachments: "array",
    reply_to: "int?",
    thread_id: "string?",
    metadata: "object",
  },
  task: {
    task_id: "int",
    parent_task_id: "int?",
    channel: "string",
    thread_id: "string?",
    status: "string",
    created_at: "string",
    completed_at: "string?",
  },
  claim: {
    claim_key: "string",
    thread_id: "string?",
    task_message_id: "int?",
    owner_agent_id: "string",
    claimed_at: "string",
    expires_at: "string",
    released_at: "string?",
    metadata: "object",
  },
  lock: {
    file_path: "string",
    agent_id: "string",
    locked_at: "string",
    expires_at: "string",
    released_at: "string?",
    metadata: "object",
  },
  lock_holder: {
    file_path: "string",
    agent_id: "string",
    locked_at: "string",
    expires_at: "string",
    released_at: "string?",
    metadata: "object",
    mode: "mode",
    fence: "int",
    primary: "bool",
  },
  fence: { value: "int" },
  receipt: {
    message_id: "int",
    agent_id: "string",
    delivered_at: "string",
    acked_at: "string?",
  },
  ack_wait: {
    message_id: "int",
    from_agent: "string",
    to_agent: "string?",
    ts: "string",
    ack_within_sec: "int?",
    acked_at: "string?",
    acked_by: "string?",
  },
  task_dep: { task_id: "int", depends_on: "int", created_at: "string" },
};

function fits(value: unknown, type: FieldType): boolean {
  if (type.endsWith("?") && value === null) return true;
  switch (type) {
    case "string":
    case "string?":
      return typeof value === "string";
    case "int":
    case "int?":
      return Number.isSafeInteger(value) && (value as number) >= 0;
    case "object":
      return typeof value === "object" && value !== null &&
        !Array.isArray(value);
    case "array":
      return Array.isArray(value);
    case "bool":
      return typeof value === "boolean";
    case "mode":
      return value === "shared" || value === "exclusive";
  }
}

/**
 * Checks one parsed line of an export and returns it typed.
 *
 * @param value the parsed JSON of the line
 * @param line its 1-based line number, for the error text
 * @throws {ValidationError} when the line is not a record this version knows
 */
export function checkRecord(value: unknown, line: number): ExportRecord {
  const where = `line ${line}`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError(`${where}: expected a JSON object`);
  }
  const record = value as JsonObject;
  const type = record["type"];
  if (type === "header") {
    if (record["format"] !== EXPORT_FORMAT) {
      throw new ValidationError(
        `${where}: not an Arc export (format is ${
          JSON.stringify(record["format"])
        }, expected "${EXPORT_FORMAT}")`,
      );
    }
    const version = record["version"];
    if (!Number.isInteger(version) || (version as number) > EXPORT_VERSION) {
      throw new ValidationError(
        `${where}: export format version ${version} is newer than this hub reads (${EXPORT_VERSION}); upgrade the hub`,
      );
    }
    return record as unknown as HeaderRecord;
  }
  if (type === "end") {
    const counts = record["counts"];
    if (typeof counts !== "object" || counts === null) {
      throw new ValidationError(`${where}: end record without counts`);
    }
    return record as unknown as EndRecord;
  }
  if (typeof type !== "string" || !(type in FIELDS)) {
    throw new ValidationError(
      `${where}: unknown record type ${
        JSON.stringify(type)
      } (expected one of header, ${ROW_TYPES.join(", ")}, end)`,
    );
  }
  for (const [field, fieldType] of Object.entries(FIELDS[type as RowType])) {
    if (!fits(record[field], fieldType)) {
      throw new ValidationError(
        `${where}: ${type} field '${field}' must be ${
          fieldType === "mode"
            ? '"shared" or "exclusive"'
            : fieldType === "bool"
            ? "true or false"
            : fieldType.replace("?", " or null").replace(
              "int",
              "a whole number",
            )
        }, got ${JSON.stringify(record[field]) ?? "nothing"}`,
      );
    }
  }
  return record as unknown as RowRecord;
}

// ── the backend-neutral SQL both stores run ─────────────────────────

/** How a backend runs SQL written with `?` placeholders. */
export interface SqlRunner {
  all(sql: string, params: unknown[]): Promise<Record<string, unknown>[]>;
  run(sql: string, params: unknown[]): Promise<void>;
  /** The backend's representation of a boolean column value. */
  bool(value: boolean): unknown;
  /** Whether a table exists (vendor tables may be created on first use). */
  hasTable(name: string): Promise<boolean>;
}

/** One table an export pages through, in key order. */
export interface ExportTable {
  type: RowType;
  /** The table read; a vendor table that does not exist yields nothing. */
  name: string;
  /** `SELECT ... WHERE <conds> AND (keys) > (?, …) ORDER BY keys LIMIT n`. */
  select: string;
  params: unknown[];
  key: string[];
  /** Key values below every row, where paging starts. */
  start: unknown[];
}

const PAGE = 1000;

function table(
  type: RowType,
  name: string,
  key: string | [string, unknown][],
  where: string | undefined,
  params: unknown[],
): ExportTable {
  const keys: [string, unknown][] = typeof key === "string"
    ? [[key, type === "message" || type === "task" ? -1 : ""]]
    : key;
  const names = keys.map(([k]) => k);
  const after = names.length === 1
    ? `${names[0]} > ?`
    : `(${names.join(", ")}) > (${names.map(() => "?").join(", ")})`;
  const conds = where ? `${where} AND ${after}` : after;
  return {
    type,
    name,
    key: names,
    start: keys.map(([, v]) => v),
    params,
    select: `SELECT * FROM ${name} WHERE ${conds} ORDER BY ${
      names.join(", ")
    } LIMIT ${PAGE}`,
  };
}

const HOLDER_KEY: [string, unknown][] = [["file_path", ""], ["agent_id", ""]];
const RECEIPT_KEY: [string, unknown][] = [["message_id", -1], [
  "agent_id",
  "",
]];
const WAIT_KEY: [string, unknown][] = [["message_id", -1]];
const DEP_KEY: [string, unknown][] = [["task_id", -1], ["depends_on", -1]];

/**
 * The vendor rows that belong to the messages and tasks a filter selects
 * (`column` is `channel` or `thread_id`): receipts and waits of exported
 * messages, dependency edges whose two tasks are both exported.
 */
function vendorTables(column: string, value: string): ExportTable[] {
  const messages =
    `message_id IN (SELECT id FROM messages WHERE ${column} = ?)`;
  const tasks = (c: string) =>
    `${c} IN (SELECT task_id FROM tasks WHERE ${column} = ?)`;
  return [
    table("receipt", "arcdeno_receipts", RECEIPT_KEY, messages, [value]),
    table("ack_wait", "arcdeno_ack_waits", WAIT_KEY, messages, [value]),
    table(
      "task_dep",
      "arcdeno_task_deps",
      DEP_KEY,
      `${tasks("task_id")} AND ${tasks("depends_on")}`,
      [value, value],
    ),
  ];
}

/** The tables (with their filter) an export reads, in output order. */
export function exportTables(filter: ExportFilter): ExportTable[] {
  if (filter.kind === "all") {
    return [
      table("channel", "channels", "name", undefined, []),
      table("session", "sessions", "session_id", undefined, []),
      table("message", "messages", "id", undefined, []),
      table("task", "tasks", "task_id", undefined, []),
      table("claim", "claims", "claim_key", undefined, []),
      table("lock", "locks", "file_path", undefined, []),
      table("lock_holder", "arcdeno_lock_holders", HOLDER_KEY, undefined, []),
      table("fence", "arcdeno_fence", [["id", -1]], undefined, []),
      table("receipt", "arcdeno_receipts", RECEIPT_KEY, undefined, []),
      table("ack_wait", "arcdeno_ack_waits", WAIT_KEY, undefined, []),
      table("task_dep", "arcdeno_task_deps", DEP_KEY, undefined, []),
    ];
  }
  if (filter.kind === "channel") {
    const c = [filter.channel];
    return [
      table("channel", "channels", "name", "name = ?", c),
      table("message", "messages", "id", "channel = ?", c),
      table("task", "tasks", "task_id", "channel = ?", c),
      ...vendorTables("channel", filter.channel),
    ];
  }
  const t = [filter.threadId];
  return [
    table(
      "channel",
      "channels",
      "name",
      "name IN (SELECT channel FROM messages WHERE thread_id = ? UNION SELECT channel FROM tasks WHERE thread_id = ?)",
      [filter.threadId, filter.threadId],
    ),
    table("message", "messages", "id", "thread_id = ?", t),
    table("task", "tasks", "task_id", "thread_id = ?", t),
    table("claim", "claims", "claim_key", "thread_id = ?", t),
    ...vendorTables("thread_id", filter.threadId),
  ];
}

/** Row mappers by record type. */
const ROW_MAPPERS: Record<RowType, (row: Record<string, unknown>) => object> = {
  channel: toChannel,
  session: toSession,
  message: toMessage,
  task: toTask,
  claim: toClaim,
  lock: toLock,
  lock_holder: (r) => ({
    ...toLock(r),
    mode: r["mode"] === "shared" ? "shared" : "exclusive",
    fence: Number(r["fence"] ?? 0),
    primary: Number(r["primary_row"]) === 1,
  }),
  fence: (r) => ({ value: Number(r["value"]) }),
  receipt: toReceipt,
  ack_wait: (r) => ({
    message_id: Number(r["message_id"]),
    from_agent: String(r["from_agent"]),
    to_agent: nullable(r["to_agent"]),
    ts: String(r["ts"]),
    ack_within_sec: r["ack_within_sec"] == null
      ? null
      : Number(r["ack_within_sec"]),
    acked_at: nullable(r["acked_at"]),
    acked_by: nullable(r["acked_by"]),
  }),
  task_dep: (r) => ({
    task_id: Number(r["task_id"]),
    depends_on: Number(r["depends_on"]),
    created_at: String(r["created_at"]),
  }),
};

function nullable(value: unknown): string | null {
  return value == null ? null : String(value);
}

/** The vendor tables an import writes, which an empty store may not have yet. */
export const VENDOR_TABLES = [
  "arcdeno_lock_holders",
  "arcdeno_fence",
  "arcdeno_receipts",
  "arcdeno_ack_waits",
  "arcdeno_task_deps",
] as const;

/**
 * Pages through every table of `filter` with `runner` (which must read one
 * consistent snapshot) and yields the rows as records.
 */
export async function* exportRows(
  runner: SqlRunner,
  filter: ExportFilter,
): AsyncGenerator<RowRecord> {
  for (const t of exportTables(filter)) {
    if (t.name.startsWith("arcdeno_") && !(await runner.hasTable(t.name))) {
      continue;
    }
    let after: unknown[] = t.start;
    while (true) {
      const rows = await runner.all(t.select, [...t.params, ...after]);
      for (const row of rows) {
        yield { type: t.type, ...ROW_MAPPERS[t.type](row) } as RowRecord;
      }
      if (rows.length < PAGE) break;
      const last = rows[rows.length - 1]!;
      after = t.key.map((k) => last[k]);
    }
  }
}

const BUILTIN = ["general", "direct"];

/**
 * Refuses to restore into a store that holds anything beyond the builtin
 * channels.
 *
 * @throws {ConflictError} naming what the store holds
 */
export async function checkEmpty(
  runner: SqlRunner,
  label: string,
  conflict: (message: string) => Error,
): Promise<void> {
  const held: string[] = [];
  for (
    const [table, what] of [
      ["messages", "messages"],
      ["tasks", "tasks"],
      ["sessions", "sessions"],
      ["claims", "claims"],
      ["locks", "locks"],
      ["arcdeno_lock_holders", "lock holders"],
      ["arcdeno_receipts", "delivery receipts"],
      ["arcdeno_ack_waits", "acknowledgement waits"],
      ["arcdeno_task_deps", "task dependencies"],
    ] as const
  ) {
    if (table.startsWith("arcdeno_") && !(await runner.hasTable(table))) {
      continue;
    }
    const [row] = await runner.all(`SELECT COUNT(*) AS n FROM ${table}`, []);
    const n = Number(row?.["n"] ?? 0);
    if (n > 0) held.push(`${n} ${what}`);
  }
  const [row] = await runner.all(
    `SELECT COUNT(*) AS n FROM channels WHERE name NOT IN (?, ?)`,
    BUILTIN,
  );
  const channels = Number(row?.["n"] ?? 0);
  if (channels > 0) held.push(`${channels} channels of its own`);
  if (held.length > 0) {
    throw conflict(
      `cannot import into ${label}: it is not empty (it holds ${
        held.join(", ")
      }); an import only restores into a new, empty hub, so give a new --storage file or an empty database`,
    );
  }
}

/** Writes one record with `runner`; `session` rows are restored inactive. */
export async function writeRecord(
  runner: SqlRunner,
  record: RowRecord,
): Promise<void> {
  const j = (v: unknown) => JSON.stringify(v);
  switch (record.type) {
    case "channel":
      if (BUILTIN.includes(record.name)) {
        await runner.run(
          "UPDATE channels SET created_at = ?, created_by = ?, metadata_json = ? WHERE name = ?",
          [
            record.created_at,
            record.created_by,
            j(record.metadata),
            record.name,
          ],
        );
        return;
      }
      await runner.run(
        "INSERT INTO channels (name, created_at, created_by, metadata_json) VALUES (?, ?, ?, ?)",
        [record.name, record.created_at, record.created_by, j(record.metadata)],
      );
      return;
    case "session":
      await runner.run(
        `INSERT INTO sessions (session_id, agent_id, display_name, capabilities_json,
           metadata_json, created_at, last_seen, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          record.session_id,
          record.agent_id,
          record.display_name,
          j(record.capabilities),
          j(record.metadata),
          record.created_at,
          record.last_seen,
          runner.bool(false),
        ],
      );
      return;
    case "message":
      await runner.run(
        `INSERT INTO messages (id, ts, from_agent, to_agent, channel, kind, body,
           attachments_json, reply_to, thread_id, metadata_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          record.id,
          record.ts,
          record.from_agent,
          record.to_agent,
          record.channel,
          record.kind,
          record.body,
          j(record.attachments),
          record.reply_to,
          record.thread_id,
          j(record.metadata),
        ],
      );
      return;
    case "task":
      await runner.run(
        `INSERT INTO tasks (task_id, parent_task_id, channel, thread_id, status,
           created_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [
          record.task_id,
          record.parent_task_id,
          record.channel,
          record.thread_id,
          record.status === "done" ? "done" : "open",
          record.created_at,
          record.completed_at,
        ],
      );
      return;
    case "claim":
      await runner.run(
        `INSERT INTO claims (claim_key, thread_id, task_message_id, owner_agent_id,
           claimed_at, expires_at, released_at, metadata_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          record.claim_key,
          record.thread_id,
          record.task_message_id,
          record.owner_agent_id,
          record.claimed_at,
          record.expires_at,
          record.released_at,
          j(record.metadata),
        ],
      );
      return;
    case "lock":
      await runner.run(
        `INSERT INTO locks (file_path, agent_id, locked_at, expires_at, released_at,
           metadata_json) VALUES (?, ?, ?, ?, ?, ?)`,
        [
          record.file_path,
          record.agent_id,
          record.locked_at,
          record.expires_at,
          record.released_at,
          j(record.metadata),
        ],
      );
      return;
    case "lock_holder":
      await runner.run(
        `INSERT INTO arcdeno_lock_holders (file_path, agent_id, mode, fence,
           locked_at, expires_at, released_at, metadata_json, primary_row)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          record.file_path,
          record.agent_id,
          record.mode,
          record.fence,
          record.locked_at,
          record.expires_at,
          record.released_at,
          j(record.metadata),
          record.primary ? 1 : 0,
        ],
      );
      return;
    case "fence":
      await runner.run("DELETE FROM arcdeno_fence WHERE id = 1", []);
      await runner.run("INSERT INTO arcdeno_fence (id, value) VALUES (1, ?)", [
        record.value,
      ]);
      return;
    case "receipt":
      await runner.run(
        `INSERT INTO arcdeno_receipts (message_id, agent_id, delivered_at, acked_at)
         VALUES (?, ?, ?, ?)`,
        [
          record.message_id,
          record.agent_id,
          record.delivered_at,
          record.acked_at,
        ],
      );
      return;
    case "ack_wait":
      await runner.run(
        `INSERT INTO arcdeno_ack_waits (message_id, from_agent, to_agent, ts,
           ack_within_sec, acked_at, acked_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [
          record.message_id,
          record.from_agent,
          record.to_agent,
          record.ts,
          record.ack_within_sec,
          record.acked_at,
          record.acked_by,
        ],
      );
      return;
    case "task_dep":
      await runner.run(
        `INSERT INTO arcdeno_task_deps (task_id, depends_on, created_at)
         VALUES (?, ?, ?)`,
        [record.task_id, record.depends_on, record.created_at],
      );
      return;
  }
}

/**
 * Restores the records of one export with `runner` inside the caller's
 * transaction: checks the store is empty, writes every row, and checks the
 * `end` record's counts. Returns the rows written.
 *
 * @throws {ValidationError} when the records break the format or end early
 * @throws {ConflictError} (via `conflict`) when the store is not empty
 */
export async function restoreRecords(
  runner: SqlRunner,
  records: AsyncIterable<ExportRecord>,
  options: {
    label: string;
    conflict: (message: string) => Error;
    /** Creates the vendor tables the store may not have yet (idempotent statements). */
    vendorSchema: readonly string[];
    onProgress?: (counts: RowCounts) => void;
  },
): Promise<RowCounts> {
  for (const statement of options.vendorSchema) {
    await runner.run(statement, []);
  }
  await checkEmpty(runner, options.label, options.conflict);
  const counts = emptyCounts();
  let first = true;
  let ended = false;
  let total = 0;
  for await (const record of records) {
    if (first) {
      first = false;
      if (record.type !== "header") {
        throw new ValidationError(
          "line 1: an Arc export starts with a header record",
        );
      }
      continue;
    }
    if (ended) {
      throw new ValidationError("records follow the end record");
    }
    if (record.type === "header") {
      throw new ValidationError("a second header record in one export");
    }
    if (record.type === "end") {
      for (const type of ROW_TYPES) {
        const expected = Number(record.counts[type] ?? 0);
        if (expected !== counts[type]) {
          throw new ValidationError(
            `the export is inconsistent: its end record lists ${expected} ${type} rows but ${
              counts[type]
            } were read`,
          );
        }
      }
      ended = true;
      continue;
    }
    try {
      await writeRecord(runner, record);
    } catch (error) {
      throw new ValidationError(
        `cannot restore ${record.type} ${rowKey(record)}: ${
          (error as Error)?.message ?? error
        }`,
        { cause: error },
      );
    }
    counts[record.type]++;
    if (++total % 10_000 === 0) options.onProgress?.(counts);
  }
  if (first) throw new ValidationError("the export is empty");
  if (!ended) {
    throw new ValidationError(
      "the export ends early: it has no end record (was it cut off while being written?)",
    );
  }
  return counts;
}

function rowKey(record: RowRecord): string {
  switch (record.type) {
    case "channel":
      return JSON.stringify(record.name);
    case "session":
      return JSON.stringify(record.session_id);
    case "message":
      return String(record.id);
    case "task":
      return String(record.task_id);
    case "claim":
      return JSON.stringify(record.claim_key);
    case "lock":
      return JSON.stringify(record.file_path);
    case "lock_holder":
      return `${JSON.stringify(record.file_path)} of ${
        JSON.stringify(record.agent_id)
      }`;
    case "fence":
      return String(record.value);
    case "receipt":
      return `${record.message_id} for ${JSON.stringify(record.agent_id)}`;
    case "ack_wait":
      return String(record.message_id);
    case "task_dep":
      return `${record.task_id} -> ${record.depends_on}`;
  }
}
