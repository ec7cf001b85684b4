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

function jsonOf(v: unknown): unknown {
  return parseJson<unknown>(v, null);
}

/** How a column's value becomes a field's, by the column's kind. */
const READ = {
  text: (v: unknown) => String(v),
  "text?": (v: unknown) => v == null ? null : String(v),
  int: (v: unknown) => Number(v),
  "int?": (v: unknown) => v == null ? null : Number(v),
  flag: (v: unknown) => v === true || v === 1 || v === 1n || v === "t",
  object: (v: unknown) => {
    const value = jsonOf(v);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? value
      : {};
  },
  array: (v: unknown) => {
    const value = jsonOf(v);
    return Array.isArray(value) ? value : [];
  },
};

/**
 * A reader of driver rows, built from a one-line column list so every table
 * is mapped by the same few rules: `name` text, `name?` text or null,
 * `#name` a number, `#name?` a number or null, `!name` a flag (true, 1 or
 * `t`), `name{}` / `name[]` a JSON object / array read from the column
 * `name_json` (`{}` / `[]` when empty, unreadable or of another shape).
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
}

/** Builds a {@linkcode RowFormat} from a column list in {@linkcode rowReader}'s notation. */
export function rowFormat<T>(columns: string): RowFormat<T> {
  const fields = columns.split(/\s+/).filter(Boolean).map((token) => {
    const m = /^([#!]?)([a-z_]+)(\?|\{\}|\[\])?$/.exec(token);
    if (!m) throw new TypeError(`Cannot read the column spec '${token}'`);
    const sign = m[1], name = m[2]!, suffix = m[3];
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
      column: json ? `${name}_json` : name,
      read: READ[kind],
      json,
    };
  });
  return {
    read(r) {
      const out: Record<string, unknown> = {};
      for (const { name, column, read } of fields) out[name] = read(r[column]);
      return out as T;
    },
    params(value) {
      const row = value as Record<string, unknown>;
      return fields.map(({ name, json }) =>
        json ? JSON.stringify(row[name]) : row[name] as string | number | null
      );
    },
    columns: fields.map((f) => f.column).join(", "),
    slots: fields.map(() => "?").join(", "),
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

/** A `channels` row. */
export const toChannel = rowReader<Channel>(COLUMNS.channels);
/** A `sessions` row as written (the `active` flag apart). */
export const SESSION_ROW = rowFormat<Session>(COLUMNS.sessions);
/** A `sessions` row. */
export const toSession = rowReader<Session>(`${COLUMNS.sessions} !active`);
/** Who a `sessions` row belongs to, and whether it is active. */
export const toSessionOwner = rowReader<SessionOwner>("agent_id !active");
/** A `messages` row. */
export const toMessage = rowReader<Message>(COLUMNS.messages);
/** A `messages` row as inserted: everything but the id the database gives. */
export const NEW_MESSAGE_ROW = rowFormat<Omit<Message, "id">>(
  COLUMNS.messages.replace("#id ", ""),
);
/** A `claims` row, read and written. */
export const CLAIM_ROW = rowFormat<Claim>(COLUMNS.claims);
/** A `claims` row. */
export const toClaim = CLAIM_ROW.read;
/** A `locks` row. */
export const toLock = rowReader<Lock>(COLUMNS.locks);
/** A `tasks` row. */
export const toTask = rowReader<Task>(COLUMNS.tasks);
/** A task's `messages` row, as far as the assignee rule needs it. */
export const toTaskMessage = rowReader<TaskMessage>("to_agent? metadata{}");
