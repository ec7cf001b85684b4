/**
 * What every request goes through around its route's handler, in order: the
 * access guard (requests that crossed a socket; relay requests are
 * dispatched in-process and skip it), strict identity (except where a route
 * opts out), the handler, one answer for whatever was thrown
 * ({@linkcode respondToError}), the `X-Arc-Instance` header and the request
 * metrics.
 *
 * Each route's handler is wrapped once, when the app is built, so Hono finds
 * one handler per request and calls it directly. (Written as a chain of
 * middleware, the same steps cost every request a promise and a closure per
 * link, about a tenth of a post's CPU time.)
 *
 * @module
 */

import type { Context, Handler } from "hono";
import type { Hub } from "../hub/hub.ts";
import type { ArcEnv, RouteContext } from "./context.ts";
import { respondToError, type RespondToErrorOptions } from "./errors.ts";
import { checkAccess, policyOf } from "./guard.ts";
import { authorizeActing } from "./identity.ts";

/** Options for one route's gate. */
export interface GateOptions {
  /**
   * Whether strict identity checks the request here (`/mcp` checks its tool
   * calls when they come back in through the app instead). @default true
   */
  identity?: boolean;
}

/** Wraps a route's handler in the gate; `route` is its pattern, as metrics label it. */
export type Gate = (
  route: string,
  handler: Handler<ArcEnv>,
  options?: GateOptions,
) => Handler<ArcEnv>;

/** The gate of a hub's app. */
export function gate(
  hub: Hub,
  ctx: RouteContext,
  answered: RespondToErrorOptions,
): Gate {
  const { metrics, identity } = ctx;
  return (route, handler, options = {}) => {
    const checkIdentity = options.identity ?? true;
    const posting = route === "/v1/messages";
    return async (c: Context<ArcEnv>, next) => {
      const started = performance.now();
      let res: Response;
      try {
        if (c.env?.relayAgentDir === undefined) {
          checkAccess(c.req.raw, c.env?.remoteAddr, policyOf(hub));
        }
        if (checkIdentity && identity.strict) {
          await authorizeActing(c, identity, {
            maxRequestBytes: hub.config.maxRequestBytes,
            token: hub.config.token,
          });
        }
        res = await handler(c, next) as Response;
      } catch (error) {
        res = respondToError(error, c.req.raw, answered);
      }
      res.headers.set("X-Arc-Instance", answered.instanceId);
      metrics.request(
        route,
        c.req.method,
        res.status,
        (performance.now() - started) / 1000,
      );
      if (posting && res.status === 201) metrics.posted.inc();
      return res;
    };
  };
}
