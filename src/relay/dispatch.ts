/**
 * The two ways a relay reaches a hub: in-process through the hub's own
 * `fetch` handler (no loopback hop, so it works whatever the hub listens on),
 * or over HTTP to a hub elsewhere (`arc relay --base-url`).
 *
 * @module
 */

import type { Dispatch, Dispatched } from "./server.ts";
import { RELAY_STATUS, type RelayRequest } from "./spool.ts";

/** Facts an in-process request carries instead of a socket address. */
export interface RelayEnv {
  /** The spool directory the request came from. */
  relayAgentDir: string;
}

/** Dispatches into a fetch-style handler in the same process. */
export function inProcessDispatch(
  handler: (request: Request, env: RelayEnv) => Response | Promise<Response>,
): Dispatch {
  return async (request, agentDir) => {
    const response = await handler(toRequest("http://relay.invalid", request), {
      relayAgentDir: agentDir,
    });
    return await readReply(response);
  };
}

/** Options for {@linkcode httpDispatch}. */
export interface HttpDispatchOptions {
  /** Bearer token for hubs that require one. */
  token?: string;
  /** Longest wait for one request, in ms (long-polls last up to 60 s). @default 90000 */
  timeoutMs?: number;
}

/** Dispatches over HTTP to a hub at `baseUrl`. */
export function httpDispatch(
  baseUrl: string,
  options: HttpDispatchOptions = {},
): Dispatch {
  const base = baseUrl.replace(/\/+$/, "");
  return async (request) => {
    const req = toRequest(base, request, options.token);
    try {
      const response = await fetch(req, {
        signal: AbortSignal.timeout(options.timeoutMs ?? 90_000),
      });
      return await readReply(response);
    } catch (error) {
      return {
        status: RELAY_STATUS.unreachable,
        body: {
          ok: false,
          error: `connection error: could not reach ${base}: ${
            (error as Error).message
          }`,
        },
      };
    }
  };
}

function toRequest(
  base: string,
  request: RelayRequest,
  token?: string,
): Request {
  const headers: Record<string, string> = {};
  if (token) headers["authorization"] = `Bearer ${token}`;
  const hasBody = request.body !== null && request.method !== "GET" &&
    request.method !== "HEAD";
  if (hasBody) headers["content-type"] = "application/json";
  return new Request(`${base}${request.path}`, {
    method: request.method,
    headers,
    ...(hasBody ? { body: JSON.stringify(request.body) } : {}),
  });
}

async function readReply(response: Response): Promise<Dispatched> {
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}
