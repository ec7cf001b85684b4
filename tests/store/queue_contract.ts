/**
 * The work queue's expiry part of the store contract (`arcdeno:work_queue`):
 * the sweep's cheap check and the announcement it leads to, run against
 * each backend from `features/sqlite.ts` and `postgres_contract_test.ts`.
 *
 * @module
 */

import { rules } from "./_rules.ts";
import { assert, assertEquals } from "../_assert.ts";
import { contractTest, newMessage, type StoreOpener } from "./contract.ts";

/** Registers the queue expiry tests for one backend. */
export function queueContract(name: string, open: StoreOpener): void {
  const test = contractTest(name, open);

  test(
    "queue: a handout is due once its lease expired on an open task, announced once, and not due after",
    async (store, clock) => {
      const r = rules(store);
      const { message: open } = await r.postMessage(
        newMessage({ from_agent: "lead", kind: "task", body: "open work" }),
      );
      const { message: done } = await r.postMessage(
        newMessage({ from_agent: "lead", kind: "task", body: "finished work" }),
      );
      const { message: released } = await r.postMessage(
        newMessage({ from_agent: "lead", kind: "task", body: "given back" }),
      );
      assertEquals((await r.queue.next("w1", 30))?.task.task_id, open.id);
      assertEquals((await r.queue.next("w2", 30))?.task.task_id, done.id);
      assertEquals((await r.queue.next("w3", 30))?.task.task_id, released.id);
      await r.completeTask(done.id, "w2");
      assert(await r.releaseClaim(`task-${released.id}`, "w3"));
      assertEquals(await r.queue.due(), false);

      clock.tick(31);
      assertEquals(await r.queue.due(), true);
      const notices = await r.queue.announce();
      assertEquals(notices.map((m) => m.reply_to), [open.id]);
      assertEquals(await r.queue.due(), false);
      assertEquals(await r.queue.announce(), []);

      // Handed out again and expired again: due again, for the new grant.
      assertEquals((await r.queue.next("w4", 30))?.task.task_id, open.id);
      assertEquals(await r.queue.due(), false);
      clock.tick(31);
      assertEquals(await r.queue.due(), true);
      assertEquals((await r.queue.announce()).length, 1);
    },
  );
}
