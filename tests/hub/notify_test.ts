/**
 * Outbound notifications against a real local receiver (Deno.serve on
 * 127.0.0.1, port 0): signed Slack-compatible bodies, retries after a
 * failing answer.
 */

import { assertEquals } from "../_assert.ts";
import { Notifications, signBody } from "../../src/hub/notify.ts";
import { hubPermissionFlags } from "../../src/cli/permissions.ts";
import { eventually, must, startHub } from "../_util.ts";

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

Deno.test("serve --notify-url - a hub sends signed approval notifications to a local receiver", async () => {
  await using rx = receiver(0);
  // As `ensure` grants it: the webhook's host:port beside the hub's own.
  await using hub = await startHub({
    allowNet: `127.0.0.1,${new URL(rx.url).host}`,
    args: ["--notify-url", rx.url, "--notify-secret", "k3y"],
  });
  const created = await must(hub, "POST", "/v1/arcdeno/approvals", {
    agent_id: "worker",
    title: "Bash: make deploy",
  });
  await must(hub, "POST", `/v1/arcdeno/approvals/${created.id}/decide`, {
    decision: "deny",
    by: "alice",
  });
  await eventually(() => Promise.resolve(rx.got.length >= 2), {
    what: "two notifications",
  });
  assertEquals(rx.got.map((r) => r.event), [
    "approval.created",
    "approval.decided",
  ]);
  for (const r of rx.got) {
    assertEquals(r.signature, await signBody("k3y", r.body));
  }
  const decided = JSON.parse(rx.got[1]!.body);
  assertEquals(
    decided.text,
    "Bash: make deploy (worker) was denied by alice",
  );
  assertEquals(decided.arcdeno.approval.id, created.id);
});

Deno.test("hubPermissionFlags() - --allow-net grows by the webhook hosts only", () => {
  const flags = hubPermissionFlags({
    host: "127.0.0.1",
    port: 6969,
    storagePath: "/srv/arc/arc.sqlite3",
    spoolDir: "/srv/arc/.arc-relay",
    notifyUrls: ["http://127.0.0.1:9000/hook", "https://hooks.example/x"],
  });
  assertEquals(
    flags[0],
    "--allow-net=127.0.0.1:6969,127.0.0.1:9000,hooks.example:443",
  );
});
