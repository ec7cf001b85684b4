/**
 * The operator's page at `GET /` (built in `../dashboard.ts`). The page and
 * what builds it load on the first request, so a hub nobody watches never
 * holds them in memory.
 *
 * @module
 */

import { Hono } from "hono";
import type { ArcEnv } from "../context.ts";

let page: Promise<string> | undefined;

/** The dashboard route. */
export function dashboardRoutes(): Hono<ArcEnv> {
  return new Hono<ArcEnv>()
    .get("/", async (c) => {
      page ??= import("../dashboard.ts").then((m) => m.dashboardPage());
      return c.html(await page);
    });
}
