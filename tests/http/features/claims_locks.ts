import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import type { HubLike } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";

/** The wire timestamp form: whole seconds, UTC, trailing `Z`. */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const CLAIM_FIELDS = [
  "claim_key",
  "claimed_at",
  "expires_at",
  "metadata",
  "owner_agent_id",
  "released_at",
  "task_message_id",
  "thread_id",
];

const LOCK_FIELDS = [
  "agent_id",
  "expires_at",
  "file_path",
  "locked_at",
  "metadata",
  "released_at",
];

const ms = (iso: string) => Date.parse(iso);

function assertIso(value: unknown, what: string): void {
  assert(
    typeof value === "string" && ISO.test(value),
    `${what} should look like YYYY-MM-DDTHH:MM:SSZ, got ${
      JSON.stringify(value)
    }`,
  );
}

/** Asserts an error envelope with the given status and, optionally, message. */
function assertError(
  reply: { status: number; body: { ok: unknown; error: unknown } },
  status: number,
  message?: string,
): void {
  assertEquals(reply.status, status, `status of ${JSON.stringify(reply.body)}`);
  assertEquals(reply.body.ok, false);
  assertEquals(typeof reply.body.error, "string");
  if (message !== undefined) assertEquals(reply.body.error, message);
}

async function claimKeys(hub: HubLike, query: string): Promise<string[]> {
  const reply = await hub.api("GET", `/v1/claims${query}`);
  assertEquals(reply.status, 200);
  assertEquals(reply.body.ok, true);
  return reply.body.result.map((c: { claim_key: string }) => c.claim_key)
    .sort();
}

async function lockPaths(hub: HubLike, query: string): Promise<string[]> {
  const reply = await hub.api("GET", `/v1/locks${query}`);
  assertEquals(reply.status, 200);
  assertEquals(reply.body.ok, true);
  return reply.body.result.map((l: { file_path: string }) => l.file_path)
    .sort();
}

// ── claims ───────────────────────────────────────────────────────────

Deno.test("POST /v1/claims grants a free key with 201, acquired:true and the full claim row", async () => {
  await using hub = await inProcessHub();
  const before = Date.now();
  const got = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "build-1",
    thread_id: "t-build",
    task_message_id: 7,
    ttl_sec: 60,
    metadata: { note: "compiling", n: 1 },
  });
  assertEquals(got.status, 201);
  assertEquals(got.body.ok, true);
  assertEquals(got.body.acquired, true);
  const row = got.body.result;
  assertEquals(Object.keys(row).sort(), CLAIM_FIELDS);
  assertEquals(row.claim_key, "build-1");
  assertEquals(row.owner_agent_id, "alice");
  assertEquals(row.thread_id, "t-build");
  assertEquals(row.task_message_id, 7);
  assertEquals(row.released_at, null);
  assertEquals(row.metadata, { note: "compiling", n: 1 });
  assertIso(row.claimed_at, "claimed_at");
  assertIso(row.expires_at, "expires_at");
  const lease = ms(row.expires_at) - ms(row.claimed_at);
  assert(lease >= 59_000 && lease <= 61_000, `lease of ${lease} ms`);
  assert(
    Math.abs(ms(row.claimed_at) - before) < 5_000,
    `claimed_at ${row.claimed_at} is not now`,
  );

  // Defaults: no thread, no task, empty metadata, a 300 s lease.
  const plain = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "plain",
  });
  assertEquals(plain.status, 201);
  assertEquals(plain.body.result.thread_id, null);
  assertEquals(plain.body.result.task_message_id, null);
  assertEquals(plain.body.result.metadata, {});
  const defaultLease = ms(plain.body.result.expires_at) -
    ms(plain.body.result.claimed_at);
  assert(
    defaultLease >= 299_000 && defaultLease <= 301_000,
    `default lease of ${defaultLease} ms`,
  );

  // The row is stored as returned.
  const listed = await hub.api("GET", "/v1/claims?thread_id=t-build");
  assertEquals(listed.body.result, [row]);
});

Deno.test("POST /v1/claims denies a live claim to another owner with 200 and acquired:false", async () => {
  await using hub = await inProcessHub();
  const first = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "k",
    thread_id: "t1",
    metadata: { by: "alice" },
  });
  assertEquals(first.status, 201);
  const denied = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "bob",
    claim_key: "k",
    thread_id: "t2",
    ttl_sec: 900,
    metadata: { by: "bob" },
  });
  assertEquals(denied.status, 200);
  assertEquals(denied.body.ok, true);
  assertEquals(denied.body.acquired, false);
  // The holder's row, untouched by the denied attempt.
  assertEquals(denied.body.result, first.body.result);
  const listed = await hub.api("GET", "/v1/claims");
  assertEquals(listed.body.result, [first.body.result]);
});

Deno.test("POST /v1/claims re-acquired by the same owner refreshes the lease with 201", async () => {
  await using hub = await inProcessHub();
  const first = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "k",
    ttl_sec: 60,
  });
  assertEquals(first.status, 201);
  const again = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "k",
    ttl_sec: 60,
  });
  assertEquals(again.status, 201);
  assertEquals(again.body.acquired, true);
  assertEquals(again.body.result.owner_agent_id, "alice");
  assertEquals(again.body.result.claimed_at, first.body.result.claimed_at);
  assert(
    ms(again.body.result.expires_at) >= ms(first.body.result.expires_at),
    `expires_at went back: ${first.body.result.expires_at} -> ${again.body.result.expires_at}`,
  );
  const longer = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "k",
    ttl_sec: 3600,
  });
  assertEquals(longer.status, 201);
  assert(
    ms(longer.body.result.expires_at) >=
      ms(again.body.result.expires_at) + 3_000_000,
    `expires_at not extended: ${longer.body.result.expires_at}`,
  );
  const listed = await hub.api("GET", "/v1/claims");
  assertEquals(listed.body.result.length, 1);
  assertEquals(listed.body.result[0].expires_at, longer.body.result.expires_at);
});

Deno.test("POST /v1/claims derives claim_key task-<id> from task_message_id alone", async () => {
  await using hub = await inProcessHub();
  const got = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    task_message_id: 42,
  });
  assertEquals(got.status, 201);
  assertEquals(got.body.acquired, true);
  assertEquals(got.body.result.claim_key, "task-42");
  assertEquals(got.body.result.task_message_id, 42);
  // A blank claim_key counts as absent too.
  const blank = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "bob",
    claim_key: "",
    task_message_id: 43,
  });
  assertEquals(blank.status, 201);
  assertEquals(blank.body.result.claim_key, "task-43");
  // The derived key collides like any other key.
  const other = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "bob",
    claim_key: "task-42",
  });
  assertEquals(other.status, 200);
  assertEquals(other.body.acquired, false);
  assertEquals(other.body.result.owner_agent_id, "alice");
});

Deno.test("POST /v1/claims rejects invalid bodies with 400 and stores nothing", async () => {
  await using hub = await inProcessHub();
  assertError(
    await hub.api("POST", "/v1/claims", { owner_agent_id: "alice" }),
    400,
    "claim_key or task_message_id is required",
  );
  assertError(
    await hub.api("POST", "/v1/claims", { claim_key: "k" }),
    400,
    "owner_agent_id is required",
  );
  assertError(
    await hub.api("POST", "/v1/claims", { owner_agent_id: "", claim_key: "k" }),
    400,
    "owner_agent_id is required",
  );
  assertError(
    await hub.api("POST", "/v1/claims", {
      owner_agent_id: "alice",
      claim_key: "k",
      ttl_sec: 4,
    }),
    400,
    "ttl_sec must be at least 5",
  );
  const word = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "k",
    ttl_sec: "abc",
  });
  assertError(word, 400);
  assertStringIncludes(word.body.error, "ttl_sec");
  for (const metadata of [[1, 2], "text", 5]) {
    const bad = await hub.api("POST", "/v1/claims", {
      owner_agent_id: "alice",
      claim_key: "k",
      metadata,
    });
    assertError(bad, 400);
    assertStringIncludes(bad.body.error, "metadata");
  }
  assertError(await hub.api("POST", "/v1/claims", "[1]"), 400);
  assertError(await hub.api("POST", "/v1/claims", "{not json"), 400);
  assertEquals(await claimKeys(hub, ""), []);
  // ttl_sec 5 is the floor, and is accepted.
  const edge = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "k",
    ttl_sec: 5,
  });
  assertEquals(edge.status, 201);
});

Deno.test("POST /v1/claims/refresh extends the owner's lease with 200 and acquired:true, else 404", async () => {
  await using hub = await inProcessHub();
  const first = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "k",
    ttl_sec: 10,
    metadata: { keep: true },
  });
  const refreshed = await hub.api("POST", "/v1/claims/refresh", {
    claim_key: "k",
    owner_agent_id: "alice",
    ttl_sec: 600,
  });
  assertEquals(refreshed.status, 200);
  assertEquals(refreshed.body.ok, true);
  assertEquals(refreshed.body.acquired, true);
  assertEquals(refreshed.body.result.owner_agent_id, "alice");
  assertEquals(refreshed.body.result.claimed_at, first.body.result.claimed_at);
  assertEquals(refreshed.body.result.metadata, { keep: true });
  assert(
    ms(refreshed.body.result.expires_at) >=
      ms(first.body.result.expires_at) + 500_000,
    `not extended: ${first.body.result.expires_at} -> ${refreshed.body.result.expires_at}`,
  );

  assertError(
    await hub.api("POST", "/v1/claims/refresh", {
      claim_key: "k",
      owner_agent_id: "bob",
    }),
    404,
  );
  assertError(
    await hub.api("POST", "/v1/claims/refresh", {
      claim_key: "nope",
      owner_agent_id: "alice",
    }),
    404,
  );
  assertError(
    await hub.api("POST", "/v1/claims/refresh", { claim_key: "k" }),
    400,
    "owner_agent_id is required",
  );
  assertError(
    await hub.api("POST", "/v1/claims/refresh", {
      claim_key: "k",
      owner_agent_id: "alice",
      ttl_sec: 1,
    }),
    400,
    "ttl_sec must be at least 5",
  );
  // bob's failed refresh did not take the claim.
  const listed = await hub.api("GET", "/v1/claims");
  assertEquals(listed.body.result[0].owner_agent_id, "alice");

  const released = await hub.api("POST", "/v1/claims/release", {
    claim_key: "k",
    agent_id: "alice",
  });
  assertEquals(released.status, 200);
  assertError(
    await hub.api("POST", "/v1/claims/refresh", {
      claim_key: "k",
      owner_agent_id: "alice",
    }),
    404,
  );
});

Deno.test("POST /v1/claims/release frees only the owner's live claim and then lets others acquire", async () => {
  await using hub = await inProcessHub();
  await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "k",
    thread_id: "t1",
  });
  assertError(
    await hub.api("POST", "/v1/claims/release", {
      claim_key: "k",
      agent_id: "bob",
    }),
    404,
  );
  assertEquals(await claimKeys(hub, "?active_only=true"), ["k"]);
  assertError(
    await hub.api("POST", "/v1/claims/release", {
      claim_key: "missing",
      agent_id: "alice",
    }),
    404,
  );
  assertError(
    await hub.api("POST", "/v1/claims/release", { claim_key: "k" }),
    400,
    "agent_id is required",
  );

  const released = await hub.api("POST", "/v1/claims/release", {
    claim_key: "k",
    agent_id: "alice",
  });
  assertEquals(released.status, 200);
  assertEquals(released.body.ok, true);
  assertEquals(released.body.result.claim_key, "k");
  assertEquals(released.body.result.owner_agent_id, "alice");
  assertIso(released.body.result.released_at, "released_at");
  assertEquals(await claimKeys(hub, "?active_only=true"), []);

  assertError(
    await hub.api("POST", "/v1/claims/release", {
      claim_key: "k",
      agent_id: "alice",
    }),
    404,
  );

  const taken = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "bob",
    claim_key: "k",
    thread_id: "t9",
    metadata: { fresh: 1 },
  });
  assertEquals(taken.status, 201);
  assertEquals(taken.body.acquired, true);
  assertEquals(taken.body.result.owner_agent_id, "bob");
  assertEquals(taken.body.result.released_at, null);
  assertEquals(taken.body.result.thread_id, "t9");
  assertEquals(taken.body.result.metadata, { fresh: 1 });
  // alice is now the outsider.
  const denied = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "k",
  });
  assertEquals(denied.status, 200);
  assertEquals(denied.body.acquired, false);
});

Deno.test("GET /v1/claims filters by thread_id and active_only (true, 1, yes)", async () => {
  await using hub = await inProcessHub();
  for (
    const [key, thread] of [["a", "t1"], ["b", "t1"], ["c", "t2"], ["d", null]]
  ) {
    const r = await hub.api("POST", "/v1/claims", {
      owner_agent_id: "alice",
      claim_key: key,
      thread_id: thread,
    });
    assertEquals(r.status, 201);
  }
  await hub.api("POST", "/v1/claims/release", {
    claim_key: "b",
    agent_id: "alice",
  });

  assertEquals(await claimKeys(hub, ""), ["a", "b", "c", "d"]);
  assertEquals(await claimKeys(hub, "?thread_id=t1"), ["a", "b"]);
  assertEquals(await claimKeys(hub, "?thread_id=t2"), ["c"]);
  assertEquals(await claimKeys(hub, "?thread_id=none"), []);
  for (const yes of ["true", "1", "yes"]) {
    assertEquals(
      await claimKeys(hub, `?active_only=${yes}`),
      ["a", "c", "d"],
      `active_only=${yes}`,
    );
    assertEquals(
      await claimKeys(hub, `?thread_id=t1&active_only=${yes}`),
      ["a"],
      `thread_id=t1&active_only=${yes}`,
    );
  }
  for (const no of ["false", "0", "no", ""]) {
    assertEquals(
      await claimKeys(hub, `?thread_id=t1&active_only=${no}`),
      ["a", "b"],
      `active_only=${no}`,
    );
  }
});

// ── locks ────────────────────────────────────────────────────────────

Deno.test("POST /v1/locks grants a free path with 201, denies another agent with 200 and refreshes for the holder", async () => {
  await using hub = await inProcessHub();
  const got = await hub.api("POST", "/v1/locks", {
    agent_id: "alice",
    file_path: "src/main.ts",
    ttl_sec: 60,
    metadata: { thread_id: "t1", why: "refactor" },
  });
  assertEquals(got.status, 201);
  assertEquals(got.body.ok, true);
  assertEquals(got.body.acquired, true);
  const { arcdeno, ...row } = got.body.result;
  assertEquals(Object.keys(row).sort(), LOCK_FIELDS);
  assertEquals(typeof arcdeno.fence, "number");
  assertEquals(row.file_path, "src/main.ts");
  assertEquals(row.agent_id, "alice");
  assertEquals(row.released_at, null);
  assertEquals(row.metadata, { thread_id: "t1", why: "refactor" });
  assertIso(row.locked_at, "locked_at");
  assertIso(row.expires_at, "expires_at");
  const lease = ms(row.expires_at) - ms(row.locked_at);
  assert(lease >= 59_000 && lease <= 61_000, `lease of ${lease} ms`);

  const denied = await hub.api("POST", "/v1/locks", {
    agent_id: "bob",
    file_path: "src/main.ts",
    metadata: { mine: true },
  });
  assertEquals(denied.status, 200);
  assertEquals(denied.body.ok, true);
  assertEquals(denied.body.acquired, false);
  assertEquals({ ...denied.body.result, arcdeno: undefined }, {
    ...row,
    arcdeno: undefined,
  });

  const again = await hub.api("POST", "/v1/locks", {
    agent_id: "alice",
    file_path: "src/main.ts",
    ttl_sec: 60,
  });
  assertEquals(again.status, 201);
  assertEquals(again.body.acquired, true);
  assertEquals(again.body.result.locked_at, row.locked_at);
  assert(ms(again.body.result.expires_at) >= ms(row.expires_at));
  const longer = await hub.api("POST", "/v1/locks", {
    agent_id: "alice",
    file_path: "src/main.ts",
    ttl_sec: 3600,
  });
  assertEquals(longer.status, 201);
  assert(
    ms(longer.body.result.expires_at) >= ms(row.expires_at) + 3_000_000,
    `not extended: ${longer.body.result.expires_at}`,
  );

  const plain = await hub.api("POST", "/v1/locks", {
    agent_id: "bob",
    file_path: "README.md",
  });
  assertEquals(plain.status, 201);
  assertEquals(plain.body.result.metadata, {});
  const defaultLease = ms(plain.body.result.expires_at) -
    ms(plain.body.result.locked_at);
  assert(
    defaultLease >= 299_000 && defaultLease <= 301_000,
    `default lease ${defaultLease} ms`,
  );
});

Deno.test("POST /v1/locks rejects invalid bodies with 400 and stores nothing", async () => {
  await using hub = await inProcessHub();
  assertError(
    await hub.api("POST", "/v1/locks", { file_path: "a.ts" }),
    400,
    "agent_id is required",
  );
  assertError(
    await hub.api("POST", "/v1/locks", { agent_id: "alice" }),
    400,
    "file_path is required",
  );
  assertError(
    await hub.api("POST", "/v1/locks", {
      agent_id: "alice",
      file_path: "a.ts",
      ttl_sec: 4,
    }),
    400,
    "ttl_sec must be at least 5",
  );
  const word = await hub.api("POST", "/v1/locks", {
    agent_id: "alice",
    file_path: "a.ts",
    ttl_sec: "abc",
  });
  assertError(word, 400);
  assertStringIncludes(word.body.error, "ttl_sec");
  const meta = await hub.api("POST", "/v1/locks", {
    agent_id: "alice",
    file_path: "a.ts",
    metadata: ["x"],
  });
  assertError(meta, 400);
  assertStringIncludes(meta.body.error, "metadata");
  assertEquals(await lockPaths(hub, ""), []);
});

Deno.test("POST /v1/locks/refresh and /release act only for the holder of a live lock", async () => {
  await using hub = await inProcessHub();
  const first = await hub.api("POST", "/v1/locks", {
    agent_id: "alice",
    file_path: "a.ts",
    ttl_sec: 10,
  });
  const refreshed = await hub.api("POST", "/v1/locks/refresh", {
    agent_id: "alice",
    file_path: "a.ts",
    ttl_sec: 600,
  });
  assertEquals(refreshed.status, 200);
  assertEquals(refreshed.body.ok, true);
  assertEquals(refreshed.body.acquired, true);
  assertEquals(refreshed.body.result.agent_id, "alice");
  assert(
    ms(refreshed.body.result.expires_at) >=
      ms(first.body.result.expires_at) + 500_000,
    `not extended: ${refreshed.body.result.expires_at}`,
  );
  assertError(
    await hub.api("POST", "/v1/locks/refresh", {
      agent_id: "bob",
      file_path: "a.ts",
    }),
    404,
  );
  assertError(
    await hub.api("POST", "/v1/locks/refresh", {
      agent_id: "alice",
      file_path: "nope.ts",
    }),
    404,
  );
  assertError(
    await hub.api("POST", "/v1/locks/release", {
      agent_id: "bob",
      file_path: "a.ts",
    }),
    404,
  );
  assertError(
    await hub.api("POST", "/v1/locks/release", {
      agent_id: "alice",
      file_path: "nope.ts",
    }),
    404,
  );
  assertEquals(await lockPaths(hub, "?active_only=1"), ["a.ts"]);

  const released = await hub.api("POST", "/v1/locks/release", {
    agent_id: "alice",
    file_path: "a.ts",
  });
  assertEquals(released.status, 200);
  assertEquals(released.body.ok, true);
  assertEquals(released.body.result.file_path, "a.ts");
  assertIso(released.body.result.released_at, "released_at");
  assertEquals(await lockPaths(hub, "?active_only=1"), []);

  assertError(
    await hub.api("POST", "/v1/locks/release", {
      agent_id: "alice",
      file_path: "a.ts",
    }),
    404,
  );
  assertError(
    await hub.api("POST", "/v1/locks/refresh", {
      agent_id: "alice",
      file_path: "a.ts",
    }),
    404,
  );

  const taken = await hub.api("POST", "/v1/locks", {
    agent_id: "bob",
    file_path: "a.ts",
  });
  assertEquals(taken.status, 201);
  assertEquals(taken.body.acquired, true);
  assertEquals(taken.body.result.agent_id, "bob");
  assertEquals(taken.body.result.released_at, null);
});

Deno.test("GET /v1/locks filters by agent_id and active_only (true, 1, yes)", async () => {
  await using hub = await inProcessHub();
  for (
    const [path, agent] of [["a", "alice"], ["b", "alice"], ["c", "bob"]]
  ) {
    const r = await hub.api("POST", "/v1/locks", {
      agent_id: agent,
      file_path: path,
    });
    assertEquals(r.status, 201);
  }
  await hub.api("POST", "/v1/locks/release", {
    agent_id: "alice",
    file_path: "b",
  });
  assertEquals(await lockPaths(hub, ""), ["a", "b", "c"]);
  assertEquals(await lockPaths(hub, "?agent_id=alice"), ["a", "b"]);
  assertEquals(await lockPaths(hub, "?agent_id=bob"), ["c"]);
  assertEquals(await lockPaths(hub, "?agent_id=carol"), []);
  for (const yes of ["true", "1", "yes"]) {
    assertEquals(await lockPaths(hub, `?active_only=${yes}`), ["a", "c"]);
    assertEquals(
      await lockPaths(hub, `?agent_id=alice&active_only=${yes}`),
      ["a"],
    );
  }
  for (const no of ["false", "0", ""]) {
    assertEquals(
      await lockPaths(hub, `?agent_id=alice&active_only=${no}`),
      ["a", "b"],
    );
  }
});

// ── expiry and presence ──────────────────────────────────────────────

Deno.test("POST /v1/claims and /v1/locks treat a lapsed lease as free: others acquire with 201, the old owner gets 404", async () => {
  await using hub = await inProcessHub();
  for (const key of ["c-refresh", "c-release"]) {
    const r = await hub.api("POST", "/v1/claims", {
      owner_agent_id: "alice",
      claim_key: key,
      thread_id: "t-exp",
      ttl_sec: 5,
    });
    assertEquals(r.status, 201);
  }
  for (const path of ["l-refresh", "l-release"]) {
    const r = await hub.api("POST", "/v1/locks", {
      agent_id: "alice",
      file_path: path,
      ttl_sec: 5,
    });
    assertEquals(r.status, 201);
  }
  // Still live right away.
  const early = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "bob",
    claim_key: "c-refresh",
  });
  assertEquals(early.body.acquired, false);

  await hub.advance(6_000);
  assertEquals(await claimKeys(hub, "?active_only=1"), []);
  assertEquals(await lockPaths(hub, "?active_only=1"), []);
  // Lapsed rows are still listed without active_only, never marked released.
  const all = await hub.api("GET", "/v1/claims?thread_id=t-exp");
  assertEquals(all.body.result.length, 2);
  for (const c of all.body.result) assertEquals(c.released_at, null);

  assertError(
    await hub.api("POST", "/v1/claims/refresh", {
      claim_key: "c-refresh",
      owner_agent_id: "alice",
    }),
    404,
  );
  assertError(
    await hub.api("POST", "/v1/claims/release", {
      claim_key: "c-release",
      agent_id: "alice",
    }),
    404,
  );
  assertError(
    await hub.api("POST", "/v1/locks/refresh", {
      file_path: "l-refresh",
      agent_id: "alice",
    }),
    404,
  );
  assertError(
    await hub.api("POST", "/v1/locks/release", {
      file_path: "l-release",
      agent_id: "alice",
    }),
    404,
  );

  for (const key of ["c-refresh", "c-release"]) {
    const taken = await hub.api("POST", "/v1/claims", {
      owner_agent_id: "bob",
      claim_key: key,
    });
    assertEquals(taken.status, 201, key);
    assertEquals(taken.body.acquired, true);
    assertEquals(taken.body.result.owner_agent_id, "bob");
    assertEquals(taken.body.result.released_at, null);
    assertEquals(taken.body.result.thread_id, null);
    assert(ms(taken.body.result.expires_at) > Date.now() + 200_000);
  }
  for (const path of ["l-refresh", "l-release"]) {
    const taken = await hub.api("POST", "/v1/locks", {
      agent_id: "bob",
      file_path: path,
    });
    assertEquals(taken.status, 201, path);
    assertEquals(taken.body.acquired, true);
    assertEquals(taken.body.result.agent_id, "bob");
  }
  assertEquals(await claimKeys(hub, "?active_only=1"), [
    "c-refresh",
    "c-release",
  ]);
  assertEquals(await lockPaths(hub, "?agent_id=bob&active_only=1"), [
    "l-refresh",
    "l-release",
  ]);
});

Deno.test("POST /v1/claims and /v1/locks touch the owner's session last_seen", async () => {
  await using hub = await inProcessHub();
  const session = await hub.api("POST", "/v1/sessions", { agent_id: "alice" });
  assertEquals(session.status, 201);
  const lastSeen = async () => {
    const agents = await hub.api("GET", "/v1/agents");
    const me = agents.body.result.find((a: { agent_id: string }) =>
      a.agent_id === "alice"
    );
    assert(me, "alice is listed");
    assertIso(me.last_seen, "last_seen");
    return me.last_seen as string;
  };
  const t0 = await lastSeen();
  await hub.advance(1100);
  assertEquals(await lastSeen(), t0, "listing agents alone moved last_seen");
  const claim = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "k",
  });
  assertEquals(claim.status, 201);
  const t1 = await lastSeen();
  assert(ms(t1) > ms(t0), `claim did not touch: ${t0} -> ${t1}`);

  await hub.advance(1100);
  const lock = await hub.api("POST", "/v1/locks", {
    agent_id: "alice",
    file_path: "a.ts",
  });
  assertEquals(lock.status, 201);
  const t2 = await lastSeen();
  assert(ms(t2) > ms(t1), `lock did not touch: ${t1} -> ${t2}`);
});

// ── leases past year 9999 ────────────────────────────────────────────

/** About 9,500 years: the expiry lands past 9999-12-31. */
const HUGE_TTL = 300_000_000_000;

Deno.test("POST /v1/claims refuses a lease past ten years with 400, so expiries keep the four-digit-year form", async () => {
  await using hub = await inProcessHub();
  for (const ttl of [HUGE_TTL, 315_360_001]) {
    const got = await hub.api("POST", "/v1/claims", {
      owner_agent_id: "alice",
      claim_key: "forever",
      ttl_sec: ttl,
    });
    assertEquals(got.status, 400);
    assertEquals(
      got.body.error,
      "ttl_sec must be at most 315360000 (ten years)",
    );
  }
  const longest = await hub.api("POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "forever",
    ttl_sec: 315_360_000,
  });
  assertEquals(longest.status, 201);
  assertIso(longest.body.result.expires_at, "expires_at");
  assertEquals(await claimKeys(hub, "?active_only=1"), ["forever"]);
  const released = await hub.api("POST", "/v1/claims/release", {
    claim_key: "forever",
    agent_id: "alice",
  });
  assertEquals(released.status, 200);
});

Deno.test("POST /v1/locks refuses a lease past ten years with 400", async () => {
  await using hub = await inProcessHub();
  const got = await hub.api("POST", "/v1/locks", {
    agent_id: "alice",
    file_path: "forever.ts",
    ttl_sec: HUGE_TTL,
  });
  assertEquals(got.status, 400);
  assertEquals(got.body.error, "ttl_sec must be at most 315360000 (ten years)");
  const refresh = await hub.api("POST", "/v1/locks/refresh", {
    agent_id: "alice",
    file_path: "forever.ts",
    ttl_sec: HUGE_TTL,
  });
  assertEquals(refresh.status, 400);
  assertEquals(await lockPaths(hub, ""), []);
});
