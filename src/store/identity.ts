/**
 * Storage for strict agent identity: the SHA-256 hash of each session's
 * secret, in the vendor table `arcdeno_session_secrets` (the reference's
 * tables are untouched, so a reference hub sharing the database keeps
 * working). Each backend keeps the table on the store's own connection;
 * `identity_backend.ts` picks the one for a store.
 *
 * @module
 */

/** The vendor table that holds secret hashes, one row per session. */
export const SECRETS_TABLE = "arcdeno_session_secrets";

/** One stored secret: never the secret itself, only its hash. */
export interface SecretEntry {
  session_id: string;
  agent_id: string;
  /** Lower-case hex SHA-256 of the secret. */
  secret_hash: string;
  created_at: string;
}

/** Who a session (a row of the reference `sessions` table) belongs to. */
export interface SessionOwner {
  agent_id: string;
  active: boolean;
}

/** The identity part of the storage contract. */
export interface IdentityStore {
  /** Records a new session's secret hash and drops the agent's older ones, as one unit. */
  putSecret(entry: SecretEntry): Promise<void>;
  /** The secret hash recorded for a session, or null when it has none. */
  secretHash(sessionId: string): Promise<string | null>;
  /** The agent a session belongs to and whether it is active; null when unknown. */
  sessionOwner(sessionId: string): Promise<SessionOwner | null>;
}
