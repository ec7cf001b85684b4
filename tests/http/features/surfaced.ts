/**
 * The `surfaced` receipt state and SSE resumption, against a real hub.
 *
 * @module
 */

import { assert, assertEquals } from "../../_assert.ts";
import { inProcessHub } from "../../_harness.ts";

Deno.test("receipts: surfaced sits between delivered and acked, only for the recipient's own messages", async () => {
  await using hub = await inProcessHub();
  const sent = (await hub.api("POST", "/v1/messages", {
    from_agent: "lead",
    to_agent: "worker",
    body: "please look",
  })).body.result;
  const other = (await hub.api("POST", "/v1/messages", {
    from_agent: "lead",
    to_agent: "someone-else",
    body: "not yours",
  })).body.result;
  const shown = await hub.api("POST", "/v1/arcdeno/messages/surfaced", {
    agent_id: "worker",
    message_ids: [sent.id, other.id, 999_999],
  });
  assertEquals(shown.status, 200);
  assertEquals(shown.body.result, { agent_id: "worker", surfaced: [sent.id] });
  const receipts = async () =>
    (await hub.api(
      "GET",
      `/v1/arcdeno/messages/${sent.id}/receipts?agent_id=lead`,
    )).body.result.receipts;
  const [surfaced] = await receipts();
  assertEquals(surfaced.state, "surfaced");
  assert(
    surfaced.surfaced_at >= surfaced.delivered_at,
    "surfaced after delivered",
  );
  const unacked = await hub.api("GET", "/v1/arcdeno/unacked?agent_id=lead");
  assertEquals(unacked.body.result[0].surfaced_to, ["worker"]);
  await hub.api("POST", `/v1/arcdeno/messages/${sent.id}/ack`, {
    agent_id: "worker",
  });
  const [acked] = await receipts();
  assertEquals([acked.state, acked.surfaced_at], [
    "acked",
    surfaced.surfaced_at,
  ]);

  const bad = await hub.api("POST", "/v1/arcdeno/messages/surfaced", {
    agent_id: "worker",
    message_ids: ["7"],
  });
  assertEquals(bad.status, 400);
  assertEquals(bad.body.ok, false);
});

Deno.test("GET /v1/stream: events carry id:, and Last-Event-ID resumes after it", async () => {
  await using hub = await inProcessHub();
  const ids: number[] = [];
  for (const body of ["one", "two", "three"]) {
    ids.push(
      (await hub.api("POST", "/v1/messages", {
        from_agent: "a",
        channel: "general",
        body,
      })).body.result.id,
    );
  }
  const controller = new AbortController();
  const res = await fetch(`${hub.url}/v1/stream?agent_id=b&since_id=0`, {
    headers: { "last-event-id": String(ids[1]) },
    signal: controller.signal,
  });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n\n", text.indexOf("id:"))) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  controller.abort();
  await reader.cancel().catch(() => {});
  const event = text.slice(text.indexOf("id:"));
  assert(event.startsWith(`id: ${ids[2]}\ndata: `), event);
  assertEquals(JSON.parse(event.split("\n")[1]!.slice(6)).body, "three");
});
