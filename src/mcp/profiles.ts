/**
 * Tool profiles: which Arc tools an MCP server offers. A host pays for every
 * listed tool in each model's context, so the default (`core`) keeps what an
 * agent needs every turn; the other groups add to it, and `all` offers every
 * tool. `--tools` (or `?tools=` on the hub's `/mcp`) takes a profile or a
 * comma-separated list of profiles and tool names.
 *
 * @module
 */

/** The tool groups, by profile name. */
export const TOOL_GROUPS = {
  /** What an agent needs every turn: orient, read, write, answer, lease. */
  core: [
    "arc_whoami",
    "arc_poll_messages",
    "arc_wait_for_events",
    "arc_post_message",
    "arc_dm",
    "arc_rpc_reply",
    "arc_ack",
    "arc_claim",
    "arc_release_claim",
    "arc_lock",
    "arc_unlock",
  ],
  /** Long work on claims and locks, and who holds what. */
  leases: [
    "arc_refresh_claim",
    "arc_list_claims",
    "arc_refresh_lock",
    "arc_list_locks",
  ],
  /** Tasks, threads, asking other agents and asking the operator. */
  tasks: [
    "arc_rpc_call",
    "arc_list_tasks",
    "arc_complete_task",
    "arc_next_task",
    "arc_list_threads",
    "arc_get_thread",
    "arc_request_approval",
  ],
  /** Agents, channels, the inbox, search and delivery receipts. */
  messages: [
    "arc_list_agents",
    "arc_rename",
    "arc_inbox",
    "arc_search",
    "arc_create_channel",
    "arc_list_channels",
    "arc_receipts",
    "arc_unacked",
  ],
} as const;

/** A profile name: a group, or `all`. */
export type ProfileName = keyof typeof TOOL_GROUPS | "all";

/** The profile used when none is given. */
export const DEFAULT_PROFILE: ProfileName = "core";

/** Every tool name, in group order. */
export const ALL_TOOLS: readonly string[] = Object.values(TOOL_GROUPS).flat();

/**
 * The tool names `spec` selects: profiles and tool names separated by commas
 * (`arc_` may be left off). `core` is always included, since no agent works
 * without it.
 *
 * @throws {RangeError} When a part names neither a profile nor a tool.
 */
export function resolveTools(spec: string | undefined): Set<string> {
  const selected = new Set<string>(TOOL_GROUPS.core);
  const parts = (spec ?? DEFAULT_PROFILE).split(",").map((s) => s.trim())
    .filter(Boolean);
  for (const part of parts) {
    const name = part.toLowerCase();
    if (name === "all") {
      for (const tool of ALL_TOOLS) selected.add(tool);
    } else if (Object.hasOwn(TOOL_GROUPS, name)) {
      for (const tool of TOOL_GROUPS[name as keyof typeof TOOL_GROUPS]) {
        selected.add(tool);
      }
    } else {
      const tool = name.startsWith("arc_") ? name : `arc_${name}`;
      if (!ALL_TOOLS.includes(tool)) {
        throw new RangeError(
          `Cannot select tools '${part}': not a profile (${
            [...Object.keys(TOOL_GROUPS), "all"].join(", ")
          }) or a tool name`,
        );
      }
      selected.add(tool);
    }
  }
  return selected;
}
