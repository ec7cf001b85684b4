/**
 * `arc setup HOST`: writes the MCP server (over HTTP at the hub's `/mcp`)
 * and the `arc hook` hooks for one agent host into a project, merging into
 * files that exist (other servers and hooks are kept; Arc's own entries are
 * replaced, so running it twice changes nothing). `--approve SEC` adds the
 * PermissionRequest hook that sends the host's permission prompts to the
 * operator. `--dry-run` prints what it would write.
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BUILT, ENTRY } from "./entry.ts";
import { parseCommand, secondsFlag, textFlags, UsageError } from "./args.ts";
import type { Io } from "./io.ts";
import { DEFAULT_URL, resolveConnection } from "./connection.ts";
import {
  APPROVAL_HOSTS,
  type Host,
  HOSTS,
  MAX_WAIT_SEC,
} from "./hook_hosts.ts";
import { hostConfig, mergeJson, mergeToml } from "./host_config.ts";

/** Help for `arc setup`. */
export const SETUP_HELP =
  `Usage: arc setup claude|codex|gemini|cursor --agent ID [--base-url URL]
                 [--dir DIR] [--wait SEC] [--approve SEC] [--command CMD]
                 [--dry-run]

Writes Arc's MCP server (HTTP, the hub's /mcp) and the 'arc hook' hooks for
one agent host into the project in DIR (default: the current directory):

  claude   .mcp.json, .claude/settings.json
  codex    .codex/config.toml, .codex/hooks.json
  gemini   .gemini/settings.json
  cursor   .cursor/mcp.json, .cursor/hooks.json

Existing files are merged: other MCP servers and hooks are kept, Arc's own
entries replaced, so running it again changes nothing.

  --agent ID        the agent id the host works as (also ARC_AGENT)
  --base-url URL    the hub (also ARC_URL; default ${DEFAULT_URL})
  --dir DIR         the project directory (default .)
  --wait SEC        let the Stop hook wait up to SEC seconds for new work
                    (default 0: never wait)
  --approve SEC     claude, codex: send the host's permission prompts to the
                    operator (the hub's approval queue, the dashboard) with
                    a PermissionRequest hook running 'arc hook --approve SEC',
                    its timeout SEC + 10 (default: the host prompts as usual)
  --command CMD     how the hooks run arc (default: this executable, or
                    'deno run …' with this checkout's main.ts)
  --dry-run         print the files instead of writing them
  -h, --help        show this help
`;

/** The command hooks run `arc` with, when `--command` is not given. */
function defaultCommand(baseUrl: string): string {
  if (ENTRY.protocol !== "file:") return Deno.execPath();
  const hub = new URL(baseUrl);
  const net = `${hub.hostname}:${
    hub.port || (hub.protocol === "https:" ? 443 : 80)
  }`;
  // The bundle carries its packages: no configuration file to look for.
  return `deno run ${
    BUILT ? "--no-config " : ""
  }--allow-net=${net} --allow-read=.arc-hook --allow-write=.arc-hook --allow-env=ARC_URL,ARC_AGENT,ARC_TOKEN,ARC_SECRET ${
    fileURLToPath(ENTRY)
  }`;
}

/** Runs `arc setup`; resolves with the exit code. */
export async function runSetup(args: string[], io: Io): Promise<number> {
  const { out } = io;
  const parsed = parseCommand(args, {
    ...textFlags("agent", "base-url", "dir", "wait", "approve", "command"),
    "dry-run": { type: "boolean" },
  }, { help: SETUP_HELP, out, positionals: true });
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const host = positionals[0] as Host | undefined;
  if (!host || !HOSTS.includes(host) || positionals.length > 1) {
    throw new UsageError(
      `name one host: arc setup ${HOSTS.join("|")} --agent ID`,
    );
  }
  const { agent, url: baseUrl } = resolveConnection(values, {
    agent: "required",
  });
  // The id goes into the hosts' command lines unquoted.
  if (!/^[A-Za-z0-9._@-]+$/.test(agent)) {
    throw new UsageError(
      `--agent must be letters, digits, . _ @ or -: current value is '${agent}'`,
    );
  }
  const waitSec = secondsFlag("wait", values.wait, MAX_WAIT_SEC) ?? 0;
  const approveSec = secondsFlag("approve", values.approve, MAX_WAIT_SEC) ??
    0;
  if (approveSec > 0 && !APPROVAL_HOSTS.has(host)) {
    throw new UsageError(
      `--approve needs a host whose hook answers permission prompts (${
        [...APPROVAL_HOSTS].join(", ")
      }); ${host} has none: leave --approve out`,
    );
  }
  const dir = resolve(values.dir ?? ".");
  const parts = hostConfig(host, {
    agent,
    baseUrl,
    arcCommand: values.command ?? defaultCommand(baseUrl),
    waitSec,
    approveSec,
  });
  const dryRun = values["dry-run"] ?? false;
  for (const part of parts) {
    const path = join(dir, part.path);
    const existing = await readText(path);
    let text: string;
    if (part.kind === "json") {
      let current: Record<string, unknown> = {};
      if (existing.trim()) {
        try {
          current = JSON.parse(existing);
        } catch {
          throw new UsageError(
            `${path} is not valid JSON; fix or remove it, then run arc setup again`,
          );
        }
      }
      text = JSON.stringify(mergeJson(current, part.value), null, 2) + "\n";
    } else {
      text = mergeToml(existing, part.table, part.body);
    }
    if (text === existing) {
      out(`${part.path}: up to date`);
      continue;
    }
    if (dryRun) {
      out(`${part.path}: would write\n${text}`);
      continue;
    }
    await Deno.mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, path);
    out(`${part.path}: written`);
  }
  if (!dryRun) {
    out(
      `Add .arc-hook/ to .gitignore; the hooks keep ${agent}'s read position there.`,
    );
  }
  return 0;
}

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "";
    throw error;
  }
}
