/**
 * The export format (vendor extension `arcdeno:export`): JSON Lines, one
 * typed record a line. A header line opens the file, the rows follow
 * (channels, sessions, messages in id order, tasks, claims, locks, then the
 * vendor rows: lock holders and the fence counter of reservations, delivery
 * receipts and acknowledgement waits, task dependencies, approval
 * requests with their outcome) and an `end` line
 * closes it with the count of each record type, so a truncated file is
 * recognised. Protocol records hold rows exactly as the HTTP API shows them.
 * Session secrets and the search index are never exported: sessions come
 * back inactive, and the index rebuilds itself from the restored messages.
 * Version 1 files (protocol rows only) still import.
 *
 * @module
 */

import * as rows from "./rows.ts";
import type { Statement } from "./sql.ts";
import { HOLDER_ROW, toHolder } from "./reserve.ts";
import { type Approval, APPROVAL_ROW } from "./approvals.ts";
import { type Receipt, RECEIPT_ROW, toReceipt } from "./receipts.ts";
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
  | ({ type: "task_dep" } & TaskDepRow)
  /** An approval request and its outcome (`arcdeno_approvals`), since version 2. */
  | ({ type: "approval" } & Approval);

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
  "approval",
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
    approval: 0,
  };
}

// -- the SQL both backends run (`?` placeholders) ---------------------

/** One table an export pages through, in key order. */
export interface ExportTable {
  type: RowType;
  /** The table read; a vendor table that does not exist yields nothing. */
  name: string;
  /** `SELECT ... WHERE <conds> AND (keys) > (?, ...) ORDER BY keys LIMIT n`. */
  select: string;
  params: unknown[];
  key: string[];
  /** Key values below every row, where paging starts. */
  start: unknown[];
}

/** Rows one export page holds. */
export const PAGE = 1000;

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
      // Approvals belong to agents, not to a channel or thread: only the
      // whole-hub export carries them.
      table("approval", "arcdeno_approvals", "id", undefined, []),
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

/** An `arcdeno_ack_waits` row, read and restored. */
const ACK_WAIT_ROW = rows.rowFormat<AckWaitRow>(
  "#message_id from_agent to_agent? ts #ack_within_sec? acked_at? acked_by?",
);

/** An `arcdeno_task_deps` row, read and restored. */
const TASK_DEP_ROW = rows.rowFormat<TaskDepRow>(
  "#task_id #depends_on created_at",
);

/** Row mappers by record type. */
export const ROW_MAPPERS: Record<
  RowType,
  (row: Record<string, unknown>) => object
> = {
  channel: rows.toChannel,
  session: rows.toSession,
  message: rows.toMessage,
  task: rows.toTask,
  claim: rows.toClaim,
  lock: rows.toLock,
  lock_holder: toHolder,
  fence: (r) => ({ value: Number(r["value"]) }),
  receipt: toReceipt,
  ack_wait: ACK_WAIT_ROW.read,
  task_dep: TASK_DEP_ROW.read,
  approval: APPROVAL_ROW.read,
};

/** The records of one page of `table`'s rows, and the key to read the next page after (null on the last page). */
export function pageOf(
  table: ExportTable,
  page: Record<string, unknown>[],
): { records: RowRecord[]; last: unknown[] | null } {
  const records = page.map((row) =>
    ({ type: table.type, ...ROW_MAPPERS[table.type](row) }) as RowRecord
  );
  const end = page.at(-1);
  return {
    records,
    last: page.length < PAGE || !end ? null : table.key.map((k) => end[k]),
  };
}

/** The statements that restore one exported row exactly as it was; `bool` is the backend's boolean value. */
export function restoreSql(
  record: RowRecord,
  bool: (value: boolean) => unknown,
): Statement[] {
  switch (record.type) {
    case "channel":
      // The builtin channels exist from birth: their row is overwritten.
      return [rows.CHANNEL_ROW.insert(
        "channels",
        record,
        ` ON CONFLICT (name) DO UPDATE SET created_at = excluded.created_at,
          created_by = excluded.created_by, metadata_json = excluded.metadata_json`,
      )];
    case "session":
      return [{
        text: `INSERT INTO sessions (${rows.SESSION_ROW.columns}, active)
          VALUES (${rows.SESSION_ROW.slots}, ?)`,
        params: [...rows.SESSION_ROW.params(record), bool(record.active)],
      }];
    case "message":
      return [rows.MESSAGE_ROW.insert("messages", record)];
    case "task":
      return [rows.TASK_ROW.insert("tasks", {
        ...record,
        status: record.status === "done" ? "done" : "open",
      })];
    case "claim":
      return [rows.CLAIM_ROW.insert("claims", record)];
    case "lock":
      return [rows.LOCK_ROW.insert("locks", record)];
    case "lock_holder":
      return [HOLDER_ROW.insert("arcdeno_lock_holders", record)];
    case "fence":
      return [
        { text: "DELETE FROM arcdeno_fence WHERE id = 1", params: [] },
        {
          text: "INSERT INTO arcdeno_fence (id, value) VALUES (1, ?)",
          params: [record.value],
        },
      ];
    case "receipt":
      // Files written before the surfaced state lack `surfaced_at`: null.
      return [RECEIPT_ROW.insert("arcdeno_receipts", record)];
    case "ack_wait":
      return [ACK_WAIT_ROW.insert("arcdeno_ack_waits", record)];
    case "task_dep":
      return [TASK_DEP_ROW.insert("arcdeno_task_deps", record)];
    case "approval":
      return [APPROVAL_ROW.insert("arcdeno_approvals", record)];
  }
}

/** The tables an import refuses to write into unless empty, with what they hold. */
export const DATA_TABLES = [
  ["messages", "messages"],
  ["tasks", "tasks"],
  ["sessions", "sessions"],
  ["claims", "claims"],
  ["locks", "locks"],
  ["arcdeno_lock_holders", "lock holders"],
  ["arcdeno_receipts", "delivery receipts"],
  ["arcdeno_ack_waits", "acknowledgement waits"],
  ["arcdeno_task_deps", "task dependencies"],
  ["arcdeno_approvals", "approval requests"],
] as const;

/** How many rows each of {@linkcode DATA_TABLES} holds, and channels beyond the builtin ones. */
export interface DataCounts {
  tables: Record<typeof DATA_TABLES[number][0], number>;
  customChannels: number;
}
