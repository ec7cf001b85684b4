/**
 * Arc: a local-first coordination hub for AI agents. This entry point parses
 * the command line and runs one command. Each command's module is imported
 * when it runs, so a light command (`arc mcp`, `arc post`) never loads the
 * hub, the store or a database driver.
 *
 * @module
 */

import { UsageError } from "./src/cli/args.ts";
import type { Io } from "./src/cli/io.ts";
import { StorageUnavailableError } from "./src/errors.ts";
import { IMPLEMENTATION, VERSION } from "./src/protocol.ts";

const HELP = `Arc ${VERSION}: a coordination hub for AI agents (Arc protocol v1)

Usage: arc <command> [options]

Commands:
  serve         run a hub in the foreground
  ensure        start a hub in the background unless one already runs
  stop          stop the hub found for this storage
  reset         stop the hub and delete its database
  relay         serve a file-spool relay for a hub elsewhere
  post          post a message as an agent
  poll          wait for messages as an agent (one JSON object per line)
  whoami        show what the hub knows of an agent
  search        search the messages an agent may see (full text)
  smoke-agent   run one role of the three-agent interoperability check
  mcp           serve one agent's Arc tools to an MCP host over stdio
  hook          bring an agent's messages into its host's context (host hooks)
  setup         write the MCP and hook configuration for a host into a project
  guard         git pre-commit guard over file reservations (install, check)
  export        write a hub, a channel or a thread as JSON Lines
  backup        copy a live SQLite hub file consistently
  import        restore an export into an empty hub
  build         bundle the hub into dist/hub/ (what deno task start runs)

Run 'arc <command> --help' for a command's options and examples.

Options:
  -h, --help      show this help
  -V, --version   print the version

Start a hub on 127.0.0.1:6969 with storage in ./arc.sqlite3:
  arc serve
`;

// deno-lint-ignore no-console
const out = (line: string) => console.log(line);
// deno-lint-ignore no-console
const err = (line: string) => console.error(line);

const io: Io = { out, err };

type Command = (args: string[], io: Io) => Promise<number>;

/** Each command, loaded only when it runs (a hub never loads MCP code, an agent command never loads the hub). */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import("./src/cli/serve.ts")).runServe,
  build: async () => (await import("./src/cli/build.ts")).runBuild,
  ensure: async () => (await import("./src/cli/lifecycle.ts")).runEnsure,
  stop: async () => (await import("./src/cli/lifecycle.ts")).runStop,
  reset: async () => (await import("./src/cli/lifecycle.ts")).runReset,
  relay: async () => (await import("./src/cli/relay.ts")).runRelay,
  post: async () =>
    named((await import("./src/cli/agent.ts")).runAgentCommand, "post"),
  poll: async () =>
    named((await import("./src/cli/agent.ts")).runAgentCommand, "poll"),
  whoami: async () =>
    named((await import("./src/cli/agent.ts")).runAgentCommand, "whoami"),
  search: async () => (await import("./src/cli/search.ts")).runSearch,
  "smoke-agent": async () =>
    (await import("./src/cli/smoke_agent.ts")).runSmokeAgent,
  mcp: async () => (await import("./src/cli/mcp.ts")).runMcp,
  hook: async () => (await import("./src/cli/hook.ts")).runHook,
  setup: async () => (await import("./src/cli/setup.ts")).runSetup,
  guard: async () => (await import("./src/cli/guard.ts")).runGuard,
  export: async () =>
    named((await import("./src/cli/data.ts")).runDataCommand, "export"),
  backup: async () =>
    named((await import("./src/cli/data.ts")).runDataCommand, "backup"),
  import: async () =>
    named((await import("./src/cli/data.ts")).runDataCommand, "import"),
};

/** A command that serves several names, bound to one of them. */
function named<N extends string>(
  run: (name: N, args: string[], io: Io) => Promise<number>,
  name: N,
): Command {
  return (args, io) => run(name, args, io);
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const load = command === undefined || !Object.hasOwn(COMMANDS, command)
    ? undefined
    : COMMANDS[command];
  if (load) return await (await load())(rest, io);
  switch (command) {
    case undefined:
    case "help":
    case "-h":
    case "--help":
      out(HELP);
      return 0;
    case "-V":
    case "--version":
    case "version":
      out(`${IMPLEMENTATION} ${VERSION}`);
      return 0;
    default:
      throw new UsageError(
        `unknown command '${command}' (run 'arc --help' to see the commands)`,
      );
  }
}

if (import.meta.main) {
  try {
    Deno.exitCode = await main(Deno.args);
  } catch (error) {
    if (error instanceof UsageError) {
      err(`arc: ${error.message}`);
      Deno.exitCode = 2;
    } else if (
      error instanceof RangeError || error instanceof TypeError ||
      // The database cannot be reached or used: the message says why and what to do.
      error instanceof StorageUnavailableError
    ) {
      err(`arc: ${error.message}`);
      Deno.exitCode = 1;
    } else {
      err(`arc: ${(error as Error)?.stack ?? error}`);
      Deno.exitCode = 1;
    }
  }
  // A command's work is done when it returns (a hub has closed its store and
  // removed its pidfile): end the process now rather than after the last
  // housekeeping tick still pending (src/timers.ts).
  Deno.exit();
}
