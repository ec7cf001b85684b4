/**
 * `arc hook`: prints the agent's unread direct messages and @mentions for a
 * host that runs a command before each prompt or after each tool call (such
 * as Claude Code's `UserPromptSubmit` and `PostToolUse` hooks) and adds what
 * it prints to the model's context. It remembers how far it has read in a
 * small state file, prints nothing when nothing is new or no hub answers,
 * and never registers a session (it would displace the agent's MCP server).
 *
 * @module
 */

import { dirname } from "node:path";
import { ArcClient } from "../client/client.ts";
import { ArcError } from "../client/errors.ts";
import type { Message } from "../client/types.ts";
import { describeMessages, isForAgent } from "../mcp/digest.ts";
import { DEFAULTS } from "../protocol.ts";
import { parseFlags, UsageError } from "./args.ts";
import { readEnv } from "./permissions.ts";
import { readSecret, secretsPath } from "./secrets.ts";

/** Help for `arc hook`. */
export const HOOK_HELP =
  `Usage: arc hook --agent ID [--base-url URL] [--state FILE] [--event NAME] [--all]

Prints the agent's unread direct messages and @mentions, once each, for an
agent host to add to the model's context (Claude Code: a UserPromptSubmit or
PostToolUse hook). Prints nothing when nothing is new or when no hub answers,
and always exits 0 then. It does not register a session. The first run shows
the latest direct messages and starts reading from there.

  --agent ID        the agent id (also ARC_AGENT)
  --base-url URL    the hub (also ARC_URL; default http://127.0.0.1:${DEFAULTS.port})
  --token TOKEN     bearer token for a remote hub (also ARC_TOKEN)
  --state FILE      where the read position is kept
                    (default .arc-hook/<agent>.json in the current directory)
  --event NAME      the host's hook event; for events other than
                    UserPromptSubmit and SessionStart the output is the JSON
                    {"hookSpecificOutput": {"hookEventName", "additionalContext"}}
  --all             also show channel messages that do not mention the agent
  --verbose         say on stderr why nothing was printed (no hub, an error)
  -h, --help        show this help

On a hub with strict identity the hook sends the agent's secret from
ARC_SECRET or from the secrets file 'arc post/poll/whoami' keep
(~/.arc/secrets.json, or ARC_SECRETS_FILE); a refusal (403) is printed on
stderr.

Example (.claude/settings.json):
  {"hooks": {"UserPromptSubmit": [{"hooks": [{"type": "command",
    "command": "arc hook --agent claude"}]}]}}

See docs/AGENTS.md for the full block.
`;

/** How much one run reads at most (pages of the hub's largest limit). */
const MAX_PAGES = 10;
/** How many direct messages the first run shows. */
const FIRST_RUN_DMS = 10;
/** How long the whole run may take before it gives up silently. */
const RUN_TIMEOUT_MS = 5_000;

interface HookState {
  cursor: number;
  instance_id: string;
}

async function readState(path: string): Promise<HookState | undefined> {
  try {
    const value = JSON.parse(await Deno.readTextFile(path));
    if (
      typeof value?.cursor === "number" &&
      typeof value?.instance_id === "string"
    ) return value as HookState;
  } catch {
    // missing or unreadable: start over
  }
  return undefined;
}

async function writeState(path: string, state: HookState): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(temp, JSON.stringify(state) + "\n");
  await Deno.rename(temp, path);
}

function safeName(agentId: string): string {
  return agentId.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");
}

/** Runs `arc hook`; resolves with the exit code. */
export async function runHook(
  args: string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const { values } = parseFlags(args, {
    agent: { type: "string" },
    "base-url": { type: "string" },
    token: { type: "string" },
    state: { type: "string" },
    event: { type: "string" },
    all: { type: "boolean" },
    verbose: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    out(HOOK_HELP);
    return 0;
  }
  const agentId = (values.agent ?? readEnv("ARC_AGENT"))?.trim();
  if (!agentId) throw new UsageError("--agent is required (or set ARC_AGENT)");
  const baseUrl = values["base-url"] ?? readEnv("ARC_URL") ??
    `http://127.0.0.1:${DEFAULTS.port}`;
  if (!/^https?:\/\/[^/]/i.test(baseUrl) || !URL.canParse(baseUrl)) {
    throw new UsageError(`--base-url is not an http(s) URL: '${baseUrl}'`);
  }
  const token = values.token ?? readEnv("ARC_TOKEN");
  // Relative to the working directory, without asking for it (that would
  // need read access to the whole directory).
  const statePath = values.state ?? `.arc-hook/${safeName(agentId)}.json`;
  const options = {
    agentId,
    baseUrl,
    timeoutMs: RUN_TIMEOUT_MS,
    ...(token ? { token } : {}),
  };
  let text: string | undefined;
  try {
    const client = await withSecret(new ArcClient(options), options);
    text = await unread(client, statePath, values.all ?? false);
  } catch (error) {
    // A hook must never get in the host's way: no hub, no output. A refusal
    // of this agent is worth one line, though, or the silence misleads.
    if (values.verbose || (error instanceof ArcError && error.status === 403)) {
      err(`arc hook: ${(error as Error)?.message ?? error}`);
    }
    return 0;
  }
  if (!text) return 0;
  const event = values.event;
  if (event && event !== "UserPromptSubmit" && event !== "SessionStart") {
    out(JSON.stringify({
      hookSpecificOutput: { hookEventName: event, additionalContext: text },
    }));
  } else {
    out(text);
  }
  return 0;
}

/**
 * On a hub with strict identity, a client that carries the agent's secret:
 * from `ARC_SECRET`, or from the secrets file the agent commands keep.
 */
async function withSecret(
  client: ArcClient,
  options: ConstructorParameters<typeof ArcClient>[0],
): Promise<ArcClient> {
  const info = await client.hubInfo();
  if (info.arcdeno?.["strict_identity"] !== true) return client;
  const path = secretsPath();
  const secret = readEnv("ARC_SECRET") ??
    (path
      ? await readSecret(path, {
        instanceId: info.instance_id,
        agentId: client.agentId,
      })
      : undefined);
  return secret ? new ArcClient({ ...options, secret }) : client;
}

/** Reads what is new since the saved cursor, saves the new one, and returns the text to print. */
async function unread(
  client: ArcClient,
  statePath: string,
  all: boolean,
): Promise<string | undefined> {
  const agentId = client.agentId;
  const info = await client.hubInfo();
  const state = await readState(statePath);
  let found: Message[] = [];
  let cursor: number;
  if (!state || state.instance_id !== info.instance_id) {
    // First run (or another database): the latest direct messages, then from now on.
    const boot = await client.bootstrap();
    cursor = boot.latest_visible_id;
    found = (await client.inbox({ tail: true, limit: FIRST_RUN_DMS }))
      .filter((m) => m.from_agent !== agentId && m.id <= cursor);
  } else {
    cursor = state.cursor;
    for (let page = 0; page < MAX_PAGES; page++) {
      client.sinceId = cursor;
      const batch = await client.poll({
        timeoutSec: 0,
        excludeSelf: true,
        limit: DEFAULTS.maxQueryLimit,
      });
      if (!batch.length) break;
      cursor = batch.at(-1)!.id;
      found.push(
        ...batch.filter((m) =>
          all ? m.from_agent !== agentId : isForAgent(m, agentId)
        ),
      );
      if (batch.length < DEFAULTS.maxQueryLimit) break;
    }
  }
  await writeState(statePath, { cursor, instance_id: info.instance_id });
  if (!found.length) return undefined;
  return [
    `Arc: ${found.length} unread message${
      found.length > 1 ? "s" : ""
    } for ${agentId}${all ? "" : " (direct or @mention)"}:`,
    ...describeMessages(found, agentId),
    "Answer with the arc tools (arc_dm, arc_rpc_reply); arc_poll_messages shows them in full.",
  ].join("\n");
}
