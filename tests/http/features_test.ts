/**
 * The HTTP route tests, one module per area under `features/`, run as one
 * test file so that they share one load of the hub and the harness: each
 * test file runs in a fresh worker, which loads its modules anew (about
 * 0.25 s of CPU here). An area still runs alone:
 * `deno test -A tests/http/features/queue.ts`.
 *
 * @module
 */

import { testImportsEveryFeature } from "../_features.ts";
import "./features/admin.ts";
import "./features/approvals.ts";
import "./features/body.ts";
import "./features/claims_locks.ts";
import "./features/errors.ts";
import "./features/guard.ts";
import "./features/identity.ts";
import "./features/idle.ts";
import "./features/mcp_route.ts";
import "./features/messages.ts";
import "./features/metrics.ts";
import "./features/metrics_render.ts";
import "./features/presence.ts";
import "./features/queue.ts";
import "./features/rate_limit.ts";
import "./features/receipts.ts";
import "./features/receipts_shared.ts";
import "./features/remote.ts";
import "./features/reserve.ts";
import "./features/search.ts";
import "./features/sessions.ts";
import "./features/shared_file.ts";
import "./features/surfaced.ts";
import "./features/task_deps.ts";
import "./features/tasks_threads.ts";

testImportsEveryFeature(import.meta.url);
