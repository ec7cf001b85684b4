/**
 * The work queue over HTTP (`arcdeno:work_queue`): what `POST
 * /v1/arcdeno/tasks/next` hands out and to whom, the queue status, a lease
 * that expires and comes back with one notice, the 409 for a completion by
 * an agent that lost its task, and session generations.
 */
import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { type HubLike, must, request } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";

async function post(
  hub: HubLike,
  fields: Record<string, unknown> = {},
): Promise<number> {
  const m = await must(hub, "POST", "/v1/messages", {
    from_agent: "lead",
    kind: "task",
    body: "work",
    ...fields,
  });
  return m.id;
}

async function next(hub: HubLike, body: Record<string, unknown>) {
  return await must(hub, "POST", "/v1/arcdeno/tasks/next", body);
}

Deno.test("tasks/next hands out the oldest ready task the agent may take, once, and null when none is left", async () => {
  await using hub = await inProcessHub();
  const info = await must(hub, "GET", "/v1/hub-info");
  assert(info.features.includes("arcdeno:work_queue"), info.features);
  assertEquals(await next(hub, { agent_id: "w1" }), null);
  const first = await post(hub);
  const blocked = await post(hub, {
    metadata: { arcdeno: { depends_on: [first] } },
  });
  const forBob = await post(hub, {
    metadata: { arcdeno: { assignee: "bob" } },
  });
  const needsDb = await post(hub, {
    metadata: { arcdeno: { requires: ["db"] } },
  });
  const other = await post(hub, { thread_id: "t-other" });
  const plain = await post(hub);
  // A plain v1 claim on a task keeps the queue away from it.
  await must(hub, "POST", "/v1/claims", {
    owner_agent_id: "manual",
    task_message_id: plain,
  });

  const a = await next(hub, { agent_id: "w1", capabilities: [] });
  assertEquals(a.task.task_id, first);
  assertEquals(a.claim.claim_key, `task-${first}`);
  assertEquals(a.claim.owner_agent_id, "w1");
  assertEquals(a.claim.metadata, { arcdeno: { queue: true } });
  // A thread filter skips tasks of other threads.
  assertEquals(
    await next(hub, { agent_id: "w1", capabilities: [], thread_id: "t-none" }),
    null,
  );
  const b = await next(hub, { agent_id: "w1", capabilities: [] });
  assertEquals(b.task.task_id, other);
  // Left: the blocked task, bob's task and the db task; w1 has no db.
  assertEquals(await next(hub, { agent_id: "w1", capabilities: [] }), null);
  const status = await must(hub, "GET", "/v1/arcdeno/queue");
  assertEquals(status.depth, 2);
  assertEquals(status.restricted, 2);
  assertEquals(
    status.holders.map((h: { task_id: number; agent_id: string }) => [
      h.task_id,
      h.agent_id,
    ]),
    [[first, "w1"], [other, "w1"]],
  );
  // The capabilities of the agent's session count when the request names none.
  await must(hub, "POST", "/v1/sessions", {
    agent_id: "w2",
    capabilities: ["db"],
  });
  assertEquals((await next(hub, { agent_id: "w2" })).task.task_id, needsDb);
  assertEquals((await next(hub, { agent_id: "bob" })).task.task_id, forBob);
  // Completing the dependency makes the blocked task ready.
  await must(hub, "POST", `/v1/tasks/${first}/complete`, {
    arcdeno: { agent_id: "w1" },
  });
  assertEquals((await next(hub, { agent_id: "w3" })).task.task_id, blocked);
  assertEquals(await next(hub, { agent_id: "w3" }), null);

  const bad = await request(hub.url, "POST", "/v1/arcdeno/tasks/next", {});
  assertEquals(bad.status, 400);
  assertEquals(bad.body.ok, false);
  assertStringIncludes(bad.body.error, "agent_id");
});

Deno.test("a handed-out task whose lease expires comes back with one notice, and the old holder's completion is refused", async () => {
  await using hub = await inProcessHub({ args: ["--presence-ttl", "5"] });
  // A task_request, so that a task_result would complete it (the RPC rule).
  const task = await post(hub, { channel: "general", kind: "task_request" });
  const since = (await must(hub, "GET", "/v1/bootstrap?agent_id=x"))
    .latest_visible_id;
  const taken = await next(hub, { agent_id: "old", ttl_sec: 5 });
  assertEquals(taken.task.task_id, task);
  // While "old" holds it, nobody else gets it or may complete it.
  assertEquals(await next(hub, { agent_id: "new" }), null);
  const unnamed = await hub.api("POST", `/v1/tasks/${task}/complete`, {});
  assertEquals(unnamed.status, 409);
  assertStringIncludes(unnamed.body.error, "held by old");

  // Past the lease: the sweep hands the task back with a notice.
  await hub.advance(6_000);
  let notice;
  while (!notice) {
    const rows = await must(
      hub,
      "GET",
      `/v1/messages?channel=general&since_id=${since}&timeout=15`,
    );
    notice = rows.find((m: { metadata: Record<string, unknown> }) =>
      (m.metadata["arcdeno"] as Record<string, unknown> | undefined)
        ?.["queue_expired"]
    );
  }
  assertEquals(notice.from_agent, "system");
  assertEquals(notice.reply_to, task);
  assertEquals(notice.metadata.arcdeno.queue_expired.agent_id, "old");
  // The old holder lost it, even before anyone else took it.
  const late = await hub.api("POST", `/v1/tasks/${task}/complete`, {
    arcdeno: { agent_id: "old" },
  });
  assertEquals(late.status, 409);
  assertStringIncludes(late.body.error, "expired");
  const again = await next(hub, { agent_id: "new" });
  assertEquals(again.task.task_id, task);
  // A task_result from the old holder is refused the same way.
  const result = await hub.api("POST", "/v1/messages", {
    from_agent: "old",
    kind: "task_result",
    reply_to: task,
    body: "done late",
  });
  assertEquals(result.status, 409, JSON.stringify(result.body));
  const done = await must(hub, "POST", `/v1/tasks/${task}/complete`, {
    arcdeno: { agent_id: "new" },
  });
  assertEquals(done.status, "done");
  // One notice only, however many sweeps ran.
  const all = await must(
    hub,
    "GET",
    `/v1/messages?channel=general&since_id=${since}`,
  );
  assertEquals(
    all.filter((m: { metadata: Record<string, unknown> }) =>
      (m.metadata["arcdeno"] as Record<string, unknown> | undefined)
        ?.["queue_expired"]
    ).length,
    1,
  );
});

Deno.test("generations: every registration gets a higher one, and a stale one's claim, lock, completion and next are refused", async () => {
  await using hub = await inProcessHub();
  const one = await must(hub, "POST", "/v1/sessions", { agent_id: "w" });
  assertEquals(one.arcdeno.generation, 1);
  const two = await must(hub, "POST", "/v1/sessions", {
    agent_id: "w",
    replace: true,
  });
  assertEquals(two.arcdeno.generation, 2);
  const task = await post(hub);

  const stale = { "x-arcdeno-generation": "1" };
  const claim = await request(hub.url, "POST", "/v1/claims", {
    owner_agent_id: "w",
    claim_key: "k",
  }, stale);
  assertEquals(claim.status, 409);
  assertStringIncludes(claim.body.error, "stale generation 1");
  const lock = await request(hub.url, "POST", "/v1/locks", {
    agent_id: "w",
    file_path: "a.txt",
  }, stale);
  assertEquals(lock.status, 409);
  const taken = await request(hub.url, "POST", "/v1/arcdeno/tasks/next", {
    agent_id: "w",
    arcdeno: { generation: 1 },
  });
  assertEquals(taken.status, 409);
  // The current generation works, in the header or the body.
  const fresh = await next(hub, { agent_id: "w", arcdeno: { generation: 2 } });
  assertEquals(fresh.task.task_id, task);
  const complete = await request(
    hub.url,
    "POST",
    `/v1/tasks/${task}/complete`,
    {
      arcdeno: { agent_id: "w" },
    },
    stale,
  );
  assertEquals(complete.status, 409);
  const ok = await request(hub.url, "POST", "/v1/claims", {
    owner_agent_id: "w",
    claim_key: "k",
  }, { "x-arcdeno-generation": "2" });
  assertEquals(ok.status, 201);
  const bad = await request(hub.url, "POST", "/v1/claims", {
    owner_agent_id: "w",
    claim_key: "k2",
    arcdeno: { generation: "soon" },
  });
  assertEquals(bad.status, 400);
  // Without a generation, v1 requests are unchanged.
  const plain = await request(hub.url, "POST", "/v1/claims", {
    owner_agent_id: "w",
    claim_key: "k3",
  });
  assertEquals(plain.status, 201);
});
