/**
 * File reservations on SQLite: each call is one `BEGIN IMMEDIATE` unit with
 * no `await` inside, so the glob scan of live holders and the grant it
 * decides on cannot interleave with another hub process's.
 *
 * @module
 */

import { toIso } from "../time.ts";
import {
  type Holder,
  listSql,
  LIVE_SQL,
  type NewReservation,
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
  type ReserveWrite,
  toHolder,
} from "./reserve.ts";
import { writeSql } from "./reserve_sql.ts";

type Row = Record<string, unknown>;
type Param = string | number | null;

/** What the SQLite store lends to its reservations. */
export interface SqliteUnitHost {
  /** Runs `fn` in one immediate transaction as a store unit. */
  unit<T>(fn: () => T): Promise<T>;
  /** Runs a read (no write lock) as a store unit. */
  read<T>(fn: () => T): Promise<T>;
  all(sql: string, ...params: Param[]): Row[];
  run(sql: string, ...params: Param[]): void;
  /** The store clock, epoch ms. */
  now(): number;
}

/** {@linkcode ReservationStore} on SQLite. */
export class SqliteReservations implements ReservationStore {
  #host: SqliteUnitHost;
  #ready = false;

  constructor(host: SqliteUnitHost) {
    this.#host = host;
  }

  #ensure(): void {
    if (this.#ready) return;
    for (const sql of reserveTables("TEXT")) this.#host.run(sql);
    this.#ready = true;
  }

  #live(now: string): Holder[] {
    return this.#host.all(LIVE_SQL, now, now).map(toHolder);
  }

  #apply(plan: Plan, fence: number): Holder {
    for (const write of plan.writes) this.#write(write);
    if (plan.fenceUsed) {
      this.#host.run(
        `INSERT INTO arcdeno_fence (id, value) VALUES (1, ?)
         ON CONFLICT (id) DO UPDATE SET value = excluded.value`,
        fence,
      );
    }
    return plan.holder;
  }

  #write(write: ReserveWrite): void {
    const { text, params } = writeSql(write);
    this.#host.run(text, ...params);
  }

  acquire(input: NewReservation): Promise<Reserved> {
    return this.#host.unit(() => {
      this.#ensure();
      const nowMs = this.#host.now();
      const now = toIso(nowMs);
      const row =
        this.#host.all("SELECT value FROM arcdeno_fence WHERE id = 1")[0];
      const fence = Number(row?.["value"] ?? 0) + 1;
      const plan = planAcquire(
        this.#live(now),
        input,
        now,
        toIso(nowMs + input.ttl_sec * 1000),
        fence,
      );
      if ("denied" in plan) return { acquired: false, holder: plan.denied };
      return { acquired: true, holder: this.#apply(plan, fence) };
    });
  }

  refresh(
    filePath: string,
    owner: string,
    ttlSec: number,
  ): Promise<Holder | null> {
    return this.#host.unit(() => {
      this.#ensure();
      const nowMs = this.#host.now();
      const plan = planRefresh(
        this.#live(toIso(nowMs)),
        filePath,
        owner,
        toIso(nowMs + ttlSec * 1000),
      );
      return plan ? this.#apply(plan, 0) : null;
    });
  }

  release(filePath: string, owner: string): Promise<Holder | null> {
    return this.#host.unit(() => {
      this.#ensure();
      const now = toIso(this.#host.now());
      const plan = planRelease(this.#live(now), filePath, owner, now);
      return plan ? this.#apply(plan, 0) : null;
    });
  }

  list(filter: { agentId?: string; activeOnly?: boolean }): Promise<Holder[]> {
    return this.#host.read(() => {
      this.#ensure();
      const { text, params } = listSql(filter, toIso(this.#host.now()));
      return this.#host.all(text, ...params).map(toHolder);
    });
  }

  snapshot(agentId: string): Promise<ReservationSnapshot> {
    return this.#host.read(() => {
      this.#ensure();
      const now = toIso(this.#host.now());
      return {
        now,
        live: this.#live(now),
        past: this.#host.all(PAST_SQL, agentId, now, agentId, now, agentId).map(
          toHolder,
        ),
      };
    });
  }

  releaseAgent(agentId: string): Promise<Holder[]> {
    return this.#host.unit(() => {
      this.#ensure();
      const now = toIso(this.#host.now());
      const { writes, released } = planReleaseAgent(
        this.#live(now),
        agentId,
        now,
      );
      for (const write of writes) this.#write(write);
      return released;
    });
  }
}
