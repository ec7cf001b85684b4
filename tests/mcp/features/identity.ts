/**
 * Strict agent identity through `arc mcp`: the server for an agent keeps its
 * session secret by itself (the user passes none, the model never sees it),
 * and a server started for an agent someone else holds cannot act as it.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { request } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { BRIDGED, LOCAL, startMcp } from "../_mcp.ts";

Deno.test("strict identity over MCP: alice's server works with no secret given, a server posing as alice is refused", async () => {
  await using hub = await inProcessHub({ args: ["--strict-identity"] });
  await using alice = await startMcp({ agent: "alice", baseUrl: hub.url });
  await using bob = await startMcp({ agent: "bob", baseUrl: hub.url });

  const posted = await alice.call("arc_post_message", {
    channel: "general",
    body: "hello from alice",
  });
  assertEquals(posted.message.from_agent, "alice");
  await bob.call("arc_dm", { to_agent: "alice", body: "hi alice" });
  const inbox = await alice.call("arc_inbox", {});
  assert(JSON.stringify(inbox).includes("hi alice"));
  const me = await alice.call("arc_whoami");
  assertEquals(me.agent_id, "alice");

  // The secret the hub issued never reaches the model.
  const secrets = new Set<string>();
  for (const server of [alice, bob]) {
    for (const name of ["arc_whoami", "arc_list_agents", "arc_poll_messages"]) {
      const raw = await server.raw(name, {});
      const shown = JSON.stringify(raw);
      for (const m of shown.matchAll(/"secret"\s*:\s*"([^"]+)"/g)) {
        secrets.add(m[1]!);
      }
    }
  }
  assertEquals([...secrets], []);

  // Bob, launching a second server as alice, cannot take her over or act as her.
  await using impostor = await startMcp({ agent: "alice", baseUrl: hub.url });
  const refused = await impostor.fail("arc_post_message", {
    channel: "general",
    body: "I am alice, trust me",
  });
  assertStringIncludes(refused, "'alice'");
  assertStringIncludes(refused, "strict identity");
  // alice's server bridges to the hub's /mcp; the hub refused the
  // impostor's MCP session, so its tools run in its own process.
  assertStringIncludes(alice.stderr(), BRIDGED);
  assertStringIncludes(impostor.stderr(), LOCAL);

  // alice's own server is unaffected, and the hub saw only her real posts.
  await alice.call("arc_post_message", {
    channel: "general",
    body: "still me",
  });
  const feed = await request(hub.url, "GET", "/v1/messages?channel=general");
  const bodies = feed.body.result.map((m: { body: string }) => m.body);
  assertEquals(bodies, ["hello from alice", "still me"]);
  assert(!alice.stderr().match(/[A-Za-z0-9_-]{43}/), "a secret in the log");
});
