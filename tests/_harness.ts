/**
 * In-process test hub: the real {@linkcode Hub} on a real SQLite file in a
 * temporary directory (or on PostgreSQL, with `--database URL` among its
 * flags), opened as `arc serve` opens it, with the real Hono app around it,
 * on a clock the test moves. Requests go through `app.request(...)` (no socket, no process), so
 * expiry, TTL and presence tests advance time instead of sleeping.
 *
 * ```ts
 * await using hub = await inProcessHub({ args: ["--presence-ttl", "5"] });
 * await must(hub, "POST", "/v1/sessions", { agent_id: "a" });
 * await hub.advance(6_000); // the clock jumps and the presence sweep runs
 * ```
 *
 * `hub.api` answers like {@linkcode startHub}'s, so a test switches by
 * changing one line. `hub.url` serves the same app with `Deno.serve` on a free
 * loopback port on first use, for the client library, SSE and plain `fetch`.
 * Tests of the process itself (lifecycle, relay, crash, MCP stdio, multiple
 * hubs on one file, CLI) keep using `startHub`.
 *
 * @module
 */

import type { Hono } from "hono";
import { type ArcEnv, closeApp, createApp } from "../src/http/app.ts";
import { type RunningHub, serveHub } from "../src/http/server.ts";
import { Hub } from "../src/hub/hub.ts";
import { openStore, parseServeFlags } from "../src/cli/serve.ts";
import { resolveConfig } from "../src/config.ts";
import { RelayServer } from "../src/relay/server.ts";
import { inProcessDispatch } from "../src/relay/dispatch.ts";
import type { Clock } from "../src/time.ts";
import { exchange, type HubLike, hubStorage, type Reply } from "./_util.ts";

/**
 * A clock that stands still until the test moves it with
 * {@linkcode TestClock.advance}, so nothing expires behind the test's back
 * (the hub's own sweeper still runs on real timers, but finds the same time).
 * It starts at the current wall time, on a whole second, as wire timestamps
 * are whole seconds.
 */
export class TestClock implements Clock {
  #now: number;

  constructor(startMs: number = Math.floor(Date.now() / 1000) * 1000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** Moves the time `ms` forward. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance by ${ms} ms`);
    this.#now += ms;
  }
}

/** Options for {@linkcode inProcessHub}. */
export interface InProcessHubOptions {
  /** The clock the hub and its store read. @default a new {@linkcode TestClock} */
  clock?: TestClock;
  /** `arc serve` flags, as for `startHub` (`--port` and `--storage` are set here). */
  args?: string[];
  /** Reuse this directory (and its database) instead of a new temp dir. */
  dir?: string;
  /**
   * Also serve the file relay on `<dir>/spool`, in this process, rescanning
   * every `rescanMs`. @default no relay
   */
  relay?: { rescanMs?: number };
}

/** A hub running inside the test process. */
export interface InProcessHub extends HubLike, AsyncDisposable {
  /** The clock the hub reads; `advance` it, or call {@linkcode InProcessHub.advance}. */
  readonly clock: TestClock;
  /** The hub itself, for rules the HTTP surface does not reach. */
  readonly hub: Hub;
  /** The application requests go through. */
  readonly app: Hono<ArcEnv>;
  /**
   * Writes the presence touches already queued, moves the clock `ms` forward
   * and runs one presence sweep, as the hub's sweeper would have within that
   * time (sessions expire, their claims and locks are recovered, approvals
   * and handed-out tasks expire).
   */
  advance(ms: number): Promise<void>;
}

/** The peer every in-process request appears to come from. */
const LOOPBACK_PEER: Deno.NetAddr = {
  transport: "tcp",
  hostname: "127.0.0.1",
  port: 40_000,
};

/** Builds a hub in this process; dispose it with `await using`. */
export async function inProcessHub(
  options: InProcessHubOptions = {},
): Promise<InProcessHub> {
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "arc-test-" });
  const storage = hubStorage(dir);
  const clock = options.clock ?? new TestClock();
  let log = "";
  const write = (line: string) => log += `${line}\n`;
  const flags = parseServeFlags([
    "--storage",
    storage,
    "--spool-dir",
    `${dir}/spool`,
    ...(options.args ?? []),
    "--port",
    "0",
  ]);
  const config = resolveConfig(flags);
  const store = await openStore(config, { clock });
  let hub: Hub;
  try {
    hub = await Hub.create(config, store, { log: write, clock });
  } catch (error) {
    await store.close();
    throw error;
  }
  const app = createApp(hub, {
    log: write,
    mcp: async (o) =>
      new (await import("../src/mcp/http_route.ts")).McpSessions(o),
  });
  let relay: RelayServer | undefined;
  if (options.relay) {
    relay = new RelayServer({
      spoolDir: config.spoolDir,
      dispatch: inProcessDispatch((req, env) => app.fetch(req, env)),
      log: write,
      storage: { id: hub.instanceId, label: storage },
      maxFileBytes: config.maxRequestBytes + 65_536,
      clock,
      ...(options.relay.rescanMs ? { rescanMs: options.relay.rescanMs } : {}),
    });
    await relay.start();
    hub.extraFeatures.add("relay");
  }
  let served: RunningHub | undefined;
  let closed: Promise<void> | undefined;
  const api = (
    method: string,
    path: string,
    body?: unknown,
    headers?: HeadersInit,
  ): Promise<Reply> =>
    exchange(
      async (init) =>
        await app.request(path, init, { remoteAddr: LOOPBACK_PEER }),
      method,
      body,
      headers,
    );
  return {
    clock,
    hub,
    app,
    dir,
    storage,
    get url() {
      served ??= serveHub(hub, {
        app,
        log: write,
        beforeClose: async () => await relay?.close(),
      });
      return served.url;
    },
    output: () => log,
    api,
    async advance(ms) {
      // Touches already queued belong to the time before the jump.
      await hub.sweep();
      clock.advance(ms);
      await hub.sweep();
    },
    [Symbol.asyncDispose]() {
      closed ??= (async () => {
        if (served) await served.shutdown();
        else {
          hub.notifier.close();
          await closeApp(app);
          await relay?.close();
          await hub.close();
        }
        if (!options.dir) {
          await Deno.remove(dir, { recursive: true }).catch(() => {});
        }
      })();
      return closed;
    },
  };
}
