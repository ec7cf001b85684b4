/**
 * File reservations on PostgreSQL: each call is one transaction that first
 * takes a transaction-scoped advisory lock of its own, so the glob scan of
 * live holders and the grant it decides on are serialised across every hub
 * on the database.
 *
 * @module
 */

import type postgres from "postgres";
import { toIso } from "../time.ts";
import {
  type Holder,
  listSql,
  LIVE_SQL,
  type NewReservation,
  numbered,
  PAST_SQL,
  type Plan,
  planAcquire,
  planRefresh,
  planRelease,
  planReleaseAgent,
  type ReservationSnapshot,
  type ReservationStore,
  type Reserved,
  reserveTables,
  toHolder,
} from "./reserve.ts";
import { writeSql } from "./reserve_sql.ts";

type Row = Record<string, unknown>;
type Param = string | number | null;
type Tx = postgres.TransactionSql;

/** What the PostgreSQL store lends to its reservations. */
export interface PostgresUnitHost {
  /** Runs `fn` in one transaction (retried and translated as a store unit). */
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** The store clock, epoch ms. */
  now(): number;
  /** Names the advisory lock space (the schema). */
  space: string;
}

function q(tx: Tx, text: string, params: Param[] = []): Promise<Row[]> {
  return tx.unsafe(
    numbered(text),
    params as postgres.ParameterOrJSON<never>[],
    { prepare: true },
  ) as unknown as Promise<Row[]>;
}

/** 32-bit FNV-1a as a signed int. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** {@linkcode ReservationStore} on PostgreSQL. */
export class PostgresReservations implements ReservationStore {
  #host: PostgresUnitHost;
  #key: number;
  #ready = false;

  constructor(host: PostgresUnitHost) {
    this.#host = host;
    this.#key = hash32(`arc:${host.space}:arcdeno_reserve`);
  }

  /** One unit: the advisory lock, the tables on first use, then `fn`. */
  #unit<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.#host.tx(async (tx) => {
      await tx.unsafe("SELECT pg_advisory_xact_lock($1::int4, 1)", [this.#key]);
      if (!this.#ready) {
        for (const sql of reserveTables(`text COLLATE "C"`)) {
          await tx.unsafe(sql);
        }
        this.#ready = true;
      }
      return await fn(tx);
    });
  }

  async #live(tx: Tx, now: string): Promise<Holder[]> {
    return (await q(tx, LIVE_SQL, [now, now])).map(toHolder);
  }

  async #apply(tx: Tx, plan: Plan, fence: number): Promise<Holder> {
    for (const write of plan.writes) {
      const { text, params } = writeSql(write);
      await q(tx, text, params);
    }
    if (plan.fenceUsed) {
      await q(
        tx,
        `INSERT INTO arcdeno_fence (id, value) VALUES (1, ?)
         ON CONFLICT (id) DO UPDATE SET value = excluded.value`,
        [fence],
      );
    }
    return plan.holder;
  }

  acquire(input: NewReservation): Promise<Reserved> {
    return this.#unit(async (tx) => {
      const nowMs = this.#host.now();
      const now = toIso(nowMs);
      const [row] = await q(tx, "SELECT value FROM arcdeno_fence WHERE id = 1");
      const fence = Number(row?.["value"] ?? 0) + 1;
      const plan = planAcquire(
        await this.#live(tx, now),
        input,
        now,
        toIso(nowMs + input.ttl_sec * 1000),
        fence,
      );
      if ("denied" in plan) return { acquired: false, holder: plan.denied };
      return { acquired: true, holder: await this.#apply(tx, plan, fence) };
    });
  }

  refresh(
    filePath: string,
    owner: string,
    ttlSec: number,
  ): Promise<Holder | null> {
    return this.#unit(async (tx) => {
      const nowMs = this.#host.now();
      const plan = planRefresh(
        await this.#live(tx, toIso(nowMs)),
        filePath,
        owner,
        toIso(nowMs + ttlSec * 1000),
      );
      return plan ? await this.#apply(tx, plan, 0) : null;
    });
  }

  release(filePath: string, owner: string): Promise<Holder | null> {
    return this.#unit(async (tx) => {
      const now = toIso(this.#host.now());
      const plan = planRelease(await this.#live(tx, now), filePath, owner, now);
      return plan ? await this.#apply(tx, plan, 0) : null;
    });
  }

  list(filter: { agentId?: string; activeOnly?: boolean }): Promise<Holder[]> {
    return this.#unit(async (tx) => {
      const { text, params } = listSql(filter, toIso(this.#host.now()));
      return (await q(tx, text, params)).map(toHolder);
    });
  }

  snapshot(agentId: string): Promise<ReservationSnapshot> {
    return this.#unit(async (tx) => {
      const now = toIso(this.#host.now());
      return {
        now,
        live: await this.#live(tx, now),
        past: (await q(tx, PAST_SQL, [agentId, now, agentId, now, agentId]))
          .map(
            toHolder,
          ),
      };
    });
  }

  releaseAgent(agentId: string): Promise<Holder[]> {
    return this.#unit(async (tx) => {
      const now = toIso(this.#host.now());
      const { writes, released } = planReleaseAgent(
        await this.#live(tx, now),
        agentId,
        now,
      );
      for (const write of writes) {
        const { text, params } = writeSql(write);
        await q(tx, text, params);
      }
      return released;
    });
  }
}
