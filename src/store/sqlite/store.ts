/**
 * The embedded SQLite backend on `node:sqlite`, in WAL mode with a busy
 * timeout. Every read-modify-write unit runs inside a `BEGIN IMMEDIATE`
 * transaction with no `await` inside it, so two units never interleave on the
 * connection and two hub processes on one file never both win. Writes that
 * come while another of the same event-loop turn already ran share one
 * transaction and its commit, each under a savepoint of its own (group
 * commit, see `#write`).
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { StorageUnavailableError } from "../../errors.ts";
import {
  BUILTIN_CHANNELS,
  DEFAULT_CHANNEL,
  SYSTEM_AGENT,
} from "../../protocol.ts";
import { type Clock, systemClock, toIso } from "../../time.ts";
import { CHANNEL_ROW, toChannel, toMessage, toSession } from "../rows.ts";
import { THREAD_MESSAGES_SQL, threadFactsOf } from "../thread_facts.ts";
import { sqliteSurfacedMigration } from "../receipts.ts";
import { SQLITE_SCHEMA } from "./schema.ts";
import { TASK_DEPS_SQLITE_SCHEMA } from "../task_deps.ts";
import { QUEUE_SQLITE_SCHEMA } from "../queue.ts";
import { SqliteOps, type SqliteSql, sqliteSql } from "./ops.ts";
import { reserveTables } from "../reserve.ts";
import { secretsTables } from "../identity.ts";
import { driveSync, type Unit } from "../unit.ts";
import { SqliteSearch } from "./search.ts";
import type {
  SearchHit,
  SearchIndexProgress,
  SearchQuery,
} from "../search_types.ts";
import { type Checkpointer, startCheckpointer } from "./checkpointer.ts";
import {
  foldThreadTasks,
  THREAD_TASKS_SCHEMA,
  THREAD_TASKS_SQL,
} from "./thread_tasks.ts";
import { StoreViews } from "../views.ts";
import type { Statement } from "../sql.ts";
import type * as types from "../types.ts";

type Row = Record<string, unknown>;
type Param = string | number | null;

/** Options for {@linkcode SqliteStore.open}. */
export interface SqliteStoreOptions {
  /** Time source for timestamps and expiry. @default systemClock */
  clock?: Clock;
  /** How long a write waits for another process's lock, in ms. @default 5000 */
  busyTimeoutMs?: number;
  /**
   * `normal`: a commit is safe once SQLite has handed it to the operating
   * system, so it survives the hub process crashing or being killed, but the
   * last commits may be lost if the machine itself loses power. `full`: every
   * commit also waits for the disk (fsync), surviving power loss too, at a
   * large cost in write throughput.
   *
   * @default "normal"
   */
  durability?: "normal" | "full";
  /**
   * Also checkpoint the write-ahead log every this many ms from a worker
   * thread with its own connection ({@linkcode startCheckpointer}), while
   * commits come fast (the worker ends again when they slow down). While
   * the hub is not saturated, the worker empties the log before it reaches
   * SQLite's automatic checkpoint threshold, so no request pays for copying
   * the log into the database and syncing it. Under a steady stream of
   * commits the automatic checkpoint still runs inside a commit, which keeps
   * the log bounded, but finds most of the copying done. 0: no worker.
   *
   * @default 0
   */
  checkpointMs?: number;
}

/** A write that ran and waits for its group's commit. */
interface Waiting {
  /** The write, to run again if its group is rolled back and replayed. */
  run: () => unknown;
  /** What its latest run returned. */
  value: unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

// SQLite result codes that mean "the storage cannot take this write now".
const UNAVAILABLE_CODES = new Set([5, 6, 8, 10, 13, 14]);

/** SQLite implementation of {@linkcode types.Store}. */
export class SqliteStore extends StoreViews implements types.Store {
  readonly info: types.StoreInfo;
  #db: DatabaseSync;
  #sql: SqliteSql;
  #clock: Clock;
  #closed = false;
  #busyTimeoutMs = 5000;

  #search = new SqliteSearch({
    all: (sql, ...params) => this.#all(sql, ...params),
    get: (sql, ...params) => this.#get(sql, ...params),
    run: (sql, ...params) => this.#run(sql, ...params),
    tx: (fn) => this.#tx(fn),
  });
  #checkpointer: Checkpointer | undefined;

  private constructor(db: DatabaseSync, info: types.StoreInfo, clock: Clock) {
    super();
    this.#db = db;
    this.#sql = sqliteSql(db);
    this.info = info;
    this.#clock = clock;
  }

  /** The connection, for tests and tools that need raw SQL. */
  get connection(): DatabaseSync {
    return this.#db;
  }

  /**
   * Opens (and if needed creates) the database at an absolute path.
   *
   * @param path absolute path of the database file
   * @param options clock and busy timeout
   * @returns the ready store
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const db = new DatabaseSync(path);
    try {
      db.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      db.exec(
        `PRAGMA synchronous = ${
          options.durability === "full" ? "FULL" : "NORMAL"
        }`,
      );
      const mode = db.prepare("PRAGMA journal_mode = WAL").get() as Row;
      const journalMode = String(mode["journal_mode"] ?? "unknown")
        .toLowerCase();
      db.exec("PRAGMA foreign_keys = OFF");
      const checkpointMs = options.checkpointMs ?? 0;
      const clock = options.clock ?? systemClock;
      const store = new SqliteStore(db, {
        backend: "sqlite",
        storagePath: path,
        journalMode,
        walMode: journalMode === "wal",
      }, clock);
      store.#tx(() => {
        for (const sql of SQLITE_SCHEMA) db.exec(sql);
        for (const sql of TASK_DEPS_SQLITE_SCHEMA) db.exec(sql);
        for (const sql of reserveTables("TEXT")) db.exec(sql);
        for (const sql of secretsTables("TEXT")) db.exec(sql);
        for (const sql of THREAD_TASKS_SCHEMA) db.exec(sql);
        for (const sql of QUEUE_SQLITE_SCHEMA) db.exec(sql);
        const receiptColumns = (db.prepare(
          "PRAGMA table_info(arcdeno_receipts)",
        ).all() as { name: string }[]).map((c) => c.name);
        for (const sql of sqliteSurfacedMigration(receiptColumns)) db.exec(sql);
        const now = toIso(clock.now());
        for (const name of BUILTIN_CHANNELS) {
          store.#run(
            "INSERT OR IGNORE INTO channels VALUES (?, ?, ?, '{}')",
            name,
            now,
            SYSTEM_AGENT,
          );
        }
      });
      store.#busyTimeoutMs = options.busyTimeoutMs ?? 5000;
      if (checkpointMs > 0) {
        store.#checkpointer = startCheckpointer(path, {
          everyMs: checkpointMs,
        });
      }
      return store;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  // -- plumbing -------------------------------------------------------

  #all(sql: string, ...params: Param[]): Row[] {
    return this.#sql.all(sql, ...params);
  }

  #get(sql: string, ...params: Param[]): Row | undefined {
    return this.#sql.get(sql, ...params);
  }

  #run(sql: string, ...params: Param[]) {
    return this.#sql.run(sql, ...params);
  }

  /**
   * Runs `fn` in one immediate transaction of its own; rolls back if it
   * throws. Writes still waiting for their group's commit are committed
   * first.
   */
  #tx<T>(fn: () => T): T {
    SqliteStore.#flushOpen();
    // Prepared statements (not exec) so a busy database reports its SQLite code.
    this.#run("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.#run("COMMIT");
      this.#committed(1);
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#run("ROLLBACK");
      this.#opsOnce?.forgetTouches();
      throw error;
    }
  }

  /**
   * Runs `fn` as a write and settles once its commit is done (group commit).
   *
   * A write that comes alone commits at once, in a transaction of its own: a
   * lone client waits for nothing. When writes come together, they join one
   * `BEGIN IMMEDIATE` transaction, which commits once the turn's I/O
   * callbacks have run (`setImmediate`), or sooner when a read, a
   * transaction of its own or `close()` needs the connection. Writes come
   * together when one is not the first of its event-loop turn, or when the
   * last turn that wrote had more than one write (under steady concurrent
   * load the first write of a turn would otherwise commit alone, and the
   * rest in a second commit). The group's first write runs right after
   * `BEGIN`, so if it throws the whole transaction is rolled back. A later
   * one that throws before it wrote anything rejects alone (SQLite has undone
   * its failed statement); one that throws after writing has its group
   * rolled back and the group's other writes run again (see `#replay`). A
   * write is never acknowledged before its commit, and a read never sees a
   * write that is not committed; concurrent posts share commits (each commit
   * rewrites the pages it changed into the log, which under load was the
   * largest cost of a post).
   */
  #write<T>(fn: () => T): Promise<T> {
    const alone = this.#turnWrites === 0 && !this.#crowded && !this.#group;
    if (this.#turnWrites++ === 0) {
      // The end of the turn: one callback counts its writes and commits the
      // group its writes formed (a group opens only in a turn with writes).
      setImmediate(() => {
        this.#crowded = this.#turnWrites > 1;
        this.#turnWrites = 0;
        this.#flush();
      });
    }
    if (alone) return this.#unit(() => this.#tx(fn));
    const first = !this.#group;
    let group: Waiting[];
    try {
      group = this.#openGroup();
    } catch (error) {
      return Promise.reject(translate(error));
    }
    const writes = this.#sql.writes;
    let value: T;
    try {
      value = fn();
    } catch (error) {
      const failure = translate(error);
      if (first) {
        // Nothing else is in the transaction yet: undo all of it.
        this.#takeGroup();
        this.#abandon([], failure);
      } else if (this.#sql.writes !== writes || !this.#db.isTransaction) {
        this.#replay(group);
      }
      return Promise.reject(failure);
    }
    return new Promise<T>((resolve, reject) => {
      group.push({
        run: fn,
        value,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
    });
  }

  /** Writes so far in this event-loop turn (see `#write`). */
  #turnWrites = 0;
  /** Whether the last turn with writes had more than one (see `#write`). */
  #crowded = false;

  /** The group of writes waiting for the open transaction's commit; opens one if none is open. */
  #openGroup(): Waiting[] {
    if (this.#group) return this.#group;
    SqliteStore.#flushOpen();
    this.#run("BEGIN IMMEDIATE");
    const group: Waiting[] = [];
    this.#group = group;
    SqliteStore.#groupOwner = this;
    return group;
  }

  /**
   * The store of this thread whose group is open. Another store of the same
   * thread on the same file would wait for its write lock in vain (the commit
   * that frees it runs on this thread), so any store commits that group
   * before it takes a transaction or reads.
   */
  static #groupOwner: SqliteStore | undefined;

  static #flushOpen(): void {
    const owner = SqliteStore.#groupOwner;
    if (owner) owner.#flush();
  }

  /**
   * Undoes a write that failed after changing something, which has no
   * savepoint of its own (taking one for every write cost more than the
   * rare failure): rolls the group's transaction back (if SQLite has not
   * already) and runs the group's earlier writes again in a new one, each
   * under a savepoint now. Units may be run again, as on PostgreSQL: they
   * read inside the unit whatever they decide on, and nobody has seen their
   * results, which are settled only by the commit. A write that fails this
   * time rejects alone; if the storage fails, the whole group does.
   */
  #replay(group: Waiting[]): void {
    const units = group.splice(0);
    let next = 0;
    try {
      if (this.#db.isTransaction) this.#run("ROLLBACK");
      this.#opsOnce?.forgetTouches();
      this.#run("BEGIN IMMEDIATE");
      for (; next < units.length; next++) {
        const waiting = units[next]!;
        this.#run("SAVEPOINT arc_unit");
        try {
          waiting.value = waiting.run();
        } catch (error) {
          this.#run("ROLLBACK TO arc_unit");
          this.#run("RELEASE arc_unit");
          this.#opsOnce?.forgetTouches();
          waiting.reject(translate(error));
          continue;
        }
        this.#run("RELEASE arc_unit");
        group.push(waiting);
      }
    } catch (error) {
      const failure = translate(error);
      this.#takeGroup();
      this.#abandon(
        [...group, ...units.slice(next)],
        failure instanceof StorageUnavailableError
          ? failure
          : new StorageUnavailableError(
            "storage unavailable: the transaction this write shared was rolled back",
            { cause: failure },
          ),
      );
    }
  }

  /** Commits the open group, if any, and settles its writes. */
  #flush(): void {
    const group = this.#takeGroup();
    if (!group) return;
    try {
      this.#run("COMMIT");
    } catch (error) {
      this.#abandon(group, translate(error));
      return;
    }
    this.#committed(group.length);
    for (const waiting of group) waiting.resolve(waiting.value);
  }

  /** Closes the open group's books: it is no longer open, here or for the thread. */
  #takeGroup(): Waiting[] | undefined {
    const group = this.#group;
    this.#group = undefined;
    if (SqliteStore.#groupOwner === this) SqliteStore.#groupOwner = undefined;
    return group;
  }

  /** Rolls the group's transaction back (if SQLite has not) and rejects its writes. */
  #abandon(group: Waiting[], error: unknown): void {
    try {
      if (this.#db.isTransaction) this.#run("ROLLBACK");
    } catch {
      // The connection has already given the transaction up.
    }
    this.#opsOnce?.forgetTouches();
    for (const waiting of group) waiting.reject(error);
  }

  #committed(units: number): void {
    this.#commits.commits++;
    this.#commits.units += units;
    this.#checkpointer?.committed();
  }

  /**
   * Commits made so far and the write units they carried (more units than
   * commits means concurrent writes shared commits).
   */
  get commitStats(): { commits: number; units: number } {
    return { ...this.#commits };
  }

  #group: Waiting[] | undefined;
  #commits = { commits: 0, units: 0 };

  /** Runs a read (or a transaction of its own) on the connection, as a promise. */
  #unit<T>(fn: () => T): Promise<T> {
    try {
      SqliteStore.#flushOpen();
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(translate(error));
    }
  }

  #now(): string {
    return toIso(this.#clock.now());
  }

  /** The unit primitives on this connection. */
  get #ops(): SqliteOps {
    return this.#opsOnce ??= new SqliteOps(this.#sql, this.#clock);
  }
  #opsOnce: SqliteOps | undefined;

  run<T>(unit: () => Unit<T>): Promise<T> {
    return this.#write(() => driveSync(unit(), this.#ops));
  }

  read<T>(unit: () => Unit<T>): Promise<T> {
    // Synchronous on the one connection: no other unit can interleave.
    return this.#unit(() => driveSync(unit(), this.#ops));
  }

  begin(mode: "snapshot" | "write"): Promise<types.LongTransaction> {
    return this.#unit(() => {
      const db = new DatabaseSync(this.info.storagePath);
      try {
        db.exec(`PRAGMA busy_timeout = ${this.#busyTimeoutMs}`);
        db.exec("PRAGMA foreign_keys = OFF");
        const sql = sqliteSql(db);
        const ops = new SqliteOps(sql, this.#clock);
        sql.run(mode === "write" ? "BEGIN IMMEDIATE" : "BEGIN");
        // A deferred transaction takes its snapshot at its first read.
        sql.get("SELECT 1 FROM channels LIMIT 1");
        const end = (how: "COMMIT" | "ROLLBACK") => {
          try {
            if (db.isOpen && db.isTransaction) db.exec(how);
          } finally {
            if (db.isOpen) db.close();
          }
        };
        return {
          run: <T>(unit: () => Unit<T>) =>
            this.#unit(() => driveSync(unit(), ops)),
          commit: () => this.#unit(() => end("COMMIT")),
          [Symbol.asyncDispose]: () => this.#unit(() => end("ROLLBACK")),
        };
      } catch (error) {
        if (db.isOpen) db.close();
        throw error;
      }
    });
  }

  // -- lifecycle ------------------------------------------------------

  birthMarker(): Promise<string> {
    return this.#unit(() => {
      const row = this.#get(
        "SELECT created_at FROM channels WHERE name = ?",
        DEFAULT_CHANNEL,
      );
      return row ? String(row["created_at"]) : "unknown";
    });
  }

  changeToken(): Promise<number | undefined> {
    return this.#unit(() =>
      Number(this.#get("PRAGMA data_version")?.["data_version"] ?? 0)
    );
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      SqliteStore.#flushOpen();
      await this.#checkpointer?.stop();
      this.#db.close();
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // -- channels -------------------------------------------------------

  protected override getChannel(name: string): Promise<types.Channel | null> {
    return this.#unit(() => this.#channel(name));
  }

  #channel(name: string): types.Channel | null {
    const row = this.#get("SELECT * FROM channels WHERE name = ?", name);
    return row ? toChannel(row) : null;
  }

  protected override listChannels(): Promise<types.Channel[]> {
    return this.#unit(() =>
      this.#all("SELECT * FROM channels ORDER BY name").map(toChannel)
    );
  }

  protected override createChannel(
    name: string,
    createdBy: string | null,
    metadata: types.JsonObject,
  ): Promise<{ channel: types.Channel; created: boolean }> {
    return this.#write(() => {
      const row = {
        name,
        created_at: this.#now(),
        created_by: createdBy,
        metadata,
      };
      const result = this.#run(
        `INSERT OR IGNORE INTO channels (${CHANNEL_ROW.columns})
         VALUES (${CHANNEL_ROW.slots})`,
        ...CHANNEL_ROW.params(row),
      );
      const channel = this.#channel(name);
      if (!channel) throw new Error(`channel vanished: ${name}`);
      return { channel, created: Number(result.changes) > 0 };
    });
  }

  // -- sessions -------------------------------------------------------

  protected override renameSession(
    agentId: string,
    displayName: string,
  ): Promise<types.Session | null> {
    return this.#write(() => {
      const result = this.#run(
        "UPDATE sessions SET display_name = ?, last_seen = ? WHERE agent_id = ? AND active = 1",
        displayName,
        this.#now(),
        agentId,
      );
      return Number(result.changes) === 0
        ? null
        : this.#ops.activeSession(agentId);
    });
  }

  protected override deactivateSession(
    sessionId: string,
  ): Promise<types.Session | null> {
    return this.#write(() => {
      const row = this.#get(
        "SELECT * FROM sessions WHERE session_id = ? AND active = 1",
        sessionId,
      );
      if (!row) return null;
      this.#run(
        "UPDATE sessions SET active = 0 WHERE session_id = ?",
        sessionId,
      );
      return toSession(row);
    });
  }

  protected override touchAgents(agentIds: readonly string[]): Promise<void> {
    return this.#unit(() => {
      if (agentIds.length === 0) return;
      const now = this.#now();
      this.#tx(() => {
        for (const agentId of agentIds) this.#ops.touchAgent(agentId, now);
      });
    });
  }

  protected override activeSession(
    agentId: string,
  ): Promise<types.Session | null> {
    return this.#unit(() => this.#ops.activeSession(agentId));
  }

  protected override listActiveSessions(): Promise<types.Session[]> {
    return this.#unit(() =>
      this.#all(
        "SELECT * FROM sessions WHERE active = 1 ORDER BY agent_id, created_at",
      ).map(toSession)
    );
  }

  // -- messages -------------------------------------------------------

  protected override listMessages(
    query: types.MessageQuery,
  ): Promise<types.Message[]> {
    return this.#unit(() => {
      const conds: string[] = [];
      const params: Param[] = [];
      const vis = query.visibility;
      if (vis.kind === "broadcast") conds.push("to_agent IS NULL");
      else if (vis.kind === "inbox") {
        conds.push("to_agent = ?");
        params.push(vis.agentId);
      } else {
        // `+` keeps the planner off ix_m_to: an OR over it collects and sorts
        // every visible row before LIMIT applies; the id order walks no further
        // than the page.
        conds.push("(+to_agent IS NULL OR +to_agent = ?)");
        params.push(vis.agentId);
        if (vis.excludeSelf) {
          conds.push("from_agent != ?");
          params.push(vis.agentId);
        }
      }
      if (query.channels && query.channels.length > 0) {
        conds.push(
          query.channels.length === 1
            ? "channel = ?"
            : `channel IN (${query.channels.map(() => "?").join(", ")})`,
        );
        params.push(...query.channels);
      }
      if (query.threadId !== undefined) {
        conds.push("thread_id = ?");
        params.push(query.threadId);
      }
      const where = conds.join(" AND ");
      let sql: string;
      if (query.tail && query.sinceId <= 0) {
        sql =
          `SELECT * FROM (SELECT * FROM messages WHERE ${where} ORDER BY id DESC LIMIT ?) ORDER BY id`;
      } else {
        sql =
          `SELECT * FROM messages WHERE ${where} AND id > ? ORDER BY id LIMIT ?`;
        params.push(query.sinceId);
      }
      params.push(query.limit);
      return this.#all(sql, ...params).map(toMessage);
    });
  }

  protected override latestVisibleId(agentId: string): Promise<number> {
    return this.#unit(() => {
      const row = this.#get(
        `SELECT MAX(
           COALESCE((SELECT MAX(id) FROM messages WHERE to_agent IS NULL), 0),
           COALESCE((SELECT MAX(id) FROM messages WHERE to_agent = ?), 0)
         ) AS mx`,
        agentId,
      );
      return Number(row?.["mx"] ?? 0);
    });
  }

  // -- claims and locks: leases ---------------------------------------

  // -- tasks ----------------------------------------------------------

  protected override select(statement: Statement): Promise<Row[]> {
    return this.#unit(() =>
      this.#all(statement.text, ...statement.params as Param[])
    );
  }

  protected override nowText(): string {
    return this.#now();
  }

  protected override getTask(taskId: number): Promise<types.Task | null> {
    return this.#unit(() => this.#ops.task(taskId));
  }

  // -- threads --------------------------------------------------------

  protected override threadFacts(): Promise<types.ThreadFacts[]> {
    return this.#unit(() => {
      const now = this.#now();
      this.#foldThreadStats();
      const messages = this.#all(THREAD_MESSAGES_SQL);
      foldThreadTasks({
        get: (sql, ...params) => this.#get(sql, ...params),
        run: (sql, ...params) => this.#run(sql, ...params),
        tx: (fn) => this.#tx(fn),
      });
      return threadFactsOf({
        messages,
        tasks: this.#all(THREAD_TASKS_SQL),
        claims: this.#all(
          `SELECT thread_id, SUM(released_at IS NULL AND expires_at >= ?) AS active
           FROM claims WHERE thread_id IS NOT NULL GROUP BY thread_id`,
          now,
        ),
        locks: this.#all(
          `SELECT json_extract(metadata_json, '$.thread_id') AS thread_id,
             SUM(released_at IS NULL AND expires_at >= ?) AS active
           FROM locks WHERE json_valid(metadata_json)
             AND json_type(metadata_json, '$.thread_id') = 'text'
           GROUP BY 1`,
          now,
        ),
      });
    });
  }

  /**
   * Folds messages newer than the last fold into `arc_thread_stats`. Ids are
   * assigned in commit order by SQLite's single writer, so nothing can appear
   * below the mark later, whichever hub process wrote it.
   */
  #foldThreadStats(): void {
    const through = Number(
      this.#get(
        "SELECT value FROM arc_meta WHERE key = 'thread_stats_through'",
      )?.["value"] ?? 0,
    );
    const newest = Number(
      this.#get("SELECT COALESCE(MAX(id), 0) AS mx FROM messages")?.["mx"] ?? 0,
    );
    if (newest <= through) return;
    this.#tx(() => {
      // Re-read under the write lock: another process may have folded meanwhile.
      const from = Number(
        this.#get(
          "SELECT value FROM arc_meta WHERE key = 'thread_stats_through'",
        )?.["value"] ?? 0,
      );
      const to = Number(
        this.#get("SELECT COALESCE(MAX(id), 0) AS mx FROM messages")?.["mx"] ??
          0,
      );
      if (to <= from) return;
      this.#run(
        `INSERT INTO arc_thread_stats
           SELECT thread_id, COUNT(*), MIN(id), MAX(id),
                  MAX(CASE WHEN kind = 'artifact' THEN id END)
           FROM messages WHERE id > ? AND id <= ? AND thread_id IS NOT NULL
           GROUP BY thread_id
         ON CONFLICT(thread_id) DO UPDATE SET
           message_count = message_count + excluded.message_count,
           first_message_id = MIN(first_message_id, excluded.first_message_id),
           latest_message_id = MAX(latest_message_id, excluded.latest_message_id),
           latest_artifact_id = CASE
             WHEN latest_artifact_id IS NULL THEN excluded.latest_artifact_id
             WHEN excluded.latest_artifact_id IS NULL THEN latest_artifact_id
             ELSE MAX(latest_artifact_id, excluded.latest_artifact_id) END`,
        from,
        to,
      );
      this.#run(
        `INSERT INTO arc_meta VALUES ('thread_stats_through', ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
        to,
      );
    });
  }

  protected override searchIndexStep(
    maxRows: number,
  ): Promise<SearchIndexProgress> {
    return this.#unit(() => this.#search.step(maxRows));
  }

  protected override searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    return this.#unit(() => this.#search.search(query));
  }
}

function translate(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = "errcode" in error
    ? Number((error as { errcode: unknown }).errcode) & 0xff
    : undefined;
  const unavailable = code !== undefined
    ? UNAVAILABLE_CODES.has(code)
    : (error as { code?: unknown }).code === "ERR_SQLITE_ERROR" &&
      UNAVAILABLE_TEXT.test(error.message);
  if (!unavailable) return error;
  const text = "errstr" in error ? String(error.errstr) : error.message;
  return new StorageUnavailableError(`storage unavailable: ${text}`, {
    cause: error,
  });
}

// The same conditions as UNAVAILABLE_CODES, for errors that carry only a message.
const UNAVAILABLE_TEXT =
  /database is locked|database table is locked|readonly database|disk I\/O error|database or disk is full|unable to open database/i;
