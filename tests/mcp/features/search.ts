import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { inProcessHub } from "../../_harness.ts";
import { startMcp } from "../_mcp.ts";

Deno.test("arc mcp - arc_search returns the hits the agent may see, with filters", async () => {
  await using hub = await inProcessHub();
  await using alice = await startMcp({ agent: "alice", baseUrl: hub.url });
  const post = async (body: Record<string, unknown>) =>
    (await hub.api("POST", "/v1/messages", body)).body.result;
  const plan = await post({
    from_agent: "bob",
    kind: "task",
    body: "rewrite the toucan parser",
    thread_id: "parser-2",
    attachments: [{ type: "file_ref", path: "src/toucan/parse.ts" }],
  });
  const chat = await post({ from_agent: "carol", body: "toucan sighting" });
  await post({ from_agent: "bob", to_agent: "carol", body: "toucan gossip" });

  const all = await alice.call("arc_search", { query: "toucan" });
  assertEquals(
    all.hits.map((h: { id: number }) => h.id).sort(),
    [plan.id, chat.id].sort(),
  );
  assert(all.hits[0].arcdeno.snippet.length > 0);
  const tasks = await alice.call("arc_search", {
    query: "parse*",
    kind: "task",
    thread_id: "parser-2",
  });
  assertEquals(tasks.hits.map((h: { id: number }) => h.id), [plan.id]);
  const none = await alice.call("arc_search", {
    query: "toucan",
    from_agent: "nobody",
  });
  assertEquals(none.hits, []);
  const error = await alice.fail("arc_search", { query: '"unclosed' });
  assertStringIncludes(error, "quote");
});
