/**
 * The retention part of the store contract (`serve --retain-days`), run
 * against each backend from `sqlite_test.ts` and `postgres_test.ts`: the
 * units decide what may go, the pass writes it to files and deletes it.
 *
 * @module
 */

import { rules } from "./_rules.ts";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { checkRecord } from "../../src/hub/export.ts";
import { runRetention } from "../../src/hub/retention.ts";
import type { ExportRecord } from "../../src/store/export_format.ts";
import type { Message, Store } from "../../src/store/types.ts";
import {
  contractTest,
  FakeClock,
  newMessage,
  type StoreOpener,
} from "./contract.ts";
import { tracked } from "./receipts_contract.ts";
import { catchUp } from "./search_contract.ts";

const DAY_SEC = 86_400;

async function* parse(text: string): AsyncGenerator<ExportRecord> {
  const lines = text.split("\n").filter(Boolean);
  for (const [i, line] of lines.entries()) {
    yield checkRecord(JSON.parse(line), i + 1);
  }
}

/** Registers the retention tests for one backend. */
export function retentionContract(name: string, open: StoreOpener): void {
  const test = contractTest(name, open);

  async function post(
    store: Store,
    fields: Partial<Message> & { kind?: string } = {},
  ): Promise<Message> {
    const { message } = await rules(store).postMessage(
      newMessage({ from_agent: "lead", ...fields }),
      null,
    );
    return message;
  }

  /** A thread with one task, done unless `open`, and a chat reply. */
  async function thread(store: Store, threadId: string, open = false) {
    const task = await post(store, {
      kind: "task",
      thread_id: threadId,
      body: `work for ${threadId} zanzibar`,
    });
    const reply = await post(store, {
      thread_id: threadId,
      reply_to: task.id,
      body: "on it zanzibar",
    });
    if (!open) await rules(store).completeTask(task.id);
    return { task, reply };
  }

  async function dm(store: Store, to: string, delivered: boolean) {
    const m = await post(store, { to_agent: to, channel: "direct" });
    if (delivered) await rules(store).receipts.markDelivered(to, [tracked(m)]);
    return m;
  }

  const exists = async (store: Store, id: number) =>
    (await rules(store).receipts.getMessage(id)) !== null;

  test(
    "runRetention() writes out and deletes old closed threads and received direct messages only",
    async (store, clock) => {
      const dir = await Deno.makeTempDir({ prefix: "arc-retain-" });
      try {
        const done = await thread(store, "done/1");
        const open = await thread(store, "still-open", true);
        const recent = await thread(store, "recent");
        const received = await dm(store, "bob", true);
        const unread = await dm(store, "carol", false);
        clock.tick(3 * DAY_SEC);
        // A new message keeps the "recent" thread; a new DM is too young.
        const late = await post(store, { thread_id: "recent" });
        const fresh = await dm(store, "bob", true);
        const cutoff = await rules(store).retention.cutoff(2);
        assertEquals(await rules(store).retention.closedThreads(cutoff), [
          "done/1",
        ]);
        assertEquals(
          (await rules(store).retention.deliveredDirect(cutoff)).map((m) =>
            m.id
          ),
          [received.id],
        );

        await catchUp(store);
        const result = await runRetention(store, "test", { days: 2, dir });
        assertEquals(result.threads, 1);
        assert(result.messages >= 3, `pruned ${result.messages}`);
        for (const m of [done.task, done.reply, received]) {
          assertEquals(await exists(store, m.id), false, `message ${m.id}`);
        }
        for (
          const m of [
            open.task,
            open.reply,
            recent.task,
            recent.reply,
            late,
            unread,
            fresh,
          ]
        ) assertEquals(await exists(store, m.id), true, `message ${m.id}`);
        // The full-text index forgets them too.
        await catchUp(store);
        const hits = await store.search.query({
          expr: {
            groups: [{ all: [{ text: "zanzibar", prefix: false }], none: [] }],
          },
          agentId: "lead",
          limit: 20,
        });
        assertEquals(
          hits.map((h) => h.message.id).sort((a, b) => a - b),
          [open.task.id, open.reply.id, recent.task.id, recent.reply.id],
        );
        // The task tree stays: the thread is listed with its done task.
        const summary = (await rules(store).listThreads()).find((t) =>
          t.thread_id === "done/1"
        );
        assertEquals(summary?.status, "completed");
        assertEquals(summary?.message_count, 0);
        assertEquals(summary?.total_task_count, 1);

        const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
        assertEquals(files.length, 2, files.join(", "));
        assertEquals(result.files.length, 2);
        const dmFile = files.find((f) => f.startsWith("dm-"))!;
        const threadFile = files.find((f) => f.startsWith("thread-"))!;
        assertStringIncludes(threadFile, "thread-done_1-");
        const dms = Deno.readTextFileSync(`${dir}/${dmFile}`).trim().split(
          "\n",
        ).map((l) => JSON.parse(l) as Message);
        assertEquals(dms.map((m) => m.id), [received.id]);
        assertEquals(dms[0]!.body, received.body);

        // The thread's file is an export an empty hub imports.
        const other = await open2();
        try {
          const counts = await rules(other.store).importRecords(
            parse(Deno.readTextFileSync(`${dir}/${threadFile}`)),
          );
          assert(counts.message >= 2, `imported ${counts.message} messages`);
          assertEquals(counts.task, 1);
          assertEquals(
            (await rules(other.store).receipts.getMessage(done.reply.id))
              ?.body,
            "on it zanzibar",
          );
        } finally {
          await other.cleanup();
        }

        // A second pass finds nothing more and writes no file.
        const again = await runRetention(store, "test", { days: 2, dir });
        assertEquals(again, { threads: 0, messages: 0, files: [] });
        assertEquals([...Deno.readDirSync(dir)].length, 2);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );

  test(
    "pruneThread() deletes nothing when the thread changed after its export or is not closed",
    async (store, clock) => {
      const done = await thread(store, "t1");
      const open = await thread(store, "t2", true);
      clock.tick(3 * DAY_SEC);
      const cutoff = await rules(store).retention.cutoff(2);
      const completion = (await rules(store).retention.closedThreads(cutoff))
        .includes("t1");
      assert(completion);
      // Its export ended before the newest message: nothing goes.
      assertEquals(
        await rules(store).retention.pruneThread("t1", cutoff, done.task.id),
        0,
      );
      assertEquals(
        await rules(store).retention.pruneThread("t2", cutoff, open.reply.id),
        0,
      );
      const latest = (await rules(store).getThread("t1"))!.messages.at(-1)!;
      assert(
        (await rules(store).retention.pruneThread("t1", cutoff, latest.id)) >=
          2,
      );
      assertEquals(await exists(store, done.task.id), false);
      assertEquals(await exists(store, open.task.id), true);
    },
  );

  async function open2() {
    return await open(new FakeClock());
  }
}
