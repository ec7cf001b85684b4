/**
 * `ArcClient.nextTask` against a real hub: a worker loop takes each task
 * once, completes it as its holder, and a restarted agent makes the old
 * client stale.
 */
import { assert, assertEquals, assertRejects } from "../../_assert.ts";
import { must } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { ArcClient, ArcError } from "../../../src/client/mod.ts";

Deno.test("client: nextTask loop takes each task once; a newer registration makes the old client stale", async () => {
  await using hub = await inProcessHub();
  const posted = [];
  for (let i = 0; i < 3; i++) {
    posted.push(
      (await must(hub, "POST", "/v1/messages", {
        from_agent: "lead",
        kind: "task",
        body: `job ${i}`,
        metadata: i === 2 ? { arcdeno: { requires: ["gpu"] } } : {},
      })).id,
    );
  }
  await using old = new ArcClient({ agentId: "w", baseUrl: hub.url });
  const session = await old.register({ capabilities: ["gpu"] });
  assertEquals(session.arcdeno?.generation, 1);
  const first = await old.nextTask({ capabilities: [] });
  assertEquals(first?.task.task_id, posted[0]);
  assertEquals(first?.claim.claim_key, `task-${posted[0]}`);
  await old.completeTask(posted[0]!);

  // The agent restarts: its new process registers again.
  await using fresh = new ArcClient({ agentId: "w", baseUrl: hub.url });
  assertEquals(
    (await fresh.register({ replace: true })).arcdeno?.generation,
    2,
  );
  const stale = await assertRejects(() => old.nextTask());
  assert(stale instanceof ArcError, String(stale));
  assertEquals(stale.status, 409);
  const taken = [];
  let job;
  while ((job = await fresh.nextTask({ capabilities: ["gpu"] }))) {
    taken.push(job.task.task_id);
    await fresh.completeTask(job.task.task_id);
  }
  assertEquals(taken, [posted[1], posted[2]]);
});
