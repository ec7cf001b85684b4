/**
 * The fault and race tests, one module per area under `features/`, run as one test file so
 * that they share one load of their modules: each test file runs in a fresh
 * worker, which loads its modules anew (about 0.5 s of CPU here). An area still runs alone:
 * `deno test -A tests/fault/features/claim_race.ts`.
 *
 * @module
 */

import { testImportsEveryFeature } from "../_features.ts";
import "./features/claim_race.ts";
import "./features/crash.ts";
import "./features/hostile.ts";
import "./features/queue_race.ts";
import "./features/receipts_fault.ts";
import "./features/storage_fault.ts";

testImportsEveryFeature(import.meta.url);
