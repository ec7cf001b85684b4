/**
 * The work queue on two hub processes sharing one PostgreSQL database: 300
 * tasks, 8 workers, every task handed out exactly once.
 */
import { pgTest, withPgHubs } from "./_pg.ts";
import { queueRace } from "../http/_queue_race.ts";

pgTest(
  "work queue: 2 postgres hubs hand 300 tasks to 8 workers exactly once",
  () => withPgHubs(2, (hubs) => queueRace(hubs).then(() => {})),
);
