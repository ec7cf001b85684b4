/**
 * An HTTP server that closes connections with nothing to do. `Deno.serve`
 * keeps a connection open for as long as the client likes, even one that
 * never sends a request (or sends its headers a byte at a time), so a peer
 * could hold thousands of sockets for nothing. Here the hub accepts each
 * connection itself and serves it with Deno's own HTTP engine (the same one
 * `Deno.serve` uses, one instance per connection), counting the requests in
 * progress on it. A connection that has had none in progress for the idle
 * timeout is closed: one that never completed its first request's headers,
 * and a kept-alive one between requests. A long-poll or an SSE stream is a
 * request in progress, so it is never cut, however quiet.
 *
 * The per-connection engine is reached through `Deno[Deno.internal]`, which
 * Deno does not promise to keep; where it is missing the server falls back
 * to plain `Deno.serve` without the timeout and says so through `log`.
 *
 * @module
 */

import { every } from "../timers.ts";

/** Options for {@linkcode serveWithIdleTimeout}. */
export interface IdleServeOptions {
  hostname: string;
  port: number;
  /** Close a connection after this many milliseconds with no request in progress. */
  idleTimeoutMs: number;
  /** Where a fallback or an accept failure is reported. @default nothing */
  log?: (line: string) => void;
}

/** The part of `Deno.HttpServer` the hub uses. */
export interface IdleServer {
  readonly addr: Deno.NetAddr;
  readonly finished: Promise<void>;
  /** Stops accepting, lets requests in progress finish, then closes every connection. */
  shutdown(): Promise<void>;
  /** Connections open now (for tests and metrics). */
  readonly connections: number;
}

type ServeOnConnection = (
  conn: Deno.Conn,
  signal: AbortSignal | undefined,
  handler: Deno.ServeHandler<Deno.NetAddr>,
  onError: (error: unknown) => Response | Promise<Response>,
  onListen: () => void,
) => { finished: Promise<void>; shutdown(): Promise<void> };

interface Tracked {
  inFlight: number;
  idleSince: number;
  closing: boolean;
  server: { finished: Promise<void>; shutdown(): Promise<void> };
}

/** The per-connection HTTP engine, when this Deno has it. */
function serveOnConnection(): ServeOnConnection | undefined {
  const deno = Deno as unknown as Record<symbol, unknown> & {
    internal?: symbol;
  };
  const internal = deno.internal === undefined
    ? undefined
    : deno[deno.internal] as Record<string, unknown> | undefined;
  const fn = internal?.["serveHttpOnConnection"];
  return typeof fn === "function" ? fn as ServeOnConnection : undefined;
}

/**
 * Serves `handler` on `hostname:port`, closing idle connections.
 *
 * @throws whatever `Deno.listen` throws (address in use, not permitted)
 */
export function serveWithIdleTimeout(
  options: IdleServeOptions,
  handler: Deno.ServeHandler<Deno.NetAddr>,
): IdleServer {
  const log = options.log ?? (() => {});
  const serveOn = serveOnConnection();
  if (!serveOn) {
    log(
      "warning: this Deno offers no per-connection HTTP server, so idle connections are not closed (--idle-timeout has no effect)",
    );
    const server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      onListen: () => {},
    }, handler);
    return {
      addr: server.addr,
      finished: server.finished,
      shutdown: () => server.shutdown(),
      connections: 0,
    };
  }
  const listener = Deno.listen({
    hostname: options.hostname,
    port: options.port,
  });
  const open = new Set<Tracked>();
  const onError = (error: unknown) => {
    log(`unexpected error while serving a request: ${error}`);
    return new Response("Internal Server Error", { status: 500 });
  };
  let stopping = false;
  const close = (t: Tracked) => {
    if (t.closing) return;
    t.closing = true;
    t.server.shutdown().catch(() => {});
  };
  const sweepMs = Math.max(50, Math.min(1000, options.idleTimeoutMs / 5));
  const sweeper = every(sweepMs, () => {
    const cutoff = performance.now() - options.idleTimeoutMs;
    for (const t of open) {
      if (t.inFlight === 0 && t.idleSince <= cutoff) close(t);
    }
  });
  const serveConn = (conn: Deno.Conn) => {
    const t: Tracked = {
      inFlight: 0,
      idleSince: performance.now(),
      closing: false,
      server: undefined as unknown as Tracked["server"],
    };
    const done = () => {
      if (--t.inFlight === 0) t.idleSince = performance.now();
    };
    t.server = serveOn(
      conn,
      undefined,
      (req, info) => {
        t.inFlight++;
        info.completed.then(done, done);
        return handler(req, info);
      },
      onError,
      () => {},
    );
    open.add(t);
    t.server.finished.catch(() => {}).finally(() => open.delete(t));
  };
  const accepting = (async () => {
    while (!stopping) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (stopping || error instanceof Deno.errors.BadResource) return;
        // Out of file descriptors and the like: wait, then accept again.
        log(`accepting a connection failed: ${error}`);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      try {
        serveConn(conn);
      } catch (error) {
        log(`serving a connection failed: ${error}`);
        try {
          conn.close();
        } catch { /* already closed */ }
      }
    }
  })();
  let stopped: Promise<void> | undefined;
  let resolveFinished: () => void;
  const finished = new Promise<void>((r) => resolveFinished = r);
  const shutdown = () => {
    stopped ??= (async () => {
      stopping = true;
      try {
        listener.close();
      } catch { /* already closed */ }
      await accepting;
      sweeper.stop();
      await Promise.allSettled(
        [...open].map((t) => {
          close(t);
          return t.server.finished;
        }),
      );
      resolveFinished();
    })();
    return stopped;
  };
  return {
    addr: listener.addr as Deno.NetAddr,
    finished,
    shutdown,
    get connections() {
      return open.size;
    },
  };
}
