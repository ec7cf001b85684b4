/**
 * `arc hook` as a host runs it: a real process against a real hub, with its
 * state file in a temp directory.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { MAIN, startHub } from "../_util.ts";
import { freePort } from "../mcp/_mcp.ts";
import { run } from "./_arc.ts";

function hook(args: string[], cwd: string) {
  return run(
    Deno.execPath(),
    [
      "run",
      // As documented for Claude Code: access to the state directory only.
      "--allow-net=127.0.0.1",
      "--allow-read=.arc-hook",
      "--allow-write=.arc-hook",
      MAIN,
      "hook",
      ...args,
    ],
    { cwd, env: { NO_COLOR: "1" } },
  );
}

Deno.test("arc hook prints unread direct messages and mentions once, then nothing", async () => {
  await using hub = await startHub();
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
