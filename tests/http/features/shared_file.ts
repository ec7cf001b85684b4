import { assert, assertEquals } from "../../_assert.ts";
import { openStream, request, startHub } from "../../_util.ts";

Deno.test("serve: a restart keeps all data and the instance id", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-restart-" });
  try {
    let instance: string;
    {
      await using hub = await startHub({ dir });
      await hub.api("POST", "/v1/sessions", { agent_id: "alice" });
      await hub.api("POST", "/v1/channels", { name: "ops" });
      await hub.api("POST", "/v1/messages", {
        from_agent: "alice",
        channel: "ops",
        kind: "task",
        body: "keep me",
        thread_id: "t",
      });
      await hub.api("POST", "/v1/claims", {
        owner_agent_id: "alice",
        claim_key: "k",
      });
      await hub.api("POST", "/v1/locks", {
        agent_id: "alice",
        file_path: "a.ts",
      });
      instance = (await hub.api("GET", "/v1/hub-info")).body.result.instance_id;
      assertEquals(await hub.stop(), 0);
    }
    await using hub = await startHub({ dir });
    const info = await hub.api("GET", "/v1/hub-info");
    assertEquals(info.body.result.instance_id, instance);
    assertEquals((await hub.api("GET", "/v1/agents")).body.result.length, 1);
    const msgs = await hub.api("GET", "/v1/messages?channel=ops");
    assertEquals(msgs.body.result.map((m: { body: string }) => m.body), [
      "keep me",
    ]);
    assertEquals((await hub.api("GET", "/v1/tasks")).body.result.length, 1);
    assertEquals(
      (await hub.api("GET", "/v1/claims?active_only=1")).body.result.length,
      1,
    );
    assertEquals(
      (await hub.api("GET", "/v1/locks?active_only=1")).body.result.length,
      1,
    );
    assertEquals((await hub.api("GET", "/v1/threads/t")).status, 200);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve: SIGTERM answers in-flight requests and loses no acknowledged post", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-sigterm-" });
  try {
    const acknowledged: number[] = [];
    {
      const hub = await startHub({ dir });
      const posts = Array.from(
        { length: 40 },
        (_, i) =>
          request(hub.url, "POST", "/v1/messages", {
            from_agent: "a",
            body: `m${i}`,
          })
            .then((r) => {
              if (r.status === 201) acknowledged.push(r.body.result.id);
            })
            .catch(() => {/* refused once the listener closed */}),
      );
      // A long-poll the hub had already accepted is answered at shutdown; one
      // that raced the closing listener may be refused, which is fine.
      const waiting = hub.api(
        "GET",
        "/v1/events?agent_id=b&since_id=1000000&timeout=30",
      ).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 20));
      assertEquals(await hub.stop(), 0);
      await Promise.all(posts);
      const answered = await waiting;
      if (answered) assertEquals(answered.status, 200);
      await Deno.remove(`${dir}/.arc.pid`).catch(() => {});
    }
    await using hub = await startHub({ dir });
    const stored = await hub.api(
      "GET",
      "/v1/messages?channel=general&limit=500",
    );
    const ids = new Set(stored.body.result.map((m: { id: number }) => m.id));
    for (const id of acknowledged) {
      assert(ids.has(id), `acknowledged post ${id} is missing`);
    }
    assertEquals(ids.size, stored.body.result.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve: two hub processes on one SQLite file share state, instance and wake-ups", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-shared-" });
  try {
    await using a = await startHub({ dir });
    await using b = await startHub({ dir });
    const ia = (await a.api("GET", "/v1/hub-info")).body.result.instance_id;
    const ib = (await b.api("GET", "/v1/hub-info")).body.result.instance_id;
    assertEquals(ia, ib);

    // A race for the same claims through two processes: exactly one winner per key.
    const keys = Array.from({ length: 40 }, (_, i) => `race-${i}`);
    const attempts = keys.flatMap((key) => [
      a.api("POST", "/v1/claims", { owner_agent_id: "from-a", claim_key: key }),
      b.api("POST", "/v1/claims", { owner_agent_id: "from-b", claim_key: key }),
    ]);
    const results = await Promise.all(attempts);
    for (const r of results) {
      assert(r.status === 201 || r.status === 200, JSON.stringify(r.body));
    }
    for (let i = 0; i < keys.length; i++) {
      const pair = [results[2 * i]!, results[2 * i + 1]!];
      assertEquals(
        pair.filter((r) => r.body.acquired === true).length,
        1,
        keys[i],
      );
      assertEquals(
        pair[0]!.body.result.owner_agent_id,
        pair[1]!.body.result.owner_agent_id,
      );
    }

    // A post through A wakes a long-poll and a stream held by B.
    const since = (await b.api("GET", "/v1/bootstrap?agent_id=bob")).body.result
      .latest_visible_id;
    const abort = new AbortController();
    const stream = await openStream(
      `${b.url}/v1/stream?agent_id=bob&since_id=${since}`,
      abort.signal,
    );
    try {
      assertEquals(await stream.next(), { comment: "connected" });
      const waiting = b.api(
        "GET",
        `/v1/events?agent_id=bob&since_id=${since}&timeout=20`,
      );
      await new Promise((r) => setTimeout(r, 100));
      const t0 = performance.now();
      await a.api("POST", "/v1/messages", {
        from_agent: "alice",
        body: "across processes",
      });
      const woke = await waiting;
      const elapsed = performance.now() - t0;
      assertEquals(woke.body.result.map((m: { body: string }) => m.body), [
        "across processes",
      ]);
      assert(
        elapsed < 3000,
        `cross-process wake-up took ${elapsed} ms\n${b.output()}`,
      );
      const event = await stream.next();
      assertEquals(event?.data?.body, "across processes");
    } finally {
      abort.abort();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
