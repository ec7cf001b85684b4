import { assert, assertEquals } from "../../_assert.ts";
import { Notifier } from "../../../src/hub/notifier.ts";
import type { Message } from "../../../src/store/types.ts";

function message(fields: Partial<Message> = {}): Message {
  return {
    id: 1,
    ts: "2026-04-14T17:00:00Z",
    from_agent: "a",
    to_agent: null,
    channel: "general",
    kind: "chat",
    body: "hi",
    attachments: [],
    reply_to: null,
    thread_id: null,
    metadata: {},
    ...fields,
  };
}

const inOps = (m: Message) => m.channel === "ops";

/** Settles `promise` against a zero-delay race: "pending" if it has not settled yet. */
async function state<T>(promise: Promise<T>): Promise<T | "pending"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<"pending">((resolve) => {
    timer = setTimeout(() => resolve("pending"), 0);
  });
  try {
    return await Promise.race([promise, pending]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("Subscription.wait() resolves true when a matching message is published", async () => {
  const notifier = new Notifier();
  using sub = notifier.subscribe(inOps);
  const waiting = sub.wait(10_000);
  assertEquals(await state(waiting), "pending");
  notifier.publish([message({ channel: "ops" })]);
  assertEquals(await waiting, true);
});

Deno.test("Subscription.wait() is not woken by a non-matching publish", async () => {
  const notifier = new Notifier();
  using sub = notifier.subscribe(inOps);
  const waiting = sub.wait(30);
  notifier.publish([message({ channel: "general" }), message({ id: 2 })]);
  assertEquals(await state(waiting), "pending");
  assertEquals(await waiting, false);
});

Deno.test("Notifier.publish() wakes a subscription when any message of a batch matches", async () => {
  const notifier = new Notifier();
  using sub = notifier.subscribe(inOps);
  const waiting = sub.wait(10_000);
  notifier.publish([message({ id: 1 }), message({ id: 2, channel: "ops" })]);
  assertEquals(await waiting, true);
});

Deno.test("Subscription.wait() resolves true at once for a publish between subscribe and wait", async () => {
  const notifier = new Notifier();
  using sub = notifier.subscribe(inOps);
  notifier.publish([message({ channel: "ops" })]);
  // No timer is started: a latched wake-up answers synchronously.
  assertEquals(await state(sub.wait(10_000)), true);
  // The latch is consumed: the next wait times out.
  assertEquals(await sub.wait(1), false);
});

Deno.test("Subscription.wait() resolves false when the time runs out", async () => {
  const notifier = new Notifier();
  using sub = notifier.subscribe(() => true);
  assertEquals(await sub.wait(1), false);
  assertEquals(await sub.wait(0), false);
  assertEquals(await sub.wait(-5), false, "a negative wait counts as 0");
});

Deno.test("Subscription.wait() resolves false when the signal aborts", async () => {
  const notifier = new Notifier();
  using sub = notifier.subscribe(() => true);
  const controller = new AbortController();
  const waiting = sub.wait(10_000, controller.signal);
  assertEquals(await state(waiting), "pending");
  controller.abort();
  assertEquals(await waiting, false);
  // A publish after the abort is latched for the next wait.
  notifier.publish([message()]);
  assertEquals(await sub.wait(10_000, new AbortController().signal), true);
});

Deno.test("Subscription.wait() with an already aborted signal resolves false at once", async () => {
  const notifier = new Notifier();
  using sub = notifier.subscribe(() => true);
  assertEquals(await state(sub.wait(10_000, AbortSignal.abort())), false);
});

Deno.test("Notifier.pulse() wakes every subscription, matching or not", async () => {
  const notifier = new Notifier();
  using a = notifier.subscribe(() => false);
  using b = notifier.subscribe(inOps);
  using idle = notifier.subscribe(() => false);
  const waits = [a.wait(10_000), b.wait(10_000)];
  notifier.pulse();
  assertEquals(await Promise.all(waits), [true, true]);
  assertEquals(await state(idle.wait(10_000)), true, "latched while idle");
});

Deno.test("Notifier.close() wakes waiters and makes every later wait resolve at once", async () => {
  const notifier = new Notifier();
  using sub = notifier.subscribe(() => false);
  const waiting = sub.wait(10_000);
  assertEquals(notifier.closed, false);
  notifier.close();
  assertEquals(notifier.closed, true);
  assertEquals(await waiting, true);
  assertEquals(await state(sub.wait(10_000)), true);
  assertEquals(await state(sub.wait(10_000)), true, "again and again");
  using late = notifier.subscribe(() => false);
  assertEquals(await state(late.wait(10_000)), true, "new subscribers too");
});

Deno.test("Subscription[Symbol.dispose]() unsubscribes and ends a pending wait", async () => {
  const notifier = new Notifier();
  assertEquals(notifier.size, 0);
  const kept = notifier.subscribe(() => true);
  let waiting: Promise<boolean>;
  {
    using sub = notifier.subscribe(() => true);
    assertEquals(notifier.size, 2);
    waiting = sub.wait(10_000);
  }
  assertEquals(notifier.size, 1);
  assert(typeof (await waiting) === "boolean", "the wait settled");
  kept[Symbol.dispose]();
  assertEquals(notifier.size, 0);
  // Once unsubscribed, publishes no longer reach the subscription.
  notifier.publish([message()]);
  assertEquals(await kept.wait(1), false);
});

Deno.test("Notifier.unsubscribe() of one subscription leaves the others", async () => {
  const notifier = new Notifier();
  using a = notifier.subscribe(() => true);
  using b = notifier.subscribe(() => true);
  notifier.unsubscribe(a);
  assertEquals(notifier.size, 1);
  notifier.publish([message()]);
  assertEquals(await state(b.wait(10_000)), true);
  assertEquals(await a.wait(1), false);
});
