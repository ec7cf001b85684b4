import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { startHub } from "../_util.ts";
import { inProcessHub } from "../_harness.ts";
import { readResponse, relayCall, writeRequest } from "./_spool.ts";

Deno.test("relay: every method round-trips through spool files, and the hub advertises it", async () => {
  await using hub = await startHub();
  const spool = `${hub.dir}/spool`;
  const info = await hub.api("GET", "/v1/hub-info");
  assert(info.body.result.features.includes("relay"));

  const session = await relayCall(spool, "alice", "POST", "/v1/sessions", {
    agent_id: "alice",
  });
  assertEquals(session.ok, true);
  assertEquals(session.status, 201);
  assertEquals(session.body.result.agent_id, "alice");
  assert(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(session.completed_at));
  const post = await relayCall(spool, "alice", "POST", "/v1/messages", {
    from_agent: "alice",
    body: "through the relay",
  });
  assertEquals(post.status, 201);
  // The HTTP side sees it.
  const seen = await hub.api("GET", "/v1/messages?channel=general");
  assertEquals(seen.body.result[0].body, "through the relay");
  const read = await relayCall(
    spool,
    "alice",
    "GET",
    "/v1/events?agent_id=alice&since_id=0",
  );
  assertEquals(read.body.result.length, 1);
  const del = await relayCall(
    spool,
    "alice",
    "DELETE",
    `/v1/sessions/${session.body.result.session_id}`,
  );
  assertEquals(del.body.result.deleted, true);

  const missing = await relayCall(spool, "alice", "GET", "/v1/threads/none");
  assertEquals(missing.ok, false);
  assertEquals(missing.status, 404);
  assertEquals(missing.error, "thread not found: none");
  assertEquals(missing.body, { ok: false, error: "thread not found: none" });

  const stream = await relayCall(
    spool,
    "alice",
    "GET",
    "/v1/stream?agent_id=alice",
  );
  assertEquals(stream.status, 400);
  assertStringIncludes(
    stream.error,
    "/v1/stream cannot travel through the relay",
  );

  // Processed requests are kept as .work files.
  const names = [...Deno.readDirSync(`${spool}/requests/alice`)].map((e) =>
    e.name
  );
  assert(
    names.length >= 6 && names.every((n) => n.endsWith(".work")),
    names.join(),
  );
});

Deno.test("relay: a parked long-poll does not delay other agents' requests", async () => {
  await using hub = await startHub();
  const spool = `${hub.dir}/spool`;
  const parked = relayCall(
    spool,
    "waiter",
    "GET",
    "/v1/events?agent_id=waiter&since_id=0&timeout=10",
  );
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  const quick = await Promise.all(
    Array.from(
      { length: 20 },
      (_, i) => relayCall(spool, `quick-${i % 4}`, "GET", "/v1/hub-info"),
    ),
  );
  const elapsed = performance.now() - t0;
  assert(quick.every((r) => r.status === 200));
  assert(
    elapsed < 2000,
    `quick requests took ${elapsed} ms behind a parked long-poll`,
  );
  // The parked one wakes as soon as a message for it arrives.
  await hub.api("POST", "/v1/messages", {
    from_agent: "x",
    to_agent: "waiter",
    body: "wake",
  });
  const woke = await parked;
  assertEquals(woke.body.result.map((m: { body: string }) => m.body), ["wake"]);
});

Deno.test("relay: hostile spool content gets error responses and the relay keeps serving", async () => {
  // The relay in this process, rescanning every 100 ms.
  await using hub = await inProcessHub({
    relay: { rescanMs: 100 },
    args: [
      "--max-body-chars",
      "100",
      "--max-attachment-chars",
      "100",
      "--max-attachments",
      "1",
    ],
  });
  const spool = `${hub.dir}/spool`;
  const cases: [string, unknown, string][] = [
    ["bad-json", "{not json", "invalid relay request"],
    ["array", "[1,2]", "request envelope must be a JSON object"],
    ["no-method", { path: "/v1/channels" }, "request envelope missing method"],
    [
      "bad-path",
      { method: "GET", path: "v1/channels" },
      "request path must start with '/'",
    ],
    [
      "body-list",
      { method: "POST", path: "/v1/channels", body: [1] },
      "request body must be a JSON object",
    ],
    [
      "huge",
      JSON.stringify({
        method: "POST",
        path: "/v1/messages",
        body: { pad: "x".repeat(400_000) },
      }),
      "bytes (at most",
    ],
  ];
  for (const [id, content] of cases) {
    await writeRequest(spool, "mallory", id, content);
  }
  for (const [id, , error] of cases) {
    const res = await readResponse(spool, "mallory", id);
    assertEquals(res.ok, false, id);
    assertEquals(res.status, 400, id);
    assertEquals(res.request_id, id);
    assertStringIncludes(res.error, error);
  }

  // Invalid UTF-8.
  await Deno.writeFile(
    `${spool}/requests/mallory/latin1.json`,
    new Uint8Array([0x7b, 0xe9, 0x7d]),
  );
  assertStringIncludes(
    (await readResponse(spool, "mallory", "latin1")).error,
    "UTF-8",
  );

  // A request file that is a link is answered without being read.
  const secret = `${hub.dir}/secret.json`;
  await Deno.writeTextFile(
    secret,
    JSON.stringify({ method: "GET", path: "/v1/hub-info" }),
  );
  await Deno.symlink(secret, `${spool}/requests/mallory/linked.json`);
  const linked = await readResponse(spool, "mallory", "linked");
  assertEquals(linked.status, 400);
  assertStringIncludes(linked.error, "symbolic link");
  assertEquals(
    JSON.parse(await Deno.readTextFile(secret)).path,
    "/v1/hub-info",
  );

  // An agent directory that is a link out of the spool is never entered.
  const outside = await Deno.makeTempDir({ prefix: "arc-outside-" });
  try {
    await Deno.writeTextFile(
      `${outside}/x.json`,
      JSON.stringify({ method: "GET", path: "/v1/hub-info" }),
    );
    await Deno.symlink(outside, `${spool}/requests/escape`);
    // An unsafe directory name is answered under its safe form.
    await writeRequest(spool, "bad name", "odd", {
      method: "GET",
      path: "/v1/hub-info",
    });
    const odd = await readResponse(spool, "bad_name", "odd");
    assertEquals(odd.status, 400);
    assertStringIncludes(odd.error, "not a safe name");
    await new Promise((r) => setTimeout(r, 300)); // past two rescans
    assertEquals([...Deno.readDirSync(outside)].map((e) => e.name), ["x.json"]);
  } finally {
    await Deno.remove(outside, { recursive: true });
  }

  // Still serving.
  const fine = await relayCall(spool, "mallory", "GET", "/v1/channels");
  assertEquals(fine.status, 200);
});

Deno.test("relay: requests queued while the hub was down are answered at startup, and abandoned claims get an error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-relay-restart-" });
  try {
    const spool = `${dir}/spool`;
    const count = 1500;
    for (let i = 0; i < count; i++) {
      await writeRequest(spool, `agent-${i % 10}`, `q${i}`, {
        method: "POST",
        path: "/v1/messages",
        body: { from_agent: `agent-${i % 10}`, body: `queued ${i}` },
      });
    }
    // A request a crashed relay claimed but never answered (its owner file went stale),
    // and an old one nobody can still be waiting for.
    await Deno.writeTextFile(`${spool}/requests/agent-0/lost.work`, "{}");
    await Deno.writeTextFile(`${spool}/requests/agent-0/ancient.work`, "{}");
    await Deno.utime(`${spool}/requests/agent-0/ancient.work`, 0, 0);
    await Deno.writeTextFile(
      `${spool}/.relay-owner.json`,
      JSON.stringify({ id: "crashed", pid: 1, at: Date.now() - 3_600_000 }),
    );
    const t0 = performance.now();
    await using hub = await startHub({ dir });
    for (let i = 0; i < count; i++) {
      const res = await readResponse(spool, `agent-${i % 10}`, `q${i}`, 30_000);
      assertEquals(res.status, 201, `q${i}`);
    }
    const elapsed = performance.now() - t0;
    const lost = await readResponse(spool, "agent-0", "lost");
    assertEquals(lost.status, 500);
    assertStringIncludes(lost.error, "may or may not have been applied");
    assertEquals(
      [...Deno.readDirSync(`${spool}/responses/agent-0`)].some((e) =>
        e.name === "ancient.json"
      ),
      false,
    );
    const stored = await hub.api(
      "GET",
      "/v1/messages?channel=general&limit=500&tail=1",
    );
    assertEquals(stored.body.result.length, 500);
    assert(elapsed < 30_000, `${count} queued requests took ${elapsed} ms`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("relay: a clean restart leaves answered requests alone, even when clients deleted their responses", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-relay-clean-" });
  try {
    const spool = `${dir}/spool`;
    {
      await using hub = await startHub({ dir });
      await relayCall(spool, "a", "GET", "/v1/channels");
      for (const e of Deno.readDirSync(`${spool}/responses/a`)) {
        Deno.removeSync(`${spool}/responses/a/${e.name}`);
      }
      assertEquals(await hub.stop(), 0);
    }
    await using _hub = await startHub({ dir });
    await new Promise((r) => setTimeout(r, 300));
    assertEquals([...Deno.readDirSync(`${spool}/responses/a`)].length, 0);
    assertEquals(
      (await relayCall(spool, "a", "GET", "/v1/channels")).status,
      200,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("relay: --relay-retention deletes answered files older than the limit and keeps fresh ones", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-relay-retention-" });
  try {
    const spool = `${dir}/spool`;
    await Deno.mkdir(`${spool}/requests/a`, { recursive: true });
    await Deno.mkdir(`${spool}/responses/a`, { recursive: true });
    for (
      const path of [
        `${spool}/requests/a/old.work`,
        `${spool}/responses/a/old.json`,
      ]
    ) {
      await Deno.writeTextFile(path, "{}");
      await Deno.utime(path, 0, Date.now() / 1000 - 3600);
    }
    await using _hub = await startHub({
      dir,
      args: ["--relay-retention", "600"],
    });
    await relayCall(spool, "a", "GET", "/v1/channels");
    const gone = async () =>
      !(await Deno.lstat(`${spool}/requests/a/old.work`).then(
        () => true,
        () => false,
      )) &&
      !(await Deno.lstat(`${spool}/responses/a/old.json`).then(
        () => true,
        () => false,
      ));
    const deadline = Date.now() + 10_000;
    while (!(await gone()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert(await gone(), "old relay files were not deleted");
    const left = [...Deno.readDirSync(`${spool}/requests/a`)].map((e) =>
      e.name
    );
    assertEquals(left.length, 1);
    assert(left[0]!.endsWith(".work"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("relay: survives its spool being deleted and made again", async () => {
  await using hub = await startHub();
  const spool = `${hub.dir}/spool`;
  assertEquals(
    (await relayCall(spool, "a", "GET", "/v1/channels")).status,
    200,
  );
  await Deno.remove(spool, { recursive: true });
  await new Promise((r) => setTimeout(r, 100));
  const res = await relayCall(spool, "a", "GET", "/v1/channels");
  assertEquals(res.status, 200);
});
