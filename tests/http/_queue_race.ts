/**
 * The work queue race, shared by the SQLite and PostgreSQL tests: tasks are
 * posted, then workers spread over several hub processes take tasks with
 * `POST /v1/arcdeno/tasks/next` and complete them until the queue is empty.
 * Every tenth task requires capability `db`, which only half the workers
 * have.
 *
 * @module
 */

import { assert, assertEquals } from "../_assert.ts";
import { must, type TestHub } from "../_util.ts";

/** What one race measured. */
export interface RaceFigures {
  tasks: number;
  workers: number;
  handouts: number;
  duplicates: number;
  elapsedMs: number;
  perSecond: number;
}

/** Runs the race on `hubs` and checks that every task was handed out exactly once. */
export async function queueRace(
  hubs: TestHub[],
  tasks = 300,
  workers = 8,
): Promise<RaceFigures> {
  const dbTasks = new Set<number>();
  for (let i = 0; i < tasks; i++) {
    const m = await must(hubs[i % hubs.length]!, "POST", "/v1/messages", {
      from_agent: "lead",
      kind: "task",
      body: `job ${i}`,
      metadata: i % 10 === 0 ? { arcdeno: { requires: ["db"] } } : {},
    });
    if (i % 10 === 0) dbTasks.add(m.id);
  }
  const taken: { task: number; worker: string }[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const hub = hubs[w % hubs.length]!;
      const worker = `worker-${w}`;
      const capabilities = w < workers / 2 ? ["db"] : [];
      while (true) {
        const next = await must(hub, "POST", "/v1/arcdeno/tasks/next", {
          agent_id: worker,
          capabilities,
        });
        if (next === null) return;
        taken.push({ task: next.task.task_id, worker });
        assertEquals(next.claim.owner_agent_id, worker);
        await must(hub, "POST", `/v1/tasks/${next.task.task_id}/complete`, {
          arcdeno: { agent_id: worker },
        });
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const unique = new Set(taken.map((t) => t.task));
  const duplicates = taken.length - unique.size;
  assertEquals(duplicates, 0);
  assertEquals(unique.size, tasks);
  for (const t of taken) {
    if (dbTasks.has(t.task)) {
      assert(
        Number(t.worker.slice(7)) < workers / 2,
        `${t.task} needs db, went to ${t.worker}`,
      );
    }
  }
  const open = await must(hubs[0]!, "GET", "/v1/tasks?status=open");
  assertEquals(open.length, 0);
  const figures = {
    tasks,
    workers,
    handouts: taken.length,
    duplicates,
    elapsedMs: Math.round(elapsedMs),
    perSecond: Math.round(taken.length / (elapsedMs / 1000)),
  };
  // deno-lint-ignore no-console
  console.error(`queue race figures: ${JSON.stringify(figures)}`);
  return figures;
}
