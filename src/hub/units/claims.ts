/**
 * Claim units. A claim is a lease on a key: a live claim of another owner
 * refuses the acquire (and is returned); the owner's own live claim is
 * extended; a released or expired row is written afresh. Each unit also
 * marks the agent as seen, in the same commit.
 *
 * @module
 */

import { tx, type Unit } from "../../store/unit.ts";
import type { Acquired, Claim, NewClaim } from "../../store/types.ts";
import { toIso } from "../../time.ts";

/** Whether a lease row is held at `now` (not released, not expired). */
export function isLive(
  row: { released_at: string | null; expires_at: string },
  now: string,
): boolean {
  return row.released_at === null && row.expires_at >= now;
}

/** Acquires or extends a claim. */
export function* acquireClaim(input: NewClaim): Unit<Acquired<Claim>> {
  yield* tx.serialize("claim", input.claim_key);
  const nowMs = yield* tx.now();
  const now = toIso(nowMs);
  const expires = toIso(nowMs + input.ttl_sec * 1000);
  const existing = yield* tx.claim(input.claim_key);
  let result: Acquired<Claim>;
  if (existing && isLive(existing, now)) {
    result = existing.owner_agent_id === input.owner_agent_id
      ? {
        acquired: true,
        row: yield* tx.extendClaim(input.claim_key, expires),
      }
      : { acquired: false, row: existing };
  } else {
    result = { acquired: true, row: yield* tx.writeClaim(input, now, expires) };
  }
  yield* tx.touchAgent(input.owner_agent_id, now);
  return result;
}

/** Extends the owner's live claim; null when it is not the owner's or not live. */
export function* refreshClaim(
  claimKey: string,
  owner: string,
  ttlSec: number,
): Unit<Claim | null> {
  const nowMs = yield* tx.now();
  const now = toIso(nowMs);
  const claim = yield* tx.claim(claimKey);
  if (!claim || claim.owner_agent_id !== owner || !isLive(claim, now)) {
    return null;
  }
  const row = yield* tx.extendClaim(claimKey, toIso(nowMs + ttlSec * 1000));
  yield* tx.touchAgent(owner, now);
  return row;
}

/** Releases the owner's live claim; null when it is not the owner's or not live. */
export function* releaseClaim(
  claimKey: string,
  owner: string,
): Unit<Claim | null> {
  const now = toIso(yield* tx.now());
  const claim = yield* tx.claim(claimKey);
  if (!claim || claim.owner_agent_id !== owner || !isLive(claim, now)) {
    return null;
  }
  const row = yield* tx.releaseClaim(claimKey, now);
  yield* tx.touchAgent(owner, now);
  return row;
}
