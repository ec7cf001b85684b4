import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import type { HubLike } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";

/** The wire timestamp form: whole seconds, UTC, trailing `Z`. */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const TASK_FIELDS = [
  "channel",
  "completed_at",
  "created_at",
  "parent_task_id",
  "status",
  "task_id",
  "thread_id",
];

const SUMMARY_FIELDS = [
  "active_claim_count",
  "active_lock_count",
  "channel",
  "latest_artifact_id",
  "latest_message_id",
  "latest_message_ts",
  "message_count",
  "open_task_count",
  "root_task_id",
  "status",
  "thread_id",
  "total_task_count",
];

// deno-lint-ignore no-explicit-any
type Json = any;

function assertIso(value: unknown, what: string): void {
  assert(
    typeof value === "string" && ISO.test(value),
    `${what} should look like YYYY-MM-DDTHH:MM:SSZ, got ${
      JSON.stringify(value)
    }`,
  );
}

/** Posts a message, asserts 201, and returns the stored message. */
async function post(
  hub: HubLike,
  body: Record<string, unknown>,
): Promise<Json> {
  const reply = await hub.api("POST", "/v1/messages", {
    from_agent: "alice",
    body: "text",
    ...body,
  });
  assertEquals(
    reply.status,
    201,
    `POST /v1/messages ${JSON.stringify(body)} -> ${
      JSON.stringify(reply.body)
    }`,
  );
  return reply.body.result;
}

async function tasks(hub: HubLike, query = ""): Promise<Json[]> {
  const reply = await hub.api("GET", `/v1/tasks${query}`);
  assertEquals(reply.status, 200, `GET /v1/tasks${query}`);
  assertEquals(reply.body.ok, true);
  return reply.body.result;
}

async function taskIds(hub: HubLike, query = ""): Promise<number[]> {
  return (await tasks(hub, query)).map((t) => t.task_id);
}

async function task(hub: HubLike, id: number): Promise<Json> {
  const found = (await tasks(hub)).find((t) => t.task_id === id);
  assert(found, `task ${id} is listed`);
  return found;
}

async function complete(hub: HubLike, id: number | string) {
  return await hub.api("POST", `/v1/tasks/${id}/complete`, {});
}

async function threads(hub: HubLike): Promise<Json[]> {
  const reply = await hub.api("GET", "/v1/threads");
  assertEquals(reply.status, 200);
  assertEquals(reply.body.ok, true);
  return reply.body.result;
}

async function createChannel(hub: HubLike, name: string): Promise<void> {
  const reply = await hub.api("POST", "/v1/channels", { name });
  assertEquals(reply.status, 201);
}

// ── task registration ────────────────────────────────────────────────

Deno.test("POST /v1/messages registers task and task_request posts as open tasks and no other kind", async () => {
  await using hub = await inProcessHub();
  for (
    const kind of [
      "chat",
      "notice",
      "claim",
      "release",
      "artifact",
      "task_result",
    ]
  ) {
    await post(hub, { channel: "general", kind, thread_id: "t1" });
  }
  assertEquals(await tasks(hub), []);

  const t = await post(hub, { channel: "general", kind: "task" });
  const r = await post(hub, {
    kind: "task_request",
    to_agent: "bob",
    thread_id: "t1",
  });
  const mixed = await post(hub, { channel: "general", kind: "TASK" });
  assertEquals(mixed.kind, "task");
  await post(hub, { channel: "general", kind: "chat" });

  const rows = await tasks(hub);
  assertEquals(rows.map((x) => x.task_id), [t.id, r.id, mixed.id]);
  for (const row of rows) {
    assertEquals(Object.keys(row).sort(), TASK_FIELDS);
    assertEquals(row.status, "open");
    assertEquals(row.completed_at, null);
    assertEquals(row.parent_task_id, null);
    assertIso(row.created_at, "created_at");
  }
  assertEquals(rows[0].channel, "general");
  assertEquals(rows[0].thread_id, null);
  // A direct task_request belongs to the "direct" channel and keeps its thread.
  assertEquals(rows[1].channel, "direct");
  assertEquals(rows[1].thread_id, "t1");
});

Deno.test("POST /v1/messages links subtasks by parent_task_id and rejects an unknown parent with 400", async () => {
  await using hub = await inProcessHub();
  const parent = await post(hub, { channel: "general", kind: "task" });
  const child = await post(hub, {
    channel: "general",
    kind: "task",
    parent_task_id: parent.id,
  });
  const childByString = await post(hub, {
    channel: "general",
    kind: "task_request",
    parent_task_id: String(parent.id),
  });
  assertEquals((await task(hub, child.id)).parent_task_id, parent.id);
  assertEquals((await task(hub, childByString.id)).parent_task_id, parent.id);
  assertEquals((await task(hub, parent.id)).parent_task_id, null);
  assertEquals(
    await taskIds(hub, `?parent_id=${parent.id}`),
    [child.id, childByString.id],
  );

  const chat = await post(hub, { channel: "general", kind: "chat" });
  for (const bad of [999_999, chat.id]) {
    const reply = await hub.api("POST", "/v1/messages", {
      from_agent: "alice",
      channel: "general",
      kind: "task",
      body: `orphan of ${bad}`,
      parent_task_id: bad,
    });
    assertEquals(reply.status, 400, `parent_task_id ${bad}`);
    assertEquals(reply.body, {
      ok: false,
      error: "parent_task_id references unknown task",
    });
  }
  const word = await hub.api("POST", "/v1/messages", {
    from_agent: "alice",
    channel: "general",
    kind: "task",
    body: "orphan",
    parent_task_id: "abc",
  });
  assertEquals(word.status, 400);
  assertStringIncludes(word.body.error, "parent_task_id");
  // Nothing was stored for the refused posts.
  const msgs = await hub.api("GET", "/v1/messages?channel=general");
  assertEquals(
    msgs.body.result.filter((m: Json) => m.body.startsWith("orphan")),
    [],
  );
  assertEquals((await tasks(hub)).length, 3);
});

Deno.test("GET /v1/tasks filters by parent_id, status, channel and thread_id, and rejects bad filters with 400", async () => {
  await using hub = await inProcessHub();
  await createChannel(hub, "builds");
  const a = await post(hub, {
    channel: "general",
    kind: "task",
    thread_id: "ta",
  });
  const a1 = await post(hub, {
    channel: "general",
    kind: "task",
    thread_id: "ta",
    parent_task_id: a.id,
  });
  const b = await post(hub, {
    channel: "builds",
    kind: "task",
    thread_id: "tb",
  });
  const b1 = await post(hub, {
    channel: "builds",
    kind: "task_request",
    parent_task_id: b.id,
  });
  const b2 = await post(hub, {
    channel: "builds",
    kind: "task",
    thread_id: "tb",
    parent_task_id: b.id,
  });
  assertEquals((await complete(hub, b1.id)).status, 200);

  assertEquals(await taskIds(hub), [a.id, a1.id, b.id, b1.id, b2.id]);
  assertEquals(await taskIds(hub, `?parent_id=${a.id}`), [a1.id]);
  assertEquals(await taskIds(hub, `?parent_id=${b.id}`), [b1.id, b2.id]);
  assertEquals(await taskIds(hub, `?parent_id=${a1.id}`), []);
  assertEquals(await taskIds(hub, "?status=done"), [b1.id]);
  assertEquals(await taskIds(hub, "?status=open"), [a.id, a1.id, b.id, b2.id]);
  assertEquals(await taskIds(hub, "?channel=builds"), [b.id, b1.id, b2.id]);
  assertEquals(await taskIds(hub, "?channel=general"), [a.id, a1.id]);
  assertEquals(await taskIds(hub, "?channel=nowhere"), []);
  assertEquals(await taskIds(hub, "?thread_id=tb"), [b.id, b2.id]);
  assertEquals(await taskIds(hub, "?thread_id=ta"), [a.id, a1.id]);
  assertEquals(
    await taskIds(hub, `?parent_id=${b.id}&status=open&channel=builds`),
    [b2.id],
  );
  assertEquals(await taskIds(hub, `?thread_id=tb&status=done`), []);

  const bogus = await hub.api("GET", "/v1/tasks?status=bogus");
  assertEquals(bogus.status, 400);
  assertEquals(bogus.body.ok, false);
  assertStringIncludes(bogus.body.error, "status");
  const abc = await hub.api("GET", "/v1/tasks?parent_id=abc");
  assertEquals(abc.status, 400);
  assertEquals(abc.body.ok, false);
  assertStringIncludes(abc.body.error, "parent_id");
});

// ── completion and rollup ────────────────────────────────────────────

Deno.test("POST /v1/tasks/{id}/complete marks the task done with 200 and completed_at, 404 for unknown ids", async () => {
  await using hub = await inProcessHub();
  const t = await post(hub, {
    channel: "general",
    kind: "task",
    thread_id: "x",
  });
  const done = await complete(hub, t.id);
  assertEquals(done.status, 200);
  assertEquals(done.body.ok, true);
  assertEquals(Object.keys(done.body).sort(), ["ok", "result"]);
  assertEquals(Object.keys(done.body.result).sort(), TASK_FIELDS);
  assertEquals(done.body.result.task_id, t.id);
  assertEquals(done.body.result.status, "done");
  assertEquals(done.body.result.channel, "general");
  assertEquals(done.body.result.thread_id, "x");
  assertIso(done.body.result.completed_at, "completed_at");
  assertEquals(await task(hub, t.id), done.body.result);

  // Completing again is harmless and keeps the first completion time.
  const again = await hub.api("POST", `/v1/tasks/${t.id}/complete`);
  assertEquals(again.status, 200);
  assertEquals(again.body.result, done.body.result);

  for (const id of [t.id + 1000, "abc", "12x", "-1", "99999999999999999999"]) {
    const missing = await complete(hub, id);
    assertEquals(missing.status, 404, `id ${id}`);
    assertEquals(missing.body.ok, false, `id ${id}`);
    assertEquals(typeof missing.body.error, "string");
  }
  // A message that is not a task cannot be completed.
  const chat = await post(hub, { channel: "general", kind: "chat" });
  assertEquals((await complete(hub, chat.id)).status, 404);
});

Deno.test("POST /v1/tasks/{id}/complete rolls the parent up with parent_completed:true and a system notice once all subtasks are done", async () => {
  await using hub = await inProcessHub();
  await createChannel(hub, "builds");
  const parent = await post(hub, {
    channel: "builds",
    kind: "task",
    thread_id: "roll",
  });
  const s1 = await post(hub, {
    channel: "builds",
    kind: "task",
    thread_id: "roll",
    parent_task_id: parent.id,
  });
  const s2 = await post(hub, {
    channel: "general",
    kind: "task",
    parent_task_id: parent.id,
  });

  const first = await complete(hub, s1.id);
  assertEquals(first.status, 200);
  assert(
    !("parent_completed" in first.body),
    `unexpected parent_completed in ${JSON.stringify(first.body)}`,
  );
  assertEquals((await task(hub, parent.id)).status, "open");

  const second = await complete(hub, s2.id);
  assertEquals(second.status, 200);
  assertEquals(second.body.ok, true);
  assertEquals(second.body.parent_completed, true);
  assertEquals(Object.keys(second.body).sort(), [
    "ok",
    "parent_completed",
    "result",
  ]);
  // The result is the completed subtask, not the parent.
  assertEquals(second.body.result.task_id, s2.id);
  assertEquals(second.body.result.status, "done");
  const p = await task(hub, parent.id);
  assertEquals(p.status, "done");
  assertIso(p.completed_at, "parent completed_at");

  // The notice goes to the parent's channel and thread.
  const msgs = await hub.api("GET", "/v1/messages?channel=builds");
  const notices = msgs.body.result.filter((m: Json) =>
    m.from_agent === "system"
  );
  assertEquals(notices.length, 1, JSON.stringify(msgs.body.result));
  const notice = notices[0];
  assertEquals(notice.kind, "notice");
  assertEquals(notice.channel, "builds");
  assertEquals(notice.reply_to, parent.id);
  assertEquals(notice.thread_id, "roll");
  assertEquals(notice.to_agent, null);
  assertEquals(notice.metadata.auto_rollup, true);
  assertEquals(notice.metadata.parent_task_id, parent.id);
  assertStringIncludes(notice.body, "2");
  assertStringIncludes(notice.body, String(parent.id));
  assert(notice.id > s2.id);

  // Re-completing a subtask of an already-done parent rolls nothing up.
  const repeat = await complete(hub, s1.id);
  assertEquals(repeat.status, 200);
  assert(!("parent_completed" in repeat.body));
  const after = await hub.api("GET", "/v1/messages?channel=builds");
  assertEquals(
    after.body.result.filter((m: Json) => m.from_agent === "system").length,
    1,
  );
});

Deno.test("POST /v1/tasks/{id}/complete rolls up one level only: the grandparent stays open", async () => {
  await using hub = await inProcessHub();
  const grand = await post(hub, { channel: "general", kind: "task" });
  const parent = await post(hub, {
    channel: "general",
    kind: "task",
    parent_task_id: grand.id,
  });
  const child = await post(hub, {
    channel: "general",
    kind: "task",
    parent_task_id: parent.id,
  });
  const done = await complete(hub, child.id);
  assertEquals(done.status, 200);
  assertEquals(done.body.parent_completed, true);
  assertEquals((await task(hub, parent.id)).status, "done");
  assertEquals((await task(hub, grand.id)).status, "open");
  assertEquals((await task(hub, grand.id)).completed_at, null);
  const msgs = await hub.api("GET", "/v1/messages?channel=general");
  const rollups = msgs.body.result.filter((m: Json) =>
    m.metadata?.auto_rollup === true
  );
  assertEquals(rollups.map((m: Json) => m.reply_to), [parent.id]);
  assertStringIncludes(rollups[0].body, "1");

  // Completing the (already done) parent explicitly is the next level's event.
  const next = await complete(hub, parent.id);
  assertEquals(next.status, 200);
  assertEquals(next.body.parent_completed, true);
  assertEquals((await task(hub, grand.id)).status, "done");
});

// ── RPC ──────────────────────────────────────────────────────────────

Deno.test("POST /v1/messages task_result replying to a task_request completes it once and records metadata.task_completed", async () => {
  await using hub = await inProcessHub();
  const request = await post(hub, {
    from_agent: "alice",
    to_agent: "bob",
    kind: "task_request",
    thread_id: "rpc",
    body: "please compute",
  });
  assertEquals(request.channel, "direct");
  assertEquals((await task(hub, request.id)).status, "open");

  const result = await post(hub, {
    from_agent: "bob",
    to_agent: "alice",
    kind: "task_result",
    reply_to: request.id,
    thread_id: "rpc",
    body: "42",
    metadata: { took_ms: 5 },
  });
  assertEquals(result.metadata, { took_ms: 5, task_completed: request.id });
  const t = await task(hub, request.id);
  assertEquals(t.status, "done");
  assertIso(t.completed_at, "completed_at");

  // The stored row carries the added metadata, not just the reply.
  const thread = await hub.api("GET", "/v1/threads/rpc");
  assertEquals(thread.status, 200);
  const stored = thread.body.result.messages.find((m: Json) =>
    m.id === result.id
  );
  assert(stored, "result message is in the thread detail");
  assertEquals(stored.metadata, { took_ms: 5, task_completed: request.id });
  const inbox = await hub.api("GET", "/v1/inbox/alice");
  assertEquals(
    inbox.body.result.find((m: Json) => m.id === result.id)?.metadata
      .task_completed,
    request.id,
  );

  // A second result for the same request completes nothing.
  const late = await post(hub, {
    from_agent: "carol",
    to_agent: "alice",
    kind: "task_result",
    reply_to: request.id,
    thread_id: "rpc",
    body: "43",
  });
  assertEquals(late.metadata, {});
  const lateStored = (await hub.api("GET", "/v1/threads/rpc")).body.result
    .messages.find((m: Json) => m.id === late.id);
  assertEquals(lateStored.metadata, {});
  assertEquals((await task(hub, request.id)).completed_at, t.completed_at);
});

Deno.test("POST /v1/messages task_result does not complete a plain task, a closed request or a missing message", async () => {
  await using hub = await inProcessHub();
  const plain = await post(hub, { channel: "general", kind: "task" });
  const reply = await post(hub, {
    from_agent: "bob",
    channel: "general",
    kind: "task_result",
    reply_to: plain.id,
  });
  assertEquals(reply.metadata, {});
  assertEquals((await task(hub, plain.id)).status, "open");

  const request = await post(hub, {
    channel: "general",
    kind: "task_request",
  });
  assertEquals((await complete(hub, request.id)).status, 200);
  const afterDone = await post(hub, {
    from_agent: "bob",
    channel: "general",
    kind: "task_result",
    reply_to: request.id,
  });
  assertEquals(afterDone.metadata, {});

  const dangling = await post(hub, {
    from_agent: "bob",
    channel: "general",
    kind: "task_result",
    reply_to: 999_999,
  });
  assertEquals(dangling.metadata, {});

  // A chat reply to an open request does not complete it either.
  const open = await post(hub, { channel: "general", kind: "task_request" });
  await post(hub, {
    from_agent: "bob",
    channel: "general",
    kind: "chat",
    reply_to: open.id,
  });
  assertEquals((await task(hub, open.id)).status, "open");
});

// ── threads ──────────────────────────────────────────────────────────

Deno.test("GET /v1/threads summarises every thread with the §4.7 fields, derived status and counts, newest first", async () => {
  await using hub = await inProcessHub();
  await createChannel(hub, "builds");

  // "waiting": messages only (and an open task with nothing claimed).
  const w1 = await post(hub, { channel: "general", thread_id: "waiting" });
  const w2 = await post(hub, {
    channel: "general",
    kind: "task",
    thread_id: "waiting",
  });

  // "claimed": an active claim makes it open; a released one does not count.
  const c1 = await post(hub, { channel: "general", thread_id: "claimed" });
  await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "c-live",
    thread_id: "claimed",
  });
  await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "c-gone",
    thread_id: "claimed",
  });
  await hub.api("POST", "/v1/claims/release", {
    claim_key: "c-gone",
    agent_id: "alice",
  });

  // "locked": an active lock whose metadata.thread_id matches makes it open.
  const l1 = await post(hub, { channel: "general", thread_id: "locked" });
  await hub.api("POST", "/v1/locks", {
    agent_id: "bob",
    file_path: "a.ts",
    metadata: { thread_id: "locked" },
  });
  await hub.api("POST", "/v1/locks", {
    agent_id: "bob",
    file_path: "b.ts",
    metadata: { thread_id: "locked" },
  });
  await hub.api("POST", "/v1/locks/release", {
    agent_id: "bob",
    file_path: "b.ts",
  });
  await hub.api("POST", "/v1/locks", {
    agent_id: "bob",
    file_path: "c.ts",
    metadata: { thread_id: "elsewhere" },
  });

  // "done": first message in general, root task in builds, a DM, an
  // artifact, a subtask; all tasks completed; an active claim as well.
  const d1 = await post(hub, { channel: "general", thread_id: "done" });
  const root = await post(hub, {
    channel: "builds",
    kind: "task",
    thread_id: "done",
  });
  const art1 = await post(hub, {
    channel: "builds",
    kind: "artifact",
    thread_id: "done",
  });
  const sub = await post(hub, {
    channel: "general",
    kind: "task",
    thread_id: "done",
    parent_task_id: root.id,
  });
  const dm = await post(hub, {
    to_agent: "bob",
    thread_id: "done",
    body: "psst",
  });
  const art2 = await post(hub, {
    channel: "general",
    kind: "artifact",
    thread_id: "done",
  });
  await hub.api("POST", "/v1/claims", {
    owner_agent_id: "bob",
    claim_key: "c-done",
    thread_id: "done",
  });
  assertEquals((await complete(hub, root.id)).status, 200);
  assertEquals((await complete(hub, sub.id)).status, 200);
  // Completing the sub rolled up the (already done) root: no notice.

  // Known only through a claim.
  await hub.api("POST", "/v1/claims", {
    owner_agent_id: "carol",
    claim_key: "c-only",
    thread_id: "claim-only",
  });
  // Threads without messages sort last, by thread_id descending.
  await hub.api("POST", "/v1/claims", {
    owner_agent_id: "carol",
    claim_key: "c-only-2",
    thread_id: "claim-only-2",
  });
  // A lock alone does not make a thread.
  await hub.api("POST", "/v1/locks", {
    agent_id: "carol",
    file_path: "z.ts",
    metadata: { thread_id: "lock-only" },
  });

  // The newest message last, so "waiting" sorts first.
  const w3 = await post(hub, {
    to_agent: "carol",
    thread_id: "waiting",
    body: "dm in waiting",
  });

  const list = await threads(hub);
  for (const s of list) {
    assertEquals(Object.keys(s).sort(), SUMMARY_FIELDS, s.thread_id);
  }
  assertEquals(
    list.map((s) => s.thread_id),
    ["waiting", "done", "locked", "claimed", "claim-only-2", "claim-only"],
  );
  const by = Object.fromEntries(list.map((s) => [s.thread_id, s]));

  assertEquals(by["waiting"], {
    thread_id: "waiting",
    channel: "general",
    root_task_id: w2.id,
    latest_message_id: w3.id,
    latest_message_ts: w3.ts,
    latest_artifact_id: null,
    message_count: 3,
    total_task_count: 1,
    open_task_count: 1,
    active_claim_count: 0,
    active_lock_count: 0,
    status: "waiting",
  });
  assert(w1.id < w2.id);
  assertEquals(by["claimed"], {
    thread_id: "claimed",
    channel: "general",
    root_task_id: null,
    latest_message_id: c1.id,
    latest_message_ts: c1.ts,
    latest_artifact_id: null,
    message_count: 1,
    total_task_count: 0,
    open_task_count: 0,
    active_claim_count: 1,
    active_lock_count: 0,
    status: "open",
  });
  assertEquals(by["locked"], {
    thread_id: "locked",
    channel: "general",
    root_task_id: null,
    latest_message_id: l1.id,
    latest_message_ts: l1.ts,
    latest_artifact_id: null,
    message_count: 1,
    total_task_count: 0,
    open_task_count: 0,
    active_claim_count: 0,
    active_lock_count: 1,
    status: "open",
  });
  assertEquals(by["done"], {
    thread_id: "done",
    // From the root task, not the first message.
    channel: "builds",
    root_task_id: root.id,
    latest_message_id: art2.id,
    latest_message_ts: art2.ts,
    latest_artifact_id: art2.id,
    // d1, root, art1, sub, dm, art2.
    message_count: 6,
    total_task_count: 2,
    open_task_count: 0,
    active_claim_count: 1,
    active_lock_count: 0,
    status: "completed",
  });
  assert(d1.id < root.id && art1.id < art2.id && dm.id < art2.id);
  assertEquals(by["claim-only"], {
    thread_id: "claim-only",
    channel: null,
    root_task_id: null,
    latest_message_id: null,
    latest_message_ts: null,
    latest_artifact_id: null,
    message_count: 0,
    total_task_count: 0,
    open_task_count: 0,
    active_claim_count: 1,
    active_lock_count: 0,
    status: "open",
  });

  // Releasing the last live claim sends a thread back to waiting.
  await hub.api("POST", "/v1/claims/release", {
    claim_key: "c-live",
    agent_id: "alice",
  });
  const claimed = (await threads(hub)).find((s) => s.thread_id === "claimed");
  assertEquals(claimed.active_claim_count, 0);
  assertEquals(claimed.status, "waiting");

  // Completing the last open task completes "waiting".
  await complete(hub, w2.id);
  const waiting = (await threads(hub)).find((s) => s.thread_id === "waiting");
  assertEquals(waiting.open_task_count, 0);
  assertEquals(waiting.status, "completed");
});

Deno.test("GET /v1/threads/{id} returns the summary with messages (including DMs), tasks, claims and locks; 404 when unknown", async () => {
  await using hub = await inProcessHub();
  const m1 = await post(hub, {
    channel: "general",
    kind: "task",
    thread_id: "feat x",
  });
  const dm = await post(hub, {
    to_agent: "bob",
    thread_id: "feat x",
    body: "private",
  });
  const m3 = await post(hub, {
    channel: "general",
    kind: "task",
    thread_id: "feat x",
    parent_task_id: m1.id,
  });
  await post(hub, { channel: "general", thread_id: "other" });
  const claim = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    task_message_id: m1.id,
    thread_id: "feat x",
  });
  const gone = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "old",
    thread_id: "feat x",
  });
  const goneReleased = await hub.api("POST", "/v1/claims/release", {
    claim_key: "old",
    agent_id: "alice",
  });
  assertEquals(gone.status, 201);
  const lock = await hub.api("POST", "/v1/locks", {
    agent_id: "bob",
    file_path: "x.ts",
    metadata: { thread_id: "feat x" },
  });
  await hub.api("POST", "/v1/locks", {
    agent_id: "bob",
    file_path: "y.ts",
    metadata: { thread_id: "other" },
  });

  const reply = await hub.api(
    "GET",
    `/v1/threads/${encodeURIComponent("feat x")}`,
  );
  assertEquals(reply.status, 200);
  assertEquals(reply.body.ok, true);
  const d = reply.body.result;
  assertEquals(Object.keys(d).sort(), [
    "claims",
    "locks",
    "messages",
    "tasks",
    "thread",
  ]);
  // The post result's vendor note (bob has no session) is not stored.
  const { arcdeno: note, ...dmRow } = dm;
  assertEquals(note, { recipient: "unknown" });
  assertEquals(d.messages, [m1, dmRow, m3]);
  assertEquals(d.tasks.map((t: Json) => t.task_id), [m1.id, m3.id]);
  assertEquals(d.tasks[1].parent_task_id, m1.id);
  assertEquals(
    d.claims.map((c: Json) => c.claim_key).sort(),
    [`task-${m1.id}`, "old"].sort(),
  );
  assertEquals(
    d.claims.find((c: Json) => c.claim_key === `task-${m1.id}`),
    claim.body.result,
  );
  assertEquals(
    d.claims.find((c: Json) => c.claim_key === "old"),
    goneReleased.body.result,
  );
  // The grant's vendor details (mode, fence) are not part of the lock row.
  const { arcdeno: grant, ...lockRow } = lock.body.result;
  assertEquals(grant.mode, "exclusive");
  assertEquals(d.locks, [lockRow]);
  assertEquals(d.thread, {
    thread_id: "feat x",
    channel: "general",
    root_task_id: m1.id,
    latest_message_id: m3.id,
    latest_message_ts: m3.ts,
    latest_artifact_id: null,
    message_count: 3,
    total_task_count: 2,
    open_task_count: 2,
    active_claim_count: 1,
    active_lock_count: 1,
    status: "open",
  });
  // The detail's summary is the listed one.
  const listed = (await threads(hub)).find((s) => s.thread_id === "feat x");
  assertEquals(listed, d.thread);

  const unknown = await hub.api("GET", "/v1/threads/nope");
  assertEquals(unknown.status, 404);
  assertEquals(unknown.body.ok, false);
  assertEquals(typeof unknown.body.error, "string");

  // A thread known only through a claim has a detail view too.
  await hub.api("POST", "/v1/claims", {
    owner_agent_id: "carol",
    claim_key: "solo",
    thread_id: "solo-thread",
  });
  const solo = await hub.api("GET", "/v1/threads/solo-thread");
  assertEquals(solo.status, 200);
  assertEquals(solo.body.result.messages, []);
  assertEquals(solo.body.result.tasks, []);
  assertEquals(solo.body.result.claims.length, 1);
  assertEquals(solo.body.result.thread.status, "open");
  assertEquals(solo.body.result.thread.channel, null);
});
