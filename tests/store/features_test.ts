/**
 * The store tests (postgres_test.ts, the longest, stays a file of its own so that it runs beside these), one module per area under `features/`, run as one test file so
 * that they share one load of their modules: each test file runs in a fresh
 * worker, which loads its modules anew (about 0.2 s of CPU here). An area still runs alone:
 * `deno test -A tests/store/features/checkpointer.ts`.
 *
 * @module
 */

import { testImportsEveryFeature } from "../_features.ts";
import "./features/checkpointer.ts";
import "./features/postgres_conn.ts";
import "./features/search_sqlite.ts";
import "./features/sqlite.ts";
import "./features/thread_tasks.ts";

testImportsEveryFeature(import.meta.url);
