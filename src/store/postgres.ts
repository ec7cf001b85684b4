/**
 * The PostgreSQL backend on `npm:postgres`, for several stateless hubs that
 * share one database. Every unit of the {@linkcode Store} contract is one
 * transaction whose guarantee holds across processes:
 *
 * - claims, locks and session create/replace serialise per key on a
 *   transaction-scoped advisory lock, then decide on the row as SQLite does;
 * - task completion and RPC completion lock the task rows (`FOR UPDATE`, or
 *   a guarded `UPDATE`), so a rollup notice or a completion happens once;
 * - presence recovery takes one advisory lock and expires sessions with
 *   `UPDATE ... RETURNING`, so each notice is posted by exactly one hub;
 * - every transaction that inserts messages takes the message advisory lock
 *   right before it asks the sequence for ids and holds it to commit, so ids
 *   become visible in id order on every connection and a `since_id` cursor
 *   never skips a row (design decision 10).
 *
 * Committed messages are announced with `NOTIFY`; other hubs `LISTEN` on a
 * dedicated, supervised connection (see `postgres_listen.ts`). Timestamps
 * come from the store's clock, in the wire's text form, as on SQLite.
 *
 * The database password never leaves this module in clear: errors are
 * scrubbed, and `info.storagePath` is the password-less identity
 * `postgres://host:port/dbname`.
 *
 * @module
 */

import type postgres from "postgres";
import {
  ConflictError,
  IdExhaustedError,
  NotFoundError,
  StorageUnavailableError,
  ValidationError,
} from "../errors.ts";
import { dependsOnOf } from "./task_deps.ts";
import {
  addDeps,
  checkCreationDeps,
  getDeps,
  listReady,
  type PgQuery,
  readyNotices,
  recordCreationDeps,
} from "./task_deps_postgres.ts";
import {
  BUILTIN_CHANNELS,
  DEFAULT_CHANNEL,
  MAX_MESSAGE_ID,
  SYSTEM_AGENT,
  TASK_KINDS,
} from "../protocol.ts";
import { type Clock, systemClock, toIso } from "../time.ts";
import { ChangeListener } from "./postgres_listen.ts";
import {
  explainOpenError,
  LOSS_DRIVER,
  openListenClient,
  openPool,
  PgPool,
  probeServer,
} from "./postgres_conn.ts";
import { PostgresReservations } from "./reserve_postgres.ts";
import { exportPostgres, importPostgres } from "./export_postgres.ts";
import type {
  ExportFilter,
  ExportRecord,
  RowCounts,
  RowRecord,
} from "./export_format.ts";
import {
  type Row,
  toChannel,
  toClaim,
  toLock,
  toMessage,
  toSession,
  toTask,
} from "./rows.ts";
import { PostgresReceipts } from "./receipts_postgres.ts";
import {
  MIGRATIONS,
  SCHEMA_VERSION,
  VERSION_TABLE,
} from "./postgres_schema.ts";
import {
  type DatabaseTarget,
  parseDatabaseUrl,
  redact,
} from "./postgres_url.ts";
import {
  SEARCH_POSTGRES_SCHEMA,
  searchStatement,
  toHits,
} from "./search_postgres.ts";
import type {
  SearchHit,
  SearchIndexProgress,
  SearchQuery,
} from "./search_types.ts";
import { CLAIMS, type LeaseRow, type LeaseTable, LOCKS } from "./leases.ts";
import { buildThreadSummary, type ThreadFacts } from "./thread_summary.ts";
import type {
  Acquired,
  Channel,
  Claim,
  JsonObject,
  Lock,
  Message,
  MessageQuery,
  NewClaim,
  NewLock,
  NewMessage,
  NewSession,
  PostResult,
  Recovery,
  Session,
  Store,
  StoreInfo,
  Task,
  TaskCompletion,
  TaskDependencies,
  TaskFilter,
  ThreadDetail,
  ThreadSummary,
} from "./types.ts";

type Param = string | number | boolean | null;
type Sql = postgres.Sql | postgres.TransactionSql | postgres.ReservedSql;

/** One SQL statement with its `$n` parameters. */
interface Statement {
  text: string;
  params: Param[];
}

/** A message to insert, with its timestamp and task row, if any. */
interface NewRow {
  input: NewMessage;
  ts: string;
  task: { parent: number | null } | null;
}

/** Options for {@linkcode PostgresStore.open}. */
export interface PostgresStoreOptions {
  /** Time source for timestamps and expiry. @default systemClock */
  clock?: Clock;
  /** Where connection trouble is reported (never with the password). @default nothing */
  log?: (line: string) => void;
  /** Most connections the store opens for queries (the listener has its own). @default 10 */
  poolSize?: number;
  /** How long a write waits for a row or advisory lock before giving up with 503, in ms. @default 10000 */
  lockTimeoutMs?: number;
  /** How long opening a connection may take, in seconds; also how long a unit of work waits for a free connection before it fails with 503. @default 10 */
  connectTimeoutSec?: number;
  /** How often the server is asked whether it is back after a lost connection, in ms. @default 250 */
  probeEveryMs?: number;
  /**
   * `normal`: a commit is acknowledged once the server has it
   * (`synchronous_commit = off`): it survives any hub crashing, but a crash
   * of the database server or its machine may lose the last fraction of a
   * second. `full`: the server flushes every commit to disk first
   * (`synchronous_commit = on`).
   *
   * @default "normal"
   */
  durability?: "normal" | "full";
}

/** What an advisory lock serialises. */
type LockKind =
  | "migrate"
  | "messages"
  | "recovery"
  | "threads"
  | "claim"
  | "lock"
  | "session";

const EMPTY_RECOVERY: Recovery = {
  expired: [],
  releasedClaims: [],
  releasedLocks: [],
  posted: [],
};

// SQLSTATEs that mean "the database cannot take this now": connection
// exceptions, resources, operator intervention, lock timeouts, read-only,
// system errors; and driver codes for a connection that is gone.
const UNAVAILABLE_CLASSES = ["08", "53", "57", "58", "XX"];
const UNAVAILABLE_STATES = new Set(["55P03", "25006", "40001", "40P01"]);
const UNAVAILABLE_DRIVER = new Set([
  ...LOSS_DRIVER,
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);
// Worth one more try inside the unit: the transaction was rolled back whole.
const RETRY_STATES = new Set(["40001", "40P01", "23505"]);

/** PostgreSQL implementation of {@linkcode Store}. */
export class PostgresStore implements Store {
  readonly info: StoreInfo;
  readonly receipts: PostgresReceipts;
  #pool: PgPool;
  #target: DatabaseTarget;
  #clock: Clock;
  #log: (line: string) => void;
  #channel: string;
  #origin = crypto.randomUUID();
  #lockSpace: Record<LockKind, number>;
  #listener: ChangeListener | undefined;
  #channels = new Map<string, Channel>();
  /** Listeners being stopped; `close()` waits for them. */
  #stopping: Promise<void>[] = [];
  #closed = false;
  readonly reservations: PostgresReservations;

  private constructor(
    target: DatabaseTarget,
    options: PostgresStoreOptions,
  ) {
    this.#target = target;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? (() => {});
    const connectTimeoutSec = options.connectTimeoutSec ?? 10;
    this.#pool = new PgPool({
      open: () =>
        openPool(target, {
          max: options.poolSize ?? 10,
          lockTimeoutMs: options.lockTimeoutMs ?? 10_000,
          connectTimeoutSec,
          durability: options.durability ?? "normal",
        }),
      probe: () => probeServer(target),
      label: target.label,
      describe: (error) => this.#describe(error),
      log: this.#log,
      // The listen connection comes back at once, not after its backoff.
      onRecovered: () => this.#listener?.retryNow(),
      acquireTimeoutMs: connectTimeoutSec * 1000,
      ...(options.probeEveryMs ? { probeEveryMs: options.probeEveryMs } : {}),
    });
    const space = target.schema ?? "public";
    this.#channel = notifyChannel(target.schema);
    this.#lockSpace = {
      migrate: hash32(`arc:${space}:migrate`),
      messages: hash32(`arc:${space}:messages`),
      recovery: hash32(`arc:${space}:recovery`),
      threads: hash32(`arc:${space}:threads`),
      claim: hash32(`arc:${space}:claim`),
      lock: hash32(`arc:${space}:lock`),
      session: hash32(`arc:${space}:session`),
    };
    this.reservations = new PostgresReservations({
      tx: (fn) => this.#tx(fn),
      now: () => this.#clock.now(),
      space,
    });
    this.info = {
      backend: "postgres",
      storagePath: target.label,
      // PostgreSQL writes through its write-ahead log.
      journalMode: "wal",
      walMode: true,
    };
    this.receipts = new PostgresReceipts(this.#clock, {
      write: (fn) => this.#tx(fn),
      read: (fn) => this.#read(fn),
    });
  }

  /** The current pool, for vendor modules with tables of their own (`src/store/identity_postgres.ts`); it is replaced after an outage, so read it for each use. */
  get connection(): postgres.Sql {
    return this.#pool.sql;
  }

  get #sql(): postgres.Sql {
    return this.#pool.sql;
  }

  /**
   * Connects, creates or migrates the schema (under an advisory lock, so
   * hubs starting together on an empty database take turns) and makes sure
   * the builtin channels exist.
   *
   * @param url `postgres://user:password@host:port/dbname[?schema=NAME]`
   * @param options clock, logger, pool size and timeouts
   * @returns the ready store
   * @throws {RangeError} when the URL is unusable
   * @throws {StorageUnavailableError} when the database cannot be reached
   */
  static async open(
    url: string | DatabaseTarget,
    options: PostgresStoreOptions = {},
  ): Promise<PostgresStore> {
    const target = typeof url === "string" ? parseDatabaseUrl(url) : url;
    const store = new PostgresStore(target, options);
    try {
      await store.#migrate();
      return store;
    } catch (error) {
      await store.#pool.end(0);
      const cause = error instanceof StorageUnavailableError
        ? error.cause ?? error
        : error;
      const explained = explainOpenError(
        cause,
        target,
        store.#describe(store.#scrub(cause)),
      );
      if (explained) throw new StorageUnavailableError(explained, { cause });
      throw store.#translate(error);
    }
  }

  async #migrate(): Promise<void> {
    const now = this.#now();
    await this.#tx(async (tx) => {
      await this.#lock(tx, "migrate");
      if (this.#target.schema) {
        await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${this.#target.schema}`);
      }
      await tx.unsafe(VERSION_TABLE);
      const [row] = await q(
        tx,
        "SELECT COALESCE(MAX(version), 0) AS v FROM arc_schema_version",
      );
      const current = Number(row?.["v"] ?? 0);
      if (current > SCHEMA_VERSION) {
        throw new Error(
          `the database schema is at version ${current}, newer than this hub understands (${SCHEMA_VERSION}); upgrade the hub`,
        );
      }
      for (const migration of MIGRATIONS) {
        if (migration.version <= current) continue;
        for (const statement of migration.statements) {
          await tx.unsafe(statement);
        }
        await q(
          tx,
          "INSERT INTO arc_schema_version (version, applied_at) VALUES ($1, $2)",
          [migration.version, now],
        );
      }
      for (const statement of SEARCH_POSTGRES_SCHEMA) {
        await tx.unsafe(statement);
      }
      for (const name of BUILTIN_CHANNELS) {
        await q(
          tx,
          `INSERT INTO channels (name, created_at, created_by) VALUES ($1, $2, $3)
           ON CONFLICT (name) DO NOTHING`,
          [name, now, SYSTEM_AGENT],
        );
      }
    });
  }

  async *exportRows(filter: ExportFilter): AsyncIterable<RowRecord> {
    try {
      yield* exportPostgres(this.#sql, filter);
    } catch (error) {
      throw this.#translate(error);
    }
  }

  async importRecords(
    records: AsyncIterable<ExportRecord>,
    onProgress?: (counts: RowCounts) => void,
  ): Promise<RowCounts> {
    try {
      return await importPostgres(this.#sql, records, {
        label: this.info.storagePath,
        before: (tx) => this.#lock(tx, "messages"),
        ...(onProgress ? { onProgress } : {}),
      });
    } catch (error) {
      throw this.#translate(error);
    }
  }

  // ── plumbing ───────────────────────────────────────────────────────

  /** Runs `fn` in one transaction, retrying a few times on deadlock or a lost insert race. */
  async #tx<T>(fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
    for (let attempt = 1;; attempt++) {
      try {
        return await this.#pool.begin(fn);
      } catch (error) {
        if (attempt < 4 && RETRY_STATES.has(sqlState(error) ?? "")) continue;
        throw this.#translate(error);
      }
    }
  }

  /** Runs a read and translates its errors. */
  async #read<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
    try {
      this.#pool.admit();
      return await fn(this.#sql);
    } catch (error) {
      throw this.#translate(error);
    }
  }

  /** Runs several reads on one consistent snapshot. */
  #snapshot<T>(fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
    return this.#read((sql) =>
      sql.begin(
        "isolation level repeatable read read only",
        (tx) => fn(tx),
      ) as Promise<T>
    );
  }

  /** Takes a transaction-scoped advisory lock, optionally on one key. */
  #lock(tx: Sql, kind: LockKind, key?: string): Promise<unknown> {
    return key === undefined
      ? q(tx, "SELECT pg_advisory_xact_lock($1::int4, 0)", [
        this.#lockSpace[kind],
      ])
      : q(tx, "SELECT pg_advisory_xact_lock($1::int4, hashtext($2))", [
        this.#lockSpace[kind],
        key,
      ]);
  }

  #translate(error: unknown): unknown {
    if (
      error instanceof ValidationError || error instanceof ConflictError ||
      error instanceof NotFoundError || error instanceof IdExhaustedError ||
      error instanceof StorageUnavailableError
    ) return error;
    this.#pool.observe(error);
    const state = sqlState(error);
    if (state === "2200H") {
      return new IdExhaustedError(
        `message id space exhausted: the next id would exceed ${MAX_MESSAGE_ID}`,
        { cause: this.#scrub(error) },
      );
    }
    const code = (error as { code?: unknown } | null)?.code;
    const unavailable = state !== undefined
      ? UNAVAILABLE_STATES.has(state) ||
        UNAVAILABLE_CLASSES.includes(state.slice(0, 2))
      : typeof code === "string" && UNAVAILABLE_DRIVER.has(code);
    const scrubbed = this.#scrub(error);
    if (!unavailable) return scrubbed;
    return new StorageUnavailableError(
      `storage unavailable: ${this.#describe(scrubbed)}`,
      { cause: scrubbed },
    );
  }

  /** Removes the password from an error's text, in place. */
  #scrub(error: unknown): unknown {
    if (!(error instanceof Error)) {
      return typeof error === "string"
        ? redact(error, this.#target.secrets)
        : error;
    }
    try {
      error.message = redact(error.message, this.#target.secrets);
      if (error.stack) {
        error.stack = redact(error.stack, this.#target.secrets);
      }
    } catch {
      // A frozen error: leave it, the driver never quotes the password.
    }
    return error;
  }

  #describe(error: unknown): string {
    const text = error instanceof Error
      ? error.message || (error as { code?: string }).code || error.name
      : String(error);
    return redact(text, this.#target.secrets);
  }

  #now(): string {
    return toIso(this.#clock.now());
  }

  // ── lifecycle ──────────────────────────────────────────────────────

  birthMarker(): Promise<string> {
    return this.#read(async (sql) => {
      const [row] = await q(
        sql,
        "SELECT created_at FROM channels WHERE name = $1",
        [DEFAULT_CHANNEL],
      );
      return row ? String(row["created_at"]) : "unknown";
    });
  }

  changeToken(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }

  async watchChanges(listener: () => void): Promise<() => void> {
    if (this.#closed) return () => {};
    await this.#listener?.stop();
    const target = this.#target;
    const name = `arc-deno listen ${this.#channel}`;
    const watcher = new ChangeListener({
      // The listen connection shows under `name` in pg_stat_activity.
      open: (hooks) => openListenClient(target, name, hooks),
      // A lost listen connection is often the first sign of a restart.
      onLost: (why) => this.#pool.suspect(why),
      channel: this.#channel,
      origin: this.#origin,
      listener,
      log: this.#log,
      describe: (error) => this.#describe(error),
    });
    this.#listener = watcher;
    await watcher.start();
    return () => {
      if (this.#listener === watcher) this.#listener = undefined;
      this.#stopping.push(watcher.stop());
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#listener?.stop();
    this.#listener = undefined;
    await Promise.all(this.#stopping);
    await this.#pool.end(5);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ── channels ───────────────────────────────────────────────────────

  getChannel(name: string): Promise<Channel | null> {
    // Channels are never changed or deleted once made, so a row once seen
    // can be served from memory; a miss always asks (another hub may have
    // made it since).
    const known = this.#channels.get(name);
    if (known) return Promise.resolve(structuredClone(known));
    return this.#read(async (sql) => {
      const [row] = await q(sql, "SELECT * FROM channels WHERE name = $1", [
        name,
      ]);
      if (!row) return null;
      const channel = toChannel(row);
      if (this.#channels.size < 10_000) this.#channels.set(name, channel);
      return structuredClone(channel);
    });
  }

  listChannels(): Promise<Channel[]> {
    return this.#read(async (sql) =>
      (await q(sql, "SELECT * FROM channels ORDER BY name")).map(toChannel)
    );
  }

  createChannel(
    name: string,
    createdBy: string | null,
    metadata: JsonObject,
  ): Promise<{ channel: Channel; created: boolean }> {
    return this.#tx(async (tx) => {
      const inserted = await q(
        tx,
        `INSERT INTO channels (name, created_at, created_by, metadata_json)
         VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING *`,
        [name, this.#now(), createdBy, JSON.stringify(metadata)],
      );
      if (inserted[0]) {
        return { channel: toChannel(inserted[0]), created: true };
      }
      const [row] = await q(tx, "SELECT * FROM channels WHERE name = $1", [
        name,
      ]);
      if (!row) throw new Error(`channel vanished: ${name}`);
      return { channel: toChannel(row), created: false };
    });
  }

  // ── sessions ───────────────────────────────────────────────────────

  async #activeSession(sql: Sql, agentId: string): Promise<Session | null> {
    const [row] = await q(
      sql,
      "SELECT * FROM sessions WHERE agent_id = $1 AND active ORDER BY created_at DESC LIMIT 1",
      [agentId],
    );
    return row ? toSession(row) : null;
  }

  createSession(input: NewSession, presenceTtlSec: number): Promise<Session> {
    return this.#tx(async (tx) => {
      await this.#lock(tx, "session", input.agent_id);
      const nowMs = this.#clock.now();
      const current = await this.#activeSession(tx, input.agent_id);
      if (current) {
        const fresh = current.last_seen >=
          toIso(nowMs - presenceTtlSec * 1000);
        if (fresh && !input.replace) {
          throw new ConflictError("agent_id already has an active session");
        }
        await q(
          tx,
          "UPDATE sessions SET active = false WHERE agent_id = $1 AND active",
          [input.agent_id],
        );
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
      await q(
        tx,
        `INSERT INTO sessions (session_id, agent_id, display_name, capabilities_json,
           metadata_json, created_at, last_seen, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7, true)`,
        [
          session.session_id,
          session.agent_id,
          session.display_name,
          JSON.stringify(session.capabilities),
          JSON.stringify(session.metadata),
          now,
          now,
        ],
      );
      return session;
    });
  }

  renameSession(agentId: string, displayName: string): Promise<Session | null> {
    return this.#tx(async (tx) => {
      const updated = await q(
        tx,
        "UPDATE sessions SET display_name = $1, last_seen = $2 WHERE agent_id = $3 AND active RETURNING session_id",
        [displayName, this.#now(), agentId],
      );
      return updated.length ? await this.#activeSession(tx, agentId) : null;
    });
  }

  deleteSession(sessionId: string): Promise<Session | null> {
    return this.#tx(async (tx) => {
      const [row] = await q(
        tx,
        `WITH old AS (
           SELECT * FROM sessions WHERE session_id = $1 AND active FOR UPDATE
         )
         UPDATE sessions s SET active = false FROM old
         WHERE s.session_id = old.session_id RETURNING old.*`,
        [sessionId],
      );
      return row ? toSession(row) : null;
    });
  }

  touchAgent(agentId: string): Promise<void> {
    return this.#read(async (sql) => {
      await q(
        sql,
        "UPDATE sessions SET last_seen = $1 WHERE agent_id = $2 AND active",
        [this.#now(), agentId],
      );
    });
  }

  touchAgents(agentIds: readonly string[]): Promise<void> {
    if (agentIds.length === 0) return Promise.resolve();
    return this.#read(async (sql) => {
      await q(
        sql,
        // Rows are locked in one order (session_id), so two hubs touching
        // overlapping batches queue behind each other instead of deadlocking.
        `UPDATE sessions SET last_seen = $1 WHERE session_id IN (
           SELECT session_id FROM sessions WHERE active
             AND agent_id IN (SELECT jsonb_array_elements_text($2::jsonb))
           ORDER BY session_id FOR UPDATE)`,
        [this.#now(), JSON.stringify(agentIds)],
      );
    });
  }

  getActiveSession(agentId: string): Promise<Session | null> {
    return this.#read((sql) => this.#activeSession(sql, agentId));
  }

  listActiveSessions(): Promise<Session[]> {
    return this.#read(async (sql) =>
      (await q(
        sql,
        "SELECT * FROM sessions WHERE active ORDER BY agent_id, created_at",
      )).map(toSession)
    );
  }

  async recoverExpired(presenceTtlSec: number): Promise<Recovery> {
    const cutoff = toIso(this.#clock.now() - presenceTtlSec * 1000);
    // Cheap check outside any lock: most sweeps find nothing.
    const stale = await this.#read((sql) =>
      q(
        sql,
        "SELECT 1 FROM sessions WHERE active AND last_seen < $1 LIMIT 1",
        [cutoff],
      )
    );
    if (!stale.length) return structuredClone(EMPTY_RECOVERY);
    return await this.#tx((tx) => this.#recover(tx, cutoff));
  }

  async #recover(tx: postgres.TransactionSql, cutoff: string) {
    // One sweep at a time across hubs; the UPDATE below hands each stale
    // session to exactly one of them.
    await this.#lock(tx, "recovery");
    const expired = (await q(
      tx,
      `WITH old AS (
         SELECT * FROM sessions WHERE active AND last_seen < $1 FOR UPDATE
       )
       UPDATE sessions s SET active = false FROM old
       WHERE s.session_id = old.session_id RETURNING old.*`,
      [cutoff],
    )).map(toSession).sort((a, b) =>
      cmp(a.agent_id, b.agent_id) || cmp(a.created_at, b.created_at)
    );
    const recovery: Recovery = {
      expired,
      releasedClaims: [],
      releasedLocks: [],
      posted: [],
    };
    const now = this.#now();
    const notices: NewMessage[] = [];
    for (const session of expired) {
      // The agent may have come back under a new session meanwhile.
      if (await this.#activeSession(tx, session.agent_id)) continue;
      const claims = (await q(
        tx,
        `UPDATE claims SET released_at = $1
         WHERE owner_agent_id = $2 AND released_at IS NULL AND expires_at >= $1
         RETURNING *`,
        [now, session.agent_id],
      )).map(toClaim).sort((a, b) => cmp(a.claim_key, b.claim_key));
      for (const claim of claims) {
        recovery.releasedClaims.push(claim);
        const channel = claim.thread_id
          ? await this.#threadChannel(tx, claim.thread_id) ?? DEFAULT_CHANNEL
          : DEFAULT_CHANNEL;
        notices.push({
          from_agent: SYSTEM_AGENT,
          to_agent: null,
          channel,
          kind: "notice",
          body:
            `Recovered stale claim ${claim.claim_key} from ${session.agent_id}. Work is available for pickup.`,
          attachments: [],
          reply_to: claim.task_message_id,
          thread_id: claim.thread_id,
          metadata: {
            recovery: true,
            stale_agent_id: session.agent_id,
            claim_key: claim.claim_key,
            task_message_id: claim.task_message_id,
          },
        });
      }
      const locks = (await q(
        tx,
        `UPDATE locks SET released_at = $1
         WHERE agent_id = $2 AND released_at IS NULL AND expires_at >= $1
         RETURNING *`,
        [now, session.agent_id],
      )).map(toLock).sort((a, b) => cmp(a.file_path, b.file_path));
      for (const lock of locks) {
        recovery.releasedLocks.push(lock);
        const threadId = lock.metadata["thread_id"] == null
          ? null
          : String(lock.metadata["thread_id"]);
        const fallback = lock.metadata["channel"]
          ? String(lock.metadata["channel"])
          : DEFAULT_CHANNEL;
        const channel = threadId
          ? await this.#threadChannel(tx, threadId) ?? fallback
          : fallback;
        notices.push({
          from_agent: SYSTEM_AGENT,
          to_agent: null,
          channel,
          kind: "notice",
          body:
            `Recovered stale lock on ${lock.file_path} from ${session.agent_id}. The file is available for pickup.`,
          attachments: [],
          reply_to: null,
          thread_id: threadId,
          metadata: {
            recovery: true,
            stale_agent_id: session.agent_id,
            file_path: lock.file_path,
          },
        });
      }
    }
    recovery.posted = await this.#insertMessages(
      tx,
      notices.map((input) => ({ input, ts: now, task: null })),
    );
    return recovery;
  }

  // ── messages ───────────────────────────────────────────────────────

  /**
   * The statements that insert messages (and the task rows of task kinds)
   * under the message lock and announce them: the lock, one insert per
   * message, the NOTIFY. Nothing may follow them in the transaction, so the
   * lock is held only until commit.
   */
  #messageStatements(rows: readonly NewRow[]): Statement[] {
    return [
      {
        text: "SELECT pg_advisory_xact_lock($1::int4, 0)",
        params: [this.#lockSpace.messages],
      },
      ...rows.map(({ input, ts, task }): Statement => ({
        text: `WITH m AS (
           INSERT INTO messages (ts, from_agent, to_agent, channel, kind, body,
             attachments_json, reply_to, thread_id, metadata_json)
           VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text,
             $7::text, $8::bigint, $9::text, $10::text)
           RETURNING id
         ), t AS (
           INSERT INTO tasks (task_id, parent_task_id, channel, thread_id, status, created_at)
           SELECT id, $11::bigint, $4::text, $9::text, 'open', $1::text FROM m
           WHERE $12::boolean
           ON CONFLICT (task_id) DO NOTHING
         )
         SELECT id FROM m`,
        params: [
          ts,
          input.from_agent,
          input.to_agent,
          input.channel,
          input.kind,
          input.body,
          JSON.stringify(input.attachments),
          input.reply_to,
          input.thread_id,
          JSON.stringify(input.metadata),
          task?.parent ?? null,
          task !== null,
        ],
      })),
      {
        text: "SELECT pg_notify($1, $2)",
        params: [this.#channel, this.#origin],
      },
    ];
  }

  /** Reads the minted ids out of the results of {@linkcode #messageStatements}. */
  #insertedMessages(rows: readonly NewRow[], results: Row[][]): Message[] {
    return rows.map(({ input, ts }, i) => {
      const id = Number(results[i + 1]?.[0]?.["id"]);
      if (!Number.isSafeInteger(id) || id > MAX_MESSAGE_ID) {
        throw new IdExhaustedError(
          `message id space exhausted: the next id would exceed ${MAX_MESSAGE_ID}`,
        );
      }
      return { id, ts, ...input };
    });
  }

  /** Inserts messages inside a running transaction, in one flight. */
  async #insertMessages(
    tx: postgres.TransactionSql,
    rows: readonly NewRow[],
  ): Promise<Message[]> {
    if (!rows.length) return [];
    const results = await Promise.all(
      this.#messageStatements(rows).map((st) => q(tx, st.text, st.params)),
    );
    return this.#insertedMessages(rows, results);
  }

  /**
   * Runs statements as one transaction sent in a single flight: BEGIN, the
   * statements and COMMIT go out together and the connection answers them in
   * order. If one fails, the server rejects the rest and turns COMMIT into a
   * rollback; the first failure is thrown. This keeps the message lock for
   * the server's own time only, not for client round trips.
   */
  async #oneFlight(statements: readonly Statement[]): Promise<Row[][]> {
    let conn: postgres.ReservedSql;
    try {
      conn = await this.#pool.reserve();
    } catch (error) {
      throw this.#translate(error);
    }
    try {
      const settled = await Promise.allSettled([
        q(conn, "BEGIN"),
        ...statements.map((st) => q(conn, st.text, st.params)),
        q(conn, "COMMIT"),
      ]);
      const failed = settled.find((r) => r.status === "rejected");
      if (failed) throw this.#translate(failed.reason);
      return settled.slice(1, -1).map((r) =>
        (r as PromiseFulfilledResult<Row[]>).value
      );
    } finally {
      conn.release();
    }
  }

  async #task(sql: Sql, taskId: number, forUpdate = false) {
    const [row] = await q(
      sql,
      `SELECT * FROM tasks WHERE task_id = $1${forUpdate ? " FOR UPDATE" : ""}`,
      [taskId],
    );
    return row ? toTask(row) : null;
  }

  async postMessage(
    input: NewMessage,
    parentTaskId: number | null,
  ): Promise<PostResult> {
    // Tasks are never deleted, so a parent seen once stays.
    if (parentTaskId !== null && !(await this.getTask(parentTaskId))) {
      throw new ValidationError("parent_task_id references unknown task");
    }
    const ts = this.#now();
    const task = TASK_KINDS.has(input.kind) ? { parent: parentTaskId } : null;
    // Posting is activity: the sender's session stays alive, in the same commit.
    const touch: Statement = {
      text: "UPDATE sessions SET last_seen = $1 WHERE agent_id = $2 AND active",
      params: [ts, input.from_agent],
    };
    const deps = task ? dependsOnOf(input.metadata) : [];
    if (deps.length) {
      // A task with dependencies: checked, inserted and linked in one unit.
      return await this.#tx(async (tx) => {
        const run = pgQuery(tx);
        await checkCreationDeps(run, input.metadata);
        await q(tx, touch.text, touch.params);
        const [message] = await this.#insertMessages(tx, [{ input, ts, task }]);
        await recordCreationDeps(run, message!, deps);
        return { message: message!, completedTaskId: null };
      });
    }
    if (input.kind !== "task_result" || input.reply_to === null) {
      // The common case: one transaction in one flight.
      const rows = [{ input, ts, task }];
      const results = await this.#oneFlight([
        touch,
        ...this.#messageStatements(rows),
      ]);
      const [message] = this.#insertedMessages(rows, results.slice(1));
      return { message: message!, completedTaskId: null };
    }
    const replyTo = input.reply_to;
    return await this.#tx(async (tx) => {
      // The guarded UPDATE completes the request once, whichever hub races.
      const done = await q(
        tx,
        `UPDATE tasks SET status = 'done', completed_at = $1
         WHERE task_id = $2 AND status = 'open'
           AND EXISTS (SELECT 1 FROM messages WHERE id = $2 AND kind = 'task_request')
         RETURNING task_id`,
        [ts, replyTo],
      );
      const completedTaskId = done.length ? replyTo : null;
      const metadata = done.length
        ? { ...input.metadata, task_completed: replyTo }
        : input.metadata;
      // Ready notices are decided before the message lock is taken: their
      // row locks must never be waited for while holding it.
      const notices = completedTaskId === null
        ? []
        : await readyNotices(pgQuery(tx), [completedTaskId], ts);
      const touched = q(tx, touch.text, touch.params);
      // Awaited below; if the unit fails first, the insert reports why.
      touched.catch(() => {});
      const [message, ...posted] = await this.#insertMessages(tx, [{
        input: { ...input, metadata },
        ts,
        task,
      }, ...notices.map((n) => ({ input: n, ts, task: null }))]);
      await touched;
      return {
        message: message!,
        completedTaskId,
        ...(posted.length ? { posted } : {}),
      };
    });
  }

  listMessages(query: MessageQuery): Promise<Message[]> {
    const conds: string[] = [];
    const params: Param[] = [];
    const p = (value: Param) => {
      params.push(value);
      return `$${params.length}`;
    };
    const vis = query.visibility;
    if (vis.kind === "broadcast") conds.push("to_agent IS NULL");
    else if (vis.kind === "inbox") conds.push(`to_agent = ${p(vis.agentId)}`);
    else {
      const agent = p(vis.agentId);
      conds.push(`(to_agent IS NULL OR to_agent = ${agent})`);
      if (vis.excludeSelf) conds.push(`from_agent <> ${agent}`);
    }
    if (query.channels && query.channels.length > 0) {
      conds.push(
        query.channels.length === 1
          ? `channel = ${p(query.channels[0]!)}`
          : `channel IN (${query.channels.map((c) => p(c)).join(", ")})`,
      );
    }
    if (query.threadId !== undefined) {
      conds.push(`thread_id = ${p(query.threadId)}`);
    }
    const where = conds.join(" AND ");
    let text: string;
    if (query.tail && query.sinceId <= 0) {
      text = `SELECT * FROM (SELECT * FROM messages WHERE ${where}
        ORDER BY id DESC LIMIT ${p(query.limit)}) AS tail ORDER BY id`;
    } else {
      text = `SELECT * FROM messages WHERE ${where} AND id > ${
        p(query.sinceId)
      } ORDER BY id LIMIT ${p(query.limit)}`;
    }
    return this.#read(async (sql) =>
      (await q(sql, text, params)).map(toMessage)
    );
  }

  searchIndexStep(_maxRows: number): Promise<SearchIndexProgress> {
    // The GIN expression index is kept up to date by PostgreSQL on insert.
    return Promise.resolve({ indexed: 0, done: true });
  }

  searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    const { text, params } = searchStatement(query);
    return this.#read(async (sql) => toHits(await q(sql, text, params)))
      .catch((error) => {
        // 42601 syntax_error: a tsquery the text search parser refused.
        if (sqlState(error) !== "42601") throw error;
        throw new ValidationError("invalid search query", { cause: error });
      });
  }

  latestVisibleId(agentId: string): Promise<number> {
    return this.#read(async (sql) => {
      const [row] = await q(
        sql,
        `SELECT GREATEST(
           COALESCE((SELECT MAX(id) FROM messages WHERE to_agent IS NULL), 0),
           COALESCE((SELECT MAX(id) FROM messages WHERE to_agent = $1), 0)
         ) AS mx`,
        [agentId],
      );
      return Number(row?.["mx"] ?? 0);
    });
  }

  // ── leases: claims and locks ───────────────────────────────────────

  /**
   * The acquire rule shared by claims and locks: a live lease of another
   * owner is denied; the same owner's live lease is extended; anything else
   * (no row, released, expired) is written afresh by `write`.
   */
  #acquire<T extends LeaseRow>(
    t: LeaseTable<T>,
    key: string,
    owner: string,
    ttlSec: number,
    write: (tx: Sql, now: string, expires: string) => Promise<Row[]>,
  ): Promise<Acquired<T>> {
    return this.#tx(async (tx) => {
      await this.#lock(tx, t.kind, key);
      const nowMs = this.#clock.now();
      const now = toIso(nowMs);
      const expires = toIso(nowMs + ttlSec * 1000);
      const [found] = await q(
        tx,
        `SELECT * FROM ${t.table} WHERE ${t.key} = $1 FOR UPDATE`,
        [key],
      );
      const existing = found ? t.map(found) : null;
      if (
        existing && existing.released_at === null && existing.expires_at >= now
      ) {
        if (existing[t.owner] !== owner) {
          return { acquired: false, row: existing };
        }
        const [row] = await q(
          tx,
          `UPDATE ${t.table} SET expires_at = $1 WHERE ${t.key} = $2 RETURNING *`,
          [expires, key],
        );
        return { acquired: true, row: t.map(row!) };
      }
      const [row] = await write(tx, now, expires);
      return { acquired: true, row: t.map(row!) };
    });
  }

  #refresh<T extends LeaseRow>(
    t: LeaseTable<T>,
    key: string,
    owner: string,
    ttlSec: number,
  ): Promise<T | null> {
    return this.#tx(async (tx) => {
      const nowMs = this.#clock.now();
      const [row] = await q(
        tx,
        `UPDATE ${t.table} SET expires_at = $1
         WHERE ${t.key} = $2 AND ${t.owner} = $3
           AND released_at IS NULL AND expires_at >= $4
         RETURNING *`,
        [toIso(nowMs + ttlSec * 1000), key, owner, toIso(nowMs)],
      );
      return row ? t.map(row) : null;
    });
  }

  #release<T extends LeaseRow>(
    t: LeaseTable<T>,
    key: string,
    owner: string,
  ): Promise<T | null> {
    return this.#tx(async (tx) => {
      const now = this.#now();
      const [row] = await q(
        tx,
        `UPDATE ${t.table} SET released_at = $1
         WHERE ${t.key} = $2 AND ${t.owner} = $3
           AND released_at IS NULL AND expires_at >= $1
         RETURNING *`,
        [now, key, owner],
      );
      return row ? t.map(row) : null;
    });
  }

  #listLeases<T extends LeaseRow>(
    t: LeaseTable<T>,
    filter: { column: string; value: string } | undefined,
    activeOnly: boolean | undefined,
  ): Promise<T[]> {
    const conds = ["TRUE"];
    const params: Param[] = [];
    if (filter) {
      params.push(filter.value);
      conds.push(`${filter.column} = $${params.length}`);
    }
    if (activeOnly) {
      params.push(this.#now());
      conds.push(`released_at IS NULL AND expires_at >= $${params.length}`);
    }
    return this.#read(async (sql) =>
      (await q(
        sql,
        `SELECT * FROM ${t.table} WHERE ${
          conds.join(" AND ")
        } ORDER BY ${t.since}, ${t.key}`,
        params,
      )).map(t.map)
    );
  }

  // ── claims ─────────────────────────────────────────────────────────

  acquireClaim(input: NewClaim): Promise<Acquired<Claim>> {
    return this.#acquire(
      CLAIMS,
      input.claim_key,
      input.owner_agent_id,
      input.ttl_sec,
      (tx, now, expires) =>
        q(
          tx,
          `INSERT INTO claims (claim_key, thread_id, task_message_id, owner_agent_id,
             claimed_at, expires_at, released_at, metadata_json)
           VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)
           ON CONFLICT (claim_key) DO UPDATE SET thread_id = excluded.thread_id,
             task_message_id = excluded.task_message_id,
             owner_agent_id = excluded.owner_agent_id,
             claimed_at = excluded.claimed_at, expires_at = excluded.expires_at,
             released_at = NULL, metadata_json = excluded.metadata_json
           RETURNING *`,
          [
            input.claim_key,
            input.thread_id,
            input.task_message_id,
            input.owner_agent_id,
            now,
            expires,
            JSON.stringify(input.metadata),
          ],
        ),
    );
  }

  refreshClaim(
    claimKey: string,
    owner: string,
    ttlSec: number,
  ): Promise<Claim | null> {
    return this.#refresh(CLAIMS, claimKey, owner, ttlSec);
  }

  releaseClaim(claimKey: string, owner: string): Promise<Claim | null> {
    return this.#release(CLAIMS, claimKey, owner);
  }

  listClaims(
    filter: { threadId?: string; activeOnly?: boolean },
  ): Promise<Claim[]> {
    return this.#listLeases(
      CLAIMS,
      filter.threadId === undefined
        ? undefined
        : { column: "thread_id", value: filter.threadId },
      filter.activeOnly,
    );
  }

  // ── locks ──────────────────────────────────────────────────────────

  acquireLock(input: NewLock): Promise<Acquired<Lock>> {
    return this.#acquire(
      LOCKS,
      input.file_path,
      input.agent_id,
      input.ttl_sec,
      (tx, now, expires) =>
        q(
          tx,
          `INSERT INTO locks (file_path, agent_id, locked_at, expires_at, released_at, metadata_json)
           VALUES ($1, $2, $3, $4, NULL, $5)
           ON CONFLICT (file_path) DO UPDATE SET agent_id = excluded.agent_id,
             locked_at = excluded.locked_at, expires_at = excluded.expires_at,
             released_at = NULL, metadata_json = excluded.metadata_json
           RETURNING *`,
          [
            input.file_path,
            input.agent_id,
            now,
            expires,
            JSON.stringify(input.metadata),
          ],
        ),
    );
  }

  refreshLock(
    filePath: string,
    owner: string,
    ttlSec: number,
  ): Promise<Lock | null> {
    return this.#refresh(LOCKS, filePath, owner, ttlSec);
  }

  releaseLock(filePath: string, owner: string): Promise<Lock | null> {
    return this.#release(LOCKS, filePath, owner);
  }

  listLocks(
    filter: { agentId?: string; activeOnly?: boolean },
  ): Promise<Lock[]> {
    return this.#listLeases(
      LOCKS,
      filter.agentId === undefined
        ? undefined
        : { column: "agent_id", value: filter.agentId },
      filter.activeOnly,
    );
  }

  // ── tasks ──────────────────────────────────────────────────────────

  getTask(taskId: number): Promise<Task | null> {
    return this.#read((sql) => this.#task(sql, taskId));
  }

  listTasks(filter: TaskFilter): Promise<Task[]> {
    const conds = ["TRUE"];
    const params: Param[] = [];
    const add = (column: string, value: Param) => {
      params.push(value);
      conds.push(`${column} = $${params.length}`);
    };
    if (filter.parentId !== undefined) add("parent_task_id", filter.parentId);
    if (filter.status !== undefined) add("status", filter.status);
    if (filter.channel !== undefined) add("channel", filter.channel);
    if (filter.threadId !== undefined) add("thread_id", filter.threadId);
    return this.#read(async (sql) =>
      (await q(
        sql,
        `SELECT * FROM tasks WHERE ${conds.join(" AND ")} ORDER BY task_id`,
        params,
      )).map(toTask)
    );
  }

  completeTask(taskId: number): Promise<TaskCompletion | null> {
    return this.#tx(async (tx) => {
      const done: number[] = [];
      const rollup: NewRow[] = [];
      const completion = await this.#completeTask(tx, taskId, done, rollup);
      if (!completion) return null;
      // Every row lock first, then the message lock, held to commit.
      const now = this.#now();
      const notices = await readyNotices(pgQuery(tx), done, now);
      completion.posted = await this.#insertMessages(tx, [
        ...rollup,
        ...notices.map((n) => ({ input: n, ts: now, task: null })),
      ]);
      return completion;
    });
  }

  async #completeTask(
    tx: postgres.TransactionSql,
    taskId: number,
    done: number[],
    rollup: NewRow[],
  ): Promise<TaskCompletion | null> {
    const found = await this.#task(tx, taskId, true);
    if (!found) return null;
    const now = this.#now();
    let task = found;
    if (found.status !== "done") {
      const [row] = await q(
        tx,
        "UPDATE tasks SET status = 'done', completed_at = $1 WHERE task_id = $2 RETURNING *",
        [now, taskId],
      );
      task = toTask(row!);
      done.push(taskId);
    }
    const completion: TaskCompletion = {
      task,
      parentCompleted: false,
      posted: [],
    };
    if (task.parent_task_id === null) return completion;
    // Siblings completing at once queue here; each counts after the one
    // before it committed, so exactly one of them sees no open child.
    const parent = await this.#task(tx, task.parent_task_id, true);
    if (!parent || parent.status !== "open") return completion;
    const [counts] = await q(
      tx,
      `SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE status <> 'done') AS open
       FROM tasks WHERE parent_task_id = $1`,
      [parent.task_id],
    );
    if (Number(counts?.["open"])) return completion;
    await q(
      tx,
      "UPDATE tasks SET status = 'done', completed_at = $1 WHERE task_id = $2",
      [now, parent.task_id],
    );
    completion.parentCompleted = true;
    done.push(parent.task_id);
    rollup.push({
      input: {
        from_agent: SYSTEM_AGENT,
        to_agent: null,
        channel: parent.channel,
        kind: "notice",
        body: `All ${
          Number(counts?.["total"])
        } subtasks of task ${parent.task_id} are complete.`,
        attachments: [],
        reply_to: parent.task_id,
        thread_id: parent.thread_id,
        metadata: { auto_rollup: true, parent_task_id: parent.task_id },
      },
      ts: now,
      task: null,
    });
    return completion;
  }

  // ── task dependencies (vendor) ─────────────────────────────────────

  addTaskDependencies(
    taskId: number,
    dependsOn: number[],
  ): Promise<TaskDependencies | null> {
    return this.#tx((tx) =>
      addDeps(pgQuery(tx), taskId, dependsOn, this.#now())
    );
  }

  getTaskDependencies(taskId: number): Promise<TaskDependencies | null> {
    return this.#snapshot((tx) => getDeps(pgQuery(tx), taskId, this.#now()));
  }

  listReadyTasks(
    filter: { channel?: string; assignee?: string },
  ): Promise<TaskDependencies[]> {
    return this.#snapshot((tx) => listReady(pgQuery(tx), filter, this.#now()));
  }

  // ── threads ────────────────────────────────────────────────────────

  /** The channel a thread belongs to: its first root task's, else its first message's, else its first task's. */
  async #threadChannel(sql: Sql, threadId: string): Promise<string | null> {
    const [row] = await q(
      sql,
      `SELECT COALESCE(
         (SELECT channel FROM tasks WHERE thread_id = $1 AND parent_task_id IS NULL ORDER BY task_id LIMIT 1),
         (SELECT channel FROM messages WHERE thread_id = $1 ORDER BY id LIMIT 1),
         (SELECT channel FROM tasks WHERE thread_id = $1 ORDER BY task_id LIMIT 1)
       ) AS channel`,
      [threadId],
    );
    return row?.["channel"] == null ? null : String(row["channel"]);
  }

  /**
   * Folds messages newer than the last fold into `arc_thread_stats`, one hub
   * at a time. Every id up to the current maximum is already visible (ids
   * become visible in id order), so the mark never passes a row in flight.
   */
  async #foldThreadStats(): Promise<void> {
    const [mark] = await this.#read((sql) =>
      q(
        sql,
        `SELECT COALESCE((SELECT value FROM arc_meta WHERE key = 'thread_stats_through'), 0) AS through,
           COALESCE((SELECT MAX(id) FROM messages), 0) AS newest`,
      )
    );
    if (Number(mark?.["newest"]) <= Number(mark?.["through"])) return;
    await this.#tx(async (tx) => {
      await this.#lock(tx, "threads");
      const [row] = await q(
        tx,
        `SELECT COALESCE((SELECT value FROM arc_meta WHERE key = 'thread_stats_through'), 0) AS through,
           COALESCE((SELECT MAX(id) FROM messages), 0) AS newest`,
      );
      const from = Number(row?.["through"] ?? 0);
      const to = Number(row?.["newest"] ?? 0);
      if (to <= from) return;
      await q(
        tx,
        `INSERT INTO arc_thread_stats AS s
           SELECT thread_id, COUNT(*), MIN(id), MAX(id),
                  MAX(id) FILTER (WHERE kind = 'artifact')
           FROM messages WHERE id > $1 AND id <= $2 AND thread_id IS NOT NULL
           GROUP BY thread_id
         ON CONFLICT (thread_id) DO UPDATE SET
           message_count = s.message_count + excluded.message_count,
           first_message_id = LEAST(s.first_message_id, excluded.first_message_id),
           latest_message_id = GREATEST(s.latest_message_id, excluded.latest_message_id),
           latest_artifact_id = GREATEST(s.latest_artifact_id, excluded.latest_artifact_id)`,
        [from, to],
      );
      await q(
        tx,
        `INSERT INTO arc_meta (key, value) VALUES ('thread_stats_through', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [to],
      );
    });
  }

  async listThreads(): Promise<ThreadSummary[]> {
    const now = this.#now();
    await this.#foldThreadStats();
    return await this.#snapshot(async (tx) => {
      const facts = new Map<string, ThreadFacts>();
      const entry = (id: string): ThreadFacts => {
        let f = facts.get(id);
        if (!f) {
          f = emptyFacts(id);
          facts.set(id, f);
        }
        return f;
      };
      const [messages, tasks, claims, locks] = await Promise.all([
        q(
          tx,
          `SELECT s.thread_id, s.message_count AS n, s.latest_message_id AS mx,
             s.latest_artifact_id AS art,
             (SELECT ts FROM messages WHERE id = s.latest_message_id) AS ts,
             (SELECT channel FROM messages WHERE id = s.first_message_id) AS first_channel
           FROM arc_thread_stats AS s`,
        ),
        q(
          tx,
          `SELECT g.thread_id, g.n, g.open, g.root,
             (SELECT channel FROM tasks WHERE task_id = g.root) AS root_channel,
             (SELECT channel FROM tasks WHERE task_id = g.first) AS first_channel
           FROM (SELECT thread_id, COUNT(*) AS n,
                   COUNT(*) FILTER (WHERE status = 'open') AS open,
                   MIN(task_id) FILTER (WHERE parent_task_id IS NULL) AS root,
                   MIN(task_id) AS first
                 FROM tasks WHERE thread_id IS NOT NULL GROUP BY thread_id) AS g`,
        ),
        q(
          tx,
          `SELECT thread_id,
             COUNT(*) FILTER (WHERE released_at IS NULL AND expires_at >= $1) AS active
           FROM claims WHERE thread_id IS NOT NULL GROUP BY thread_id`,
          [now],
        ),
        q(
          tx,
          `SELECT arc_lock_thread(metadata_json) AS thread_id,
             COUNT(*) FILTER (WHERE released_at IS NULL AND expires_at >= $1) AS active
           FROM locks WHERE arc_lock_thread(metadata_json) IS NOT NULL GROUP BY 1`,
          [now],
        ),
      ]);
      for (const row of messages) {
        const f = entry(String(row["thread_id"]));
        f.messageCount = Number(row["n"]);
        f.latestMessageId = Number(row["mx"]);
        f.latestMessageTs = String(row["ts"]);
        f.latestArtifactId = row["art"] == null ? null : Number(row["art"]);
        f.firstMessageChannel = String(row["first_channel"]);
      }
      for (const row of tasks) {
        const f = entry(String(row["thread_id"]));
        f.totalTasks = Number(row["n"]);
        f.openTasks = Number(row["open"]);
        f.rootTaskId = row["root"] == null ? null : Number(row["root"]);
        f.rootTaskChannel = row["root_channel"] == null
          ? null
          : String(row["root_channel"]);
        f.firstTaskChannel = String(row["first_channel"]);
      }
      for (const row of claims) {
        entry(String(row["thread_id"])).activeClaims = Number(row["active"]);
      }
      for (const row of locks) {
        const f = facts.get(String(row["thread_id"]));
        if (f) f.activeLocks = Number(row["active"]);
      }
      const summaries = [...facts.values()].map(buildThreadSummary);
      summaries.sort((a, b) =>
        (b.latest_message_id ?? -1) - (a.latest_message_id ?? -1) ||
        cmp(b.thread_id, a.thread_id)
      );
      return summaries;
    });
  }

  getThread(threadId: string): Promise<ThreadDetail | null> {
    const now = this.#now();
    return this.#snapshot(async (tx) => {
      const [messageRows, taskRows, claimRows, lockRows] = await Promise.all([
        q(tx, "SELECT * FROM messages WHERE thread_id = $1 ORDER BY id", [
          threadId,
        ]),
        q(tx, "SELECT * FROM tasks WHERE thread_id = $1 ORDER BY task_id", [
          threadId,
        ]),
        q(
          tx,
          "SELECT * FROM claims WHERE thread_id = $1 ORDER BY claimed_at, claim_key",
          [threadId],
        ),
        q(
          tx,
          "SELECT * FROM locks WHERE arc_lock_thread(metadata_json) = $1 ORDER BY locked_at, file_path",
          [threadId],
        ),
      ]);
      const messages = messageRows.map(toMessage);
      const tasks = taskRows.map(toTask);
      const claims = claimRows.map(toClaim);
      const locks = lockRows.map(toLock);
      if (
        !messages.length && !tasks.length && !claims.length && !locks.length
      ) {
        return null;
      }
      const alive = (r: { released_at: string | null; expires_at: string }) =>
        r.released_at === null && r.expires_at >= now;
      const roots = tasks.filter((t) => t.parent_task_id === null);
      const last = messages.at(-1);
      const artifacts = messages.filter((m) => m.kind === "artifact");
      const facts: ThreadFacts = {
        threadId,
        messageCount: messages.length,
        latestMessageId: last?.id ?? null,
        latestMessageTs: last?.ts ?? null,
        latestArtifactId: artifacts.at(-1)?.id ?? null,
        firstMessageChannel: messages[0]?.channel ?? null,
        totalTasks: tasks.length,
        openTasks: tasks.filter((t) => t.status === "open").length,
        rootTaskId: roots[0]?.task_id ?? null,
        rootTaskChannel: roots[0]?.channel ?? null,
        firstTaskChannel: tasks[0]?.channel ?? null,
        activeClaims: claims.filter(alive).length,
        activeLocks: locks.filter(alive).length,
      };
      return {
        thread: buildThreadSummary(facts),
        messages,
        tasks,
        claims,
        locks,
      };
    });
  }
}

// ── helpers ──────────────────────────────────────────────────────────

/** The `NOTIFY` channel of the Arc tables in `schema` (`public` when undefined). */
export function notifyChannel(schema: string | undefined): string {
  return `arc_changes_${(hash32(schema ?? "public") >>> 0).toString(16)}`;
}

/** Runs one statement with `$n` parameters and returns its rows. */
/** {@linkcode q} bound to one connection, for the task dependency module. */
function pgQuery(sql: Sql): PgQuery {
  return (text, params = []) => q(sql, text, params as Param[]);
}

function q(sql: Sql, text: string, params: Param[] = []): Promise<Row[]> {
  return sql.unsafe(
    text,
    params as postgres.ParameterOrJSON<never>[],
    { prepare: true },
  ) as unknown as Promise<Row[]>;
}

function sqlState(error: unknown): string | undefined {
  if (
    error instanceof Error && error.name === "PostgresError" &&
    typeof (error as { code?: unknown }).code === "string"
  ) return (error as unknown as { code: string }).code;
  return undefined;
}

/** 32-bit FNV-1a as a signed int, for advisory lock spaces and channel names. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function emptyFacts(threadId: string): ThreadFacts {
  return {
    threadId,
    messageCount: 0,
    latestMessageId: null,
    latestMessageTs: null,
    latestArtifactId: null,
    firstMessageChannel: null,
    totalTasks: 0,
    openTasks: 0,
    rootTaskId: null,
    rootTaskChannel: null,
    firstTaskChannel: null,
    activeClaims: 0,
    activeLocks: 0,
  };
}
