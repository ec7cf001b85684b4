/**
 * What every route module is given: the hub and the request-level services
 * the app builds once (body reader, strict identity, rate limiter, metrics,
 * log), and the shape a route module has.
 *
 * @module
 */

import type { Context, Hono } from "hono";
import type { Hub } from "../hub/hub.ts";
import { Identity } from "../hub/identity.ts";
import { GENERATION_HEADER, withGenerationHeader } from "../hub/queue.ts";
import { RateLimiter } from "../hub/rate_limit.ts";
import type { JsonObject } from "../protocol.ts";
import { readJsonObject } from "./body.ts";
import { Metrics } from "./metrics.ts";

/** Per-request facts from the server (absent for in-process callers). */
export interface ArcEnv {
  Bindings: {
    /** The peer's address; undefined for requests that never crossed a socket. */
    remoteAddr?: Deno.Addr;
    /** Set for requests that arrived through the file relay: the spool directory they came from. */
    relayAgentDir?: string;
  };
}

/** What the routes of every area share. */
export interface RouteContext {
  /** The hub the routes serve. */
  readonly hub: Hub;
  /** The request's JSON object body, within the hub's request size limit. */
  body(c: Context): Promise<JsonObject>;
  /** Strict agent identity (a no-op unless the hub runs with it). */
  readonly identity: Identity;
  /** The per-agent limit on posting. */
  readonly limiter: RateLimiter;
  /** The registry every answer is recorded into. */
  readonly metrics: Metrics;
  /** Where unexpected errors are logged. */
  readonly log: (line: string) => void;
}

/** One area's routes: a Hono app that the application mounts at its root. */
export type RouteModule = (ctx: RouteContext) => Hono<ArcEnv>;

/** Options for {@linkcode routeContext}. */
export interface RouteContextOptions {
  /** Logs unexpected errors. @default nothing */
  log?: (line: string) => void;
  /** The metrics registry to record into. @default a new one */
  metrics?: Metrics;
}

/** Builds the shared context once per application; reports the rate limit in `hub-info`. */
export function routeContext(
  hub: Hub,
  options: RouteContextOptions = {},
): RouteContext {
  const limiter = new RateLimiter({
    perSec: hub.config.rateLimitPerSec,
    burst: hub.config.rateBurst,
    now: () => hub.clock.now(),
  });
  hub.runtimeInfo["rate_limit"] = limiter.describe();
  return {
    hub,
    body: (c) => readJsonObject(c.req.raw, hub.config.maxRequestBytes),
    identity: new Identity(hub.store, hub.config, { clock: hub.clock }),
    limiter,
    metrics: options.metrics ?? new Metrics(),
    log: options.log ?? (() => {}),
  };
}

/** The request body with the `X-Arcdeno-Generation` header folded in. */
export async function bodyWithGeneration(
  c: Context,
  ctx: RouteContext,
): Promise<JsonObject> {
  return withGenerationHeader(
    await ctx.body(c),
    c.req.header(GENERATION_HEADER),
  );
}
