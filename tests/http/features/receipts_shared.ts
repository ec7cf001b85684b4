/**
 * Receipts with the reference hub on the same SQLite file: the reference
 * keeps serving beside our vendor tables, and its direct messages get their
 * receipts once our hub hands them over.
 */

import { assertEquals } from "../../_assert.ts";
import { eventually, request, startHub } from "../../_util.ts";
import { freePort } from "../../mcp/_mcp.ts";

const REFERENCE = "/tmp/ref/arc.py";
const referenceAvailable = await (async () => {
  try {
    await Deno.stat(REFERENCE);
    return (await new Deno.Command("python3", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output()).success;
  } catch {
    return false;
  }
})();

Deno.test({
  name:
    "receipts: a reference hub on the same file keeps working, and its DMs get receipts lazily",
  ignore: !referenceAvailable,
  async fn() {
    await using ours = await startHub();
    const port = freePort();
    const ref = new Deno.Command("python3", {
      args: [
        REFERENCE,
        "--port",
        String(port),
        "--storage",
        ours.storage,
        "--spool-dir",
        `${ours.dir}/ref-spool`,
        "--quiet",
      ],
      stdout: "null",
      stderr: "null",
      stdin: "null",
    }).spawn();
    const refUrl = `http://127.0.0.1:${port}`;
    try {
      await eventually(
        () =>
          request(refUrl, "GET", "/v1/hub-info").then(
            (r) => r.status === 200,
            () => false,
          ),
        { what: "the reference hub to answer" },
      );
      await request(refUrl, "POST", "/v1/sessions", { agent_id: "bob" });
      const sent = await request(refUrl, "POST", "/v1/messages", {
        from_agent: "alice",
        to_agent: "bob",
        body: "posted by the reference",
      });
      assertEquals(sent.status, 201);
      const id = sent.body.result.id;
      // Not delivered through our hub yet: no receipts, not waiting.
      const before = await ours.api(
        "GET",
        `/v1/arcdeno/messages/${id}/receipts?agent_id=alice`,
      );
      assertEquals(before.body.result.receipts, []);
      const inbox = await ours.api("GET", "/v1/inbox/bob");
      assertEquals(inbox.body.result.map((m: { id: number }) => m.id), [id]);
      const after = await ours.api(
        "GET",
        `/v1/arcdeno/messages/${id}/receipts?agent_id=alice`,
      );
      assertEquals(after.body.result.receipts[0].state, "delivered");
      const waiting = await ours.api(
        "GET",
        "/v1/arcdeno/unacked?agent_id=alice",
      );
      assertEquals(
        waiting.body.result.map((w: { message_id: number }) => w.message_id),
        [id],
      );
      // The reference still reads and writes the shared file.
      const ourDm = await ours.api("POST", "/v1/messages", {
        from_agent: "carol",
        to_agent: "bob",
        body: "posted by ours",
      });
      const refInbox = await request(refUrl, "GET", "/v1/inbox/bob");
      assertEquals(
        refInbox.body.result.map((m: { id: number }) => m.id),
        [id, ourDm.body.result.id],
      );
      const again = await request(refUrl, "POST", "/v1/messages", {
        from_agent: "bob",
        channel: "general",
        body: "still fine",
      });
      assertEquals(again.status, 201);
    } finally {
      ref.kill("SIGTERM");
      await ref.status;
    }
  },
});
