/**
 * The storage contract of delivery receipts (a vendor extension). Two vendor
 * tables, in both backends, beside the protocol's tables (which stay
 * untouched): `arcdeno_receipts` holds one row per message and recipient
 * (handed over, acknowledged), `arcdeno_ack_waits` one row per message that
 * waits for an acknowledgement (its sender, recipient and when it was first
 * acknowledged). The rules are units in `src/hub/units/receipts.ts`; the
 * store only records what it is told, idempotently.
 *
 * @module
 */

import { rowFormat, toMessage } from "./rows.ts";
import type { Message } from "./types.ts";

/** A message the hub tracks receipts for, as the store records it. */
export type TrackedMessage =
  & Pick<Message, "id" | "ts" | "from_agent" | "to_agent" | "channel" | "kind">
  & {
    /** Seconds within which an acknowledgement is expected, when the sender said so. */
    ack_within_sec: number | null;
  };

/** One recipient's receipt for one message. */
export interface Receipt {
  message_id: number;
  agent_id: string;
  /** When the hub first handed the message to the agent. */
  delivered_at: string;
  /** When the agent acknowledged it; null until then. */
  acked_at: string | null;
  /**
   * When the message was put in front of the agent's model (by a host hook
   * or in an MCP tool result); null until then.
   */
  surfaced_at: string | null;
}

/** A tracked message that has no acknowledgement yet, with its message row. */
export interface AckWait {
  message: Message;
  ack_within_sec: number | null;
}

/** Filters for the list of messages nobody acknowledged yet. */
export interface UnackedFilter {
  /** Only messages from this sender. @default every sender */
  fromAgent?: string;
  /** Most rows, oldest first. */
  limit: number;
}

/** What a session table says about an agent. */
export type AgentPresence = "live" | "expired" | "unknown";

/** The receipt tables for SQLite (idempotent statements). */
export const SQLITE_RECEIPT_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS arcdeno_receipts (
    message_id INTEGER NOT NULL,
    agent_id TEXT NOT NULL,
    delivered_at TEXT NOT NULL,
    acked_at TEXT,
    surfaced_at TEXT,
    PRIMARY KEY (message_id, agent_id)
  )`,
  `CREATE TABLE IF NOT EXISTS arcdeno_ack_waits (
    message_id INTEGER PRIMARY KEY,
    from_agent TEXT NOT NULL,
    to_agent TEXT,
    ts TEXT NOT NULL,
    ack_within_sec INTEGER,
    acked_at TEXT,
    acked_by TEXT
  )`,
  `CREATE INDEX IF NOT EXISTS arcdeno_aw_open_from
    ON arcdeno_ack_waits(from_agent, message_id) WHERE acked_at IS NULL`,
  `CREATE INDEX IF NOT EXISTS arcdeno_aw_open
    ON arcdeno_ack_waits(message_id) WHERE acked_at IS NULL`,
];

/** The receipt tables for PostgreSQL (one migration's statements). */
export const POSTGRES_RECEIPT_SCHEMA: readonly string[] = [
  `CREATE TABLE arcdeno_receipts (
    message_id bigint NOT NULL,
    agent_id text COLLATE "C" NOT NULL,
    delivered_at text COLLATE "C" NOT NULL,
    acked_at text COLLATE "C",
    PRIMARY KEY (message_id, agent_id)
  )`,
  `CREATE TABLE arcdeno_ack_waits (
    message_id bigint PRIMARY KEY,
    from_agent text COLLATE "C" NOT NULL,
    to_agent text COLLATE "C",
    ts text COLLATE "C" NOT NULL,
    ack_within_sec bigint,
    acked_at text COLLATE "C",
    acked_by text COLLATE "C"
  )`,
  `CREATE INDEX arcdeno_aw_open_from
    ON arcdeno_ack_waits (from_agent, message_id) WHERE acked_at IS NULL`,
  `CREATE INDEX arcdeno_aw_open
    ON arcdeno_ack_waits (message_id) WHERE acked_at IS NULL`,
];

/**
 * Adds `surfaced_at` to a SQLite receipts table made before it existed
 * (SQLite has no `ADD COLUMN IF NOT EXISTS`): the statement to run when
 * `columns` (from `PRAGMA table_info`) lack it, else none.
 */
export function sqliteSurfacedMigration(columns: readonly string[]): string[] {
  return columns.includes("surfaced_at")
    ? []
    : ["ALTER TABLE arcdeno_receipts ADD COLUMN surfaced_at TEXT"];
}

/** PostgreSQL: the `surfaced` receipt state (one migration's statements). */
export const POSTGRES_RECEIPT_SURFACED: readonly string[] = [
  `ALTER TABLE arcdeno_receipts ADD COLUMN IF NOT EXISTS surfaced_at text COLLATE "C"`,
];

/** A receipt row, read and written. */
export const RECEIPT_ROW = rowFormat<Receipt>(
  "#message_id agent_id delivered_at acked_at? surfaced_at?",
);

/** Reads a receipt row. */
export const toReceipt = RECEIPT_ROW.read;

/** A joined unacked row. */
export function toWait(row: Record<string, unknown>): AckWait {
  const within = row["arcdeno_ack_within_sec"];
  return {
    message: toMessage(row),
    ack_within_sec: within == null ? null : Number(within),
  };
}
