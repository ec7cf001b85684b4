/**
 * `arc_next_task` through a real `arc mcp` server and MCP SDK client: two
 * agents take different tasks, each completes its own, and completing the
 * other's is refused.
 */
import { assertEquals, assertStringIncludes } from "../../_assert.ts";
import { must } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { startMcp } from "../_mcp.ts";

Deno.test("arc_next_task hands each agent its own task; completing another's is refused", async () => {
  await using hub = await inProcessHub();
  await using ann = await startMcp({ agent: "ann", baseUrl: hub.url });
  await using ben = await startMcp({ agent: "ben", baseUrl: hub.url });
  const ids = [];
  for (const body of ["one", "two"]) {
    ids.push(
      (await must(hub, "POST", "/v1/messages", {
        from_agent: "lead",
        kind: "task",
        body,
      })).id,
    );
  }
  const a = await ann.call("arc_next_task", {});
  assertEquals(a.task.task_id, ids[0]);
  assertEquals(a.claim.owner_agent_id, "ann");
  const b = await ben.call("arc_next_task", { ttl_sec: 60 });
  assertEquals(b.task.task_id, ids[1]);
  const none = await ben.call("arc_next_task", {});
  assertEquals(none.task, null);
  const refused = await ben.fail("arc_complete_task", { task_id: ids[0] });
  assertStringIncludes(refused, "held by ann");
  const done = await ann.call("arc_complete_task", { task_id: ids[0] });
  assertEquals(done.task.status, "done");
  await ben.call("arc_complete_task", { task_id: ids[1] });
  assertEquals(await must(hub, "GET", "/v1/tasks?status=open"), []);
});
