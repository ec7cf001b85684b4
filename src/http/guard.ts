/**
 * The access guard, checked on every request that crossed a socket (relay
 * requests are dispatched in-process and skip it):
 *
 * 1. `Host` must name this hub: a loopback name when it listens on loopback,
 *    or an IP literal, loopback name or configured host name otherwise. This
 *    defeats DNS rebinding, where a web page's own domain resolves to
 *    127.0.0.1.
 * 2. A browser request from another origin (`Origin` not matching `Host`, or
 *    `Sec-Fetch-Site: cross-site`) is refused, so a page the operator visits
 *    cannot post into the agents' feeds or take claims.
 * 3. A peer that is not on loopback is refused while remote access is off.
 * 4. With a token configured, a peer that is not on loopback must present it
 *    as `Authorization: Bearer <token>`; loopback peers need not, so local
 *    agents keep working unchanged. The one exception is the dashboard page
 *    itself (`GET /`): it is the same static file for everyone and holds no
 *    data, and a browser cannot add a header to an address typed by hand, so
 *    it is served without the token; the page then asks the operator for the
 *    token and sends it as `Authorization: Bearer` on every call it makes.
 *
 * @module
 */

import { isLoopbackHost } from "../config.ts";
import { ForbiddenError, UnauthorizedError } from "../errors.ts";
import type { Hub } from "../hub/hub.ts";
import { constantTimeEqual } from "../hub/identity.ts";

export { constantTimeEqual };

/** What the guard needs to know about the hub. */
export interface GuardPolicy {
  /** The address the hub listens on. */
  listenHost: string;
  /** Whether non-loopback peers are served. */
  allowRemote: boolean;
  /** Host names (besides IP literals and loopback names) the hub answers to. */
  allowedHosts: readonly string[];
  /** Bearer token required from non-loopback peers, if any. */
  token: string | undefined;
}

/** The hub's current access policy (remote access and the token can change while it runs). */
export function policyOf(hub: Hub): GuardPolicy {
  return {
    listenHost: hub.config.host,
    allowRemote: hub.config.allowRemote,
    allowedHosts: hub.config.allowedHosts,
    token: hub.config.token,
  };
}

/** Throws `ForbiddenError`/`UnauthorizedError` when a request must be refused. */
export function checkAccess(
  req: Request,
  peer: Deno.Addr | undefined,
  policy: GuardPolicy,
): void {
  const host = req.headers.get("host");
  if (host !== null && !hostAllowed(host, policy)) {
    throw new ForbiddenError(
      `refused: Host '${host}' does not name this hub (a browser may have been pointed here by another site); add it with --allowed-host if it is yours`,
    );
  }
  const origin = req.headers.get("origin");
  if (origin !== null && !sameOrigin(origin, host)) {
    throw new ForbiddenError(
      `refused: requests from the web origin '${origin}' are not accepted; only pages served by this hub may call it`,
    );
  }
  if (req.headers.get("sec-fetch-site") === "cross-site") {
    throw new ForbiddenError(
      "refused: cross-site browser requests are not accepted",
    );
  }
  // A hub listening on loopback is reached from loopback only.
  if (listensOnLoopback(policy.listenHost)) return;
  const remote = peer?.transport === "tcp" && !isLoopbackHost(peer.hostname);
  if (!remote) return;
  if (!policy.allowRemote) {
    throw new ForbiddenError(
      `refused: remote access is off on this hub and ${
        (peer as Deno.NetAddr).hostname
      } is not a loopback peer (the operator can turn it on with POST /v1/network on a hub started with --host 0.0.0.0 --allow-remote)`,
    );
  }
  if (policy.token !== undefined && !isDashboardPage(req)) {
    const sent = req.headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)
      ?.[1]?.trim();
    if (sent === undefined || !constantTimeEqual(sent, policy.token)) {
      throw new UnauthorizedError(
        sent === undefined
          ? "this hub requires a bearer token from remote peers: send Authorization: Bearer <token>"
          : "the bearer token is not valid for this hub",
      );
    }
  }
}

/** The last listen address asked about, and whether it is a loopback one. */
let lastListen: { host: string; loopback: boolean } | undefined;

function listensOnLoopback(listenHost: string): boolean {
  if (lastListen?.host !== listenHost) {
    lastListen = { host: listenHost, loopback: isLoopbackHost(listenHost) };
  }
  return lastListen.loopback;
}

/** The dashboard's static page: the same bytes for everyone, no data in it. */
function isDashboardPage(req: Request): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const url = new URL(req.url);
  return url.pathname === "/" && url.search === "";
}

function hostname(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]"));
  const colon = h.lastIndexOf(":");
  return colon >= 0 && h.indexOf(":") === colon ? h.slice(0, colon) : h;
}

function isIpLiteral(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(":");
}

/**
 * The last `Host` judged and the policy it was judged under: a hub's clients
 * send the same one request after request.
 */
let lastJudged:
  | { host: string; policy: GuardPolicy; allowed: boolean }
  | undefined;

function hostAllowed(hostHeader: string, policy: GuardPolicy): boolean {
  const last = lastJudged;
  if (
    last?.host === hostHeader &&
    last.policy.listenHost === policy.listenHost &&
    last.policy.allowedHosts === policy.allowedHosts
  ) return last.allowed;
  const allowed = judgeHost(hostHeader, policy);
  lastJudged = { host: hostHeader, policy, allowed };
  return allowed;
}

function judgeHost(hostHeader: string, policy: GuardPolicy): boolean {
  const name = hostname(hostHeader);
  if (isLoopbackHost(name)) return true;
  if (policy.allowedHosts.some((h) => h.toLowerCase() === name)) return true;
  // A hub on loopback is only ever reached by loopback names.
  if (isLoopbackHost(policy.listenHost)) return false;
  return isIpLiteral(name) || name === policy.listenHost.toLowerCase();
}

function sameOrigin(origin: string, host: string | null): boolean {
  if (host === null) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.trim().toLowerCase();
  } catch {
    return false; // "null" and other opaque origins
  }
}
