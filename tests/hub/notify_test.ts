/**
 * Outbound notifications against a real local receiver (Deno.serve on
 * 127.0.0.1, port 0): signed Slack-compatible bodies, retries after a
 * failing answer.
 */

import { assertEquals } from "../_assert.ts";
import { Notifications, signBody } from "../../src/hub/notify.ts";

interface Received {
  body: string;
  signature: string | null;
  event: string | null;
}

function receiver(failFirst: number) {
  const got: Received[] = [];
  let calls = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      calls++;
      const body = await req.text();
      if (calls <= failFirst) return new Response("busy", { status: 503 });
      got.push({
        body,
        signature: req.headers.get("x-arcdeno-signature"),
        event: req.headers.get("x-arcdeno-event"),
      });
      return new Response("ok");
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    got,
    calls: () => calls,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("Notifications - posts signed Slack-compatible JSON and retries after a 503", async () => {
  await using rx = receiver(2);
  await using notify = new Notifications({
    urls: [rx.url],
    secret: "s3cret",
    backoffMs: 10,
  });
  notify.send("approval.created", "worker asks: Bash: rm -rf build", {
    approval: { id: "ap_1", agent_id: "worker" },
  });
  await notify.idle();
  assertEquals(rx.calls(), 3);
  assertEquals(rx.got.length, 1);
  const [hit] = rx.got;
  assertEquals(hit!.event, "approval.created");
  assertEquals(hit!.signature, await signBody("s3cret", hit!.body));
  assertEquals(JSON.parse(hit!.body), {
    text: "worker asks: Bash: rm -rf build",
    event: "approval.created",
    arcdeno: { approval: { id: "ap_1", agent_id: "worker" } },
  });
  assertEquals([notify.sent, notify.failed], [1, 0]);
});

Deno.test("Notifications - gives up after its attempts and counts the failure", async () => {
  await using rx = receiver(100);
  await using notify = new Notifications({
    urls: [rx.url],
    attempts: 3,
    backoffMs: 5,
  });
  notify.send("agent.stalled", "worker stalled", {});
  await notify.idle();
  assertEquals([rx.calls(), notify.sent, notify.failed], [3, 0, 1]);
  assertEquals(rx.got, []);
});
