/**
 * A full disk never costs an agent its read: recording delivery receipts
 * fails quietly (logged), the read answers with its messages, and once space
 * returns the next read records the receipts. Needs root to mount a small
 * tmpfs; skipped, saying why, where that is impossible.
 */
import { assert, assertEquals } from "../_assert.ts";
import { startHub } from "../_util.ts";

async function sh(...cmd: string[]): Promise<boolean> {
  const out = await new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    stdout: "null",
    stderr: "null",
  }).output();
  return out.success;
}

const mountPoint = await Deno.makeTempDir({ prefix: "arc-tmpfs-" });
let skip = "";
if (!(await sh("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint))) {
  skip = "cannot mount a tmpfs here (needs root)";
  await Deno.remove(mountPoint).catch(() => {});
} else {
  await sh("umount", mountPoint);
}
if (skip) {
  // deno-lint-ignore no-console
  console.warn(`receipts_fault_test: skipped: ${skip}`);
}

Deno.test({
  name:
    "receipts on a full disk: reads still answer, and receipts are recorded once space returns",
  ignore: skip !== "",
  async fn() {
    assert(
      await sh("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint),
    );
    try {
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
      const filler = `${mountPoint}/filler`;
      await sh(
        "sh",
        "-c",
        `dd if=/dev/zero of=${filler} bs=64k 2>/dev/null; true`,
      );
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
    } finally {
      await sh("umount", "-l", mountPoint);
      await Deno.remove(mountPoint, { recursive: true }).catch(() => {});
    }
  },
});
