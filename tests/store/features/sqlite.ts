import { rules } from "../_rules.ts";
import { DatabaseSync } from "node:sqlite";
import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
  assertStringIncludes,
} from "../../_assert.ts";
import {
  IdExhaustedError,
  StorageUnavailableError,
} from "../../../src/errors.ts";
import { MAX_MESSAGE_ID } from "../../../src/protocol.ts";
import { SqliteStore } from "../../../src/store/sqlite/store.ts";
import { tx, type Unit } from "../../../src/store/unit.ts";
import { toIso } from "../../../src/time.ts";
import type { RaceOrder, RaceReport } from "../_claim_race_worker.ts";
import {
  allBroadcasts,
  assertMintsLastIdThenRefuses,
  FakeClock,
  newClaim,
  newLock,
  newMessage,
  newSession,
  storeContract,
  type StoreOpener,
  T0,
} from "../contract.ts";
import { identityContract } from "../identity_contract.ts";
import { receiptsContract } from "../receipts_contract.ts";
import { approvalsContract } from "../approvals_contract.ts";
import { queueContract } from "../queue_contract.ts";
import { searchContract } from "../search_contract.ts";
import { reserveContract } from "../reserve_contract.ts";
import { taskDepsContract } from "../task_deps_contract.ts";
import { retentionContract } from "../retention_contract.ts";
import { exportContract } from "../export_contract.ts";
import { exportVendorContract } from "../export_vendor_contract.ts";

/** Opens a store on a file in a temp directory; the contract suites share it. */
const openSqlite: StoreOpener = async (clock) => {
  const dir = await Deno.makeTempDir({ prefix: "arc-store-" });
  const store = SqliteStore.open(`${dir}/arc.sqlite3`, { clock });
  return {
    store,
    async cleanup() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
};

storeContract("SqliteStore", openSqlite);
identityContract("SqliteStore", openSqlite);
receiptsContract("SqliteStore", openSqlite);
approvalsContract("SqliteStore", openSqlite);
queueContract("SqliteStore", openSqlite);
taskDepsContract("SqliteStore", openSqlite);
retentionContract("SqliteStore", openSqlite);
reserveContract("SqliteStore", openSqlite);
searchContract("SqliteStore", openSqlite);
exportContract("SqliteStore", openSqlite);
exportVendorContract("SqliteStore", openSqlite);

/** A temp directory with a database path in it, removed on dispose. */
async function tempDb(): Promise<AsyncDisposable & { path: string }> {
  const dir = await Deno.makeTempDir({ prefix: "arc-store-" });
  return {
    path: `${dir}/arc.sqlite3`,
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Sets the message id sequence directly, as another tool might. */
function setSequence(path: string, seq: number): void {
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    // sqlite_sequence has no key on `name`: update the row, or add it.
    const updated = db.prepare(
      "UPDATE sqlite_sequence SET seq = ? WHERE name = 'messages'",
    ).run(seq);
    if (Number(updated.changes) === 0) {
      db.prepare(
        "INSERT INTO sqlite_sequence (name, seq) VALUES ('messages', ?)",
      ).run(seq);
    }
  } finally {
    db.close();
  }
}

Deno.test("SqliteStore.open() reports WAL mode and the storage path", async () => {
  await using db = await tempDb();
  await using store = SqliteStore.open(db.path, { clock: new FakeClock() });
  assertEquals(store.info, {
    backend: "sqlite",
    storagePath: db.path,
    journalMode: "wal",
    walMode: true,
  });
});

Deno.test("SqliteStore.acquireClaim() on two connections to one file: exactly one wins each key", async () => {
  await using db = await tempDb();
  const clock = new FakeClock();
  await using a = SqliteStore.open(db.path, { clock });
  await using b = SqliteStore.open(db.path, { clock });
  const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
  // Interleave the two stores' calls, alternating who goes first.
  const results = await Promise.all(keys.flatMap((key, i) => {
    const fromA = rules(a).acquireClaim(newClaim(key, "agent-a"));
    const fromB = rules(b).acquireClaim(newClaim(key, "agent-b"));
    return i % 2 ? [fromB, fromA] : [fromA, fromB];
  }));
  for (const [i, key] of keys.entries()) {
    const pair = results.slice(2 * i, 2 * i + 2);
    assertEquals(
      pair.filter((r) => r.acquired).length,
      1,
      `exactly one acquires ${key}`,
    );
    const winner = pair.find((r) => r.acquired)?.row.owner_agent_id;
    for (const r of pair) assertEquals(r.row.owner_agent_id, winner);
  }
  const seenByA = await a.leases.claims({ activeOnly: true });
  const seenByB = await b.leases.claims({ activeOnly: true });
  assertEquals(seenByA.length, keys.length);
  assertEquals(seenByA, seenByB);
});

Deno.test("SqliteStore.acquireClaim() racing from two threads on one file: exactly one wins each key", async () => {
  await using db = await tempDb();
  // Create the schema first so both workers only race on claims.
  await SqliteStore.open(db.path, { clock: new FakeClock() }).close();
  const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
  const barrier = new SharedArrayBuffer(8);
  const flags = new Int32Array(barrier);
  const owners = ["w1", "w2", "w3"];
  const workers = owners.map(() =>
    new Worker(new URL("../_claim_race_worker.ts", import.meta.url), {
      type: "module",
    })
  );
  try {
    const reports = workers.map((worker) =>
      new Promise<RaceReport>((resolve, reject) => {
        worker.onmessage = (e: MessageEvent<RaceReport>) => resolve(e.data);
        worker.onerror = (e) => {
          e.preventDefault();
          reject(new Error(e.message));
        };
      })
    );
    owners.forEach((owner, i) => {
      const order: RaceOrder = {
        path: db.path,
        owner,
        // Each worker walks the keys from a different starting point.
        keys: [...keys.slice(i * 50), ...keys.slice(0, i * 50)],
        barrier,
        now: T0,
      };
      workers[i]?.postMessage(order);
    });
    while (Atomics.load(flags, 0) < owners.length) {
      const seen = Atomics.load(flags, 0);
      const { value } = Atomics.waitAsync(flags, 0, seen, 10_000);
      await value;
    }
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    const results = await Promise.all(reports);
    for (const r of results) assertEquals(r.error, undefined, r.owner);
    const won = results.flatMap((r) => r.won).sort();
    assertEquals(won, [...keys].sort(), "every key won exactly once");
    await using store = SqliteStore.open(db.path, { clock: new FakeClock() });
    const rows = await store.leases.claims({});
    assertEquals(rows.length, keys.length);
    for (const r of results) {
      const owned = rows.filter((c) => c.owner_agent_id === r.owner)
        .map((c) => c.claim_key).sort();
      assertEquals(owned, [...r.won].sort(), `${r.owner} owns what it won`);
    }
  } finally {
    for (const worker of workers) worker.terminate();
  }
});

Deno.test("SqliteStore.changeToken() moves after another connection commits, not after its own", async () => {
  await using db = await tempDb();
  const clock = new FakeClock();
  await using a = SqliteStore.open(db.path, { clock });
  await using b = SqliteStore.open(db.path, { clock });
  const t0 = await a.changeToken();
  assert(typeof t0 === "number", "SQLite polls for changes");
  assertEquals(await a.changeToken(), t0, "stable while nothing happens");
  await rules(b).postMessage(newMessage({ from_agent: "b" }), null);
  const t1 = await a.changeToken();
  assertNotEquals(t1, t0);
  await rules(a).postMessage(newMessage({ from_agent: "a" }), null);
  await rules(a).acquireClaim(newClaim("k", "a"));
  assertEquals(await a.changeToken(), t1, "own commits do not count");
  await rules(b).acquireLock(newLock("f", "b"));
  assertNotEquals(await a.changeToken(), t1);
});

Deno.test("SqliteStore.open() on an existing file keeps its data and birth marker", async () => {
  await using db = await tempDb();
  const clock = new FakeClock();
  const first = SqliteStore.open(db.path, { clock });
  const birth = await first.birthMarker();
  await first.channels.create("ops", "a", { topic: "x" });
  const session = await rules(first).createSession(newSession("a"), 120);
  const posted = await rules(first).postMessage(
    newMessage({ from_agent: "a", kind: "task", thread_id: "t" }),
    null,
  );
  const claim = await rules(first).acquireClaim(
    newClaim("k", "a", { ttl_sec: 600 }),
  );
  const lock = await rules(first).acquireLock(
    newLock("f", "a", { ttl_sec: 600 }),
  );
  await first.close();

  clock.tick(60);
  await using again = SqliteStore.open(db.path, { clock });
  assertEquals(await again.birthMarker(), birth);
  assertEquals((await again.channels.get("ops"))?.metadata, { topic: "x" });
  assertEquals((await again.channels.list()).length, 3);
  assertEquals(await again.sessions.active("a"), session);
  assertEquals(await allBroadcasts(again), [posted.message]);
  assertEquals((await again.tasks.get(posted.message.id))?.status, "open");
  assertEquals(await again.leases.claims({ activeOnly: true }), [claim.row]);
  assertEquals(await again.leases.locks({ activeOnly: true }), [lock.row]);
  const next = await rules(again).postMessage(
    newMessage({ from_agent: "a" }),
    null,
  );
  assert(next.message.id > posted.message.id, "ids keep increasing");
});

Deno.test("SqliteStore.postMessage() mints id 2^53 − 1 and then throws IdExhaustedError, inserting nothing", async () => {
  await using db = await tempDb();
  await using store = SqliteStore.open(db.path, { clock: new FakeClock() });
  setSequence(db.path, MAX_MESSAGE_ID - 1);
  await assertMintsLastIdThenRefuses(store);
});

Deno.test("SqliteStore.completeTask() rolls back the whole unit when the rollup notice cannot get an id", async () => {
  await using db = await tempDb();
  await using store = SqliteStore.open(db.path, { clock: new FakeClock() });
  const parent = await rules(store).postMessage(
    newMessage({ from_agent: "a", kind: "task" }),
    null,
  );
  const child = await rules(store).postMessage(
    newMessage({ from_agent: "a", kind: "task" }),
    parent.message.id,
  );
  setSequence(db.path, MAX_MESSAGE_ID);
  const error = await assertRejects(() =>
    rules(store).completeTask(child.message.id)
  );
  assert(error instanceof IdExhaustedError, `got ${error}`);
  assertEquals((await store.tasks.get(child.message.id))?.status, "open");
  assertEquals((await store.tasks.get(parent.message.id))?.status, "open");
  assertEquals((await allBroadcasts(store)).length, 2);
});

Deno.test("SqliteStore.recoverExpired() rolls back the whole sweep when a notice cannot get an id", async () => {
  await using db = await tempDb();
  const clock = new FakeClock();
  await using store = SqliteStore.open(db.path, { clock });
  await rules(store).createSession(newSession("a"), 120);
  await rules(store).acquireClaim(newClaim("k", "a", { ttl_sec: 600 }));
  await rules(store).postMessage(newMessage({ from_agent: "a" }), null);
  setSequence(db.path, MAX_MESSAGE_ID);
  clock.tick(121);
  const error = await assertRejects(() => rules(store).recoverExpired(120));
  assert(error instanceof IdExhaustedError, `got ${error}`);
  assertEquals((await store.sessions.active("a"))?.agent_id, "a");
  assertEquals((await store.leases.claims({ activeOnly: true })).length, 1);
});

Deno.test("SqliteStore: the first write of a turn commits alone, the later ones share one commit, a failing one is undone alone, a read commits them first", async () => {
  await using db = await tempDb();
  await using store = SqliteStore.open(db.path, { clock: new FakeClock() });
  const before = store.commitStats;
  const post = (fields: Parameters<typeof newMessage>[0]) =>
    rules(store).postMessage(newMessage(fields), null);
  // Four posts in one turn; the third fails inside the transaction (a
  // dependency on a task that does not exist).
  const settled = Promise.allSettled([
    post({ from_agent: "a", body: "first" }),
    post({ from_agent: "a", body: "second" }),
    post({
      from_agent: "a",
      kind: "task",
      body: "blocked",
      metadata: { arcdeno: { depends_on: [424242] } },
    }),
    post({ from_agent: "a", body: "fourth" }),
  ]);
  // A read in the same turn commits the group before it reads: what it sees
  // is on disk, visible to another connection.
  const bodies = ["first", "second", "fourth"];
  assertEquals((await allBroadcasts(store)).map((m) => m.body), bodies);
  const other = new DatabaseSync(db.path);
  try {
    const rows = other.prepare("SELECT body FROM messages ORDER BY id").all();
    assertEquals(rows.map((r) => r["body"]), bodies);
  } finally {
    other.close();
  }
  const outcomes = await settled;
  assertEquals(outcomes.map((o) => o.status), [
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
  ]);
  assertStringIncludes(
    String((outcomes[2] as PromiseRejectedResult).reason),
    "424242",
  );
  assertEquals(await store.tasks.list({}), []);
  const after = store.commitStats;
  assertEquals(
    after.commits - before.commits,
    2,
    "the first alone, the others together",
  );
  assertEquals(after.units - before.units, 3, "the three that ran");
});

Deno.test("SqliteStore: after a turn with several writes the next turn's first write joins the group too; after a turn with one, a write commits alone again", async () => {
  await using db = await tempDb();
  await using store = SqliteStore.open(db.path, { clock: new FakeClock() });
  const other = new DatabaseSync(db.path);
  const stored = () =>
    Number(other.prepare("SELECT COUNT(*) AS n FROM messages").get()?.["n"]);
  const post = (body: string) =>
    rules(store).postMessage(newMessage({ from_agent: "a", body }), null);
  try {
    let before = store.commitStats.commits;
    await Promise.all([post("1"), post("2")]);
    assertEquals(store.commitStats.commits - before, 2, "a quiet start");
    before = store.commitStats.commits;
    await Promise.all([post("3"), post("4")]);
    assertEquals(store.commitStats.commits - before, 1, "a crowded turn");
    // One write after a crowded turn still waits for the end of its turn.
    let pending = post("5");
    assertEquals(stored(), 4, "not committed yet");
    await pending;
    assertEquals(stored(), 5);
    // That turn had one write: the next one commits before it returns.
    pending = post("6");
    assertEquals(stored(), 6, "committed alone, at once");
    await pending;
  } finally {
    other.close();
  }
});

Deno.test("SqliteStore: when the first write of a group fails after writing, the transaction is undone whole and the next write of the turn still commits", async () => {
  await using db = await tempDb();
  await using store = SqliteStore.open(db.path, { clock: new FakeClock() });
  const post = (body: string) =>
    rules(store).postMessage(newMessage({ from_agent: "a", body }), null);
  // A crowded turn first, so that the next turn's first write opens a group.
  await Promise.all([post("1"), post("2")]);
  const before = store.commitStats;
  // The first unit inserts a message, then throws: nothing of it may stay.
  function* insertThenFail(): Unit<never> {
    yield* tx.insertMessages([{
      input: newMessage({ from_agent: "a", body: "undone" }),
      ts: "2026-01-01T00:00:00Z",
      task: null,
    }]);
    throw new Error("the unit failed after its insert");
  }
  const outcomes = await Promise.allSettled([
    store.run(insertThenFail),
    post("after"),
  ]);
  assertEquals(outcomes.map((o) => o.status), ["rejected", "fulfilled"]);
  assertStringIncludes(
    String((outcomes[0] as PromiseRejectedResult).reason),
    "after its insert",
  );
  assertEquals((await allBroadcasts(store)).map((m) => m.body), [
    "1",
    "2",
    "after",
  ]);
  assertEquals(store.connection.isTransaction, false);
  const after = store.commitStats;
  assertEquals(after.commits - before.commits, 1);
  assertEquals(after.units - before.units, 1);
});

Deno.test("SqliteStore: a later write of a group that fails before writing rejects alone; one that fails after writing has the group rolled back and its other writes run again", async () => {
  await using db = await tempDb();
  await using store = SqliteStore.open(db.path, { clock: new FakeClock() });
  const row = (body: string) => ({
    input: newMessage({ from_agent: "a", body }),
    ts: "2026-01-01T00:00:00Z",
    task: null,
  });
  let runs = 0;
  function* counted(): Unit<number> {
    runs++;
    const [message] = yield* tx.insertMessages([row("grouped")]);
    return message!.id;
  }
  // deno-lint-ignore require-yield
  function* failEarly(): Unit<never> {
    throw new Error("the unit failed before writing");
  }
  function* insertThenFail(): Unit<never> {
    yield* tx.insertMessages([row("undone")]);
    throw new Error("the unit failed after its insert");
  }
  const before = store.commitStats;
  // In one turn: the first write commits alone, the rest form one group.
  const lead = rules(store).postMessage(
    newMessage({ from_agent: "a", body: "lead" }),
    null,
  );
  const grouped = store.run(counted);
  const early = store.run(failEarly);
  assertEquals(runs, 1, "a unit that wrote nothing is undone without a replay");
  const late = store.run(insertThenFail);
  assertEquals(runs, 2, "the group was rolled back and its write ran again");
  const tail = rules(store).postMessage(
    newMessage({ from_agent: "a", body: "tail" }),
    null,
  );
  const outcomes = await Promise.allSettled([lead, grouped, early, late, tail]);
  assertEquals(outcomes.map((o) => o.status), [
    "fulfilled",
    "fulfilled",
    "rejected",
    "rejected",
    "fulfilled",
  ]);
  assertStringIncludes(
    String((outcomes[2] as PromiseRejectedResult).reason),
    "before writing",
  );
  assertStringIncludes(
    String((outcomes[3] as PromiseRejectedResult).reason),
    "after its insert",
  );
  const other = new DatabaseSync(db.path);
  try {
    const stored = other.prepare("SELECT id, body FROM messages ORDER BY id")
      .all().map((r) => [r["id"], r["body"]]);
    const id = (outcomes[1] as PromiseFulfilledResult<number>).value;
    assertEquals(stored.map(([, body]) => body), ["lead", "grouped", "tail"]);
    assertEquals(stored[1]![0], id, "the id the replayed run returned");
  } finally {
    other.close();
  }
  const after = store.commitStats;
  assertEquals(after.commits - before.commits, 2, "the lead, then the group");
  assertEquals(after.units - before.units, 3);
  assertEquals(store.connection.isTransaction, false);
});

/** The `last_seen` of an agent's active session, read on the store's connection. */
function lastSeenOf(store: SqliteStore, agentId: string): unknown {
  return store.connection.prepare(
    "SELECT last_seen FROM sessions WHERE agent_id = ? AND active = 1",
  ).get(agentId)?.["last_seen"];
}

Deno.test("SqliteStore: a post within the second its sender was last seen leaves the session row alone; a later one moves last_seen", async () => {
  await using db = await tempDb();
  const clock = new FakeClock();
  await using store = SqliteStore.open(db.path, { clock });
  await rules(store).createSession(newSession("a"), 120);
  const total = () =>
    Number(
      store.connection.prepare("SELECT total_changes() AS n").get()?.["n"],
    );
  const lastSeen = () => lastSeenOf(store, "a");
  const post = () =>
    rules(store).postMessage(newMessage({ from_agent: "a" }), null);
  const seen = lastSeen();
  let before = total();
  await post();
  assertEquals(total() - before, 1, "the message only, in the same second");
  assertEquals(lastSeen(), seen);
  clock.tick(1);
  before = total();
  await post();
  assertEquals(total() - before, 2, "the message and the session");
  assert(String(lastSeen()) > String(seen), "last_seen moved on");
});

Deno.test("SqliteStore: a touch that was rolled back runs again in the same second", async () => {
  await using db = await tempDb();
  const clock = new FakeClock();
  await using store = SqliteStore.open(db.path, { clock });
  await rules(store).createSession(newSession("a"), 120);
  const lastSeen = () => lastSeenOf(store, "a");
  const registered = lastSeen();
  clock.tick(1);
  const now = toIso(clock.now());
  function* touchThenFail(): Unit<never> {
    yield* tx.touchAgent("a", now);
    throw new Error("the unit failed after its touch");
  }
  const error = await assertRejects(() => store.run(touchThenFail));
  assertStringIncludes(String(error), "after its touch");
  assertEquals(lastSeen(), registered, "the touch was undone");
  await rules(store).postMessage(newMessage({ from_agent: "a" }), null);
  assertEquals(lastSeen(), now, "the post touched the session again");
});

Deno.test("SqliteStore: a write in a group waits for the group's commit, which comes at the end of the turn without a read", async () => {
  await using db = await tempDb();
  await using store = SqliteStore.open(db.path, { clock: new FakeClock() });
  const before = store.commitStats;
  const post = (body: string) =>
    rules(store).postMessage(newMessage({ from_agent: "a", body }), null);
  const [, grouped] = await Promise.all([post("alone"), post("grouped")]);
  // No read ran: the group's commit came from the end of the turn, and it
  // was done before the write was acknowledged.
  const other = new DatabaseSync(db.path);
  try {
    const row = other.prepare("SELECT body FROM messages WHERE id = ?").get(
      grouped.message.id,
    );
    assertEquals(row?.["body"], "grouped");
  } finally {
    other.close();
  }
  assertEquals(store.commitStats.commits - before.commits, 2);
});

// A write that times out waiting for another process's lock must surface as
// StorageUnavailableError (HTTP 503), whichever statement hit the busy lock.
Deno.test("SqliteStore.acquireClaim() throws StorageUnavailableError while another connection holds the write lock", async () => {
  await using db = await tempDb();
  await using store = SqliteStore.open(db.path, {
    clock: new FakeClock(),
    busyTimeoutMs: 20,
  });
  const other = new DatabaseSync(db.path);
  try {
    other.exec("BEGIN IMMEDIATE");
    const error = await assertRejects(() =>
      rules(store).acquireClaim(newClaim("k", "a"))
    );
    assert(error instanceof StorageUnavailableError, `got ${error}`);
    assertEquals(await store.leases.claims({}), [], "reads still work");
    other.exec("ROLLBACK");
  } finally {
    other.close();
  }
  const got = await rules(store).acquireClaim(newClaim("k", "a"));
  assertEquals(got.acquired, true, "the store recovers once the lock is gone");
});

Deno.test("SqliteStore.recoverExpired() on two connections to one file recovers each session once", async () => {
  await using db = await tempDb();
  const clock = new FakeClock();
  await using a = SqliteStore.open(db.path, { clock });
  await using b = SqliteStore.open(db.path, { clock });
  await rules(a).createSession(newSession("x"), 120);
  await rules(a).acquireClaim(newClaim("k", "x", { ttl_sec: 600 }));
  clock.tick(121);
  const [ra, rb] = await Promise.all([
    rules(a).recoverExpired(120),
    rules(b).recoverExpired(120),
  ]);
  assertEquals(ra.expired.length + rb.expired.length, 1);
  assertEquals(ra.posted.length + rb.posted.length, 1);
  assertEquals((await allBroadcasts(a)).length, 1);
});

Deno.test("SqliteStore.listThreads() folds in messages another process wrote after its last listing", async () => {
  await using db = await tempDb();
  await using a = SqliteStore.open(db.path);
  await using b = SqliteStore.open(db.path);
  await rules(a).postMessage(
    newMessage({ from_agent: "x", thread_id: "t" }),
    null,
  );
  assertEquals((await rules(a).listThreads())[0]?.message_count, 1);
  // Written through another connection, as another hub process would.
  await rules(b).postMessage(
    newMessage({ from_agent: "y", thread_id: "t", kind: "artifact" }),
    null,
  );
  await rules(b).postMessage(
    newMessage({
      from_agent: "y",
      thread_id: "u",
      channel: "direct",
      to_agent: "x",
    }),
    null,
  );
  const threads = await rules(a).listThreads();
  const t = threads.find((s) => s.thread_id === "t");
  assertEquals(t?.message_count, 2);
  assertEquals(t?.latest_artifact_id, 2);
  assertEquals(threads.find((s) => s.thread_id === "u")?.channel, "direct");
  // A raw insert, as a hub that knows nothing of the statistics table makes.
  const raw = new DatabaseSync(db.path);
  raw.prepare(
    "INSERT INTO messages (ts, from_agent, channel, kind, body, thread_id) VALUES ('2026-01-01T00:00:00Z', 'z', 'general', 'chat', 'hi', 't')",
  ).run();
  raw.close();
  assertEquals(
    (await rules(a).listThreads()).find((s) => s.thread_id === "t")
      ?.message_count,
    3,
  );
  assertEquals(
    (await rules(b).listThreads()).find((s) => s.thread_id === "t")
      ?.message_count,
    3,
  );
});
