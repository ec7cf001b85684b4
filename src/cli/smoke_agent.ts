/**
 * `arc smoke-agent`: one role of the three-agent smoke test, run on the
 * TypeScript client. The roles and their messages match the reference
 * implementation's, so any mix of our roles and its roles passes together,
 * over HTTP or the file relay:
 *
 * - `smoke-a` creates the channel, posts a task in the thread, waits for
 *   smoke-b's artifact and smoke-c's "verified" notice, then posts a final
 *   notice.
 * - `smoke-b` waits for the task, claims the claim key, posts an artifact,
 *   releases the claim, waits for smoke-c's notice and posts a confirmation.
 * - `smoke-c` waits for the task and the artifact, looks at the thread's
 *   active claims and posts "... verified ... (released)" or "(held by X)".
 *
 * Waiting is done with long-polls on the agent's events, filtered to the
 * thread, so a role reacts as soon as the message it waits for is posted.
 * Over the relay each long-poll is kept to one second: a relay that answers
 * one request at a time (the reference implementation's does) would
 * otherwise hold the other roles' posts behind a parked poll.
 *
 * @module
 */

import { ArcClient, ArcError, type Message } from "../client/mod.ts";
import { parseFlags, textFlags, UsageError } from "./args.ts";
import type { Io } from "./io.ts";

const ROLES = ["smoke-a", "smoke-b", "smoke-c"] as const;
type Role = typeof ROLES[number];

const DEFAULTS = {
  baseUrl: "http://127.0.0.1:6969",
  relayDir: ".arc-relay",
  channel: "smoke-room",
  threadId: "smoke-relay-001",
  claimKey: "smoke-claim-001",
  timeoutSec: 120,
} as const;

/** Longest single long-poll, in seconds, by transport. */
const POLL_SEC = { http: 30, relay: 1 } as const;

/** Help text for `arc smoke-agent`. */
export const SMOKE_AGENT_HELP =
  `Usage: arc smoke-agent --role ROLE --transport http|relay [options]

Runs one role of the three-agent smoke test against a running hub. Start the
three roles at the same time (in any order, on any mix of transports); each
exits 0 when its part is done and 1 with a message when something failed.

Roles:
  smoke-a   creates the channel, posts a task, waits for smoke-b's artifact
            and smoke-c's verification, posts a final notice
  smoke-b   waits for the task, claims it, posts an artifact, releases the
            claim, waits for smoke-c, posts a confirmation
  smoke-c   waits for the task and the artifact, checks the claim, posts a
            "verified" notice

Options:
  --role ROLE             smoke-a, smoke-b or smoke-c (required)
  --transport MODE        http or relay (required)
  --base-url URL          hub address for http (default ${DEFAULTS.baseUrl})
  --relay-dir DIR         spool directory for relay (default ${DEFAULTS.relayDir})
  --channel NAME          channel to use (default ${DEFAULTS.channel})
  --thread-id ID          thread to use (default ${DEFAULTS.threadId})
  --claim-key KEY         claim smoke-b takes (default ${DEFAULTS.claimKey})
  --timeout-sec SEC       give up after this many seconds (default ${DEFAULTS.timeoutSec})
  --poll-interval-sec SEC accepted for compatibility and ignored (waits are long-polls)
  -h, --help              show this help

Example (three terminals, or append & to each):
  arc smoke-agent --role smoke-a --transport http
  arc smoke-agent --role smoke-b --transport relay --relay-dir .arc-relay
  arc smoke-agent --role smoke-c --transport http
`;

/** A resolved smoke-agent configuration. */
export interface SmokeConfig {
  role: Role;
  transport: "http" | "relay";
  baseUrl: string;
  relayDir: string;
  channel: string;
  threadId: string;
  claimKey: string;
  timeoutSec: number;
}

/**
 * Reads `smoke-agent` flags.
 *
 * @throws {UsageError} for unknown flags, a missing or unknown role or
 * transport, and a timeout that is not a positive number
 */
export function parseSmokeFlags(args: string[]): SmokeConfig | "help" {
  const { values } = parseFlags(args, {
    ...textFlags("role", "transport", "base-url", "relay-dir", "channel"),
    ...textFlags("thread-id", "claim-key", "timeout-sec", "poll-interval-sec"),
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return "help";
  const role = values.role;
  if (role === undefined) {
    throw new UsageError(
      "--role is required (smoke-a, smoke-b or smoke-c)",
    );
  }
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new UsageError(
      `--role must be smoke-a, smoke-b or smoke-c, got '${role}'`,
    );
  }
  const transport = values.transport;
  if (transport === undefined) {
    throw new UsageError("--transport is required (http or relay)");
  }
  if (transport !== "http" && transport !== "relay") {
    throw new UsageError(
      `--transport must be http or relay, got '${transport}'`,
    );
  }
  const timeoutSec = positive(
    "timeout-sec",
    values["timeout-sec"],
    DEFAULTS.timeoutSec,
  );
  positive("poll-interval-sec", values["poll-interval-sec"], 1);
  const text = (name: string, value: string | undefined, fallback: string) => {
    if (value === undefined) return fallback;
    if (!value.trim()) throw new UsageError(`--${name} must not be empty`);
    return value;
  };
  return {
    role: role as Role,
    transport,
    baseUrl: text("base-url", values["base-url"], DEFAULTS.baseUrl),
    relayDir: text("relay-dir", values["relay-dir"], DEFAULTS.relayDir),
    channel: text("channel", values.channel, DEFAULTS.channel),
    threadId: text("thread-id", values["thread-id"], DEFAULTS.threadId),
    claimKey: text("claim-key", values["claim-key"], DEFAULTS.claimKey),
    timeoutSec,
  };
}

/**
 * Runs `arc smoke-agent`. Prints progress through `out`.
 *
 * @returns 0 when the role finished its part, 1 (after printing why) when it failed
 * @throws {UsageError} for bad flags (the caller prints it and exits 2)
 */
export async function runSmokeAgent(args: string[], io: Io): Promise<number> {
  const { out } = io;
  const config = parseSmokeFlags(args);
  if (config === "help") {
    out(SMOKE_AGENT_HELP);
    return 0;
  }
  const deadline = Date.now() + config.timeoutSec * 1000;
  // One request may take this long (long-polls get their own, longer limit).
  const timeoutMs = Math.max(5, Math.min(config.timeoutSec, 30)) * 1000;
  let client: ArcClient;
  try {
    client = config.transport === "relay"
      ? ArcClient.overRelay({
        agentId: config.role,
        spoolDir: config.relayDir,
        timeoutMs,
      })
      : new ArcClient({
        agentId: config.role,
        baseUrl: config.baseUrl,
        timeoutMs,
      });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const say = (line: string) => out(`${config.role}: ${line}`);
  try {
    await step("open session", () => client.register({ replace: true }));
    const thread = new ThreadWatch(client, config, deadline);
    await ROLE_RUNNERS[config.role](client, config, thread, say);
    say(`passed (${config.transport})`);
    return 0;
  } catch (error) {
    out(`Smoke test failed (${config.role}): ${(error as Error).message}`);
    return 1;
  } finally {
    await client.close();
  }
}

type Runner = (
  client: ArcClient,
  config: SmokeConfig,
  thread: ThreadWatch,
  say: (line: string) => void,
) => Promise<void>;

const ROLE_RUNNERS: Record<Role, Runner> = {
  async "smoke-a"(client, config, thread, say) {
    const { channel, threadId } = config;
    await step("create channel", () => client.createChannel(channel));
    const task = await step(
      "post task",
      () =>
        client.post(channel, "smoke task from smoke-a", {
          kind: "task",
          threadId,
        }),
    );
    say(`posted task ${task.id} in ${channel} (thread ${threadId})`);
    await thread.until(
      "smoke-b's artifact and smoke-c's verification",
      (seen) =>
        has(seen, "smoke-b", "artifact") &&
        has(seen, "smoke-c", "notice", "verified"),
    );
    say("saw smoke-b's artifact and smoke-c's verification");
    await step(
      "post final notice",
      () =>
        client.post(
          channel,
          "smoke-a saw both agents and the smoke test passed from the host side",
          { kind: "notice", threadId },
        ),
    );
  },

  async "smoke-b"(client, config, thread, say) {
    const { channel, threadId, claimKey } = config;
    await thread.until(
      "smoke-a's task",
      (seen) => has(seen, "smoke-a", "task"),
    );
    say("saw smoke-a's task");
    const { acquired, claim } = await step(
      "acquire claim",
      () => client.claim(claimKey, { threadId }),
    );
    if (!acquired) {
      throw new Error(
        `claim ${claimKey} denied to smoke-b (held by ${claim.owner_agent_id})`,
      );
    }
    say(`claimed ${claimKey}`);
    await step(
      "post artifact",
      () =>
        client.post(
          channel,
          `smoke-b reached the hub through ${config.transport} mode`,
          { kind: "artifact", threadId },
        ),
    );
    await step("release claim", () => client.release(claimKey));
    say(`posted the artifact and released ${claimKey}`);
    await thread.until(
      "smoke-c's verification",
      (seen) => has(seen, "smoke-c", "notice", "verified"),
    );
    await step(
      "post confirmation notice",
      () =>
        client.post(
          channel,
          `smoke-b confirms ${config.transport} interop works`,
          { kind: "notice", threadId },
        ),
    );
  },

  async "smoke-c"(client, config, thread, say) {
    const { channel, threadId, claimKey } = config;
    await thread.until(
      "smoke-a's task and smoke-b's artifact",
      (seen) =>
        has(seen, "smoke-a", "task") && has(seen, "smoke-b", "artifact"),
    );
    const claims = await step(
      "list claims",
      () => client.listClaims({ threadId, activeOnly: true }),
    );
    const held = claims.find((c) => c.claim_key === claimKey);
    const state = held ? `held by ${held.owner_agent_id}` : "released";
    say(`saw the task and the artifact; claim ${claimKey} is ${state}`);
    await step(
      "post verifier notice",
      () =>
        client.post(
          channel,
          `smoke-c verified shared visibility across direct HTTP and relay mode (${state})`,
          { kind: "notice", threadId },
        ),
    );
  },
};

/** Collects the thread's channel messages from the agent's events, oldest first. */
class ThreadWatch {
  #client: ArcClient;
  #config: SmokeConfig;
  #deadline: number;
  #seen: Message[] = [];

  constructor(client: ArcClient, config: SmokeConfig, deadline: number) {
    this.#client = client;
    this.#config = config;
    this.#deadline = deadline;
  }

  /** Long-polls until `done` holds for the messages seen so far (history included). */
  async until(what: string, done: (seen: Message[]) => boolean): Promise<void> {
    while (!done(this.#seen)) {
      const remaining = this.#deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(
          `timed out waiting for ${what} on thread ${this.#config.threadId}`,
        );
      }
      const batch = await step("wait for messages", () =>
        this.#client.poll({
          threadId: this.#config.threadId,
          excludeSelf: false,
          timeoutSec: Math.min(
            POLL_SEC[this.#config.transport],
            Math.max(0.1, remaining / 1000),
          ),
          limit: 500,
        }));
      for (const message of batch) {
        if (
          message.channel === this.#config.channel && message.to_agent === null
        ) {
          this.#seen.push(message);
        }
      }
    }
  }
}

function has(
  messages: Message[],
  from: string,
  kind: string,
  bodyIncludes?: string,
): boolean {
  return messages.some((m) =>
    m.from_agent === from && m.kind === kind &&
    (bodyIncludes === undefined || m.body.includes(bodyIncludes))
  );
}

/** Runs one hub call, naming it in the error when it fails. */
async function step<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ArcError) {
      throw new Error(
        `${action} failed: ${error.message}${
          error.status ? ` (status ${error.status})` : ""
        }`,
        { cause: error },
      );
    }
    throw error;
  }
}

function positive(
  name: string,
  value: string | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!value.trim() || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${name} must be a positive number, got '${value}'`);
  }
  return n;
}
