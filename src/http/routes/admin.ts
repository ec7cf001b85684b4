/**
 * Operator routes: the shutdown timer (status, arm, cancel), remote access
 * (`POST /v1/network`), and `GET /metrics` in the Prometheus text format.
 *
 * @module
 */

import { Hono } from "hono";
import type { ArcEnv, RouteContext } from "../context.ts";
import { ok } from "../envelope.ts";

/** The admin routes. */
export function adminRoutes(
  { hub, body, metrics }: RouteContext,
): Hono<ArcEnv> {
  return new Hono<ArcEnv>()
    .get("/v1/shutdown", (c) => ok(c, hub.shutdownStatus()))
    .post(
      "/v1/shutdown",
      async (c) => ok(c, await hub.armShutdown(await body(c))),
    )
    .post("/v1/shutdown/cancel", async (c) => {
      await body(c);
      return ok(c, await hub.cancelShutdown());
    })
    .post("/v1/network", async (c) => ok(c, hub.setNetwork(await body(c))))
    .get("/metrics", async (c) => {
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
}
