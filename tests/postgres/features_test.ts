/**
 * The PostgreSQL backend's process tests (the four longest stay files of their own so that they run beside these), one module per area under `features/`, run as one test file so
 * that they share one load of their modules: each test file runs in a fresh
 * worker, which loads its modules anew (about 0.3 s of CPU here). An area still runs alone:
 * `deno test -A tests/postgres/features/driver_fault.ts`.
 *
 * @module
 */

import { testImportsEveryFeature } from "../_features.ts";
import "./features/driver_fault.ts";
import "./features/ensure.ts";
import "./features/hub_http.ts";
import "./features/identity.ts";
import "./features/queue.ts";
import "./features/receipts.ts";
import "./features/reserve.ts";
import "./features/startup_errors.ts";

testImportsEveryFeature(import.meta.url);
