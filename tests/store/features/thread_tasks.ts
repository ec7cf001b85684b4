import { rules } from "../_rules.ts";
import { DatabaseSync } from "node:sqlite";
import { assertEquals } from "../../_assert.ts";
import { SqliteStore } from "../../../src/store/sqlite/store.ts";
import { newMessage } from "../contract.ts";

async function withStore(
  fn: (store: SqliteStore, path: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "arc-thread-tasks-" });
  const path = `${dir}/arc.sqlite3`;
  const store = SqliteStore.open(path);
  try {
    await fn(store, path);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const task = (thread: string) =>
  newMessage({ from_agent: "a", kind: "task_request", thread_id: thread });

Deno.test("SqliteStore.listThreads() counts tasks added after the last listing", async () => {
  await withStore(async (store) => {
    await rules(store).postMessage(task("t1"), null);
    assertEquals((await rules(store).listThreads())[0]?.total_task_count, 1);
    const second = await rules(store).postMessage(task("t1"), null);
    await rules(store).postMessage(task("t1"), second.message.id);
    const [t1] = await rules(store).listThreads();
    assertEquals(t1?.total_task_count, 3);
    assertEquals(t1?.open_task_count, 3);
  });
});

Deno.test("SqliteStore.listThreads() picks up a task row committed below the folded mark by another process", async () => {
  await withStore(async (store, path) => {
    const chat = await rules(store).postMessage(
      newMessage({ from_agent: "a", thread_id: "t1" }),
      null,
    );
    await rules(store).postMessage(task("t1"), null);
    assertEquals((await rules(store).listThreads())[0]?.total_task_count, 1);
    // The reference hub writes a task row in its own commit after the
    // message, so a row with a lower id than the folded ones can appear.
    const other = new DatabaseSync(path);
    other.prepare(
      "INSERT INTO tasks VALUES (?, NULL, 'general', 't1', 'open', '2026-01-01T00:00:00Z', NULL)",
    ).run(chat.message.id);
    const [t1] = await rules(store).listThreads();
    assertEquals(t1?.total_task_count, 2);
    assertEquals(t1?.root_task_id, chat.message.id);
    // Completions by another process show in the open count at once.
    other.exec("UPDATE tasks SET status = 'done'");
    other.close();
    const [done] = await rules(store).listThreads();
    assertEquals(done?.open_task_count, 0);
    assertEquals(done?.status, "completed");
  });
});
