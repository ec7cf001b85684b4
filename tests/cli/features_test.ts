/**
 * The CLI tests (lifecycle_test.ts, the longest, stays a file of its own so that it runs beside these), one module per area under `features/`, run as one test file so
 * that they share one load of their modules: each test file runs in a fresh
 * worker, which loads its modules anew (about 0.3 s of CPU here). An area still runs alone:
 * `deno test -A tests/cli/features/agent.ts`.
 *
 * @module
 */

import { testImportsEveryFeature } from "../_features.ts";
import "./features/agent.ts";
import "./features/args.ts";
import "./features/connection.ts";
import "./features/data.ts";
import "./features/data_vendor.ts";
import "./features/guard.ts";
import "./features/hook.ts";
import "./features/hook_approval.ts";
import "./features/hook_hosts.ts";
import "./features/identity.ts";
import "./features/receipts.ts";
import "./features/retention.ts";
import "./features/search.ts";
import "./features/setup.ts";
import "./features/smoke_agent.ts";

testImportsEveryFeature(import.meta.url);
