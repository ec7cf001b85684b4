/**
 * The embedded SQLite backend on `node:sqlite`, in WAL mode with a busy
 * timeout. Every read-modify-write unit runs inside one `BEGIN IMMEDIATE`
 * transaction with no `await` inside it, so two units never interleave on the
 * connection and two hub processes on one file never both win.
 *
 * @module
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  ConflictError,
  IdExhaustedError,
  StorageUnavailableError,
  ValidationError,
} from "../errors.ts";
import {
  BUILTIN_CHANNELS,
  DEFAULT_CHANNEL,
  MAX_MESSAGE_ID,
  SYSTEM_AGENT,
  TASK_KINDS,
} from "../protocol.ts";
import { type Clock, fromIso, systemClock, toIso } from "../time.ts";
import {
  toChannel,
  toClaim,
  toLock,
  toMessage,
  toSession,
  toTask,
} from "./rows.ts";
import { SqliteReceipts } from "./receipts_sqlite.ts";
import { SQLITE_SCHEMA } from "./schema.ts";
import { TASK_DEPS_SQLITE_SCHEMA } from "./task_deps.ts";
import {
  addDeps,
  getDeps,
  listReady,
  readyNotices,
  recordCreationDeps,
  type SqliteOps,
} from "./task_deps_sqlite.ts";
import { SqliteReservations } from "./reserve_sqlite.ts";
import { SqliteSearch } from "./search_sqlite.ts";
import type {
  SearchHit,
  SearchIndexProgress,
  SearchQuery,
} from "./search_types.ts";
import { exportSqlite, importSqlite } from "./export_sqlite.ts";
import type {
  ExportFilter,
  ExportRecord,
  RowCounts,
  RowRecord,
} from "./export_format.ts";
import { type Checkpointer, startCheckpointer } from "./sqlite_checkpointer.ts";
import { CLAIMS, type LeaseRow, type LeaseTable, LOCKS } from "./leases.ts";
import { buildThreadSummary, type ThreadFacts } from "./thread_summary.ts";
import {
  foldThreadTasks,
  THREAD_TASKS_SCHEMA,
  THREAD_TASKS_SQL,
} from "./thread_tasks_sqlite.ts";
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
   * thread with its own connection ({@linkcode startCheckpointer}). While
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

// SQLite result codes that mean "the storage cannot take this write now".
const UNAVAILABLE_CODES = new Set([5, 6, 8, 10, 13, 14]);

/** SQLite implementation of {@linkcode Store}. */
export class SqliteStore implements Store {
  readonly info: StoreInfo;
  readonly receipts: SqliteReceipts;
  #db: DatabaseSync;
  #clock: Clock;
  #statements = new Map<string, StatementSync>();
  #closed = false;
  readonly reservations: SqliteReservations = new SqliteReservations({
    unit: (fn) => this.#unit(() => this.#tx(fn)),
    read: (fn) => this.#unit(fn),
    all: (sql, ...params) => this.#all(sql, ...params),
    run: (sql, ...params) => void this.#run(sql, ...params),
    now: () => this.#clock.now(),
  });

  #search = new SqliteSearch({
    all: (sql, ...params) => this.#all(sql, ...params),
    get: (sql, ...params) => this.#get(sql, ...params),
    run: (sql, ...params) => this.#run(sql, ...params),
    tx: (fn) => this.#tx(fn),
  });
  #checkpointer: Checkpointer | undefined;

  private constructor(db: DatabaseSync, info: StoreInfo, clock: Clock) {
    this.#db = db;
    this.info = info;
    this.#clock = clock;
    this.receipts = new SqliteReceipts(db, clock, {
      write: (fn) => this.#unit(() => this.#tx(fn)),
      read: (fn) => this.#unit(fn),
    });
  }

  /** The connection, for vendor modules with tables of their own (`src/store/identity_sqlite.ts`). */
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
        for (const sql of THREAD_TASKS_SCHEMA) db.exec(sql);
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
      if (checkpointMs > 0) {
        store.#checkpointer = startCheckpointer(path, checkpointMs);
      }
      return store;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  exportRows(filter: ExportFilter): AsyncIterable<RowRecord> {
    return exportSqlite(this.info.storagePath, filter);
  }

  importRecords(
    records: AsyncIterable<ExportRecord>,
    onProgress?: (counts: RowCounts) => void,
  ): Promise<RowCounts> {
    return importSqlite(this.info.storagePath, records, onProgress);
  }

  // ── plumbing ───────────────────────────────────────────────────────

  #stmt(sql: string): StatementSync {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  #all(sql: string, ...params: Param[]): Row[] {
    return this.#stmt(sql).all(...params) as Row[];
  }

  #get(sql: string, ...params: Param[]): Row | undefined {
    return this.#stmt(sql).get(...params) as Row | undefined;
  }

  #run(sql: string, ...params: Param[]) {
    return this.#stmt(sql).run(...params);
  }

  /** Runs `fn` in one immediate transaction; rolls back if it throws. */
  #tx<T>(fn: () => T): T {
    // Prepared statements (not exec) so a busy database reports its SQLite code.
    this.#stmt("BEGIN IMMEDIATE").run();
    try {
      const result = fn();
      this.#stmt("COMMIT").run();
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#stmt("ROLLBACK").run();
      throw error;
    }
  }

  /** Runs a unit and turns storage faults into {@linkcode StorageUnavailableError}. */
  #unit<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(translate(error));
    }
  }

  #now(): string {
    return toIso(this.#clock.now());
  }

  /** The statements task dependencies run with, inside this store's units. */
  readonly #ops: SqliteOps = {
    get: (sql, ...params) => this.#get(sql, ...params),
    all: (sql, ...params) => this.#all(sql, ...params),
    run: (sql, ...params) => this.#run(sql, ...params),
  };

  // ── task dependencies (vendor) ─────────────────────────────────────

  addTaskDependencies(
    taskId: number,
    dependsOn: number[],
  ): Promise<TaskDependencies | null> {
    return this.#unit(() =>
      this.#tx(() => addDeps(this.#ops, taskId, dependsOn, this.#now()))
    );
  }

  getTaskDependencies(taskId: number): Promise<TaskDependencies | null> {
    return this.#unit(() => getDeps(this.#ops, taskId, this.#now()));
  }

  listReadyTasks(
    filter: { channel?: string; assignee?: string },
  ): Promise<TaskDependencies[]> {
    return this.#unit(() => listReady(this.#ops, filter, this.#now()));
  }

  #alive(row: { released_at: string | null; expires_at: string }): boolean {
    return row.released_at === null &&
      fromIso(row.expires_at) >= Math.floor(this.#clock.now() / 1000) * 1000;
  }

  // ── lifecycle ──────────────────────────────────────────────────────

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
      await this.#checkpointer?.stop();
      this.#statements.clear();
      this.#db.close();
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ── channels ───────────────────────────────────────────────────────

  getChannel(name: string): Promise<Channel | null> {
    return this.#unit(() => this.#channel(name));
  }

  #channel(name: string): Channel | null {
    const row = this.#get("SELECT * FROM channels WHERE name = ?", name);
    return row ? toChannel(row) : null;
  }

  listChannels(): Promise<Channel[]> {
    return this.#unit(() =>
      this.#all("SELECT * FROM channels ORDER BY name").map(toChannel)
    );
  }

  createChannel(
    name: string,
    createdBy: string | null,
    metadata: JsonObject,
  ): Promise<{ channel: Channel; created: boolean }> {
    return this.#unit(() =>
      this.#tx(() => {
        const result = this.#run(
          "INSERT OR IGNORE INTO channels VALUES (?, ?, ?, ?)",
          name,
          this.#now(),
          createdBy,
          JSON.stringify(metadata),
        );
        const channel = this.#channel(name);
        if (!channel) throw new Error(`channel vanished: ${name}`);
        return { channel, created: Number(result.changes) > 0 };
      })
    );
  }

  // ── sessions ───────────────────────────────────────────────────────

  #activeSession(agentId: string): Session | null {
    const row = this.#get(
      "SELECT * FROM sessions WHERE agent_id = ? AND active = 1 ORDER BY created_at DESC LIMIT 1",
      agentId,
    );
    return row ? toSession(row) : null;
  }

  createSession(input: NewSession, presenceTtlSec: number): Promise<Session> {
    return this.#unit(() =>
      this.#tx(() => {
        const nowMs = this.#clock.now();
        const current = this.#activeSession(input.agent_id);
        if (current) {
          // The same cutoff the presence sweep uses, compared the same way.
          const fresh = current.last_seen >=
            toIso(nowMs - presenceTtlSec * 1000);
          if (fresh && !input.replace) {
            throw new ConflictError("agent_id already has an active session");
          }
          this.#run(
            "UPDATE sessions SET active = 0 WHERE agent_id = ? AND active = 1",
            input.agent_id,
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
        this.#run(
          "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
          session.session_id,
          session.agent_id,
          session.display_name,
          JSON.stringify(session.capabilities),
          JSON.stringify(session.metadata),
          now,
          now,
        );
        return session;
      })
    );
  }

  renameSession(agentId: string, displayName: string): Promise<Session | null> {
    return this.#unit(() =>
      this.#tx(() => {
        const result = this.#run(
          "UPDATE sessions SET display_name = ?, last_seen = ? WHERE agent_id = ? AND active = 1",
          displayName,
          this.#now(),
          agentId,
        );
        return Number(result.changes) === 0
          ? null
          : this.#activeSession(agentId);
      })
    );
  }

  deleteSession(sessionId: string): Promise<Session | null> {
    return this.#unit(() =>
      this.#tx(() => {
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
      })
    );
  }

  touchAgent(agentId: string): Promise<void> {
    return this.#unit(() => {
      this.#run(
        "UPDATE sessions SET last_seen = ? WHERE agent_id = ? AND active = 1",
        this.#now(),
        agentId,
      );
    });
  }

  touchAgents(agentIds: readonly string[]): Promise<void> {
    return this.#unit(() => {
      if (agentIds.length === 0) return;
      const now = this.#now();
      this.#tx(() => {
        for (const agentId of agentIds) {
          this.#run(
            "UPDATE sessions SET last_seen = ? WHERE agent_id = ? AND active = 1",
            now,
            agentId,
          );
        }
      });
    });
  }

  getActiveSession(agentId: string): Promise<Session | null> {
    return this.#unit(() => this.#activeSession(agentId));
  }

  listActiveSessions(): Promise<Session[]> {
    return this.#unit(() =>
      this.#all(
        "SELECT * FROM sessions WHERE active = 1 ORDER BY agent_id, created_at",
      ).map(toSession)
    );
  }

  recoverExpired(presenceTtlSec: number): Promise<Recovery> {
    return this.#unit(() => {
      const cutoff = toIso(this.#clock.now() - presenceTtlSec * 1000);
      // Cheap check outside the write lock: most sweeps find nothing.
      if (
        !this.#get(
          "SELECT 1 FROM sessions WHERE active = 1 AND last_seen < ? LIMIT 1",
          cutoff,
        )
      ) {
        return {
          expired: [],
          releasedClaims: [],
          releasedLocks: [],
          posted: [],
        };
      }
      return this.#tx(() => this.#recover(cutoff));
    });
  }

  #recover(cutoff: string): Recovery {
    const expired = this.#all(
      "SELECT * FROM sessions WHERE active = 1 AND last_seen < ?",
      cutoff,
    ).map(toSession);
    const recovery: Recovery = {
      expired,
      releasedClaims: [],
      releasedLocks: [],
      posted: [],
    };
    const now = this.#now();
    for (const session of expired) {
      this.#run(
        "UPDATE sessions SET active = 0 WHERE session_id = ?",
        session.session_id,
      );
      // The agent may have come back under a new session meanwhile.
      if (this.#activeSession(session.agent_id)) continue;
      const claims = this.#all(
        "SELECT * FROM claims WHERE owner_agent_id = ? AND released_at IS NULL AND expires_at >= ?",
        session.agent_id,
        now,
      ).map(toClaim);
      for (const claim of claims) {
        this.#run(
          "UPDATE claims SET released_at = ? WHERE claim_key = ?",
          now,
          claim.claim_key,
        );
        claim.released_at = now;
        recovery.releasedClaims.push(claim);
        const channel = claim.thread_id
          ? this.#threadChannel(claim.thread_id) ?? DEFAULT_CHANNEL
          : DEFAULT_CHANNEL;
        recovery.posted.push(this.#insertMessage({
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
        }));
      }
      const locks = this.#all(
        "SELECT * FROM locks WHERE agent_id = ? AND released_at IS NULL AND expires_at >= ?",
        session.agent_id,
        now,
      ).map(toLock);
      for (const lock of locks) {
        this.#run(
          "UPDATE locks SET released_at = ? WHERE file_path = ?",
          now,
          lock.file_path,
        );
        lock.released_at = now;
        recovery.releasedLocks.push(lock);
        const threadId = lock.metadata["thread_id"] == null
          ? null
          : String(lock.metadata["thread_id"]);
        const fallback = lock.metadata["channel"]
          ? String(lock.metadata["channel"])
          : DEFAULT_CHANNEL;
        const channel = threadId
          ? this.#threadChannel(threadId) ?? fallback
          : fallback;
        recovery.posted.push(this.#insertMessage({
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
        }));
      }
    }
    return recovery;
  }

  // ── messages ───────────────────────────────────────────────────────

  #insertMessage(input: NewMessage): Message {
    const ts = this.#now();
    const result = this.#run(
      `INSERT INTO messages (ts, from_agent, to_agent, channel, kind, body,
        attachments_json, reply_to, thread_id, metadata_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
    );
    const id = Number(result.lastInsertRowid);
    if (id > MAX_MESSAGE_ID) {
      throw new IdExhaustedError(
        `message id space exhausted: the next id would exceed ${MAX_MESSAGE_ID}`,
      );
    }
    return { id, ts, ...input };
  }

  #task(taskId: number): Task | null {
    const row = this.#get("SELECT * FROM tasks WHERE task_id = ?", taskId);
    return row ? toTask(row) : null;
  }

  postMessage(
    input: NewMessage,
    parentTaskId: number | null,
  ): Promise<PostResult> {
    return this.#unit(() =>
      this.#tx(() => {
        if (parentTaskId !== null && !this.#task(parentTaskId)) {
          throw new ValidationError("parent_task_id references unknown task");
        }
        const message = this.#insertMessage(input);
        let completedTaskId: number | null = null;
        if (TASK_KINDS.has(message.kind)) {
          this.#run(
            "INSERT OR IGNORE INTO tasks VALUES (?, ?, ?, ?, 'open', ?, NULL)",
            message.id,
            parentTaskId,
            message.channel,
            message.thread_id,
            message.ts,
          );
          recordCreationDeps(this.#ops, message);
        } else if (
          message.kind === "task_result" && message.reply_to !== null
        ) {
          const request = this.#get(
            "SELECT kind FROM messages WHERE id = ?",
            message.reply_to,
          );
          const task = request?.["kind"] === "task_request"
            ? this.#task(message.reply_to)
            : null;
          if (task && task.status === "open") {
            this.#run(
              "UPDATE tasks SET status = 'done', completed_at = ? WHERE task_id = ? AND status = 'open'",
              message.ts,
              task.task_id,
            );
            message.metadata = {
              ...message.metadata,
              task_completed: task.task_id,
            };
            this.#run(
              "UPDATE messages SET metadata_json = ? WHERE id = ?",
              JSON.stringify(message.metadata),
              message.id,
            );
            completedTaskId = task.task_id;
          }
        }
        const posted = completedTaskId === null
          ? []
          : readyNotices(this.#ops, [completedTaskId], message.ts).map((m) =>
            this.#insertMessage(m)
          );
        // Posting is activity: the sender's session stays alive, in the same commit.
        this.#run(
          "UPDATE sessions SET last_seen = ? WHERE agent_id = ? AND active = 1",
          message.ts,
          message.from_agent,
        );
        return {
          message,
          completedTaskId,
          ...(posted.length ? { posted } : {}),
        };
      })
    );
  }

  listMessages(query: MessageQuery): Promise<Message[]> {
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

  latestVisibleId(agentId: string): Promise<number> {
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

  // ── claims and locks: leases ───────────────────────────────────────

  #lease<T extends LeaseRow>(t: LeaseTable<T>, key: string): T | null {
    const row = this.#get(`SELECT * FROM ${t.table} WHERE ${t.key} = ?`, key);
    return row ? t.map(row) : null;
  }

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
    write: (now: string, expires: string) => void,
  ): Acquired<T> {
    const nowMs = this.#clock.now();
    const expires = toIso(nowMs + ttlSec * 1000);
    const existing = this.#lease(t, key);
    if (existing && this.#alive(existing)) {
      if (existing[t.owner] !== owner) {
        return { acquired: false, row: existing };
      }
      this.#run(
        `UPDATE ${t.table} SET expires_at = ? WHERE ${t.key} = ?`,
        expires,
        key,
      );
    } else {
      write(toIso(nowMs), expires);
    }
    return { acquired: true, row: this.#lease(t, key)! };
  }

  #refresh<T extends LeaseRow>(
    t: LeaseTable<T>,
    key: string,
    owner: string,
    ttlSec: number,
  ): Promise<T | null> {
    return this.#unit(() =>
      this.#tx(() => {
        const lease = this.#lease(t, key);
        if (!lease || lease[t.owner] !== owner || !this.#alive(lease)) {
          return null;
        }
        this.#run(
          `UPDATE ${t.table} SET expires_at = ? WHERE ${t.key} = ?`,
          toIso(this.#clock.now() + ttlSec * 1000),
          key,
        );
        return this.#lease(t, key);
      })
    );
  }

  #release<T extends LeaseRow>(
    t: LeaseTable<T>,
    key: string,
    owner: string,
  ): Promise<T | null> {
    return this.#unit(() =>
      this.#tx(() => {
        const lease = this.#lease(t, key);
        const now = this.#now();
        if (
          !lease || lease[t.owner] !== owner || lease.released_at !== null ||
          lease.expires_at < now
        ) return null;
        this.#run(
          `UPDATE ${t.table} SET released_at = ? WHERE ${t.key} = ?`,
          now,
          key,
        );
        return this.#lease(t, key);
      })
    );
  }

  #listLeases<T extends LeaseRow>(
    t: LeaseTable<T>,
    filter: { column: string; value: string } | undefined,
    activeOnly: boolean | undefined,
  ): Promise<T[]> {
    return this.#unit(() => {
      const conds = ["1 = 1"];
      const params: Param[] = [];
      if (filter) {
        conds.push(`${filter.column} = ?`);
        params.push(filter.value);
      }
      if (activeOnly) {
        conds.push("released_at IS NULL AND expires_at >= ?");
        params.push(this.#now());
      }
      return this.#all(
        `SELECT * FROM ${t.table} WHERE ${
          conds.join(" AND ")
        } ORDER BY ${t.since}, ${t.key}`,
        ...params,
      ).map(t.map);
    });
  }

  acquireClaim(input: NewClaim): Promise<Acquired<Claim>> {
    return this.#unit(() =>
      this.#tx(() =>
        this.#acquire(
          CLAIMS,
          input.claim_key,
          input.owner_agent_id,
          input.ttl_sec,
          (now, expires) =>
            this.#run(
              `INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, NULL, ?)
               ON CONFLICT(claim_key) DO UPDATE SET thread_id = excluded.thread_id,
                 task_message_id = excluded.task_message_id, owner_agent_id = excluded.owner_agent_id,
                 claimed_at = excluded.claimed_at, expires_at = excluded.expires_at,
                 released_at = NULL, metadata_json = excluded.metadata_json`,
              input.claim_key,
              input.thread_id,
              input.task_message_id,
              input.owner_agent_id,
              now,
              expires,
              JSON.stringify(input.metadata),
            ),
        )
      )
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

  acquireLock(input: NewLock): Promise<Acquired<Lock>> {
    return this.#unit(() =>
      this.#tx(() =>
        this.#acquire(
          LOCKS,
          input.file_path,
          input.agent_id,
          input.ttl_sec,
          (now, expires) =>
            this.#run(
              `INSERT INTO locks VALUES (?, ?, ?, ?, NULL, ?)
               ON CONFLICT(file_path) DO UPDATE SET agent_id = excluded.agent_id,
                 locked_at = excluded.locked_at, expires_at = excluded.expires_at,
                 released_at = NULL, metadata_json = excluded.metadata_json`,
              input.file_path,
              input.agent_id,
              now,
              expires,
              JSON.stringify(input.metadata),
            ),
        )
      )
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
    return this.#unit(() => this.#task(taskId));
  }

  listTasks(filter: TaskFilter): Promise<Task[]> {
    return this.#unit(() => {
      const conds = ["1 = 1"];
      const params: Param[] = [];
      if (filter.parentId !== undefined) {
        conds.push("parent_task_id = ?");
        params.push(filter.parentId);
      }
      if (filter.status !== undefined) {
        conds.push("status = ?");
        params.push(filter.status);
      }
      if (filter.channel !== undefined) {
        conds.push("channel = ?");
        params.push(filter.channel);
      }
      if (filter.threadId !== undefined) {
        conds.push("thread_id = ?");
        params.push(filter.threadId);
      }
      return this.#all(
        `SELECT * FROM tasks WHERE ${conds.join(" AND ")} ORDER BY task_id`,
        ...params,
      ).map(toTask);
    });
  }

  completeTask(taskId: number): Promise<TaskCompletion | null> {
    return this.#unit(() =>
      this.#tx(() => {
        const done: number[] = [];
        const completion = this.#completeTask(taskId, done);
        for (const m of readyNotices(this.#ops, done, this.#now())) {
          completion?.posted.push(this.#insertMessage(m));
        }
        return completion;
      })
    );
  }

  #completeTask(taskId: number, done: number[]): TaskCompletion | null {
    const found = this.#task(taskId);
    if (!found) return null;
    const now = this.#now();
    if (found.status !== "done") {
      this.#run(
        "UPDATE tasks SET status = 'done', completed_at = ? WHERE task_id = ?",
        now,
        taskId,
      );
      done.push(taskId);
    }
    const task = this.#task(taskId)!;
    const completion: TaskCompletion = {
      task,
      parentCompleted: false,
      posted: [],
    };
    if (task.parent_task_id === null) return completion;
    const parent = this.#task(task.parent_task_id);
    const counts = this.#get(
      "SELECT COUNT(*) AS total, SUM(status != 'done') AS open FROM tasks WHERE parent_task_id = ?",
      task.parent_task_id,
    );
    if (!parent || parent.status !== "open" || Number(counts?.["open"])) {
      return completion;
    }
    this.#run(
      "UPDATE tasks SET status = 'done', completed_at = ? WHERE task_id = ?",
      now,
      parent.task_id,
    );
    completion.parentCompleted = true;
    done.push(parent.task_id);
    completion.posted.push(this.#insertMessage({
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
    }));
    return completion;
  }

  // ── threads ────────────────────────────────────────────────────────

  /** The channel a thread belongs to: its first root task's, else its first message's, else its first task's. */
  #threadChannel(threadId: string): string | null {
    const row = this.#get(
      `SELECT COALESCE(
         (SELECT channel FROM tasks WHERE thread_id = ?1 AND parent_task_id IS NULL ORDER BY task_id LIMIT 1),
         (SELECT channel FROM messages WHERE thread_id = ?1 ORDER BY id LIMIT 1),
         (SELECT channel FROM tasks WHERE thread_id = ?1 ORDER BY task_id LIMIT 1)
       ) AS channel`,
      threadId,
    );
    return row?.["channel"] == null ? null : String(row["channel"]);
  }

  #threadLocks(threadId: string): Lock[] {
    return this.#all(
      `SELECT * FROM locks WHERE json_valid(metadata_json)
         AND json_type(metadata_json, '$.thread_id') = 'text'
         AND json_extract(metadata_json, '$.thread_id') = ?
       ORDER BY locked_at, file_path`,
      threadId,
    ).map(toLock);
  }

  listThreads(): Promise<ThreadSummary[]> {
    return this.#unit(() => {
      const now = this.#now();
      const facts = new Map<string, ThreadFacts>();
      const entry = (id: string): ThreadFacts => {
        let f = facts.get(id);
        if (!f) {
          f = emptyFacts(id);
          facts.set(id, f);
        }
        return f;
      };
      this.#foldThreadStats();
      for (
        const row of this.#all(
          `SELECT s.thread_id, s.message_count AS n, s.latest_message_id AS mx,
             s.latest_artifact_id AS art,
             (SELECT ts FROM messages WHERE id = s.latest_message_id) AS ts,
             (SELECT channel FROM messages WHERE id = s.first_message_id) AS first_channel
           FROM arc_thread_stats AS s`,
        )
      ) {
        const f = entry(String(row["thread_id"]));
        f.messageCount = Number(row["n"]);
        f.latestMessageId = Number(row["mx"]);
        f.latestMessageTs = String(row["ts"]);
        f.latestArtifactId = row["art"] == null ? null : Number(row["art"]);
        f.firstMessageChannel = String(row["first_channel"]);
      }
      foldThreadTasks({
        get: (sql, ...params) => this.#get(sql, ...params),
        run: (sql, ...params) => this.#run(sql, ...params),
        tx: (fn) => this.#tx(fn),
      });
      for (const row of this.#all(THREAD_TASKS_SQL)) {
        const f = entry(String(row["thread_id"]));
        f.totalTasks = Number(row["n"]);
        f.openTasks = Number(row["open"]);
        f.rootTaskId = row["root"] == null ? null : Number(row["root"]);
        f.rootTaskChannel = row["root_channel"] == null
          ? null
          : String(row["root_channel"]);
        f.firstTaskChannel = String(row["first_channel"]);
      }
      for (
        const row of this.#all(
          `SELECT thread_id, SUM(released_at IS NULL AND expires_at >= ?) AS active
           FROM claims WHERE thread_id IS NOT NULL GROUP BY thread_id`,
          now,
        )
      ) {
        entry(String(row["thread_id"])).activeClaims = Number(row["active"]);
      }
      for (
        const row of this.#all(
          `SELECT json_extract(metadata_json, '$.thread_id') AS thread_id,
             SUM(released_at IS NULL AND expires_at >= ?) AS active
           FROM locks WHERE json_valid(metadata_json)
             AND json_type(metadata_json, '$.thread_id') = 'text'
           GROUP BY 1`,
          now,
        )
      ) {
        const f = facts.get(String(row["thread_id"]));
        if (f) f.activeLocks = Number(row["active"]);
      }
      const summaries = [...facts.values()].map(buildThreadSummary);
      summaries.sort((a, b) =>
        (b.latest_message_id ?? -1) - (a.latest_message_id ?? -1) ||
        (a.thread_id < b.thread_id ? 1 : a.thread_id > b.thread_id ? -1 : 0)
      );
      return summaries;
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

  searchIndexStep(maxRows: number): Promise<SearchIndexProgress> {
    return this.#unit(() => this.#search.step(maxRows));
  }

  searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    return this.#unit(() => this.#search.search(query));
  }

  getThread(threadId: string): Promise<ThreadDetail | null> {
    return this.#unit(() => {
      const messages = this.#all(
        "SELECT * FROM messages WHERE thread_id = ? ORDER BY id",
        threadId,
      ).map(toMessage);
      const tasks = this.#all(
        "SELECT * FROM tasks WHERE thread_id = ? ORDER BY task_id",
        threadId,
      ).map(toTask);
      const claims = this.#all(
        "SELECT * FROM claims WHERE thread_id = ? ORDER BY claimed_at, claim_key",
        threadId,
      ).map(toClaim);
      const locks = this.#threadLocks(threadId);
      if (
        !messages.length && !tasks.length && !claims.length && !locks.length
      ) {
        return null;
      }
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
        activeClaims: claims.filter((c) => this.#alive(c)).length,
        activeLocks: locks.filter((l) => this.#alive(l)).length,
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
