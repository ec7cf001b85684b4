import { rules } from "../_rules.ts";
import { assertEquals } from "../../_assert.ts";
import { SqliteStore } from "../../../src/store/sqlite/store.ts";
import { newMessage } from "../contract.ts";

Deno.test("SqliteStore.searchIndexStep() bounds a step by text size as well as rows, always taking one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-store-" });
  try {
    await using store = SqliteStore.open(`${dir}/arc.sqlite3`);
    const big = "lorem ".repeat(250_000); // 1.5 million characters
    for (let i = 0; i < 3; i++) {
      await rules(store).postMessage(
        newMessage({ from_agent: "a", body: big }),
        null,
      );
    }
    await rules(store).postMessage(
      newMessage({ from_agent: "a", body: "tiny" }),
      null,
    );
    assertEquals(await store.search.indexStep(500), {
      indexed: 1,
      done: false,
    });
    assertEquals(await store.search.indexStep(500), {
      indexed: 1,
      done: false,
    });
    assertEquals(await store.search.indexStep(500), { indexed: 2, done: true });
    assertEquals(await store.search.indexStep(500), { indexed: 0, done: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SqliteStore search index starts over when the history was replaced by a shorter one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-store-" });
  try {
    await using store = SqliteStore.open(`${dir}/arc.sqlite3`);
    for (const body of ["alpha one", "alpha two", "alpha three"]) {
      await rules(store).postMessage(
        newMessage({ from_agent: "a", body }),
        null,
      );
    }
    while (!(await store.search.indexStep(500)).done) { /* catch up */ }
    // Another tool empties the table and restarts the ids.
    const { DatabaseSync } = await import("node:sqlite");
    const other = new DatabaseSync(`${dir}/arc.sqlite3`);
    other.exec(
      "DELETE FROM messages; DELETE FROM sqlite_sequence WHERE name = 'messages'",
    );
    other.close();
    await rules(store).postMessage(
      newMessage({ from_agent: "a", body: "beta" }),
      null,
    );
    while (!(await store.search.indexStep(500)).done) { /* catch up */ }
    const hits = await store.search.query({
      expr: { groups: [{ all: [{ text: "beta", prefix: false }], none: [] }] },
      agentId: "x",
      limit: 10,
    });
    assertEquals(hits.map((h) => h.message.body), ["beta"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
