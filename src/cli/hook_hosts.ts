/**
 * The hook dialects of the agent hosts `arc hook` serves: how each host
 * names its lifecycle events on stdin, and how it wants context added or a
 * stop held on stdout. Pure functions, so every dialect is tested by its
 * documented JSON alone.
 *
 * Protocols followed (see docs/AGENTS.md s.7.7 for the sources):
 *
 * - Claude Code (hooks reference, code.claude.com/docs/en/hooks):
 *   `SessionStart`, `UserPromptSubmit` and `PostToolUse` add context with
 *   `hookSpecificOutput.additionalContext`; `Stop` holds the stop with
 *   `{"decision":"block","reason"}`; its input has `stop_hook_active`.
 * - Codex CLI (developers.openai.com/codex/hooks and the output schemas in
 *   openai/codex `codex-rs/hooks/schema/generated/`): the same field names
 *   as Claude Code for those four events.
 * - Gemini CLI (geminicli.com/docs/hooks/reference): `SessionStart`,
 *   `BeforeAgent` and `AfterTool` add `hookSpecificOutput.additionalContext`;
 *   `AfterAgent` with `{"decision":"deny","reason"}` sends the reason back
 *   as a new prompt; stdout must be JSON only, `{}` for nothing.
 * - Permission requests (`arc hook --approve SEC`): Claude Code's
 *   `PermissionRequest` (hooks reference, code.claude.com/docs/en/hooks)
 *   and Codex CLI's (added in openai/codex PR #17563, April 2026; schema
 *   `permission-request.command.output.schema.json`) both send `tool_name`
 *   and `tool_input` and take
 *   `{"hookSpecificOutput":{"hookEventName":"PermissionRequest",
 *   "decision":{"behavior":"allow"|"deny","message"}}}`; a hook that prints
 *   nothing leaves the host to its own prompt. Codex refuses the fields
 *   `updatedInput`, `updatedPermissions` and `interrupt: true`, so none are
 *   sent.
 * - Cursor (cursor.com/docs/agent/hooks, hooks.json version 1):
 *   `sessionStart` and `postToolUse` add `additional_context`;
 *   `beforeSubmitPrompt` cannot add context (it answers `continue`); `stop`
 *   continues the agent with `followup_message`, bounded by `loop_count`
 *   on stdin and `loop_limit` in hooks.json.
 *
 * @module
 */

import type { StatusEvent } from "../hub/agent_status.ts";

/** The hosts `arc hook --host` speaks for. */
export const HOSTS = ["claude", "codex", "gemini", "cursor"] as const;

/** One of {@linkcode HOSTS}. */
export type Host = typeof HOSTS[number];

/** Longest `--wait` of `arc hook` (and of the hooks `arc setup` writes). */
export const MAX_WAIT_SEC = 3_600;

/** What a host event means to Arc. */
export type Moment =
  | "session_start"
  /** The user submitted a prompt: a turn boundary. */
  | "prompt"
  /** A tool finished (never while it runs): urgent messages only. */
  | "after_tool"
  /** A tool is about to run: status only, never a delivery. */
  | "before_tool"
  /** The host asks its human to approve something: status only. */
  | "approval"
  | "stop"
  | "session_end"
  /** An event Arc has nothing to do with. */
  | "other";

/** A host's hook input, read. */
export interface HookInput {
  host: Host;
  /** The host's own event name. */
  event: string;
  moment: Moment;
  /** The host is already continuing because a stop hook held the stop. */
  stopHookActive: boolean;
  /** Cursor's `stop` status: only a `completed` loop is held. */
  stopStatus: string | null;
  /** The tool a permission request is about (`tool_name`, `tool_input`). */
  tool: { name: string; input: unknown } | null;
}

/** What the hook answers. */
export interface Delivery {
  /** Text for the model's context; undefined when there is nothing. */
  text?: string;
  /** Hold the stop with `text` as the reason (stop events only). */
  block?: boolean;
  /** The operator's answer to a permission request. */
  decision?: { behavior: "allow" | "deny"; message?: string };
}

/** Hosts whose permission request a hook may answer (`arc hook --approve`). */
export const APPROVAL_HOSTS: ReadonlySet<Host> = new Set(["claude", "codex"]);

/** Whether this input is a permission request the hook may answer for the operator. */
export function isPermissionRequest(input: HookInput): boolean {
  return APPROVAL_HOSTS.has(input.host) &&
    input.event === "PermissionRequest" && input.tool !== null;
}

/** Claude Code's event names, which Codex CLI shares (it has no SessionEnd). */
const CLAUDE_EVENTS: Record<string, Moment> = {
  SessionStart: "session_start",
  UserPromptSubmit: "prompt",
  PreToolUse: "before_tool",
  PostToolUse: "after_tool",
  PermissionRequest: "approval",
  Stop: "stop",
};

const MOMENTS: Record<Host, Record<string, Moment>> = {
  claude: { ...CLAUDE_EVENTS, SessionEnd: "session_end" },
  codex: CLAUDE_EVENTS,
  gemini: {
    SessionStart: "session_start",
    BeforeAgent: "prompt",
    BeforeTool: "before_tool",
    AfterTool: "after_tool",
    AfterAgent: "stop",
    SessionEnd: "session_end",
  },
  cursor: {
    sessionStart: "session_start",
    beforeSubmitPrompt: "prompt",
    preToolUse: "before_tool",
    beforeShellExecution: "before_tool",
    beforeMCPExecution: "before_tool",
    postToolUse: "after_tool",
    stop: "stop",
    sessionEnd: "session_end",
  },
};

/** Events that can put text in front of the model, per host. */
const CAN_ADD_CONTEXT: Record<Host, ReadonlySet<Moment>> = {
  claude: new Set(["session_start", "prompt", "after_tool"]),
  codex: new Set(["session_start", "prompt", "after_tool"]),
  gemini: new Set(["session_start", "prompt", "after_tool"]),
  // Cursor's beforeSubmitPrompt answers only `continue` and `user_message`.
  cursor: new Set(["session_start", "after_tool"]),
};

/** Whether `host` lets a hook add text to the model's context at `moment` (stops aside). */
export function canAddContext(host: Host, moment: Moment): boolean {
  return CAN_ADD_CONTEXT[host].has(moment);
}

/** Reads a host's hook JSON; `eventOverride` (`--event`) wins over its event name. */

export function readHookInput(
  host: Host,
  raw: string,
  eventOverride?: string,
): HookInput {
  let json: Record<string, unknown> = {};
  if (raw.trim()) {
    try {
      const parsed = JSON.parse(raw);
      if (typeof parsed === "object" && parsed !== null) json = parsed;
    } catch {
      // not JSON: treat as no input
    }
  }
  const event = eventOverride ??
    (typeof json["hook_event_name"] === "string"
      ? json["hook_event_name"]
      : "");
  let moment: Moment = MOMENTS[host][event] ?? "other";
  const notice = json["notification_type"];
  if (
    event === "Notification" &&
    (notice === "permission_prompt" || notice === "ToolPermission")
  ) moment = "approval";
  const loops = json["loop_count"];
  return {
    host,
    event,
    moment,
    stopHookActive: json["stop_hook_active"] === true ||
      (typeof loops === "number" && loops > 0),
    stopStatus: typeof json["status"] === "string" ? json["status"] : null,
    tool: typeof json["tool_name"] === "string"
      ? { name: json["tool_name"], input: json["tool_input"] ?? null }
      : null,
  };
}

/** The status event a moment reports to the hub, if any. */
export function statusEvent(moment: Moment): StatusEvent | undefined {
  switch (moment) {
    case "session_start":
      return "session_start";
    case "prompt":
      return "prompt";
    case "before_tool":
    case "after_tool":
      return "tool";
    case "approval":
      return "approval";
    case "stop":
      return "stop";
    case "session_end":
      return "session_end";
    default:
      return undefined;
  }
}

/** The hook's stdout in the host's dialect ("" when the host wants nothing). */
export function formatAnswer(input: HookInput, delivery: Delivery): string {
  const { host, moment, event } = input;
  const text = delivery.text;
  const quiet = host === "gemini" || host === "cursor" ? "{}" : "";
  if (moment === "approval") {
    if (!delivery.decision || !APPROVAL_HOSTS.has(host)) return quiet;
    return JSON.stringify({
      hookSpecificOutput: {
        hookEventName: "PermissionRequest",
        decision: delivery.decision,
      },
    });
  }
  if (moment === "stop") {
    if (!delivery.block || !text) return quiet;
    if (host === "gemini") {
      return JSON.stringify({ decision: "deny", reason: text });
    }
    if (host === "cursor") return JSON.stringify({ followup_message: text });
    return JSON.stringify({ decision: "block", reason: text });
  }
  if (host === "cursor" && moment === "prompt") {
    return JSON.stringify({ continue: true });
  }
  if (!text || !canAddContext(host, moment)) return quiet;
  if (host === "cursor") return JSON.stringify({ additional_context: text });
  return JSON.stringify({
    hookSpecificOutput: { hookEventName: event, additionalContext: text },
  });
}
