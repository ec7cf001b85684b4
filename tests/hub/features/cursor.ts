import { rules } from "../../store/_rules.ts";
import { assertEquals } from "../../_assert.ts";
import { WaitCursor } from "../../../src/hub/cursor.ts";
import { Notifier } from "../../../src/hub/notifier.ts";
import { SqliteStore } from "../../../src/store/sqlite/store.ts";
import type { Message } from "../../../src/store/types.ts";
import { newMessage } from "../../store/contract.ts";

/** A real store, a notifier, and a cursor over broadcasts that counts its queries. */
async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "arc-cursor-" });
  const store = SqliteStore.open(`${dir}/arc.sqlite3`);
  const notifier = new Notifier();
  const match = (m: Message) => m.to_agent === null;
  const sub = notifier.subscribe(match);
  const queries = { n: 0 };
  const cursor = new WaitCursor(0, {
    notifier,
    sub,
    match,
    limit: 10,
    query: (afterId) => {
      queries.n++;
      return store.messages.list({
        visibility: { kind: "broadcast" },
        sinceId: afterId,
        limit: 10,
      });
    },
  });
  const post = async (body: string, publish = true) => {
    const { message } = await rules(store).postMessage(
      newMessage({ from_agent: "a", body }),
      null,
    );
    if (publish) notifier.publish([message]);
    return message;
  };
  return {
    store,
    notifier,
    sub,
    cursor,
    queries,
    post,
    async [Symbol.asyncDispose]() {
      sub[Symbol.dispose]();
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const bodies = (rows: Message[]) => rows.map((m) => m.body);

Deno.test("WaitCursor.read() hands published messages over without querying the store", async () => {
  await using t = await setup();
  assertEquals(await t.cursor.read(), []);
  await t.post("one");
  await t.post("two");
  assertEquals(bodies(await t.cursor.read()), ["one", "two"]);
  assertEquals(bodies(await t.cursor.read()), []);
  assertEquals(t.queries.n, 1);
});

Deno.test("WaitCursor.read() queries the store when a message was committed without being published", async () => {
  await using t = await setup();
  assertEquals(await t.cursor.read(), []);
  await t.post("one");
  await t.post("unseen", false);
  await t.post("three");
  assertEquals(bodies(await t.cursor.read()), ["one", "unseen", "three"]);
  assertEquals(t.queries.n, 2);
});

Deno.test("WaitCursor.read() queries the store after a pulse", async () => {
  await using t = await setup();
  await t.post("one");
  assertEquals(bodies(await t.cursor.read()), ["one"]);
  await t.post("two");
  t.notifier.pulse();
  assertEquals(bodies(await t.cursor.read()), ["two"]);
  assertEquals(t.queries.n, 2);
});

Deno.test("WaitCursor.read() never skips a message published out of id order", async () => {
  await using t = await setup();
  assertEquals(await t.cursor.read(), []);
  const a = await t.post("a", false);
  const b = await t.post("b", false);
  t.notifier.publish([b]);
  t.notifier.publish([a]);
  assertEquals(bodies(await t.cursor.read()), ["a", "b"]);
  const c = await t.post("c");
  assertEquals(bodies(await t.cursor.read()), ["c"]);
  assertEquals(c.id, b.id + 1);
});

Deno.test("WaitCursor.read() keeps pages to the limit and resumes after them", async () => {
  await using t = await setup();
  assertEquals(await t.cursor.read(), []);
  for (let i = 0; i < 15; i++) await t.post(`m${i}`);
  assertEquals((await t.cursor.read()).length, 10);
  assertEquals(bodies(await t.cursor.read()), [
    "m10",
    "m11",
    "m12",
    "m13",
    "m14",
  ]);
  assertEquals(t.queries.n, 1);
});
