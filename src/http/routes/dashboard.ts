/**
 * The operator's page at `GET /` (built in `../dashboard.ts`).
 *
 * @module
 */

import { Hono } from "hono";
import type { ArcEnv } from "../context.ts";
import { DASHBOARD_HTML } from "../dashboard.ts";

/** The dashboard route. */
export function dashboardRoutes(): Hono<ArcEnv> {
  return new Hono<ArcEnv>()
    .get("/", (c) => c.html(DASHBOARD_HTML));
}
