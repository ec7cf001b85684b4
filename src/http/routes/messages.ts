/**
 * Messages: post (under the per-agent rate limit), read by cursor and
 * long-poll, the events feed, an agent's inbox, the server-sent event
 * stream, and search (`arcdeno:search`).
 *
 * @module
 */

import { Hono } from "hono";
import { ValidationError } from "../../errors.ts";
import type { ArcEnv, RouteContext } from "../context.ts";
import { ok, query } from "../envelope.ts";
import { resumeAfter, streamResponse } from "../sse.ts";

/** The message routes. */
export function messageRoutes(
  { hub, body, limiter }: RouteContext,
): Hono<ArcEnv> {
  return new Hono<ArcEnv>()
    .post("/v1/messages", async (c) => {
      const input = await body(c);
      if (typeof input["from_agent"] === "string") {
        limiter.take(input["from_agent"].trim());
      }
      return ok(c, await hub.postMessage(input), { status: 201 });
    })
    .get(
      "/v1/messages",
      async (c) => ok(c, await hub.readMessages(query(c), c.req.raw.signal)),
    )
    .get(
      "/v1/events",
      async (c) => ok(c, await hub.events(query(c), c.req.raw.signal)),
    )
    .get(
      "/v1/inbox/:agent",
      async (c) => ok(c, await hub.inbox(c.req.param("agent"), query(c))),
    )
    .get("/v1/stream", (c) => {
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
    })
    .get(
      "/v1/arcdeno/search",
      async (c) => ok(c, await hub.search.search(query(c))),
    );
}
