/**
 * Strict agent identity at the HTTP edge: finds every agent a request acts
 * as and asks {@linkcode Identity} whether the request may. The audit of the
 * protocol's routes:
 *
 * - body or query fields `agent_id`, `from_agent`, `owner_agent_id`,
 *   `created_by` and `as` (any route, so routes added later are covered);
 * - the path of `POST /v1/sessions/{agent}/rename`,
 *   `GET /v1/inbox/{agent}` and `POST /v1/arcdeno/agents/{agent}/status`;
 * - `DELETE /v1/sessions/{id}`: the agent whose active session it is;
 * - `POST /v1/sessions` is checked by the registration rule instead;
 * - `GET /v1/locks?agent_id=` is a filter over a public listing, and
 *   `POST /v1/arcdeno/fence/check` a question about an agent's reservations:
 *   neither is an act, and neither is checked.
 *
 * The secret travels in `X-Arcdeno-Secret`, or in `Authorization: Bearer`.
 * When both are sent, the vendor header is the secret and `Authorization`
 * is left to the remote-access token (`src/http/guard.ts`); a bearer value
 * equal to the hub's token is never taken for a secret. Relay requests carry
 * no headers: the spool directory they came from (set in the request's
 * environment by the in-process dispatch, which no HTTP caller can reach) is
 * their credential.
 *
 * @module
 */

import type { Context } from "hono";
import type { Credential, Identity } from "../hub/identity.ts";
import { isObject, Query, toStr } from "../hub/params.ts";
import type { JsonObject } from "../protocol.ts";
import type { ArcEnv } from "./context.ts";
import { readJsonObject } from "./body.ts";
import { constantTimeEqual } from "./guard.ts";

/** The vendor header that carries an agent's session secret. */
export const SECRET_HEADER = "X-Arcdeno-Secret";

/** Fields whose value names the agent a request acts as. */
export const ACTING_FIELDS = [
  "agent_id",
  "from_agent",
  "owner_agent_id",
  "created_by",
  "as",
] as const;

/** What the request offers as proof of identity. */
export function credentialOf(
  c: Context<ArcEnv>,
  token: string | undefined,
): Credential {
  const relayDir = c.env?.relayAgentDir;
  if (relayDir !== undefined) return { relayDir };
  const headers = c.req.raw.headers;
  const vendor = headers.get(SECRET_HEADER)?.trim();
  if (vendor) return { secret: vendor };
  const bearer = headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1]
    ?.trim();
  if (bearer && !(token !== undefined && constantTimeEqual(bearer, token))) {
    return { secret: bearer };
  }
  return {};
}

/**
 * Refuses (403) a request that acts as an agent it cannot prove it is. The
 * gate calls it only while strict identity is on (without it every agent is
 * allowed, `Identity.authorize`), so it does not look again.
 */
export async function authorizeActing(
  c: Context<ArcEnv>,
  identity: Identity,
  options: { maxRequestBytes: number; token: string | undefined },
): Promise<void> {
  const agents = await actingAgents(c, identity, options.maxRequestBytes);
  const credential = credentialOf(c, options.token);
  for (const agentId of agents) {
    await identity.authorize(agentId, credential);
  }
}

async function actingAgents(
  c: Context<ArcEnv>,
  identity: Identity,
  maxRequestBytes: number,
): Promise<Set<string>> {
  const method = c.req.method;
  const url = new URL(c.req.url);
  const path = url.pathname;
  const agents = new Set<string>();
  if (method === "POST" && path === "/v1/sessions") return agents;
  // A question about an agent, not an act: the git guard asks it for a
  // committer who holds no session secret.
  if (method === "POST" && path === "/v1/arcdeno/fence/check") return agents;
  const segment = (re: RegExp) => {
    const raw = path.match(re)?.[1];
    if (raw === undefined) return undefined;
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  };
  const renamed = method === "POST"
    ? segment(/^\/v1\/sessions\/([^/]+)\/rename$/)
    : undefined;
  if (renamed) agents.add(renamed);
  const inbox = method === "GET"
    ? segment(/^\/v1\/inbox\/([^/]+)$/)
    : undefined;
  if (inbox) agents.add(inbox);
  const reporting = method === "POST"
    ? segment(/^\/v1\/arcdeno\/agents\/([^/]+)\/status$/)
    : undefined;
  if (reporting) agents.add(reporting);
  const deleted = method === "DELETE"
    ? segment(/^\/v1\/sessions\/([^/]+)$/)
    : undefined;
  if (deleted) {
    const owner = await identity.activeSessionAgent(deleted);
    if (owner !== null) agents.add(owner);
  }
  const filterOnly = method === "GET" && path === "/v1/locks";
  if (!filterOnly) {
    const query = new Query(url.searchParams);
    for (const field of ACTING_FIELDS) {
      const value = query.get(field)?.trim();
      if (value) agents.add(value);
    }
  }
  if (method !== "GET" && method !== "HEAD" && c.req.raw.body !== null) {
    let body: JsonObject;
    try {
      body = await readJsonObject(c.req.raw.clone(), maxRequestBytes);
    } catch {
      return agents; // the route reports the bad body itself
    }
    for (const field of ACTING_FIELDS) {
      const value = body[field];
      if (value === undefined || value === null || isObject(value)) continue;
      if (Array.isArray(value)) continue;
      const name = toStr(value, field).trim();
      if (name) agents.add(name);
    }
  }
  return agents;
}
