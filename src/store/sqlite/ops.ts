/**
 * The unit primitives ({@linkcode TxOps}) on SQLite: each one or two
 * statements, run synchronously inside the unit's `BEGIN IMMEDIATE`, which
 * already serialises every writer, so {@linkcode TxOps.serialize} has
 * nothing to do.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { IdExhaustedError } from "../../errors.ts";
import { BUILTIN_CHANNELS, MAX_MESSAGE_ID } from "../../protocol.ts";
import type { Clock } from "../../time.ts";
import { CLAIMS, type LeaseRow, type LeaseTable, LOCKS } from "../leases.ts";
import * as rows from "../rows.ts";
import type * as types from "../types.ts";
import * as reserve from "../reserve.ts";
import { writeSql } from "../reserve_sql.ts";
import * as shared from "../sql.ts";
import * as format from "../export_format.ts";
import * as identity from "../identity.ts";
import * as receipts from "../receipts.ts";
import * as queue from "../queue.ts";
import * as approvals from "../approvals.ts";
import type {
  NewRow,
  TaskMessage,
  ThreadAge,
  ThreadChannelFacts,
  TxOps,
} from "../unit.ts";

/** Rows per multi-row statement (a few parameters each stays far below SQLite's limit). */
const CHUNK = 200;

/** A parameter SQLite binds. */
export type Param = string | number | null;

/** The statements the primitives run with, from the store (prepared and cached there). */
export interface SqliteSql {
  get(sql: string, ...params: Param[]): rows.Row | undefined;
  all(sql: string, ...params: Param[]): rows.Row[];
  run(
    sql: string,
    ...params: Param[]
  ): { lastInsertRowid: number | bigint; changes: number | bigint };
  /**
   * How many statements that may change data have completed on this
   * connection so far (anything but a SELECT counts). A statement that fails
   * is not counted: SQLite undoes whatever it had changed.
   */
  readonly writes: number;
}

/**
 * Most statements one connection keeps prepared. Statements with lists
 * (`IN (?, ?, ...)`, multi-row inserts) take a shape per length, so the cache
 * is bounded: past this the oldest prepared statement is dropped.
 */
const CACHED_STATEMENTS = 256;

/** The statements of one connection, prepared once and cached. */
export function sqliteSql(db: DatabaseSync): SqliteSql {
  const statements = new Map<string, Prepared>();
  let writes = 0;
  const stmt = (sql: string) => {
    let s = statements.get(sql);
    if (!s) {
      if (statements.size >= CACHED_STATEMENTS) {
        statements.delete(statements.keys().next().value!);
      }
      statements.set(
        sql,
        s = { statement: db.prepare(sql), writes: !READ_ONLY.test(sql) },
      );
    }
    return s;
  };
  return {
    get: (sql, ...params) => {
      const s = stmt(sql);
      const row = s.statement.get(...params) as rows.Row | undefined;
      if (s.writes) writes++;
      return row;
    },
    all: (sql, ...params) => {
      const s = stmt(sql);
      const all = s.statement.all(...params) as rows.Row[];
      if (s.writes) writes++;
      return all;
    },
    run: (sql, ...params) => {
      const s = stmt(sql);
      const result = s.statement.run(...params);
      if (s.writes) writes++;
      return result;
    },
    get writes() {
      return writes;
    },
  };
}

/** A prepared statement, and whether it may change data. */
interface Prepared {
  statement: StatementSync;
  writes: boolean;
}

/** Statements that cannot change data (a `WITH` may end in a write, so it counts as one). */
const READ_ONLY = /^\s*SELECT\b/i;

/** A message's insert (one string, so the statement cache finds it without building it anew). */
const INSERT_MESSAGE =
  `INSERT INTO messages (${rows.NEW_MESSAGE_ROW.columns}) VALUES (${rows.NEW_MESSAGE_ROW.slots})`;

/** SQLite implementation of the unit primitives. */
export class SqliteOps implements TxOps {
  #db: SqliteSql;
  readonly now: () => number;

  constructor(db: SqliteSql, clock: Clock) {
    this.#db = db;
    this.now = () => clock.now();
  }

  serialize(): void {
    // BEGIN IMMEDIATE holds the only write lock already.
  }

  // -- sessions -------------------------------------------------------

  activeSession(agentId: string): types.Session | null {
    const row = this.#db.get(
      "SELECT * FROM sessions WHERE agent_id = ? AND active = 1 ORDER BY created_at DESC LIMIT 1",
      agentId,
    );
    return row ? rows.toSession(row) : null;
  }

  deactivateSessions(agentId: string): void {
    this.#db.run(
      "UPDATE sessions SET active = 0 WHERE agent_id = ? AND active = 1",
      agentId,
    );
  }

  insertSession(s: types.Session): void {
    this.#db.run(
      `INSERT INTO sessions (${rows.SESSION_ROW.columns}, active)
       VALUES (${rows.SESSION_ROW.slots}, 1)`,
      ...rows.SESSION_ROW.params(s),
    );
  }

  hasStaleSessions(cutoff: string): boolean {
    return this.#db.get(
      "SELECT 1 FROM sessions WHERE active = 1 AND last_seen < ? LIMIT 1",
      cutoff,
    ) !== undefined;
  }

  expireSessions(cutoff: string): types.Session[] {
    const expired = this.#db.all(
      "SELECT * FROM sessions WHERE active = 1 AND last_seen < ? ORDER BY agent_id, created_at",
      cutoff,
    ).map(rows.toSession);
    for (const s of expired) {
      this.#db.run(
        "UPDATE sessions SET active = 0 WHERE session_id = ?",
        s.session_id,
      );
      s.active = false;
    }
    return expired;
  }

  touchAgent(agentId: string, at: string): void {
    // Timestamps are whole seconds: an agent touched in this second already
    // has it, unless that write was rolled back (see forgetTouches).
    if (at !== this.#touchedAt) {
      this.#touched.clear();
      this.#touchedAt = at;
    } else if (this.#touched.has(agentId)) return;
    this.#db.run(
      "UPDATE sessions SET last_seen = ? WHERE agent_id = ? AND active = 1 AND last_seen IS NOT ?",
      at,
      agentId,
      at,
    );
    this.#touched.add(agentId);
  }

  /** The second of the touches in {@linkcode #touched}. */
  #touchedAt = "";
  /** Agents touched in that second, whose touch need not run again. */
  #touched = new Set<string>();

  /**
   * Forgets the touches remembered this second; the store calls it whenever
   * it rolls back, which may have undone one of them.
   */
  forgetTouches(): void {
    this.#touched.clear();
  }

  // -- leases ---------------------------------------------------------

  #lease<T extends LeaseRow>(t: LeaseTable<T>, key: string): T | null {
    const row = this.#db.get(
      `SELECT * FROM ${t.table} WHERE ${t.key} = ?`,
      key,
    );
    return row ? t.map(row) : null;
  }

  #setLease<T extends LeaseRow>(
    t: LeaseTable<T>,
    key: string,
    column: "expires_at" | "released_at",
    value: string,
  ): T {
    this.#db.run(
      `UPDATE ${t.table} SET ${column} = ? WHERE ${t.key} = ?`,
      value,
      key,
    );
    return this.#lease(t, key)!;
  }

  #releaseLeasesOf<T extends LeaseRow>(
    t: LeaseTable<T>,
    owner: string,
    at: string,
  ): T[] {
    const live = this.#db.all(
      `SELECT * FROM ${t.table} WHERE ${t.owner} = ? AND released_at IS NULL
         AND expires_at >= ? ORDER BY ${t.key}`,
      owner,
      at,
    ).map(t.map);
    for (const row of live) {
      this.#setLease(t, String(row[t.key]), "released_at", at);
    }
    return live.map((row) => ({ ...row, released_at: at }));
  }

  claim(key: string): types.Claim | null {
    return this.#lease(CLAIMS, key);
  }

  extendClaim(key: string, expiresAt: string): types.Claim {
    return this.#setLease(CLAIMS, key, "expires_at", expiresAt);
  }

  releaseClaim(key: string, at: string): types.Claim {
    return this.#setLease(CLAIMS, key, "released_at", at);
  }

  releaseClaimsOf(owner: string, at: string): types.Claim[] {
    return this.#releaseLeasesOf(CLAIMS, owner, at);
  }

  releaseLocksOf(owner: string, at: string): types.Lock[] {
    return this.#releaseLeasesOf(LOCKS, owner, at);
  }

  writeClaim(
    input: types.NewClaim,
    claimedAt: string,
    expiresAt: string,
  ): types.Claim {
    const claim = shared.newClaim(input, claimedAt, expiresAt);
    this.#db.run(shared.CLAIM_UPSERT_SQL, ...rows.CLAIM_ROW.params(claim));
    return claim;
  }

  // -- messages and tasks ---------------------------------------------

  insertMessages(batch: readonly NewRow[]): types.Message[] {
    return batch.map(({ input, ts, task }) => {
      const result = this.#db.run(
        INSERT_MESSAGE,
        ...rows.NEW_MESSAGE_ROW.params({ ...input, ts }),
      );
      const id = Number(result.lastInsertRowid);
      if (id > MAX_MESSAGE_ID) {
        throw new IdExhaustedError(
          `message id space exhausted: the next id would exceed ${MAX_MESSAGE_ID}`,
        );
      }
      if (task) {
        this.#db.run(
          "INSERT OR IGNORE INTO tasks VALUES (?, ?, ?, ?, 'open', ?, NULL)",
          id,
          task.parent,
          input.channel,
          input.thread_id,
          ts,
        );
      }
      return { id, ts, ...input };
    });
  }

  messageKind(id: number): string | null {
    const row = this.#db.get("SELECT kind FROM messages WHERE id = ?", id);
    return row ? String(row["kind"]) : null;
  }

  task(taskId: number): types.Task | null {
    const row = this.#db.get("SELECT * FROM tasks WHERE task_id = ?", taskId);
    return row ? rows.toTask(row) : null;
  }

  markTaskDone(taskId: number, at: string): types.Task {
    this.#db.run(
      "UPDATE tasks SET status = 'done', completed_at = ? WHERE task_id = ?",
      at,
      taskId,
    );
    return this.task(taskId)!;
  }

  childCounts(parentId: number): { total: number; open: number } {
    const row = this.#db.get(
      "SELECT COUNT(*) AS total, SUM(status != 'done') AS open FROM tasks WHERE parent_task_id = ?",
      parentId,
    );
    return { total: Number(row?.["total"] ?? 0), open: Number(row?.["open"]) };
  }

  threadChannelFacts(threadId: string): ThreadChannelFacts {
    const row = this.#db.get(
      `SELECT
         (SELECT channel FROM tasks WHERE thread_id = ?1 AND parent_task_id IS NULL ORDER BY task_id LIMIT 1) AS root_task,
         (SELECT channel FROM messages WHERE thread_id = ?1 ORDER BY id LIMIT 1) AS message,
         (SELECT channel FROM tasks WHERE thread_id = ?1 ORDER BY task_id LIMIT 1) AS task`,
      threadId,
    );
    const text = (v: unknown) => v == null ? null : String(v);
    return {
      rootTask: text(row?.["root_task"]),
      message: text(row?.["message"]),
      task: text(row?.["task"]),
    };
  }

  threadRows(threadId: string): types.ThreadRows {
    return {
      messages: this.#db.all(
        "SELECT * FROM messages WHERE thread_id = ? ORDER BY id",
        threadId,
      ).map(rows.toMessage),
      tasks: this.#db.all(
        "SELECT * FROM tasks WHERE thread_id = ? ORDER BY task_id",
        threadId,
      ).map(rows.toTask),
      claims: this.#db.all(
        "SELECT * FROM claims WHERE thread_id = ? ORDER BY claimed_at, claim_key",
        threadId,
      ).map(rows.toClaim),
      locks: this.#db.all(
        `SELECT * FROM locks WHERE json_valid(metadata_json)
           AND json_type(metadata_json, '$.thread_id') = 'text'
           AND json_extract(metadata_json, '$.thread_id') = ?
         ORDER BY locked_at, file_path`,
        threadId,
      ).map(rows.toLock),
    };
  }

  // -- task dependencies ----------------------------------------------

  existingTasks(ids: readonly number[]): number[] {
    return ids.filter((id) =>
      this.#db.get("SELECT 1 FROM tasks WHERE task_id = ?", id) !== undefined
    );
  }

  dependencyGraph(): Map<number, number[]> {
    return shared.dependencyGraphOf(this.#db.all(shared.DEPENDENCY_GRAPH_SQL));
  }

  dependenciesOf(
    taskId: number,
  ): { depends_on: number; status: string | null }[] {
    return this.#db.all(
      `SELECT d.depends_on, u.status FROM arcdeno_task_deps d
       LEFT JOIN tasks u ON u.task_id = d.depends_on
       WHERE d.task_id = ? ORDER BY d.depends_on`,
      taskId,
    ).map((r) => ({
      depends_on: Number(r["depends_on"]),
      status: r["status"] == null ? null : String(r["status"]),
    }));
  }

  dependentsOf(taskId: number): number[] {
    return this.#db.all(
      "SELECT task_id FROM arcdeno_task_deps WHERE depends_on = ? ORDER BY task_id",
      taskId,
    ).map((r) => Number(r["task_id"]));
  }

  insertDependencies(
    taskId: number,
    deps: readonly number[],
    at: string,
  ): void {
    for (const dep of deps) {
      this.#db.run(
        "INSERT OR IGNORE INTO arcdeno_task_deps VALUES (?, ?, ?)",
        taskId,
        dep,
        at,
      );
    }
  }

  taskMessage(taskId: number): TaskMessage | null {
    const row = this.#db.get(
      "SELECT to_agent, metadata_json FROM messages WHERE id = ?",
      taskId,
    );
    return row ? rows.toTaskMessage(row) : null;
  }

  taskClaimOwner(taskId: number, at: string): string | null {
    const row = this.#db.get(
      `SELECT owner_agent_id FROM claims WHERE task_message_id = ?
       AND released_at IS NULL AND expires_at >= ? ORDER BY claimed_at DESC LIMIT 1`,
      taskId,
      at,
    );
    return row ? String(row["owner_agent_id"]) : null;
  }

  readyTasks(channel: string | undefined): types.Task[] {
    return this.#db.all(
      `SELECT * FROM tasks t WHERE status = 'open' AND (?1 IS NULL OR channel = ?1)
         AND NOT EXISTS (
           SELECT 1 FROM arcdeno_task_deps d JOIN tasks u ON u.task_id = d.depends_on
           WHERE d.task_id = t.task_id AND u.status <> 'done')
       ORDER BY task_id`,
      channel ?? null,
    ).map(rows.toTask);
  }

  // -- reservations ---------------------------------------------------

  liveHolders(now: string): reserve.Holder[] {
    return this.#db.all(reserve.LIVE_SQL, now, now).map(reserve.toHolder);
  }

  pastHolders(agentId: string, now: string): reserve.Holder[] {
    return this.#db.all(reserve.PAST_SQL, agentId, now, agentId, now, agentId)
      .map(
        reserve.toHolder,
      );
  }

  listHolders(
    filter: { agentId?: string; activeOnly?: boolean },
    now: string,
  ): reserve.Holder[] {
    const { text, params } = reserve.listSql(filter, now);
    return this.#db.all(text, ...params).map(reserve.toHolder);
  }

  lastFence(): number {
    return Number(
      this.#db.get("SELECT value FROM arcdeno_fence WHERE id = 1")?.["value"] ??
        0,
    );
  }

  setLastFence(value: number): void {
    this.#db.run(reserve.SET_FENCE_SQL, value);
  }

  writeReservation(write: reserve.ReserveWrite): void {
    const { text, params } = writeSql(write);
    this.#db.run(text, ...params as Param[]);
  }

  // -- identity -------------------------------------------------------

  putSecret(entry: identity.SecretEntry): void {
    this.#db.run(identity.DROP_AGENT_SECRETS_SQL, entry.agent_id);
    this.#db.run(
      identity.PUT_SECRET_SQL,
      entry.session_id,
      entry.agent_id,
      entry.secret_hash,
      entry.created_at,
    );
  }

  secretHash(sessionId: string): string | null {
    const hash = this.#db.get(
      `SELECT secret_hash FROM ${identity.SECRETS_TABLE} WHERE session_id = ?`,
      sessionId,
    )?.["secret_hash"];
    return typeof hash === "string" ? hash : null;
  }

  sessionOwner(sessionId: string): identity.SessionOwner | null {
    const row = this.#db.get(
      "SELECT agent_id, active FROM sessions WHERE session_id = ?",
      sessionId,
    );
    return row ? rows.toSessionOwner(row) : null;
  }

  // -- export and import ----------------------------------------------

  exportPage(
    table: format.ExportTable,
    after: unknown[],
  ): { records: format.RowRecord[]; last: unknown[] | null } {
    return format.pageOf(
      table,
      this.#db.all(table.select, ...[...table.params, ...after] as Param[]),
    );
  }

  dataCounts(): format.DataCounts {
    const count = (sql: string, ...params: Param[]) =>
      Number(this.#db.get(sql, ...params)?.["n"] ?? 0);
    const tables = {} as format.DataCounts["tables"];
    for (const [name] of format.DATA_TABLES) {
      tables[name] = count(`SELECT COUNT(*) AS n FROM ${name}`);
    }
    const builtin = BUILTIN_CHANNELS.map(() => "?").join(", ");
    return {
      tables,
      customChannels: count(
        `SELECT COUNT(*) AS n FROM channels WHERE name NOT IN (${builtin})`,
        ...BUILTIN_CHANNELS,
      ),
    };
  }

  restoreRow(record: format.RowRecord): void {
    for (
      const { text, params } of format.restoreSql(record, (b) => b ? 1 : 0)
    ) {
      this.#db.run(text, ...params as Param[]);
    }
  }

  resetDerived(): void {
    this.#db.run("DELETE FROM arc_thread_stats");
    this.#db.run("DELETE FROM arc_meta WHERE key = 'thread_stats_through'");
    // The full-text index, where it exists, starts over from every message.
    const has = (name: string) =>
      this.#db.get(
        "SELECT 1 FROM sqlite_master WHERE name = ?",
        name,
      ) !== undefined;
    if (has("arcdeno_search_state")) {
      this.#db.run("DELETE FROM arcdeno_search_state");
    }
    if (has("arcdeno_search")) {
      this.#db.run(
        "INSERT INTO arcdeno_search (arcdeno_search) VALUES ('delete-all')",
      );
    }
  }

  // -- receipts -------------------------------------------------------

  recordWaits(messages: readonly receipts.TrackedMessage[]): void {
    for (let i = 0; i < messages.length; i += CHUNK) {
      const chunk = messages.slice(i, i + CHUNK);
      this.#db.run(
        `INSERT OR IGNORE INTO arcdeno_ack_waits
           (message_id, from_agent, to_agent, ts, ack_within_sec, acked_at, acked_by)
         VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, NULL, NULL)").join(", ")}`,
        ...chunk.flatMap((
          m,
        ) => [m.id, m.from_agent, m.to_agent, m.ts, m.ack_within_sec]),
      );
    }
  }

  recordReceipts(
    agentId: string,
    messages: readonly receipts.TrackedMessage[],
    at: string,
    state: "delivered" | "surfaced" | "acked",
  ): void {
    const set = state === "delivered"
      ? "NOTHING"
      : `UPDATE SET ${state}_at = COALESCE(${state}_at, excluded.${state}_at)`;
    const column = state === "delivered" ? "" : `, ${state}_at`;
    for (let i = 0; i < messages.length; i += CHUNK) {
      const chunk = messages.slice(i, i + CHUNK);
      this.#db.run(
        `INSERT INTO arcdeno_receipts (message_id, agent_id, delivered_at${column})
         VALUES ${
          chunk.map(() => column ? "(?, ?, ?, ?)" : "(?, ?, ?)").join(", ")
        }
         ON CONFLICT (message_id, agent_id) DO ${set}`,
        ...chunk.flatMap((m) =>
          column ? [m.id, agentId, at, at] : [m.id, agentId, at]
        ),
      );
    }
  }

  closeWait(messageId: number, agentId: string, at: string): void {
    this.#db.run(
      `UPDATE arcdeno_ack_waits SET acked_at = ?, acked_by = ?
       WHERE message_id = ? AND acked_at IS NULL`,
      at,
      agentId,
      messageId,
    );
  }

  receiptsOf(messageIds: readonly number[]): receipts.Receipt[] {
    const out: receipts.Receipt[] = [];
    for (let i = 0; i < messageIds.length; i += CHUNK) {
      const chunk = messageIds.slice(i, i + CHUNK);
      out.push(
        ...this.#db.all(
          `SELECT * FROM arcdeno_receipts
           WHERE message_id IN (${chunk.map(() => "?").join(", ")})
           ORDER BY message_id, delivered_at, agent_id`,
          ...chunk,
        ).map(receipts.toReceipt),
      );
    }
    return out;
  }

  openWaits(filter: receipts.UnackedFilter): receipts.AckWait[] {
    return this.#db.all(
      `SELECT m.*, w.ack_within_sec AS arcdeno_ack_within_sec
       FROM arcdeno_ack_waits w JOIN messages m ON m.id = w.message_id
       WHERE w.acked_at IS NULL AND (?1 IS NULL OR w.from_agent = ?1)
       ORDER BY w.message_id LIMIT ?2`,
      filter.fromAgent ?? null,
      filter.limit,
    ).map(receipts.toWait);
  }

  message(id: number): types.Message | null {
    const row = this.#db.get("SELECT * FROM messages WHERE id = ?", id);
    return row ? rows.toMessage(row) : null;
  }

  newestSession(agentId: string): types.Session | null {
    const row = this.#db.get(
      `SELECT * FROM sessions WHERE agent_id = ?
       ORDER BY active DESC, last_seen DESC LIMIT 1`,
      agentId,
    );
    return row ? rows.toSession(row) : null;
  }

  // -- work queue and generations -------------------------------------

  queueCandidates(
    afterId: number,
    channel: string | null,
    now: string,
    limit: number,
  ): queue.QueueCandidate[] {
    return this.#db.all(
      queue.candidatesSql((n) => `?${n}`),
      afterId,
      channel,
      now,
      limit,
    ).map(queue.toCandidate);
  }

  recordHandout(h: queue.QueueHandout): void {
    this.#db.run(
      `INSERT INTO arcdeno_queue_handouts VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(task_id) DO UPDATE SET claim_key = excluded.claim_key,
         agent_id = excluded.agent_id, claimed_at = excluded.claimed_at,
         noticed_at = excluded.noticed_at`,
      h.task_id,
      h.claim_key,
      h.agent_id,
      h.claimed_at,
      h.noticed_at,
    );
  }

  queueHandout(taskId: number): queue.QueueHandout | null {
    const row = this.#db.get(
      "SELECT * FROM arcdeno_queue_handouts WHERE task_id = ?",
      taskId,
    );
    return row ? queue.toHandout(row) : null;
  }

  hasExpiredHandouts(now: string): boolean {
    return this.#db.get(queue.anyExpiredSql((n) => `?${n}`), now) !== undefined;
  }

  expiredHandouts(now: string, limit: number): queue.QueueExpiry[] {
    return this.#db.all(queue.expiredSql((n) => `?${n}`), now, limit).map(
      queue.toExpiry,
    );
  }

  markHandoutNoticed(taskId: number, at: string): void {
    this.#db.run(
      "UPDATE arcdeno_queue_handouts SET noticed_at = ? WHERE task_id = ?",
      at,
      taskId,
    );
  }

  queueHolders(now: string): queue.QueueHolder[] {
    return this.#db.all(queue.holdersSql((n) => `?${n}`), now).map(
      queue.toHolder,
    );
  }

  generation(agentId: string): number {
    const row = this.#db.get(
      "SELECT generation FROM arcdeno_generations WHERE agent_id = ?",
      agentId,
    );
    return row ? Number(row["generation"]) : 0;
  }

  bumpGeneration(agentId: string, sessionId: string, at: string): number {
    const row = this.#db.get(
      `INSERT INTO arcdeno_generations VALUES (?, 1, ?, ?)
       ON CONFLICT(agent_id) DO UPDATE SET generation = generation + 1,
         session_id = excluded.session_id, updated_at = excluded.updated_at
       RETURNING generation`,
      agentId,
      sessionId,
      at,
    );
    return Number(row!["generation"]);
  }

  // -- approvals ------------------------------------------------------

  insertApproval(approval: approvals.Approval): void {
    this.#db.run(
      `INSERT INTO arcdeno_approvals (${approvals.APPROVAL_ROW.columns})
       VALUES (${approvals.APPROVAL_ROW.slots})`,
      ...approvals.APPROVAL_ROW.params(approval),
    );
  }

  approval(id: string): approvals.Approval | null {
    const row = this.#db.get(
      "SELECT * FROM arcdeno_approvals WHERE id = ?",
      id,
    );
    return row ? approvals.APPROVAL_ROW.read(row) : null;
  }

  decideApproval(
    id: string,
    d: approvals.ApprovalDecision,
  ): approvals.Approval | null {
    const row = this.#db.get(
      `UPDATE arcdeno_approvals
       SET status = ?, decided_at = ?, decided_by = ?, note = ?, choice = ?
       WHERE id = ? AND status = 'pending' RETURNING *`,
      d.status,
      d.at,
      d.by,
      d.note,
      d.choice,
      id,
    );
    return row ? approvals.APPROVAL_ROW.read(row) : null;
  }

  hasExpiredApprovals(now: string): boolean {
    return this.#db.get(
      `SELECT 1 FROM arcdeno_approvals
       WHERE status = 'pending' AND expires_at <= ? LIMIT 1`,
      now,
    ) !== undefined;
  }

  expireApprovals(now: string): approvals.Approval[] {
    return this.#db.all(
      `UPDATE arcdeno_approvals SET status = 'expired', decided_at = expires_at
       WHERE status = 'pending' AND expires_at <= ? RETURNING *`,
      now,
    ).map(approvals.APPROVAL_ROW.read).sort((a, b) => a.id < b.id ? -1 : 1);
  }

  listApprovals(filter: approvals.ApprovalFilter): approvals.Approval[] {
    return this.#db.all(
      `SELECT * FROM arcdeno_approvals
       WHERE (?1 IS NULL
           OR (?1 = 'pending' AND status = 'pending' AND expires_at > ?4)
           OR (?1 = 'expired' AND (status = 'expired'
             OR (status = 'pending' AND expires_at <= ?4)))
           OR (?1 NOT IN ('pending', 'expired') AND status = ?1))
         AND (?2 IS NULL OR agent_id = ?2)
       ORDER BY created_at DESC, id DESC LIMIT ?3`,
      filter.status ?? null,
      filter.agentId ?? null,
      filter.limit,
      filter.now,
    ).map(approvals.APPROVAL_ROW.read);
  }

  // -- retention ------------------------------------------------------

  closedThreadsBefore(
    cutoff: string,
    afterThread: string,
    limit: number,
  ): string[] {
    return this.#db.all(
      `SELECT t.thread_id FROM tasks AS t
       WHERE t.thread_id IS NOT NULL AND t.thread_id > ?
       GROUP BY t.thread_id
       HAVING SUM(t.status = 'open') = 0
         AND (SELECT MAX(m.ts) FROM messages AS m
              WHERE m.thread_id = t.thread_id) < ?
       ORDER BY t.thread_id LIMIT ?`,
      afterThread,
      cutoff,
      limit,
    ).map((r) => String(r["thread_id"]));
  }

  threadAge(threadId: string): ThreadAge {
    const tasks = this.#db.get(
      `SELECT COUNT(*) AS n, COALESCE(SUM(status = 'open'), 0) AS open
       FROM tasks WHERE thread_id = ?`,
      threadId,
    );
    const last = this.#db.get(
      `SELECT id, ts FROM messages WHERE thread_id = ?
       ORDER BY id DESC LIMIT 1`,
      threadId,
    );
    return {
      totalTasks: Number(tasks?.["n"] ?? 0),
      openTasks: Number(tasks?.["open"] ?? 0),
      latestMessageId: last ? Number(last["id"]) : null,
      latestMessageTs: last ? String(last["ts"]) : null,
    };
  }

  deleteThreadMessages(threadId: string, throughId: number): number {
    const ids = this.#db.all(
      "SELECT id FROM messages WHERE thread_id = ? AND id <= ? ORDER BY id",
      threadId,
      throughId,
    ).map((r) => Number(r["id"]));
    const n = this.#deleteMessages(ids);
    // Its statistics start over from what is left (nothing, or messages
    // another hub wrote since, which the next fold counts again).
    this.#db.run("DELETE FROM arc_thread_stats WHERE thread_id = ?", threadId);
    this.#db.run(
      `INSERT INTO arc_thread_stats
         SELECT thread_id, COUNT(*), MIN(id), MAX(id),
                MAX(CASE WHEN kind = 'artifact' THEN id END)
         FROM messages
         WHERE thread_id = ?1 AND id <= COALESCE(
           (SELECT value FROM arc_meta WHERE key = 'thread_stats_through'), 0)
         GROUP BY thread_id`,
      threadId,
    );
    return n;
  }

  deliveredDirectBefore(
    cutoff: string,
    afterId: number,
    limit: number,
  ): types.Message[] {
    return this.#db.all(
      `SELECT m.* FROM messages AS m
       WHERE m.id > ? AND m.to_agent IS NOT NULL AND m.thread_id IS NULL
         AND m.ts < ?
         AND NOT EXISTS (SELECT 1 FROM tasks AS t WHERE t.task_id = m.id)
         AND EXISTS (SELECT 1 FROM arcdeno_receipts AS r
                     WHERE r.message_id = m.id AND r.agent_id = m.to_agent)
       ORDER BY m.id LIMIT ?`,
      afterId,
      cutoff,
      limit,
    ).map(rows.toMessage);
  }

  deleteMessagesBefore(ids: readonly number[], cutoff: string): number {
    const old: number[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      old.push(
        ...this.#db.all(
          `SELECT id FROM messages
           WHERE id IN (${chunk.map(() => "?").join(", ")}) AND ts < ?`,
          ...chunk,
          cutoff,
        ).map((r) => Number(r["id"])),
      );
    }
    return this.#deleteMessages(old);
  }

  /** Deletes messages by id with their receipts, waits and full-text entries. */
  #deleteMessages(ids: readonly number[]): number {
    const indexed = this.#db.get(
      "SELECT 1 FROM sqlite_master WHERE name = 'arcdeno_search'",
    ) !== undefined;
    let n = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const list = chunk.map(() => "?").join(", ");
      if (indexed) {
        // An external-content index forgets a row only when told its old text.
        this.#db.run(
          `INSERT INTO arcdeno_search (arcdeno_search, rowid, body, attachments, thread)
           SELECT 'delete', id, body, attachments, thread
           FROM arcdeno_search_source
           WHERE id IN (${list}) AND id <= COALESCE((SELECT value
             FROM arcdeno_search_state WHERE key = 'indexed_through'), 0)`,
          ...chunk,
        );
      }
      this.#db.run(
        `DELETE FROM arcdeno_receipts WHERE message_id IN (${list})`,
        ...chunk,
      );
      this.#db.run(
        `DELETE FROM arcdeno_ack_waits WHERE message_id IN (${list})`,
        ...chunk,
      );
      n += Number(
        this.#db.run(`DELETE FROM messages WHERE id IN (${list})`, ...chunk)
          .changes,
      );
    }
    return n;
  }
}
