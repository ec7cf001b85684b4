/**
 * A worker for the SQLite race test: it opens its own {@linkcode SqliteStore}
 * on a shared file (a separate connection on a separate thread, as a second
 * hub process would have), waits at a shared barrier, then tries to acquire
 * every key and reports which ones it won.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { rules } from "./_rules.ts";
import { SqliteStore } from "../../src/store/sqlite/store.ts";

/** What the test sends the worker. */
export interface RaceOrder {
  path: string;
  owner: string;
  keys: string[];
  /** Int32Array over a SharedArrayBuffer: [ready count, go flag]. */
  barrier: SharedArrayBuffer;
  /** Fixed epoch ms for the store's clock. */
  now: number;
}

/** What the worker reports back. */
export interface RaceReport {
  owner: string;
  won: string[];
  error?: string;
}

self.onmessage = async (event: MessageEvent<RaceOrder>) => {
  const { path, owner, keys, barrier, now } = event.data;
  const won: string[] = [];
  const store = SqliteStore.open(path, { clock: { now: () => now } });
  try {
    const flags = new Int32Array(barrier);
    Atomics.add(flags, 0, 1);
    Atomics.notify(flags, 0);
    Atomics.wait(flags, 1, 0);
    for (const key of keys) {
      const got = await rules(store).acquireClaim({
        claim_key: key,
        thread_id: null,
        task_message_id: null,
        owner_agent_id: owner,
        ttl_sec: 300,
        metadata: {},
      });
      if (got.acquired) won.push(key);
    }
    self.postMessage({ owner, won } satisfies RaceReport);
  } catch (error) {
    self.postMessage({ owner, won, error: String(error) } satisfies RaceReport);
  } finally {
    await store.close();
  }
};
