/**
 * Builds the Arc MCP server: the tools and resources of one agent on one hub,
 * on the official SDK's `McpServer`.
 *
 * @module
 */

// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { VERSION } from "../protocol.ts";
import type { HubConnection } from "./connection.ts";
import { instructions } from "./instructions.ts";
import { registerReceiptTools } from "./receipt_tools.ts";
import { registerResources } from "./resources.ts";
import { registerTools } from "./tools.ts";

/** The server's name in the MCP handshake. */
export const SERVER_NAME = "arc";

/** An MCP server whose tools act as `conn`'s agent. */
export function createArcMcpServer(conn: HubConnection): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, title: "Arc agent hub", version: VERSION },
    {
      instructions: instructions(conn.options.agentId),
      capabilities: { tools: {}, resources: {}, completions: {} },
    },
  );
  registerTools(server, conn);
  registerReceiptTools(server, conn);
  registerResources(server, conn);
  return server;
}
