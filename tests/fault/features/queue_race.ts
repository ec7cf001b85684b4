/**
 * The work queue on two hub processes sharing one SQLite file: 120 tasks,
 * 8 workers, every task handed out exactly once. Eight workers on two hubs
 * contend for every one of the tasks, so 120 handouts race as hard as 300
 * did; more tasks only repeat the same race.
 */
import { startHub, type TestHub } from "../../_util.ts";
import { queueRace } from "../../http/_queue_race.ts";

Deno.test("work queue: 2 hub processes on one SQLite file hand 120 tasks to 8 workers exactly once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-queue-race-" });
  const hubs: TestHub[] = [];
  try {
    for (let i = 0; i < 2; i++) hubs.push(await startHub({ dir }));
    await queueRace(hubs, 120);
  } finally {
    for (const hub of hubs) await hub.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
