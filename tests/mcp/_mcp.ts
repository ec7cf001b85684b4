/**
 * Test helpers for `arc mcp`: spawn the server as a real process with the
 * SDK's own MCP client over stdio, and call its tools.
 *
 * @module
 */

import { Client } from "@modelcontextprotocol/sdk/client";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types";
import { ENTRY, ENTRY_FLAGS, type HubLike } from "../_util.ts";

/** The environment variables the server may read. */
export const ENV_FLAG = "--allow-env=ARC_URL,ARC_AGENT,ARC_TOKEN";

/** A raw MCP `initialize` request, for tests that speak the wire protocol. */
export const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "raw", version: "1" },
  },
} as const;

/** How to launch one server. */
export interface StartMcpOptions {
  /** The agent id (`--agent`). */
  agent?: string;
  /** The hub (`--base-url`). */
  baseUrl?: string;
  /** A relay spool (`--relay`) instead of a URL. */
  relay?: string;
  /**
   * The tool profile (`--tools`); null leaves the flag off (the server's
   * default profile).
   *
   * @default "all"
   */
  tools?: string | null;
  /** More `arc mcp` flags. */
  args?: string[];
  /** Launch exactly this command instead (for the documented configurations). */
  command?: { command: string; args: string[]; env?: Record<string, string> };
}

/** A running `arc mcp` with a connected MCP client. */
export interface McpAgent extends AsyncDisposable {
  client: Client;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Calls a tool that must succeed; returns its structured content. */
  // deno-lint-ignore no-explicit-any
  call(name: string, args?: Record<string, unknown>): Promise<any>;
  /** Calls a tool that must fail; returns its error text. */
  fail(name: string, args?: Record<string, unknown>): Promise<string>;
  /** The raw tool result. */
  raw(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** The `deno run` arguments of `arc mcp` for a hub URL or a relay spool. */
export function mcpArgs(options: StartMcpOptions): string[] {
  const perms = options.relay !== undefined
    ? [`--allow-read=${options.relay}`, `--allow-write=${options.relay}`]
    : ["--allow-net=127.0.0.1"];
  return [
    "run",
    ...perms,
    ENV_FLAG,
    ...ENTRY_FLAGS,
    ENTRY,
    "mcp",
    "--agent",
    options.agent ?? "alice",
    ...(options.relay !== undefined
      ? ["--relay", options.relay]
      : ["--base-url", options.baseUrl ?? "http://127.0.0.1:6969"]),
    ...(options.tools === null ? [] : ["--tools", options.tools ?? "all"]),
    ...(options.args ?? []),
  ];
}

/** Spawns `arc mcp` and completes the MCP handshake with the SDK's client. */
export async function startMcp(options: StartMcpOptions): Promise<McpAgent> {
  const launch = options.command ??
    { command: Deno.execPath(), args: mcpArgs(options) };
  const denoDir = Deno.env.get("DENO_DIR");
  const transport = new StdioClientTransport({
    command: launch.command,
    args: launch.args,
    env: {
      NO_COLOR: "1",
      ...(denoDir ? { DENO_DIR: denoDir } : {}),
      ...(launch.env ?? {}),
    },
    stderr: "pipe",
  });
  let log = "";
  transport.stderr?.on("data", (chunk: Uint8Array | string) => {
    log += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
  });
  const client = new Client({ name: "arc-tests", version: "1.0.0" });
  try {
    await client.connect(transport);
    // Listing the tools makes the client check structured results against each outputSchema.
    await client.listTools();
  } catch (error) {
    await client.close().catch(() => {});
    throw new Error(`arc mcp did not start: ${error}\n${log}`);
  }
  const raw = async (name: string, args: Record<string, unknown> = {}) =>
    await client.callTool({ name, arguments: args }) as CallToolResult;
  const text = (result: CallToolResult) =>
    result.content.map((c) => c.type === "text" ? c.text : "").join("\n");
  let closed: Promise<void> | undefined;
  const close = () => closed ??= client.close();
  return {
    client,
    stderr: () => log,
    raw,
    async call(name, args) {
      const result = await raw(name, args);
      if (result.isError) {
        throw new Error(`${name} failed: ${text(result)}\nstderr:\n${log}`);
      }
      if (!result.structuredContent) {
        throw new Error(`${name} returned no structured content`);
      }
      return result.structuredContent;
    },
    async fail(name, args) {
      const result = await raw(name, args);
      if (!result.isError) {
        throw new Error(`${name} should have failed: ${text(result)}`);
      }
      return text(result);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A TCP port nothing listens on (just released). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** What `arc mcp` logs when the hub's `/mcp` took the session (the bridge runs). */
export const BRIDGED = "by its MCP session at";
/** What `arc mcp` logs when it serves the tools itself (the fallback runs). */
export const LOCAL = "serving agent";

/** One request a {@linkcode startProxy} passed on. */
export interface ProxiedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: string;
}

/** A pass-through in front of a hub that records every request. */
export interface HubProxy extends AsyncDisposable {
  url: string;
  seen: ProxiedRequest[];
}

/**
 * Starts a pass-through to `hubUrl` on a free port. `hold` runs after the
 * hub answered a request and before the answer goes back, so a test can act
 * while the client waits.
 */
export function startProxy(
  hubUrl: string,
  hold: (request: ProxiedRequest) => Promise<void> = () => Promise.resolve(),
): HubProxy {
  const seen: ProxiedRequest[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const url = new URL(req.url);
      const body = req.body ? await req.text() : "";
      const request = {
        method: req.method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      seen.push(request);
      const upstream = await fetch(`${hubUrl}${url.pathname}${url.search}`, {
        method: req.method,
        headers: req.headers,
        ...(req.body ? { body } : {}),
      });
      // The stream the hub keeps open (MCP's GET) is passed on as it comes.
      if (req.method === "GET" && upstream.ok) {
        return new Response(upstream.body, {
          status: upstream.status,
          headers: upstream.headers,
        });
      }
      const answer = await upstream.arrayBuffer();
      await hold(request);
      return new Response(answer, {
        status: upstream.status,
        headers: upstream.headers,
      });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** The agent's session as the hub reports it (`GET /v1/bootstrap`), or null. */
export async function session(hub: HubLike, agent: string) {
  const boot = await hub.api("GET", `/v1/bootstrap?agent_id=${agent}`);
  return boot.body.result.session as
    | { session_id: string; active: boolean; display_name: string }
    | null;
}
