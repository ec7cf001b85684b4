/**
 * Three hub processes on one PostgreSQL database: they report one instance,
 * wake each other's long-polls and streams, give one winner per claim key,
 * never let a cursor skip, survive one of them being killed, and recover a
 * listen connection the server cut.
 */
import { assert, assertEquals } from "../_assert.ts";
import { eventually, openStream, request, type TestHub } from "../_util.ts";
import { notifyChannel } from "../../src/store/postgres/store.ts";
import {
  generalMessages,
  passwordOf,
  pgTest,
  processArgs,
  recycledSchema,
  startPgHubs,
  stopAll,
  type TestSchema,
} from "./_pg.ts";

/** Runs `fn` with three hubs on a schema of their own ({@linkcode recycledSchema}), started at the same time. */
async function withHubs(
  fn: (
    hubs: TestHub[],
    schema: TestSchema,
  ) => Promise<void>,
): Promise<void> {
  await using schema = recycledSchema();
  const hubs = await startPgHubs(3, schema.url);
  try {
    await fn(hubs, schema);
  } finally {
    await stopAll(hubs);
  }
}

const ids = (r: { body: { result: { id: number }[] } }) =>
  r.body.result.map((m) => m.id);

pgTest(
  "3 postgres hubs: one instance id, no password in hub-info, logs or argv",
  (url) =>
    withHubs(async (hubs) => {
      const infos = await Promise.all(
        hubs.map(async (h) => (await h.api("GET", "/v1/hub-info")).body.result),
      );
      assertEquals(new Set(infos.map((i) => i.instance_id)).size, 1);
      assertEquals(new Set(infos.map((i) => i.storage_path)).size, 1);
      const reply = await hubs[0]!.api("GET", "/v1/channels");
      assertEquals(reply.headers.get("x-arc-instance"), infos[0].instance_id);
      const secret = passwordOf(url);
      if (!secret) return;
      for (const [i, hub] of hubs.entries()) {
        assert(!JSON.stringify(infos[i]).includes(secret), "hub-info");
        assert(!hub.output().includes(secret), "log");
        const argv = await processArgs(hub.process.pid);
        assert(argv.includes("serve"), argv);
        assert(!argv.includes(secret), "process list");
      }
    }),
);

pgTest(
  "3 postgres hubs: a post through one wakes a long-poll and an SSE stream on the others",
  () =>
    withHubs(async ([a, b, c]) => {
      const abort = new AbortController();
      try {
        for (let round = 0; round < 3; round++) {
          const since = (await a!.api("GET", "/v1/bootstrap?agent_id=bob")).body
            .result.latest_visible_id;
          const stream = await openStream(
            `${c!.url}/v1/stream?agent_id=carol&since_id=${since}`,
            abort.signal,
          );
          const started = performance.now();
          const polled = b!.api(
            "GET",
            `/v1/events?agent_id=bob&since_id=${since}&timeout=20`,
          );
          await new Promise((r) => setTimeout(r, 300));
          const posted = (await a!.api("POST", "/v1/messages", {
            from_agent: "alice",
            body: `round ${round}`,
          })).body.result;
          assertEquals(ids(await polled), [posted.id]);
          let event = await stream.next();
          while (event && !event.data) event = await stream.next();
          assertEquals(event?.data?.id, posted.id);
          const took = performance.now() - started;
          assert(took < 5000, `woken in ${took} ms, not by a timeout`);
        }
      } finally {
        abort.abort();
      }
    }),
);

pgTest(
  "3 postgres hubs: 300 claim keys raced through all three give exactly one winner each",
  () =>
    withHubs(async (hubs) => {
      // Every key is one race of three hubs at once (with 12 keys in flight),
      // so 300 keys are 300 races; more keys only repeat them.
      const keys = 300;
      const winners = new Map<string, string>();
      const failures: string[] = [];
      let next = 0;
      const worker = async () => {
        while (next < keys) {
          const key = `k${next++}`;
          const results = await Promise.all(
            hubs.map((hub, h) =>
              request(hub.url, "POST", "/v1/claims", {
                owner_agent_id: `owner-${h}`,
                claim_key: key,
              })
            ),
          );
          for (const r of results) {
            if (r.status !== 201 && r.status !== 200) {
              failures.push(`${key}: ${r.status} ${JSON.stringify(r.body)}`);
            }
          }
          const won = results.filter((r) => r.body?.acquired === true);
          if (won.length !== 1) failures.push(`${key}: ${won.length} winners`);
          else winners.set(key, won[0]!.body.result.owner_agent_id);
          for (const r of results) {
            assertEquals(r.body.result.owner_agent_id, winners.get(key), key);
          }
        }
      };
      await Promise.all(Array.from({ length: 12 }, worker));
      assertEquals(failures.slice(0, 5), []);
      assertEquals(winners.size, keys);
      for (const hub of hubs) {
        const listed = (await hub.api("GET", "/v1/claims")).body.result;
        assertEquals(listed.length, keys);
        for (const claim of listed) {
          assertEquals(claim.owner_agent_id, winners.get(claim.claim_key));
        }
      }
    }),
);

pgTest(
  "3 postgres hubs: three posters and three since_id readers see every message once, in id order",
  () =>
    withHubs(async (hubs) => {
      await hubs[0]!.api("POST", "/v1/channels", { name: "race" });
      // 80 posts from each of three hubs, two lanes each, read in pages of 37
      // by three readers: the posts interleave across hubs all the while.
      const perPoster = 80;
      const total = perPoster * hubs.length;
      const acknowledged = new Set<number>();
      const post = async (h: number, lane: number) => {
        for (let i = lane; i < perPoster; i += 2) {
          const r = await hubs[h]!.api("POST", "/v1/messages", {
            from_agent: `poster-${h}`,
            channel: "race",
            body: `${h}-${i}`,
          });
          assertEquals(r.status, 201);
          acknowledged.add(r.body.result.id);
        }
      };
      const read = async (h: number) => {
        const seen: number[] = [];
        let cursor = 0;
        const deadline = Date.now() + 60_000;
        while (seen.length < total && Date.now() < deadline) {
          const r = await hubs[h]!.api(
            "GET",
            `/v1/messages?channel=race&since_id=${cursor}&limit=37&timeout=5`,
          );
          assertEquals(r.status, 200);
          for (const m of r.body.result) {
            assert(m.id > cursor, `reader ${h}: ${m.id} after ${cursor}`);
            seen.push(m.id);
            cursor = m.id;
          }
        }
        return seen;
      };
      const readers = hubs.map((_, h) => read(h));
      await Promise.all(hubs.flatMap((_, h) => [post(h, 0), post(h, 1)]));
      const seen = await Promise.all(readers);
      const expected = [...acknowledged].sort((x, y) => x - y);
      assertEquals(expected.length, total);
      for (const s of seen) assertEquals(s, expected);
    }),
);

pgTest(
  "3 postgres hubs: one killed with SIGKILL mid-traffic; the others keep serving and nothing acknowledged is lost",
  () =>
    withHubs(async (hubs) => {
      const acknowledged = new Map<number, string>();
      const claimsWon = new Map<string, string>();
      let stop = false;
      const agent = async (h: number, n: number) => {
        let i = 0;
        while (!stop) {
          const hub = hubs[h]!;
          const body = `h${h}-a${n}-${i++}`;
          try {
            const r = await request(hub.url, "POST", "/v1/messages", {
              from_agent: `agent-${h}-${n}`,
              body,
            });
            if (r.status === 201) acknowledged.set(r.body.result.id, body);
            const c = await request(hub.url, "POST", "/v1/claims", {
              owner_agent_id: `agent-${h}-${n}`,
              claim_key: `job-${h}-${n}-${i}`,
            });
            if (c.body?.acquired) claimsWon.set(c.body.result.claim_key, body);
          } catch {
            // This agent's hub is gone: it moves to the next one, as a load
            // balancer would send it.
            h = (h + 1) % hubs.length;
            if (h === 0) h = 1;
          }
        }
      };
      const agents = hubs.flatMap((_, h) => [agent(h, 0), agent(h, 1)]);
      // Mid-traffic: every agent has had posts acknowledged.
      const from = (h: number) =>
        [...acknowledged.values()].filter((b) => b.startsWith(`h${h}-`));
      await eventually(
        () => Promise.resolve(hubs.every((_, h) => from(h).length >= 10)),
        { what: "posts through every hub" },
      );
      await hubs[0]!.kill();
      const atKill = acknowledged.size;
      // The agents of the killed hub move on; wait until the survivors took
      // plenty more.
      await eventually(
        () => Promise.resolve(acknowledged.size >= atKill + 60),
        { what: "posts after the kill" },
      );
      stop = true;
      await Promise.all(agents);
      assert(acknowledged.size > atKill, "the others kept taking posts");

      // A survivor still wakes the other survivor's waiters.
      const since = Math.max(...acknowledged.keys());
      const polled = hubs[2]!.api(
        "GET",
        `/v1/events?agent_id=watcher&since_id=${since}&timeout=20`,
      );
      await new Promise((r) => setTimeout(r, 200));
      const late = await hubs[1]!.api("POST", "/v1/messages", {
        from_agent: "late",
        body: "after the crash",
      });
      assertEquals(ids(await polled), [late.body.result.id]);

      for (const survivor of [hubs[1]!, hubs[2]!]) {
        const stored = await generalMessages(survivor);
        for (const [id, body] of acknowledged) {
          assertEquals(stored.get(id), body, `acknowledged post ${id}`);
        }
        const claims = (await survivor.api("GET", "/v1/claims?active_only=1"))
          .body.result.map((c: { claim_key: string }) => c.claim_key);
        for (const key of claimsWon.keys()) {
          assert(claims.includes(key), `acknowledged claim ${key}`);
        }
      }
    }),
);

pgTest(
  "3 postgres hubs: listen connections cut with pg_terminate_backend come back without losing a wake-up",
  () =>
    withHubs(async ([a, b, c], schema) => {
      for (let round = 0; round < 3; round++) {
        const since = (await a!.api("GET", "/v1/bootstrap?agent_id=w")).body
          .result.latest_visible_id;
        const started = performance.now();
        const polls = [b!, c!].map((hub) =>
          hub.api("GET", `/v1/events?agent_id=w&since_id=${since}&timeout=20`)
        );
        await new Promise((r) => setTimeout(r, 300));
        // Every hub's listen connection on this schema goes, then a post lands
        // at once, before any of them can have listened again.
        const cut = await schema.admin`
        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database()
          AND application_name = ${`arc-deno listen ${
          notifyChannel(schema.name)
        }`}`;
        assertEquals(cut.length, 3, "one listen connection per hub");
        const posted = (await a!.api("POST", "/v1/messages", {
          from_agent: "alice",
          body: `after cut ${round}`,
        })).body.result;
        for (const poll of polls) assertEquals(ids(await poll), [posted.id]);
        const took = performance.now() - started;
        assert(took < 8000, `woken in ${took} ms, not by a timeout`);
      }
      for (const hub of [a!, b!, c!]) {
        assert(
          /database listen connection re-established/.test(hub.output()),
          hub.output(),
        );
      }
    }),
);
