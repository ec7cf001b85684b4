import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { openStream, request, startHub } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";

Deno.test("POST /v1/messages validates and normalises a post", async () => {
  await using hub = await inProcessHub({ args: ["--max-attachments", "2"] });
  const ok = await hub.api("POST", "/v1/messages", {
    from_agent: " alice ",
    kind: "NOTICE",
    body: "hello",
    thread_id: "t-1",
    attachments: [
      { type: "code", content: "x = 1", language: "py", extra: 1 },
      { type: "file_ref", path: "src/a.ts", start_line: "3", end_line: 9 },
    ],
  });
  assertEquals(ok.status, 201);
  const m = ok.body.result;
  assertEquals(m.from_agent, "alice");
  assertEquals(m.channel, "general");
  assertEquals(m.kind, "notice");
  assertEquals(m.to_agent, null);
  assertEquals(m.attachments, [
    { type: "code", content: "x = 1", language: "py" },
    { type: "file_ref", path: "src/a.ts", start_line: 3, end_line: 9 },
  ]);
  assert(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(m.ts), m.ts);

  const dm = await hub.api("POST", "/v1/messages", {
    from_agent: "alice",
    to_agent: "bob",
    body: "psst",
  });
  assertEquals(dm.status, 201);
  assertEquals(dm.body.result.channel, "direct");
  const labelled = await hub.api("POST", "/v1/messages", {
    from_agent: "alice",
    to_agent: "bob",
    channel: "no-such-channel",
    body: "a DM may carry any label",
  });
  assertEquals(labelled.status, 201);

  const cases: [unknown, string][] = [
    [{ body: "x" }, "from_agent is required"],
    [{ from_agent: "a", body: "x", kind: "shout" }, "unsupported kind: shout"],
    [{ from_agent: "a" }, "body or attachments is required"],
    [
      { from_agent: "a", body: "x", channel: "nope" },
      "channel does not exist: nope",
    ],
    [
      { from_agent: "a", attachments: {} },
      "body or attachments is required",
    ],
    [
      { from_agent: "a", body: "x", attachments: "a" },
      "attachments must be a list",
    ],
    [
      { from_agent: "a", attachments: [{ type: "text" }] },
      "attachment type text requires content",
    ],
    [
      { from_agent: "a", attachments: [{ type: "diff_ref" }] },
      "attachment type diff_ref requires path",
    ],
    [
      { from_agent: "a", attachments: [{ type: "image" }] },
      "unsupported attachment type: image",
    ],
    [
      { from_agent: "a", attachments: [1] },
      "attachments must contain JSON objects",
    ],
    [
      {
        from_agent: "a",
        body: "x",
        attachments: [{ type: "text", content: "1" }, {
          type: "text",
          content: "2",
        }, { type: "text", content: "3" }],
      },
      "too many attachments",
    ],
    [
      { from_agent: "a", body: "x", reply_to: "seven" },
      "reply_to must be an integer",
    ],
    [
      { from_agent: "a", body: "x", metadata: [1] },
      "metadata must be a JSON object",
    ],
    [
      { from_agent: "a", body: "x", parent_task_id: 999 },
      "parent_task_id references unknown task",
    ],
  ];
  for (const [body, error] of cases) {
    const res = await hub.api("POST", "/v1/messages", body);
    assertEquals(res.status, 400, JSON.stringify(body));
    assertEquals(res.body.ok, false);
    assertStringIncludes(res.body.error, error);
  }
});

Deno.test("POST /v1/messages enforces the body and attachment size limits", async () => {
  await using hub = await inProcessHub({
    args: ["--max-body-chars", "10", "--max-attachment-chars", "12"],
  });
  const fits = await hub.api("POST", "/v1/messages", {
    from_agent: "a",
    body: "x".repeat(10),
  });
  assertEquals(fits.status, 201);
  const long = await hub.api("POST", "/v1/messages", {
    from_agent: "a",
    body: "x".repeat(11),
  });
  assertEquals(long.status, 400);
  assertStringIncludes(long.body.error, "body exceeds max size");
  // The content is measured as JSON text: "aaaaaaaaaa" is 12 characters.
  const att = await hub.api("POST", "/v1/messages", {
    from_agent: "a",
    attachments: [{ type: "text", content: "a".repeat(10) }],
  });
  assertEquals(att.status, 201);
  const big = await hub.api("POST", "/v1/messages", {
    from_agent: "a",
    attachments: [{ type: "json", content: { k: "a".repeat(10) } }],
  });
  assertEquals(big.status, 400);
  assertStringIncludes(big.body.error, "attachment type json exceeds max size");
  // A body far over the derived request cap is refused before it is read whole.
  const huge = await hub.api("POST", "/v1/messages", "x".repeat(2_000_000));
  assertEquals(huge.status, 400);
  assertStringIncludes(huge.body.error, "request body exceeds max size");
});

Deno.test("GET /v1/messages, /v1/events and /v1/inbox apply the visibility rules", async () => {
  await using hub = await inProcessHub();
  await hub.api("POST", "/v1/channels", { name: "ops" });
  const post = async (body: Record<string, unknown>) =>
    (await hub.api("POST", "/v1/messages", body)).body.result.id as number;
  const g1 = await post({ from_agent: "alice", body: "general 1" });
  const dmBob = await post({
    from_agent: "alice",
    to_agent: "bob",
    body: "to bob",
    thread_id: "t",
  });
  const dmCarol = await post({
    from_agent: "alice",
    to_agent: "carol",
    body: "to carol",
  });
  const ops = await post({
    from_agent: "bob",
    channel: "ops",
    body: "ops",
    thread_id: "t",
  });
  const ids = (r: { body: { result: { id: number }[] } }) =>
    r.body.result.map((m) => m.id);

  assertEquals(ids(await hub.api("GET", "/v1/messages?channel=general")), [g1]);
  assertEquals(ids(await hub.api("GET", "/v1/messages?channel=direct")), []);
  assertEquals(ids(await hub.api("GET", "/v1/messages?thread_id=t")), [ops]);
  assertEquals(
    ids(await hub.api("GET", "/v1/messages?thread_id=t&channel=general")),
    [],
  );
  assertEquals(ids(await hub.api("GET", "/v1/events?agent_id=bob")), [
    g1,
    dmBob,
    ops,
  ]);
  assertEquals(
    ids(await hub.api("GET", "/v1/events?agent_id=bob&exclude_self=yes")),
    [g1, dmBob],
  );
  assertEquals(
    ids(await hub.api("GET", "/v1/events?agent_id=bob&channel=ops")),
    [ops],
  );
  assertEquals(
    ids(await hub.api("GET", "/v1/events?agent_id=bob&thread_id=t")),
    [dmBob, ops],
  );
  assertEquals(
    ids(await hub.api("GET", `/v1/events?agent_id=carol&since_id=${g1}`)),
    [dmCarol, ops],
  );
  assertEquals(ids(await hub.api("GET", "/v1/inbox/bob")), [dmBob]);
  assertEquals(ids(await hub.api("GET", "/v1/inbox/carol?tail=1&limit=1")), [
    dmCarol,
  ]);

  const boot = await hub.api("GET", "/v1/bootstrap?agent_id=bob");
  assertEquals(boot.body.result.latest_visible_id, ops);
  assertEquals(boot.body.result.default_channel, "general");
  const bootCarol = await hub.api("GET", "/v1/bootstrap?agent_id=carol");
  assertEquals(bootCarol.body.result.latest_visible_id, ops);
  assertEquals(bootCarol.body.result.session, null);

  for (let i = 0; i < 5; i++) {
    await post({ from_agent: "alice", body: `n${i}` });
  }
  const tail = await hub.api(
    "GET",
    "/v1/messages?channel=general&tail=true&limit=2",
  );
  assertEquals(tail.body.result.map((m: { body: string }) => m.body), [
    "n3",
    "n4",
  ]);
  const clamped = await hub.api(
    "GET",
    "/v1/messages?channel=general&limit=100000",
  );
  assertEquals(clamped.status, 200);
  assertEquals(clamped.body.result.length, 6);

  const errors: [string, number, string][] = [
    ["/v1/messages", 400, "channel or thread_id query parameter is required"],
    ["/v1/messages?channel=nope", 404, "channel not found"],
    ["/v1/messages?channel=general&limit=0", 400, "limit must be at least 1"],
    ["/v1/messages?channel=general&since_id=-1", 400, "since_id must be >= 0"],
    [
      "/v1/messages?channel=general&since_id=abc",
      400,
      "since_id must be an integer",
    ],
    [
      "/v1/messages?channel=general&timeout=soon",
      400,
      "timeout must be a number",
    ],
    ["/v1/events", 400, "agent_id query parameter is required"],
    ["/v1/events?agent_id=a&channel=nope", 404, "channel not found"],
    ["/v1/bootstrap", 400, "agent_id query parameter is required"],
  ];
  for (const [path, status, error] of errors) {
    const res = await hub.api("GET", path);
    assertEquals(res.status, status, path);
    assertStringIncludes(res.body.error, error);
  }
});

Deno.test("GET /v1/events long-poll wakes on a visible post and times out otherwise", async () => {
  await using hub = await inProcessHub();
  const waiting = hub.api(
    "GET",
    "/v1/events?agent_id=bob&since_id=0&timeout=20",
  );
  const dmForOther = hub.api("POST", "/v1/messages", {
    from_agent: "a",
    to_agent: "carol",
    body: "not for bob",
  });
  await dmForOther;
  await new Promise((r) => setTimeout(r, 150));
  const started = performance.now();
  await hub.api("POST", "/v1/messages", {
    from_agent: "a",
    to_agent: "bob",
    body: "for bob",
  });
  const res = await waiting;
  const elapsed = performance.now() - started;
  assertEquals(res.body.result.map((m: { body: string }) => m.body), [
    "for bob",
  ]);
  assert(elapsed < 2000, `woke after ${elapsed} ms`);

  const t0 = performance.now();
  const empty = await hub.api(
    "GET",
    "/v1/events?agent_id=bob&since_id=1000&timeout=1",
  );
  const waited = performance.now() - t0;
  assertEquals(empty.body.result, []);
  assert(waited >= 900 && waited < 5000, `timeout took ${waited} ms`);

  const channelWait = hub.api(
    "GET",
    "/v1/messages?channel=general&since_id=2&timeout=20",
  );
  await new Promise((r) => setTimeout(r, 100));
  await hub.api("POST", "/v1/messages", { from_agent: "a", body: "broadcast" });
  const woke = await channelWait;
  assertEquals(woke.body.result.map((m: { body: string }) => m.body), [
    "broadcast",
  ]);
});

Deno.test("GET /v1/stream delivers visible messages live as server-sent events", async () => {
  await using hub = await inProcessHub();
  await hub.api("POST", "/v1/channels", { name: "ops" });
  await hub.api("POST", "/v1/messages", { from_agent: "a", body: "before" });
  const abort = new AbortController();
  const stream = await openStream(
    `${hub.url}/v1/stream?agent_id=bob&since_id=1&channels=general,ops&exclude_self=1`,
    abort.signal,
  );
  try {
    assertEquals(
      stream.response.headers.get("content-type"),
      "text/event-stream",
    );
    assert(stream.response.headers.get("x-arc-instance")?.startsWith("mh1-"));
    assertEquals(await stream.next(), { comment: "connected" });
    await hub.api("POST", "/v1/messages", { from_agent: "bob", body: "mine" });
    await hub.api("POST", "/v1/messages", {
      from_agent: "a",
      to_agent: "carol",
      body: "carol's",
    });
    await hub.api("POST", "/v1/messages", {
      from_agent: "a",
      channel: "ops",
      body: "ops news",
    });
    // A DM labelled "direct" is outside the channel filter; one labelled "general" is inside.
    await hub.api("POST", "/v1/messages", {
      from_agent: "a",
      to_agent: "bob",
      body: "dm in direct",
    });
    await hub.api("POST", "/v1/messages", {
      from_agent: "a",
      to_agent: "bob",
      channel: "general",
      body: "dm",
    });
    const first = await stream.next();
    assertEquals(first?.data?.body, "ops news");
    const second = await stream.next();
    assertEquals(second?.data?.body, "dm");
    assertEquals(second?.data?.to_agent, "bob");
  } finally {
    abort.abort();
  }
  const missing = await hub.api("GET", "/v1/stream");
  assertEquals(missing.status, 400);
});

Deno.test("HTTP wire rules: envelopes, bad bodies and unknown routes", async () => {
  await using hub = await inProcessHub();
  const info = await hub.api("GET", "/v1/hub-info");
  assertEquals(info.status, 200);
  const r = info.body.result;
  assertEquals(r.protocol_version, "1");
  assertEquals(r.instance_id, info.headers.get("x-arc-instance"));
  assertEquals(r.message_kinds, [
    "artifact",
    "chat",
    "claim",
    "notice",
    "release",
    "task",
    "task_request",
    "task_result",
  ]);
  for (
    const f of [
      "sse",
      "long_poll_keepalive",
      "subtask_rollup",
      "rpc_kinds",
      "capability_filter",
      "shutdown_control",
      "session_rename",
    ]
  ) {
    assert(r.features.includes(f), f);
  }
  assertEquals(r.default_channel, "general");
  assertEquals(r.journal_mode, "wal");
  assertEquals(r.allow_remote, false);
  assertEquals(typeof r.arcdeno, "object");

  const channels = await hub.api("GET", "/v1/channels");
  assertEquals(channels.body.result.map((c: { name: string }) => c.name), [
    "direct",
    "general",
  ]);

  const malformed = await hub.api("POST", "/v1/sessions", "{nope");
  assertEquals(malformed.status, 400);
  assertStringIncludes(malformed.body.error, "malformed JSON");
  const array = await hub.api("POST", "/v1/sessions", "[1,2]");
  assertEquals(array.body.error, "request body must be a JSON object");
  const badUtf8 = await hub.api(
    "POST",
    "/v1/sessions",
    new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
  );
  assertEquals(badUtf8.status, 400);
  assertEquals(badUtf8.body.error, "request body must be valid UTF-8");
  // A 4-byte character cut short: a lenient decoder makes it one U+FFFD of
  // the same byte length.
  const cutShort = await hub.api(
    "POST",
    "/v1/messages",
    new Uint8Array([
      ...new TextEncoder().encode('{"from_agent":"a","body":"'),
      0xf0,
      0x9f,
      0x98,
      ...new TextEncoder().encode('"}'),
    ]),
  );
  assertEquals(cutShort.status, 400);
  assertEquals(cutShort.body.error, "request body must be valid UTF-8");
  const replacement = await hub.api("POST", "/v1/messages", {
    from_agent: "a",
    body: "a real \uFFFD stays",
  });
  assertEquals(replacement.status, 201);
  assertEquals(replacement.body.result.body, "a real \uFFFD stays");
  const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
  const tooDeep = await hub.api(
    "POST",
    "/v1/messages",
    `{"from_agent":"a","body":"x","metadata":{"k":${nested(64)}}}`,
  );
  assertEquals(tooDeep.status, 400);
  assertStringIncludes(tooDeep.body.error, "nested too deeply");
  // Many brackets side by side, none of them deep: accepted.
  const wide = await hub.api(
    "POST",
    "/v1/messages",
    `{"from_agent":"a","body":"x","metadata":{"k":[${
      Array(80).fill(nested(2)).join(",")
    }]}}`,
  );
  assertEquals(wide.status, 201, JSON.stringify(wide.body));
  const unknown = await hub.api("GET", "/v1/nope");
  assertEquals(unknown.status, 404);
  assertEquals(unknown.body.ok, false);
  assert(unknown.headers.get("x-arc-instance")?.startsWith("mh1-"));
  const wrongMethod = await hub.api("GET", "/v1/claims/refresh");
  assertEquals(wrongMethod.status, 404);
  const page = await fetch(`${hub.url}/`);
  assertEquals(page.status, 200);
  assertStringIncludes(page.headers.get("content-type") ?? "", "text/html");
  await page.body?.cancel();
});

Deno.test("POST /v1/messages refuses to mint an id past 2^53 - 1 with 500", async () => {
  await using hub = await startHub({ keepDir: true });
  await hub.api("POST", "/v1/messages", { from_agent: "a", body: "first" });
  await hub.stop();
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(hub.storage);
  db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'messages'").run(
    Number.MAX_SAFE_INTEGER,
  );
  db.close();
  await using again = await startHub({ dir: hub.dir });
  const res = await again.api("POST", "/v1/messages", {
    from_agent: "a",
    body: "one too many",
  });
  assertEquals(res.status, 500);
  assertEquals(res.body.ok, false);
  assertStringIncludes(res.body.error, "message id space exhausted");
  const read = await again.api("GET", "/v1/messages?channel=general");
  assertEquals(read.body.result.map((m: { body: string }) => m.body), [
    "first",
  ]);
  await again.stop();
  await Deno.remove(hub.dir, { recursive: true });
});

Deno.test("request() helper reaches a hub by URL", async () => {
  await using hub = await inProcessHub();
  const res = await request(hub.url, "GET", "/v1/hub-info");
  assertEquals(res.body.ok, true);
});
