/**
 * One contract suite for {@linkcode ArcClient}, run against every transport
 * (HTTP in `features/client.ts`, the file relay in `features/relay.ts`) with a real
 * hub process behind it.
 *
 * @module
 */

import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
  assertStringIncludes,
} from "../_assert.ts";
import type { HubLike } from "../_util.ts";
import { inProcessHub } from "../_harness.ts";
import {
  ArcClient,
  type ArcClientOptions,
  ArcError,
  type Message,
} from "../../src/client/mod.ts";

/** How one transport is tested. */
export interface ContractOptions {
  /** Names the transport in test names. */
  transport: string;
  /** Client options for `agentId` on `hub`. */
  options(hub: HubLike, agentId: string): ArcClientOptions;
  /** Skip the suite (for example when the hub lacks the transport). */
  ignore?: boolean;
}

/** Registers the contract tests for one transport. */
export function clientContract(contract: ContractOptions): void {
  const test = (name: string, fn: (hub: HubLike) => Promise<void>) =>
    Deno.test({
      name: `ArcClient over ${contract.transport} - ${name}`,
      ignore: contract.ignore ?? false,
      async fn() {
        // The relay runs in-process too, for the relay transport.
        await using hub = await inProcessHub({ relay: {} });
        await fn(hub);
      },
    });
  const client = (hub: HubLike, agentId: string) =>
    new ArcClient(contract.options(hub, agentId));

  test("register(), rename(), whoami(), listAgents() and close() manage the session", async (hub) => {
    const alice = client(hub, "alice");
    assertEquals(alice.agentId, "alice");
    assertEquals(alice.sessionId, undefined);
    const session = await alice.register({
      displayName: "Alice",
      capabilities: ["review"],
      metadata: { team: "core" },
    });
    assertEquals(session.agent_id, "alice");
    assertEquals(session.display_name, "Alice");
    assertEquals(session.capabilities, ["review"]);
    assertEquals(session.metadata, { team: "core" });
    assertEquals(session.active, true);
    assertEquals(alice.sessionId, session.session_id);

    // replace defaults to true: a second process of the same agent takes over
    const again = client(hub, "alice");
    const replaced = await again.register({ capabilities: ["review"] });
    assertNotEquals(replaced.session_id, session.session_id);

    assertEquals((await again.rename("Alice II")).display_name, "Alice II");
    const me = await again.whoami();
    assertEquals(me.agent_id, "alice");
    assertEquals(me.session?.session_id, replaced.session_id);
    assertEquals(me.default_channel, "general");

    const bob = client(hub, "bob");
    await bob.register();
    assertEquals(
      (await bob.listAgents()).map((s) => s.agent_id),
      ["alice", "bob"],
    );
    assertEquals(
      (await bob.listAgents({ capability: "review" })).map((s) => s.agent_id),
      ["alice"],
    );

    await again.close();
    assertEquals(again.sessionId, undefined);
    await again.close(); // a second close does nothing
    await alice.close(); // its session was already replaced: swallowed
    assertEquals((await bob.listAgents()).map((s) => s.agent_id), ["bob"]);

    {
      await using scoped = client(hub, "scoped");
      await scoped.register();
      assertEquals(
        (await bob.listAgents()).map((s) => s.agent_id),
        ["bob", "scoped"],
      );
    }
    assertEquals((await bob.listAgents()).map((s) => s.agent_id), ["bob"]);
    await bob.close();
  });

  test("createChannel(), listChannels(), post(), dm(), poll() and inbox()", async (hub) => {
    const alice = client(hub, "alice");
    const bob = client(hub, "bob");
    await alice.register();
    await bob.register();

    const channel = await alice.createChannel("builds", {
      metadata: { topic: "ci" },
    });
    assertEquals(channel.name, "builds");
    assertEquals(channel.created_by, "alice");
    assertEquals(channel.metadata, { topic: "ci" });
    const existing = await bob.createChannel("builds");
    assertEquals(existing.created_by, "alice");
    assertEquals(
      (await bob.listChannels()).map((c) => c.name),
      ["builds", "direct", "general"],
    );

    const notice = await alice.post("builds", "build 7 green", {
      kind: "notice",
      threadId: "b7",
      metadata: { build: 7 },
      attachments: [{ type: "code", content: "ok", language: "txt" }],
    });
    assertEquals(notice.from_agent, "alice");
    assertEquals(notice.channel, "builds");
    assertEquals(notice.kind, "notice");
    assertEquals(notice.thread_id, "b7");
    assertEquals(notice.to_agent, null);
    assertEquals(notice.metadata, { build: 7 });
    assertEquals(notice.attachments, [
      { type: "code", content: "ok", language: "txt" },
    ]);
    const chat = await alice.post("general", "hi all");
    assertEquals(chat.kind, "chat");
    const dm = await alice.dm("bob", "psst", { threadId: "b7", replyTo: 1 });
    assertEquals(dm.to_agent, "bob");
    assertEquals(dm.channel, "direct");
    assertEquals(dm.reply_to, 1);

    // poll() returns what bob may see and moves the cursor
    assertEquals(bob.sinceId, 0);
    const first = await bob.poll({ timeoutSec: 0 });
    assertEquals(first.map((m) => m.id), [notice.id, chat.id, dm.id]);
    assertEquals(bob.sinceId, dm.id);
    assertEquals(await bob.poll({ timeoutSec: 0 }), []);

    // excludeSelf is the default; alice does not see bob's DM to someone else
    assertEquals(await alice.poll({ timeoutSec: 0 }), []);
    alice.sinceId = 0;
    assertEquals(
      (await alice.poll({ timeoutSec: 0, excludeSelf: false })).map((m) =>
        m.id
      ),
      [notice.id, chat.id],
    );

    // filters
    bob.sinceId = 0;
    assertEquals(
      (await bob.poll({ timeoutSec: 0, channel: "builds" })).map((m) => m.id),
      [notice.id],
    );
    bob.sinceId = 0;
    assertEquals(
      (await bob.poll({ timeoutSec: 0, threadId: "b7" })).map((m) => m.id),
      [notice.id, dm.id],
    );
    bob.sinceId = 0;
    assertEquals(
      (await bob.poll({ timeoutSec: 0, limit: 1 })).map((m) => m.id),
      [notice.id],
    );
    assertEquals(bob.sinceId, notice.id);

    // a long-poll answers as soon as something arrives
    bob.sinceId = dm.id;
    const started = Date.now();
    const waiting = bob.poll({ timeoutSec: 20 });
    await new Promise((r) => setTimeout(r, 300));
    const late = await alice.post("general", "wake up");
    assertEquals((await waiting).map((m) => m.id), [late.id]);
    assert(Date.now() - started < 10_000, "the long-poll answered late");

    // inbox() reads DMs only and leaves the cursor alone
    const cursor = bob.sinceId;
    assertEquals((await bob.inbox()).map((m) => m.id), [dm.id]);
    const dm2 = await alice.dm("bob", "again");
    assertEquals(
      (await bob.inbox({ sinceId: dm.id })).map((m) => m.id),
      [dm2.id],
    );
    assertEquals(
      (await bob.inbox({ tail: true, limit: 1 })).map((m) => m.id),
      [dm2.id],
    );
    assertEquals(bob.sinceId, cursor);
  });

  test("claim(), refreshClaim(), release(), listClaims() and the lock family", async (hub) => {
    const alice = client(hub, "alice");
    const bob = client(hub, "bob");
    await alice.register();
    await bob.register();

    const first = await alice.claim("issue-12", {
      threadId: "t12",
      ttlSec: 60,
      metadata: { note: "mine" },
    });
    assertEquals(first.acquired, true);
    assertEquals(first.claim.claim_key, "issue-12");
    assertEquals(first.claim.owner_agent_id, "alice");
    assertEquals(first.claim.thread_id, "t12");
    assertEquals(first.claim.metadata, { note: "mine" });
    const denied = await bob.claim("issue-12");
    assertEquals(denied.acquired, false);
    assertEquals(denied.claim.owner_agent_id, "alice");

    const refreshed = await alice.refreshClaim("issue-12", { ttlSec: 3600 });
    assert(refreshed.expires_at > first.claim.expires_at, "lease not moved");
    const notOwner = await assertRejects(() => bob.refreshClaim("issue-12"));
    assert(notOwner instanceof ArcError);
    assertEquals(notOwner.status, 404);

    assertEquals(
      (await bob.listClaims({ threadId: "t12", activeOnly: true })).map((c) =>
        c.claim_key
      ),
      ["issue-12"],
    );
    const released = await alice.release("issue-12");
    assert(released.released_at !== null, "claim not released");
    assertEquals(await bob.listClaims({ activeOnly: true }), []);
    assertEquals((await bob.listClaims({ threadId: "t12" })).length, 1);
    assertEquals(
      ((await assertRejects(() => alice.release("issue-12"))) as ArcError)
        .status,
      404,
    );
    assertEquals((await bob.claim("issue-12")).acquired, true);

    const lock = await alice.lock("src/app.ts", {
      ttlSec: 60,
      metadata: { thread_id: "t12" },
    });
    assertEquals(lock.acquired, true);
    assertEquals(lock.lock.agent_id, "alice");
    assertEquals(lock.lock.metadata, { thread_id: "t12" });
    const busy = await bob.lock("src/app.ts");
    assertEquals(busy.acquired, false);
    assertEquals(busy.lock.agent_id, "alice");
    const longer = await alice.refreshLock("src/app.ts", { ttlSec: 3600 });
    assert(longer.expires_at > lock.lock.expires_at, "lock lease not moved");
    assertEquals(
      ((await assertRejects(() => bob.unlock("src/app.ts"))) as ArcError)
        .status,
      404,
    );
    assertEquals(
      ((await assertRejects(() => bob.refreshLock("src/app.ts"))) as ArcError)
        .status,
      404,
    );
    assertEquals(
      (await bob.listLocks({ agentId: "alice", activeOnly: true })).map((l) =>
        l.file_path
      ),
      ["src/app.ts"],
    );
    assertEquals(await bob.listLocks({ agentId: "bob" }), []);
    const unlocked = await alice.unlock("src/app.ts");
    assert(unlocked.released_at !== null, "lock not released");
    assertEquals(await bob.listLocks({ activeOnly: true }), []);
    assertEquals((await bob.listLocks()).length, 1);
  });

  test("listTasks(), completeTask() with rollup, listThreads() and getThread() with an encoded id", async (hub) => {
    const lead = client(hub, "lead");
    await lead.register();
    await lead.createChannel("work");
    const threadId = "release/2.0 #1?x=y&z";
    const parent = await lead.post("work", "ship 2.0", {
      kind: "task",
      threadId,
    });
    const a = await lead.post("work", "tests", {
      kind: "task",
      threadId,
      parentTaskId: parent.id,
    });
    const b = await lead.post("work", "docs", {
      kind: "task",
      threadId,
      parentTaskId: parent.id,
    });
    assertEquals(
      (await lead.listTasks({ parentId: parent.id })).map((t) => t.task_id),
      [a.id, b.id],
    );
    assertEquals(
      (await lead.listTasks({ status: "open", threadId })).length,
      3,
    );
    assertEquals(await lead.listTasks({ channel: "general" }), []);

    const one = await lead.completeTask(a.id);
    assertEquals(one.task.task_id, a.id);
    assertEquals(one.task.status, "done");
    assertEquals(one.parentCompleted, false);
    const two = await lead.completeTask(b.id);
    assertEquals(two.parentCompleted, true);
    assertEquals(
      (await lead.listTasks({ status: "done", channel: "work" })).map((t) =>
        t.task_id
      ),
      [parent.id, a.id, b.id],
    );

    const summary = (await lead.listThreads()).find((t) =>
      t.thread_id === threadId
    );
    assertEquals(summary?.status, "completed");
    assertEquals(summary?.root_task_id, parent.id);
    const detail = await lead.getThread(threadId);
    assertEquals(detail.thread.thread_id, threadId);
    assertEquals(detail.tasks.map((t) => t.task_id), [parent.id, a.id, b.id]);
    const bodies = detail.messages.map((m) => m.body);
    assertEquals(bodies.slice(0, 3), ["ship 2.0", "tests", "docs"]);
    assertStringIncludes(bodies[3] ?? "", "subtasks");

    const bad = await assertRejects(() => lead.completeTask(999_999));
    assertEquals((bad as ArcError).status, 404);
  });

  test("ArcError carries the hub's own text and status for 400, 404 and 409", async (hub) => {
    const alice = client(hub, "alice");
    await alice.register();

    const missing = await assertRejects(() => alice.getThread("nope"));
    assert(missing instanceof ArcError, "not an ArcError");
    assertEquals(missing.name, "ArcError");
    assertEquals(missing.status, 404);
    const raw404 = await hub.api("GET", "/v1/threads/nope");
    assertEquals(missing.message, raw404.body.error);

    const twin = client(hub, "alice");
    const clash = await assertRejects(() => twin.register({ replace: false }));
    assert(clash instanceof ArcError, "not an ArcError");
    assertEquals(clash.status, 409);
    const raw409 = await hub.api("POST", "/v1/sessions", { agent_id: "alice" });
    assertEquals(raw409.status, 409);
    assertEquals(clash.message, raw409.body.error);

    const unknown = await assertRejects(() => alice.post("nowhere", "hi"));
    assertEquals((unknown as ArcError).status, 400);
    const raw400 = await hub.api("POST", "/v1/messages", {
      from_agent: "alice",
      channel: "nowhere",
      body: "hi",
    });
    assertEquals(unknown.message, raw400.body.error);

    const ghost = client(hub, "ghost");
    assertEquals(
      ((await assertRejects(() => ghost.rename("Ghost"))) as ArcError).status,
      404,
    );
    assertEquals(
      ((await assertRejects(() =>
        alice.poll({ channel: "nowhere" })
      )) as ArcError)
        .status,
      404,
    );
  });

  test("call() returns the task_result that answers it, by DM or broadcast, and times out with 408", async (hub) => {
    const lead = client(hub, "lead");
    const worker = client(hub, "worker");
    await lead.register();
    await worker.register();
    await worker.bootstrap();
    const cursor = lead.sinceId;

    const serve = async (broadcast: boolean) => {
      while (true) {
        for (const message of await worker.poll({ timeoutSec: 10 })) {
          if (message.kind === "task_request") {
            return await worker.reply(
              message,
              `echo: ${message.body}`,
              broadcast ? { toAgent: null } : {},
            );
          }
        }
      }
    };

    const serving = serve(false);
    const answer = await lead.call("worker", "ping", {
      timeoutMs: 20_000,
      metadata: { n: 1 },
    });
    const sent = await serving;
    assertEquals(answer.id, sent.id);
    assertEquals(answer.kind, "task_result");
    assertEquals(answer.body, "echo: ping");
    assertEquals(answer.to_agent, "lead");
    assertEquals(answer.metadata["task_completed"], answer.reply_to);
    const request = (await lead.listTasks({ status: "done" })).find((t) =>
      t.task_id === answer.reply_to
    );
    assertEquals(request?.channel, "direct");
    assertEquals(lead.sinceId, cursor, "call() must not move the cursor");

    // an answer broadcast to the channel is found too
    const servingBroadcast = serve(true);
    const broadcast = await lead.call("worker", "pong", { timeoutMs: 20_000 });
    assertEquals(broadcast.id, (await servingBroadcast).id);
    assertEquals(broadcast.to_agent, null);
    assertEquals(broadcast.body, "echo: pong");

    const started = Date.now();
    const timeout = await assertRejects(() =>
      lead.call("nobody", "anyone there?", { timeoutMs: 800 })
    );
    const elapsed = Date.now() - started;
    assert(timeout instanceof ArcError, "not an ArcError");
    assertEquals(timeout.status, 408);
    assertStringIncludes(timeout.message, "nobody");
    assert(elapsed >= 750 && elapsed < 8_000, `timed out after ${elapsed} ms`);
  });

  test("stream() yields live messages of the chosen channels and ends when its signal aborts", async (hub) => {
    const watcher = client(hub, "watcher");
    const talker = client(hub, "talker");
    await watcher.register();
    await watcher.bootstrap();
    await talker.register();
    await talker.createChannel("other");
    await talker.post("general", "before the stream, after bootstrap");

    const controller = new AbortController();
    const received: Message[] = [];
    const reading = (async () => {
      for await (
        const message of watcher.stream({
          channels: ["general"],
          signal: controller.signal,
        })
      ) {
        received.push(message);
        if (received.length === 3) controller.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await talker.post("other", "not for the watcher");
    await watcher.post("general", "my own words are left out");
    await talker.post("general", "one");
    const last = await talker.post("general", "two");
    await reading;
    assertEquals(received.map((m) => m.body), [
      "before the stream, after bootstrap",
      "one",
      "two",
    ]);
    assertEquals(watcher.sinceId, last.id);

    // an idle stream ends promptly on abort
    const idle = new AbortController();
    const idleReading = (async () => {
      for await (const _ of watcher.stream({ signal: idle.signal })) {
        throw new Error("nothing was posted");
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const stopped = Date.now();
    idle.abort();
    await idleReading;
    assert(Date.now() - stopped < 3_000, "the stream did not end promptly");

    // close() ends open streams too
    const closing = (async () => {
      let n = 0;
      for await (const _ of watcher.stream()) n++;
      return n;
    })();
    await new Promise((r) => setTimeout(r, 300));
    await watcher.close();
    assertEquals(await closing, 0);
  });

  test("quickstart() replaces a live session and starts from now; hubInfo() describes the hub", async (hub) => {
    const old = client(hub, "agent");
    await old.register();
    await old.post("general", "history");
    const fresh = await ArcClient.quickstart({
      ...contract.options(hub, "agent"),
      displayName: "Fresh",
      capabilities: ["fresh"],
    });
    try {
      assert(fresh.sessionId !== undefined, "not registered");
      assertNotEquals(fresh.sessionId, old.sessionId);
      const [session] = await fresh.listAgents();
      assertEquals(session?.display_name, "Fresh");
      assertEquals(session?.capabilities, ["fresh"]);
      assert(fresh.sinceId > 0, "bootstrap did not move the cursor");
      assertEquals(await fresh.poll({ timeoutSec: 0, excludeSelf: false }), []);
      const info = await fresh.hubInfo();
      assertEquals(info.protocol_version, "1");
      assert(info.instance_id.startsWith("mh1-"), info.instance_id);
      assert(info.features.includes("rpc_kinds"), "features missing");
      assertEquals(info.message_kinds.length, 8);
    } finally {
      await fresh.close();
    }
  });
}
