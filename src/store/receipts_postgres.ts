/**
 * Receipts on PostgreSQL: the {@linkcode ReceiptStore} over the store's pool.
 * A batch of deliveries is one statement per table, the rows passed as one
 * JSON parameter (`json_to_recordset`), inside one transaction.
 *
 * @module
 */

import type postgres from "postgres";
import { type Clock, toIso } from "../time.ts";
import {
  type AckWait,
  type AgentPresence,
  presenceOf,
  type Receipt,
  type ReceiptStore,
  toReceipt,
  toWait,
  type TrackedMessage,
  type UnackedFilter,
} from "./receipts.ts";
import { toMessage } from "./rows.ts";
import type { Message } from "./types.ts";

type Row = Record<string, unknown>;
type Param = string | number | null;
type Sql = postgres.Sql | postgres.TransactionSql;

/** How the owning store runs a unit: `write` in one transaction, `read` on the pool; both translate storage faults. */
export interface PostgresUnits {
  write<T>(fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T>;
  read<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T>;
}

const INSERT_WAITS = `INSERT INTO arcdeno_ack_waits
    (message_id, from_agent, to_agent, ts, ack_within_sec)
  SELECT x.message_id, x.from_agent, x.to_agent, x.ts, x.ack_within_sec
  FROM json_to_recordset($1::text::json) AS x(message_id bigint, from_agent text,
    to_agent text, ts text, ack_within_sec bigint)
  ORDER BY x.message_id
  ON CONFLICT (message_id) DO NOTHING`;

/** PostgreSQL implementation of {@linkcode ReceiptStore}. */
export class PostgresReceipts implements ReceiptStore {
  #clock: Clock;
  #units: PostgresUnits;

  constructor(clock: Clock, units: PostgresUnits) {
    this.#clock = clock;
    this.#units = units;
  }

  #waits(messages: TrackedMessage[]): string {
    return JSON.stringify(messages.map((m) => ({
      message_id: m.id,
      from_agent: m.from_agent,
      to_agent: m.to_agent,
      ts: m.ts,
      ack_within_sec: m.ack_within_sec,
    })));
  }

  track(message: TrackedMessage): Promise<void> {
    return this.#units.write(async (tx) => {
      await q(tx, INSERT_WAITS, [this.#waits([message])]);
    });
  }

  markDelivered(agentId: string, messages: TrackedMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const now = toIso(this.#clock.now());
    const ids = JSON.stringify(messages.map((m) => m.id));
    return this.#units.write(async (tx) => {
      await q(tx, INSERT_WAITS, [this.#waits(messages)]);
      // Sorted ids: two hubs marking overlapping batches lock rows in one order.
      await q(
        tx,
        `INSERT INTO arcdeno_receipts (message_id, agent_id, delivered_at)
         SELECT id, $2, $3 FROM json_array_elements_text($1::text::json) AS e(v),
           LATERAL (SELECT e.v::bigint AS id) AS i
         ORDER BY id
         ON CONFLICT (message_id, agent_id) DO NOTHING`,
        [ids, agentId, now],
      );
    });
  }

  ack(agentId: string, message: TrackedMessage): Promise<Receipt> {
    const now = toIso(this.#clock.now());
    return this.#units.write(async (tx) => {
      await q(tx, INSERT_WAITS, [this.#waits([message])]);
      const [row] = await q(
        tx,
        `INSERT INTO arcdeno_receipts (message_id, agent_id, delivered_at, acked_at)
         VALUES ($1, $2, $3, $3)
         ON CONFLICT (message_id, agent_id) DO UPDATE
           SET acked_at = COALESCE(arcdeno_receipts.acked_at, EXCLUDED.acked_at)
         RETURNING *`,
        [message.id, agentId, now],
      );
      await q(
        tx,
        `UPDATE arcdeno_ack_waits SET acked_at = $1, acked_by = $2
         WHERE message_id = $3 AND acked_at IS NULL`,
        [now, agentId, message.id],
      );
      return toReceipt(row!);
    });
  }

  markSurfaced(agentId: string, messages: TrackedMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const now = toIso(this.#clock.now());
    const ids = JSON.stringify(messages.map((m) => m.id));
    return this.#units.write(async (tx) => {
      await q(tx, INSERT_WAITS, [this.#waits(messages)]);
      await q(
        tx,
        `INSERT INTO arcdeno_receipts (message_id, agent_id, delivered_at, surfaced_at)
         SELECT id, $2, $3, $3 FROM json_array_elements_text($1::text::json) AS e(v),
           LATERAL (SELECT e.v::bigint AS id) AS i
         ORDER BY id
         ON CONFLICT (message_id, agent_id) DO UPDATE
           SET surfaced_at = COALESCE(arcdeno_receipts.surfaced_at, EXCLUDED.surfaced_at)`,
        [ids, agentId, now],
      );
    });
  }

  listReceipts(messageId: number): Promise<Receipt[]> {
    return this.#units.read(async (sql) =>
      (await q(
        sql,
        `SELECT * FROM arcdeno_receipts WHERE message_id = $1
         ORDER BY delivered_at, agent_id`,
        [messageId],
      )).map(toReceipt)
    );
  }

  receiptsOf(messageIds: number[]): Promise<Receipt[]> {
    if (messageIds.length === 0) return Promise.resolve([]);
    return this.#units.read(async (sql) =>
      (await q(
        sql,
        `SELECT * FROM arcdeno_receipts
         WHERE message_id IN (
           SELECT v::bigint FROM json_array_elements_text($1::text::json) AS e(v))
         ORDER BY message_id, delivered_at, agent_id`,
        [JSON.stringify(messageIds)],
      )).map(toReceipt)
    );
  }

  listUnacked(filter: UnackedFilter): Promise<AckWait[]> {
    const from = filter.fromAgent;
    return this.#units.read(async (sql) =>
      (await q(
        sql,
        `SELECT m.*, w.ack_within_sec AS arcdeno_ack_within_sec
         FROM arcdeno_ack_waits w JOIN messages m ON m.id = w.message_id
         WHERE w.acked_at IS NULL ${
          from === undefined ? "" : "AND w.from_agent = $2"
        }
         ORDER BY w.message_id LIMIT $1`,
        from === undefined ? [filter.limit] : [filter.limit, from],
      )).map(toWait)
    );
  }

  getMessage(id: number): Promise<Message | null> {
    return this.#units.read(async (sql) => {
      const [row] = await q(sql, "SELECT * FROM messages WHERE id = $1", [id]);
      return row ? toMessage(row) : null;
    });
  }

  presence(agentId: string, presenceTtlSec: number): Promise<AgentPresence> {
    const cutoff = toIso(this.#clock.now() - presenceTtlSec * 1000);
    return this.#units.read(async (sql) => {
      const [row] = await q(
        sql,
        `SELECT active, last_seen FROM sessions WHERE agent_id = $1
         ORDER BY active DESC, last_seen DESC LIMIT 1`,
        [agentId],
      );
      return presenceOf(row, cutoff);
    });
  }
}

function q(sql: Sql, text: string, params: Param[]): Promise<Row[]> {
  return sql.unsafe(
    text,
    params as postgres.ParameterOrJSON<never>[],
    { prepare: true },
  ) as unknown as Promise<Row[]>;
}
