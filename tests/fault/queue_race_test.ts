/**
 * The work queue on two hub processes sharing one SQLite file: 300 tasks,
 * 8 workers, every task handed out exactly once.
 */
import { startHub, type TestHub } from "../_util.ts";
import { queueRace } from "../http/_queue_race.ts";

Deno.test("work queue: 2 hub processes on one SQLite file hand 300 tasks to 8 workers exactly once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-queue-race-" });
  const hubs: TestHub[] = [];
  try {
    for (let i = 0; i < 2; i++) hubs.push(await startHub({ dir }));
    await queueRace(hubs);
  } finally {
    for (const hub of hubs) await hub.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
