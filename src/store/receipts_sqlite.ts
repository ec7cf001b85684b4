/**
 * Receipts on SQLite: the {@linkcode ReceiptStore} over the hub's own
 * connection. Writes run inside the store's `BEGIN IMMEDIATE` unit; a batch
 * of deliveries is one multi-row statement per table.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
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

/** How the owning store runs a unit: `write` in one immediate transaction, `read` without; both translate storage faults. */
export interface SqliteUnits {
  write<T>(fn: () => T): Promise<T>;
  read<T>(fn: () => T): Promise<T>;
}

/** Rows per multi-row statement (7 parameters each stays far below SQLite's limit). */
const CHUNK = 200;

/** SQLite implementation of {@linkcode ReceiptStore}. */
export class SqliteReceipts implements ReceiptStore {
  #db: DatabaseSync;
  #clock: Clock;
  #units: SqliteUnits;
  #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync, clock: Clock, units: SqliteUnits) {
    this.#db = db;
    this.#clock = clock;
    this.#units = units;
  }

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

  #run(sql: string, ...params: Param[]): void {
    this.#stmt(sql).run(...params);
  }

  /** Inserts the wait rows of these messages, keeping existing ones. */
  #insertWaits(messages: TrackedMessage[]): void {
    for (let i = 0; i < messages.length; i += CHUNK) {
      const chunk = messages.slice(i, i + CHUNK);
      this.#run(
        `INSERT OR IGNORE INTO arcdeno_ack_waits
           (message_id, from_agent, to_agent, ts, ack_within_sec, acked_at, acked_by)
         VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, NULL, NULL)").join(", ")}`,
        ...chunk.flatMap((
          m,
        ) => [m.id, m.from_agent, m.to_agent, m.ts, m.ack_within_sec]),
      );
    }
  }

  track(message: TrackedMessage): Promise<void> {
    return this.#units.write(() => this.#insertWaits([message]));
  }

  markDelivered(agentId: string, messages: TrackedMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const now = toIso(this.#clock.now());
    return this.#units.write(() => {
      this.#insertWaits(messages);
      for (let i = 0; i < messages.length; i += CHUNK) {
        const chunk = messages.slice(i, i + CHUNK);
        this.#run(
          `INSERT OR IGNORE INTO arcdeno_receipts
             (message_id, agent_id, delivered_at, acked_at)
           VALUES ${chunk.map(() => "(?, ?, ?, NULL)").join(", ")}`,
          ...chunk.flatMap((m) => [m.id, agentId, now]),
        );
      }
    });
  }

  ack(agentId: string, message: TrackedMessage): Promise<Receipt> {
    const now = toIso(this.#clock.now());
    return this.#units.write(() => {
      this.#insertWaits([message]);
      this.#run(
        `INSERT INTO arcdeno_receipts (message_id, agent_id, delivered_at, acked_at)
         VALUES (?, ?, ?, ?)
         ON CONFLICT (message_id, agent_id)
         DO UPDATE SET acked_at = COALESCE(acked_at, excluded.acked_at)`,
        message.id,
        agentId,
        now,
        now,
      );
      this.#run(
        `UPDATE arcdeno_ack_waits SET acked_at = ?, acked_by = ?
         WHERE message_id = ? AND acked_at IS NULL`,
        now,
        agentId,
        message.id,
      );
      const [row] = this.#all(
        "SELECT * FROM arcdeno_receipts WHERE message_id = ? AND agent_id = ?",
        message.id,
        agentId,
      );
      return toReceipt(row!);
    });
  }

  markSurfaced(agentId: string, messages: TrackedMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const now = toIso(this.#clock.now());
    return this.#units.write(() => {
      this.#insertWaits(messages);
      for (let i = 0; i < messages.length; i += CHUNK) {
        const chunk = messages.slice(i, i + CHUNK);
        this.#run(
          `INSERT INTO arcdeno_receipts
             (message_id, agent_id, delivered_at, acked_at, surfaced_at)
           VALUES ${chunk.map(() => "(?, ?, ?, NULL, ?)").join(", ")}
           ON CONFLICT (message_id, agent_id)
           DO UPDATE SET surfaced_at = COALESCE(surfaced_at, excluded.surfaced_at)`,
          ...chunk.flatMap((m) => [m.id, agentId, now, now]),
        );
      }
    });
  }

  listReceipts(messageId: number): Promise<Receipt[]> {
    return this.#units.read(() =>
      this.#all(
        `SELECT * FROM arcdeno_receipts WHERE message_id = ?
         ORDER BY delivered_at, agent_id`,
        messageId,
      ).map(toReceipt)
    );
  }

  receiptsOf(messageIds: number[]): Promise<Receipt[]> {
    if (messageIds.length === 0) return Promise.resolve([]);
    return this.#units.read(() => {
      const out: Receipt[] = [];
      for (let i = 0; i < messageIds.length; i += CHUNK) {
        const chunk = messageIds.slice(i, i + CHUNK);
        out.push(
          ...this.#all(
            `SELECT * FROM arcdeno_receipts
             WHERE message_id IN (${chunk.map(() => "?").join(", ")})
             ORDER BY message_id, delivered_at, agent_id`,
            ...chunk,
          ).map(toReceipt),
        );
      }
      return out;
    });
  }

  listUnacked(filter: UnackedFilter): Promise<AckWait[]> {
    return this.#units.read(() => {
      const rows = filter.fromAgent === undefined
        ? this.#all(
          `SELECT m.*, w.ack_within_sec AS arcdeno_ack_within_sec
           FROM arcdeno_ack_waits w JOIN messages m ON m.id = w.message_id
           WHERE w.acked_at IS NULL ORDER BY w.message_id LIMIT ?`,
          filter.limit,
        )
        : this.#all(
          `SELECT m.*, w.ack_within_sec AS arcdeno_ack_within_sec
           FROM arcdeno_ack_waits w JOIN messages m ON m.id = w.message_id
           WHERE w.acked_at IS NULL AND w.from_agent = ?
           ORDER BY w.message_id LIMIT ?`,
          filter.fromAgent,
          filter.limit,
        );
      return rows.map(toWait);
    });
  }

  getMessage(id: number): Promise<Message | null> {
    return this.#units.read(() => {
      const [row] = this.#all("SELECT * FROM messages WHERE id = ?", id);
      return row ? toMessage(row) : null;
    });
  }

  presence(agentId: string, presenceTtlSec: number): Promise<AgentPresence> {
    const cutoff = toIso(this.#clock.now() - presenceTtlSec * 1000);
    return this.#units.read(() => {
      const [row] = this.#all(
        `SELECT active, last_seen FROM sessions WHERE agent_id = ?
         ORDER BY active DESC, last_seen DESC LIMIT 1`,
        agentId,
      );
      return presenceOf(row, cutoff);
    });
  }
}
