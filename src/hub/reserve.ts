/**
 * The rules of file reservations, behind the standard lock endpoints and
 * `POST /v1/arcdeno/fence/check`: a lock's `file_path` may be a glob, a
 * request may ask for `{"arcdeno":{"mode":"shared"}}`, and every grant
 * carries a fence number. A request without the extension behaves exactly as
 * a plain v1 lock.
 *
 * @module
 */

import { NotFoundError, ValidationError } from "../errors.ts";
import { globMatches } from "../glob.ts";
import { DEFAULTS } from "../protocol.ts";
import { type Holder, holderToLock, type LockMode } from "../store/reserve.ts";
import {
  acquireReservation as acquireUnit,
  listReservations as listUnit,
  refreshReservation as refreshUnit,
  releaseReservation as releaseUnit,
  reservationSnapshot,
} from "./units/reservations.ts";
import type { JsonObject, Lock, Store } from "../store/types.ts";
import { checkTtl, isObject, readFields } from "./params.ts";

/** A lock row with its vendor details. */
export type ReservedLock = Lock & { arcdeno: JsonObject };

/** One path's answer from the fence check. */
export interface PathVerdict {
  path: string;
  allowed: boolean;
  reason: string;
  /** The agent's own live grants covering the path. */
  held: JsonObject[];
  /** Other agents' live grants that stand in the way of writing it. */
  blocked_by: JsonObject[];
}

function secondsLeft(h: Holder, nowMs: number): number {
  return Math.max(0, Math.round((Date.parse(h.expires_at) - nowMs) / 1000));
}

function details(h: Holder, nowMs: number): JsonObject {
  return {
    agent_id: h.agent_id,
    pattern: h.file_path,
    mode: h.mode,
    fence: h.fence,
    expires_at: h.expires_at,
    expires_in_sec: secondsLeft(h, nowMs),
  };
}

/** A holder as a lock row with `arcdeno: {mode, fence}`. */
export function toReservedLock(h: Holder): ReservedLock {
  return { ...holderToLock(h), arcdeno: { mode: h.mode, fence: h.fence } };
}

function readMode(body: JsonObject): LockMode {
  const vendor = body["arcdeno"];
  if (vendor === undefined || vendor === null) return "exclusive";
  if (!isObject(vendor)) {
    throw new ValidationError("arcdeno must be a JSON object");
  }
  const mode = vendor["mode"];
  if (mode === undefined || mode === null) return "exclusive";
  if (mode !== "shared" && mode !== "exclusive") {
    throw new ValidationError("arcdeno.mode must be 'shared' or 'exclusive'");
  }
  return mode;
}

/**
 * `POST /v1/locks`: grants, extends or denies. A denial answers with the
 * holder in the way as the lock row, and in `arcdeno` its agent, the pattern
 * it holds, its mode and the seconds its lease has left.
 */
export async function acquireReservation(
  store: Store,
  body: JsonObject,
  nowMs: number,
): Promise<{ acquired: boolean; row: ReservedLock }> {
  const f = readFields(body, {
    agent_id: { type: "string", required: true },
    file_path: { type: "string", required: true },
    ttl_sec: { type: "int", check: checkTtl },
    metadata: { type: "object" },
  });
  const mode = readMode(body);
  const input = {
    file_path: f.file_path,
    agent_id: f.agent_id,
    ttl_sec: f.ttl_sec ?? DEFAULTS.defaultTtlSec,
    metadata: f.metadata ?? {},
    mode,
  };
  const result = await store.run(() => acquireUnit(input));
  const row = toReservedLock(result.holder);
  if (!result.acquired) {
    const h = result.holder;
    row.arcdeno = {
      ...details(h, nowMs),
      holder: h.agent_id,
      reason: `${h.agent_id} holds '${h.file_path}' (${h.mode}) for ${
        secondsLeft(h, nowMs)
      } s more`,
    };
  }
  return { acquired: result.acquired, row };
}

/** `POST /v1/locks/refresh`: the agent's own live grant of exactly this pattern. */
export function refreshReservation(
  store: Store,
  body: JsonObject,
): Promise<ReservedLock> {
  const f = readFields(body, {
    ...OWN_GRANT,
    ttl_sec: { type: "int", check: checkTtl },
  });
  const ttl = f.ttl_sec ?? DEFAULTS.defaultTtlSec;
  return ownGrant(store.run(() => refreshUnit(f.file_path, f.agent_id, ttl)));
}

/** `POST /v1/locks/release`. */
export function releaseReservation(
  store: Store,
  body: JsonObject,
): Promise<ReservedLock> {
  const f = readFields(body, OWN_GRANT);
  return ownGrant(store.run(() => releaseUnit(f.file_path, f.agent_id)));
}

/** The fields that name an agent's own grant. */
const OWN_GRANT = {
  agent_id: { type: "string", required: true },
  file_path: { type: "string", required: true },
} as const;

/** The grant an agent refreshed or released; none is not found. */
async function ownGrant(grant: Promise<Holder | null>): Promise<ReservedLock> {
  const holder = await grant;
  if (!holder) {
    throw new NotFoundError("lock not found or not owned by agent_id");
  }
  return toReservedLock(holder);
}

/** `GET /v1/locks`: every holder, further shared holders of a pattern included. */
export async function listReservations(
  store: Store,
  filter: { agentId?: string; activeOnly?: boolean },
): Promise<ReservedLock[]> {
  return (await store.read(() => listUnit(filter))).map(toReservedLock);
}

/**
 * `POST /v1/arcdeno/fence/check`: may `agent_id` write these paths (with
 * this fence)? A path is allowed when the agent holds a live grant covering
 * it, no other agent's live grant stands in the way, and (with `fence`) that
 * grant is the one the fence was issued for. `blocked_by` lists the other
 * agents' grants in the way whether or not the agent holds anything, which is
 * what a commit guard needs.
 */
/** Characters one fence check may hold in all its paths (bounds its work). */
const MAX_CHECK_CHARS = 1_000_000;

export async function checkFence(
  store: Store,
  body: JsonObject,
  nowMs: number,
): Promise<JsonObject> {
  const f = readFields(body, {
    agent_id: { type: "string", required: true },
    paths: { type: "list", required: true },
    fence: { type: "int" },
  });
  const paths = f.paths.map((p, i) => {
    if (typeof p !== "string" || !p) {
      throw new ValidationError(`paths[${i}] must be a non-empty string`);
    }
    return p;
  });
  if (paths.length > 10_000) {
    throw new ValidationError("paths must list at most 10000 paths");
  }
  const chars = paths.reduce((n, p) => n + p.length, 0);
  if (chars > MAX_CHECK_CHARS) {
    throw new ValidationError(
      `paths must hold at most ${MAX_CHECK_CHARS} characters in all, got ${chars}: split the check`,
    );
  }
  const snap = await store.read(() => reservationSnapshot(f.agent_id));
  const verdicts = paths.map((path) =>
    judge(path, f.agent_id, f.fence, snap.live, snap.past, nowMs)
  );
  return {
    agent_id: f.agent_id,
    ...(f.fence !== undefined ? { fence: f.fence } : {}),
    allowed: verdicts.every((v) => v.allowed),
    paths: verdicts as unknown as JsonObject[],
  };
}

function judge(
  path: string,
  agent: string,
  fence: number | undefined,
  live: Holder[],
  past: Holder[],
  nowMs: number,
): PathVerdict {
  const covering = live.filter((h) => globMatches(h.file_path, path));
  const mine = covering.filter((h) => h.agent_id === agent);
  const others = covering.filter((h) => h.agent_id !== agent);
  const blockers = mine.some((h) => h.mode === "shared") &&
      mine.every((h) => h.mode === "shared")
    ? others.filter((h) => h.mode === "exclusive")
    : others;
  const verdict = (allowed: boolean, reason: string): PathVerdict => ({
    path,
    allowed,
    reason,
    held: mine.map((h) => details(h, nowMs)),
    blocked_by: blockers.map((h) => details(h, nowMs)),
  });
  const describe = (h: Holder) =>
    `'${h.file_path}' (${h.mode}, fence ${h.fence}, ${
      secondsLeft(h, nowMs)
    } s left)`;
  if (blockers.length) {
    const b = blockers[0]!;
    return verdict(false, `reserved by ${b.agent_id}: ${describe(b)}`);
  }
  if (!mine.length) {
    const lapsed = past
      .filter((h) => globMatches(h.file_path, path))
      .sort((a, b) => (a.expires_at < b.expires_at ? 1 : -1))[0];
    const taken = others[0];
    if (lapsed) {
      const how = lapsed.released_at !== null
        ? `was released at ${lapsed.released_at}`
        : `lapsed at ${lapsed.expires_at}`;
      return verdict(
        false,
        `your reservation '${lapsed.file_path}' (fence ${lapsed.fence}) ${how}` +
          (taken ? `; now held by ${taken.agent_id}: ${describe(taken)}` : ""),
      );
    }
    return verdict(false, "no live reservation of yours covers this path");
  }
  if (fence !== undefined) {
    if (!mine.some((h) => h.fence === fence)) {
      return verdict(
        false,
        `fence ${fence} is stale: your live reservation ${
          describe(mine[0]!)
        } has another fence`,
      );
    }
    const newer = others.find((h) => h.fence > fence);
    if (newer && newer.mode === "exclusive") {
      return verdict(
        false,
        `fence ${fence} is older than ${newer.agent_id}'s ${describe(newer)}`,
      );
    }
  }
  return verdict(true, `held by you: ${describe(mine[0]!)}`);
}
