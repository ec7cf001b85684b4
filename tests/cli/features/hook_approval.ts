/**
 * `arc hook --approve` on a host's permission request: a real hook process
 * with the host's JSON on stdin asks the operator through a real hub's
 * approval queue and answers the decision in the host's format.
 *
 * @module
 */

import { assertEquals, assertStringIncludes } from "../../_assert.ts";
import { eventually, type HubLike, must } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { spawnHook, withDir } from "../_arc.ts";

/** A Claude Code PermissionRequest, as its hooks reference documents it. */
const CLAUDE_REQUEST = {
  session_id: "s-1",
  transcript_path: "/tmp/t.jsonl",
  cwd: "/work/project",
  permission_mode: "default",
  hook_event_name: "PermissionRequest",
  tool_name: "Bash",
  tool_input: { command: "rm -rf build", description: "Clean the build" },
};

async function pendingOf(hub: HubLike, agent: string) {
  return await eventually(async () => {
    const list = await must(
      hub,
      "GET",
      `/v1/arcdeno/approvals?status=pending&agent_id=${agent}`,
    );
    return list[0];
  }, { what: "the hook's approval request" });
}

Deno.test("arc hook --approve: a Claude Code PermissionRequest waits for the operator and prints the deny decision", async () => {
  await using hub = await inProcessHub();
  await withDir(async (dir) => {
    const running = spawnHook(
      [
        "--host",
        "claude",
        "--agent",
        "alice",
        "--base-url",
        hub.url,
        "--approve",
        "30",
      ],
      dir,
      CLAUDE_REQUEST,
    );
    const pending = await pendingOf(hub, "alice");
    assertEquals(pending.title, "Bash: rm -rf build");
    assertStringIncludes(pending.detail, '"command": "rm -rf build"');
    assertEquals(pending.metadata.tool_name, "Bash");
    assertEquals(pending.metadata.host, "claude");
    await must(hub, "POST", `/v1/arcdeno/approvals/${pending.id}/decide`, {
      decision: "deny",
      by: "operator",
      note: "not on main",
    });
    const out = await running;
    assertEquals(out.code, 0, out.stderr);
    assertEquals(JSON.parse(out.stdout), {
      hookSpecificOutput: {
        hookEventName: "PermissionRequest",
        decision: {
          behavior: "deny",
          message: "Denied by operator through Arc: not on main",
        },
      },
    });
  });
});

Deno.test("arc hook --approve: a Codex CLI PermissionRequest gets the allow decision", async () => {
  await using hub = await inProcessHub();
  await withDir(async (dir) => {
    const running = spawnHook(
      [
        "--host",
        "codex",
        "--agent",
        "bob",
        "--base-url",
        hub.url,
        "--approve",
        "30",
      ],
      dir,
      {
        session_id: "c-1",
        turn_id: "t-1",
        hook_event_name: "PermissionRequest",
        tool_name: "Bash",
        tool_input: { command: "curl https://example.com" },
      },
    );
    const pending = await pendingOf(hub, "bob");
    assertEquals(pending.title, "Bash: curl https://example.com");
    await must(hub, "POST", `/v1/arcdeno/approvals/${pending.id}/decide`, {
      decision: "allow",
    });
    const out = await running;
    assertEquals(JSON.parse(out.stdout), {
      hookSpecificOutput: {
        hookEventName: "PermissionRequest",
        decision: { behavior: "allow" },
      },
    });
  });
});

Deno.test("arc hook --approve: without a decision in time it prints nothing and the request expires", async () => {
  await using hub = await inProcessHub();
  await withDir(async (dir) => {
    const running = spawnHook(
      [
        "--host",
        "claude",
        "--agent",
        "carol",
        "--base-url",
        hub.url,
        "--approve",
        "1",
      ],
      dir,
      CLAUDE_REQUEST,
    );
    await eventually(async () =>
      (await must(hub, "GET", "/v1/arcdeno/approvals?status=pending"))[0]
    );
    // The hub's time passes the request's; the hook's own wait ends after 1 s.
    await hub.advance(2_000);
    const out = await running;
    assertEquals([out.code, out.stdout], [0, ""]);
    const expired = await must(
      hub,
      "GET",
      "/v1/arcdeno/approvals?status=expired&agent_id=carol",
    );
    assertEquals(expired.length, 1);
  });
});

Deno.test("arc hook without --approve leaves a PermissionRequest to the host", async () => {
  await using hub = await inProcessHub();
  await withDir(async (dir) => {
    const out = await spawnHook(
      ["--host", "claude", "--agent", "dave", "--base-url", hub.url],
      dir,
      CLAUDE_REQUEST,
    );
    assertEquals([out.code, out.stdout], [0, ""]);
    assertEquals(await must(hub, "GET", "/v1/arcdeno/approvals"), []);
  });
});
