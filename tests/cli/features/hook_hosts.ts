/**
 * The hook dialects, fed each host's documented stdin JSON; the answers are
 * checked exactly.
 *
 * @module
 */

import { assertEquals } from "../../_assert.ts";
import {
  canAddContext,
  formatAnswer,
  readHookInput,
  statusEvent,
} from "../../../src/cli/hook_hosts.ts";

const TEXT = "Arc: 1 unread message for alice (direct or @mention):";

Deno.test("readHookInput() - Claude Code events from stdin", () => {
  const start = readHookInput(
    "claude",
    JSON.stringify({
      session_id: "abc123",
      transcript_path: "/tmp/t.jsonl",
      cwd: "/work",
      hook_event_name: "SessionStart",
      source: "startup",
    }),
  );
  assertEquals([start.event, start.moment], ["SessionStart", "session_start"]);
  const stop = readHookInput(
    "claude",
    JSON.stringify({
      session_id: "abc123",
      hook_event_name: "Stop",
      stop_hook_active: true,
    }),
  );
  assertEquals([stop.moment, stop.stopHookActive], ["stop", true]);
  const note = readHookInput(
    "claude",
    JSON.stringify({
      hook_event_name: "Notification",
      message: "Claude needs your permission to use Bash",
      notification_type: "permission_prompt",
    }),
  );
  assertEquals(note.moment, "approval");
  assertEquals(statusEvent(note.moment), "approval");
  // Not JSON, or no event: nothing Arc acts on.
  assertEquals(readHookInput("claude", "not json").moment, "other");
  // --event wins over stdin.
  assertEquals(
    readHookInput("claude", "", "PostToolUse").moment,
    "after_tool",
  );
});

Deno.test("formatAnswer() - Claude Code and Codex CLI: additionalContext and decision block", () => {
  for (const host of ["claude", "codex"] as const) {
    for (const event of ["SessionStart", "UserPromptSubmit", "PostToolUse"]) {
      const input = readHookInput(
        host,
        JSON.stringify({ hook_event_name: event, session_id: "s" }),
      );
      assertEquals(
        formatAnswer(input, { text: TEXT }),
        JSON.stringify({
          hookSpecificOutput: { hookEventName: event, additionalContext: TEXT },
        }),
      );
      assertEquals(formatAnswer(input, {}), "");
    }
    const stop = readHookInput(
      host,
      JSON.stringify({
        hook_event_name: "Stop",
        session_id: "s",
        turn_id: "t",
        stop_hook_active: false,
        last_assistant_message: "done",
      }),
    );
    assertEquals(
      formatAnswer(stop, { text: TEXT, block: true }),
      `{"decision":"block","reason":${JSON.stringify(TEXT)}}`,
    );
    assertEquals(formatAnswer(stop, {}), "");
    // A tool about to run never gets messages.
    const pre = readHookInput(
      host,
      JSON.stringify({ hook_event_name: "PreToolUse", tool_name: "Bash" }),
    );
    assertEquals(formatAnswer(pre, { text: TEXT }), "");
  }
});

Deno.test("formatAnswer() - Gemini CLI: JSON only, deny on AfterAgent, {} for nothing", () => {
  const before = readHookInput(
    "gemini",
    JSON.stringify({
      session_id: "s",
      transcript_path: "/t",
      cwd: "/w",
      hook_event_name: "BeforeAgent",
      timestamp: "2026-01-28T10:00:00Z",
      prompt: "go on",
    }),
  );
  assertEquals(before.moment, "prompt");
  assertEquals(
    formatAnswer(before, { text: TEXT }),
    JSON.stringify({
      hookSpecificOutput: {
        hookEventName: "BeforeAgent",
        additionalContext: TEXT,
      },
    }),
  );
  assertEquals(formatAnswer(before, {}), "{}");
  const after = readHookInput(
    "gemini",
    JSON.stringify({
      hook_event_name: "AfterAgent",
      prompt: "go on",
      prompt_response: "done",
      stop_hook_active: false,
    }),
  );
  assertEquals(after.moment, "stop");
  assertEquals(
    formatAnswer(after, { text: TEXT, block: true }),
    `{"decision":"deny","reason":${JSON.stringify(TEXT)}}`,
  );
  assertEquals(formatAnswer(after, {}), "{}");
  const tool = readHookInput(
    "gemini",
    JSON.stringify({ hook_event_name: "AfterTool", tool_name: "read_file" }),
  );
  assertEquals(tool.moment, "after_tool");
  const permission = readHookInput(
    "gemini",
    JSON.stringify({
      hook_event_name: "Notification",
      notification_type: "ToolPermission",
      message: "approve?",
    }),
  );
  assertEquals(permission.moment, "approval");
});

Deno.test("formatAnswer() - Cursor: additional_context, followup_message, no context at beforeSubmitPrompt", () => {
  const common = {
    conversation_id: "c1",
    generation_id: "g1",
    workspace_roots: ["/w"],
  };
  const start = readHookInput(
    "cursor",
    JSON.stringify({ ...common, hook_event_name: "sessionStart" }),
  );
  assertEquals(
    formatAnswer(start, { text: TEXT }),
    JSON.stringify({ additional_context: TEXT }),
  );
  const prompt = readHookInput(
    "cursor",
    JSON.stringify({
      ...common,
      hook_event_name: "beforeSubmitPrompt",
      prompt: "fix it",
    }),
  );
  assertEquals(canAddContext("cursor", prompt.moment), false);
  assertEquals(formatAnswer(prompt, { text: TEXT }), '{"continue":true}');
  const post = readHookInput(
    "cursor",
    JSON.stringify({ ...common, hook_event_name: "postToolUse" }),
  );
  assertEquals(
    formatAnswer(post, { text: TEXT }),
    JSON.stringify({ additional_context: TEXT }),
  );
  assertEquals(formatAnswer(post, {}), "{}");
  const stop = readHookInput(
    "cursor",
    JSON.stringify({
      ...common,
      hook_event_name: "stop",
      status: "completed",
      loop_count: 0,
    }),
  );
  assertEquals([stop.moment, stop.stopHookActive, stop.stopStatus], [
    "stop",
    false,
    "completed",
  ]);
  assertEquals(
    formatAnswer(stop, { text: TEXT, block: true }),
    JSON.stringify({ followup_message: TEXT }),
  );
  // A follow-up loop counts as an active stop hook.
  const again = readHookInput(
    "cursor",
    JSON.stringify({ ...common, hook_event_name: "stop", loop_count: 1 }),
  );
  assertEquals(again.stopHookActive, true);
});
