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
 * dedicated, supervised connection (see `listen.ts`). Timestamps
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
} from "../../errors.ts";
import { PgOps, q, type Sql } from "./ops.ts";
import { driveAsync, type Unit } from "../unit.ts";
import {
  BUILTIN_CHANNELS,
  DEFAULT_CHANNEL,
  MAX_MESSAGE_ID,
  SYSTEM_AGENT,
} from "../../protocol.ts";
import { type Clock, systemClock, toIso } from "../../time.ts";
import { ChangeListener } from "./listen.ts";
import {
  explainOpenError,
  LOSS_DRIVER,
  onDriverWriteFault,
  openListenClient,
  openPool,
  PgPool,
  probeServer,
  sqlState,
} from "./conn.ts";
import { toChannel, toMessage, toSession } from "../rows.ts";
import { THREAD_MESSAGES_SQL, threadFactsOf } from "../thread_facts.ts";
import { MIGRATIONS, SCHEMA_VERSION, VERSION_TABLE } from "./schema.ts";
import {
  type DatabaseTarget,
  parseDatabaseUrl,
  redact,
} from "../../database_url.ts";
import { SEARCH_POSTGRES_SCHEMA, searchStatement, toHits } from "./search.ts";
import { QUEUE_POSTGRES_INDEXES } from "../queue.ts";
import type {
  SearchHit,
  SearchIndexProgress,
  SearchQuery,
} from "../search_types.ts";
import { StoreViews } from "../views.ts";
import { numbered, type Statement } from "../sql.ts";
import type { Row } from "../rows.ts";
import type * as types from "../types.ts";

type Param = string | number | boolean | null;

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
  | "session"
  | "reserve"
  | "queue"
  | "retention";

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

/** PostgreSQL implementation of {@linkcode types.Store}. */
export class PostgresStore extends StoreViews implements types.Store {
  readonly info: types.StoreInfo;
  #pool: PgPool;
  #stopFaultWatch: () => void;
  #target: DatabaseTarget;
  #clock: Clock;
  #log: (line: string) => void;
  #channel: string;
  #origin = crypto.randomUUID();
  #lockSpace: Record<LockKind, number>;
  #listener: ChangeListener | undefined;
  #channels = new Map<string, types.Channel>();
  /** Listeners being stopped; `close()` waits for them. */
  #stopping: Promise<void>[] = [];
  #closed = false;

  private constructor(
    target: DatabaseTarget,
    options: PostgresStoreOptions,
  ) {
    super();
    this.#target = target;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? (() => {});
    const connectTimeoutSec = options.connectTimeoutSec ?? 10;
    // A write the driver lost with its connection: replace the pool, whose
    // statements on that connection are failed when it is ended.
    this.#stopFaultWatch = onDriverWriteFault(() => {
      this.#log(
        "database driver wrote to a connection it had closed; replacing the pool",
      );
      this.#pool.suspect("the driver lost a connection while writing to it");
    });
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
      reserve: hash32(`arc:${space}:arcdeno_reserve`),
      queue: hash32(`arc:${space}:arcdeno_queue`),
      retention: hash32(`arc:${space}:arcdeno_retention`),
    };
    this.info = {
      backend: "postgres",
      storagePath: target.label,
      // PostgreSQL writes through its write-ahead log.
      journalMode: "wal",
      walMode: true,
    };
  }

  /** The current pool, for tests and tools that need raw SQL; it is replaced after an outage, so read it for each use. */
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
      for (const statement of QUEUE_POSTGRES_INDEXES) {
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

  // -- plumbing -------------------------------------------------------

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

  /** The unit primitives on one transaction or snapshot. */
  #ops(tx: Sql): PgOps {
    return new PgOps(tx, {
      clock: this.#clock,
      lockSpace: this.#lockSpace,
      notify: { channel: this.#channel, origin: this.#origin },
    });
  }

  run<T>(unit: () => Unit<T>): Promise<T> {
    return this.#tx((tx) => driveAsync(unit(), this.#ops(tx)));
  }

  read<T>(unit: () => Unit<T>): Promise<T> {
    return this.#snapshot((tx) => driveAsync(unit(), this.#ops(tx)));
  }

  async begin(mode: "snapshot" | "write"): Promise<types.LongTransaction> {
    let conn: postgres.ReservedSql;
    try {
      conn = await this.#pool.reserve();
    } catch (error) {
      throw this.#translate(error);
    }
    let open = true;
    const end = async (how: "COMMIT" | "ROLLBACK") => {
      if (!open) return;
      open = false;
      try {
        await q(conn, how);
      } finally {
        conn.release();
      }
    };
    const translated = async <T>(fn: () => Promise<T>): Promise<T> => {
      try {
        return await fn();
      } catch (error) {
        throw this.#translate(error);
      }
    };
    await translated(async () => {
      try {
        if (mode === "snapshot") {
          await q(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        } else {
          await q(conn, "BEGIN");
          // No post may mint an id while rows are restored below it.
          await this.#lock(conn, "messages");
        }
      } catch (error) {
        await end("ROLLBACK").catch(() => {});
        throw error;
      }
    });
    const ops = this.#ops(conn);
    return {
      run: <T>(unit: () => Unit<T>) =>
        translated(() => driveAsync(unit(), ops)),
      commit: () => translated(() => end("COMMIT")),
      [Symbol.asyncDispose]: () => end("ROLLBACK").catch(() => {}),
    };
  }

  // -- lifecycle ------------------------------------------------------

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
    this.#stopFaultWatch();
    await this.#pool.end(5);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // -- channels -------------------------------------------------------

  protected override getChannel(name: string): Promise<types.Channel | null> {
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

  protected override listChannels(): Promise<types.Channel[]> {
    return this.#read(async (sql) =>
      (await q(sql, "SELECT * FROM channels ORDER BY name")).map(toChannel)
    );
  }

  protected override createChannel(
    name: string,
    createdBy: string | null,
    metadata: types.JsonObject,
  ): Promise<{ channel: types.Channel; created: boolean }> {
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

  // -- sessions -------------------------------------------------------

  protected override renameSession(
    agentId: string,
    displayName: string,
  ): Promise<types.Session | null> {
    return this.#tx(async (tx) => {
      const updated = await q(
        tx,
        "UPDATE sessions SET display_name = $1, last_seen = $2 WHERE agent_id = $3 AND active RETURNING session_id",
        [displayName, this.#now(), agentId],
      );
      return updated.length ? await this.#ops(tx).activeSession(agentId) : null;
    });
  }

  protected override deactivateSession(
    sessionId: string,
  ): Promise<types.Session | null> {
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

  protected override touchAgents(agentIds: readonly string[]): Promise<void> {
    if (agentIds.length === 0) return Promise.resolve();
    return this.#read(async (sql) => {
      await q(
        sql,
        // Rows are locked in one order (session_id), so two hubs touching
        // overlapping batches queue behind each other instead of deadlocking.
        `UPDATE sessions SET last_seen = $1 WHERE session_id IN (
           SELECT session_id FROM sessions WHERE active
             AND agent_id IN (SELECT jsonb_array_elements_text($2::text::jsonb))
             AND last_seen IS DISTINCT FROM $1
           ORDER BY session_id FOR UPDATE)`,
        [this.#now(), JSON.stringify(agentIds)],
      );
    });
  }

  protected override activeSession(
    agentId: string,
  ): Promise<types.Session | null> {
    return this.#read((sql) => this.#ops(sql).activeSession(agentId));
  }

  protected override listActiveSessions(): Promise<types.Session[]> {
    return this.#read(async (sql) =>
      (await q(
        sql,
        "SELECT * FROM sessions WHERE active ORDER BY agent_id, created_at",
      )).map(toSession)
    );
  }

  // -- messages -------------------------------------------------------

  protected override listMessages(
    query: types.MessageQuery,
  ): Promise<types.Message[]> {
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

  protected override searchIndexStep(
    _maxRows: number,
  ): Promise<SearchIndexProgress> {
    // The GIN expression index is kept up to date by PostgreSQL on insert.
    return Promise.resolve({ indexed: 0, done: true });
  }

  protected override searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    const { text, params } = searchStatement(query);
    return this.#read(async (sql) => toHits(await q(sql, text, params)))
      .catch((error) => {
        // 42601 syntax_error: a tsquery the text search parser refused.
        if (sqlState(error) !== "42601") throw error;
        throw new ValidationError("invalid search query", { cause: error });
      });
  }

  protected override latestVisibleId(agentId: string): Promise<number> {
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

  // -- leases: claims and locks ---------------------------------------

  // -- claims ---------------------------------------------------------

  // -- locks ----------------------------------------------------------

  // -- tasks ----------------------------------------------------------

  protected override select(statement: Statement): Promise<Row[]> {
    return this.#read((sql) =>
      q(sql, numbered(statement.text), statement.params as Param[])
    );
  }

  protected override nowText(): string {
    return this.#now();
  }

  protected override getTask(taskId: number): Promise<types.Task | null> {
    return this.#read((sql) => this.#ops(sql).task(taskId, false));
  }

  // -- task dependencies (vendor) -------------------------------------

  // -- threads --------------------------------------------------------

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

  protected override async threadFacts(): Promise<types.ThreadFacts[]> {
    const now = this.#now();
    await this.#foldThreadStats();
    return await this.#snapshot(async (tx) => {
      const [messages, tasks, claims, locks] = await Promise.all([
        q(tx, THREAD_MESSAGES_SQL),
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
      return threadFactsOf({ messages, tasks, claims, locks });
    });
  }
}

// -- helpers ----------------------------------------------------------

/** The `NOTIFY` channel of the Arc tables in `schema` (`public` when undefined). */
export function notifyChannel(schema: string | undefined): string {
  return `arc_changes_${(hash32(schema ?? "public") >>> 0).toString(16)}`;
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
