/**
 * The client's receipt methods, `ack()`, `receipts()` and `unacked()`, over
 * HTTP and over the file relay, against a real hub process.
 */

import { ArcClient } from "../../../src/client/mod.ts";
import { ArcError } from "../../../src/client/errors.ts";
import { assert, assertEquals, assertRejects } from "../../_assert.ts";
import type { HubLike } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";

type Maker = (hub: HubLike, agentId: string) => ArcClient;

const transports: [string, Maker][] = [
  ["HTTP", (hub, agentId) => new ArcClient({ agentId, baseUrl: hub.url })],
  [
    "relay",
    (hub, agentId) =>
      ArcClient.overRelay({ agentId, spoolDir: `${hub.dir}/spool` }),
  ],
];

for (const [name, make] of transports) {
  Deno.test(`ArcClient.ack() / receipts() / unacked() - over ${name}`, async () => {
    await using hub = await inProcessHub({ relay: {} });
    await using lead = make(hub, "lead");
    await using worker = make(hub, "worker");
    await using other = make(hub, "other");
    await lead.register();
    await worker.register();

    const sent = await lead.dm("worker", "please review #12", {
      kind: "task_request",
    });
    assertEquals(sent.arcdeno, undefined);
    assertEquals((await lead.receipts(sent.id)).receipts, []);
    const waiting = await lead.unacked();
    assertEquals(waiting.map((w) => w.message_id), [sent.id]);
    assertEquals(waiting[0]!.overdue, false);

    const got = await worker.poll({ timeoutSec: 5 });
    assert(got.some((m) => m.id === sent.id));
    const delivered = await lead.receipts(sent.id);
    assertEquals(delivered.receipts.map((r) => [r.agent_id, r.state]), [[
      "worker",
      "delivered",
    ]]);
    assertEquals(delivered.acked, false);

    const done = await worker.ack(sent.id);
    assertEquals(done.receipt.state, "acked");
    const after = await worker.receipts(sent.id);
    assertEquals(after.acked, true);
    assertEquals(after.receipts[0]!.acked_at, done.receipt.acked_at);
    assertEquals(await lead.unacked(), []);

    const refused = await assertRejects(() => other.receipts(sent.id));
    assert(refused instanceof ArcError);
    assertEquals(refused.status, 403);
    const ghost = await lead.dm("nobody-here", "hello?");
    assertEquals(ghost.arcdeno?.recipient, "unknown");
  });
}
