/**
 * Runs the Hono app on `Deno.serve` and shuts it down in order: wake every
 * waiter so long-polls answer and streams end, let in-flight responses
 * finish, then close the store.
 *
 * @module
 */

import type { Hono } from "hono";
import type { Hub } from "../hub/hub.ts";
import { type ArcEnv, closeApp, createApp } from "./app.ts";
import { serveWithIdleTimeout } from "./idle_server.ts";

/** Options for {@linkcode serveHub}. */
export interface ServeOptions {
  /** Where unexpected errors are logged. @default nothing */
  log?: (line: string) => void;
  /** The application to serve. @default createApp(hub) */
  app?: Hono<ArcEnv>;
  /** Runs after the listener has stopped and before the store closes. */
  beforeClose?: () => Promise<void>;
}

/** A listening hub. */
export interface RunningHub extends AsyncDisposable {
  /** Base URL clients use, e.g. `http://127.0.0.1:6969`. */
  readonly url: string;
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Resolves once the server has stopped and the store is closed. */
  readonly finished: Promise<void>;
  /** Stops accepting, finishes in-flight responses and closes the store. */
  shutdown(): Promise<void>;
}

/** Starts serving the hub on its configured address. */
export function serveHub(hub: Hub, options: ServeOptions = {}): RunningHub {
  const app = options.app ?? createApp(hub, options);
  const handler = (req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>) =>
    // The peer's address is read here, for every request: handing over a
    // getter instead (reading it only when the guard needs it) made the
    // JavaScript heap grow by about 200 bytes per request, never freed.
    app.fetch(req, { remoteAddr: info.remoteAddr });
  const { host, port: wanted, idleTimeoutSec } = hub.config;
  const server = idleTimeoutSec > 0
    ? serveWithIdleTimeout({
      hostname: host,
      port: wanted,
      idleTimeoutMs: idleTimeoutSec * 1000,
      ...(options.log ? { log: options.log } : {}),
    }, handler)
    : Deno.serve({ hostname: host, port: wanted, onListen: () => {} }, handler);
  const port = server.addr.port;
  const url = `http://${formatHost(hub.config.host)}:${port}`;
  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      hub.notifier.close();
      // MCP sessions end (and deregister) while the store is still open;
      // their streams would otherwise hold the listener open.
      await closeApp(app);
      await server.shutdown();
      await options.beforeClose?.();
      await hub.close();
    })();
    return stopping;
  };
  const finished = server.finished.then(() => shutdown());
  return {
    url,
    port,
    finished,
    shutdown,
    [Symbol.asyncDispose]: shutdown,
  };
}

/** The host part of a URL clients can use; wildcard binds are reached on loopback. */
export function formatHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
