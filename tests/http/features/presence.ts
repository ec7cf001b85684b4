import { assert, assertEquals } from "../../_assert.ts";
import { eventually } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";

Deno.test("presence expiry releases claims and locks with recovery notices, while long-polling keeps an agent alive", async () => {
  await using hub = await inProcessHub({ args: ["--presence-ttl", "5"] });
  await hub.api("POST", "/v1/channels", { name: "ops" });
  for (const agent of ["alice", "bob"]) {
    assertEquals(
      (await hub.api("POST", "/v1/sessions", { agent_id: agent })).status,
      201,
    );
  }
  const task = await hub.api("POST", "/v1/messages", {
    from_agent: "bob",
    channel: "ops",
    kind: "task",
    body: "build it",
    thread_id: "job-1",
  });
  const taskId = task.body.result.id;
  const claim = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    task_message_id: taskId,
    thread_id: "job-1",
  });
  assertEquals(claim.body.acquired, true);
  const lock = await hub.api("POST", "/v1/locks", {
    agent_id: "alice",
    file_path: "src/app.ts",
    metadata: { thread_id: "job-1" },
  });
  assertEquals(lock.body.acquired, true);
  const plainLock = await hub.api("POST", "/v1/locks", {
    agent_id: "alice",
    file_path: "README.md",
  });
  assertEquals(plainLock.body.acquired, true);

  // bob only waits in a long-poll (on a channel nothing else posts to); that
  // must keep his session alive.
  await hub.api("POST", "/v1/channels", { name: "quiet" });
  const since = (await hub.api("GET", "/v1/bootstrap?agent_id=bob")).body
    .result.latest_visible_id;
  const bobWaits = hub.api(
    "GET",
    `/v1/events?agent_id=bob&channel=quiet&since_id=${since}&timeout=30`,
  );
  await eventually(() => Promise.resolve(hub.hub.waiting.longPolls === 1), {
    what: "bob's long-poll to park",
  });
  // Four silent seconds: both still live. bob's long-poll touches his
  // session on its own (every third of the TTL, in real time).
  await hub.advance(4_000);
  const touchedBy = Math.floor(hub.clock.now() / 1000) * 1000;
  const lastSeen = async (agent: string) => {
    const agents = (await hub.api("GET", "/v1/agents")).body.result;
    const row = agents.find((a: { agent_id: string }) => a.agent_id === agent);
    return row ? Date.parse(row.last_seen) : undefined;
  };
  await eventually(async () => (await lastSeen("bob"))! >= touchedBy, {
    what: "bob's long-poll to touch his session",
  });
  // Two more: alice (6 s silent) expires and her leases are recovered.
  await hub.advance(2_000);
  const notices = (await hub.api("GET", "/v1/messages?channel=ops")).body
    .result.filter((m: { metadata: { recovery?: boolean } }) =>
      m.metadata.recovery
    );
  assertEquals(notices.length, 2);
  const claimNotice = notices.find((m: { metadata: { claim_key?: string } }) =>
    m.metadata.claim_key
  );
  assertEquals(claimNotice.from_agent, "system");
  assertEquals(claimNotice.kind, "notice");
  assertEquals(claimNotice.thread_id, "job-1");
  assertEquals(claimNotice.reply_to, taskId);
  assertEquals(claimNotice.metadata, {
    recovery: true,
    stale_agent_id: "alice",
    claim_key: `task-${taskId}`,
    task_message_id: taskId,
  });
  const lockNotice = notices.find((m: { metadata: { file_path?: string } }) =>
    m.metadata.file_path === "src/app.ts"
  );
  assertEquals(lockNotice.metadata.stale_agent_id, "alice");
  const general = await hub.api("GET", "/v1/messages?channel=general");
  assert(
    general.body.result.some((m: { metadata: { file_path?: string } }) =>
      m.metadata.file_path === "README.md"
    ),
    "a lock without a thread is recovered in #general",
  );

  const claims = await hub.api("GET", "/v1/claims?active_only=true");
  assertEquals(claims.body.result, []);
  const locks = await hub.api("GET", "/v1/locks?active_only=1");
  assertEquals(locks.body.result, []);
  const agents = await hub.api("GET", "/v1/agents");
  assertEquals(
    agents.body.result.map((a: { agent_id: string }) => a.agent_id),
    ["bob"],
  );
  // A post on bob's channel ends his wait.
  await hub.api("POST", "/v1/messages", {
    from_agent: "carol",
    channel: "quiet",
    body: "wake up",
  });
  const woken = await bobWaits;
  assertEquals(woken.status, 200);
  assertEquals(woken.body.result.map((m: { body: string }) => m.body), [
    "wake up",
  ]);

  // An expired agent may register again without replace.
  const back = await hub.api("POST", "/v1/sessions", { agent_id: "alice" });
  assertEquals(back.status, 201);
  // Each notice was posted once.
  const all = await hub.api("GET", "/v1/events?agent_id=x&limit=500");
  const recoveries = all.body.result.filter((
    m: { metadata: { recovery?: boolean } },
  ) => m.metadata.recovery);
  assertEquals(recoveries.length, 3);
});

Deno.test("session rename and delete follow the protocol", async () => {
  await using hub = await inProcessHub();
  const s = await hub.api("POST", "/v1/sessions", { agent_id: "alice" });
  const renamed = await hub.api("POST", "/v1/sessions/alice/rename", {
    display_name: "  Alice B  ",
  });
  assertEquals(renamed.status, 200);
  assertEquals(renamed.body.result.display_name, "Alice B");
  assertEquals(
    (await hub.api("POST", "/v1/sessions/alice/rename", { display_name: " " }))
      .status,
    400,
  );
  const long = await hub.api("POST", "/v1/sessions/alice/rename", {
    display_name: "x".repeat(65),
  });
  assertEquals(long.status, 400);
  assertEquals(long.body.error, "display_name must be 64 characters or fewer");
  assertEquals(
    (await hub.api("POST", "/v1/sessions/alice/rename", {
      display_name: "x".repeat(64),
    })).status,
    200,
  );
  assertEquals(
    (await hub.api("POST", "/v1/sessions/nobody/rename", { display_name: "x" }))
      .status,
    404,
  );
  const id = s.body.result.session_id;
  const deleted = await hub.api("DELETE", `/v1/sessions/${id}`);
  assertEquals(deleted.body, {
    ok: true,
    result: { session_id: id, deleted: true },
  });
  assertEquals((await hub.api("DELETE", `/v1/sessions/${id}`)).status, 404);
  assertEquals((await hub.api("GET", "/v1/agents")).body.result, []);

  await hub.api("POST", "/v1/sessions", {
    agent_id: "r",
    capabilities: ["review"],
  });
  await hub.api("POST", "/v1/sessions", {
    agent_id: "w",
    capabilities: ["write"],
  });
  const reviewers = await hub.api("GET", "/v1/agents?capability=review");
  assertEquals(
    reviewers.body.result.map((a: { agent_id: string }) => a.agent_id),
    ["r"],
  );
});
