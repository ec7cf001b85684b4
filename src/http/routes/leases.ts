/**
 * Claims and file locks, which share one route shape (acquire, refresh,
 * release, list), and the fence check (`arcdeno:reservations`). Acquire and
 * refresh answers carry the protocol's top-level `acquired` field.
 *
 * @module
 */

import { Hono } from "hono";
import type { Query } from "../../hub/params.ts";
import type { JsonObject } from "../../protocol.ts";
import {
  type ArcEnv,
  bodyWithGeneration,
  type RouteContext,
} from "../context.ts";
import { ok, query } from "../envelope.ts";

/** The hub operations behind one kind of lease's routes. */
interface LeaseKind {
  path: "/v1/claims" | "/v1/locks";
  acquire(body: JsonObject): Promise<{ acquired: boolean; row: unknown }>;
  refresh(body: JsonObject): Promise<unknown>;
  release(body: JsonObject): Promise<unknown>;
  list(query: Query): Promise<unknown>;
}

/** The claim, lock and fence routes. */
export function leaseRoutes(ctx: RouteContext): Hono<ArcEnv> {
  const { hub, body } = ctx;
  const app = new Hono<ArcEnv>();
  const kinds: LeaseKind[] = [{
    path: "/v1/claims",
    acquire: (input) => hub.acquireClaim(input),
    refresh: (input) => hub.refreshClaim(input),
    release: (input) => hub.releaseClaim(input),
    list: (q) => hub.listClaims(q),
  }, {
    path: "/v1/locks",
    acquire: (input) => hub.acquireLock(input),
    refresh: (input) => hub.refreshLock(input),
    release: (input) => hub.releaseLock(input),
    list: (q) => hub.listLocks(q),
  }];
  for (const kind of kinds) {
    app.post(kind.path, async (c) => {
      const { acquired, row } = await kind.acquire(
        await bodyWithGeneration(c, ctx),
      );
      return ok(c, row, { status: acquired ? 201 : 200, extra: { acquired } });
    });
    app.post(
      `${kind.path}/refresh`,
      async (c) =>
        ok(c, await kind.refresh(await body(c)), {
          extra: { acquired: true },
        }),
    );
    app.post(
      `${kind.path}/release`,
      async (c) => ok(c, await kind.release(await body(c))),
    );
    app.get(kind.path, async (c) => ok(c, await kind.list(query(c))));
  }
  return app.post(
    "/v1/arcdeno/fence/check",
    async (c) => ok(c, await hub.checkFence(await body(c))),
  );
}
