/**
 * File reservation units (`arcdeno:reservations`). The first live holder of
 * a pattern owns its `locks` row, so any v1 hub on the same database sees
 * the pattern held; further shared holders and every grant's mode and fence
 * live in the vendor tables (`src/store/reserve.ts`).
 *
 * The decisions are pure functions over the live holders read inside the
 * unit; each unit serialises on the reservation scope first, so the glob
 * scan and the grant it decides on cannot interleave across hubs.
 *
 * @module
 */

import { globsOverlap } from "../../glob.ts";
import type {
  Holder,
  LockMode,
  NewReservation,
  ReservationSnapshot,
  Reserved,
  ReserveWrite,
} from "../../store/reserve.ts";
import { tx, type Unit } from "../../store/unit.ts";
import { toIso } from "../../time.ts";

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

function* apply(plan: Plan, fence: number): Unit<Holder> {
  for (const write of plan.writes) yield* tx.writeReservation(write);
  if (plan.fenceUsed) yield* tx.setLastFence(fence);
  return plan.holder;
}

function* begin(): Unit<{ nowMs: number; now: string; live: Holder[] }> {
  yield* tx.serialize("reserve");
  const nowMs = yield* tx.now();
  const now = toIso(nowMs);
  return { nowMs, now, live: yield* tx.liveHolders(now) };
}

/** Grants, extends or denies a reservation; marks the agent as seen. */
export function* acquireReservation(input: NewReservation): Unit<Reserved> {
  const { nowMs, now, live } = yield* begin();
  const fence = (yield* tx.lastFence()) + 1;
  const expires = toIso(nowMs + input.ttl_sec * 1000);
  const plan = planAcquire(live, input, now, expires, fence);
  yield* tx.touchAgent(input.agent_id, now);
  if ("denied" in plan) return { acquired: false, holder: plan.denied };
  return { acquired: true, holder: yield* apply(plan, fence) };
}

/** Extends the agent's own live grant of exactly this pattern; null when it holds none. */
export function* refreshReservation(
  filePath: string,
  owner: string,
  ttlSec: number,
): Unit<Holder | null> {
  const { nowMs, now, live } = yield* begin();
  const plan = planRefresh(
    live,
    filePath,
    owner,
    toIso(nowMs + ttlSec * 1000),
  );
  if (!plan) return null;
  yield* tx.touchAgent(owner, now);
  return yield* apply(plan, 0);
}

/** Releases the agent's own live grant; null when it holds none. */
export function* releaseReservation(
  filePath: string,
  owner: string,
): Unit<Holder | null> {
  const { now, live } = yield* begin();
  const plan = planRelease(live, filePath, owner, now);
  if (!plan) return null;
  yield* tx.touchAgent(owner, now);
  return yield* apply(plan, 0);
}

/** Releases every live grant of an agent whose session expired. */
export function* releaseAgentReservations(agentId: string): Unit<Holder[]> {
  const { now, live } = yield* begin();
  const { writes, released } = planReleaseAgent(live, agentId, now);
  for (const write of writes) yield* tx.writeReservation(write);
  return released;
}

/** Every holder, further shared holders of a pattern included. */
export function* listReservations(
  filter: { agentId?: string; activeOnly?: boolean },
): Unit<Holder[]> {
  return yield* tx.listHolders(filter, toIso(yield* tx.now()));
}

/** What the fence check reads: every live holder and the agent's past grants. */
export function* reservationSnapshot(
  agentId: string,
): Unit<ReservationSnapshot> {
  const now = toIso(yield* tx.now());
  return {
    now,
    live: yield* tx.liveHolders(now),
    past: yield* tx.pastHolders(agentId, now),
  };
}
