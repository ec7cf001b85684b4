import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals } from "../../_assert.ts";
import { startCheckpointer } from "../../../src/store/sqlite/checkpointer.ts";

/** A WAL database whose own connection never checkpoints. */
async function walDatabase(): Promise<
  { path: string; db: DatabaseSync } & AsyncDisposable
> {
  const dir = await Deno.makeTempDir({ prefix: "arc-ckpt-" });
  const path = `${dir}/db.sqlite3`;
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA wal_autocheckpoint = 0");
  db.exec("CREATE TABLE t (v BLOB)");
  return {
    path,
    db,
    async [Symbol.asyncDispose]() {
      db.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Records the worker's starts and ends; `next()` waits for the next one. */
function workerEvents() {
  const seen: boolean[] = [];
  let wake: (() => void) | undefined;
  return {
    seen,
    onWorker(running: boolean) {
      seen.push(running);
      wake?.();
    },
    async next(count: number) {
      while (seen.length < count) {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

Deno.test("startCheckpointer() runs its worker only while commits come fast", async () => {
  await using d = await walDatabase();
  const events = workerEvents();
  // The one-second window of busy commits is timed on a clock the test
  // moves: each burst below lands in one window however slow the machine.
  let now = 10_000;
  const checkpointer = startCheckpointer(d.path, {
    everyMs: 10,
    busyCommits: 5,
    idleMs: 200,
    onWorker: events.onWorker,
    now: () => now,
  });
  const insert = d.db.prepare("INSERT INTO t VALUES (?)");
  const commit = () => {
    insert.run(new Uint8Array(64 * 1024));
    checkpointer.committed();
  };
  for (let i = 0; i < 4; i++) commit();
  assertEquals(events.seen, [], "4 commits are not busy traffic");
  now += 1_500;
  for (let i = 0; i < 4; i++) commit();
  assertEquals(events.seen, [], "the count starts over after a second");
  const before = (await Deno.stat(d.path)).size;
  commit();
  assertEquals(events.seen, [true], "the 5th commit within a second starts it");
  // With no more commits the worker retires, checkpointing on its way out:
  // the rows reach the database file, which this connection never did.
  await events.next(2);
  assertEquals(events.seen, [true, false]);
  assert(
    (await Deno.stat(d.path)).size >= before + 5 * 64 * 1024,
    "the worker copied the log into the database",
  );
  now += 5_000;
  for (let i = 0; i < 5; i++) commit();
  assertEquals(events.seen, [true, false, true], "a new burst starts it again");
  await checkpointer.stop();
  assertEquals(events.seen, [true, false, true, false], "stop() ends it");
  commit();
  for (let i = 0; i < 5; i++) commit();
  assertEquals(events.seen.length, 4, "nothing starts after stop()");
});
