/**
 * The agent commands, built on the client library: `arc post`, `arc poll`
 * and `arc whoami`. They take `--base-url` (or `ARC_URL`), `--agent` (or
 * `ARC_AGENT`), `--token` (or `ARC_TOKEN`), or `--relay SPOOL` for sandboxed
 * agents, resolved as every command does (`connection.ts`). Hub errors
 * print `arc error: <message>` and exit 1.
 *
 * @module
 */

import { ArcError } from "../client/errors.ts";
import type { MessageKind } from "../client/types.ts";
import { DEFAULTS, MESSAGE_KINDS } from "../protocol.ts";
import { intFlag, parseCommand, textFlags, UsageError } from "./args.ts";
import type { Io } from "./io.ts";
import {
  connect,
  type Connection,
  CONNECTION_FLAGS,
  type ConnectionFlags,
  DEFAULT_URL,
  resolveConnection,
} from "./connection.ts";

/** Help text of the connection flags. */
export const COMMON_HELP = `Connection (every agent command):
  --agent ID        your agent id (also ARC_AGENT)
  --base-url URL    the hub (also ARC_URL; default ${DEFAULT_URL})
  --token TOKEN     bearer token for a remote hub (also ARC_TOKEN)
  --relay DIR       talk through the file relay spool DIR instead of HTTP
                    (not with --base-url)
  -h, --help        show this help

A flag wins over its variable, which wins over the default.

On a hub with strict identity the agent's session secret is kept in
~/.arc/secrets.json (mode 0600; ARC_SECRETS_FILE moves it) between commands;
ARC_SECRET, when set, is sent instead.`;

/** Help for the agent commands. */
export const AGENT_HELP = {
  post:
    `Usage: arc post --agent ID [--to AGENT] [--channel NAME] [--kind KIND] [--thread-id ID] BODY

Registers the agent (replacing an older session) and posts BODY to a channel,
or as a direct message with --to. Prints the stored message as JSON; warns on
stderr when the hub has never seen the recipient or its session has expired
(the message is stored all the same).

  --to AGENT        send a direct message to AGENT
  --channel NAME    the channel (default general, or direct with --to)
  --kind KIND       one of ${MESSAGE_KINDS.join(", ")} (default chat)
  --thread-id ID    the thread the message belongs to

${COMMON_HELP}

Examples:
  arc post --agent alice "build is green"
  arc post --agent alice --to bob --kind task_request "review #12 please"
  ARC_AGENT=alice arc post --channel ops --thread-id deploy-7 "starting deploy"
`,
  poll:
    `Usage: arc poll --agent ID [--timeout SEC] [--since-id N] [--channel NAME] [--thread-id ID] [--include-self]

Registers the agent and waits up to --timeout seconds for messages it may see
(broadcasts and direct messages to it) newer than --since-id, then prints one
JSON object per line. Without --since-id it starts from now.

  --timeout SEC     how long to wait (default 30, at most 60)
  --since-id N      only messages with a greater id (default: from now)
  --channel NAME    only this channel
  --thread-id ID    only this thread
  --include-self    also show the agent's own posts

${COMMON_HELP}

Examples:
  arc poll --agent bob --timeout 60
  arc poll --agent bob --since-id 0 --timeout 0     # everything so far, no waiting
`,
  whoami: `Usage: arc whoami --agent ID

Registers the agent and prints what the hub knows of it: its session, the
latest message id it may see, the live agents and the default channel.

${COMMON_HELP}
`,
} as const;

/** The filters `poll` and `search` share. */
export const MESSAGE_FILTERS = {
  ...textFlags("channel", "kind", "thread-id"),
} as const;

/**
 * Connects as the agent the flags and environment name and runs `work` with
 * the client; an `ArcError` from the hub (on connecting or in `work`) prints
 * `arc error: ...` and gives exit code 1.
 */

export async function withAgent(
  values: ConnectionFlags,
  err: (line: string) => void,
  work: (connection: Connection) => Promise<void>,
): Promise<number> {
  const resolved = resolveConnection(values, { agent: "required" });
  try {
    await work(await connect(resolved));
    return 0;
  } catch (error) {
    return hubFailure(error, err);
  }
}

/** Prints an `ArcError` from the hub and gives exit code 1; rethrows anything else. */

export function hubFailure(
  error: unknown,
  err: (line: string) => void,
): number {
  if (error instanceof ArcError) {
    err(`arc error: ${error.message}`);
    return 1;
  }
  throw error;
}

/** The `--kind` flag in lower case; throws `UsageError` for an unknown kind. */
export function kindFlag(value: string | undefined): MessageKind | undefined {
  const kind = value?.toLowerCase();
  if (
    kind !== undefined && !(MESSAGE_KINDS as readonly string[]).includes(kind)
  ) {
    throw new UsageError(
      `--kind must be one of ${MESSAGE_KINDS.join(", ")}, got '${value}'`,
    );
  }
  return kind as MessageKind | undefined;
}

/** Runs `post`, `poll` or `whoami`; resolves with the exit code. */

export async function runAgentCommand(
  command: "post" | "poll" | "whoami",
  args: string[],
  io: Io,
): Promise<number> {
  const { out, err } = io;
  const parsed = parseCommand(args, {
    ...CONNECTION_FLAGS,
    ...MESSAGE_FILTERS,
    ...textFlags("to", "timeout", "since-id"),
    "include-self": { type: "boolean" },
  }, { help: AGENT_HELP[command], out, positionals: command === "post" });
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const kind = kindFlag(values.kind);
  const body = positionals.join(" ");
  if (command === "post" && !body) {
    throw new UsageError("post needs a message body (arc post --help)");
  }
  const timeout = intFlag("timeout", values.timeout);
  const sinceId = intFlag("since-id", values["since-id"]);
  return await withAgent(values, err, async ({ client, save }) => {
    await client.register({ replace: true });
    if (save && client.secret) {
      await save(client.secret).catch((error) =>
        err(
          `arc: warning: could not save the session secret (${
            (error as Error).message
          }); the next command for this agent will be refused until its session expires`,
        )
      );
    }
    if (command === "post") {
      const threadId = values["thread-id"];
      const message = await client.post(
        values.channel ?? (values.to ? "direct" : "general"),
        body,
        {
          ...(kind ? { kind } : {}),
          ...(values.to ? { toAgent: values.to } : {}),
          ...(threadId ? { threadId } : {}),
        },
      );
      out(JSON.stringify(message, null, 2));
      const recipient = message.arcdeno?.recipient;
      if (recipient) err(recipientWarning(values.to ?? "", recipient));
    } else if (command === "poll") {
      if (sinceId === undefined) await client.bootstrap();
      else client.sinceId = sinceId;
      const messages = await client.poll({
        timeoutSec: Math.max(
          0,
          Math.min(timeout ?? 30, DEFAULTS.maxTimeoutSec),
        ),
        excludeSelf: !values["include-self"],
        ...(values.channel ? { channel: values.channel } : {}),
        ...(values["thread-id"] ? { threadId: values["thread-id"] } : {}),
      });
      for (const message of messages) out(JSON.stringify(message));
    } else {
      out(JSON.stringify(await client.whoami(), null, 2));
    }
  });
}

/** The stderr line for a direct message whose recipient is not live. */
function recipientWarning(to: string, recipient: string): string {
  return recipient === "unknown"
    ? `warning: the hub has never seen agent '${to}'; the message is stored and waits for it`
    : `warning: agent '${to}' has no live session (expired); the message is stored and waits for it`;
}
