/**
 * The PostgreSQL schema, as numbered migrations. The tables and columns are
 * the SQLite schema's, with PostgreSQL types: ids are `bigint` (message ids
 * come from a sequence capped at 2^53 - 1), timestamps stay text in the
 * wire's `...Z` form because the rules compare them as text, JSON stays text
 * so a row reads back exactly as it was written, and every text column uses
 * the "C" collation so sorting and comparing match SQLite byte for byte.
 *
 * @module
 */

import { MAX_MESSAGE_ID } from "../../protocol.ts";
import { POSTGRES_APPROVAL_SCHEMA } from "../approvals.ts";
import {
  POSTGRES_RECEIPT_SCHEMA,
  POSTGRES_RECEIPT_SURFACED,
} from "../receipts.ts";
import { TASK_DEPS_POSTGRES_SCHEMA } from "../task_deps.ts";
import { QUEUE_POSTGRES_SCHEMA } from "../queue.ts";
import { reserveTables } from "../reserve.ts";
import { secretsTables } from "../identity.ts";

/** One schema step; `version` counts up from 1. */
export interface Migration {
  version: number;
  statements: readonly string[];
}

const T = `text COLLATE "C"`;

/** Table that records which migrations ran. */
export const VERSION_TABLE = `CREATE TABLE IF NOT EXISTS arc_schema_version (
  version integer PRIMARY KEY,
  applied_at ${T} NOT NULL
)`;

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE SEQUENCE arc_message_id_seq AS bigint
         MINVALUE 1 MAXVALUE ${MAX_MESSAGE_ID} NO CYCLE`,
      `CREATE TABLE channels (
        name ${T} PRIMARY KEY,
        created_at ${T} NOT NULL,
        created_by ${T},
        metadata_json text NOT NULL DEFAULT '{}'
      )`,
      `CREATE TABLE messages (
        id bigint PRIMARY KEY DEFAULT nextval('arc_message_id_seq'),
        ts ${T} NOT NULL,
        from_agent ${T} NOT NULL,
        to_agent ${T},
        channel ${T} NOT NULL,
        kind ${T} NOT NULL,
        body text NOT NULL,
        attachments_json text NOT NULL DEFAULT '[]',
        reply_to bigint,
        thread_id ${T},
        metadata_json text NOT NULL DEFAULT '{}'
      )`,
      `ALTER SEQUENCE arc_message_id_seq OWNED BY messages.id`,
      `CREATE INDEX ix_m_ch ON messages (channel, id)`,
      `CREATE INDEX ix_m_to ON messages (to_agent, id)`,
      `CREATE INDEX ix_m_th ON messages (thread_id, id)`,
      `CREATE TABLE sessions (
        session_id ${T} PRIMARY KEY,
        agent_id ${T} NOT NULL,
        display_name ${T} NOT NULL,
        capabilities_json text NOT NULL DEFAULT '[]',
        metadata_json text NOT NULL DEFAULT '{}',
        created_at ${T} NOT NULL,
        last_seen ${T} NOT NULL,
        active boolean NOT NULL DEFAULT true
      )`,
      `CREATE INDEX ix_s_ag ON sessions (agent_id)`,
      `CREATE INDEX ix_s_ac ON sessions (active, last_seen)`,
      `CREATE TABLE claims (
        claim_key ${T} PRIMARY KEY, thread_id ${T}, task_message_id bigint,
        owner_agent_id ${T} NOT NULL, claimed_at ${T} NOT NULL,
        expires_at ${T} NOT NULL, released_at ${T},
        metadata_json text NOT NULL DEFAULT '{}'
      )`,
      `CREATE INDEX ix_c_th ON claims (thread_id)`,
      `CREATE INDEX arc_c_owner ON claims (owner_agent_id)`,
      `CREATE TABLE locks (
        file_path ${T} PRIMARY KEY, agent_id ${T} NOT NULL,
        locked_at ${T} NOT NULL, expires_at ${T} NOT NULL, released_at ${T},
        metadata_json text NOT NULL DEFAULT '{}'
      )`,
      `CREATE INDEX ix_l_ag ON locks (agent_id)`,
      `CREATE TABLE tasks (
        task_id bigint PRIMARY KEY,
        parent_task_id bigint,
        channel ${T} NOT NULL,
        thread_id ${T},
        status ${T} NOT NULL DEFAULT 'open',
        created_at ${T} NOT NULL,
        completed_at ${T}
      )`,
      `CREATE INDEX ix_t_par ON tasks (parent_task_id)`,
      `CREATE INDEX ix_t_st ON tasks (status)`,
      `CREATE INDEX arc_t_th ON tasks (thread_id)`,
      // A lock's thread is a string 'thread_id' in its metadata (NULL for
      // anything else, unreadable JSON included), as SQLite's json_type() check.
      `CREATE FUNCTION arc_lock_thread(doc text) RETURNS text
         LANGUAGE plpgsql IMMUTABLE STRICT AS $$
       BEGIN
         IF jsonb_typeof(doc::jsonb -> 'thread_id') = 'string' THEN
           RETURN doc::jsonb ->> 'thread_id';
         END IF;
         RETURN NULL;
       EXCEPTION WHEN others THEN
         RETURN NULL;
       END $$`,
      `CREATE INDEX arc_l_thread ON locks (arc_lock_thread(metadata_json))`,
      // Per-thread message statistics folded in incrementally (as on SQLite),
      // so listing threads does not rescan the history. Safe because message
      // ids become visible in id order: nothing appears below the mark later.
      `CREATE TABLE arc_thread_stats (
        thread_id ${T} PRIMARY KEY,
        message_count bigint NOT NULL,
        first_message_id bigint NOT NULL,
        latest_message_id bigint NOT NULL,
        latest_artifact_id bigint
      )`,
      `CREATE TABLE arc_meta (
        key ${T} PRIMARY KEY,
        value bigint NOT NULL
      )`,
    ],
  },
  // Delivery receipts (vendor tables).
  { version: 2, statements: POSTGRES_RECEIPT_SCHEMA },
  // Vendor: task dependencies (`arcdeno:task_deps`).
  { version: 3, statements: TASK_DEPS_POSTGRES_SCHEMA },
  // Vendor: file reservations (`arcdeno:reservations`); hubs before this
  // migration created the same tables on first use, hence IF NOT EXISTS.
  { version: 4, statements: reserveTables(T) },
  // Vendor: session secrets (`arcdeno:identity`), likewise once made on first use.
  { version: 5, statements: secretsTables(T) },
  // Vendor: the `surfaced` receipt state.
  { version: 6, statements: POSTGRES_RECEIPT_SURFACED },
  // Vendor: the work queue's handouts and session generations (`arcdeno:work_queue`).
  { version: 7, statements: [...QUEUE_POSTGRES_SCHEMA] },
  // Vendor: approval requests (`arcdeno:approvals`).
  { version: 8, statements: POSTGRES_APPROVAL_SCHEMA },
];

/** The newest schema version this code knows. */
export const SCHEMA_VERSION: number = MIGRATIONS.at(-1)!.version;
