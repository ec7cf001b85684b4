/**
 * Builds the Arc MCP server: the tools of one profile and the resources of
 * one agent on one hub, on the official SDK's `McpServer`, with a compact
 * tool listing.
 *
 * @module
 */

// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { VERSION } from "../protocol.ts";
import type { HubConnection } from "./connection.ts";
import { instructions } from "./instructions.ts";
import { listTools } from "./listing.ts";
import { resolveTools } from "./profiles.ts";
import { ToolCatalog, toolRegistrar } from "./register.ts";
import { registerResources } from "./resources.ts";
import { TOOL_FAMILIES } from "./tools/mod.ts";

/** The server's name in the MCP handshake. */
export const SERVER_NAME = "arc";

/** Options for {@linkcode createArcMcpServer}. */
export interface ArcMcpServerOptions {
  /**
   * The tools to offer: a profile or a comma-separated list of profiles and
   * tool names (see `profiles.ts`).
   *
   * @default "core"
   */
  tools?: string;
}

/**
 * An MCP server whose tools act as `conn`'s agent.
 *
 * @throws {RangeError} When `options.tools` names an unknown profile or tool.
 */
export function createArcMcpServer(
  conn: HubConnection,
  options: ArcMcpServerOptions = {},
): McpServer {
  const catalog = new ToolCatalog(resolveTools(options.tools));
  const server = new McpServer(
    { name: SERVER_NAME, title: "Arc agent hub", version: VERSION },
    {
      instructions: instructions(conn.options.agentId, catalog.enabled),
      capabilities: { tools: {}, resources: {}, completions: {} },
    },
  );
  const tool = toolRegistrar(server, conn, catalog);
  for (const family of TOOL_FAMILIES) family(tool, conn);
  registerResources(server, conn);
  // The SDK's own listing spells every schema out in full; ours is compact.
  server.server.setRequestHandler(
    ListToolsRequestSchema,
    () => ({ tools: listTools(catalog.tools) }),
  );
  return server;
}
