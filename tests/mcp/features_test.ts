/**
 * The MCP feature tests, one module per feature under `features/`, run as
 * one test file so that they share one load of the MCP SDK's client and the
 * hub: each test file runs in a fresh worker, and loading them costs about
 * 0.6 s of CPU. A feature still runs alone:
 * `deno test -A tests/mcp/features/queue.ts`. (`mcp_test.ts`, the longest,
 * stays a file of its own so that it runs beside these.)
 *
 * @module
 */

import { testImportsEveryFeature } from "../_features.ts";
import "./features/approvals.ts";
import "./features/bridge.ts";
import "./features/digest.ts";
import "./features/identity.ts";
import "./features/profiles.ts";
import "./features/queue.ts";
import "./features/receipts.ts";
import "./features/reserve.ts";
import "./features/search.ts";
import "./features/tool_summaries.ts";

testImportsEveryFeature(import.meta.url);
