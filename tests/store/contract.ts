/**
 * The {@linkcode Store} contract as one suite that any backend runs, in the
 * manner of Hono's `runTest({ newRouter })`: call
 * {@linkcode storeContract} with a name and an opener and it registers one
 * `Deno.test` per rule. Every test drives time with a {@linkcode FakeClock},
 * so expiry is tested without sleeping.
 *
 * @module
 */

import { rules } from "./_rules.ts";
import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
  assertStringIncludes,
} from "../_assert.ts";
import {
  ConflictError,
  IdExhaustedError,
  ValidationError,
} from "../../src/errors.ts";
import { MAX_MESSAGE_ID } from "../../src/protocol.ts";
import { type Clock, toIso } from "../../src/time.ts";
import type {
  Claim,
  Lock,
  Message,
  NewClaim,
  NewLock,
  NewMessage,
  NewSession,
  Store,
  TaskFilter,
} from "../../src/store/types.ts";

/** Opens a fresh, empty store that reads time from `clock`. */
export type StoreOpener = (
  clock: Clock,
) => Promise<{ store: Store; cleanup(): Promise<void> }>;

/** 2026-04-14T17:00:00Z, where every fake clock starts. */
export const T0: number = Date.UTC(2026, 3, 14, 17, 0, 0);

/** A clock that only moves when the test moves it. */
export class FakeClock implements Clock {
  #ms: number;

  constructor(start: number = T0) {
    this.#ms = start;
  }

  now(): number {
    return this.#ms;
  }

  /** Moves the time forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.#ms += ms;
  }

  /** Moves the time forward by `sec` seconds. */
  tick(sec: number): void {
    this.advance(sec * 1000);
  }

  /** The current time in the wire's text form. */
  iso(): string {
    return toIso(this.#ms);
  }
}

/** A message input with defaults for every field but the sender. */
export function newMessage(
  fields: Partial<NewMessage> & { from_agent: string },
): NewMessage {
  return {
    to_agent: null,
    channel: "general",
    kind: "chat",
    body: "hello",
    attachments: [],
    reply_to: null,
    thread_id: null,
    metadata: {},
    ...fields,
  };
}

/** A session input for `agentId` with defaults. */
export function newSession(
  agentId: string,
  fields: Partial<NewSession> = {},
): NewSession {
  return {
    agent_id: agentId,
    display_name: agentId,
    capabilities: [],
    metadata: {},
    replace: false,
    ...fields,
  };
}

/** A claim input with defaults (300 s, no thread, no task). */
export function newClaim(
  key: string,
  owner: string,
  fields: Partial<NewClaim> = {},
): NewClaim {
  return {
    claim_key: key,
    thread_id: null,
    task_message_id: null,
    owner_agent_id: owner,
    ttl_sec: 300,
    metadata: {},
    ...fields,
  };
}

/** A lock input with defaults (300 s, no metadata). */
export function newLock(
  path: string,
  agent: string,
  fields: Partial<NewLock> = {},
): NewLock {
  return {
    file_path: path,
    agent_id: agent,
    ttl_sec: 300,
    metadata: {},
    ...fields,
  };
}

const TTL = 120;

function ids(messages: readonly Message[]): number[] {
  return messages.map((m) => m.id);
}

function byKey(claims: readonly Claim[]): string[] {
  return claims.map((c) => c.claim_key).sort();
}

function byPath(locks: readonly Lock[]): string[] {
  return locks.map((l) => l.file_path).sort();
}

/** Every broadcast after `sinceId`, oldest first (up to 1,000). */
export async function allBroadcasts(
  store: Store,
  sinceId = 0,
): Promise<Message[]> {
  return await store.messages.list({
    visibility: { kind: "broadcast" },
    sinceId,
    limit: 1000,
  });
}

/**
 * With the next id set to 2^53 − 1 by the caller (each backend keeps its
 * sequence its own way): a post gets that id, and every later post, a task
 * too, fails with {@linkcode IdExhaustedError} and inserts nothing.
 */
export async function assertMintsLastIdThenRefuses(
  store: Store,
): Promise<void> {
  const last = await rules(store).postMessage(
    newMessage({ from_agent: "a" }),
    null,
  );
  assertEquals(last.message.id, MAX_MESSAGE_ID);
  for (const kind of ["chat", "task"]) {
    const error = await assertRejects(() =>
      rules(store).postMessage(newMessage({ from_agent: "a", kind }), null)
    );
    assert(error instanceof IdExhaustedError, `got ${error}`);
    assertStringIncludes(error.message, String(MAX_MESSAGE_ID));
  }
  assertEquals(await allBroadcasts(store), [last.message]);
  assertEquals(await store.tasks.list({}), []);
  assertEquals(await store.messages.latestVisibleId("a"), MAX_MESSAGE_ID);
}

/** Registers one contract test: `fn` runs against a fresh store. */
export type ContractTest = (
  title: string,
  fn: (store: Store, clock: FakeClock) => Promise<void>,
) => void;

/**
 * Returns a {@linkcode ContractTest} that names each test `${prefix}: title`
 * and runs it against a fresh store on a fresh {@linkcode FakeClock}, always
 * cleaning up.
 */
export function contractTest(prefix: string, open: StoreOpener): ContractTest {
  return (title, fn) =>
    Deno.test(`${prefix}: ${title}`, async () => {
      const clock = new FakeClock();
      const { store, cleanup } = await open(clock);
      try {
        await fn(store, clock);
      } finally {
        await cleanup();
      }
    });
}

/**
 * Registers the Store contract tests for one backend.
 *
 * @param name prefix of every test name, e.g. `"SqliteStore"`
 * @param open opens a fresh store on the given clock
 */
export function storeContract(name: string, open: StoreOpener): void {
  const test = contractTest(name, open);

  // ── channels ─────────────────────────────────────────────────────

  test(
    "listChannels() holds the builtin channels general and direct, made by system",
    async (store, clock) => {
      const channels = await store.channels.list();
      assertEquals(channels.map((c) => c.name), ["direct", "general"]);
      for (const channel of channels) {
        assertEquals(channel.created_by, "system");
        assertEquals(channel.created_at, clock.iso());
        assertEquals(channel.metadata, {});
      }
      assertEquals((await store.channels.get("general"))?.name, "general");
      assertEquals(await store.channels.get("nope"), null);
      assertEquals(await store.birthMarker(), clock.iso());
    },
  );

  test(
    "createChannel() reports created true, then false and keeps the first row",
    async (store, clock) => {
      const first = await store.channels.create("ops", "a", {
        topic: "deploys",
      });
      assertEquals(first, {
        created: true,
        channel: {
          name: "ops",
          created_at: clock.iso(),
          created_by: "a",
          metadata: { topic: "deploys" },
        },
      });
      clock.tick(10);
      const again = await store.channels.create("ops", "b", { topic: "other" });
      assertEquals(again, { created: false, channel: first.channel });
      assertEquals(await store.channels.get("ops"), first.channel);
      const builtin = await store.channels.create("general", null, {});
      assertEquals(builtin.created, false);
      assertEquals(builtin.channel.created_by, "system");
      assertEquals((await store.channels.list()).map((c) => c.name), [
        "direct",
        "general",
        "ops",
      ]);
    },
  );

  // ── sessions ─────────────────────────────────────────────────────

  test(
    "createSession() stores every field and makes the session active",
    async (store, clock) => {
      const session = await rules(store).createSession(
        newSession("a", {
          display_name: "Agent A",
          capabilities: ["review", "test"],
          metadata: { model: "m1" },
        }),
        TTL,
      );
      assertEquals(session.agent_id, "a");
      assertEquals(session.display_name, "Agent A");
      assertEquals(session.capabilities, ["review", "test"]);
      assertEquals(session.metadata, { model: "m1" });
      assertEquals(session.created_at, clock.iso());
      assertEquals(session.last_seen, clock.iso());
      assertEquals(session.active, true);
      assert(session.session_id.length > 0, "session_id is set");
      assertEquals(await store.sessions.active("a"), session);
      assertEquals(await store.sessions.listActive(), [session]);
      assertEquals(await store.sessions.active("b"), null);
    },
  );

  test(
    "createSession() throws ConflictError while the active session is fresh, up to exactly the TTL",
    async (store, clock) => {
      const first = await rules(store).createSession(newSession("a"), TTL);
      clock.tick(TTL); // last_seen is exactly TTL old: not yet expired
      const error = await assertRejects(() =>
        rules(store).createSession(
          newSession("a", { display_name: "again" }),
          TTL,
        )
      );
      assert(error instanceof ConflictError, `got ${error}`);
      assertEquals(await store.sessions.active("a"), first);
      assertEquals(await store.sessions.listActive(), [first]);
    },
  );

  test(
    "createSession() with replace deactivates the fresh session",
    async (store, clock) => {
      const old = await rules(store).createSession(newSession("a"), TTL);
      clock.tick(5);
      const fresh = await rules(store).createSession(
        newSession("a", { replace: true, display_name: "new" }),
        TTL,
      );
      assertNotEquals(fresh.session_id, old.session_id);
      assertEquals(fresh.display_name, "new");
      assertEquals(fresh.created_at, clock.iso());
      assertEquals(await store.sessions.active("a"), fresh);
      assertEquals(await store.sessions.listActive(), [fresh]);
      assertEquals(await store.sessions.deactivate(old.session_id), null);
    },
  );

  test(
    "createSession() replaces a session older than the TTL without replace",
    async (store, clock) => {
      const old = await rules(store).createSession(newSession("a"), TTL);
      clock.tick(TTL + 1);
      const fresh = await rules(store).createSession(newSession("a"), TTL);
      assertNotEquals(fresh.session_id, old.session_id);
      assertEquals(await store.sessions.listActive(), [fresh]);
      assertEquals(await store.sessions.deactivate(old.session_id), null);
    },
  );

  test("listActiveSessions() orders by agent_id", async (store) => {
    await rules(store).createSession(newSession("c"), TTL);
    await rules(store).createSession(newSession("a"), TTL);
    await rules(store).createSession(newSession("b"), TTL);
    assertEquals(
      (await store.sessions.listActive()).map((s) => s.agent_id),
      ["a", "b", "c"],
    );
  });

  test(
    "renameSession() renames the active session and moves last_seen; null without one",
    async (store, clock) => {
      assertEquals(await store.sessions.rename("a", "x"), null);
      const session = await rules(store).createSession(newSession("a"), TTL);
      clock.tick(30);
      const renamed = await store.sessions.rename("a", "Alpha");
      assertEquals(renamed, {
        ...session,
        display_name: "Alpha",
        last_seen: clock.iso(),
      });
      assertEquals(await store.sessions.active("a"), renamed);
      await store.sessions.deactivate(session.session_id);
      assertEquals(await store.sessions.rename("a", "Beta"), null);
    },
  );

  test("deleteSession() deactivates once; null for unknown or inactive sessions", async (store) => {
    assertEquals(await store.sessions.deactivate("no-such-session"), null);
    const session = await rules(store).createSession(newSession("a"), TTL);
    const deleted = await store.sessions.deactivate(session.session_id);
    assertEquals(deleted?.session_id, session.session_id);
    assertEquals(deleted?.agent_id, "a");
    assertEquals(await store.sessions.active("a"), null);
    assertEquals(await store.sessions.listActive(), []);
    assertEquals(await store.sessions.deactivate(session.session_id), null);
  });

  test("deleteSession() leaves the agent's claims and locks in place", async (store) => {
    const session = await rules(store).createSession(newSession("a"), TTL);
    await rules(store).acquireClaim(newClaim("k", "a"));
    await rules(store).acquireLock(newLock("f.ts", "a"));
    await store.sessions.deactivate(session.session_id);
    assertEquals(byKey(await store.leases.claims({ activeOnly: true })), ["k"]);
    assertEquals(byPath(await store.leases.locks({ activeOnly: true })), [
      "f.ts",
    ]);
  });

  test(
    "touchAgent() moves last_seen of the active session; unknown agents are ignored",
    async (store, clock) => {
      const session = await rules(store).createSession(newSession("a"), TTL);
      clock.tick(45);
      await store.sessions.touch(["a"]);
      await store.sessions.touch(["nobody"]);
      const touched = await store.sessions.active("a");
      assertEquals(touched, { ...session, last_seen: clock.iso() });
      assertEquals(await store.sessions.active("nobody"), null);
    },
  );

  test("touchAgent() keeps a session from expiring", async (store, clock) => {
    await rules(store).createSession(newSession("a"), TTL);
    clock.tick(TTL - 10);
    await store.sessions.touch(["a"]);
    clock.tick(TTL - 10);
    const recovery = await rules(store).recoverExpired(TTL);
    assertEquals(recovery.expired, []);
    assertEquals((await store.sessions.active("a"))?.agent_id, "a");
    const error = await assertRejects(() =>
      rules(store).createSession(newSession("a"), TTL)
    );
    assert(error instanceof ConflictError, `got ${error}`);
  });

  // ── presence recovery ────────────────────────────────────────────

  test(
    "recoverExpired() finds nothing while sessions are at most TTL old",
    async (store, clock) => {
      await rules(store).createSession(newSession("a"), TTL);
      await rules(store).acquireClaim(newClaim("k", "a", { ttl_sec: 600 }));
      clock.tick(TTL);
      assertEquals(await rules(store).recoverExpired(TTL), {
        expired: [],
        releasedClaims: [],
        releasedLocks: [],
        releasedReservations: [],
        posted: [],
      });
      assertEquals(byKey(await store.leases.claims({ activeOnly: true })), [
        "k",
      ]);
    },
  );

  test(
    "recoverExpired() expires stale sessions, releases their live leases and posts one notice each",
    async (store, clock) => {
      // A thread whose channel is `ops` (from its first message).
      const anchor = await rules(store).postMessage(
        newMessage({ from_agent: "lead", channel: "ops", thread_id: "t1" }),
        null,
      );
      const task = anchor.message.id;
      const stale = await rules(store).createSession(newSession("stale"), TTL);
      await rules(store).createSession(newSession("live"), TTL);

      // The stale agent's leases.
      await rules(store).acquireClaim(newClaim("c-thread", "stale", {
        thread_id: "t1",
        task_message_id: task,
        ttl_sec: 600,
      }));
      await rules(store).acquireClaim(
        newClaim("c-plain", "stale", { ttl_sec: 600 }),
      );
      await rules(store).acquireClaim(
        newClaim("c-orphan", "stale", { thread_id: "t-none", ttl_sec: 600 }),
      );
      await rules(store).acquireClaim(
        newClaim("c-short", "stale", { ttl_sec: 60 }),
      );
      await rules(store).acquireClaim(
        newClaim("c-done", "stale", { ttl_sec: 600 }),
      );
      const done = await rules(store).releaseClaim("c-done", "stale");
      await rules(store).acquireLock(newLock("src/thread.ts", "stale", {
        ttl_sec: 600,
        metadata: { thread_id: "t1", channel: "ignored" },
      }));
      await rules(store).acquireLock(newLock("src/chan.ts", "stale", {
        ttl_sec: 600,
        metadata: { channel: "build" },
      }));
      await rules(store).acquireLock(newLock("src/orphan.ts", "stale", {
        ttl_sec: 600,
        metadata: { thread_id: "t-lock", channel: "build" },
      }));
      await rules(store).acquireLock(
        newLock("src/plain.ts", "stale", { ttl_sec: 600 }),
      );
      await rules(store).acquireLock(
        newLock("src/short.ts", "stale", { ttl_sec: 60 }),
      );

      // Another agent's leases, which recovery must not touch.
      await rules(store).acquireClaim(
        newClaim("c-other", "live", { ttl_sec: 600 }),
      );
      await rules(store).acquireLock(
        newLock("src/other.ts", "live", { ttl_sec: 600 }),
      );

      clock.tick(100);
      await store.sessions.touch(["live"]);
      clock.tick(TTL - 100 + 1); // stale is now TTL + 1 s old
      const before = (await allBroadcasts(store)).at(-1)?.id ?? 0;
      const recovery = await rules(store).recoverExpired(TTL);
      const now = clock.iso();

      assertEquals(recovery.expired.map((s) => s.session_id), [
        stale.session_id,
      ]);
      assertEquals(byKey(recovery.releasedClaims), [
        "c-orphan",
        "c-plain",
        "c-thread",
      ]);
      for (const claim of recovery.releasedClaims) {
        assertEquals(claim.released_at, now);
      }
      assertEquals(byPath(recovery.releasedLocks), [
        "src/chan.ts",
        "src/orphan.ts",
        "src/plain.ts",
        "src/thread.ts",
      ]);
      for (const lock of recovery.releasedLocks) {
        assertEquals(lock.released_at, now);
      }

      // One notice per released item, as documented in protocol §9.
      assertEquals(recovery.posted.length, 7);
      for (const notice of recovery.posted) {
        assertEquals(notice.from_agent, "system");
        assertEquals(notice.kind, "notice");
        assertEquals(notice.to_agent, null);
        assertEquals(notice.ts, now);
        assertEquals(notice.metadata["recovery"], true);
        assertEquals(notice.metadata["stale_agent_id"], "stale");
      }
      const claimNotice = (key: string) =>
        recovery.posted.find((m) => m.metadata["claim_key"] === key);
      const lockNotice = (path: string) =>
        recovery.posted.find((m) => m.metadata["file_path"] === path);
      const pick = (m: Message | undefined) =>
        m && {
          channel: m.channel,
          thread_id: m.thread_id,
          reply_to: m.reply_to,
          body: m.body,
          metadata: m.metadata,
        };
      assertEquals(pick(claimNotice("c-thread")), {
        channel: "ops",
        thread_id: "t1",
        reply_to: task,
        body:
          "Recovered stale claim c-thread from stale. Work is available for pickup.",
        metadata: {
          recovery: true,
          stale_agent_id: "stale",
          claim_key: "c-thread",
          task_message_id: task,
        },
      });
      assertEquals(pick(claimNotice("c-plain")), {
        channel: "general",
        thread_id: null,
        reply_to: null,
        body:
          "Recovered stale claim c-plain from stale. Work is available for pickup.",
        metadata: {
          recovery: true,
          stale_agent_id: "stale",
          claim_key: "c-plain",
          task_message_id: null,
        },
      });
      assertEquals(pick(claimNotice("c-orphan"))?.channel, "general");
      assertEquals(pick(claimNotice("c-orphan"))?.thread_id, "t-none");
      assertEquals(pick(lockNotice("src/thread.ts")), {
        channel: "ops",
        thread_id: "t1",
        reply_to: null,
        body:
          "Recovered stale lock on src/thread.ts from stale. The file is available for pickup.",
        metadata: {
          recovery: true,
          stale_agent_id: "stale",
          file_path: "src/thread.ts",
        },
      });
      assertEquals(pick(lockNotice("src/chan.ts"))?.channel, "build");
      assertEquals(pick(lockNotice("src/chan.ts"))?.thread_id, null);
      assertEquals(pick(lockNotice("src/orphan.ts"))?.channel, "build");
      assertEquals(pick(lockNotice("src/orphan.ts"))?.thread_id, "t-lock");
      assertEquals(pick(lockNotice("src/plain.ts"))?.channel, "general");
      assertEquals(pick(lockNotice("src/plain.ts"))?.thread_id, null);

      // The notices are stored, after everything posted before.
      const stored = await allBroadcasts(store, before);
      assertEquals(stored, [...recovery.posted].sort((x, y) => x.id - y.id));

      // The store agrees.
      assertEquals(await store.sessions.active("stale"), null);
      assertEquals((await store.sessions.active("live"))?.agent_id, "live");
      assertEquals(byKey(await store.leases.claims({ activeOnly: true })), [
        "c-other",
      ]);
      assertEquals(byPath(await store.leases.locks({ activeOnly: true })), [
        "src/other.ts",
      ]);
      const claims = await store.leases.claims({});
      const short = claims.find((c) => c.claim_key === "c-short");
      assertEquals(short?.released_at, null, "a lapsed claim is left alone");
      assertEquals(
        claims.find((c) => c.claim_key === "c-done")?.released_at,
        done?.released_at,
        "a released claim keeps its released_at",
      );
      const locks = await store.leases.locks({});
      assertEquals(
        locks.find((l) => l.file_path === "src/short.ts")?.released_at,
        null,
        "a lapsed lock is left alone",
      );

      // A second sweep has nothing left to do.
      assertEquals(await rules(store).recoverExpired(TTL), {
        expired: [],
        releasedClaims: [],
        releasedLocks: [],
        releasedReservations: [],
        posted: [],
      });
      assertEquals(await allBroadcasts(store, stored.at(-1)?.id ?? 0), []);
    },
  );

  test(
    "recoverExpired() after deleteSession() releases nothing",
    async (store, clock) => {
      const session = await rules(store).createSession(newSession("a"), TTL);
      await rules(store).acquireClaim(newClaim("k", "a", { ttl_sec: 600 }));
      await store.sessions.deactivate(session.session_id);
      clock.tick(TTL + 1);
      const recovery = await rules(store).recoverExpired(TTL);
      assertEquals(recovery.expired, []);
      assertEquals(recovery.posted, []);
      assertEquals(byKey(await store.leases.claims({ activeOnly: true })), [
        "k",
      ]);
    },
  );

  // ── messages ─────────────────────────────────────────────────────

  test(
    "postMessage() returns the stored row with strictly increasing ids",
    async (store, clock) => {
      const input = newMessage({
        from_agent: "a",
        channel: "ops",
        body: "first",
        attachments: [{ type: "text", content: "x" }],
        reply_to: 77,
        thread_id: "t",
        metadata: { k: 1 },
      });
      const first = await rules(store).postMessage(input, null);
      assertEquals(first, {
        message: { id: first.message.id, ts: clock.iso(), ...input },
        completedTaskId: null,
      });
      assert(first.message.id > 0, "ids are positive");
      let last = first.message.id;
      for (let i = 0; i < 5; i++) {
        clock.tick(1);
        const { message } = await rules(store).postMessage(
          newMessage({ from_agent: "a", body: `m${i}` }),
          null,
        );
        assert(message.id > last, `${message.id} > ${last}`);
        last = message.id;
      }
      const stored = await allBroadcasts(store);
      assertEquals(stored[0], first.message);
      assertEquals(stored.length, 6);
    },
  );

  test(
    "postMessage() creates an open task row for task and task_request only",
    async (store, clock) => {
      const root = await rules(store).postMessage(
        newMessage({
          from_agent: "lead",
          kind: "task",
          channel: "ops",
          thread_id: "t",
        }),
        null,
      );
      assertEquals(root.completedTaskId, null);
      assertEquals(await store.tasks.get(root.message.id), {
        task_id: root.message.id,
        parent_task_id: null,
        channel: "ops",
        thread_id: "t",
        status: "open",
        created_at: clock.iso(),
        completed_at: null,
      });
      clock.tick(3);
      const child = await rules(store).postMessage(
        newMessage({
          from_agent: "lead",
          to_agent: "worker",
          kind: "task_request",
          channel: "direct",
        }),
        root.message.id,
      );
      assertEquals(await store.tasks.get(child.message.id), {
        task_id: child.message.id,
        parent_task_id: root.message.id,
        channel: "direct",
        thread_id: null,
        status: "open",
        created_at: clock.iso(),
        completed_at: null,
      });
      const others = [];
      for (const kind of ["chat", "notice", "artifact", "claim", "release"]) {
        others.push(
          (await rules(store).postMessage(
            newMessage({ from_agent: "a", kind }),
            null,
          ))
            .message.id,
        );
      }
      for (const id of others) assertEquals(await store.tasks.get(id), null);
      assertEquals((await store.tasks.list({})).map((t) => t.task_id), [
        root.message.id,
        child.message.id,
      ]);
    },
  );

  test("postMessage() with an unknown parentTaskId throws ValidationError and inserts nothing", async (store) => {
    const before = await store.messages.latestVisibleId("a");
    const error = await assertRejects(() =>
      rules(store).postMessage(
        newMessage({ from_agent: "a", kind: "task" }),
        999_999,
      )
    );
    assert(error instanceof ValidationError, `got ${error}`);
    assertEquals(await store.messages.latestVisibleId("a"), before);
    assertEquals(await allBroadcasts(store), []);
    assertEquals(await store.tasks.list({}), []);
    // A parent that is a message but not a task is unknown too.
    const chat = await rules(store).postMessage(
      newMessage({ from_agent: "a" }),
      null,
    );
    const again = await assertRejects(() =>
      rules(store).postMessage(
        newMessage({ from_agent: "a", kind: "task" }),
        chat.message.id,
      )
    );
    assert(again instanceof ValidationError, `got ${again}`);
    assertEquals(ids(await allBroadcasts(store)), [chat.message.id]);
  });

  test(
    "postMessage() of a task_result completes its open task_request exactly once",
    async (store, clock) => {
      const request = await rules(store).postMessage(
        newMessage({
          from_agent: "lead",
          to_agent: "worker",
          kind: "task_request",
          channel: "direct",
        }),
        null,
      );
      clock.tick(20);
      const result = await rules(store).postMessage(
        newMessage({
          from_agent: "worker",
          to_agent: "lead",
          kind: "task_result",
          channel: "direct",
          reply_to: request.message.id,
          metadata: { files: 12 },
        }),
        null,
      );
      assertEquals(result.completedTaskId, request.message.id);
      assertEquals(result.message.metadata, {
        files: 12,
        task_completed: request.message.id,
      });
      const task = await store.tasks.get(request.message.id);
      assertEquals(task?.status, "done");
      assertEquals(task?.completed_at, result.message.ts);
      const inbox = await store.messages.list({
        visibility: { kind: "inbox", agentId: "lead" },
        sinceId: 0,
        limit: 10,
      });
      assertEquals(
        inbox,
        [result.message],
        "the stored row has task_completed",
      );

      clock.tick(20);
      const second = await rules(store).postMessage(
        newMessage({
          from_agent: "worker",
          to_agent: "lead",
          kind: "task_result",
          reply_to: request.message.id,
        }),
        null,
      );
      assertEquals(second.completedTaskId, null);
      assertEquals(second.message.metadata, {});
      assertEquals(
        (await store.tasks.get(request.message.id))?.completed_at,
        result.message.ts,
        "the first completion stands",
      );
    },
  );

  test("postMessage() of a task_result leaves plain tasks and unknown reply_to alone", async (store) => {
    const task = await rules(store).postMessage(
      newMessage({ from_agent: "lead", kind: "task" }),
      null,
    );
    const onTask = await rules(store).postMessage(
      newMessage({
        from_agent: "w",
        kind: "task_result",
        reply_to: task.message.id,
      }),
      null,
    );
    assertEquals(onTask.completedTaskId, null);
    assertEquals(onTask.message.metadata, {});
    assertEquals((await store.tasks.get(task.message.id))?.status, "open");
    const orphan = await rules(store).postMessage(
      newMessage({ from_agent: "w", kind: "task_result", reply_to: 424242 }),
      null,
    );
    assertEquals(orphan.completedTaskId, null);
    const bare = await rules(store).postMessage(
      newMessage({ from_agent: "w", kind: "task_result" }),
      null,
    );
    assertEquals(bare.completedTaskId, null);
  });

  /** Posts the visibility fixture: broadcasts and DMs among a, b, c, d. */
  async function postFixture(store: Store) {
    const post = async (fields: Partial<NewMessage> & { from_agent: string }) =>
      (await rules(store).postMessage(newMessage(fields), null)).message;
    const m1 = await post({ from_agent: "a", channel: "general" });
    const m2 = await post({
      from_agent: "a",
      to_agent: "b",
      channel: "direct",
    });
    const m3 = await post({
      from_agent: "b",
      to_agent: "a",
      channel: "direct",
    });
    const m4 = await post({ from_agent: "b", channel: "ops", thread_id: "t" });
    const m5 = await post({ from_agent: "c", to_agent: "d", thread_id: "t" });
    const m6 = await post({ from_agent: "c", channel: "ops" });
    return { m1, m2, m3, m4, m5, m6 };
  }

  test("listMessages() broadcast visibility returns no DMs", async (store) => {
    const { m1, m4, m6 } = await postFixture(store);
    assertEquals(await allBroadcasts(store), [m1, m4, m6]);
  });

  test("listMessages() agent visibility adds the agent's DMs and may exclude its own posts", async (store) => {
    const { m1, m2, m3, m4, m6 } = await postFixture(store);
    const read = (agentId: string, excludeSelf: boolean) =>
      store.messages.list({
        visibility: { kind: "agent", agentId, excludeSelf },
        sinceId: 0,
        limit: 100,
      });
    assertEquals(ids(await read("a", false)), ids([m1, m3, m4, m6]));
    assertEquals(ids(await read("a", true)), ids([m3, m4, m6]));
    assertEquals(ids(await read("b", true)), ids([m1, m2, m6]));
  });

  test("listMessages() inbox visibility returns only DMs to the agent", async (store) => {
    const { m2, m3, m5 } = await postFixture(store);
    const inbox = (agentId: string) =>
      store.messages.list({
        visibility: { kind: "inbox", agentId },
        sinceId: 0,
        limit: 100,
      });
    assertEquals(await inbox("a"), [m3]);
    assertEquals(await inbox("b"), [m2]);
    assertEquals(await inbox("d"), [m5]);
    assertEquals(await inbox("c"), []);
  });

  test("listMessages() filters by one channel or several", async (store) => {
    const { m1, m2, m4, m5, m6 } = await postFixture(store);
    const read = (channels: string[], agentId = "b") =>
      store.messages.list({
        visibility: { kind: "agent", agentId, excludeSelf: false },
        channels,
        sinceId: 0,
        limit: 100,
      });
    assertEquals(ids(await read(["ops"])), ids([m4, m6]));
    assertEquals(ids(await read(["general", "ops"])), ids([m1, m4, m6]));
    assertEquals(ids(await read(["direct"])), ids([m2]));
    assertEquals(ids(await read(["general"], "d")), ids([m1, m5]));
    assertEquals(ids(await read(["nope"])), []);
    assertEquals(ids(await read([])), ids([m1, m2, m4, m6]));
  });

  test("listMessages() filters by threadId, DMs only for their recipient", async (store) => {
    const { m4, m5 } = await postFixture(store);
    const read = (agentId: string) =>
      store.messages.list({
        visibility: { kind: "agent", agentId, excludeSelf: false },
        threadId: "t",
        sinceId: 0,
        limit: 100,
      });
    assertEquals(ids(await read("a")), ids([m4]));
    assertEquals(ids(await read("d")), ids([m4, m5]));
    assertEquals(
      await store.messages.list({
        visibility: { kind: "broadcast" },
        threadId: "none",
        sinceId: 0,
        limit: 100,
      }),
      [],
    );
  });

  test("listMessages() pages forward with sinceId and limit, oldest first", async (store) => {
    const { m1, m4, m6 } = await postFixture(store);
    const page = (sinceId: number, limit: number) =>
      store.messages.list({
        visibility: { kind: "broadcast" },
        sinceId,
        limit,
      });
    assertEquals(ids(await page(0, 2)), ids([m1, m4]));
    assertEquals(ids(await page(m4.id, 2)), ids([m6]));
    assertEquals(ids(await page(m1.id, 1)), ids([m4]));
    assertEquals(await page(m6.id, 10), []);
    assertEquals(ids(await page(m1.id - 1, 100)), ids([m1, m4, m6]));
  });

  test("listMessages() with tail returns the newest rows oldest first, only from sinceId 0", async (store) => {
    const { m1, m4, m6 } = await postFixture(store);
    const read = (sinceId: number, limit: number) =>
      store.messages.list({
        visibility: { kind: "broadcast" },
        sinceId,
        limit,
        tail: true,
      });
    assertEquals(ids(await read(0, 2)), ids([m4, m6]));
    assertEquals(ids(await read(0, 1)), ids([m6]));
    assertEquals(ids(await read(0, 10)), ids([m1, m4, m6]));
    // With a cursor, tail is ignored and the page starts after it.
    assertEquals(ids(await read(m1.id, 1)), ids([m4]));
  });

  test("latestVisibleId() is the highest broadcast or DM to the agent, 0 when none", async (store) => {
    assertEquals(await store.messages.latestVisibleId("a"), 0);
    const { m3, m5, m6 } = await postFixture(store);
    assertEquals(await store.messages.latestVisibleId("a"), m6.id);
    assertEquals(await store.messages.latestVisibleId("d"), m6.id);
    const dm = await rules(store).postMessage(
      newMessage({ from_agent: "c", to_agent: "d" }),
      null,
    );
    assertEquals(await store.messages.latestVisibleId("d"), dm.message.id);
    assertEquals(
      await store.messages.latestVisibleId("a"),
      m6.id,
      "not others' DMs",
    );
    assertEquals(
      await store.messages.latestVisibleId("c"),
      m6.id,
      "not own sent DMs",
    );
    assert(m3.id < m6.id && m5.id < m6.id);
  });

  // ── claims ───────────────────────────────────────────────────────

  test(
    "acquireClaim() acquires a free key and stores every field",
    async (store, clock) => {
      const got = await rules(store).acquireClaim(newClaim("k", "a", {
        thread_id: "t",
        task_message_id: 5,
        ttl_sec: 60,
        metadata: { note: "mine" },
      }));
      assertEquals(got, {
        acquired: true,
        row: {
          claim_key: "k",
          thread_id: "t",
          task_message_id: 5,
          owner_agent_id: "a",
          claimed_at: clock.iso(),
          expires_at: toIso(clock.now() + 60_000),
          released_at: null,
          metadata: { note: "mine" },
        },
      });
    },
  );

  test(
    "acquireClaim() denies another owner while active, up to exactly expires_at",
    async (store, clock) => {
      const first = await rules(store).acquireClaim(
        newClaim("k", "a", { ttl_sec: 60 }),
      );
      clock.tick(60); // expires_at is now: still active
      const denied = await rules(store).acquireClaim(newClaim("k", "b"));
      assertEquals(denied, { acquired: false, row: first.row });
    },
  );

  test(
    "acquireClaim() by the same owner only moves expires_at",
    async (store, clock) => {
      const first = await rules(store).acquireClaim(
        newClaim("k", "a", { ttl_sec: 60, metadata: { v: 1 }, thread_id: "t" }),
      );
      clock.tick(30);
      const again = await rules(store).acquireClaim(
        newClaim("k", "a", {
          ttl_sec: 100,
          metadata: { v: 2 },
          thread_id: "u",
        }),
      );
      assertEquals(again, {
        acquired: true,
        row: { ...first.row, expires_at: toIso(clock.now() + 100_000) },
      });
    },
  );

  test(
    "acquireClaim() lets another owner take a key once the clock passes expires_at",
    async (store, clock) => {
      await rules(store).acquireClaim(newClaim("k", "a", { ttl_sec: 60 }));
      clock.tick(61);
      assertEquals(await store.leases.claims({ activeOnly: true }), []);
      const taken = await rules(store).acquireClaim(
        newClaim("k", "b", { ttl_sec: 30, metadata: { v: 2 } }),
      );
      assertEquals(taken, {
        acquired: true,
        row: {
          claim_key: "k",
          thread_id: null,
          task_message_id: null,
          owner_agent_id: "b",
          claimed_at: clock.iso(),
          expires_at: toIso(clock.now() + 30_000),
          released_at: null,
          metadata: { v: 2 },
        },
      });
      assertEquals(await rules(store).refreshClaim("k", "a", 60), null);
    },
  );

  test(
    "acquireClaim() lets anyone take a released key",
    async (store, clock) => {
      await rules(store).acquireClaim(newClaim("k", "a"));
      await rules(store).releaseClaim("k", "a");
      clock.tick(1);
      const taken = await rules(store).acquireClaim(newClaim("k", "b"));
      assertEquals(taken.acquired, true);
      assertEquals(taken.row.owner_agent_id, "b");
      assertEquals(taken.row.released_at, null);
    },
  );

  test(
    "refreshClaim() extends an active claim; null when unknown, not the owner's, released or expired",
    async (store, clock) => {
      assertEquals(await rules(store).refreshClaim("none", "a", 60), null);
      const first = await rules(store).acquireClaim(
        newClaim("k", "a", { ttl_sec: 60 }),
      );
      clock.tick(50);
      assertEquals(await rules(store).refreshClaim("k", "b", 60), null);
      const refreshed = await rules(store).refreshClaim("k", "a", 200);
      assertEquals(refreshed, {
        ...first.row,
        expires_at: toIso(clock.now() + 200_000),
      });
      clock.tick(201);
      assertEquals(
        await rules(store).refreshClaim("k", "a", 60),
        null,
        "expired",
      );
      await rules(store).acquireClaim(newClaim("r", "a"));
      await rules(store).releaseClaim("r", "a");
      assertEquals(
        await rules(store).refreshClaim("r", "a", 60),
        null,
        "released",
      );
    },
  );

  test(
    "releaseClaim() releases once; null when unknown, not the owner's or expired",
    async (store, clock) => {
      assertEquals(await rules(store).releaseClaim("none", "a"), null);
      const first = await rules(store).acquireClaim(
        newClaim("k", "a", { ttl_sec: 60 }),
      );
      assertEquals(await rules(store).releaseClaim("k", "b"), null);
      clock.tick(10);
      const released = await rules(store).releaseClaim("k", "a");
      assertEquals(released, { ...first.row, released_at: clock.iso() });
      assertEquals(
        await rules(store).releaseClaim("k", "a"),
        null,
        "already released",
      );
      await rules(store).acquireClaim(newClaim("e", "a", { ttl_sec: 60 }));
      clock.tick(61);
      assertEquals(await rules(store).releaseClaim("e", "a"), null, "expired");
    },
  );

  test(
    "listClaims() lists all or only active claims, by thread",
    async (store, clock) => {
      await rules(store).acquireClaim(newClaim("k1", "a", { thread_id: "t" }));
      clock.tick(1);
      await rules(store).acquireClaim(newClaim("k2", "b", { thread_id: "t" }));
      clock.tick(1);
      await rules(store).acquireClaim(newClaim("k3", "a", { ttl_sec: 10 }));
      clock.tick(1);
      await rules(store).acquireClaim(newClaim("k4", "a", { thread_id: "u" }));
      await rules(store).releaseClaim("k2", "b");
      clock.tick(20); // k3 lapses
      const keys = (claims: Claim[]) => claims.map((c) => c.claim_key);
      assertEquals(keys(await store.leases.claims({})), [
        "k1",
        "k2",
        "k3",
        "k4",
      ]);
      assertEquals(keys(await store.leases.claims({ activeOnly: true })), [
        "k1",
        "k4",
      ]);
      assertEquals(keys(await store.leases.claims({ threadId: "t" })), [
        "k1",
        "k2",
      ]);
      assertEquals(
        keys(await store.leases.claims({ threadId: "t", activeOnly: true })),
        ["k1"],
      );
      assertEquals(await store.leases.claims({ threadId: "none" }), []);
    },
  );

  // ── locks ────────────────────────────────────────────────────────

  test(
    "acquireLock() acquires a free path and stores every field",
    async (store, clock) => {
      const got = await rules(store).acquireLock(
        newLock("src/a.ts", "a", { ttl_sec: 60, metadata: { thread_id: "t" } }),
      );
      assertEquals(got, {
        acquired: true,
        row: {
          file_path: "src/a.ts",
          agent_id: "a",
          locked_at: clock.iso(),
          expires_at: toIso(clock.now() + 60_000),
          released_at: null,
          metadata: { thread_id: "t" },
        },
      });
    },
  );

  test(
    "acquireLock() denies another agent while active, up to exactly expires_at",
    async (store, clock) => {
      const first = await rules(store).acquireLock(
        newLock("f", "a", { ttl_sec: 60 }),
      );
      clock.tick(60);
      assertEquals(await rules(store).acquireLock(newLock("f", "b")), {
        acquired: false,
        row: first.row,
      });
    },
  );

  test(
    "acquireLock() by the same agent only moves expires_at",
    async (store, clock) => {
      const first = await rules(store).acquireLock(
        newLock("f", "a", { ttl_sec: 60, metadata: { v: 1 } }),
      );
      clock.tick(30);
      const again = await rules(store).acquireLock(
        newLock("f", "a", { ttl_sec: 100, metadata: { v: 2 } }),
      );
      assertEquals(again, {
        acquired: true,
        row: { ...first.row, expires_at: toIso(clock.now() + 100_000) },
      });
    },
  );

  test(
    "acquireLock() lets another agent take a path once the clock passes expires_at",
    async (store, clock) => {
      await rules(store).acquireLock(newLock("f", "a", { ttl_sec: 60 }));
      clock.tick(61);
      assertEquals(await store.leases.locks({ activeOnly: true }), []);
      const taken = await rules(store).acquireLock(
        newLock("f", "b", { ttl_sec: 30, metadata: { v: 2 } }),
      );
      assertEquals(taken, {
        acquired: true,
        row: {
          file_path: "f",
          agent_id: "b",
          locked_at: clock.iso(),
          expires_at: toIso(clock.now() + 30_000),
          released_at: null,
          metadata: { v: 2 },
        },
      });
      assertEquals(await rules(store).refreshLock("f", "a", 60), null);
    },
  );

  test("acquireLock() lets anyone take a released path", async (store) => {
    await rules(store).acquireLock(newLock("f", "a"));
    await rules(store).releaseLock("f", "a");
    const taken = await rules(store).acquireLock(newLock("f", "b"));
    assertEquals(taken.acquired, true);
    assertEquals(taken.row.agent_id, "b");
    assertEquals(taken.row.released_at, null);
  });

  test(
    "refreshLock() extends an active lock; null when unknown, not the holder's, released or expired",
    async (store, clock) => {
      assertEquals(await rules(store).refreshLock("none", "a", 60), null);
      const first = await rules(store).acquireLock(
        newLock("f", "a", { ttl_sec: 60 }),
      );
      clock.tick(50);
      assertEquals(await rules(store).refreshLock("f", "b", 60), null);
      assertEquals(await rules(store).refreshLock("f", "a", 200), {
        ...first.row,
        expires_at: toIso(clock.now() + 200_000),
      });
      clock.tick(201);
      assertEquals(
        await rules(store).refreshLock("f", "a", 60),
        null,
        "expired",
      );
      await rules(store).acquireLock(newLock("r", "a"));
      await rules(store).releaseLock("r", "a");
      assertEquals(
        await rules(store).refreshLock("r", "a", 60),
        null,
        "released",
      );
    },
  );

  test(
    "releaseLock() releases once; null when unknown, not the holder's or expired",
    async (store, clock) => {
      assertEquals(await rules(store).releaseLock("none", "a"), null);
      const first = await rules(store).acquireLock(
        newLock("f", "a", { ttl_sec: 60 }),
      );
      assertEquals(await rules(store).releaseLock("f", "b"), null);
      clock.tick(10);
      assertEquals(await rules(store).releaseLock("f", "a"), {
        ...first.row,
        released_at: clock.iso(),
      });
      assertEquals(
        await rules(store).releaseLock("f", "a"),
        null,
        "already released",
      );
      await rules(store).acquireLock(newLock("e", "a", { ttl_sec: 60 }));
      clock.tick(61);
      assertEquals(await rules(store).releaseLock("e", "a"), null, "expired");
    },
  );

  test(
    "listLocks() lists all or only active locks, by agent",
    async (store, clock) => {
      await rules(store).acquireLock(newLock("f1", "a"));
      clock.tick(1);
      await rules(store).acquireLock(newLock("f2", "b"));
      clock.tick(1);
      await rules(store).acquireLock(newLock("f3", "a", { ttl_sec: 10 }));
      clock.tick(1);
      await rules(store).acquireLock(newLock("f4", "a"));
      await rules(store).releaseLock("f4", "a");
      clock.tick(20);
      const paths = (locks: Lock[]) => locks.map((l) => l.file_path);
      assertEquals(paths(await store.leases.locks({})), [
        "f1",
        "f2",
        "f3",
        "f4",
      ]);
      assertEquals(paths(await store.leases.locks({ activeOnly: true })), [
        "f1",
        "f2",
      ]);
      assertEquals(paths(await store.leases.locks({ agentId: "a" })), [
        "f1",
        "f3",
        "f4",
      ]);
      assertEquals(
        paths(await store.leases.locks({ agentId: "a", activeOnly: true })),
        ["f1"],
      );
    },
  );

  // ── tasks ────────────────────────────────────────────────────────

  test("listTasks() filters by parent, status, channel and thread", async (store) => {
    const post = async (
      fields: Partial<NewMessage>,
      parent: number | null = null,
    ) =>
      (await rules(store).postMessage(
        newMessage({ from_agent: "lead", kind: "task", ...fields }),
        parent,
      )).message.id;
    const root = await post({ channel: "ops", thread_id: "t" });
    const c1 = await post({ channel: "ops", thread_id: "t" }, root);
    const c2 = await post({ channel: "general", thread_id: "u" }, root);
    await rules(store).completeTask(c1);
    const tasks = async (filter: TaskFilter) =>
      (await store.tasks.list(filter)).map((t) => t.task_id);
    assertEquals(await tasks({}), [root, c1, c2]);
    assertEquals(await tasks({ parentId: root }), [c1, c2]);
    assertEquals(await tasks({ status: "open" }), [root, c2]);
    assertEquals(await tasks({ status: "done" }), [c1]);
    assertEquals(await tasks({ channel: "ops" }), [root, c1]);
    assertEquals(await tasks({ threadId: "u" }), [c2]);
    assertEquals(await tasks({ parentId: root, status: "open" }), [c2]);
  });

  test(
    "completeTask() marks a task done once and keeps its first completed_at; null when unknown",
    async (store, clock) => {
      assertEquals(await rules(store).completeTask(123_456), null);
      const { message } = await rules(store).postMessage(
        newMessage({ from_agent: "lead", kind: "task" }),
        null,
      );
      clock.tick(10);
      const done = await rules(store).completeTask(message.id);
      assertEquals(done, {
        task: {
          task_id: message.id,
          parent_task_id: null,
          channel: "general",
          thread_id: null,
          status: "done",
          created_at: message.ts,
          completed_at: clock.iso(),
        },
        parentCompleted: false,
        // A root task done by this call: its tree is finished.
        finishedRoot: done?.task ?? null,
        posted: [],
      });
      clock.tick(10);
      // Done before: no tree finishes now.
      assertEquals(await rules(store).completeTask(message.id), {
        ...done!,
        finishedRoot: null,
      });
      assertEquals(await store.tasks.get(message.id), done?.task);
    },
  );

  test(
    "completeTask() rolls up the parent one level and returns the notice in posted",
    async (store, clock) => {
      const post = async (parent: number | null) =>
        (await rules(store).postMessage(
          newMessage({
            from_agent: "lead",
            kind: "task",
            channel: "ops",
            thread_id: "t",
          }),
          parent,
        )).message.id;
      const grand = await post(null);
      const parent = await post(grand);
      const c1 = await post(parent);
      const c2 = await post(parent);

      const first = await rules(store).completeTask(c1);
      assertEquals(first?.parentCompleted, false);
      assertEquals(first?.posted, []);
      assertEquals((await store.tasks.get(parent))?.status, "open");

      clock.tick(5);
      const second = await rules(store).completeTask(c2);
      assertEquals(second?.parentCompleted, true);
      assertEquals(second?.finishedRoot, null, "the parent is not a root");
      assertEquals(second?.posted.length, 1);
      const notice = second?.posted[0];
      assertEquals(notice && { ...notice, id: 0 }, {
        id: 0,
        ts: clock.iso(),
        from_agent: "system",
        to_agent: null,
        channel: "ops",
        kind: "notice",
        body: `All 2 subtasks of task ${parent} are complete.`,
        attachments: [],
        reply_to: parent,
        thread_id: "t",
        metadata: { auto_rollup: true, parent_task_id: parent },
      });
      const parentRow = await store.tasks.get(parent);
      assertEquals(parentRow?.status, "done");
      assertEquals(parentRow?.completed_at, clock.iso());
      assertEquals(
        (await store.tasks.get(grand))?.status,
        "open",
        "only one level per call",
      );
      assertEquals((await allBroadcasts(store)).at(-1), notice);

      // Completing the auto-completed parent pushes the rollup one more level.
      clock.tick(5);
      const push = await rules(store).completeTask(parent);
      assertEquals(push?.task.completed_at, parentRow?.completed_at);
      assertEquals(push?.parentCompleted, true);
      assertEquals(
        push?.posted[0]?.body,
        `All 1 subtasks of task ${grand} are complete.`,
      );
      assertEquals((await store.tasks.get(grand))?.status, "done");
      assertEquals(push?.finishedRoot, await store.tasks.get(grand));

      // Once the parent is done, nothing more is posted.
      const repeat = await rules(store).completeTask(c2);
      assertEquals(repeat?.parentCompleted, false);
      assertEquals(repeat?.finishedRoot, null);
      assertEquals(repeat?.posted, []);
    },
  );

  test("completeTask() on a task_request does not roll up through RPC completion", async (store) => {
    const parent = (await rules(store).postMessage(
      newMessage({ from_agent: "lead", kind: "task" }),
      null,
    )).message.id;
    const request = (await rules(store).postMessage(
      newMessage({
        from_agent: "lead",
        to_agent: "worker",
        kind: "task_request",
      }),
      parent,
    )).message.id;
    const result = await rules(store).postMessage(
      newMessage({
        from_agent: "worker",
        to_agent: "lead",
        kind: "task_result",
        reply_to: request,
      }),
      null,
    );
    assertEquals(result.completedTaskId, request);
    assertEquals((await store.tasks.get(parent))?.status, "open");
    const rollup = await rules(store).completeTask(request);
    assertEquals(rollup?.parentCompleted, true);
    assertEquals((await store.tasks.get(parent))?.status, "done");
  });

  // ── threads ──────────────────────────────────────────────────────

  test(
    "listThreads() summarises each thread with waiting, open and completed statuses",
    async (store, clock) => {
      const post = async (
        fields: Partial<NewMessage>,
        parent: number | null = null,
      ) =>
        (await rules(store).postMessage(
          newMessage({ from_agent: "a", ...fields }),
          parent,
        )).message;

      // completed: a chat in general, then a root task in ops, done.
      const c1 = await post({ thread_id: "done", channel: "general" });
      const cTask = await post({
        thread_id: "done",
        channel: "ops",
        kind: "task",
      });
      await rules(store).completeTask(cTask.id);
      // open: a message and an active claim, plus a matching lock.
      clock.tick(1);
      const o1 = await post({ thread_id: "busy", channel: "build" });
      await rules(store).acquireClaim(
        newClaim("k", "a", { thread_id: "busy" }),
      );
      await rules(store).acquireLock(
        newLock("f", "a", { metadata: { thread_id: "busy" } }),
      );
      // waiting: messages, an artifact and a DM; no tasks, no leases.
      clock.tick(1);
      const w1 = await post({ thread_id: "idle", channel: "general" });
      const w2 = await post({
        thread_id: "idle",
        channel: "general",
        kind: "artifact",
      });
      const w3 = await post({ thread_id: "idle", to_agent: "b" });
      // A thread known only from a claim.
      await rules(store).acquireClaim(
        newClaim("q", "a", { thread_id: "claimed" }),
      );

      const threads = await rules(store).listThreads();
      assertEquals(threads.map((t) => t.thread_id), [
        "idle",
        "busy",
        "done",
        "claimed",
      ]);
      const [idle, busy, done, claimed] = threads;
      assertEquals(idle, {
        thread_id: "idle",
        channel: "general",
        root_task_id: null,
        latest_message_id: w3.id,
        latest_message_ts: w3.ts,
        latest_artifact_id: w2.id,
        message_count: 3,
        total_task_count: 0,
        open_task_count: 0,
        active_claim_count: 0,
        active_lock_count: 0,
        status: "waiting",
      });
      assertEquals(busy, {
        thread_id: "busy",
        channel: "build",
        root_task_id: null,
        latest_message_id: o1.id,
        latest_message_ts: o1.ts,
        latest_artifact_id: null,
        message_count: 1,
        total_task_count: 0,
        open_task_count: 0,
        active_claim_count: 1,
        active_lock_count: 1,
        status: "open",
      });
      assertEquals(done, {
        thread_id: "done",
        channel: "ops",
        root_task_id: cTask.id,
        latest_message_id: cTask.id,
        latest_message_ts: cTask.ts,
        latest_artifact_id: null,
        message_count: 2,
        total_task_count: 1,
        open_task_count: 0,
        active_claim_count: 0,
        active_lock_count: 0,
        status: "completed",
      });
      assertEquals(claimed?.latest_message_id, null);
      assertEquals(claimed?.channel, null);
      assertEquals(claimed?.status, "open");
      assert(c1.id < w1.id);

      // Leases lapse: the busy thread goes back to waiting.
      clock.tick(301);
      const later = await rules(store).listThreads();
      const busyLater = later.find((t) => t.thread_id === "busy");
      assertEquals(busyLater?.active_claim_count, 0);
      assertEquals(busyLater?.active_lock_count, 0);
      assertEquals(busyLater?.status, "waiting");
    },
  );

  test("listThreads() counts open tasks and breaks latest-id ties by thread_id descending", async (store) => {
    const root = (await rules(store).postMessage(
      newMessage({ from_agent: "a", kind: "task", thread_id: "w" }),
      null,
    )).message.id;
    await rules(store).postMessage(
      newMessage({ from_agent: "a", kind: "task", thread_id: "w" }),
      root,
    );
    await rules(store).acquireClaim(newClaim("k1", "a", { thread_id: "m" }));
    await rules(store).acquireClaim(newClaim("k2", "a", { thread_id: "z" }));
    const threads = await rules(store).listThreads();
    assertEquals(threads.map((t) => t.thread_id), ["w", "z", "m"]);
    assertEquals(threads[0]?.total_task_count, 2);
    assertEquals(threads[0]?.open_task_count, 2);
    assertEquals(threads[0]?.root_task_id, root);
    assertEquals(threads[0]?.status, "waiting");
  });

  test(
    "getThread() returns the summary and every row of the thread; null when unknown",
    async (store, clock) => {
      assertEquals(await rules(store).getThread("nope"), null);
      const m1 = (await rules(store).postMessage(
        newMessage({ from_agent: "a", thread_id: "t", channel: "ops" }),
        null,
      )).message;
      const dm = (await rules(store).postMessage(
        newMessage({ from_agent: "a", to_agent: "b", thread_id: "t" }),
        null,
      )).message;
      const task = (await rules(store).postMessage(
        newMessage({ from_agent: "a", kind: "task", thread_id: "t" }),
        null,
      )).message;
      const claim = await rules(store).acquireClaim(
        newClaim("k", "a", { thread_id: "t", ttl_sec: 60 }),
      );
      const lock = await rules(store).acquireLock(
        newLock("f", "a", { metadata: { thread_id: "t" } }),
      );
      await rules(store).acquireLock(
        newLock("g", "a", { metadata: { thread_id: 7 } }),
      );
      await rules(store).acquireClaim(
        newClaim("other", "a", { thread_id: "u" }),
      );
      clock.tick(61); // the claim lapses but is still listed

      const detail = await rules(store).getThread("t");
      assertEquals(detail?.messages, [m1, dm, task]);
      assertEquals(detail?.tasks.map((t) => t.task_id), [task.id]);
      assertEquals(detail?.claims, [claim.row]);
      assertEquals(detail?.locks, [lock.row]);
      assertEquals(detail?.thread, {
        thread_id: "t",
        channel: "general",
        root_task_id: task.id,
        latest_message_id: task.id,
        latest_message_ts: task.ts,
        latest_artifact_id: null,
        message_count: 3,
        total_task_count: 1,
        open_task_count: 1,
        active_claim_count: 0,
        active_lock_count: 1,
        status: "open",
      });
      const listed = (await rules(store).listThreads()).find((t) =>
        t.thread_id === "t"
      );
      assertEquals(listed, detail?.thread, "list and detail agree");
    },
  );

  test(
    "getThread() answers for a lock-only thread that listThreads() does not list",
    async (store, clock) => {
      const lock = await rules(store).acquireLock(
        newLock("f", "a", { metadata: { thread_id: "solo" } }),
      );
      assertEquals(await rules(store).listThreads(), []);
      const detail = await rules(store).getThread("solo");
      assertEquals(detail, {
        thread: {
          thread_id: "solo",
          channel: null,
          root_task_id: null,
          latest_message_id: null,
          latest_message_ts: null,
          latest_artifact_id: null,
          message_count: 0,
          total_task_count: 0,
          open_task_count: 0,
          active_claim_count: 0,
          active_lock_count: 1,
          status: "open",
        },
        messages: [],
        tasks: [],
        claims: [],
        locks: [lock.row],
      });
      clock.tick(301);
      assertEquals(
        (await rules(store).getThread("solo"))?.thread.status,
        "waiting",
      );
    },
  );

  // ── lifecycle ────────────────────────────────────────────────────

  test("close() may be called twice", async (store) => {
    await store.close();
    await store.close();
  });
}
