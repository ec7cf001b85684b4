/**
 * The client library's tests, one module per area under `features/`, run as one test file so
 * that they share one load of their modules: each test file runs in a fresh
 * worker, which loads its modules anew (about 0.3 s of CPU here). An area still runs alone:
 * `deno test -A tests/client/features/client.ts`.
 *
 * @module
 */

import { testImportsEveryFeature } from "../_features.ts";
import "./features/client.ts";
import "./features/identity.ts";
import "./features/queue.ts";
import "./features/receipts.ts";
import "./features/relay.ts";
import "./features/reserve.ts";
import "./features/rpc_outcomes.ts";
import "./features/search.ts";
import "./features/sse.ts";

testImportsEveryFeature(import.meta.url);
