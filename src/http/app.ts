/**
 * The Hono application: every Arc protocol v1 route, the envelopes, the
 * `X-Arc-Instance` header and the remote-peer guard. Routes parse input and
 * call the hub; errors are turned into responses by `src/http/errors.ts`.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import type { Hub } from "../hub/hub.ts";
import type { JsonObject } from "../protocol.ts";
import { describeError, errorResponse } from "./errors.ts";
import { body as readBody, ok, query } from "./envelope.ts";
import { ForbiddenError, ValidationError } from "../errors.ts";
import { checkAccess } from "./guard.ts";
import { credentialOf, identityGuard } from "./identity.ts";
import { Identity } from "../hub/identity.ts";
import { Metrics } from "./metrics.ts";
import { resumeAfter, streamResponse } from "./sse.ts";
import { DASHBOARD_HTML } from "./dashboard.ts";
import { mountApprovals } from "./approvals_routes.ts";
import { mountReceipts } from "./receipts_routes.ts";
import { taskDepRoutes } from "./task_deps_routes.ts";
import { bodyWithGeneration, queueRoutes } from "./queue_routes.ts";
import { exportResponse } from "./export.ts";
import { RateLimiter } from "../hub/rate_limit.ts";

/** What ends with an application: its MCP sessions. */
const closers = new WeakMap<Hono<ArcEnv>, () => Promise<void>>();

/** Ends what `app` holds open (its MCP sessions, deregistering their agents). */
export async function closeApp(app: Hono<ArcEnv>): Promise<void> {
  await closers.get(app)?.();
}

/** Per-request facts from the server (absent for in-process callers). */
export interface ArcEnv {
  Bindings: {
    /** The peer's address; undefined for requests that never crossed a socket. */
    remoteAddr?: Deno.Addr;
    /** Set for requests that arrived through the file relay: the spool directory they came from. */
    relayAgentDir?: string;
  };
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
  const log = options.log ?? (() => {});
  const metrics = options.metrics ?? new Metrics();
  const app = new Hono<ArcEnv>();
  const body = (c: Context): Promise<JsonObject> => readBody(c, hub);
  const limiter = new RateLimiter({
    perSec: hub.config.rateLimitPerSec,
    burst: hub.config.rateBurst,
    now: () => hub.clock.now(),
  });
  hub.runtimeInfo["rate_limit"] = limiter.describe();

  app.use(async (c, next) => {
    // Relay requests are dispatched in-process and never crossed a socket.
    if (c.env?.relayAgentDir === undefined) {
      checkAccess(c.req.raw, c.env?.remoteAddr, {
        listenHost: hub.config.host,
        allowRemote: hub.config.allowRemote,
        allowedHosts: hub.config.allowedHosts,
        token: hub.config.token,
      });
    }
    await next();
  });

  app.onError((error, c) => {
    const { status, message, unexpected, retryAfterSec } = describeError(
      error,
    );
    if (unexpected) {
      log(
        `unexpected error on ${c.req.method} ${new URL(c.req.url).pathname}: ${
          (error as Error)?.stack ?? error
        }`,
      );
    }
    const headers: Record<string, string> = status === 401
      ? { "www-authenticate": 'Bearer realm="arc"' }
      : {};
    if (retryAfterSec !== undefined) {
      headers["retry-after"] = String(retryAfterSec);
      return withInstance(
        errorResponse(status, message, headers, {
          retry_after_sec: retryAfterSec,
        }),
        hub,
      );
    }
    return withInstance(errorResponse(status, message, headers), hub);
  });

  app.notFound((c) =>
    withInstance(
      errorResponse(
        404,
        `not found: ${c.req.method} ${new URL(c.req.url).pathname}`,
      ),
      hub,
    )
  );

  // The instance header goes on every response, including streams; every
  // answer is counted and timed.
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    c.res.headers.set("X-Arc-Instance", hub.instanceId);
    metrics.request(
      c.req.routePath,
      c.req.method,
      c.res.status,
      (performance.now() - started) / 1000,
    );
    if (c.res.status === 201 && c.req.routePath === "/v1/messages") {
      metrics.posted.inc();
    }
  });

  // MCP over Streamable HTTP. Its tool calls come back in through this app
  // (strict identity included); the SDK loads on the first request.
  let mcp: Promise<McpEndpoint> | undefined;
  const loadMcp = options.mcp;
  if (loadMcp) {
    app.all("/mcp", async (c) => {
      mcp ??= loadMcp({
        fetch: async (input, init) => await app.fetch(new Request(input, init)),
        log,
        idleMs: hub.config.mcpIdleSec * 1000,
        now: () => hub.clock.now(),
        maxRequestBytes: hub.config.maxRequestBytes,
      });
      return await (await mcp).handle(c.req.raw);
    });
  }
  closers.set(app, async () => await (await mcp)?.close());

  // Strict agent identity (a no-op unless the hub runs with it).
  const identity = new Identity(hub.store, hub.config, { clock: hub.clock });
  app.use(identityGuard(identity, {
    maxRequestBytes: hub.config.maxRequestBytes,
    token: () => hub.config.token,
  }));

  app.get("/metrics", async (c) => {
    const [sessions, claims, locks] = await Promise.all([
      hub.store.sessions.listActive(),
      hub.store.leases.claims({ activeOnly: true }),
      hub.store.leases.locks({ activeOnly: true }),
    ]);
    const relay = hub.relayStats?.();
    return c.text(
      metrics.render({
        longPolls: hub.waiting.longPolls,
        streams: hub.waiting.streams,
        liveSessions: sessions.length,
        activeClaims: claims.length,
        activeLocks: locks.length,
        ...(relay ? { relay } : {}),
      }),
      200,
      { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
    );
  });

  app.get("/", (c) => c.html(DASHBOARD_HTML));

  // ── sessions and agents ────────────────────────────────────────────
  app.post(
    "/v1/sessions",
    async (c) =>
      ok(
        c,
        await identity.register(
          await body(c),
          credentialOf(c, hub.config.token),
          (input, secretHash) => hub.createSession(input, secretHash),
        ),
        201,
      ),
  );
  app.post(
    "/v1/sessions/:agent/rename",
    async (c) =>
      ok(c, await hub.renameSession(c.req.param("agent"), await body(c))),
  );
  app.delete(
    "/v1/sessions/:id",
    async (c) => ok(c, await hub.deleteSession(c.req.param("id"))),
  );
  app.get("/v1/agents", async (c) => ok(c, await hub.listAgents(query(c))));
  app.post(
    "/v1/arcdeno/agents/:agent/status",
    async (c) =>
      ok(c, hub.statuses.report(c.req.param("agent"), await body(c))),
  );
  app.get("/v1/bootstrap", async (c) => ok(c, await hub.bootstrap(query(c))));

  // ── channels and hub info ──────────────────────────────────────────
  app.get("/v1/channels", async (c) => ok(c, await hub.listChannels()));
  app.post("/v1/channels", async (c) => {
    const { channel, created } = await hub.createChannel(await body(c));
    return ok(c, channel, created ? 201 : 200);
  });
  app.get("/v1/hub-info", (c) => ok(c, hub.hubInfo()));

  // ── messages ───────────────────────────────────────────────────────
  app.post("/v1/messages", async (c) => {
    const input = await body(c);
    if (typeof input["from_agent"] === "string") {
      limiter.take(input["from_agent"].trim());
    }
    return ok(c, await hub.postMessage(input), 201);
  });
  app.get(
    "/v1/messages",
    async (c) => ok(c, await hub.readMessages(query(c), c.req.raw.signal)),
  );
  app.get(
    "/v1/events",
    async (c) => ok(c, await hub.events(query(c), c.req.raw.signal)),
  );
  app.get(
    "/v1/inbox/:agent",
    async (c) => ok(c, await hub.inbox(c.req.param("agent"), query(c))),
  );
  app.get("/v1/stream", (c) => {
    const q = query(c);
    const agentId = q.get("agent_id");
    if (!agentId) {
      throw new ValidationError("agent_id query parameter is required");
    }
    const channels = (q.get("channels") ?? "").split(",").map((s) => s.trim())
      .filter(Boolean);
    return streamResponse(hub, {
      agentId,
      channels,
      sinceId: resumeAfter(c.req.raw.headers, q.sinceId()),
      excludeSelf: q.flag("exclude_self"),
    }, c.req.raw.signal);
  });

  app.get(
    "/v1/arcdeno/search",
    async (c) => ok(c, await hub.search.search(query(c))),
  );

  // ── threads ────────────────────────────────────────────────────────
  app.get("/v1/threads", async (c) => ok(c, await hub.listThreads()));
  app.get(
    "/v1/threads/:id",
    async (c) => ok(c, await hub.getThread(c.req.param("id"))),
  );

  // ── claims and locks ───────────────────────────────────────────────
  app.post("/v1/claims", async (c) => {
    const { acquired, row } = await hub.acquireClaim(
      await bodyWithGeneration(c, body),
    );
    return c.json({ ok: true, acquired, result: row }, acquired ? 201 : 200);
  });
  app.post("/v1/claims/refresh", async (c) => {
    const row = await hub.refreshClaim(await body(c));
    return c.json({ ok: true, acquired: true, result: row });
  });
  app.post(
    "/v1/claims/release",
    async (c) => ok(c, await hub.releaseClaim(await body(c))),
  );
  app.get("/v1/claims", async (c) => ok(c, await hub.listClaims(query(c))));
  app.post("/v1/locks", async (c) => {
    const { acquired, row } = await hub.acquireLock(
      await bodyWithGeneration(c, body),
    );
    return c.json({ ok: true, acquired, result: row }, acquired ? 201 : 200);
  });
  app.post("/v1/locks/refresh", async (c) => {
    const row = await hub.refreshLock(await body(c));
    return c.json({ ok: true, acquired: true, result: row });
  });
  app.post(
    "/v1/locks/release",
    async (c) => ok(c, await hub.releaseLock(await body(c))),
  );
  app.get("/v1/locks", async (c) => ok(c, await hub.listLocks(query(c))));
  app.post(
    "/v1/arcdeno/fence/check",
    async (c) => ok(c, await hub.checkFence(await body(c))),
  );

  // ── tasks ──────────────────────────────────────────────────────────
  app.get("/v1/tasks", async (c) => ok(c, await hub.listTasks(query(c))));
  app.post("/v1/tasks/:id{[0-9]+}/complete", async (c) => {
    const { task, parentCompleted } = await hub.completeTask(
      Number(c.req.param("id")),
      await bodyWithGeneration(c, body),
    );
    return c.json(
      parentCompleted
        ? { ok: true, result: task, parent_completed: true }
        : { ok: true, result: task },
    );
  });

  taskDepRoutes(app, hub, body);
  queueRoutes(app, hub, body);
  // ── vendor: export ──────────────────────────────────────────────────
  app.get("/v1/arcdeno/export", (c) => {
    if (identity.strict) {
      // An export holds every agent's direct messages; strict identity
      // promises a DM only to its two parties.
      throw new ForbiddenError(
        "export over HTTP is off while strict identity is on: it would show every agent's direct messages; run 'arc export --storage <file>' (or --database) where the hub's data lives",
      );
    }
    return exportResponse(hub, query(c));
  });

  // ── admin ──────────────────────────────────────────────────────────
  app.get("/v1/shutdown", (c) => ok(c, hub.shutdownStatus()));
  app.post(
    "/v1/shutdown",
    async (c) => ok(c, await hub.armShutdown(await body(c))),
  );
  app.post("/v1/shutdown/cancel", async (c) => {
    await body(c);
    return ok(c, await hub.cancelShutdown());
  });
  app.post(
    "/v1/network",
    async (c) => ok(c, hub.setNetwork(await body(c))),
  );

  mountReceipts(app, hub);
  mountApprovals(app, hub);

  return app;
}

function withInstance(response: Response, hub: Hub): Response {
  response.headers.set("X-Arc-Instance", hub.instanceId);
  return response;
}
