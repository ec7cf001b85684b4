import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { inProcessHub } from "../../_harness.ts";
import { startMcp } from "../_mcp.ts";

Deno.test("arc_lock takes a shared glob reservation, shows its fence, and names the holder of a conflicting one", async () => {
  await using hub = await inProcessHub();
  await using alice = await startMcp({ agent: "alice", baseUrl: hub.url });
  const shared = await alice.call("arc_lock", {
    path: "src/**",
    mode: "shared",
  });
  assertEquals(shared.acquired, true);
  assert(shared.fence >= 1);
  assertEquals(shared.lock.arcdeno.mode, "shared");
  const raw = await alice.raw("arc_lock", { path: "src/**", mode: "shared" });
  const text = raw.content.map((c) => c.type === "text" ? c.text : "").join("");
  assertStringIncludes(text, `(fence ${shared.fence})`);

  const bob = await hub.api("POST", "/v1/locks", {
    agent_id: "bob",
    file_path: "docs/*.md",
  });
  assertEquals(bob.status, 201);
  const busy = await alice.call("arc_lock", { path: "docs/guide.md" });
  assertEquals(busy.acquired, false);
  assertEquals(busy.lock.agent_id, "bob");
  assertEquals(busy.lock.file_path, "docs/*.md");
  assertEquals(busy.fence, undefined);
  const error = await alice.fail("arc_lock", { path: "x", mode: "both" });
  assertStringIncludes(error, "mode");
});
