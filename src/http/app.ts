/**
 * The Hono application, assembled: `/mcp` and every area's route module
 * (`./routes/`), each handler wrapped in the gate (`./gate.ts`: the access
 * guard, strict identity, the `X-Arc-Instance` header and request metrics).
 * Errors thrown anywhere, and routes that do not exist, are answered by one
 * function, {@linkcode respondToError}.
 *
 * @module
 */

import { Hono } from "hono";
import type { Hub } from "../hub/hub.ts";
import { NotFoundError } from "../errors.ts";
import { CachingRouter } from "./router.ts";
import { type ArcEnv, routeContext } from "./context.ts";
import { respondToError } from "./errors.ts";
import { gate } from "./gate.ts";
import type { Metrics } from "./metrics.ts";
import { ROUTE_MODULES } from "./routes/mod.ts";

export type { ArcEnv };

/** What ends with an application: its MCP sessions. */
const closers = new WeakMap<Hono<ArcEnv>, () => Promise<void>>();

/** Ends what `app` holds open (its MCP sessions, deregistering their agents). */
export async function closeApp(app: Hono<ArcEnv>): Promise<void> {
  await closers.get(app)?.();
}

/**
 * The hub's MCP endpoint at `/mcp`. It lives above HTTP (`src/mcp/`), so
 * whoever serves the app passes in a way to load it.
 */
export interface McpEndpoint {
  handle(request: Request): Promise<Response>;
  /** Ends every MCP session (deregistering their agents). */
  close(): Promise<void>;
}

/** What the MCP endpoint is given: the app's own fetch (its tool calls come back in through it) and the hub's limits. */
export interface McpEndpointOptions {
  fetch: (
    input: string | URL | Request,
    init?: RequestInit,
  ) => Promise<Response>;
  log: (line: string) => void;
  idleMs: number;
  maxRequestBytes: number;
  /** The hub's clock, for idle time. */
  now: () => number;
}

/** Options for {@linkcode createApp}. */
export interface AppOptions {
  /** Loads the MCP endpoint on the first `/mcp` request. @default no `/mcp` */
  mcp?: (options: McpEndpointOptions) => Promise<McpEndpoint>;
  /** Logs unexpected errors. @default nothing */
  log?: (line: string) => void;
  /** The metrics registry to record into. @default a new one */
  metrics?: Metrics;
}

/** Builds the HTTP application for a hub. */
export function createApp(hub: Hub, options: AppOptions = {}): Hono<ArcEnv> {
  const ctx = routeContext(hub, options);
  const answered = { instanceId: hub.instanceId, log: ctx.log };
  const through = gate(hub, ctx, answered);
  const notFound = through("/*", (c) => {
    const { method, url } = c.req.raw;
    throw new NotFoundError(`not found: ${method} ${new URL(url).pathname}`);
  });
  const app = new Hono<ArcEnv>({ router: new CachingRouter() })
    .onError((error, c) => respondToError(error, c.req.raw, answered))
    .notFound((c) => notFound(c, async () => {}) as Promise<Response>);

  // MCP over Streamable HTTP. Its tool calls come back in through this app
  // (strict identity included); the SDK loads on the first request.
  let mcp: Promise<McpEndpoint> | undefined;
  const loadMcp = options.mcp;
  if (loadMcp) {
    app.all(
      "/mcp",
      through("/mcp", async (c) => {
        mcp ??= loadMcp({
          fetch: async (input, init) =>
            await app.fetch(new Request(input, init)),
          log: ctx.log,
          idleMs: hub.config.mcpIdleSec * 1000,
          now: () => hub.clock.now(),
          maxRequestBytes: hub.config.maxRequestBytes,
        });
        return await (await mcp).handle(c.req.raw);
      }, { identity: false }),
    );
  }
  closers.set(app, async () => await (await mcp)?.close());

  for (const routes of ROUTE_MODULES) {
    for (const { method, path, handler } of routes(ctx).routes) {
      app.on(method, path, through(path, handler));
    }
  }
  return app;
}
