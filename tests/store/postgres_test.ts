/**
 * What only the PostgreSQL store has to guarantee (several connections and
 * stores on one schema, the server's errors, migrations) against a real
 * server (`ARC_TEST_PG_URL`); each test has a schema of its own. The store
 * contract suites run on PostgreSQL in `postgres_contract_test.ts`.
 */
import { rules } from "./_rules.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "../_assert.ts";
import { IdExhaustedError, StorageUnavailableError } from "../../src/errors.ts";
import { MAX_MESSAGE_ID } from "../../src/protocol.ts";
import {
  notifyChannel,
  PostgresStore,
} from "../../src/store/postgres/store.ts";
import { parseDatabaseUrl } from "../../src/database_url.ts";
import { MIGRATIONS } from "../../src/store/postgres/schema.ts";
import {
  freshSchema,
  PG_URL,
  pgTest,
  recycledSchema,
} from "../postgres/_pg.ts";
import {
  allBroadcasts,
  assertMintsLastIdThenRefuses,
  FakeClock,
  newClaim,
  newLock,
  newMessage,
  newSession,
} from "./contract.ts";

/** Opens `n` stores on one schema, as `n` hubs would. */
async function openMany(
  url: string,
  clock: FakeClock,
  n: number,
  poolSize: number,
): Promise<PostgresStore[]> {
  const stores: PostgresStore[] = [];
  for (let i = 0; i < n; i++) {
    stores.push(await PostgresStore.open(url, { clock, poolSize }));
  }
  return stores;
}

Deno.test("parseDatabaseUrl() keeps the password out of the label and errors", () => {
  const t = parseDatabaseUrl(
    "postgresql://arc:p%40ss-w0rd@DB.example:6543/team?schema=blue&sslmode=disable",
  );
  assertEquals(t.label, "postgres://db.example:6543/team?schema=blue");
  assertEquals(t.netEntry, "db.example:6543");
  assertEquals(t.schema, "blue");
  assertEquals(t.user, "arc");
  assert(!t.url.includes("schema="), t.url);
  assert(t.url.includes("sslmode=disable"), t.url);
  assertEquals(t.secrets.sort(), ["p%40ss-w0rd", "p@ss-w0rd"]);
  assertEquals(
    parseDatabaseUrl("postgres://a@[::1]/d").label,
    "postgres://[::1]:5432/d",
  );
  for (
    const bad of [
      "",
      "mysql://u:hunter2secret@h/d",
      "postgres://u:hunter2secret@h",
      "postgres://:hunter2secret@h/d",
      "postgres://u:hunter2secret@h/d?schema=Bad-Name",
      "not a url hunter2secret",
    ]
  ) {
    let message = "";
    try {
      parseDatabaseUrl(bad);
    } catch (error) {
      assert(error instanceof RangeError, `${error}`);
      message = error.message;
    }
    assert(message.startsWith("Cannot use the database URL"), message);
    assert(!message.includes("hunter2secret"), message);
  }
});

pgTest("PostgresStore.open() reports the password-less identity", async () => {
  await using schema = recycledSchema();
  await using store = await PostgresStore.open(schema.url, {
    clock: new FakeClock(),
    poolSize: 1,
  });
  const target = parseDatabaseUrl(schema.url);
  assertEquals(store.info, {
    backend: "postgres",
    storagePath: target.label,
    journalMode: "wal",
    walMode: true,
  });
  assert(target.label.endsWith(`?schema=${schema.name}`));
  for (const secret of target.secrets) {
    assert(!store.info.storagePath.includes(secret));
  }
  assertEquals(await store.changeToken(), undefined, "PostgreSQL pushes");
});

pgTest(
  "PostgresStore.open() from several connections at once on an empty schema migrates once",
  async () => {
    await using schema = freshSchema();
    const clock = new FakeClock();
    const stores = await Promise.all(
      Array.from(
        { length: 4 },
        () => PostgresStore.open(schema.url, { clock, poolSize: 1 }),
      ),
    );
    try {
      const markers = await Promise.all(stores.map((s) => s.birthMarker()));
      assertEquals(new Set(markers).size, 1);
      const versions = await schema
        .admin`SELECT version FROM arc_schema_version`;
      assertEquals(
        versions.map((r) => r["version"]),
        MIGRATIONS.map((m) => m.version),
      );
      assertEquals(
        (await stores[3]!.channels.list()).map((c) => c.name),
        ["direct", "general"],
      );
    } finally {
      for (const store of stores) await store.close();
    }
  },
);

pgTest(
  "PostgresStore.open() on an existing schema keeps its data and birth marker",
  async () => {
    await using schema = freshSchema();
    const clock = new FakeClock();
    const first = await PostgresStore.open(schema.url, { clock, poolSize: 1 });
    const birth = await first.birthMarker();
    const posted = await rules(first).postMessage(
      newMessage({ from_agent: "a", kind: "task" }),
      null,
    );
    await first.close();
    clock.tick(60);
    await using again = await PostgresStore.open(schema.url, {
      clock,
      poolSize: 1,
    });
    assertEquals(await again.birthMarker(), birth);
    assertEquals(await allBroadcasts(again), [posted.message]);
    const next = await rules(again).postMessage(
      newMessage({ from_agent: "a" }),
      null,
    );
    assert(next.message.id > posted.message.id, "ids keep increasing");
  },
);

pgTest(
  "PostgresStore: a post within the second its sender was last seen writes no new version of the session row",
  async () => {
    await using schema = recycledSchema();
    const clock = new FakeClock();
    await using store = await PostgresStore.open(schema.url, {
      clock,
      poolSize: 1,
    });
    await rules(store).createSession(newSession("a"), 120);
    const version = async () =>
      (await schema
        .admin`SELECT xmin::text AS v, last_seen FROM sessions WHERE agent_id = 'a'`)[
          0
        ];
    const post = () =>
      rules(store).postMessage(newMessage({ from_agent: "a" }), null);
    const first = await version();
    await post();
    assertEquals(await version(), first, "same second: the row is untouched");
    clock.tick(1);
    await post();
    const moved = await version();
    assert(moved?.["v"] !== first?.["v"], "a new second writes the row");
    assert(String(moved?.["last_seen"]) !== String(first?.["last_seen"]));
  },
);

pgTest(
  "PostgresStore.open() refuses a schema newer than it understands",
  async () => {
    await using schema = freshSchema();
    const clock = new FakeClock();
    await (await PostgresStore.open(schema.url, { clock, poolSize: 1 }))
      .close();
    await schema
      .admin`INSERT INTO arc_schema_version (version, applied_at) VALUES (999, 'x')`;
    const error = await assertRejects(() =>
      PostgresStore.open(schema.url, { clock, poolSize: 1 })
    );
    assertStringIncludes((error as Error).message, "newer than this hub");
  },
);

pgTest(
  "PostgresStore.open() on a wrong password or closed port fails without showing the password",
  async () => {
    const good = new URL(PG_URL!);
    const wrong = new URL(good);
    wrong.password = "hunter2-not-it";
    const closed = new URL(good);
    closed.port = "1";
    closed.password = "hunter2-not-it";
    for (const url of [wrong, closed]) {
      const error = await assertRejects(() =>
        PostgresStore.open(url.href, { poolSize: 1, connectTimeoutSec: 3 })
      );
      const text = `${error} ${(error as Error).stack} ${
        JSON.stringify(error)
      } ${(error as Error).cause}`;
      assert(!text.includes("hunter2-not-it"), text);
      if (url === closed) {
        assert(error instanceof StorageUnavailableError, `got ${error}`);
      }
    }
  },
);

pgTest(
  "PostgresStore.postMessage() mints id 2^53 − 1 and then throws IdExhaustedError, inserting nothing",
  async () => {
    await using schema = recycledSchema();
    await using store = await PostgresStore.open(schema.url, {
      clock: new FakeClock(),
      poolSize: 1,
    });
    await schema.admin.unsafe(
      `SELECT setval('arc_message_id_seq', ${MAX_MESSAGE_ID - 1})`,
    );
    await assertMintsLastIdThenRefuses(store);
  },
);

pgTest(
  "PostgresStore.recoverExpired() rolls back the whole sweep when a notice cannot get an id",
  async () => {
    await using schema = recycledSchema();
    const clock = new FakeClock();
    await using store = await PostgresStore.open(schema.url, {
      clock,
      poolSize: 1,
    });
    await rules(store).createSession(newSession("a"), 120);
    await rules(store).acquireClaim(newClaim("k", "a", { ttl_sec: 600 }));
    await schema.admin.unsafe(
      `SELECT setval('arc_message_id_seq', ${MAX_MESSAGE_ID})`,
    );
    clock.tick(121);
    const error = await assertRejects(() => rules(store).recoverExpired(120));
    assert(error instanceof IdExhaustedError, `got ${error}`);
    assertEquals((await store.sessions.active("a"))?.agent_id, "a");
    assertEquals((await store.leases.claims({ activeOnly: true })).length, 1);
  },
);

pgTest(
  "PostgresStore.acquireClaim() throws StorageUnavailableError while another session blocks the table",
  async () => {
    await using schema = recycledSchema();
    await using store = await PostgresStore.open(schema.url, {
      clock: new FakeClock(),
      poolSize: 2,
      lockTimeoutMs: 200,
    });
    const reserved = await schema.admin.reserve();
    try {
      await reserved`BEGIN`;
      await reserved`LOCK TABLE claims IN EXCLUSIVE MODE`;
      const error = await assertRejects(() =>
        rules(store).acquireClaim(newClaim("k", "a"))
      );
      assert(error instanceof StorageUnavailableError, `got ${error}`);
      assertEquals(await store.leases.claims({}), [], "reads still work");
      await reserved`ROLLBACK`;
    } finally {
      reserved.release();
    }
    const got = await rules(store).acquireClaim(newClaim("k", "a"));
    assertEquals(
      got.acquired,
      true,
      "the store recovers once the lock is gone",
    );
  },
);

pgTest(
  "PostgresStore.acquireClaim()/acquireLock() on several stores at once: exactly one winner per key",
  async () => {
    await using schema = recycledSchema();
    const clock = new FakeClock();
    const stores = await openMany(schema.url, clock, 3, 4);
    try {
      const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
      const claims = await Promise.all(
        keys.flatMap((key) =>
          stores.map((s, i) =>
            rules(s).acquireClaim(newClaim(key, `agent-${i}`))
          )
        ),
      );
      const locks = await Promise.all(
        keys.flatMap((key) =>
          stores.map((s, i) => rules(s).acquireLock(newLock(key, `agent-${i}`)))
        ),
      );
      for (const results of [claims, locks]) {
        for (const [k, key] of keys.entries()) {
          const group = results.slice(k * 3, k * 3 + 3);
          assertEquals(group.filter((r) => r.acquired).length, 1, key);
        }
      }
      assertEquals((await stores[0]!.leases.claims({})).length, keys.length);
    } finally {
      for (const store of stores) await store.close();
    }
  },
);

pgTest(
  "PostgresStore.createSession() racing on several stores: one session wins, the rest conflict",
  async () => {
    await using schema = recycledSchema();
    const clock = new FakeClock();
    const stores = await openMany(schema.url, clock, 3, 2);
    try {
      const results = await Promise.allSettled(
        stores.flatMap((s) => [
          rules(s).createSession(newSession("a"), 120),
          rules(s).createSession(newSession("a"), 120),
        ]),
      );
      assertEquals(results.filter((r) => r.status === "fulfilled").length, 1);
      assertEquals((await stores[0]!.sessions.listActive()).length, 1);
      const replaced = await Promise.all(
        stores.map((s) =>
          rules(s).createSession(newSession("a", { replace: true }), 120)
        ),
      );
      assertEquals(new Set(replaced.map((s) => s.session_id)).size, 3);
      assertEquals((await stores[1]!.sessions.listActive()).length, 1);
    } finally {
      for (const store of stores) await store.close();
    }
  },
);

pgTest(
  "PostgresStore.completeTask() of siblings on several stores at once rolls the parent up exactly once",
  async () => {
    await using schema = recycledSchema();
    const clock = new FakeClock();
    const stores = await openMany(schema.url, clock, 3, 3);
    try {
      for (let round = 0; round < 5; round++) {
        const parent = (await rules(stores[0]!).postMessage(
          newMessage({ from_agent: "lead", kind: "task" }),
          null,
        )).message.id;
        const children = [];
        for (let i = 0; i < 6; i++) {
          children.push(
            (await rules(stores[0]!).postMessage(
              newMessage({ from_agent: "lead", kind: "task" }),
              parent,
            )).message.id,
          );
        }
        const done = await Promise.all(
          children.map((id, i) => rules(stores[i % 3]!).completeTask(id)),
        );
        assertEquals(done.filter((d) => d?.parentCompleted).length, 1);
        assertEquals(done.flatMap((d) => d?.posted ?? []).length, 1);
        assertEquals((await stores[1]!.tasks.get(parent))?.status, "done");
      }
    } finally {
      for (const store of stores) await store.close();
    }
  },
);

pgTest(
  "PostgresStore.postMessage() of task_results racing on several stores completes the request once",
  async () => {
    await using schema = recycledSchema();
    const clock = new FakeClock();
    const stores = await openMany(schema.url, clock, 3, 3);
    try {
      const request = (await rules(stores[0]!).postMessage(
        newMessage({ from_agent: "lead", to_agent: "w", kind: "task_request" }),
        null,
      )).message.id;
      const results = await Promise.all(
        Array.from({ length: 9 }, (_, i) =>
          rules(stores[i % 3]!).postMessage(
            newMessage({
              from_agent: "w",
              to_agent: "lead",
              kind: "task_result",
              reply_to: request,
            }),
            null,
          )),
      );
      assertEquals(
        results.filter((r) => r.completedTaskId === request).length,
        1,
      );
    } finally {
      for (const store of stores) await store.close();
    }
  },
);

pgTest(
  "PostgresStore.recoverExpired() on several stores at once posts each notice once",
  async () => {
    await using schema = recycledSchema();
    const clock = new FakeClock();
    const stores = await openMany(schema.url, clock, 3, 2);
    try {
      for (const agent of ["x", "y", "z"]) {
        await rules(stores[0]!).createSession(newSession(agent), 120);
        await rules(stores[0]!).acquireClaim(newClaim(`k-${agent}`, agent));
        await rules(stores[0]!).acquireLock(newLock(`f-${agent}`, agent));
      }
      clock.tick(121);
      const sweeps = await Promise.all(
        stores.flatMap((
          s,
        ) => [rules(s).recoverExpired(120), rules(s).recoverExpired(120)]),
      );
      assertEquals(sweeps.flatMap((r) => r.expired).length, 3);
      assertEquals(sweeps.flatMap((r) => r.posted).length, 6);
      assertEquals((await allBroadcasts(stores[2]!)).length, 6);
    } finally {
      for (const store of stores) await store.close();
    }
  },
);

pgTest(
  "PostgresStore ids become visible in id order while several stores post at once",
  async () => {
    await using schema = recycledSchema();
    const clock = new FakeClock();
    const writers = await openMany(schema.url, clock, 3, 4);
    await using reader = await PostgresStore.open(schema.url, {
      clock,
      poolSize: 1,
    });
    try {
      const total = 600;
      let posted = 0;
      const post = async (w: number) => {
        while (posted < total) {
          posted++;
          await rules(writers[w]!).postMessage(
            newMessage({ from_agent: `w${w}` }),
            null,
          );
        }
      };
      const seen: number[] = [];
      let cursor = 0;
      let done = false;
      const read = async () => {
        while (!done || seen.length < total) {
          // Only a read that starts after the last post was acknowledged may
          // end the loop: one already in flight reads a snapshot from before
          // the last commits.
          const after = done;
          const rows = await reader.messages.list({
            visibility: { kind: "broadcast" },
            sinceId: cursor,
            limit: 50,
          });
          for (const m of rows) seen.push(m.id);
          cursor = rows.at(-1)?.id ?? cursor;
          if (!rows.length && after) break;
        }
      };
      const reading = read();
      await Promise.all(
        writers.flatMap((_, w) => [post(w), post(w), post(w), post(w)]),
      );
      done = true;
      await reading;
      const all = (await allBroadcasts(reader)).map((m) => m.id);
      const seenIds = new Set(seen);
      assertEquals(
        all.filter((id) => !seenIds.has(id)),
        [],
        `ids the cursor passed by (read in this order: ${seen.join(",")})`,
      );
      assertEquals(seen.length, all.length, "the cursor missed no row");
      assertEquals(seen, all);
    } finally {
      for (const store of writers) await store.close();
    }
  },
);

pgTest(
  "PostgresStore.watchChanges() hears other stores' posts, not its own, and recovers a terminated listen connection",
  async () => {
    await using schema = recycledSchema();
    const clock = new FakeClock();
    await using a = await PostgresStore.open(schema.url, {
      clock,
      poolSize: 1,
    });
    await using b = await PostgresStore.open(schema.url, {
      clock,
      poolSize: 1,
    });
    let heard = 0;
    let wake: () => void = () => {};
    const stop = await a.watchChanges(() => {
      heard++;
      wake();
    });
    const next = (what: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what}`)), 10_000);
        wake = () => {
          clearTimeout(timer);
          wake = () => {};
          resolve();
        };
      });
    try {
      assertEquals(heard, 1, "called once when the first LISTEN succeeds");
      let heardOther = next("notification from b");
      await rules(b).postMessage(newMessage({ from_agent: "b" }), null);
      await heardOther;
      const before = heard;
      await rules(a).postMessage(newMessage({ from_agent: "a" }), null);
      await new Promise((r) => setTimeout(r, 200));
      assertEquals(heard, before, "own posts are not echoed");

      // Cut the listen connection from the server side.
      const reconnected = next("call after reconnecting");
      const killed = await schema.admin`
      SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
      WHERE datname = current_database()
        AND application_name = ${`arc-deno listen ${
        notifyChannel(schema.name)
      }`}`;
      assert(killed.length >= 1, "found the listen connection");
      await reconnected;
      heardOther = next("notification after reconnecting");
      await rules(b).postMessage(newMessage({ from_agent: "b" }), null);
      await heardOther;
    } finally {
      stop();
    }
  },
);

pgTest(
  "PostgresStore.listThreads() folds in messages another store wrote after its last listing",
  async () => {
    await using schema = recycledSchema();
    const clock = new FakeClock();
    const [a, b] = await openMany(schema.url, clock, 2, 1);
    try {
      await rules(a!).postMessage(
        newMessage({ from_agent: "x", thread_id: "t" }),
        null,
      );
      assertEquals((await rules(a!).listThreads())[0]?.message_count, 1);
      const art = await rules(b!).postMessage(
        newMessage({ from_agent: "y", thread_id: "t", kind: "artifact" }),
        null,
      );
      await rules(b!).postMessage(
        newMessage({
          from_agent: "y",
          thread_id: "u",
          channel: "direct",
          to_agent: "x",
        }),
        null,
      );
      const threads = await rules(a!).listThreads();
      const t = threads.find((s) => s.thread_id === "t");
      assertEquals(t?.message_count, 2);
      assertEquals(t?.latest_artifact_id, art.message.id);
      assertEquals(threads.find((s) => s.thread_id === "u")?.channel, "direct");
      // A raw insert, as a tool that knows nothing of the statistics makes.
      await schema.admin`
      INSERT INTO messages (ts, from_agent, channel, kind, body, thread_id)
      VALUES ('2026-01-01T00:00:00Z', 'z', 'general', 'chat', 'hi', 't')`;
      for (const store of [a!, b!]) {
        assertEquals(
          (await rules(store).listThreads()).find((s) => s.thread_id === "t")
            ?.message_count,
          3,
        );
      }
    } finally {
      await a!.close();
      await b!.close();
    }
  },
);
