/**
 * The Arc tools of the MCP server, all named `arc_<verb>`, one module per
 * family. Each tool calls the hub through the client library and answers
 * with `structuredContent` (checked against its `outputSchema`) plus a text
 * summary; {@linkcode toolRegistrar} turns every failure into a tool result
 * with `isError: true` carrying the hub's own message, so a refusal never
 * takes the server down. Which tools a server offers is its profile
 * (`../profiles.ts`), not its families.
 *
 * @module
 */

import type { ToolFamily } from "../register.ts";
import { approvalTools } from "./approval_tools.ts";
import { channelTools } from "./channel_tools.ts";
import { identityTools } from "./identity_tools.ts";
import { leaseTools } from "./lease_tools.ts";
import { messageTools } from "./message_tools.ts";
import { queueTools } from "./queue_tools.ts";
import { receiptTools } from "./receipt_tools.ts";
import { rpcTools } from "./rpc_tools.ts";
import { searchTools } from "./search_tools.ts";
import { taskTools } from "./task_tools.ts";
import { threadTools } from "./thread_tools.ts";

/** Every tool family, in the order `tools/list` shows their tools. */
export const TOOL_FAMILIES: readonly ToolFamily[] = [
  identityTools,
  messageTools,
  searchTools,
  channelTools,
  rpcTools,
  leaseTools,
  taskTools,
  threadTools,
  receiptTools,
  queueTools,
  approvalTools,
];
