/**
 * File reservations on top of the reference `locks` table: glob patterns,
 * shared and exclusive holders, and fencing numbers.
 *
 * Storage: the first live holder of a pattern owns the pattern's row in
 * `locks`, exactly as a plain lock (so any v1 hub on the same file sees it).
 * `arcdeno_lock_holders` keeps one row per (pattern, agent): the grant's mode
 * and fence for the `locks` row's holder (`primary_row = 1`, valid while its
 * `locked_at` matches), and the whole lease of every further shared holder
 * (`primary_row = 0`). `arcdeno_fence` holds the one global fence counter.
 *
 * The rules are units of work in `src/hub/units/reservations.ts`: they read
 * the live holders, decide, and ask the backend for the writes below.
 *
 * @module
 */

import { rowFormat } from "./rows.ts";
import type { JsonObject, Lock } from "./types.ts";

/** How a reservation shares its paths. */
export type LockMode = "shared" | "exclusive";

/** One live (or past) grant of a pattern to an agent. */
export interface Holder extends Lock {
  mode: LockMode;
  /** 0 for a lock granted by a hub that knows no fences. */
  fence: number;
  /** Whether this holder owns the pattern's `locks` row. */
  primary: boolean;
}

/** Input to acquire a reservation. */
export interface NewReservation {
  file_path: string;
  agent_id: string;
  ttl_sec: number;
  metadata: JsonObject;
  mode: LockMode;
}

/** Result of acquiring: the grant, or the live holder in the way. */
export type Reserved =
  | { acquired: true; holder: Holder }
  | { acquired: false; holder: Holder };

/** What the fence check reads: every live holder and the agent's past grants. */
export interface ReservationSnapshot {
  now: string;
  live: Holder[];
  /** The agent's grants that are no longer live (released or lapsed). */
  past: Holder[];
}

/** One write a plan asks the backend to make. */
export type ReserveWrite =
  | { op: "lock_put"; holder: Holder }
  | { op: "lock_extend"; file_path: string; expires_at: string }
  | { op: "lock_release"; file_path: string; at: string }
  | { op: "holder_put"; holder: Holder }
  | {
    op: "holder_extend";
    file_path: string;
    agent_id: string;
    expires_at: string;
    mode: LockMode;
  }
  | { op: "holder_release"; file_path: string; agent_id: string; at: string };

/** The plain lock row of a holder (protocol s.4.5). */
export function holderToLock(h: Holder): Lock {
  return {
    file_path: h.file_path,
    agent_id: h.agent_id,
    locked_at: h.locked_at,
    expires_at: h.expires_at,
    released_at: h.released_at,
    metadata: h.metadata,
  };
}

type Row = Record<string, unknown>;

/** A row of `arcdeno_lock_holders`, read and written. */
export const HOLDER_ROW = rowFormat<Holder>(
  "file_path agent_id mode #fence locked_at expires_at released_at? metadata{} !primary=primary_row",
);

/** Reads a row of {@linkcode LIVE_SQL}, {@linkcode LIST_SQL} or {@linkcode PAST_SQL}. */
export const toHolder = HOLDER_ROW.read;

/** Tables of ours, with `text` the backend's text type; the reference's tables are untouched. */
export function reserveTables(text: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS arcdeno_lock_holders (
    file_path ${text} NOT NULL,
    agent_id ${text} NOT NULL,
    mode ${text} NOT NULL,
    fence BIGINT NOT NULL,
    locked_at ${text} NOT NULL,
    expires_at ${text} NOT NULL,
    released_at ${text},
    metadata_json TEXT NOT NULL DEFAULT '{}',
    primary_row INTEGER NOT NULL,
    PRIMARY KEY (file_path, agent_id)
  )`,
    `CREATE INDEX IF NOT EXISTS arcdeno_lh_agent ON arcdeno_lock_holders (agent_id)`,
    `CREATE TABLE IF NOT EXISTS arcdeno_fence (
    id INTEGER PRIMARY KEY,
    value BIGINT NOT NULL
  )`,
  ];
}

// The `locks` rows, with the mode and fence of a matching holder row.
const PRIMARY_SELECT = `SELECT l.file_path, l.agent_id, l.locked_at,
    l.expires_at, l.released_at, l.metadata_json,
    COALESCE(h.mode, 'exclusive') AS mode, COALESCE(h.fence, 0) AS fence,
    1 AS primary_row
  FROM locks l LEFT JOIN arcdeno_lock_holders h
    ON h.file_path = l.file_path AND h.agent_id = l.agent_id
   AND h.primary_row = 1 AND h.locked_at = l.locked_at`;

// Further shared holders.
const SHARE_SELECT = `SELECT file_path, agent_id, locked_at, expires_at,
    released_at, metadata_json, mode, fence, 0 AS primary_row
  FROM arcdeno_lock_holders h WHERE primary_row = 0`;

/** Live holders; parameters: now, now (`?` placeholders, numbered for PostgreSQL by `numbered` in `./sql.ts`). */
export const LIVE_SQL = `${PRIMARY_SELECT}
  WHERE l.released_at IS NULL AND l.expires_at >= ?
  UNION ALL ${SHARE_SELECT} AND released_at IS NULL AND expires_at >= ?
  ORDER BY locked_at, file_path, agent_id`;

/**
 * The agent's grants that are no longer live: its lapsed or released lock
 * rows and shared holds, and grants whose lock row another agent has taken
 * since. Parameters: agent, now, agent, now, agent.
 */
export const PAST_SQL = `SELECT * FROM (${PRIMARY_SELECT}) p
  WHERE agent_id = ? AND (released_at IS NOT NULL OR expires_at < ?)
  UNION ALL SELECT * FROM (${SHARE_SELECT}) s
  WHERE agent_id = ? AND (released_at IS NOT NULL OR expires_at < ?)
  UNION ALL SELECT file_path, agent_id, locked_at, expires_at, released_at,
    metadata_json, mode, fence, 1 AS primary_row
  FROM arcdeno_lock_holders h WHERE primary_row = 1 AND agent_id = ?
    AND NOT EXISTS (SELECT 1 FROM locks l WHERE l.file_path = h.file_path
      AND l.agent_id = h.agent_id AND l.locked_at = h.locked_at)`;

/** Every holder for listing, filtered by `where` on both halves. */
export function listSql(
  filter: { agentId?: string; activeOnly?: boolean },
  now: string,
): { text: string; params: string[] } {
  const conds: string[] = [];
  const params: string[] = [];
  if (filter.agentId !== undefined) {
    conds.push("agent_id = ?");
    params.push(filter.agentId);
  }
  if (filter.activeOnly) {
    conds.push("released_at IS NULL AND expires_at >= ?");
    params.push(now);
  }
  const where = conds.length ? conds.join(" AND ") : "1 = 1";
  return {
    text: `SELECT * FROM (${PRIMARY_SELECT}) p WHERE ${where}
      UNION ALL SELECT * FROM (${SHARE_SELECT}) s WHERE ${where}
      ORDER BY locked_at, file_path, agent_id`,
    params: [...params, ...params],
  };
}

/** Records the last fence number handed out; parameter: the value. */
export const SET_FENCE_SQL =
  `INSERT INTO arcdeno_fence (id, value) VALUES (1, ?)
  ON CONFLICT (id) DO UPDATE SET value = excluded.value`;
