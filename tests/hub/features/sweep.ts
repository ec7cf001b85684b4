/**
 * The sweep that runs before every read of the live agents (`GET
 * /v1/bootstrap`, `GET /v1/agents`): with nothing due it only reads, and
 * what is due (an approval's time, a handed-out task's lease) it still
 * settles before the read answers. Its checks start from indexes of what
 * is due, so their cost does not grow with open tasks or history.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals } from "../../_assert.ts";
import { inProcessHub } from "../../_harness.ts";
import { must } from "../../_util.ts";
import { SqliteStore } from "../../../src/store/sqlite/store.ts";
import { anyExpiredSql, expiredSql } from "../../../src/store/queue.ts";

Deno.test("Hub.sweep() before a read commits nothing when nothing is due, and settles an expired approval and handout when they are", async () => {
  await using hub = await inProcessHub({ args: ["--presence-ttl", "600"] });
  const store = hub.hub.store;
  assert(store instanceof SqliteStore);
  await must(hub, "POST", "/v1/sessions", { agent_id: "w" });
  const approval = await must(hub, "POST", "/v1/arcdeno/approvals", {
    agent_id: "w",
    title: "Bash: make",
    timeout_sec: 30,
  });
  const task = await must(hub, "POST", "/v1/messages", {
    from_agent: "lead",
    kind: "task",
    body: "work",
  });
  const since = task.id;
  const taken = await must(hub, "POST", "/v1/arcdeno/tasks/next", {
    agent_id: "w",
    ttl_sec: 30,
  });
  assertEquals(taken.task.task_id, task.id);

  const before = store.commitStats.commits;
  for (let i = 0; i < 5; i++) {
    await must(hub, "GET", "/v1/bootstrap?agent_id=w");
    await must(hub, "GET", "/v1/agents");
  }
  assertEquals(store.commitStats.commits, before);

  // Past both times (no timer sweep: the clock moved, not the wall), the
  // next read's sweep expires the approval and announces the handout.
  hub.clock.advance(31_000);
  await must(hub, "GET", "/v1/bootstrap?agent_id=w");
  assert(store.commitStats.commits > before);
  const after = await must(
    hub,
    "GET",
    `/v1/arcdeno/approvals/${approval.id}`,
  );
  assertEquals(after.status, "expired");
  const notices = (await must(
    hub,
    "GET",
    `/v1/messages?channel=general&since_id=${since}`,
  )).filter((m: { metadata: Record<string, Record<string, unknown>> }) =>
    m.metadata["arcdeno"]?.["queue_expired"]
  );
  assertEquals(notices.length, 1);
  assertEquals(notices[0].reply_to, task.id);
});

Deno.test("the expired-handout queries start from live claims past their expiry, not from open tasks", async () => {
  await using hub = await inProcessHub();
  const db = new DatabaseSync(hub.hub.store.info.storagePath);
  try {
    for (const sql of [anyExpiredSql, expiredSql]) {
      const text = sql((n) => `?${n}`);
      const params = text.includes("?2") ? ["2026-01-01", 5] : ["2026-01-01"];
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params)
        .map((r) => String(r["detail"]));
      assert(plan[0]?.includes("USING INDEX arcdeno_c_due"), plan.join("\n"));
      assert(!plan.some((line) => line.startsWith("SCAN")), plan.join("\n"));
    }
  } finally {
    db.close();
  }
});
