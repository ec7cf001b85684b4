/**
 * The work queue's tables (`arcdeno:work_queue`) on both backends, and the
 * shapes its primitives return. The rules live in `src/hub/units/queue.ts`.
 *
 * - `arcdeno_queue_handouts`: one row per task the queue handed out, naming
 *   the claim it took (`task-<id>`), its holder and when; `noticed_at` is
 *   set once the claim's expiry was announced, so one notice is posted per
 *   expiry however many hubs sweep.
 * - `arcdeno_generations`: per agent, the generation of its newest
 *   registration, so a stale process of a restarted agent is refused.
 *
 * @module
 */

import { type Row, rowReader, toTask, toTaskMessage } from "./rows.ts";
import type { JsonObject, Task } from "./types.ts";

function tables(text: string, int: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS arcdeno_queue_handouts (
      task_id ${int} PRIMARY KEY,
      claim_key ${text} NOT NULL,
      agent_id ${text} NOT NULL,
      claimed_at ${text} NOT NULL,
      noticed_at ${text}
    )`,
    `CREATE TABLE IF NOT EXISTS arcdeno_generations (
      agent_id ${text} PRIMARY KEY,
      generation ${int} NOT NULL,
      session_id ${text} NOT NULL,
      updated_at ${text} NOT NULL
    )`,
    // The queue looks for a live claim naming each candidate task.
    `CREATE INDEX IF NOT EXISTS arcdeno_c_task ON claims (task_message_id)`,
  ];
}

/**
 * The sweep's indexes: live claims past their expiry, and the handout each
 * one belongs to. They change no table, so PostgreSQL makes them on every
 * open ({@linkcode QUEUE_POSTGRES_INDEXES}) rather than in a numbered
 * migration, and a hub without them still reads the same database.
 */
const SWEEP_INDEXES: readonly string[] = [
  `CREATE INDEX IF NOT EXISTS arcdeno_c_due ON claims (released_at, expires_at)`,
  `CREATE INDEX IF NOT EXISTS arcdeno_qh_claim
    ON arcdeno_queue_handouts (claim_key)`,
];

/** The vendor tables and their indexes on SQLite. */
export const QUEUE_SQLITE_SCHEMA: readonly string[] = [
  ...tables("TEXT", "INTEGER"),
  ...SWEEP_INDEXES,
];

/** The same tables on PostgreSQL (schema migration 7). */
export const QUEUE_POSTGRES_SCHEMA: readonly string[] = tables(
  `text COLLATE "C"`,
  "bigint",
);

/** The sweep's indexes on PostgreSQL, made on every open (idempotent). */
export const QUEUE_POSTGRES_INDEXES: readonly string[] = SWEEP_INDEXES;

/** An open task the queue may hand out, with what its message says. */
export interface QueueCandidate {
  task: Task;
  to_agent: string | null;
  metadata: JsonObject;
}

/** A task handed out by the queue. */
export interface QueueHandout {
  task_id: number;
  claim_key: string;
  agent_id: string;
  claimed_at: string;
  noticed_at: string | null;
}

/** A handout whose claim expired, not yet announced. */
export interface QueueExpiry extends QueueHandout {
  expires_at: string;
  channel: string;
  thread_id: string | null;
}

/** Who holds which queued task right now. */
export interface QueueHolder {
  task_id: number;
  agent_id: string;
  claimed_at: string;
  expires_at: string;
  channel: string;
}

/** Open tasks after `afterId` with every dependency done and no live claim, oldest first. */
export function candidatesSql(p: (n: number) => string): string {
  return `SELECT t.*, m.to_agent, m.metadata_json FROM tasks t
    JOIN messages m ON m.id = t.task_id
    WHERE t.status = 'open' AND t.task_id > ${p(1)}
      AND (${p(2)} IS NULL OR t.channel = ${p(2)})
      AND NOT EXISTS (
        SELECT 1 FROM arcdeno_task_deps d JOIN tasks u ON u.task_id = d.depends_on
        WHERE d.task_id = t.task_id AND u.status <> 'done')
      AND NOT EXISTS (
        SELECT 1 FROM claims c WHERE c.claim_key = 'task-' || t.task_id
          AND c.released_at IS NULL AND c.expires_at >= ${p(3)})
      AND NOT EXISTS (
        SELECT 1 FROM claims c WHERE c.task_message_id = t.task_id
          AND c.released_at IS NULL AND c.expires_at >= ${p(3)})
    ORDER BY t.task_id LIMIT ${p(4)}`;
}

/**
 * Handouts whose claim (the same grant: holder and claim time) expired before
 * `now`, on open tasks, not yet announced. The search starts from live claims
 * past their expiry (index `arcdeno_c_due`), which are few, so it costs the
 * same however many tasks are open or were ever handed out.
 */
function expiredFrom(p: (n: number) => string): string {
  // CROSS JOIN holds SQLite to this order, which its planner would otherwise
  // start from the open tasks; PostgreSQL plans it as an inner join.
  return `FROM claims c
    CROSS JOIN arcdeno_queue_handouts h
    CROSS JOIN tasks t
    WHERE c.released_at IS NULL AND c.expires_at < ${p(1)}
      AND h.claim_key = c.claim_key AND h.agent_id = c.owner_agent_id
      AND h.claimed_at = c.claimed_at AND h.noticed_at IS NULL
      AND t.task_id = h.task_id AND t.status = 'open'`;
}

/** The expired handouts (see `expiredFrom`) by task id, at most the second parameter of them. */
export function expiredSql(p: (n: number) => string): string {
  return `SELECT h.*, c.expires_at, t.channel, t.thread_id ${expiredFrom(p)}
    ORDER BY h.task_id LIMIT ${p(2)}`;
}

/** One row when any handout expired unannounced (see `expiredFrom`). */
export function anyExpiredSql(p: (n: number) => string): string {
  return `SELECT 1 ${expiredFrom(p)} LIMIT 1`;
}

/** Live claims the queue handed out, on open tasks. */
export function holdersSql(p: (n: number) => string): string {
  return `SELECT h.task_id, h.agent_id, h.claimed_at, c.expires_at, t.channel
    FROM arcdeno_queue_handouts h
    JOIN claims c ON c.claim_key = h.claim_key AND c.owner_agent_id = h.agent_id
      AND c.claimed_at = h.claimed_at
    JOIN tasks t ON t.task_id = h.task_id
    WHERE c.released_at IS NULL AND c.expires_at >= ${
    p(1)
  } AND t.status = 'open'
    ORDER BY h.task_id`;
}

/** Row mappers. */
export function toCandidate(r: Row): QueueCandidate {
  const { to_agent, metadata } = toTaskMessage(r);
  return { task: toTask(r), to_agent, metadata };
}

const HANDOUT = "#task_id claim_key agent_id claimed_at noticed_at?";
export const toHandout = rowReader<QueueHandout>(HANDOUT);

export const toExpiry = rowReader<QueueExpiry>(
  `${HANDOUT} expires_at channel thread_id?`,
);

export const toHolder = rowReader<QueueHolder>(
  "#task_id agent_id claimed_at expires_at channel",
);
