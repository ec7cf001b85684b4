/**
 * The unit primitives ({@linkcode TxOps}) on PostgreSQL, each one statement
 * on the unit's transaction. {@linkcode PgOps.serialize} takes a
 * transaction-scoped advisory lock (or a table lock for the dependency
 * graph); {@linkcode PgOps.insertMessages} takes the message lock right
 * before the sequence hands out ids and holds it to commit, so ids become
 * visible in id order on every connection (design decision 10), and
 * announces the commit with `NOTIFY`.
 *
 * @module
 */

import type postgres from "postgres";
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
  AsyncTxOps,
  NewRow,
  Scope,
  TaskMessage,
  ThreadAge,
  ThreadChannelFacts,
} from "../unit.ts";

/** A parameter the driver binds. */
export type Param = string | number | boolean | null;

/** A connection or transaction of the driver. */
export type Sql = postgres.Sql | postgres.TransactionSql | postgres.ReservedSql;

/** Runs one statement with `$n` parameters and returns its rows. */
export function q(
  sql: Sql,
  text: string,
  params: Param[] = [],
): Promise<rows.Row[]> {
  return sql.unsafe(
    text,
    params as postgres.ParameterOrJSON<never>[],
    { prepare: true },
  ) as unknown as Promise<rows.Row[]>;
}

/** A list of ids as a PostgreSQL array literal, for a `$n::bigint[]` parameter. */
export function idArray(ids: readonly number[]): string {
  return `{${ids.join(",")}}`;
}

/** What the primitives need from the store besides the transaction. */
export interface PgContext {
  clock: Clock;
  /** Advisory lock space of each scope, and of the message lock. */
  lockSpace: Record<
    | "messages"
    | "session"
    | "claim"
    | "lock"
    | "recovery"
    | "reserve"
    | "queue"
    | "retention",
    number
  >;
  /** The `NOTIFY` channel and this hub's origin token. */
  notify: { channel: string; origin: string };
}

const TABLE_LOCKS: Partial<Record<Scope, string>> = {
  task_deps_insert: "LOCK TABLE arcdeno_task_deps IN ROW EXCLUSIVE MODE",
  task_deps_edit: "LOCK TABLE arcdeno_task_deps IN SHARE ROW EXCLUSIVE MODE",
};

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function text(v: unknown): string | null {
  return v == null ? null : String(v);
}

/** PostgreSQL implementation of the unit primitives on one transaction. */
export class PgOps implements AsyncTxOps {
  #tx: Sql;
  #ctx: PgContext;

  constructor(tx: Sql, ctx: PgContext) {
    this.#tx = tx;
    this.#ctx = ctx;
  }

  #q(sql: string, params: Param[] = []): Promise<rows.Row[]> {
    return q(this.#tx, sql, params);
  }

  async #one(sql: string, params: Param[] = []): Promise<rows.Row | undefined> {
    return (await this.#q(sql, params))[0];
  }

  now(): Promise<number> {
    return Promise.resolve(this.#ctx.clock.now());
  }

  async serialize(scope: Scope, key?: string): Promise<void> {
    const table = TABLE_LOCKS[scope];
    if (table) {
      await this.#q(table);
      return;
    }
    const space = this.#ctx.lockSpace[scope as keyof PgContext["lockSpace"]];
    await (key === undefined
      ? this.#q("SELECT pg_advisory_xact_lock($1::int4, 0)", [space])
      : this.#q("SELECT pg_advisory_xact_lock($1::int4, hashtext($2))", [
        space,
        key,
      ]));
  }

  // -- sessions -------------------------------------------------------

  async activeSession(agentId: string): Promise<types.Session | null> {
    const row = await this.#one(
      "SELECT * FROM sessions WHERE agent_id = $1 AND active ORDER BY created_at DESC LIMIT 1",
      [agentId],
    );
    return row ? rows.toSession(row) : null;
  }

  async deactivateSessions(agentId: string): Promise<void> {
    await this.#q(
      "UPDATE sessions SET active = false WHERE agent_id = $1 AND active",
      [agentId],
    );
  }

  async insertSession(s: types.Session): Promise<void> {
    await this.#q(
      shared.numbered(
        `INSERT INTO sessions (${rows.SESSION_ROW.columns}, active)
       VALUES (${rows.SESSION_ROW.slots}, true)`,
      ),
      rows.SESSION_ROW.params(s),
    );
  }

  async hasStaleSessions(cutoff: string): Promise<boolean> {
    return (await this.#one(
      "SELECT 1 FROM sessions WHERE active AND last_seen < $1 LIMIT 1",
      [cutoff],
    )) !== undefined;
  }

  async expireSessions(cutoff: string): Promise<types.Session[]> {
    // The UPDATE hands each stale session to exactly one hub.
    return (await this.#q(
      `WITH old AS (
         SELECT * FROM sessions WHERE active AND last_seen < $1 FOR UPDATE
       )
       UPDATE sessions s SET active = false FROM old
       WHERE s.session_id = old.session_id RETURNING s.*`,
      [cutoff],
    )).map(rows.toSession).sort((a, b) =>
      cmp(a.agent_id, b.agent_id) || cmp(a.created_at, b.created_at)
    );
  }

  async touchAgent(agentId: string, at: string): Promise<void> {
    await this.#q(
      "UPDATE sessions SET last_seen = $1 WHERE agent_id = $2 AND active AND last_seen IS DISTINCT FROM $1",
      [at, agentId],
    );
  }

  // -- leases ---------------------------------------------------------

  async #lease<T extends LeaseRow>(
    t: LeaseTable<T>,
    key: string,
  ): Promise<T | null> {
    const row = await this.#one(
      `SELECT * FROM ${t.table} WHERE ${t.key} = $1 FOR UPDATE`,
      [key],
    );
    return row ? t.map(row) : null;
  }

  async #setLease<T extends LeaseRow>(
    t: LeaseTable<T>,
    key: string,
    column: "expires_at" | "released_at",
    value: string,
  ): Promise<T> {
    const row = await this.#one(
      `UPDATE ${t.table} SET ${column} = $1 WHERE ${t.key} = $2 RETURNING *`,
      [value, key],
    );
    return t.map(row!);
  }

  async #releaseLeasesOf<T extends LeaseRow>(
    t: LeaseTable<T>,
    owner: string,
    at: string,
  ): Promise<T[]> {
    const released = await this.#q(
      `UPDATE ${t.table} SET released_at = $1
       WHERE ${t.owner} = $2 AND released_at IS NULL AND expires_at >= $1
       RETURNING *`,
      [at, owner],
    );
    return released.sort((a, b) => cmp(String(a[t.key]), String(b[t.key])))
      .map(
        t.map,
      );
  }

  async claim(key: string): Promise<types.Claim | null> {
    return await this.#lease(CLAIMS, key);
  }

  async extendClaim(key: string, expiresAt: string): Promise<types.Claim> {
    return await this.#setLease(CLAIMS, key, "expires_at", expiresAt);
  }

  async releaseClaim(key: string, at: string): Promise<types.Claim> {
    return await this.#setLease(CLAIMS, key, "released_at", at);
  }

  async releaseClaimsOf(owner: string, at: string): Promise<types.Claim[]> {
    return await this.#releaseLeasesOf(CLAIMS, owner, at);
  }

  async releaseLocksOf(owner: string, at: string): Promise<types.Lock[]> {
    return await this.#releaseLeasesOf(LOCKS, owner, at);
  }

  async writeClaim(
    input: types.NewClaim,
    claimedAt: string,
    expiresAt: string,
  ): Promise<types.Claim> {
    const claim = shared.newClaim(input, claimedAt, expiresAt);
    await this.#q(
      shared.numbered(shared.CLAIM_UPSERT_SQL),
      rows.CLAIM_ROW.params(claim),
    );
    return claim;
  }

  // -- messages and tasks ---------------------------------------------

  async insertMessages(batch: readonly NewRow[]): Promise<types.Message[]> {
    if (!batch.length) return [];
    const { lockSpace, notify } = this.#ctx;
    // Sent together: the lock, one insert per message, the NOTIFY.
    const results = await Promise.all([
      this.#q("SELECT pg_advisory_xact_lock($1::int4, 0)", [
        lockSpace.messages,
      ]),
      ...batch.map(({ input, ts, task }) =>
        this.#q(
          `WITH m AS (
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
          [
            ...rows.NEW_MESSAGE_ROW.params({ ...input, ts }),
            task?.parent ?? null,
            task !== null,
          ],
        )
      ),
      this.#q("SELECT pg_notify($1, $2)", [notify.channel, notify.origin]),
    ]);
    return batch.map(({ input, ts }, i) => {
      const id = Number(results[i + 1]?.[0]?.["id"]);
      if (!Number.isSafeInteger(id) || id > MAX_MESSAGE_ID) {
        throw new IdExhaustedError(
          `message id space exhausted: the next id would exceed ${MAX_MESSAGE_ID}`,
        );
      }
      return { id, ts, ...input };
    });
  }

  async messageKind(id: number): Promise<string | null> {
    return text(
      (await this.#one("SELECT kind FROM messages WHERE id = $1", [
        id,
      ]))?.["kind"],
    );
  }

  async task(taskId: number, forUpdate: boolean): Promise<types.Task | null> {
    const row = await this.#one(
      `SELECT * FROM tasks WHERE task_id = $1${forUpdate ? " FOR UPDATE" : ""}`,
      [taskId],
    );
    return row ? rows.toTask(row) : null;
  }

  async markTaskDone(taskId: number, at: string): Promise<types.Task> {
    const row = await this.#one(
      "UPDATE tasks SET status = 'done', completed_at = $1 WHERE task_id = $2 RETURNING *",
      [at, taskId],
    );
    return rows.toTask(row!);
  }

  async childCounts(
    parentId: number,
  ): Promise<{ total: number; open: number }> {
    const row = await this.#one(
      `SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE status <> 'done') AS open
       FROM tasks WHERE parent_task_id = $1`,
      [parentId],
    );
    return { total: Number(row?.["total"] ?? 0), open: Number(row?.["open"]) };
  }

  async threadChannelFacts(threadId: string): Promise<ThreadChannelFacts> {
    const row = await this.#one(
      `SELECT
         (SELECT channel FROM tasks WHERE thread_id = $1 AND parent_task_id IS NULL ORDER BY task_id LIMIT 1) AS root_task,
         (SELECT channel FROM messages WHERE thread_id = $1 ORDER BY id LIMIT 1) AS message,
         (SELECT channel FROM tasks WHERE thread_id = $1 ORDER BY task_id LIMIT 1) AS task`,
      [threadId],
    );
    return {
      rootTask: text(row?.["root_task"]),
      message: text(row?.["message"]),
      task: text(row?.["task"]),
    };
  }

  async threadRows(threadId: string): Promise<types.ThreadRows> {
    const [messages, tasks, claims, locks] = await Promise.all([
      this.#q("SELECT * FROM messages WHERE thread_id = $1 ORDER BY id", [
        threadId,
      ]),
      this.#q("SELECT * FROM tasks WHERE thread_id = $1 ORDER BY task_id", [
        threadId,
      ]),
      this.#q(
        "SELECT * FROM claims WHERE thread_id = $1 ORDER BY claimed_at, claim_key",
        [threadId],
      ),
      this.#q(
        "SELECT * FROM locks WHERE arc_lock_thread(metadata_json) = $1 ORDER BY locked_at, file_path",
        [threadId],
      ),
    ]);
    return {
      messages: messages.map(rows.toMessage),
      tasks: tasks.map(rows.toTask),
      claims: claims.map(rows.toClaim),
      locks: locks.map(rows.toLock),
    };
  }

  // -- task dependencies ----------------------------------------------

  async existingTasks(ids: readonly number[]): Promise<number[]> {
    if (!ids.length) return [];
    return (await this.#q(
      "SELECT task_id FROM tasks WHERE task_id = ANY($1::bigint[])",
      [idArray(ids)],
    )).map((r) => Number(r["task_id"]));
  }

  async dependencyGraph(): Promise<Map<number, number[]>> {
    return shared.dependencyGraphOf(await this.#q(shared.DEPENDENCY_GRAPH_SQL));
  }

  async dependenciesOf(
    taskId: number,
  ): Promise<{ depends_on: number; status: string | null }[]> {
    return (await this.#q(
      `SELECT d.depends_on, u.status FROM arcdeno_task_deps d
       LEFT JOIN tasks u ON u.task_id = d.depends_on
       WHERE d.task_id = $1 ORDER BY d.depends_on`,
      [taskId],
    )).map((r) => ({
      depends_on: Number(r["depends_on"]),
      status: text(r["status"]),
    }));
  }

  async dependentsOf(taskId: number): Promise<number[]> {
    return (await this.#q(
      "SELECT task_id FROM arcdeno_task_deps WHERE depends_on = $1 ORDER BY task_id",
      [taskId],
    )).map((r) => Number(r["task_id"]));
  }

  async insertDependencies(
    taskId: number,
    deps: readonly number[],
    at: string,
  ): Promise<void> {
    if (!deps.length) return;
    await this.#q(
      `INSERT INTO arcdeno_task_deps (task_id, depends_on, created_at)
       SELECT $1, dep, $3 FROM unnest($2::bigint[]) AS dep
       ON CONFLICT DO NOTHING`,
      [taskId, idArray(deps), at],
    );
  }

  async taskMessage(taskId: number): Promise<TaskMessage | null> {
    const row = await this.#one(
      "SELECT to_agent, metadata_json FROM messages WHERE id = $1",
      [taskId],
    );
    return row ? rows.toTaskMessage(row) : null;
  }

  async taskClaimOwner(taskId: number, at: string): Promise<string | null> {
    return text(
      (await this.#one(
        `SELECT owner_agent_id FROM claims WHERE task_message_id = $1
       AND released_at IS NULL AND expires_at >= $2 ORDER BY claimed_at DESC LIMIT 1`,
        [taskId, at],
      ))?.["owner_agent_id"],
    );
  }

  async readyTasks(channel: string | undefined): Promise<types.Task[]> {
    return (await this.#q(
      `SELECT * FROM tasks t WHERE status = 'open'
         AND ($1::text IS NULL OR channel = $1::text) AND NOT EXISTS (
         SELECT 1 FROM arcdeno_task_deps d JOIN tasks u ON u.task_id = d.depends_on
         WHERE d.task_id = t.task_id AND u.status <> 'done')
       ORDER BY task_id`,
      [channel ?? null],
    )).map(rows.toTask);
  }

  // -- reservations ---------------------------------------------------

  async liveHolders(now: string): Promise<reserve.Holder[]> {
    return (await this.#q(shared.numbered(reserve.LIVE_SQL), [now, now])).map(
      reserve.toHolder,
    );
  }

  async pastHolders(agentId: string, now: string): Promise<reserve.Holder[]> {
    return (await this.#q(shared.numbered(reserve.PAST_SQL), [
      agentId,
      now,
      agentId,
      now,
      agentId,
    ])).map(reserve.toHolder);
  }

  async listHolders(
    filter: { agentId?: string; activeOnly?: boolean },
    now: string,
  ): Promise<reserve.Holder[]> {
    const { text, params } = reserve.listSql(filter, now);
    return (await this.#q(shared.numbered(text), params)).map(reserve.toHolder);
  }

  async lastFence(): Promise<number> {
    return Number(
      (await this.#one("SELECT value FROM arcdeno_fence WHERE id = 1"))
        ?.["value"] ?? 0,
    );
  }

  async setLastFence(value: number): Promise<void> {
    await this.#q(shared.numbered(reserve.SET_FENCE_SQL), [value]);
  }

  async writeReservation(write: reserve.ReserveWrite): Promise<void> {
    const { text, params } = writeSql(write);
    await this.#q(shared.numbered(text), params as Param[]);
  }

  // -- identity -------------------------------------------------------

  async putSecret(entry: identity.SecretEntry): Promise<void> {
    await this.#q(shared.numbered(identity.DROP_AGENT_SECRETS_SQL), [
      entry.agent_id,
    ]);
    await this.#q(shared.numbered(identity.PUT_SECRET_SQL), [
      entry.session_id,
      entry.agent_id,
      entry.secret_hash,
      entry.created_at,
    ]);
  }

  async secretHash(sessionId: string): Promise<string | null> {
    const hash = (await this.#one(
      `SELECT secret_hash FROM ${identity.SECRETS_TABLE} WHERE session_id = $1`,
      [sessionId],
    ))?.["secret_hash"];
    return typeof hash === "string" ? hash : null;
  }

  async sessionOwner(sessionId: string): Promise<identity.SessionOwner | null> {
    const row = await this.#one(
      "SELECT agent_id, active FROM sessions WHERE session_id = $1",
      [sessionId],
    );
    return row ? rows.toSessionOwner(row) : null;
  }

  // -- export and import ----------------------------------------------

  async exportPage(
    table: format.ExportTable,
    after: unknown[],
  ): Promise<{ records: format.RowRecord[]; last: unknown[] | null }> {
    return format.pageOf(
      table,
      await this.#q(
        shared.numbered(table.select),
        [...table.params, ...after] as Param[],
      ),
    );
  }

  async dataCounts(): Promise<format.DataCounts> {
    const count = async (sql: string, params: Param[] = []) =>
      Number((await this.#one(sql, params))?.["n"] ?? 0);
    const tables = {} as format.DataCounts["tables"];
    for (const [name] of format.DATA_TABLES) {
      tables[name] = await count(`SELECT COUNT(*) AS n FROM ${name}`);
    }
    return {
      tables,
      customChannels: await count(
        "SELECT COUNT(*) AS n FROM channels WHERE name <> ALL($1::text[])",
        [`{${BUILTIN_CHANNELS.join(",")}}`],
      ),
    };
  }

  async restoreRow(record: format.RowRecord): Promise<void> {
    for (const { text, params } of format.restoreSql(record, (b) => b)) {
      await this.#q(shared.numbered(text), params as Param[]);
    }
  }

  async resetDerived(): Promise<void> {
    await this.#q("DELETE FROM arc_thread_stats");
    await this.#q("DELETE FROM arc_meta WHERE key = 'thread_stats_through'");
    // Ids minted after the restore continue above the highest restored one.
    await this.#q(
      `SELECT setval('arc_message_id_seq', m) FROM
         (SELECT MAX(id) AS m FROM messages) AS top WHERE m IS NOT NULL`,
    );
  }

  // -- receipts -------------------------------------------------------

  async recordWaits(
    messages: readonly receipts.TrackedMessage[],
  ): Promise<void> {
    if (!messages.length) return;
    await this.#q(
      `INSERT INTO arcdeno_ack_waits
         (message_id, from_agent, to_agent, ts, ack_within_sec)
       SELECT x.message_id, x.from_agent, x.to_agent, x.ts, x.ack_within_sec
       FROM json_to_recordset($1::text::json) AS x(message_id bigint,
         from_agent text, to_agent text, ts text, ack_within_sec bigint)
       ORDER BY x.message_id
       ON CONFLICT (message_id) DO NOTHING`,
      [JSON.stringify(messages.map((m) => ({
        message_id: m.id,
        from_agent: m.from_agent,
        to_agent: m.to_agent,
        ts: m.ts,
        ack_within_sec: m.ack_within_sec,
      })))],
    );
  }

  async recordReceipts(
    agentId: string,
    messages: readonly receipts.TrackedMessage[],
    at: string,
    state: "delivered" | "surfaced" | "acked",
  ): Promise<void> {
    if (!messages.length) return;
    const column = state === "delivered" ? "" : `, ${state}_at`;
    const set = state === "delivered" ? "NOTHING" : `UPDATE SET ${state}_at =
      COALESCE(arcdeno_receipts.${state}_at, EXCLUDED.${state}_at)`;
    // Sorted ids: two hubs marking overlapping batches lock rows in one order.
    await this.#q(
      `INSERT INTO arcdeno_receipts (message_id, agent_id, delivered_at${column})
       SELECT id, $2, $3${column ? ", $3" : ""}
       FROM json_array_elements_text($1::text::json) AS e(v),
         LATERAL (SELECT e.v::bigint AS id) AS i
       ORDER BY id
       ON CONFLICT (message_id, agent_id) DO ${set}`,
      [JSON.stringify(messages.map((m) => m.id)), agentId, at],
    );
  }

  async closeWait(
    messageId: number,
    agentId: string,
    at: string,
  ): Promise<void> {
    await this.#q(
      `UPDATE arcdeno_ack_waits SET acked_at = $1, acked_by = $2
       WHERE message_id = $3 AND acked_at IS NULL`,
      [at, agentId, messageId],
    );
  }

  async receiptsOf(messageIds: readonly number[]): Promise<receipts.Receipt[]> {
    if (!messageIds.length) return [];
    return (await this.#q(
      `SELECT * FROM arcdeno_receipts WHERE message_id = ANY($1::bigint[])
       ORDER BY message_id, delivered_at, agent_id`,
      [idArray(messageIds)],
    )).map(receipts.toReceipt);
  }

  async openWaits(filter: receipts.UnackedFilter): Promise<receipts.AckWait[]> {
    return (await this.#q(
      `SELECT m.*, w.ack_within_sec AS arcdeno_ack_within_sec
       FROM arcdeno_ack_waits w JOIN messages m ON m.id = w.message_id
       WHERE w.acked_at IS NULL AND ($2::text IS NULL OR w.from_agent = $2::text)
       ORDER BY w.message_id LIMIT $1`,
      [filter.limit, filter.fromAgent ?? null],
    )).map(receipts.toWait);
  }

  async message(id: number): Promise<types.Message | null> {
    const row = await this.#one("SELECT * FROM messages WHERE id = $1", [id]);
    return row ? rows.toMessage(row) : null;
  }

  async newestSession(agentId: string): Promise<types.Session | null> {
    const row = await this.#one(
      `SELECT * FROM sessions WHERE agent_id = $1
       ORDER BY active DESC, last_seen DESC LIMIT 1`,
      [agentId],
    );
    return row ? rows.toSession(row) : null;
  }

  // -- work queue and generations -------------------------------------

  async queueCandidates(
    afterId: number,
    channel: string | null,
    now: string,
    limit: number,
  ): Promise<queue.QueueCandidate[]> {
    return (await this.#q(
      queue.candidatesSql((n) => n === 2 ? "$2::text" : `$${n}`),
      [afterId, channel, now, limit],
    )).map(queue.toCandidate);
  }

  async recordHandout(h: queue.QueueHandout): Promise<void> {
    await this.#q(
      `INSERT INTO arcdeno_queue_handouts VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (task_id) DO UPDATE SET claim_key = excluded.claim_key,
         agent_id = excluded.agent_id, claimed_at = excluded.claimed_at,
         noticed_at = excluded.noticed_at`,
      [h.task_id, h.claim_key, h.agent_id, h.claimed_at, h.noticed_at],
    );
  }

  async queueHandout(taskId: number): Promise<queue.QueueHandout | null> {
    const row = await this.#one(
      "SELECT * FROM arcdeno_queue_handouts WHERE task_id = $1",
      [taskId],
    );
    return row ? queue.toHandout(row) : null;
  }

  async hasExpiredHandouts(now: string): Promise<boolean> {
    return (await this.#one(queue.anyExpiredSql((n) => `$${n}`), [now])) !==
      undefined;
  }

  async expiredHandouts(
    now: string,
    limit: number,
  ): Promise<queue.QueueExpiry[]> {
    return (await this.#q(queue.expiredSql((n) => `$${n}`), [now, limit])).map(
      queue.toExpiry,
    );
  }

  async markHandoutNoticed(taskId: number, at: string): Promise<void> {
    await this.#q(
      "UPDATE arcdeno_queue_handouts SET noticed_at = $1 WHERE task_id = $2",
      [at, taskId],
    );
  }

  async queueHolders(now: string): Promise<queue.QueueHolder[]> {
    return (await this.#q(queue.holdersSql((n) => `$${n}`), [now])).map(
      queue.toHolder,
    );
  }

  async generation(agentId: string): Promise<number> {
    const row = await this.#one(
      "SELECT generation FROM arcdeno_generations WHERE agent_id = $1",
      [agentId],
    );
    return row ? Number(row["generation"]) : 0;
  }

  async bumpGeneration(
    agentId: string,
    sessionId: string,
    at: string,
  ): Promise<number> {
    const row = await this.#one(
      `INSERT INTO arcdeno_generations VALUES ($1, 1, $2, $3)
       ON CONFLICT (agent_id) DO UPDATE SET
         generation = arcdeno_generations.generation + 1,
         session_id = excluded.session_id, updated_at = excluded.updated_at
       RETURNING generation`,
      [agentId, sessionId, at],
    );
    return Number(row!["generation"]);
  }

  // -- approvals ------------------------------------------------------

  async insertApproval(approval: approvals.Approval): Promise<void> {
    await this.#q(
      shared.numbered(
        `INSERT INTO arcdeno_approvals (${approvals.APPROVAL_ROW.columns})
       VALUES (${approvals.APPROVAL_ROW.slots})`,
      ),
      approvals.APPROVAL_ROW.params(approval),
    );
  }

  async approval(id: string): Promise<approvals.Approval | null> {
    const row = await this.#one(
      "SELECT * FROM arcdeno_approvals WHERE id = $1",
      [id],
    );
    return row ? approvals.APPROVAL_ROW.read(row) : null;
  }

  async decideApproval(
    id: string,
    d: approvals.ApprovalDecision,
  ): Promise<approvals.Approval | null> {
    // The status guard makes a decision exactly-once across hubs: a second
    // UPDATE waits for the first one's row lock, then finds it decided.
    const row = await this.#one(
      `UPDATE arcdeno_approvals
       SET status = $1, decided_at = $2, decided_by = $3, note = $4, choice = $5
       WHERE id = $6 AND status = 'pending' RETURNING *`,
      [d.status, d.at, d.by, d.note, d.choice, id],
    );
    return row ? approvals.APPROVAL_ROW.read(row) : null;
  }

  async hasExpiredApprovals(now: string): Promise<boolean> {
    return (await this.#one(
      `SELECT 1 FROM arcdeno_approvals
       WHERE status = 'pending' AND expires_at <= $1 LIMIT 1`,
      [now],
    )) !== undefined;
  }

  async expireApprovals(now: string): Promise<approvals.Approval[]> {
    return (await this.#q(
      `UPDATE arcdeno_approvals SET status = 'expired', decided_at = expires_at
       WHERE status = 'pending' AND expires_at <= $1 RETURNING *`,
      [now],
    )).map(approvals.APPROVAL_ROW.read).sort((a, b) => a.id < b.id ? -1 : 1);
  }

  async listApprovals(
    filter: approvals.ApprovalFilter,
  ): Promise<approvals.Approval[]> {
    return (await this.#q(
      `SELECT * FROM arcdeno_approvals
       WHERE ($1::text IS NULL
           OR ($1::text = 'pending' AND status = 'pending' AND expires_at > $4)
           OR ($1::text = 'expired' AND (status = 'expired'
             OR (status = 'pending' AND expires_at <= $4)))
           OR ($1::text NOT IN ('pending', 'expired') AND status = $1::text))
         AND ($2::text IS NULL OR agent_id = $2::text)
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [
        filter.status ?? null,
        filter.agentId ?? null,
        filter.limit,
        filter.now,
      ],
    )).map(approvals.APPROVAL_ROW.read);
  }

  // -- retention ------------------------------------------------------

  async closedThreadsBefore(
    cutoff: string,
    afterThread: string,
    limit: number,
  ): Promise<string[]> {
    return (await this.#q(
      `SELECT t.thread_id FROM tasks AS t
       WHERE t.thread_id IS NOT NULL AND t.thread_id > $1
       GROUP BY t.thread_id
       HAVING COUNT(*) FILTER (WHERE t.status = 'open') = 0
         AND (SELECT MAX(m.ts) FROM messages AS m
              WHERE m.thread_id = t.thread_id) < $2
       ORDER BY t.thread_id LIMIT $3`,
      [afterThread, cutoff, limit],
    )).map((r) => String(r["thread_id"]));
  }

  async threadAge(threadId: string): Promise<ThreadAge> {
    const [tasks, last] = await Promise.all([
      this.#one(
        `SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE status = 'open') AS open
         FROM tasks WHERE thread_id = $1`,
        [threadId],
      ),
      this.#one(
        `SELECT id, ts FROM messages WHERE thread_id = $1
         ORDER BY id DESC LIMIT 1`,
        [threadId],
      ),
    ]);
    return {
      totalTasks: Number(tasks?.["n"] ?? 0),
      openTasks: Number(tasks?.["open"] ?? 0),
      latestMessageId: last ? Number(last["id"]) : null,
      latestMessageTs: last ? String(last["ts"]) : null,
    };
  }

  async deleteThreadMessages(
    threadId: string,
    throughId: number,
  ): Promise<number> {
    const ids = (await this.#q(
      "SELECT id FROM messages WHERE thread_id = $1 AND id <= $2 ORDER BY id",
      [threadId, throughId],
    )).map((r) => Number(r["id"]));
    const n = await this.#deleteMessages(ids);
    // Its statistics start over from what is left below the fold mark.
    await this.#q("DELETE FROM arc_thread_stats WHERE thread_id = $1", [
      threadId,
    ]);
    await this.#q(
      `INSERT INTO arc_thread_stats
         SELECT thread_id, COUNT(*), MIN(id), MAX(id),
                MAX(id) FILTER (WHERE kind = 'artifact')
         FROM messages
         WHERE thread_id = $1 AND id <= COALESCE(
           (SELECT value FROM arc_meta WHERE key = 'thread_stats_through'), 0)
         GROUP BY thread_id`,
      [threadId],
    );
    return n;
  }

  async deliveredDirectBefore(
    cutoff: string,
    afterId: number,
    limit: number,
  ): Promise<types.Message[]> {
    return (await this.#q(
      `SELECT m.* FROM messages AS m
       WHERE m.id > $1 AND m.to_agent IS NOT NULL AND m.thread_id IS NULL
         AND m.ts < $2
         AND NOT EXISTS (SELECT 1 FROM tasks AS t WHERE t.task_id = m.id)
         AND EXISTS (SELECT 1 FROM arcdeno_receipts AS r
                     WHERE r.message_id = m.id AND r.agent_id = m.to_agent)
       ORDER BY m.id LIMIT $3`,
      [afterId, cutoff, limit],
    )).map(rows.toMessage);
  }

  async deleteMessagesBefore(
    ids: readonly number[],
    cutoff: string,
  ): Promise<number> {
    if (!ids.length) return 0;
    const old = (await this.#q(
      "SELECT id FROM messages WHERE id = ANY($1::bigint[]) AND ts < $2",
      [idArray(ids), cutoff],
    )).map((r) => Number(r["id"]));
    return await this.#deleteMessages(old);
  }

  /** Deletes messages by id with their receipts, waits and search documents. */
  async #deleteMessages(ids: readonly number[]): Promise<number> {
    if (!ids.length) return 0;
    const list = [idArray(ids)];
    await this.#q(
      "DELETE FROM arcdeno_receipts WHERE message_id = ANY($1::bigint[])",
      list,
    );
    await this.#q(
      "DELETE FROM arcdeno_ack_waits WHERE message_id = ANY($1::bigint[])",
      list,
    );
    const indexed = await this.#one(
      "SELECT to_regclass('arcdeno_search_docs') IS NOT NULL AS yes",
    );
    if (indexed?.["yes"]) {
      await this.#q(
        "DELETE FROM arcdeno_search_docs WHERE id = ANY($1::bigint[])",
        list,
      );
    }
    const deleted = await this.#q(
      "DELETE FROM messages WHERE id = ANY($1::bigint[]) RETURNING id",
      list,
    );
    return deleted.length;
  }
}
