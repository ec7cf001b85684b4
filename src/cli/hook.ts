/**
 * `arc hook`: delivers the agent's direct messages and @mentions into its
 * model's context through the hooks of its host (Claude Code, Codex CLI,
 * Gemini CLI, Cursor; dialects in `hook_hosts.ts`): an orientation at
 * session start, new messages at prompt submit and after tool calls, and a
 * held stop while work is unread. It remembers how far it has read in a
 * small state file, reports the host's events to the hub (agent status),
 * marks what it showed as surfaced, prints nothing when nothing is new or
 * no hub answers, and never registers a session (it would displace the
 * agent's MCP server).
 *
 * @module
 */

import { dirname } from "../path.ts";
import type { ArcClient } from "../client/client.ts";
import { ArcError } from "../client/errors.ts";
import type { Message } from "../client/types.ts";
import { describeMessages, isForAgent } from "../mcp/digest.ts";
import { DEFAULTS } from "../protocol.ts";
import {
  parseCommand,
  secondsFlag,
  switchFlags,
  textFlags,
  UsageError,
} from "./args.ts";
import type { Io } from "./io.ts";
import {
  connect,
  DEFAULT_URL,
  openClient,
  resolveConnection,
  type ResolvedConnection,
} from "./connection.ts";
import {
  canAddContext,
  type Delivery,
  formatAnswer,
  type HookInput,
  type Host,
  HOSTS,
  isPermissionRequest,
  MAX_WAIT_SEC,
  readHookInput,
  statusEvent,
} from "./hook_hosts.ts";
import type { StatusEvent } from "../hub/agent_status.ts";

/** Help for `arc hook`. */
export const HOOK_HELP =
  `Usage: arc hook --agent ID [--host claude|codex|gemini|cursor] [--wait SEC]
                [--base-url URL] [--state FILE] [--event NAME] [--all]

Brings the agent's direct messages and @mentions into its model's context,
run by the agent's host as a hook. It reads the host's hook JSON on stdin
(the event name comes from it) and answers in that host's format:

  session start     an orientation: who is live, the agent's claims and
                    locks, tasks assigned to it, unread messages
  prompt submit     new messages, each once
  after a tool      new urgent messages (never while a tool runs); messages
                    with metadata.arcdeno.priority "background" wait for the
                    next turn boundary (prompt, stop, session start)
  stop              when messages are unread, holds the stop with them as the
                    reason; with --wait SEC it first waits up to SEC seconds
                    for new ones. A stop the hook already held once
                    (stop_hook_active, Cursor's loop_count) is never waited on.

Every run also reports the event to the hub (agent status) and marks what it
showed the model as 'surfaced' for the senders' receipts. It prints nothing
(or {} where the host wants JSON) when nothing is new or no hub answers, and
always exits 0. It does not register a session.

  --agent ID        the agent id (also ARC_AGENT)
  --host NAME       the host whose hook protocol to speak: claude (default),
                    codex, gemini or cursor
  --wait SEC        on stop, wait up to SEC seconds for new work (default 0)
  --base-url URL    the hub (also ARC_URL; default ${DEFAULT_URL})
  --token TOKEN     bearer token for a remote hub (also ARC_TOKEN)
  --state FILE      where the read position is kept
                    (default .arc-hook/<agent>.json in the current directory)
  --approve SEC     on a permission request (Claude Code, Codex CLI
                    PermissionRequest), ask the operator through the hub's
                    approval queue (the dashboard) and wait up to SEC seconds
                    for allow or deny; answered in the host's format. Without
                    a decision in time it prints nothing and the host shows
                    its own prompt. The host's hook timeout must exceed SEC.
  --event NAME      the host's event name, when stdin does not carry it
  --all             also show channel messages that do not mention the agent
  --verbose         say on stderr why nothing was printed (no hub, an error)
  -h, --help        show this help

On a hub with strict identity the hook sends the agent's secret from
ARC_SECRET or from the secrets file 'arc post/poll/whoami' keep
(~/.arc/secrets.json, or ARC_SECRETS_FILE); a refusal (403) is printed on
stderr.

'arc setup HOST' writes the hook configuration; docs/AGENTS.md shows it.
`;

/** How much one run reads at most (pages of the hub's largest limit). */
const MAX_PAGES = 10;
/** How many direct messages the first run shows. */
const FIRST_RUN_DMS = 10;
/** How long each request may take before the run gives up silently. */
const RUN_TIMEOUT_MS = 5_000;
/** Longest single long-poll (the hub caps it at 60 s). */
const POLL_CHUNK_SEC = 30;
/** Most held (background) messages kept in the state file. */
const MAX_PENDING = 200;
/** Most stdin read. */
const MAX_STDIN_BYTES = 1_048_576;

interface HookState {
  cursor: number;
  instance_id: string;
  /** Messages read but held for the next turn boundary (background ones). */
  pending?: Message[];
}

async function readState(path: string): Promise<HookState | undefined> {
  try {
    const value = JSON.parse(await Deno.readTextFile(path));
    if (
      typeof value?.cursor === "number" &&
      typeof value?.instance_id === "string"
    ) {
      return {
        cursor: value.cursor,
        instance_id: value.instance_id,
        pending: Array.isArray(value.pending) ? value.pending : [],
      };
    }
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

/** Whether the sender asked for the message to wait for a turn boundary. */
export function isBackground(message: Message): boolean {
  const vendor = message.metadata?.["arcdeno"];
  return typeof vendor === "object" && vendor !== null &&
    (vendor as Record<string, unknown>)["priority"] === "background";
}

async function readStdin(): Promise<string> {
  if (Deno.stdin.isTerminal()) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of Deno.stdin.readable) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > MAX_STDIN_BYTES) break;
  }
  return new TextDecoder().decode(
    chunks.length === 1 ? chunks[0] : new Uint8Array(
      chunks.flatMap((c) => [...c]),
    ),
  );
}

/** Options `arc hook` runs with, resolved from its flags. */
interface HookRun {
  client: ArcClient;
  connection: ResolvedConnection;
  input: HookInput;
  statePath: string;
  all: boolean;
  waitSec: number;
}

/** Runs `arc hook`; resolves with the exit code. */

export async function runHook(
  args: string[],
  io: Io,
  stdin: () => Promise<string> = readStdin,
): Promise<number> {
  const { out, err } = io;
  const parsed = parseCommand(args, {
    ...textFlags("agent", "host", "wait", "base-url", "token", "state"),
    ...textFlags("event", "approve"),
    ...switchFlags("all", "verbose"),
  }, { help: HOOK_HELP, out });
  if (!parsed) return 0;
  const { values } = parsed;
  const connection = resolveConnection(values, { agent: "required" });
  const host = (values.host ?? "claude") as Host;
  if (!HOSTS.includes(host)) {
    throw new UsageError(
      `--host must be one of ${
        HOSTS.join(", ")
      }: current value is '${values.host}'`,
    );
  }
  const waitSec = secondsFlag("wait", values.wait, MAX_WAIT_SEC) ?? 0;
  const approveSec = secondsFlag("approve", values.approve, MAX_WAIT_SEC) ??
    0;
  const input = readHookInput(host, await stdin(), values.event);
  // Before hosts sent JSON, a bare `arc hook` printed plain text (Claude
  // Code's UserPromptSubmit adds plain stdout to the context as it is).
  const legacy = values.host === undefined && input.event === "";
  if (legacy) input.moment = "prompt";
  // Relative to the working directory, without asking for it (that would
  // need read access to the whole directory).
  const statePath = values.state ??
    `.arc-hook/${safeName(connection.agent)}.json`;
  let delivery: Delivery = {};
  try {
    const { client } = await connect(connection, { timeoutMs: RUN_TIMEOUT_MS });
    const run = {
      client,
      connection,
      input,
      statePath,
      all: values.all ?? false,
      waitSec,
    };
    delivery = approveSec > 0 && isPermissionRequest(input)
      ? await askOperator(run, approveSec)
      : await deliver(run);
  } catch (error) {
    // A hook must never get in the host's way: no hub, no output. A refusal
    // of this agent is worth one line, though, or the silence misleads.
    if (values.verbose || (error instanceof ArcError && error.status === 403)) {
      err(`arc hook: ${(error as Error)?.message ?? error}`);
    }
  }
  if (legacy) {
    if (delivery.text) out(delivery.text);
    return 0;
  }
  const answer = formatAnswer(input, delivery);
  if (answer) out(answer);
  return 0;
}

/** Longest title of an approval the hook asks for. */
const MAX_TITLE = 200;
/** Longest detail (the tool input as JSON). */
const MAX_DETAIL = 16_000;

/** One line saying what a tool call would do, from its input. */
export function describeToolCall(name: string, input: unknown): string {
  let what = "";
  if (typeof input === "object" && input !== null) {
    const fields = input as Record<string, unknown>;
    const first = ["command", "file_path", "path", "url", "pattern", "prompt"]
      .map((k) => fields[k]).find((v) => typeof v === "string");
    what = typeof first === "string" ? first : JSON.stringify(input);
  } else if (input != null) {
    what = String(input);
  }
  const line = (what ? `${name}: ${what}` : name).replace(/\s+/g, " ").trim();
  return line.length > MAX_TITLE ? `${line.slice(0, MAX_TITLE - 1)}…` : line;
}

/**
 * A permission request: asks the operator through the hub's approval queue
 * and waits up to `approveSec` for the decision. Nothing (the host's own
 * prompt) when it expires.
 */

async function askOperator(
  run: HookRun,
  approveSec: number,
): Promise<Delivery> {
  const { client, input } = run;
  const tool = input.tool!;
  const reported = client.reportStatus("approval", input.host).catch(() => {});
  const detail = JSON.stringify(tool.input, null, 2) ?? "";
  const asked = await client.requestApproval(
    describeToolCall(tool.name, tool.input),
    {
      detail: detail.length > MAX_DETAIL
        ? `${detail.slice(0, MAX_DETAIL)}…`
        : detail,
      timeoutSec: approveSec,
      metadata: {
        source: "hook",
        host: input.host,
        event: input.event,
        tool_name: tool.name,
      },
    },
  );
  await reported;
  const deadline = Date.now() + approveSec * 1000;
  let answer = asked;
  while (answer.status === "pending") {
    const left = Math.ceil((deadline - Date.now()) / 1000);
    if (left <= 0) break;
    answer = await client.approval(asked.id, {
      waitSec: Math.min(left, POLL_CHUNK_SEC),
    });
  }
  if (answer.status === "allowed") return { decision: { behavior: "allow" } };
  if (answer.status !== "denied") return {};
  const by = answer.decided_by ? ` by ${answer.decided_by}` : "";
  return {
    decision: {
      behavior: "deny",
      message: `Denied${by} through Arc${
        answer.note ? `: ${answer.note}` : ""
      }`,
    },
  };
}

/** Does what the event calls for; returns what to show the model. */
async function deliver(run: HookRun): Promise<Delivery> {
  const { client, input } = run;
  const report = (event: StatusEvent | undefined) =>
    event
      ? client.reportStatus(event, input.host).catch(() => undefined)
      : Promise.resolve(undefined);
  const moment = input.moment;
  const reported = report(statusEvent(moment));
  if (
    !["session_start", "prompt", "after_tool", "stop"].includes(moment) ||
    (moment !== "stop" && !canAddContext(input.host, moment))
  ) {
    // Nothing may reach the model here: leave unread messages unread.
    await reported;
    return {};
  }
  const info = await client.hubInfo();
  const agentId = client.agentId;
  const saved = await readState(run.statePath);
  const state: HookState = saved?.instance_id === info.instance_id
    ? saved
    : { cursor: -1, instance_id: info.instance_id, pending: [] };
  const fresh = await readNew(client, state, run.all);
  let held = [...(state.pending ?? []), ...fresh];
  let shown: Message[];
  if (moment === "after_tool") {
    shown = held.filter((m) => !isBackground(m));
    held = held.filter(isBackground);
  } else {
    shown = held;
    held = [];
  }
  const canWait = moment === "stop" && !input.stopHookActive &&
    (input.stopStatus === null || input.stopStatus === "completed");
  if (moment === "stop" && !shown.length && run.waitSec > 0 && canWait) {
    await reported;
    shown = await waitForWork(run, state);
  }
  const block = moment === "stop" && shown.length > 0 &&
    (input.stopStatus === null || input.stopStatus === "completed");
  if (moment === "stop" && !block) {
    // The stop goes through: keep what arrived for the next turn.
    held = shown;
    shown = [];
  }
  state.pending = held.slice(-MAX_PENDING);
  await writeState(run.statePath, state);
  await reported;
  // The agent goes on working when its stop is held.
  if (block) await report("prompt");
  const text = moment === "session_start"
    ? await orientation(client, run.connection.url, shown)
    : shown.length
    ? describeUnread(shown, agentId, run.all, block)
    : undefined;
  if (shown.length) {
    await client.surfaced(shown.slice(-100).map((m) => m.id)).catch(() => {});
  }
  return { ...(text ? { text } : {}), ...(block ? { block } : {}) };
}

/** Reads what is new since the state's cursor (moving it), for this agent. */

async function readNew(
  client: ArcClient,
  state: HookState,
  all: boolean,
): Promise<Message[]> {
  const agentId = client.agentId;
  if (state.cursor < 0) {
    // First run (or another database): the latest direct messages, then from now on.
    const boot = await client.bootstrap();
    state.cursor = boot.latest_visible_id;
    return (await client.inbox({ tail: true, limit: FIRST_RUN_DMS }))
      .filter((m) => m.from_agent !== agentId && m.id <= state.cursor);
  }
  const found: Message[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    client.sinceId = state.cursor;
    const batch = await client.poll({
      timeoutSec: 0,
      excludeSelf: true,
      limit: DEFAULTS.maxQueryLimit,
    });
    if (!batch.length) break;
    state.cursor = batch.at(-1)!.id;
    found.push(...batch.filter((m) => forAgent(m, agentId, all)));
    if (batch.length < DEFAULTS.maxQueryLimit) break;
  }
  return found;
}

function forAgent(m: Message, agentId: string, all: boolean): boolean {
  return all ? m.from_agent !== agentId : isForAgent(m, agentId);
}

/** Long-polls up to `--wait` seconds for a message for this agent. */
async function waitForWork(run: HookRun, state: HookState): Promise<Message[]> {
  const waiter = openClient(run.connection, {
    timeoutMs: (POLL_CHUNK_SEC + 10) * 1000,
    secret: run.client.secret,
  });
  const deadline = Date.now() + run.waitSec * 1000;
  while (true) {
    const remaining = Math.ceil((deadline - Date.now()) / 1000);
    if (remaining <= 0) return [];
    waiter.sinceId = state.cursor;
    const batch = await waiter.poll({
      timeoutSec: Math.min(remaining, POLL_CHUNK_SEC),
      excludeSelf: true,
      limit: DEFAULTS.maxQueryLimit,
    });
    if (batch.length) state.cursor = batch.at(-1)!.id;
    const found = batch.filter((m) => forAgent(m, run.client.agentId, run.all));
    if (found.length) return found;
  }
}

/** The text listing unread messages. */

function describeUnread(
  found: Message[],
  agentId: string,
  all: boolean,
  stopping: boolean,
): string {
  const count = `${found.length} unread message${found.length > 1 ? "s" : ""}`;
  return [
    stopping
      ? `Arc: before you stop, ${count} for ${agentId}${
        all ? "" : " (direct or @mention)"
      }:`
      : `Arc: ${count} for ${agentId}${all ? "" : " (direct or @mention)"}:`,
    ...describeMessages(found, agentId),
    "Answer with the arc tools (arc_dm, arc_rpc_reply); arc_poll_messages shows them in full.",
  ].join("\n");
}

/** The session-start orientation. */

async function orientation(
  client: ArcClient,
  baseUrl: string,
  unread: Message[],
): Promise<string> {
  const agentId = client.agentId;
  const [agents, claims, locks, tasks] = await Promise.all([
    client.listAgents(),
    client.listClaims({ activeOnly: true }),
    client.listLocks({ agentId, activeOnly: true }),
    client.readyTasks({ assignee: agentId }).catch(() => []),
  ]);
  const mine = claims.filter((c) => c.owner_agent_id === agentId);
  const others = agents.filter((a) => a.agent_id !== agentId);
  const thread = (t: string | null) => (t ? ` (thread ${t})` : "");
  const lines = [
    `Arc: you are agent '${agentId}' on the hub at ${baseUrl}.`,
    `Live agents: ${
      others.length ? others.map((a) => a.agent_id).join(", ") : "none but you"
    }.`,
    `Your claims: ${
      mine.length
        ? mine.map((c) => `${c.claim_key}${thread(c.thread_id)}`).join(", ")
        : "none"
    }.`,
    `Your locks: ${
      locks.length ? locks.map((l) => l.file_path).join(", ") : "none"
    }.`,
    `Tasks assigned to you and ready: ${
      tasks.length
        ? tasks.map((t) =>
          `#${t.task_id} in #${t.channel}${thread(t.thread_id)}`
        )
          .join(", ")
        : "none"
    }.`,
  ];
  if (unread.length) {
    lines.push(
      `Unread direct messages and mentions (${unread.length}):`,
      ...describeMessages(unread, agentId),
    );
  } else {
    lines.push("No unread direct messages or mentions.");
  }
  lines.push(
    "Use the arc_* tools: arc_poll_messages reads messages in full, arc_dm and arc_rpc_reply answer.",
  );
  return lines.join("\n");
}
