import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { inProcessHub } from "../../_harness.ts";
import { ArcClient } from "../../../src/client/mod.ts";

Deno.test("ArcClient.lock() sends the mode and returns the fence; checkFence() judges paths over HTTP and the relay", async () => {
  await using hub = await inProcessHub({ relay: {} });
  const alice = new ArcClient({ agentId: "alice", baseUrl: hub.url });
  const bob = ArcClient.overRelay({
    agentId: "bob",
    spoolDir: `${hub.dir}/spool`,
  });
  try {
    const a = await alice.lock("src/**", { mode: "shared", ttlSec: 60 });
    assertEquals(a.acquired, true);
    assert(a.fence !== undefined && a.fence >= 1);
    assertEquals(a.lock.arcdeno?.mode, "shared");
    const b = await bob.lock("src/lib/*", { mode: "shared", ttlSec: 60 });
    assertEquals(b.acquired, true);
    assert(b.fence! > a.fence!);
    const ex = await bob.lock("src/x.ts");
    assertEquals(ex.acquired, false);
    assertEquals(ex.fence, undefined);
    assertEquals(ex.lock.arcdeno?.holder, "alice");
    assertEquals(ex.lock.arcdeno?.pattern, "src/**");

    const mine = await alice.checkFence(["src/a.ts"], { fence: a.fence! });
    assertEquals(mine.allowed, true);
    const stale = await bob.checkFence(["src/lib/q.ts"], { fence: a.fence! });
    assertEquals(stale.allowed, false);
    assertStringIncludes(stale.paths[0]!.reason, "is stale");
    const outside = await bob.checkFence(["README.md"]);
    assertEquals(outside.allowed, false);
    assertEquals(outside.paths[0]!.blocked_by, []);
    const asked = await alice.checkFence(["src/a.ts"], { agentId: "carol" });
    assertEquals(asked.paths[0]!.blocked_by.map((h) => h.agent_id), ["alice"]);
  } finally {
    await alice.close();
    await bob.close();
  }
});
