/**
 * Storage for strict agent identity: the SHA-256 hash of each session's
 * secret, in the vendor table `arcdeno_session_secrets` (the reference's
 * tables are untouched, so a reference hub sharing the database keeps
 * working). The rules are in `src/hub/identity.ts`; the units reach the
 * table through the primitives of `unit.ts`.
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

/** The vendor table and its index, with `text` the backend's text type. */
export function secretsTables(text: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${SECRETS_TABLE} (
    session_id ${text} PRIMARY KEY,
    agent_id ${text} NOT NULL,
    secret_hash ${text} NOT NULL,
    created_at ${text} NOT NULL
  )`,
    `CREATE INDEX IF NOT EXISTS arcdeno_ss_agent ON ${SECRETS_TABLE} (agent_id)`,
  ];
}

/** Records a session's secret hash, replacing the agent's older ones; parameters: the agent. */
export const DROP_AGENT_SECRETS_SQL =
  `DELETE FROM ${SECRETS_TABLE} WHERE agent_id = ?`;

/** Parameters: session, agent, hash, time. */
export const PUT_SECRET_SQL = `INSERT INTO ${SECRETS_TABLE}
    (session_id, agent_id, secret_hash, created_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (session_id) DO UPDATE SET agent_id = excluded.agent_id,
    secret_hash = excluded.secret_hash, created_at = excluded.created_at`;
