/**
 * A hub on PostgreSQL passes a representative HTTP subset: hub-info (from a
 * hub process), sessions, messages and visibility, long-poll, SSE, claims and
 * locks, tasks with rollup and RPC completion, threads (from a hub in the test
 * process, on the same store a process opens).
 */
import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { openStream } from "../../_util.ts";
import { type InProcessHub, inProcessHub } from "../../_harness.ts";
import { passwordOf, pgTest, recycledSchema, startPgHubs } from "../_pg.ts";

/** Runs `fn` with a PostgreSQL hub in the test process, on a schema of its own. */
async function withHub(
  fn: (hub: InProcessHub) => Promise<void>,
): Promise<void> {
  await using schema = recycledSchema();
  await using hub = await inProcessHub({ args: ["--database", schema.url] });
  await fn(hub);
}

pgTest(
  "postgres hub: hub-info names the backend and the database without its password",
  async (url) => {
    // A process: its permissions and its startup line are what is checked.
    await using schema = recycledSchema();
    const [started] = await startPgHubs(1, schema.url);
    await using hub = started!;
    {
      const info = (await hub.api("GET", "/v1/hub-info")).body.result;
      assertEquals(info.arcdeno.backend, "postgres");
      const u = new URL(url);
      assert(
        info.storage_path.startsWith(`postgres://${u.hostname}:`),
        info.storage_path,
      );
      assert(/^mh1-[0-9a-f]{20}$/.test(info.instance_id), info.instance_id);
      assertEquals(info.arcdeno.permissions.net, "limited");
      const secret = passwordOf(url);
      if (secret) {
        assert(
          !JSON.stringify(info).includes(secret),
          "no password in hub-info",
        );
        assert(!hub.output().includes(secret), "no password in the log");
      }
      assertStringIncludes(hub.output(), `storage=${info.storage_path}`);
    }
  },
);

pgTest(
  "postgres hub: sessions conflict, replace, rename and delete",
  () =>
    withHub(async (hub) => {
      const first = await hub.api("POST", "/v1/sessions", {
        agent_id: "alice",
        capabilities: ["review"],
      });
      assertEquals(first.status, 201);
      const clash = await hub.api("POST", "/v1/sessions", {
        agent_id: "alice",
      });
      assertEquals(clash.status, 409);
      const replaced = await hub.api("POST", "/v1/sessions", {
        agent_id: "alice",
        replace: true,
        display_name: "Alice",
      });
      assertEquals(replaced.status, 201);
      assert(replaced.body.result.session_id !== first.body.result.session_id);
      const renamed = await hub.api("POST", "/v1/sessions/alice/rename", {
        display_name: "Alice B",
      });
      assertEquals(renamed.body.result.display_name, "Alice B");
      const agents = await hub.api("GET", "/v1/agents?capability=review");
      assertEquals(agents.body.result.length, 0, "the replacement has none");
      assertEquals(
        (await hub.api("GET", "/v1/agents")).body.result.map((
          a: { agent_id: string },
        ) => a.agent_id),
        ["alice"],
      );
      const gone = await hub.api(
        "DELETE",
        `/v1/sessions/${replaced.body.result.session_id}`,
      );
      assertEquals(gone.body.result.deleted, true);
      assertEquals((await hub.api("GET", "/v1/agents")).body.result, []);
    }),
);

pgTest(
  "postgres hub: messages, visibility, long-poll and SSE",
  () =>
    withHub(async (hub) => {
      await hub.api("POST", "/v1/channels", { name: "ops" });
      const post = async (body: Record<string, unknown>) =>
        (await hub.api("POST", "/v1/messages", body)).body.result.id as number;
      const g1 = await post({ from_agent: "alice", body: "general 1" });
      const dm = await post({
        from_agent: "alice",
        to_agent: "bob",
        body: "hi",
      });
      const ops = await post({
        from_agent: "bob",
        channel: "ops",
        body: "ops",
      });
      const ids = (r: { body: { result: { id: number }[] } }) =>
        r.body.result.map((m) => m.id);
      assertEquals(ids(await hub.api("GET", "/v1/messages?channel=general")), [
        g1,
      ]);
      assertEquals(ids(await hub.api("GET", "/v1/events?agent_id=bob")), [
        g1,
        dm,
        ops,
      ]);
      assertEquals(ids(await hub.api("GET", "/v1/events?agent_id=carol")), [
        g1,
        ops,
      ]);
      assertEquals(ids(await hub.api("GET", "/v1/inbox/bob")), [dm]);
      assertEquals(
        (await hub.api("GET", "/v1/bootstrap?agent_id=bob")).body.result
          .latest_visible_id,
        ops,
      );

      // Long-poll: parked, then woken by a visible post.
      const started = performance.now();
      const waiting = hub.api(
        "GET",
        `/v1/events?agent_id=bob&since_id=${ops}&timeout=20`,
      );
      await new Promise((r) => setTimeout(r, 200));
      const late = await post({
        from_agent: "alice",
        to_agent: "bob",
        body: "x",
      });
      const woke = await waiting;
      assertEquals(ids(woke), [late]);
      assert(performance.now() - started < 5000, "woken, not timed out");

      // SSE: a stream from the cursor delivers the next post.
      const abort = new AbortController();
      try {
        const stream = await openStream(
          `${hub.url}/v1/stream?agent_id=carol&since_id=${late}`,
          abort.signal,
        );
        const next = post({ from_agent: "alice", body: "streamed" });
        let event = await stream.next();
        while (event && !event.data) event = await stream.next();
        assertEquals(event?.data?.id, await next);
        assertEquals(event?.data?.body, "streamed");
      } finally {
        abort.abort();
      }
    }),
);

pgTest(
  "postgres hub: claims and locks have one holder and expire by release",
  () =>
    withHub(async (hub) => {
      const a = await hub.api("POST", "/v1/claims", {
        owner_agent_id: "a",
        claim_key: "k",
        ttl_sec: 60,
      });
      assertEquals([a.status, a.body.acquired], [201, true]);
      const b = await hub.api("POST", "/v1/claims", {
        owner_agent_id: "b",
        claim_key: "k",
      });
      assertEquals([b.status, b.body.acquired], [200, false]);
      assertEquals(b.body.result.owner_agent_id, "a");
      const refreshed = await hub.api("POST", "/v1/claims/refresh", {
        owner_agent_id: "a",
        claim_key: "k",
        ttl_sec: 120,
      });
      assertEquals(refreshed.status, 200);
      const released = await hub.api("POST", "/v1/claims/release", {
        agent_id: "a",
        claim_key: "k",
      });
      assert(released.body.result.released_at, "released");
      const taken = await hub.api("POST", "/v1/claims", {
        owner_agent_id: "b",
        claim_key: "k",
      });
      assertEquals(taken.body.acquired, true);

      const l1 = await hub.api("POST", "/v1/locks", {
        agent_id: "a",
        file_path: "src/x.ts",
      });
      assertEquals(l1.body.acquired, true);
      const l2 = await hub.api("POST", "/v1/locks", {
        agent_id: "b",
        file_path: "src/x.ts",
      });
      assertEquals(l2.body.acquired, false);
      const active = await hub.api("GET", "/v1/locks?active_only=1");
      assertEquals(active.body.result.length, 1);
      const nope = await hub.api("POST", "/v1/locks/release", {
        agent_id: "b",
        file_path: "src/x.ts",
      });
      assertEquals(nope.status, 404);
    }),
);

pgTest(
  "postgres hub: tasks roll up, task_result completes its task_request, threads summarise",
  () =>
    withHub(async (hub) => {
      const post = async (body: Record<string, unknown>) =>
        (await hub.api("POST", "/v1/messages", body)).body.result;
      const root = await post({
        from_agent: "lead",
        kind: "task",
        body: "root",
        thread_id: "th",
      });
      const c1 = await post({
        from_agent: "lead",
        kind: "task",
        body: "c1",
        thread_id: "th",
        parent_task_id: root.id,
      });
      const req = await post({
        from_agent: "lead",
        to_agent: "worker",
        kind: "task_request",
        body: "do it",
        thread_id: "th",
        parent_task_id: root.id,
      });
      const result = await post({
        from_agent: "worker",
        to_agent: "lead",
        kind: "task_result",
        body: "done",
        reply_to: req.id,
        thread_id: "th",
      });
      assertEquals(result.metadata.task_completed, req.id);
      assertEquals(
        (await hub.api("GET", `/v1/tasks?parent_id=${root.id}&status=done`))
          .body
          .result.map((t: { task_id: number }) => t.task_id),
        [req.id],
        "the RPC completed the request",
      );
      // The last open child completes: the parent rolls up, once.
      const last = await hub.api("POST", `/v1/tasks/${c1.id}/complete`, {});
      assertEquals(last.body.result.status, "done");
      assertEquals(last.body.parent_completed, true);
      const again = await hub.api("POST", `/v1/tasks/${req.id}/complete`, {});
      assertEquals(again.body.parent_completed, undefined);
      const notices = (await hub.api("GET", "/v1/messages?channel=general"))
        .body.result.filter((m: { kind: string }) => m.kind === "notice");
      assertEquals(notices.length, 1);
      assertEquals(
        notices[0].body,
        `All 2 subtasks of task ${root.id} are complete.`,
      );
      const open = await hub.api("GET", "/v1/tasks?status=open");
      assertEquals(open.body.result, []);
      assertEquals(
        (await hub.api("POST", "/v1/tasks/999999/complete", {})).status,
        404,
      );

      await hub.api("POST", "/v1/claims", {
        owner_agent_id: "worker",
        claim_key: "th-claim",
        thread_id: "th",
      });
      const threads = (await hub.api("GET", "/v1/threads")).body.result;
      assertEquals(threads.length, 1);
      assertEquals(threads[0].thread_id, "th");
      assertEquals(threads[0].root_task_id, root.id);
      assertEquals(threads[0].total_task_count, 3);
      assertEquals(threads[0].status, "completed");
      const detail = (await hub.api("GET", "/v1/threads/th")).body.result;
      assertEquals(
        detail.messages.length,
        5,
        "four posts and the rollup notice",
      );
      assertEquals(detail.claims.length, 1);
      assertEquals(detail.thread, threads[0]);
      assertEquals((await hub.api("GET", "/v1/threads/none")).status, 404);
    }),
);
