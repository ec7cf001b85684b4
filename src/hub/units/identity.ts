/**
 * Session secret units (`arcdeno:identity`). The secret itself never
 * reaches the store: only its SHA-256 hash, one per agent, recorded in the
 * unit that creates the session (`./sessions.ts`) or on its own.
 *
 * @module
 */

import type { SecretEntry, SessionOwner } from "../../store/identity.ts";
import { tx, type Unit } from "../../store/unit.ts";

/** Records a session's secret hash, dropping the agent's older ones. */
export function* putSecret(entry: SecretEntry): Unit<void> {
  yield* tx.putSecret(entry);
}

/** The secret hash recorded for a session; null when it has none. */
export function* secretHash(sessionId: string): Unit<string | null> {
  return yield* tx.secretHash(sessionId);
}

/** The agent a session belongs to and whether it is active. */
export function* sessionOwner(sessionId: string): Unit<SessionOwner | null> {
  return yield* tx.sessionOwner(sessionId);
}
