/**
 * Arc: a local-first coordination hub for AI agents. This entry point parses
 * the command line and runs one command. Each command's module is imported
 * when it runs, so a light command (`arc mcp`, `arc post`) never loads the
 * hub, the store or a database driver.
 *
 * @module
 */

import { UsageError } from "./src/cli/args.ts";
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

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
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
    case "serve":
      return await (await import("./src/cli/serve.ts")).runServe(rest, out);
    case "ensure":
      return await (await import("./src/cli/lifecycle.ts")).runEnsure(
        rest,
        out,
        err,
      );
    case "stop":
      return await (await import("./src/cli/lifecycle.ts")).runStop(rest, out);
    case "reset":
      return await (await import("./src/cli/lifecycle.ts")).runReset(rest, out);
    case "relay":
      return await (await import("./src/cli/relay.ts")).runRelay(rest, out);
    case "post":
    case "poll":
    case "whoami":
      return await (await import("./src/cli/agent.ts")).runAgentCommand(
        command,
        rest,
        out,
        err,
      );
    case "search":
      return await (await import("./src/cli/search.ts")).runSearch(
        rest,
        out,
        err,
      );
    case "smoke-agent":
      return await (await import("./src/cli/smoke_agent.ts")).runSmokeAgent(
        rest,
        out,
      );
    case "mcp":
      return await (await import("./src/cli/mcp.ts")).runMcp(rest, out, err);
    case "hook":
      return await (await import("./src/cli/hook.ts")).runHook(rest, out, err);
    case "setup":
      return await (await import("./src/cli/setup.ts")).runSetup(rest, out);
    case "guard":
      return await (await import("./src/cli/guard.ts")).runGuard(
        rest,
        out,
        err,
      );
    case "export":
    case "backup":
    case "import":
      return await (await import("./src/cli/data.ts")).runDataCommand(
        command,
        rest,
        out,
        err,
      );
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
}
