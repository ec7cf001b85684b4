/**
 * Sessions and agents: register (with strict identity's secret), rename and
 * end a session, list agents, report an agent's status, and the bootstrap
 * bundle a new agent starts from.
 *
 * @module
 */

import { Hono } from "hono";
import type { ArcEnv, RouteContext } from "../context.ts";
import { ok, query } from "../envelope.ts";
import { credentialOf } from "../identity.ts";

/** The session and agent routes. */
export function sessionRoutes(
  { hub, body, identity }: RouteContext,
): Hono<ArcEnv> {
  return new Hono<ArcEnv>()
    .post(
      "/v1/sessions",
      async (c) =>
        ok(
          c,
          await identity.register(
            await body(c),
            credentialOf(c, hub.config.token),
            (input, secretHash) => hub.createSession(input, secretHash),
          ),
          { status: 201 },
        ),
    )
    .post(
      "/v1/sessions/:agent/rename",
      async (c) =>
        ok(c, await hub.renameSession(c.req.param("agent"), await body(c))),
    )
    .delete(
      "/v1/sessions/:id",
      async (c) => ok(c, await hub.deleteSession(c.req.param("id"))),
    )
    .get("/v1/agents", async (c) => ok(c, await hub.listAgents(query(c))))
    .post(
      "/v1/arcdeno/agents/:agent/status",
      async (c) =>
        ok(c, hub.statuses.report(c.req.param("agent"), await body(c))),
    )
    .get("/v1/bootstrap", async (c) => ok(c, await hub.bootstrap(query(c))));
}
