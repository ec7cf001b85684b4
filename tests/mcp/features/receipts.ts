/**
 * The receipt tools of `arc mcp` against a real hub: a direct message read
 * through the MCP feed turns delivered, `arc_ack` turns it acked, the sender
 * sees it leave `arc_unacked`, and `arc_dm` warns about an unknown recipient.
 */

import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { eventually } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { BRIDGED, startMcp } from "../_mcp.ts";

Deno.test("arc mcp - receipts move from surfaced (a tool result showed it) to acked through the tools", async () => {
  await using hub = await inProcessHub();
  await using lead = await startMcp({ agent: "lead", baseUrl: hub.url });
  await using worker = await startMcp({ agent: "worker", baseUrl: hub.url });
  await worker.call("arc_whoami");

  const sent = await lead.call("arc_dm", {
    to_agent: "worker",
    body: "please run the tests",
    kind: "task_request",
  });
  const id = sent.message.id as number;
  const waiting = await lead.call("arc_unacked");
  assertEquals(
    waiting.messages.map((m: { message_id: number }) => m.message_id),
    [id],
  );

  const read = await eventually(async () => {
    const r = await worker.call("arc_poll_messages", { timeout: 1 });
    return r.messages.some((m: { id: number }) => m.id === id) ? r : null;
  });
  assert(read);
  // The poll tool put it in front of the worker's model: surfaced.
  const delivered = await lead.call("arc_receipts", { message_id: id });
  assertEquals(delivered.receipts.map((r: { state: string }) => r.state), [
    "surfaced",
  ]);

  const acked = await worker.call("arc_ack", { message_id: id });
  assertEquals(acked.receipt.state, "acked");
  const after = await lead.call("arc_receipts", { message_id: id });
  assertEquals(after.acked, true);
  assertEquals((await lead.call("arc_unacked")).messages, []);

  const error = await worker.fail("arc_ack", { message_id: id + 1000 });
  assertStringIncludes(error, "not found");

  const ghost = await lead.raw("arc_dm", { to_agent: "nobody", body: "hi" });
  assertEquals(ghost.isError, undefined);
  const text = ghost.content.map((c) => c.type === "text" ? c.text : "")
    .join("\n");
  assertStringIncludes(text, "never seen agent 'nobody'");
  for (const agent of [lead, worker]) {
    assertStringIncludes(agent.stderr(), BRIDGED);
  }
});
