/**
 * `arc hook` as a host runs it: a real process against a real hub, with its
 * state file in a temp directory.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import type { HubLike } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { freePort } from "../../mcp/_mcp.ts";
import { hookArgs, run, spawnHook, withDir } from "../_arc.ts";

function hook(args: string[], cwd: string) {
  return run(Deno.execPath(), hookArgs(args), {
    cwd,
    env: { NO_COLOR: "1" },
  });
}

Deno.test("arc hook prints unread direct messages and mentions once, then nothing", async () => {
  await using hub = await inProcessHub();
  const dir = await Deno.makeTempDir({ prefix: "arc-hook-" });
  try {
    const args = ["--agent", "alice", "--base-url", hub.url];
    await hub.api("POST", "/v1/messages", {
      from_agent: "bob",
      to_agent: "alice",
      body: "sent before the first run",
    });
    // The first run shows the latest direct messages.
    const first = await hook(args, dir);
    assertEquals(first.code, 0, first.stderr);
    assertStringIncludes(first.stdout, "sent before the first run");
    assertEquals((await hook(args, dir)).stdout, "");

    await hub.api("POST", "/v1/messages", {
      from_agent: "bob",
      to_agent: "alice",
      kind: "task_request",
      body: "please review #12",
    });
    await hub.api("POST", "/v1/messages", {
      from_agent: "carol",
      channel: "general",
      body: "@alice the build is red",
    });
    await hub.api("POST", "/v1/messages", {
      from_agent: "carol",
      channel: "general",
      body: "unrelated chatter",
    });
    const second = await hook(args, dir);
    assertEquals(second.code, 0, second.stderr);
    assertStringIncludes(second.stdout, "2 unread messages for alice");
    assertStringIncludes(second.stdout, "DM from bob [task_request]");
    assertStringIncludes(second.stdout, "please review #12");
    assertStringIncludes(second.stdout, "mention by carol in #general");
    assert(!second.stdout.includes("unrelated chatter"), second.stdout);
    const state = JSON.parse(
      await Deno.readTextFile(`${dir}/.arc-hook/alice.json`),
    );
    assert(state.cursor > 0);

    // Nothing new: nothing printed.
    const third = await hook(args, dir);
    assertEquals([third.code, third.stdout], [0, ""]);

    // For PostToolUse the text travels as additionalContext in JSON.
    await hub.api("POST", "/v1/messages", {
      from_agent: "bob",
      to_agent: "alice",
      body: "one more",
    });
    const json = await hook([...args, "--event", "PostToolUse"], dir);
    const parsed = JSON.parse(json.stdout);
    assertEquals(parsed.hookSpecificOutput.hookEventName, "PostToolUse");
    assertStringIncludes(
      parsed.hookSpecificOutput.additionalContext,
      "one more",
    );
    // The hook never registered a session for alice.
    const agents = await hub.api("GET", "/v1/agents");
    assertEquals(agents.body.result.length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("arc hook is silent and exits 0 when no hub answers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-hook-" });
  try {
    const result = await hook([
      "--agent",
      "alice",
      "--base-url",
      `http://127.0.0.1:${freePort()}`,
    ], dir);
    assertEquals([result.code, result.stdout, result.stderr], [0, "", ""]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function dm(
  hub: HubLike,
  body: string,
  extra: Record<string, unknown> = {},
): Promise<number> {
  const r = await hub.api("POST", "/v1/messages", {
    from_agent: "bob",
    to_agent: "alice",
    body,
    ...extra,
  });
  assertEquals(r.status, 201);
  return r.body.result.id;
}

function unreadText(lines: string[], stopping = false): string {
  const n = lines.length;
  return [
    stopping
      ? `Arc: before you stop, ${n} unread message${
        n > 1 ? "s" : ""
      } for alice (direct or @mention):`
      : `Arc: ${n} unread message${
        n > 1 ? "s" : ""
      } for alice (direct or @mention):`,
    ...lines,
    "Answer with the arc tools (arc_dm, arc_rpc_reply); arc_poll_messages shows them in full.",
  ].join("\n");
}

Deno.test("arc hook --host claude: orientation, prompt, after-tool (urgent only), stop block, stop_hook_active", async () => {
  await using hub = await inProcessHub();
  await withDir(async (dir) => {
    const args = [
      "--agent",
      "alice",
      "--host",
      "claude",
      "--base-url",
      hub.url,
    ];
    await hub.api("POST", "/v1/sessions", { agent_id: "bob" });
    await hub.api("POST", "/v1/claims", {
      claim_key: "task-7",
      owner_agent_id: "alice",
      thread_id: "t7",
    });
    const first = await dm(hub, "welcome aboard");
    const start = await spawnHook(args, dir, {
      session_id: "s1",
      transcript_path: "/tmp/t.jsonl",
      cwd: dir,
      hook_event_name: "SessionStart",
      source: "startup",
    });
    assertEquals(start.code, 0, start.stderr);
    const context = JSON.parse(start.stdout).hookSpecificOutput;
    assertEquals(context.hookEventName, "SessionStart");
    assertEquals(
      context.additionalContext,
      [
        `Arc: you are agent 'alice' on the hub at ${hub.url}.`,
        "Live agents: bob.",
        "Your claims: task-7 (thread t7).",
        "Your locks: none.",
        "Tasks assigned to you and ready: none.",
        "Unread direct messages and mentions (1):",
        `- #${first} DM from bob: welcome aboard`,
        "Use the arc_* tools: arc_poll_messages reads messages in full, arc_dm and arc_rpc_reply answer.",
      ].join("\n"),
    );
    // The sender sees the message surfaced.
    const receipts = await hub.api(
      "GET",
      `/v1/arcdeno/messages/${first}/receipts?agent_id=bob`,
    );
    assertEquals(receipts.body.result.receipts[0].state, "surfaced");

    // After a tool: urgent now, background at the next turn boundary.
    const later = await dm(hub, "when you have a minute", {
      metadata: { arcdeno: { priority: "background" } },
    });
    const urgent = await dm(hub, "the build is red");
    const tool = await spawnHook(args, dir, {
      session_id: "s1",
      hook_event_name: "PostToolUse",
      tool_name: "Bash",
      tool_input: { command: "ls" },
      tool_response: {},
    });
    assertEquals(
      tool.stdout,
      JSON.stringify({
        hookSpecificOutput: {
          hookEventName: "PostToolUse",
          additionalContext: unreadText([
            `- #${urgent} DM from bob: the build is red`,
          ]),
        },
      }),
    );
    const prompt = await spawnHook(args, dir, {
      session_id: "s1",
      hook_event_name: "UserPromptSubmit",
      prompt: "go on",
    });
    assertEquals(
      prompt.stdout,
      JSON.stringify({
        hookSpecificOutput: {
          hookEventName: "UserPromptSubmit",
          additionalContext: unreadText([
            `- #${later} DM from bob: when you have a minute`,
          ]),
        },
      }),
    );

    // Stop: nothing unread lets it through; unread work holds it.
    const stopInput = {
      session_id: "s1",
      hook_event_name: "Stop",
      stop_hook_active: false,
    };
    assertEquals((await spawnHook(args, dir, stopInput)).stdout, "");
    const pending = await dm(hub, "one more thing");
    const held = await spawnHook(args, dir, stopInput);
    assertEquals(
      held.stdout,
      JSON.stringify({
        decision: "block",
        reason: unreadText([`- #${pending} DM from bob: one more thing`], true),
      }),
    );
    // Already continuing after a held stop, with nothing new: no wait, no block.
    const started = performance.now();
    const again = await spawnHook([...args, "--wait", "30"], dir, {
      ...stopInput,
      stop_hook_active: true,
    });
    assertEquals(again.stdout, "");
    assert(performance.now() - started < 20_000, "did not wait");

    // Status came from the hook events.
    const agents = await hub.api("GET", "/v1/agents");
    assertEquals(agents.body.result.length, 1); // bob; the hook registers nobody
    const status = await hub.api("POST", "/v1/arcdeno/agents/alice/status", {
      event: "tool",
      host: "claude",
    });
    assertEquals(status.body.result.state, "working");
  });
});

Deno.test("arc hook --wait: a DM posted while a Stop hook waits blocks the stop within a second", async () => {
  await using hub = await inProcessHub();
  await hub.api("POST", "/v1/sessions", { agent_id: "alice" });
  await withDir(async (dir) => {
    const args = [
      "--agent",
      "alice",
      "--host",
      "claude",
      "--base-url",
      hub.url,
    ];
    // First run sets the read position.
    await spawnHook(args, dir, { hook_event_name: "UserPromptSubmit" });
    const waiting = spawnHook([...args, "--wait", "30"], dir, {
      session_id: "s1",
      hook_event_name: "Stop",
      stop_hook_active: false,
    });
    // The hook reports the stop (idle) before it starts waiting.
    while (true) {
      const agents = await hub.api("GET", "/v1/agents");
      const alice = agents.body.result.find((a: { agent_id: string }) =>
        a.agent_id === "alice"
      );
      if (alice?.arcdeno?.status?.state === "idle") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const posted = performance.now();
    const id = await dm(hub, "new work for you");
    const result = await waiting;
    const elapsed = performance.now() - posted;
    assertEquals(
      result.stdout,
      JSON.stringify({
        decision: "block",
        reason: unreadText([`- #${id} DM from bob: new work for you`], true),
      }),
    );
    assert(elapsed < 1_000, `the stop was held after ${elapsed} ms`);
    // Held: the agent works on.
    const agents = await hub.api("GET", "/v1/agents");
    assertEquals(agents.body.result[0].arcdeno.status.state, "working");
  });
});

Deno.test("arc hook --host codex, gemini and cursor answer in their own formats", async () => {
  await using hub = await inProcessHub();
  await withDir(async (dir) => {
    const base = ["--base-url", hub.url, "--agent", "alice"];
    // Prime each host's read position (separate state files).
    const state = (h: string) => ["--state", `.arc-hook/${h}.json`];
    for (const h of ["codex", "gemini", "cursor"]) {
      await spawnHook([...base, "--host", h, ...state(h)], dir, {
        hook_event_name: h === "cursor" ? "postToolUse" : "SessionStart",
      });
    }
    const id = await dm(hub, "review please");
    const line = [`- #${id} DM from bob: review please`];

    const codex = await spawnHook(
      [...base, "--host", "codex", ...state("codex")],
      dir,
      {
        session_id: "s",
        turn_id: "t",
        cwd: dir,
        hook_event_name: "Stop",
        model: "gpt-5",
        permission_mode: "default",
        stop_hook_active: false,
        transcript_path: null,
        last_assistant_message: "done",
      },
    );
    assertEquals(
      codex.stdout,
      JSON.stringify({ decision: "block", reason: unreadText(line, true) }),
    );

    const gemini = await spawnHook(
      [...base, "--host", "gemini", ...state("gemini")],
      dir,
      {
        session_id: "s",
        transcript_path: "/t",
        cwd: dir,
        hook_event_name: "BeforeAgent",
        timestamp: "2026-01-28T10:00:00Z",
        prompt: "continue",
      },
    );
    assertEquals(
      gemini.stdout,
      JSON.stringify({
        hookSpecificOutput: {
          hookEventName: "BeforeAgent",
          additionalContext: unreadText(line),
        },
      }),
    );
    const geminiQuiet = await spawnHook(
      [...base, "--host", "gemini", ...state("gemini")],
      dir,
      { hook_event_name: "AfterAgent", stop_hook_active: false },
    );
    assertEquals(geminiQuiet.stdout, "{}");

    // Cursor: no context at beforeSubmitPrompt, so the message waits.
    const common = {
      conversation_id: "c",
      generation_id: "g",
      workspace_roots: [dir],
    };
    const cursorArgs = [...base, "--host", "cursor", ...state("cursor")];
    const submit = await spawnHook(cursorArgs, dir, {
      ...common,
      hook_event_name: "beforeSubmitPrompt",
      prompt: "go",
    });
    assertEquals(submit.stdout, '{"continue":true}');
    const stop = await spawnHook(cursorArgs, dir, {
      ...common,
      hook_event_name: "stop",
      status: "completed",
      loop_count: 0,
    });
    assertEquals(
      stop.stdout,
      JSON.stringify({ followup_message: unreadText(line, true) }),
    );
    // An aborted loop is never continued: the message waits for later.
    const second = await dm(hub, "and this");
    const aborted = await spawnHook(cursorArgs, dir, {
      ...common,
      hook_event_name: "stop",
      status: "aborted",
      loop_count: 0,
    });
    assertEquals(aborted.stdout, "{}");
    const post = await spawnHook(cursorArgs, dir, {
      ...common,
      hook_event_name: "postToolUse",
    });
    assertEquals(
      post.stdout,
      JSON.stringify({
        additional_context: unreadText([`- #${second} DM from bob: and this`]),
      }),
    );
  });
});
