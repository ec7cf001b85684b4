/**
 * Session units: registration (with replace) and the presence sweep that
 * expires silent agents, releases their claims and locks, and posts one
 * recovery notice for each.
 *
 * @module
 */

import { ConflictError } from "../../errors.ts";
import { DEFAULT_CHANNEL } from "../../protocol.ts";
import { tx, type Unit } from "../../store/unit.ts";
import type {
  NewMessage,
  NewSession,
  Recovery,
  Session,
} from "../../store/types.ts";
import { toIso } from "../../time.ts";
import { claimRecoveredNotice, lockRecoveredNotice } from "./notices.ts";
import { releaseAgentReservations } from "./reservations.ts";
import { threadChannel } from "./threads.ts";

/**
 * Registers a session. A live session of the same agent (seen within
 * `presenceTtlSec`) is a conflict unless `replace`; an expired one is taken
 * over. With `secretHash`, the session's secret is recorded in the same
 * commit (`arcdeno:identity`).
 */
export function* createSession(
  input: NewSession,
  presenceTtlSec: number,
  secretHash?: string,
): Unit<Session> {
  yield* tx.serialize("session", input.agent_id);
  const nowMs = yield* tx.now();
  const current = yield* tx.activeSession(input.agent_id);
  if (current) {
    // The same cutoff the presence sweep uses, compared the same way.
    const fresh = current.last_seen >= toIso(nowMs - presenceTtlSec * 1000);
    if (fresh && !input.replace) {
      throw new ConflictError("agent_id already has an active session");
    }
    yield* tx.deactivateSessions(input.agent_id);
  }
  const now = toIso(nowMs);
  const session: Session = {
    session_id: crypto.randomUUID(),
    agent_id: input.agent_id,
    display_name: input.display_name,
    capabilities: input.capabilities,
    metadata: input.metadata,
    created_at: now,
    last_seen: now,
    active: true,
  };
  yield* tx.insertSession(session);
  if (secretHash !== undefined) {
    yield* tx.putSecret({
      session_id: session.session_id,
      agent_id: session.agent_id,
      secret_hash: secretHash,
      created_at: now,
    });
  }
  return session;
}

/** Whether a sweep would find anything: a cheap read outside any lock. */
export function* anyStale(presenceTtlSec: number): Unit<boolean> {
  const cutoff = toIso((yield* tx.now()) - presenceTtlSec * 1000);
  return yield* tx.hasStaleSessions(cutoff);
}

/**
 * Expires sessions silent for longer than `presenceTtlSec`. An agent with no
 * other live session loses its claims and locks, each with a notice in the
 * channel of its thread (a lock may name its thread or channel in metadata),
 * and its reservations, whose patterns pass to remaining shared holders.
 */
export function* recoverExpired(presenceTtlSec: number): Unit<Recovery> {
  // One sweep at a time across hubs; each stale session goes to one of them.
  yield* tx.serialize("recovery");
  const nowMs = yield* tx.now();
  const now = toIso(nowMs);
  const expired = yield* tx.expireSessions(
    toIso(nowMs - presenceTtlSec * 1000),
  );
  const recovery: Recovery = {
    expired,
    releasedClaims: [],
    releasedLocks: [],
    releasedReservations: [],
    posted: [],
  };
  const notices: NewMessage[] = [];
  for (const session of expired) {
    const agent = session.agent_id;
    // The agent may have come back under a new session meanwhile.
    if (yield* tx.activeSession(agent)) continue;
    for (const claim of yield* tx.releaseClaimsOf(agent, now)) {
      recovery.releasedClaims.push(claim);
      const channel = claim.thread_id
        ? (yield* threadChannel(claim.thread_id)) ?? DEFAULT_CHANNEL
        : DEFAULT_CHANNEL;
      notices.push(claimRecoveredNotice(claim, agent, channel));
    }
    for (const lock of yield* tx.releaseLocksOf(agent, now)) {
      recovery.releasedLocks.push(lock);
      const named = lock.metadata["thread_id"];
      const threadId = named == null ? null : String(named);
      const fallback = lock.metadata["channel"]
        ? String(lock.metadata["channel"])
        : DEFAULT_CHANNEL;
      const channel = threadId
        ? (yield* threadChannel(threadId)) ?? fallback
        : fallback;
      notices.push(lockRecoveredNotice(lock, agent, channel, threadId));
    }
  }
  for (const session of expired) {
    recovery.releasedReservations.push(
      ...yield* releaseAgentReservations(session.agent_id),
    );
  }
  recovery.posted = yield* tx.insertMessages(
    notices.map((input) => ({ input, ts: now, task: null })),
  );
  return recovery;
}
