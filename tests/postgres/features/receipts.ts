/**
 * Delivery receipts with two hubs on one PostgreSQL database: a direct
 * message posted on one hub, read and acknowledged on the other, shows its
 * receipts and leaves the sender's unacked list on both.
 */

import { assertEquals } from "../../_assert.ts";
import { pgTest, withPgHubs } from "../_pg.ts";

pgTest(
  "postgres hubs: receipts recorded on one hub are read on the other",
  () =>
    withPgHubs(2, async (hubs) => {
      const [a, b] = hubs as [typeof hubs[0], typeof hubs[0]];
      await b.api("POST", "/v1/sessions", { agent_id: "bob" });
      const sent = (await a.api("POST", "/v1/messages", {
        from_agent: "alice",
        to_agent: "bob",
        body: "over two hubs",
      })).body.result;
      assertEquals(sent.arcdeno, undefined);
      const ghost = (await a.api("POST", "/v1/messages", {
        from_agent: "alice",
        to_agent: "ghost",
        body: "anyone?",
      })).body.result;
      assertEquals(ghost.arcdeno, { recipient: "unknown" });

      const read = await b.api("GET", "/v1/events?agent_id=bob&since_id=0");
      assertEquals(read.body.result.length, 1);
      const r1 = await a.api(
        "GET",
        `/v1/arcdeno/messages/${sent.id}/receipts?agent_id=alice`,
      );
      assertEquals(r1.body.result.receipts[0].state, "delivered");
      // Surfaced on the other hub (a hook showed it to bob's model).
      const shown = await b.api("POST", "/v1/arcdeno/messages/surfaced", {
        agent_id: "bob",
        message_ids: [sent.id, ghost.id],
      });
      assertEquals(shown.body.result.surfaced, [sent.id]);
      const rs = await a.api(
        "GET",
        `/v1/arcdeno/messages/${sent.id}/receipts?agent_id=alice`,
      );
      assertEquals(rs.body.result.receipts[0].state, "surfaced");
      assertEquals(typeof rs.body.result.receipts[0].surfaced_at, "string");
      const acked = await b.api(
        "POST",
        `/v1/arcdeno/messages/${sent.id}/ack`,
        { agent_id: "bob" },
      );
      assertEquals(acked.status, 200);
      const waiting = await a.api("GET", "/v1/arcdeno/unacked?agent_id=alice");
      assertEquals(
        waiting.body.result.map((w: { message_id: number }) => w.message_id),
        [ghost.id],
      );
      const r2 = await b.api(
        "GET",
        `/v1/arcdeno/messages/${sent.id}/receipts?agent_id=alice`,
      );
      assertEquals(r2.body.result.acked, true);
    }),
);
