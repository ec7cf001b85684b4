/**
 * The SQLite side of {@linkcode IdentityStore}: the vendor table is created
 * on first use, and each write is one `BEGIN IMMEDIATE` transaction with no
 * `await` inside, on the store's own connection (so it never interleaves
 * with a store unit).
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { StorageUnavailableError } from "../errors.ts";
import {
  type IdentityStore,
  type SecretEntry,
  SECRETS_TABLE,
  type SessionOwner,
} from "./identity.ts";

const SCHEMA = `CREATE TABLE IF NOT EXISTS ${SECRETS_TABLE} (
  session_id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at TEXT NOT NULL
)`;
const INDEX =
  `CREATE INDEX IF NOT EXISTS arcdeno_ss_agent ON ${SECRETS_TABLE}(agent_id)`;

/** SQLite implementation of {@linkcode IdentityStore}. */
export class SqliteIdentityStore implements IdentityStore {
  #db: DatabaseSync;
  #ready = false;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  #ensure(): void {
    if (this.#ready) return;
    this.#db.exec(SCHEMA);
    this.#db.exec(INDEX);
    this.#ready = true;
  }

  putSecret(entry: SecretEntry): Promise<void> {
    return unit(() => {
      this.#ensure();
      this.#db.prepare("BEGIN IMMEDIATE").run();
      try {
        this.#db.prepare(`DELETE FROM ${SECRETS_TABLE} WHERE agent_id = ?`)
          .run(entry.agent_id);
        this.#db.prepare(
          `INSERT OR REPLACE INTO ${SECRETS_TABLE} (session_id, agent_id, secret_hash, created_at) VALUES (?, ?, ?, ?)`,
        ).run(
          entry.session_id,
          entry.agent_id,
          entry.secret_hash,
          entry.created_at,
        );
        this.#db.prepare("COMMIT").run();
      } catch (error) {
        if (this.#db.isTransaction) this.#db.prepare("ROLLBACK").run();
        throw error;
      }
    });
  }

  secretHash(sessionId: string): Promise<string | null> {
    return unit(() => {
      this.#ensure();
      const row = this.#db.prepare(
        `SELECT secret_hash FROM ${SECRETS_TABLE} WHERE session_id = ?`,
      ).get(sessionId) as { secret_hash?: unknown } | undefined;
      return typeof row?.secret_hash === "string" ? row.secret_hash : null;
    });
  }

  sessionOwner(sessionId: string): Promise<SessionOwner | null> {
    return unit(() => {
      const row = this.#db.prepare(
        "SELECT agent_id, active FROM sessions WHERE session_id = ?",
      ).get(sessionId) as { agent_id: string; active: number } | undefined;
      return row
        ? { agent_id: String(row.agent_id), active: Number(row.active) === 1 }
        : null;
    });
  }
}

function unit<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(
      new StorageUnavailableError(
        `the agent secrets table cannot be used right now: ${
          (error as Error).message
        }`,
        { cause: error },
      ),
    );
  }
}
