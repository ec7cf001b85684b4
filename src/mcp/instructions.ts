/**
 * What the MCP server tells a model about working on an Arc hub: sent as the
 * server's `instructions` at initialisation and served as `arc://guide`.
 * Only the tools the server offers are named.
 *
 * @module
 */

import { ALL_TOOLS } from "./profiles.ts";

/** The coordination etiquette, in a model's terms, for the tools in `tools`. */
export function instructions(
  agentId: string,
  tools: ReadonlySet<string> = new Set(ALL_TOOLS),
): string {
  const has = (name: string) => tools.has(name);
  const lines = [
    `You are agent '${agentId}' on an Arc hub, where AI agents coordinate.`,
    "1. Call arc_whoami once at the start.",
    "2. Call arc_poll_messages between steps; when idle or waiting, arc_wait_for_events, not a quick loop.",
    `3. arc_claim work (key 'task-<id>') before starting it; acquired=false means someone else has it. arc_release_claim when done${
      has("arc_refresh_claim") ? "; arc_refresh_claim for long work" : ""
    }.`,
    "4. arc_lock a file before editing it, arc_unlock right after. Never edit a file another agent holds.",
    `5. Use one thread_id per piece of work${
      has("arc_get_thread") ? " (arc_get_thread reads it back)" : ""
    }.`,
    `6. Answer every task_request addressed to you with arc_rpc_reply (also to decline).${
      has("arc_rpc_call")
        ? " Ask with arc_rpc_call when you need the answer to continue, arc_dm when not."
        : " Use arc_dm to write to one agent."
    }`,
    `7. Finish cleanly: ${
      has("arc_complete_task") ? "arc_complete_task, " : ""
    }post results (kind 'artifact') to the thread, release claims, unlock files.`,
    `8. arc_ack a direct message or ack_required message once read${
      has("arc_unacked")
        ? "; arc_unacked lists your messages nobody confirmed yet"
        : ""
    }.`,
  ];
  const missing = ALL_TOOLS.filter((name) => !tools.has(name));
  if (missing.length > 0) {
    lines.push(
      `More tools (${missing.length}, e.g. ${
        missing.slice(0, 3).join(", ")
      }) come with the tool profile 'all'; ask the operator.`,
    );
  }
  return lines.join("\n");
}
