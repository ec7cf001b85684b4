/**
 * The digest of `arc mcp`: new direct messages and @mentions appended to a
 * tool result once, through a real MCP client over stdio and a real hub.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import type { HubLike } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { BRIDGED, startMcp } from "../_mcp.ts";
import { ArcClient } from "../../../src/client/mod.ts";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types";

function digestOf(result: CallToolResult): string | undefined {
  const texts = result.content.flatMap((c) =>
    c.type === "text" ? [c.text] : []
  );
  return texts.find((t) => t.startsWith("[arc]"));
}

async function say(hub: HubLike, body: Record<string, unknown>) {
  const reply = await hub.api("POST", "/v1/messages", {
    from_agent: "bob",
    ...body,
  });
  assertEquals(reply.status, 201);
  return reply.body.result.id as number;
}

Deno.test("arc mcp: new direct messages and mentions are appended to the next tool result once", async () => {
  await using hub = await inProcessHub();
  await using alice = await startMcp({ baseUrl: hub.url, agent: "alice" });
  await alice.call("arc_whoami");
  const dm = await say(hub, { to_agent: "alice", body: "can you review #12?" });
  const mention = await say(hub, {
    channel: "general",
    body: "@alice the build is red",
  });
  const other = await say(hub, {
    channel: "general",
    body: "@alicexyz and @bob, lunch?",
  });
  const first = await alice.raw("arc_list_channels");
  assert(!first.isError);
  const digest = digestOf(first);
  assert(digest, "no digest on the tool result");
  assertStringIncludes(digest, `#${dm} DM from bob`);
  assertStringIncludes(digest, "can you review #12?");
  assertStringIncludes(digest, `#${mention} mention by bob in #general`);
  assert(!digest.includes(`#${other}`), digest);
  // The structured result is unchanged.
  assert(Array.isArray(first.structuredContent?.["channels"]));

  // Reported once.
  assertEquals(digestOf(await alice.raw("arc_list_channels")), undefined);

  // A read that returns the message itself is not followed by a digest of it.
  const later = await say(hub, { to_agent: "alice", body: "ping" });
  const poll = await alice.raw("arc_poll_messages", { timeout: 0 });
  const ids = (poll.structuredContent?.["messages"] as { id: number }[]).map((
    m,
  ) => m.id);
  assert(ids.includes(later), JSON.stringify(ids));
  assertEquals(digestOf(poll), undefined);
  assertEquals(digestOf(await alice.raw("arc_whoami")), undefined);
  // The hub's /mcp built these results; the process only bridged them.
  assertStringIncludes(alice.stderr(), BRIDGED);
});

Deno.test("arc mcp --no-digest: tool results carry no digest", async () => {
  await using hub = await inProcessHub();
  await using alice = await startMcp({
    baseUrl: hub.url,
    agent: "alice",
    args: ["--no-digest"],
  });
  await alice.call("arc_whoami");
  await say(hub, { to_agent: "alice", body: "hello?" });
  const result = await alice.raw("arc_list_channels");
  assertEquals(result.content.length, 1);
  assertEquals(digestOf(result), undefined);
  // The message is still there to read.
  const poll = await alice.call("arc_poll_messages", { timeout: 0 });
  assertEquals(poll.messages.map((m: { body: string }) => m.body), ["hello?"]);
  assertStringIncludes(alice.stderr(), BRIDGED);
});

Deno.test("arc mcp: arc_rpc_call reports a refusal with the callee's reason", async () => {
  await using hub = await inProcessHub();
  await using alice = await startMcp({ baseUrl: hub.url, agent: "alice" });
  await alice.call("arc_whoami");
  const worker = new ArcClient({ agentId: "worker", baseUrl: hub.url });
  await worker.register();
  try {
    const serving = (async () => {
      while (true) {
        for (const m of await worker.poll({ timeoutSec: 10 })) {
          if (m.kind === "task_request") {
            return await worker.reject(m, "I only review");
          }
        }
      }
    })();
    const result = await alice.raw("arc_rpc_call", {
      to_agent: "worker",
      body: "build it",
      timeout: 20,
    });
    await serving;
    assert(!result.isError);
    const text = result.content[0]?.type === "text"
      ? result.content[0].text
      : "";
    assertStringIncludes(text, "'worker' rejected request");
    assertStringIncludes(text, "I only review");
  } finally {
    await worker.close();
  }
});
