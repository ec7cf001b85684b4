/**
 * The dashboard's feature tests, one module per feature under `features/`,
 * run as one test file so that they share one Chromium and one load of
 * playwright-core: each test file runs in a fresh worker, and a browser
 * launch plus the load cost about 2.5 s of CPU. A feature still runs alone:
 * `deno test -A tests/dashboard/features/queue.ts`.
 *
 * @module
 */

import { testImportsEveryFeature } from "../_features.ts";
import "./features/approvals.ts";
import "./features/dashboard.ts";
import "./features/identity.ts";
import "./features/queue.ts";
import "./features/receipts.ts";
import "./features/search.ts";
import "./features/token.ts";

testImportsEveryFeature(import.meta.url);
