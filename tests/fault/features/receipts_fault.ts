/**
 * A full disk never costs an agent its read: recording delivery receipts
 * fails quietly (logged), the read answers with its messages, and once space
 * returns the next read records the receipts. Needs root to mount a small
 * tmpfs; skipped, saying why, where that is impossible.
 */
import { assert, assertEquals } from "../../_assert.ts";
import { startHub } from "../../_util.ts";
import { fillDisk, probeTmpfs, withTmpfs } from "../_tmpfs.ts";

const { mountPoint, skip } = await probeTmpfs("receipts_fault_test");

Deno.test({
  name:
    "receipts on a full disk: reads still answer, and receipts are recorded once space returns",
  ignore: skip !== "",
  async fn() {
    await withTmpfs(mountPoint, async () => {
      await using hub = await startHub({ dir: mountPoint });
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await hub.api("POST", "/v1/messages", {
          from_agent: "alice",
          to_agent: "bob",
          body: `request ${i}`,
        });
        assertEquals(r.status, 201);
        ids.push(r.body.result.id);
      }
      const filler = await fillDisk(mountPoint);
      // Use up what is left until the hub refuses a write.
      let refused = false;
      for (let i = 0; i < 200 && !refused; i++) {
        const r = await hub.api("POST", "/v1/messages", {
          from_agent: "alice",
          body: "x".repeat(20_000),
        });
        refused = r.status === 503;
      }
      assert(refused, "a write eventually fails on a full disk");

      const read = await hub.api("GET", "/v1/events?agent_id=bob&since_id=0");
      assertEquals(read.status, 200);
      assertEquals(
        // deno-lint-ignore no-explicit-any
        read.body.result.map((m: any) => m.id).filter((id: number) =>
          ids.includes(id)
        ),
        ids,
      );
      const inbox = await hub.api("GET", "/v1/inbox/bob");
      assertEquals(inbox.status, 200);
      const during = await hub.api(
        "GET",
        `/v1/arcdeno/messages/${ids[0]}/receipts?agent_id=alice`,
      );
      assertEquals(during.status, 200);
      // The receipt write failed on the full disk, and said so in the log.
      assertEquals(during.body.result.receipts, []);
      assert(
        hub.output().includes("recording delivery receipts failed"),
        hub.output(),
      );

      await Deno.remove(filler);
      await hub.api("GET", "/v1/inbox/bob");
      const after = await hub.api(
        "GET",
        `/v1/arcdeno/messages/${ids[4]}/receipts?agent_id=alice`,
      );
      assertEquals(after.body.result.receipts[0]?.state, "delivered");
      await hub.stop();
    });
  },
});
