/**
 * Database rows to store objects, shared by both backends: JSON columns
 * arrive as text, integers as numbers (SQLite) or strings (PostgreSQL
 * `bigint`), flags as 0/1 or booleans; all become the same wire objects.
 *
 * @module
 */

import type { Channel, Claim, Lock, Message, Session, Task } from "./types.ts";
import type { TaskMessage } from "./unit.ts";
import type { SessionOwner } from "./identity.ts";
import type { Statement } from "./sql.ts";

/** A row as the driver returns it. */
export type Row = Record<string, unknown>;

function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== "string" || text === "") return fallback;
  try {
    return JSON.parse(text) ?? fallback;
  } catch {
    return fallback;
  }
}

/** How a column's value becomes a field's, by the column's kind. */
const READ = {
  text: (v: unknown) => String(v),
  "text?": (v: unknown) => v == null ? null : String(v),
  int: (v: unknown) => Number(v),
  "int?": (v: unknown) => v == null ? null : Number(v),
  flag: (v: unknown) => v === true || v === 1 || v === 1n || v === "t",
  object: (v: unknown) => {
    const value = parseJson<unknown>(v, null);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? value
      : {};
  },
  array: (v: unknown) => {
    const value = parseJson<unknown>(v, null);
    return Array.isArray(value) ? value : [];
  },
};

/**
 * A reader of driver rows, built from a one-line column list so every table
 * is mapped by the same few rules: `name` text, `name?` text or null,
 * `#name` a number, `#name?` a number or null, `!name` a flag (true, 1 or
 * `t`), `name{}` / `name[]` a JSON object / array read from the column
 * `name_json` (`{}` / `[]` when empty, unreadable or of another shape);
 * `name=column` reads the field from a column of another name. Flags are
 * written as 1 or 0.
 *
 * @example
 * ```ts
 * const toLock = rowReader<Lock>("file_path agent_id locked_at expires_at released_at? metadata{}");
 * ```
 */
export function rowReader<T>(columns: string): (r: Row) => T {
  return rowFormat<T>(columns).read;
}

/** A table's row both ways, from one column list (see {@linkcode rowReader}). */
export interface RowFormat<T> {
  /** A driver row to an object. */
  read(r: Row): T;
  /** An object to its column values, in column order (JSON columns as text). */
  params(value: T): (string | number | null)[];
  /** The column names, comma-separated, for an INSERT. */
  columns: string;
  /** As many `?` placeholders as columns, comma-separated. */
  slots: string;
  /** The INSERT of `value` into `table` (with `?` placeholders), followed by `tail` (an ON CONFLICT clause). */
  insert(table: string, value: T, tail?: string): Statement;
}

/** Builds a {@linkcode RowFormat} from a column list in {@linkcode rowReader}'s notation. */
export function rowFormat<T>(columns: string): RowFormat<T> {
  const fields = columns.split(/\s+/).filter(Boolean).map((token) => {
    const m = /^([#!]?)([a-z_]+)(?:=([a-z_]+))?(\?|\{\}|\[\])?$/.exec(token);
    if (!m) throw new TypeError(`Cannot read the column spec '${token}'`);
    const sign = m[1], name = m[2]!, renamed = m[3], suffix = m[4];
    const kind: keyof typeof READ = suffix === "{}"
      ? "object"
      : suffix === "[]"
      ? "array"
      : sign === "!"
      ? "flag"
      : `${sign === "#" ? "int" : "text"}${
        suffix === "?" ? "?" : ""
      }` as keyof typeof READ;
    const json = kind === "object" || kind === "array";
    return {
      name,
      column: renamed ?? (json ? `${name}_json` : name),
      read: READ[kind],
      json,
      flag: kind === "flag",
    };
  });
  const names = fields.map((f) => f.column).join(", ");
  const slots = fields.map(() => "?").join(", ");
  const params = (value: T) => {
    const row = value as Record<string, unknown>;
    return fields.map(({ name, json, flag }) =>
      json
        ? JSON.stringify(row[name])
        : flag
        ? (row[name] ? 1 : 0)
        : (row[name] ?? null) as string | number | null
    );
  };
  return {
    read(r) {
      const out: Record<string, unknown> = {};
      for (const { name, column, read } of fields) out[name] = read(r[column]);
      return out as T;
    },
    params,
    insert: (table, value, tail = "") => ({
      text: `INSERT INTO ${table} (${names}) VALUES (${slots})${tail}`,
      params: params(value),
    }),
    columns: names,
    slots,
  };
}

/** The columns of the protocol's tables, in {@linkcode rowReader}'s notation. */
const COLUMNS = {
  channels: "name created_at created_by? metadata{}",
  sessions:
    "session_id agent_id display_name capabilities[] metadata{} created_at last_seen",
  messages:
    "#id ts from_agent to_agent? channel kind body attachments[] #reply_to? thread_id? metadata{}",
  claims:
    "claim_key thread_id? #task_message_id? owner_agent_id claimed_at expires_at released_at? metadata{}",
  locks: "file_path agent_id locked_at expires_at released_at? metadata{}",
  tasks:
    "#task_id #parent_task_id? channel thread_id? status created_at completed_at?",
};

/** A `channels` row, read and written. */
export const CHANNEL_ROW = rowFormat<Channel>(COLUMNS.channels);
/** A `channels` row. */
export const toChannel = CHANNEL_ROW.read;
/** A `sessions` row as written (the `active` flag apart). */
export const SESSION_ROW = rowFormat<Session>(COLUMNS.sessions);
/** A `sessions` row. */
export const toSession = rowReader<Session>(`${COLUMNS.sessions} !active`);
/** Who a `sessions` row belongs to, and whether it is active. */
export const toSessionOwner = rowReader<SessionOwner>("agent_id !active");
/** A `messages` row, read and written. */
export const MESSAGE_ROW = rowFormat<Message>(COLUMNS.messages);
/** A `messages` row. */
export const toMessage = MESSAGE_ROW.read;
/** A `messages` row as inserted: everything but the id the database gives. */
export const NEW_MESSAGE_ROW = rowFormat<Omit<Message, "id">>(
  COLUMNS.messages.replace("#id ", ""),
);
/** A `claims` row, read and written. */
export const CLAIM_ROW = rowFormat<Claim>(COLUMNS.claims);
/** A `claims` row. */
export const toClaim = CLAIM_ROW.read;
/** A `locks` row, read and written. */
export const LOCK_ROW = rowFormat<Lock>(COLUMNS.locks);
/** A `locks` row. */
export const toLock = LOCK_ROW.read;
/** A `tasks` row, read and written. */
export const TASK_ROW = rowFormat<Task>(COLUMNS.tasks);
/** A `tasks` row. */
export const toTask = TASK_ROW.read;
/** A task's `messages` row, as far as the assignee rule needs it. */
export const toTaskMessage = rowReader<TaskMessage>("to_agent? metadata{}");
