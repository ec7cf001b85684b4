/**
 * Task dependencies (`arcdeno:task_deps`) through real hub processes: the
 * ready list, the "task is ready" notice, refusals, and one notice with two
 * hubs on one SQLite file.
 */
import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { type HubLike, startHub, type TestHub } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { ArcClient, ArcError } from "../../../src/client/mod.ts";
import { pgTest, withPgHubs } from "../../postgres/_pg.ts";

async function postTask(
  hub: HubLike,
  body: Record<string, unknown>,
): Promise<number> {
  const reply = await hub.api("POST", "/v1/messages", {
    from_agent: "lead",
    kind: "task",
    body: "work",
    ...body,
  });
  assertEquals(reply.status, 201, JSON.stringify(reply.body));
  return reply.body.result.id;
}

async function readyIds(hub: HubLike, query = ""): Promise<number[]> {
  const reply = await hub.api("GET", `/v1/arcdeno/tasks/ready${query}`);
  assertEquals(reply.status, 200);
  return reply.body.result.map((t: { task_id: number }) => t.task_id);
}

// deno-lint-ignore no-explicit-any
async function readyNotices(hub: HubLike, agent: string): Promise<any[]> {
  const reply = await hub.api(
    "GET",
    `/v1/events?agent_id=${agent}&since_id=0&limit=500`,
  );
  return reply.body.result.filter((m: { metadata: Record<string, unknown> }) =>
    (m.metadata["arcdeno"] as Record<string, unknown> | undefined)
      ?.["task_ready"] !== undefined
  );
}

Deno.test("task dependencies: the ready list follows completions and the assignee gets one notice", async () => {
  await using hub = await inProcessHub();
  const info = await hub.api("GET", "/v1/hub-info");
  assert(info.body.result.features.includes("arcdeno:task_deps"));
  const schema = await postTask(hub, { body: "design the schema" });
  const rpc = await postTask(hub, {
    body: "build it",
    kind: "task_request",
    to_agent: "builder",
  });
  const docs = await postTask(hub, {
    body: "document it",
    to_agent: "writer",
    kind: "task_request",
    metadata: { arcdeno: { depends_on: [schema] } },
  });
  const added = await hub.api("POST", `/v1/arcdeno/tasks/${docs}/depends`, {
    depends_on: [rpc],
  });
  assertEquals(added.status, 200);
  assertEquals(added.body.result.arcdeno.depends_on, [schema, rpc]);
  assertEquals(await readyIds(hub), [schema, rpc]);
  assertEquals(await readyIds(hub, "?assignee=builder"), [rpc]);
  assertEquals(await readyIds(hub, "?assignee=writer"), []);
  const deps = await hub.api("GET", `/v1/arcdeno/tasks/${docs}/depends`);
  assertEquals(deps.body.result.arcdeno.assignee, "writer");
  assertEquals(deps.body.result.arcdeno.ready, false);

  await hub.api("POST", `/v1/tasks/${schema}/complete`, {});
  assertEquals(await readyIds(hub), [rpc]);
  assertEquals(await readyNotices(hub, "writer"), []);

  // The last dependency completes through a task_result to the RPC request.
  await hub.api("POST", "/v1/messages", {
    from_agent: "builder",
    to_agent: "lead",
    kind: "task_result",
    reply_to: rpc,
    body: "built",
  });
  assertEquals(await readyIds(hub, "?assignee=writer"), [docs]);
  const notices = await readyNotices(hub, "writer");
  assertEquals(notices.length, 1);
  assertEquals(notices[0].to_agent, "writer");
  assertEquals(notices[0].kind, "notice");
  assertEquals(notices[0].metadata.arcdeno.task_ready, docs);
  // Other agents do not see the direct notice.
  assertEquals(await readyNotices(hub, "someone-else"), []);
  // Completing again posts nothing more.
  await hub.api("POST", `/v1/tasks/${rpc}/complete`, {});
  assertEquals((await readyNotices(hub, "writer")).length, 1);
});

Deno.test("task dependencies: without an assignee the notice goes to the task's channel", async () => {
  await using hub = await inProcessHub();
  await hub.api("POST", "/v1/channels", { name: "build" });
  const first = await postTask(hub, { channel: "build" });
  const second = await postTask(hub, {
    channel: "build",
    metadata: { arcdeno: { depends_on: [first] } },
  });
  assertEquals(await readyIds(hub, "?channel=build"), [first]);
  await hub.api("POST", `/v1/tasks/${first}/complete`, {});
  const feed = await hub.api("GET", "/v1/messages?channel=build");
  const notices = feed.body.result.filter((m: { kind: string }) =>
    m.kind === "notice"
  );
  assertEquals(notices.length, 1);
  assertEquals(notices[0].to_agent, null);
  assertEquals(notices[0].metadata.arcdeno.task_ready, second);
  assertEquals(await readyIds(hub, "?channel=build"), [second]);
});

Deno.test("task dependencies: unknown tasks and cycles are refused", async () => {
  await using hub = await inProcessHub();
  const a = await postTask(hub, {});
  const b = await postTask(hub, { metadata: { arcdeno: { depends_on: [a] } } });
  const unknown = await hub.api("POST", "/v1/messages", {
    from_agent: "lead",
    kind: "task",
    body: "x",
    metadata: { arcdeno: { depends_on: [987654] } },
  });
  assertEquals(unknown.status, 400);
  assertStringIncludes(unknown.body.error, "987654");
  const bad = await hub.api("POST", "/v1/messages", {
    from_agent: "lead",
    kind: "task",
    body: "x",
    metadata: { arcdeno: { depends_on: "soon" } },
  });
  assertEquals(bad.status, 400);
  assertEquals(
    (await hub.api("POST", `/v1/arcdeno/tasks/${a}/depends`, {
      depends_on: [987654],
    })).status,
    400,
  );
  assertEquals(
    (await hub.api("POST", "/v1/arcdeno/tasks/987654/depends", {
      depends_on: [a],
    })).status,
    404,
  );
  const cycle = await hub.api("POST", `/v1/arcdeno/tasks/${a}/depends`, {
    depends_on: [b],
  });
  assertEquals(cycle.status, 409);
  assertStringIncludes(cycle.body.error, `${a} -> ${b} -> ${a}`);
  // A chat message may carry the same metadata: it is not a task, nothing is checked.
  const chat = await hub.api("POST", "/v1/messages", {
    from_agent: "lead",
    body: "fyi",
    metadata: { arcdeno: { depends_on: "whatever" } },
  });
  assertEquals(chat.status, 201);
});

/**
 * Five rounds of: a task on `one`, a task on `two`, a third depending on
 * both, the two completed at once through their own hubs; the third's
 * assignee, read through `reader`, gets exactly one ready notice.
 */
async function completeAtOnce(
  one: HubLike,
  two: HubLike,
  reader: HubLike,
): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const a = await postTask(one, {});
    const b = await postTask(two, {});
    const c = await postTask(one, {
      metadata: { arcdeno: { depends_on: [a, b], assignee: `w${round}` } },
    });
    await Promise.all([
      one.api("POST", `/v1/tasks/${a}/complete`, {}),
      two.api("POST", `/v1/tasks/${b}/complete`, {}),
    ]);
    const notices = await readyNotices(reader, `w${round}`);
    assertEquals(notices.length, 1);
    assertEquals(notices[0].metadata.arcdeno.task_ready, c);
  }
}

Deno.test("task dependencies: two hubs on one file completing both dependencies at once post one notice", async () => {
  await using one = await startHub();
  await using two = await startHub({ dir: one.dir, keepDir: true });
  await completeAtOnce(one, two, one);
});

pgTest(
  "task dependencies: two PostgreSQL hubs completing both dependencies at once post one notice",
  () =>
    withPgHubs(2, async (hubs) => {
      const [one, two] = hubs as [TestHub, TestHub];
      await completeAtOnce(one, two, two);
    }),
);

Deno.test("ArcClient.readyTasks() and addDependencies(): two agents work through dependent tasks", async () => {
  await using hub = await inProcessHub();
  const lead = new ArcClient({ agentId: "lead", baseUrl: hub.url });
  const worker = new ArcClient({ agentId: "worker", baseUrl: hub.url });
  await lead.register();
  await worker.register();
  try {
    const build = await lead.post("general", "build", {
      kind: "task",
      metadata: { arcdeno: { assignee: "worker" } },
    });
    const test = await lead.post("general", "test", {
      kind: "task",
      metadata: { arcdeno: { assignee: "worker" } },
    });
    const added = await lead.addDependencies(test.id, [build.id]);
    assertEquals(added.arcdeno.open_dependencies, [build.id]);
    const cycle = await lead.addDependencies(build.id, [test.id]).catch((e) =>
      e
    );
    assert(cycle instanceof ArcError && cycle.status === 409);
    await worker.bootstrap();
    assertEquals(
      (await worker.readyTasks({ assignee: "worker" })).map((t) => t.task_id),
      [build.id],
    );
    await worker.completeTask(build.id);
    const notices = await worker.poll({ timeoutSec: 5 });
    const ready = notices.filter((m) =>
      (m.metadata["arcdeno"] as Record<string, unknown> | undefined)
        ?.["task_ready"] === test.id
    );
    assertEquals(ready.length, 1);
    assertEquals(ready[0]!.to_agent, "worker");
    assertEquals(
      (await worker.readyTasks({ assignee: "worker" })).map((t) => t.task_id),
      [test.id],
    );
  } finally {
    await lead.close();
    await worker.close();
  }
});
