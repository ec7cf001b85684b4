/**
 * `arc mcp`: serves one agent's Arc tools to an MCP host over stdio. Over
 * HTTP it is a bridge: the host's messages go to the hub's own MCP endpoint
 * (`/mcp`, Streamable HTTP), which runs the tools and holds the agent's
 * session, so this process loads no MCP SDK and no hub code. Where the
 * bridge cannot work (the file relay, or a hub that opens no MCP session:
 * none running, no `/mcp`, a refusal) the full MCP server runs in this
 * process instead, loaded only then. Standard output carries only MCP
 * protocol frames; every log line goes to standard error. The agent's
 * session ends when stdin closes or on SIGINT/SIGTERM.
 *
 * @module
 */

import { parseCommand, UsageError } from "./args.ts";
import type { Io } from "./io.ts";
import {
  CONNECTION_FLAGS,
  DEFAULT_URL,
  resolveConnection,
} from "./connection.ts";
import { readEnv } from "./permissions.ts";
import { McpBridge } from "../mcp/bridge.ts";
import { resolveTools } from "../mcp/profiles.ts";
import { Lifetime, StdioChannel } from "../mcp/stdio.ts";
import type { LocalServer, LocalServerOptions } from "../mcp/local.ts";

/** Help for `arc mcp`. */
export const MCP_HELP =
  `Usage: arc mcp --agent ID [--base-url URL | --relay SPOOL_DIR] [--token TOKEN]

Serves the Arc tools (arc_post_message, arc_poll_messages, arc_claim, arc_lock,
arc_rpc_call, ...) to an MCP host over stdio, acting as agent ID. Over HTTP it
bridges stdio to the hub's own MCP endpoint (<URL>/mcp, Streamable HTTP): the
hub runs the tools and registers the agent when the host initializes, and this
process stays small. The tools run in this process instead with --relay, and
when the hub opens no MCP session (none answers yet, an older hub without
/mcp, a refusal); then tool calls report how to start a hub and register once
one answers. The agent's session ends when the host closes stdin or the
process gets SIGINT or SIGTERM. Standard output carries only MCP messages;
logs go to standard error.

  --agent ID            the agent id to act as (also ARC_AGENT)
  --base-url URL        the hub (also ARC_URL; default ${DEFAULT_URL})
  --relay SPOOL_DIR     talk through the hub's file relay spool instead of HTTP
                        (not with --base-url)
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
export async function runMcp(args: string[], io: Io): Promise<number> {
  const { out, err } = io;
  const parsed = parseCommand(args, {
    ...CONNECTION_FLAGS,
    "display-name": { type: "string" },
    capability: { type: "string", multiple: true },
    tools: { type: "string" },
    "no-digest": { type: "boolean" },
  }, { help: MCP_HELP, out });
  if (!parsed) return 0;
  const { values } = parsed;
  const connection = resolveConnection(values, { agent: "required" });
  const { agent: agentId, url: baseUrl, token } = connection;
  try {
    resolveTools(values.tools);
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
  const session = {
    agentId,
    baseUrl,
    log: err,
    ...(token ? { token } : {}),
    ...(values.tools !== undefined ? { tools: values.tools } : {}),
    ...(values["display-name"] !== undefined
      ? { displayName: values["display-name"] }
      : {}),
    ...(values.capability?.length ? { capabilities: values.capability } : {}),
    digest: !values["no-digest"] && readEnv("ARC_DIGEST") !== "0",
  };

  const life = new Lifetime();
  const stdio = new StdioChannel();
  stdio.onbroken = () => life.end("stdout closed");
  let ending = false;
  let failed = false;
  let local: Promise<LocalServer> | undefined;
  const startLocal = (extra: Partial<LocalServerOptions> = {}) =>
    local ??= import("../mcp/local.ts").then((m) =>
      m.startLocalServer({
        ...session,
        ...extra,
        onclose: () => life.end("transport closed"),
      }, stdio)
    );

  let receive: (line: string) => Promise<unknown> | void;
  let bridge: McpBridge | undefined;
  if (connection.relay !== undefined) {
    const server = await startLocal({ relayDir: connection.relay });
    receive = (line) => server.receive(line);
  } else {
    const it = bridge = new McpBridge({
      ...session,
      send: (message) => stdio.write(message),
    });
    err(`arc mcp: bridging agent '${agentId}' over stdio to ${it.endpoint}`);
    receive = async (line) => {
      if (await it.receive(line) === "bridged" || ending) return;
      // The hub opened no MCP session: serve the tools from here, starting
      // with the host's initialize.
      const server = await startLocal();
      if (ending) return;
      receive = (next) => server.receive(next);
      server.receive(line);
    };
  }
  const pump = (async () => {
    while (true) {
      const line = await stdio.read();
      if (line === undefined) return life.end("stdin closed");
      await receive(line);
    }
  })().catch((error) => {
    failed = true;
    life.end(`failed: ${(error as Error)?.stack ?? error}`);
  });

  const reason = await life.ended;
  ending = true;
  err(`arc mcp: ${reason}; ending the session of '${agentId}'`);
  life.dispose();
  await bridge?.close();
  await (await local?.catch(() => undefined))?.close();
  await stdio.close();
  void pump;
  return failed ? 1 : 0;
}
