/**
 * The hub's unit tests, one module per area under `features/`, run as one test file so
 * that they share one load of their modules: each test file runs in a fresh
 * worker, which loads its modules anew (about 0.2 s of CPU here). An area still runs alone:
 * `deno test -A tests/hub/features/agent_status.ts`.
 *
 * @module
 */

import { testImportsEveryFeature } from "../_features.ts";
import "./features/agent_status.ts";
import "./features/cursor.ts";
import "./features/notifier.ts";
import "./features/notify.ts";
import "./features/params.ts";
import "./features/rate_limit.ts";
import "./features/search.ts";
import "./features/sweep.ts";

testImportsEveryFeature(import.meta.url);
