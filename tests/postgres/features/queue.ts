/**
 * The work queue on two hub processes sharing one PostgreSQL database: 120
 * tasks, 8 workers, every task handed out exactly once. Eight workers on two
 * hubs contend for every one of the tasks, so 120 handouts race as hard as
 * 300 did; more tasks only repeat the same race.
 */
import { pgTest, withPgHubs } from "../_pg.ts";
import { queueRace } from "../../http/_queue_race.ts";

pgTest(
  "work queue: 2 postgres hubs hand 120 tasks to 8 workers exactly once",
  () => withPgHubs(2, (hubs) => queueRace(hubs, 120).then(() => {})),
);
