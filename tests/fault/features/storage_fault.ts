/**
 * A disk that fills up: writes fail with a clear 503 in the envelope, reads
 * keep working, and once space returns writes succeed again with nothing
 * acknowledged lost. Needs root to mount a small tmpfs; skipped, saying why,
 * where that is impossible. (A file system cannot be turned read-only while
 * the hub holds its database open for writing, so that fault is not staged.)
 */
import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { startHub } from "../../_util.ts";
import { fillDisk, probeTmpfs, withTmpfs } from "../_tmpfs.ts";

const { mountPoint, skip } = await probeTmpfs("storage_fault_test");

Deno.test({
  name:
    "storage faults: a full disk and a read-only file system answer writes with 503 and keep reads working",
  ignore: skip !== "",
  async fn() {
    await withTmpfs(mountPoint, async () => {
      await using hub = await startHub({ dir: mountPoint });
      const acknowledged: number[] = [];
      const post = (body: string) =>
        hub.api("POST", "/v1/messages", { from_agent: "a", body });
      for (let i = 0; i < 20; i++) {
        const r = await post(`before ${i}`);
        assertEquals(r.status, 201);
        acknowledged.push(r.body.result.id);
      }
      // Fill the disk.
      const filler = await fillDisk(mountPoint);
      let refused;
      for (let i = 0; i < 200 && !refused; i++) {
        const r = await post("x".repeat(20_000));
        if (r.status === 201) acknowledged.push(r.body.result.id);
        else refused = r;
      }
      assert(refused, "a write eventually fails on a full disk");
      assertEquals(refused.status, 503);
      assertEquals(refused.body.ok, false);
      assertStringIncludes(refused.body.error, "storage unavailable");
      // Reads keep working, including an agent's event poll.
      const read = await hub.api("GET", "/v1/messages?channel=general&limit=5");
      assertEquals(read.status, 200);
      assertEquals(
        (await hub.api("GET", "/v1/events?agent_id=b&limit=5")).status,
        200,
      );
      assertEquals(
        (await hub.api("GET", "/v1/bootstrap?agent_id=b")).status,
        200,
      );
      assertEquals((await hub.api("GET", "/v1/hub-info")).status, 200);
      // Space returns: writes succeed again.
      await Deno.remove(filler);
      const after = await post("after the disk filled");
      assertEquals(after.status, 201, JSON.stringify(after.body));
      acknowledged.push(after.body.result.id);

      const all = new Set<number>();
      let since = 0;
      while (true) {
        const page = await hub.api(
          "GET",
          `/v1/messages?channel=general&since_id=${since}&limit=500`,
        );
        if (!page.body.result.length) break;
        for (const m of page.body.result) all.add(m.id);
        since = page.body.result.at(-1).id;
      }
      for (const id of acknowledged) {
        assert(all.has(id), `acknowledged post ${id} is missing`);
      }
      await hub.stop();
    });
  },
});
