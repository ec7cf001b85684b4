/**
 * The configuration blocks each agent host needs for Arc: the MCP server
 * (over HTTP at the hub's `/mcp`) and the `arc hook` hooks. One source of
 * truth: `arc setup` writes them and a test checks that docs/AGENTS.md
 * shows the same blocks.
 *
 * @module
 */

import type { Host } from "./hook_hosts.ts";

/** What the blocks are made for. */
export interface HostConfigOptions {
  /** The agent id. */
  agent: string;
  /** The hub's base URL. */
  baseUrl: string;
  /** The command that runs `arc` up to (not including) `hook`. */
  arcCommand: string;
  /** Seconds a Stop hook waits for new work. @default 0 */
  waitSec?: number;
  /**
   * Seconds a permission request waits for the operator's decision
   * (`arc hook --approve`), on the hosts whose hook can answer one (Claude
   * Code, Codex CLI); 0 leaves permission prompts to the host. @default 0
   */
  approveSec?: number;
}

/** One file's part: a JSON object merged in, or a TOML table replaced. */
export type ConfigPart =
  | { path: string; kind: "json"; value: Record<string, unknown> }
  | { path: string; kind: "toml"; table: string; body: string };

/** Seconds a hook may run when it does not wait. */
const HOOK_TIMEOUT_SEC = 10;

/** The `arc hook` command line for one host. */
export function hookCommand(host: Host, o: HostConfigOptions): string {
  return `${o.arcCommand} hook --host ${host} --agent ${o.agent} --base-url ${o.baseUrl}`;
}

function mcpUrl(o: HostConfigOptions): string {
  return `${o.baseUrl}/mcp?agent=${encodeURIComponent(o.agent)}`;
}

/** Claude Code, Codex CLI: `{hooks: [{type, command, timeout}]}` groups. */

function commandGroup(
  command: string,
  timeout: number,
  matcher?: string,
): Record<string, unknown> {
  return {
    ...(matcher !== undefined ? { matcher } : {}),
    hooks: [{ type: "command", command, timeout }],
  };
}

/** The parts `arc setup HOST` writes, in the project directory. */
export function hostConfig(host: Host, o: HostConfigOptions): ConfigPart[] {
  const cmd = hookCommand(host, o);
  const wait = o.waitSec ?? 0;
  const stopCmd = wait > 0 ? `${cmd} --wait ${wait}` : cmd;
  const stopTimeout = HOOK_TIMEOUT_SEC + wait;
  const approve = o.approveSec ?? 0;
  // The host must not kill the hook while it waits for the operator.
  const permission = approve > 0
    ? [commandGroup(`${cmd} --approve ${approve}`, HOOK_TIMEOUT_SEC + approve)]
    : [commandGroup(cmd, HOOK_TIMEOUT_SEC)];
  switch (host) {
    case "claude":
      return [
        {
          path: ".mcp.json",
          kind: "json",
          value: { mcpServers: { arc: { type: "http", url: mcpUrl(o) } } },
        },
        {
          path: ".claude/settings.json",
          kind: "json",
          value: {
            hooks: {
              SessionStart: [commandGroup(cmd, HOOK_TIMEOUT_SEC)],
              UserPromptSubmit: [commandGroup(cmd, HOOK_TIMEOUT_SEC)],
              PostToolUse: [commandGroup(cmd, HOOK_TIMEOUT_SEC, "*")],
              Notification: [commandGroup(cmd, HOOK_TIMEOUT_SEC)],
              // Its Notification hook already reports permission prompts:
              // PermissionRequest only when the operator answers them.
              ...(approve > 0 ? { PermissionRequest: permission } : {}),
              Stop: [commandGroup(stopCmd, stopTimeout)],
              SessionEnd: [commandGroup(cmd, HOOK_TIMEOUT_SEC)],
            },
          },
        },
      ];
    case "codex":
      return [
        {
          path: ".codex/config.toml",
          kind: "toml",
          table: "mcp_servers.arc",
          body: `url = "${mcpUrl(o)}"\ntool_timeout_sec = 120\n`,
        },
        {
          path: ".codex/hooks.json",
          kind: "json",
          value: {
            hooks: {
              SessionStart: [commandGroup(cmd, HOOK_TIMEOUT_SEC)],
              UserPromptSubmit: [commandGroup(cmd, HOOK_TIMEOUT_SEC)],
              PostToolUse: [commandGroup(cmd, HOOK_TIMEOUT_SEC)],
              PermissionRequest: permission,
              Stop: [commandGroup(stopCmd, stopTimeout)],
            },
          },
        },
      ];
    case "gemini": {
      // Gemini CLI's hook timeout is in milliseconds.
      const group = (command: string, sec: number, matcher = "*") => ({
        matcher,
        hooks: [{ name: "arc", type: "command", command, timeout: sec * 1000 }],
      });
      return [{
        path: ".gemini/settings.json",
        kind: "json",
        value: {
          mcpServers: { arc: { httpUrl: mcpUrl(o), timeout: 120000 } },
          hooks: {
            SessionStart: [group(cmd, HOOK_TIMEOUT_SEC)],
            BeforeAgent: [group(cmd, HOOK_TIMEOUT_SEC)],
            AfterTool: [group(cmd, HOOK_TIMEOUT_SEC)],
            Notification: [group(cmd, HOOK_TIMEOUT_SEC)],
            AfterAgent: [group(stopCmd, stopTimeout)],
            SessionEnd: [group(cmd, HOOK_TIMEOUT_SEC)],
          },
        },
      }];
    }
    case "cursor":
      return [
        {
          path: ".cursor/mcp.json",
          kind: "json",
          value: { mcpServers: { arc: { url: mcpUrl(o) } } },
        },
        {
          path: ".cursor/hooks.json",
          kind: "json",
          value: {
            version: 1,
            hooks: {
              sessionStart: [{ command: cmd }],
              beforeSubmitPrompt: [{ command: cmd }],
              postToolUse: [{ command: cmd }],
              stop: [{ command: stopCmd }],
              sessionEnd: [{ command: cmd }],
            },
          },
        },
      ];
  }
}

/** Whether a hook entry (any host's shape) runs `arc hook`. */
function isArcHook(entry: unknown): boolean {
  return JSON.stringify(entry).includes(" hook --host ");
}

/**
 * Merges `part` into an existing JSON document: `mcpServers.arc` is
 * replaced, `arc hook` entries of each event are replaced (and removed from
 * events the part leaves out) and every other entry is kept. Merging twice
 * gives the same document.
 */

export function mergeJson(
  existing: Record<string, unknown>,
  part: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...existing };
  for (const [key, value] of Object.entries(part)) {
    const current = out[key];
    if (key === "hooks" && isRecord(value)) {
      const hooks: Record<string, unknown> = isRecord(current)
        ? { ...current }
        : {};
      // The part holds every Arc hook of the file: an Arc hook of an event
      // it leaves out (PermissionRequest after --approve is dropped) goes.
      for (const [event, groups] of Object.entries(hooks)) {
        if (event in value || !Array.isArray(groups)) continue;
        const kept = groups.filter((g) => !isArcHook(g));
        if (kept.length === groups.length) continue;
        if (kept.length) hooks[event] = kept;
        else delete hooks[event];
      }
      for (const [event, groups] of Object.entries(value)) {
        const kept = Array.isArray(hooks[event])
          ? (hooks[event] as unknown[]).filter((g) => !isArcHook(g))
          : [];
        hooks[event] = [...kept, ...(groups as unknown[])];
      }
      out[key] = hooks;
    } else if (key === "mcpServers" && isRecord(value)) {
      out[key] = { ...(isRecord(current) ? current : {}), ...value };
    } else if (!(key in out)) {
      out[key] = value;
    }
  }
  return out;
}

/** Replaces (or appends) one `[table]` of a TOML document, keeping the rest. */

export function mergeToml(
  existing: string,
  table: string,
  body: string,
): string {
  const header = `[${table}]`;
  const lines = existing.split("\n");
  const start = lines.findIndex((l) => l.trim() === header);
  const block = `${header}\n${body}`.replace(/\n*$/, "");
  if (start < 0) {
    const text = existing.replace(/\n*$/, "");
    return `${text ? `${text}\n\n` : ""}${block}\n`;
  }
  let end = start + 1;
  // The table runs to the next header that is not one of its own sub-tables.
  while (
    end < lines.length &&
    !(/^\s*\[/.test(lines[end]!) &&
      !lines[end]!.trim().startsWith(`[${table}.`))
  ) end++;
  const before = lines.slice(0, start).join("\n");
  const after = lines.slice(end).join("\n").replace(/^\n*/, "")
    .replace(/\n*$/, "");
  return [before.replace(/\n*$/, ""), block, after].filter(Boolean)
    .join("\n\n") + "\n";
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
