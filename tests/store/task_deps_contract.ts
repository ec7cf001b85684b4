/**
 * The task dependency part of the store contract (`arcdeno:task_deps`), run
 * against each backend from `sqlite_test.ts` and `postgres_test.ts`.
 *
 * @module
 */

import { rules } from "./_rules.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "../_assert.ts";
import { ConflictError, ValidationError } from "../../src/errors.ts";
import type { Message, Store } from "../../src/store/types.ts";
import { contractTest, newMessage, type StoreOpener } from "./contract.ts";

/** Registers the task dependency tests for one backend. */
export function taskDepsContract(name: string, open: StoreOpener): void {
  const test = contractTest(name, open);

  async function task(
    store: Store,
    fields: { to_agent?: string; depends_on?: number[]; assignee?: string } =
      {},
  ): Promise<Message> {
    const arcdeno: Record<string, unknown> = {};
    if (fields.depends_on) arcdeno["depends_on"] = fields.depends_on;
    if (fields.assignee) arcdeno["assignee"] = fields.assignee;
    const { message } = await rules(store).postMessage(
      newMessage({
        from_agent: "lead",
        kind: fields.to_agent ? "task_request" : "task",
        to_agent: fields.to_agent ?? null,
        body: "work",
        metadata: Object.keys(arcdeno).length ? { arcdeno } : {},
      }),
      null,
    );
    return message;
  }

  async function readyIds(
    store: Store,
    filter: { channel?: string; assignee?: string } = {},
  ) {
    return (await rules(store).listReadyTasks(filter)).map((d) =>
      d.task.task_id
    );
  }

  test(
    "listReadyTasks() holds a dependent task only once all its dependencies are done",
    async (store) => {
      const a = await task(store);
      const b = await task(store);
      const c = await task(store, { depends_on: [a.id, b.id] });
      assertEquals(await readyIds(store), [a.id, b.id]);
      const one = await rules(store).completeTask(a.id);
      assertEquals(one!.posted, []);
      assertEquals(await readyIds(store), [b.id]);
      const two = await rules(store).completeTask(b.id);
      assertEquals(await readyIds(store), [c.id]);
      assertEquals(two!.posted.length, 1);
      const notice = two!.posted[0]!;
      assertEquals(notice.kind, "notice");
      assertEquals(notice.to_agent, null);
      assertEquals(notice.reply_to, c.id);
      assertEquals(
        (notice.metadata["arcdeno"] as Record<string, unknown>)["task_ready"],
        c.id,
      );
      // Completing a done task again posts nothing more.
      assertEquals((await rules(store).completeTask(b.id))!.posted, []);
      const deps = await rules(store).getTaskDependencies(c.id);
      assertEquals(deps!.depends_on, [a.id, b.id]);
      assertEquals(deps!.open_dependencies, []);
    },
  );

  test(
    "postMessage() completing a task_request posts the ready notice to the dependent's assignee",
    async (store) => {
      const request = await task(store, { to_agent: "worker" });
      const next = await task(store, {
        depends_on: [request.id],
        assignee: "reviewer",
      });
      assertEquals(await readyIds(store, { assignee: "reviewer" }), []);
      const result = await rules(store).postMessage(
        newMessage({
          from_agent: "worker",
          to_agent: "lead",
          kind: "task_result",
          reply_to: request.id,
        }),
        null,
      );
      assertEquals(result.completedTaskId, request.id);
      assertEquals(result.posted?.map((m) => [m.to_agent, m.reply_to]), [[
        "reviewer",
        next.id,
      ]]);
      assertEquals(await readyIds(store, { assignee: "reviewer" }), [next.id]);
      assertEquals(await readyIds(store, { assignee: "nobody" }), []);
    },
  );

  test(
    "completeTask() rolling up a parent also readies tasks waiting on the parent",
    async (store) => {
      const parent = await task(store);
      const { message: child } = await rules(store).postMessage(
        newMessage({ from_agent: "lead", kind: "task", body: "part" }),
        parent.id,
      );
      const after = await task(store, { depends_on: [parent.id] });
      const done = await rules(store).completeTask(child.id);
      assert(done!.parentCompleted);
      const ready = done!.posted.filter((m) =>
        (m.metadata["arcdeno"] as Record<string, unknown> | undefined)
          ?.["task_ready"] === after.id
      );
      assertEquals(ready.length, 1);
    },
  );

  test(
    "addTaskDependencies() refuses unknown tasks and cycles, naming the cycle",
    async (store) => {
      const a = await task(store);
      const b = await task(store, { depends_on: [a.id] });
      const c = await task(store, { depends_on: [b.id] });
      assertEquals(
        await rules(store).addTaskDependencies(999_999, [a.id]),
        null,
      );
      const unknown = await assertRejects(
        () => rules(store).addTaskDependencies(a.id, [999_999]),
      );
      assert(unknown instanceof ValidationError);
      assertStringIncludes(unknown.message, "999999");
      const error = await assertRejects(
        () => rules(store).addTaskDependencies(a.id, [c.id]),
      );
      assert(error instanceof ConflictError);
      assertStringIncludes(
        error.message,
        `${a.id} -> ${c.id} -> ${b.id} -> ${a.id}`,
      );
      assert(
        await assertRejects(() =>
          rules(store).addTaskDependencies(a.id, [a.id])
        ) instanceof
          ConflictError,
      );
      assertEquals(
        (await rules(store).getTaskDependencies(a.id))!.depends_on,
        [],
      );
      const added = await rules(store).addTaskDependencies(c.id, [a.id]);
      assertEquals(added!.depends_on, [a.id, b.id]);
      assertEquals(added!.open_dependencies, [a.id, b.id]);
    },
  );

  test(
    "postMessage() refuses a task that depends on an unknown task and stores nothing",
    async (store) => {
      const before = await store.tasks.list({});
      const error = await assertRejects(() =>
        task(store, { depends_on: [424_242] })
      );
      assert(error instanceof ValidationError);
      assertStringIncludes(error.message, "424242");
      assertEquals(await store.tasks.list({}), before);
    },
  );
}
