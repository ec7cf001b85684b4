/**
 * The MCP server in the `arc mcp` process itself, on the official SDK, for
 * the cases the bridge to the hub's `/mcp` cannot serve: the file relay, a
 * hub that answers no MCP session (none running yet, no `/mcp`, a refusal).
 * `cli.ts` imports this module only then, so the bridge never loads the SDK.
 * Its tools talk to the hub over the Arc HTTP API or the relay spool; the
 * session is registered at start (or on the first tool call that finds a
 * hub) and ended by {@linkcode LocalServer.close}.
 *
 * @module
 */

import type { Transport } from "@modelcontextprotocol/sdk/shared/transport";
// @ts-types="@modelcontextprotocol/sdk/types"
import { JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types";
import { type ConnectionOptions, HubConnection } from "./connection.ts";
import { createArcMcpServer } from "./server.ts";
import type { StdioChannel } from "./stdio.ts";

/** What the server needs besides the connection options. */
export interface LocalServerOptions extends ConnectionOptions {
  /** The tool profile. */
  tools?: string;
  /** Called when the SDK closes the transport. */
  onclose: () => void;
}

/** A running MCP server fed line by line. */
export interface LocalServer {
  /** Hands the server one line the host wrote. */
  receive(line: string): void;
  /** Ends the agent's session on the hub and closes the server. */
  close(): Promise<void>;
}

/**
 * Starts the SDK server on `stdio` and begins registering the agent.
 *
 * @throws {RangeError} When `options.tools` names an unknown profile or tool.
 */
export async function startLocalServer(
  options: LocalServerOptions,
  stdio: StdioChannel,
): Promise<LocalServer> {
  const { tools, onclose, ...connection } = options;
  const conn = new HubConnection(connection);
  const server = createArcMcpServer(conn, {
    ...(tools !== undefined ? { tools } : {}),
  });
  const transport = new LineTransport(stdio);
  transport.onerror = (error) =>
    options.log(`arc mcp: stdio: ${error.message}`);
  server.server.onclose = onclose;
  await server.connect(transport);
  options.log(
    `arc mcp: serving agent '${options.agentId}' on ${conn.target} over stdio`,
  );
  conn.connect().catch((error) =>
    options.log(`arc mcp: ${conn.describe(error)}`)
  );
  return {
    receive: (line) => transport.receive(line),
    async close() {
      await conn.close();
      await server.close().catch(() => {});
    },
  };
}

/** The SDK's view of {@linkcode StdioChannel}: one JSON-RPC message per line. */
class LineTransport implements Transport {
  #stdio: StdioChannel;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  constructor(stdio: StdioChannel) {
    this.#stdio = stdio;
  }

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    await this.#stdio.write(message);
  }

  close(): Promise<void> {
    this.onclose?.();
    return Promise.resolve();
  }

  receive(line: string): void {
    let message: JSONRPCMessage;
    try {
      message = JSONRPCMessageSchema.parse(JSON.parse(line));
    } catch (error) {
      this.onerror?.(error as Error);
      return;
    }
    this.onmessage?.(message);
  }
}
