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
 * The decisions are pure functions over the live holders read inside the
 * acquiring transaction; each backend reads, plans, and applies the writes.
 *
 * @module
 */

import { globsOverlap } from "../glob.ts";
import { toLock } from "./rows.ts";
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

/** Reservation storage, one transaction per call; see the module comment. */
export interface ReservationStore {
  acquire(input: NewReservation): Promise<Reserved>;
  refresh(
    filePath: string,
    owner: string,
    ttlSec: number,
  ): Promise<Holder | null>;
  release(filePath: string, owner: string): Promise<Holder | null>;
  /** Every holder (the `locks` rows and the further shared holders), by lock time. */
  list(filter: { agentId?: string; activeOnly?: boolean }): Promise<Holder[]>;
  snapshot(agentId: string): Promise<ReservationSnapshot>;
  /**
   * Releases every live grant of an agent whose session expired, and hands
   * each `locks` row that presence recovery freed to a remaining shared
   * holder of its pattern. Returns the grants released.
   */
  releaseAgent(agentId: string): Promise<Holder[]>;
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

/** A plan: the writes and the holder to answer with. */
export interface Plan {
  writes: ReserveWrite[];
  holder: Holder;
  /** Whether the plan used the next fence number. */
  fenceUsed: boolean;
}

/** Whether two grants may not be held at once by different agents. */
export function conflicts(a: Holder, mode: LockMode, pattern: string): boolean {
  return (a.mode === "exclusive" || mode === "exclusive") &&
    globsOverlap(a.file_path, pattern);
}

/**
 * Decides an acquire: a conflicting live holder of another agent denies it;
 * the agent's own live grant of the same pattern is extended (mode updated,
 * fence kept); anything else is a new grant with the next fence, owning the
 * `locks` row unless another shared holder already does.
 */
export function planAcquire(
  live: Holder[],
  input: NewReservation,
  now: string,
  expires: string,
  nextFence: number,
): { denied: Holder } | Plan {
  const blockers = live.filter((h) =>
    h.agent_id !== input.agent_id &&
    conflicts(h, input.mode, input.file_path)
  );
  if (blockers.length) {
    const exact = blockers.find((h) => h.file_path === input.file_path);
    return { denied: exact ?? blockers[0]! };
  }
  const own = live.find((h) =>
    h.agent_id === input.agent_id && h.file_path === input.file_path
  );
  if (own) return extend(own, expires, input.mode);
  const rowTaken = live.some((h) =>
    h.primary && h.file_path === input.file_path
  );
  const holder: Holder = {
    file_path: input.file_path,
    agent_id: input.agent_id,
    locked_at: now,
    expires_at: expires,
    released_at: null,
    metadata: input.metadata,
    mode: input.mode,
    fence: nextFence,
    primary: !rowTaken,
  };
  const writes: ReserveWrite[] = [{ op: "holder_put", holder }];
  if (!rowTaken) writes.unshift({ op: "lock_put", holder });
  return { writes, holder, fenceUsed: true };
}

function extend(own: Holder, expires: string, mode: LockMode): Plan {
  const writes: ReserveWrite[] = [];
  if (own.primary) {
    writes.push({
      op: "lock_extend",
      file_path: own.file_path,
      expires_at: expires,
    });
  }
  const holder = { ...own, expires_at: expires, mode };
  // A lock row written by a hub without fences gets its holder row now.
  writes.push(
    own.fence === 0 && own.primary ? { op: "holder_put", holder } : {
      op: "holder_extend",
      file_path: own.file_path,
      agent_id: own.agent_id,
      expires_at: expires,
      mode,
    },
  );
  return { writes, holder, fenceUsed: false };
}

/** Decides a refresh: only the agent's own live grant of exactly this pattern. */
export function planRefresh(
  live: Holder[],
  filePath: string,
  owner: string,
  expires: string,
): Plan | null {
  const own = live.find((h) =>
    h.agent_id === owner && h.file_path === filePath
  );
  return own ? extend(own, expires, own.mode) : null;
}

/**
 * Decides a release. When the `locks` row's holder lets go while other
 * shared holders of the pattern remain, the longest-held of them takes the
 * row over, so hubs that read only `locks` still see the pattern held.
 */
export function planRelease(
  live: Holder[],
  filePath: string,
  owner: string,
  now: string,
): Plan | null {
  const own = live.find((h) =>
    h.agent_id === owner && h.file_path === filePath
  );
  if (!own) return null;
  const writes: ReserveWrite[] = [];
  if (own.primary) {
    writes.push({ op: "lock_release", file_path: filePath, at: now });
    const heir = live.find((h) =>
      !h.primary && h.file_path === filePath && h.agent_id !== owner
    );
    if (heir) {
      const promoted = { ...heir, primary: true };
      writes.push({ op: "lock_put", holder: promoted });
      writes.push({ op: "holder_put", holder: promoted });
    }
  }
  writes.push({
    op: "holder_release",
    file_path: filePath,
    agent_id: owner,
    at: now,
  });
  return {
    writes,
    holder: { ...own, released_at: now },
    fenceUsed: false,
  };
}

/** Plans {@linkcode ReservationStore.releaseAgent}. */
export function planReleaseAgent(
  live: Holder[],
  agent: string,
  now: string,
): { writes: ReserveWrite[]; released: Holder[] } {
  const writes: ReserveWrite[] = [];
  const released: Holder[] = [];
  let current = live;
  for (const h of live.filter((x) => x.agent_id === agent)) {
    const plan = planRelease(current, h.file_path, agent, now);
    if (!plan) continue;
    writes.push(...plan.writes);
    released.push(plan.holder);
    current = current.filter((x) => x !== h);
    const heir = current.find((x) =>
      !x.primary && x.file_path === h.file_path && h.primary
    );
    if (heir) {
      current = current.map((x) => x === heir ? { ...x, primary: true } : x);
    }
  }
  // Rows freed by presence recovery (or a hub without reservations).
  for (const x of current) {
    if (
      !x.primary &&
      !current.some((y) => y.primary && y.file_path === x.file_path)
    ) {
      const promoted = { ...x, primary: true };
      writes.push({ op: "lock_put", holder: promoted });
      writes.push({ op: "holder_put", holder: promoted });
      current = current.map((y) => y === x ? promoted : y);
    }
  }
  return { writes, released };
}

/** The plain lock row of a holder (protocol §4.5). */
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

/** Reads a row of {@linkcode LIVE_SQL}, {@linkcode LIST_SQL} or {@linkcode PAST_SQL}. */
export function toHolder(r: Row): Holder {
  const mode = r["mode"] === "shared" ? "shared" : "exclusive";
  return {
    ...toLock(r),
    mode,
    fence: Number(r["fence"] ?? 0),
    primary: Number(r["primary_row"]) === 1,
  };
}

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

/** Live holders; parameters: now, now (`?` placeholders, numbered for PostgreSQL by {@linkcode numbered}). */
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

/** Turns `?` placeholders into PostgreSQL's `$1`, `$2`, …. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
