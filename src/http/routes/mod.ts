/**
 * Every area's routes, in the order the application mounts them. Each
 * module exports one {@linkcode RouteModule}: it takes the shared
 * `RouteContext` (`../context.ts`), parses input, calls the hub, answers with
 * `ok()` and throws every error (`../errors.ts` answers it).
 *
 * @module
 */

import type { RouteModule } from "../context.ts";
import { adminRoutes } from "./admin.ts";
import { approvalRoutes } from "./approvals.ts";
import { channelRoutes } from "./channels.ts";
import { dashboardRoutes } from "./dashboard.ts";
import { exportRoutes } from "./export.ts";
import { leaseRoutes } from "./leases.ts";
import { messageRoutes } from "./messages.ts";
import { queueRoutes } from "./queue.ts";
import { receiptRoutes } from "./receipts.ts";
import { sessionRoutes } from "./sessions.ts";
import { taskRoutes } from "./tasks.ts";
import { threadRoutes } from "./threads.ts";

/** The route modules, by area. */
export const ROUTE_MODULES: readonly RouteModule[] = [
  dashboardRoutes,
  sessionRoutes,
  channelRoutes,
  messageRoutes,
  threadRoutes,
  leaseRoutes,
  taskRoutes,
  queueRoutes,
  exportRoutes,
  adminRoutes,
  receiptRoutes,
  approvalRoutes,
];
