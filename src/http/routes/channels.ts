/**
 * Channels (list, create) and `GET /v1/hub-info`, the hub's description of
 * itself: limits, kinds and the `features` it offers.
 *
 * @module
 */

import { Hono } from "hono";
import type { ArcEnv, RouteContext } from "../context.ts";
import { ok } from "../envelope.ts";

/** The channel and hub-info routes. */
export function channelRoutes({ hub, body }: RouteContext): Hono<ArcEnv> {
  return new Hono<ArcEnv>()
    .get("/v1/channels", async (c) => ok(c, await hub.listChannels()))
    .post("/v1/channels", async (c) => {
      const { channel, created } = await hub.createChannel(await body(c));
      return ok(c, channel, { status: created ? 201 : 200 });
    })
    .get("/v1/hub-info", (c) => ok(c, hub.hubInfo()));
}
