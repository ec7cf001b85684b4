/**
 * The PostgreSQL side of {@linkcode IdentityStore}: the vendor table is
 * created on first use (idempotently, so hubs starting together agree), in
 * the store's schema through the store's own pool; each write is one
 * transaction.
 *
 * @module
 */

import type postgres from "postgres";
import { StorageUnavailableError } from "../errors.ts";
import {
  type IdentityStore,
  type SecretEntry,
  SECRETS_TABLE,
  type SessionOwner,
} from "./identity.ts";

const T = `text COLLATE "C"`;
const SCHEMA = `CREATE TABLE IF NOT EXISTS ${SECRETS_TABLE} (
  session_id ${T} PRIMARY KEY,
  agent_id ${T} NOT NULL,
  secret_hash ${T} NOT NULL,
  created_at ${T} NOT NULL
)`;
const INDEX =
  `CREATE INDEX IF NOT EXISTS arcdeno_ss_agent ON ${SECRETS_TABLE} (agent_id)`;

/** PostgreSQL implementation of {@linkcode IdentityStore}. */
export class PostgresIdentityStore implements IdentityStore {
  #pool: () => postgres.Sql;
  #ready: Promise<void> | undefined;

  /** @param pool the store's current pool (it is replaced after a database outage) */
  constructor(pool: () => postgres.Sql) {
    this.#pool = pool;
  }

  get #sql(): postgres.Sql {
    return this.#pool();
  }

  #ensure(): Promise<void> {
    this.#ready ??= (async () => {
      await this.#sql.begin(async (tx) => {
        // Two hubs creating the table at once would race on the catalog.
        await tx.unsafe(
          "SELECT pg_advisory_xact_lock(hashtext('arcdeno_session_secrets'))",
        );
        await tx.unsafe(SCHEMA);
        await tx.unsafe(INDEX);
      });
    })().catch((error) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  putSecret(entry: SecretEntry): Promise<void> {
    return guard(async () => {
      await this.#ensure();
      await this.#sql.begin(async (tx) => {
        await tx.unsafe(`DELETE FROM ${SECRETS_TABLE} WHERE agent_id = $1`, [
          entry.agent_id,
        ]);
        await tx.unsafe(
          `INSERT INTO ${SECRETS_TABLE} (session_id, agent_id, secret_hash, created_at)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (session_id) DO UPDATE
             SET agent_id = EXCLUDED.agent_id, secret_hash = EXCLUDED.secret_hash,
                 created_at = EXCLUDED.created_at`,
          [
            entry.session_id,
            entry.agent_id,
            entry.secret_hash,
            entry.created_at,
          ],
        );
      });
    });
  }

  secretHash(sessionId: string): Promise<string | null> {
    return guard(async () => {
      await this.#ensure();
      const rows = await this.#sql.unsafe(
        `SELECT secret_hash FROM ${SECRETS_TABLE} WHERE session_id = $1`,
        [sessionId],
      );
      const hash = rows[0]?.["secret_hash"];
      return typeof hash === "string" ? hash : null;
    });
  }

  sessionOwner(sessionId: string): Promise<SessionOwner | null> {
    return guard(async () => {
      const rows = await this.#sql.unsafe(
        "SELECT agent_id, active FROM sessions WHERE session_id = $1",
        [sessionId],
      );
      const row = rows[0];
      return row
        ? {
          agent_id: String(row["agent_id"]),
          active: row["active"] === true || row["active"] === "t",
        }
        : null;
    });
  }
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    // The driver's message names the failing statement, never the password.
    throw new StorageUnavailableError(
      `the agent secrets table cannot be used right now: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
}
