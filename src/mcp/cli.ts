/**
 * `arc mcp`: serves one agent's view of an Arc hub to an MCP host over stdio.
 * Standard output carries only MCP protocol frames; every log line goes to
 * standard error. The session is registered at start (or on the first tool
 * call that finds a hub) and deleted when stdin closes or on SIGINT/SIGTERM.
 *
 * @module
 */

import process from "node:process";
// @ts-types="@modelcontextprotocol/sdk/server/stdio"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { parseFlags, UsageError } from "../cli/args.ts";
import { readEnv } from "../cli/permissions.ts";
import { DEFAULTS } from "../protocol.ts";
import { HubConnection } from "./connection.ts";
import { createArcMcpServer } from "./server.ts";

/** Help for `arc mcp`. */
export const MCP_HELP =
  `Usage: arc mcp --agent ID [--base-url URL | --relay SPOOL_DIR] [--token TOKEN]

Serves the Arc tools (arc_post_message, arc_poll_messages, arc_claim, arc_lock,
arc_rpc_call, ...) to an MCP host over stdio, acting as agent ID. Registers the
agent's session at start, reading from that moment on, and ends the session
when the host closes stdin or the process gets SIGINT or SIGTERM. If no hub
answers, the server still starts; tool calls report how to start a hub and
register once one answers. Standard output carries only MCP messages; logs go
to standard error.

  --agent ID            the agent id to act as (also ARC_AGENT)
  --base-url URL        the hub (also ARC_URL; default http://127.0.0.1:${DEFAULTS.port})
  --relay SPOOL_DIR     talk through the hub's file relay spool instead of HTTP
  --token TOKEN         bearer token for a remote hub (also ARC_TOKEN)
  --display-name NAME   the name other agents see (default: the agent id)
  --capability CAP      a capability other agents can find you by (repeatable)
  --tools PROFILE       the tools to offer: core (default: orient, read, post,
                        answer, claim, lock, ack), leases, tasks, messages,
                        all, or a comma-separated list of these and tool
                        names; every profile includes core
  --no-digest           do not append new direct messages and @mentions to
                        tool results (also ARC_DIGEST=0)
  -h, --help            show this help

Deno permissions: --allow-net to the hub's host (HTTP), or --allow-read and
--allow-write on the spool (relay); --allow-env=ARC_URL,ARC_AGENT,ARC_TOKEN to
read those variables.

Example host configuration (.mcp.json):
  {"mcpServers": {"arc": {"command": "arc", "args": ["mcp", "--agent", "alice"]}}}

See docs/AGENTS.md for every host's configuration and the etiquette.
`;

/** Runs `arc mcp`; resolves with the exit code once the host is gone. */
export async function runMcp(
  args: string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const { values } = parseFlags(args, {
    agent: { type: "string" },
    "base-url": { type: "string" },
    relay: { type: "string" },
    token: { type: "string" },
    "display-name": { type: "string" },
    capability: { type: "string", multiple: true },
    tools: { type: "string" },
    "no-digest": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    out(MCP_HELP);
    return 0;
  }
  const agentId = (values.agent ?? readEnv("ARC_AGENT"))?.trim();
  if (!agentId) {
    throw new UsageError("--agent is required (or set ARC_AGENT)");
  }
  if (values.relay !== undefined && values["base-url"] !== undefined) {
    throw new UsageError("use either --base-url or --relay, not both");
  }
  const baseUrl = values["base-url"] ?? readEnv("ARC_URL") ??
    `http://127.0.0.1:${DEFAULTS.port}`;
  if (!/^https?:\/\/[^/]/i.test(baseUrl) || !URL.canParse(baseUrl)) {
    throw new UsageError(`--base-url is not an http(s) URL: '${baseUrl}'`);
  }
  const token = values.token ?? readEnv("ARC_TOKEN");
  const conn = new HubConnection({
    agentId,
    baseUrl,
    log: err,
    ...(values.relay !== undefined ? { relayDir: values.relay } : {}),
    ...(token ? { token } : {}),
    ...(values["display-name"] !== undefined
      ? { displayName: values["display-name"] }
      : {}),
    ...(values.capability?.length ? { capabilities: values.capability } : {}),
    digest: !values["no-digest"] && readEnv("ARC_DIGEST") !== "0",
  });
  let server;
  try {
    server = createArcMcpServer(conn, {
      ...(values.tools !== undefined ? { tools: values.tools } : {}),
    });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
  const transport = new StdioServerTransport();

  let finish: (reason: string) => void = () => {};
  const finished = new Promise<string>((resolve) => finish = resolve);
  const onEnd = () => finish("stdin closed");
  const onStdoutError = () => finish("stdout closed");
  const signals: [Deno.Signal, () => void][] = [];
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const listener = () => finish(`received ${signal}`);
    try {
      Deno.addSignalListener(signal, listener);
      signals.push([signal, listener]);
    } catch {
      // not supported on this platform (SIGTERM on Windows)
    }
  }
  process.stdin.once("end", onEnd);
  process.stdin.once("close", onEnd);
  process.stdout.once("error", onStdoutError);
  server.server.onclose = () => finish("transport closed");
  transport.onerror = (error) => err(`arc mcp: stdio: ${error.message}`);

  await server.connect(transport);
  err(`arc mcp: serving agent '${agentId}' on ${conn.target} over stdio`);
  conn.connect().catch((error) => err(`arc mcp: ${conn.describe(error)}`));

  const reason = await finished;
  err(`arc mcp: ${reason}; ending the session of '${agentId}'`);
  for (const [signal, listener] of signals) {
    Deno.removeSignalListener(signal, listener);
  }
  process.stdin.off("end", onEnd);
  process.stdin.off("close", onEnd);
  process.stdout.off("error", onStdoutError);
  await conn.close();
  await server.close().catch(() => {});
  process.stdin.destroy();
  return 0;
}
