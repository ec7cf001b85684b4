import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { inProcessHub } from "../../_harness.ts";
import { arc } from "../_arc.ts";

Deno.test("search prints the hits an agent may see, as text or JSON lines, with filters", async () => {
  await using hub = await inProcessHub();
  const post = async (body: Record<string, unknown>) =>
    (await hub.api("POST", "/v1/messages", body)).body.result;
  const task = await post({
    from_agent: "alice",
    kind: "task",
    body: "migrate the flamingo schema",
    thread_id: "db-9",
  });
  const chat = await post({ from_agent: "bob", body: "flamingo lunch?" });
  await post({ from_agent: "bob", to_agent: "alice", body: "flamingo secret" });

  const text = await arc(["search", "flamingo"], {
    env: {
      ARC_URL: hub.url,
      ARC_AGENT: "carol",
    },
  });
  assertEquals(text.code, 0, text.stderr);
  const lines = text.stdout.trim().split("\n");
  assertEquals(lines.length, 2, text.stdout);
  assert(!text.stdout.includes("secret"), "a DM leaked to a third agent");
  assertStringIncludes(text.stdout, `#${task.id} `);
  assertStringIncludes(text.stdout, "[flamingo]");
  assertStringIncludes(text.stdout, "thread=db-9");

  const json = await arc([
    "search",
    "--base-url",
    hub.url,
    "--agent",
    "carol",
    "--json",
    "--from",
    "bob",
    "flam*",
  ]);
  assertEquals(json.code, 0, json.stderr);
  const hits = json.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(hits.map((h) => h.id), [chat.id]);
  assertEquals(typeof hits[0].arcdeno.score, "number");

  const none = await arc([
    "search",
    "--agent",
    "carol",
    "--kind",
    "task",
    "lunch",
  ], { env: { ARC_URL: hub.url } });
  assertEquals(none.code, 0);
  assertEquals(none.stdout.trim(), "");
  assertStringIncludes(none.stderr, "no matches");

  const bad = await arc(["search", "--agent", "carol", '"open'], {
    env: { ARC_URL: hub.url },
  });
  assertEquals(bad.code, 1);
  assertStringIncludes(bad.stderr, "arc error: ");

  const usage = await arc(["search", "--agent", "carol"], {
    env: { ARC_URL: hub.url },
  });
  assertEquals(usage.code, 2);

  const help = await arc(["search", "--help"]);
  assertEquals(help.code, 0);
  assertStringIncludes(help.stdout, "Usage: arc search");
  assertStringIncludes(help.stdout, "Examples:");
});
