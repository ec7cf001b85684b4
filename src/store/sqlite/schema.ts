/**
 * The SQLite schema. Tables and columns match the reference hub's, so one
 * database file can be served by several hub processes at once, ours or the
 * reference's. Our extra indexes only speed reads up; the other hubs ignore them.
 *
 * @module
 */

import { SQLITE_APPROVAL_SCHEMA } from "../approvals.ts";
import { SQLITE_RECEIPT_SCHEMA } from "../receipts.ts";

/** Statements that create the schema; each is idempotent. */
export const SQLITE_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS channels (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    created_by TEXT,
    metadata_json TEXT NOT NULL DEFAULT '{}'
  )`,
  `CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    from_agent TEXT NOT NULL,
    to_agent TEXT,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    attachments_json TEXT NOT NULL DEFAULT '[]',
    reply_to INTEGER,
    thread_id TEXT,
    metadata_json TEXT NOT NULL DEFAULT '{}'
  )`,
  `CREATE INDEX IF NOT EXISTS ix_m_ch ON messages(channel, id)`,
  `CREATE INDEX IF NOT EXISTS ix_m_to ON messages(to_agent, id)`,
  `CREATE INDEX IF NOT EXISTS ix_m_th ON messages(thread_id, id)`,
  `CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    capabilities_json TEXT NOT NULL DEFAULT '[]',
    metadata_json TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
  )`,
  `CREATE INDEX IF NOT EXISTS ix_s_ag ON sessions(agent_id)`,
  `CREATE INDEX IF NOT EXISTS ix_s_ac ON sessions(active, last_seen)`,
  `CREATE TABLE IF NOT EXISTS claims (
    claim_key TEXT PRIMARY KEY, thread_id TEXT, task_message_id INTEGER,
    owner_agent_id TEXT NOT NULL, claimed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, released_at TEXT,
    metadata_json TEXT NOT NULL DEFAULT '{}'
  )`,
  `CREATE INDEX IF NOT EXISTS ix_c_th ON claims(thread_id)`,
  `CREATE TABLE IF NOT EXISTS locks (
    file_path TEXT PRIMARY KEY, agent_id TEXT NOT NULL,
    locked_at TEXT NOT NULL, expires_at TEXT NOT NULL, released_at TEXT,
    metadata_json TEXT NOT NULL DEFAULT '{}'
  )`,
  `CREATE INDEX IF NOT EXISTS ix_l_ag ON locks(agent_id)`,
  `CREATE TABLE IF NOT EXISTS tasks (
    task_id INTEGER PRIMARY KEY,
    parent_task_id INTEGER,
    channel TEXT NOT NULL,
    thread_id TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL,
    completed_at TEXT,
    FOREIGN KEY(parent_task_id) REFERENCES tasks(task_id)
  )`,
  `CREATE INDEX IF NOT EXISTS ix_t_par ON tasks(parent_task_id)`,
  `CREATE INDEX IF NOT EXISTS ix_t_st ON tasks(status)`,
  // Ours: owner lookups during presence recovery, thread lookups for tasks.
  `CREATE INDEX IF NOT EXISTS arc_c_owner ON claims(owner_agent_id)`,
  `CREATE INDEX IF NOT EXISTS arc_t_th ON tasks(thread_id)`,
  // Ours: per-thread message statistics, folded in incrementally from the
  // messages table (whoever wrote them), so listing threads does not rescan
  // the whole history. `arc_meta.thread_stats_through` is the last message
  // id folded in.
  `CREATE TABLE IF NOT EXISTS arc_thread_stats (
    thread_id TEXT PRIMARY KEY,
    message_count INTEGER NOT NULL,
    first_message_id INTEGER NOT NULL,
    latest_message_id INTEGER NOT NULL,
    latest_artifact_id INTEGER
  )`,
  `CREATE TABLE IF NOT EXISTS arc_meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  )`,
  // Ours: delivery receipts (vendor tables).
  ...SQLITE_RECEIPT_SCHEMA,
  // Ours: approval requests (vendor table).
  ...SQLITE_APPROVAL_SCHEMA,
];
