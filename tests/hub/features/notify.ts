/**
 * Outbound notifications against a real local receiver (Deno.serve on
 * 127.0.0.1, port 0): signed Slack-compatible bodies, retries after a
 * failing answer.
 */

import { assertEquals } from "../../_assert.ts";
import { Notifications, signBody } from "../../../src/hub/notify.ts";
import { hubPermissionFlags } from "../../../src/cli/permissions.ts";
import { eventually, must, startHub } from "../../_util.ts";

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

/** Starts a hub that notifies `rx`, signed with `k3y`. */
function notifyingHub(rx: { url: string }, args: string[] = []) {
  return startHub({
    allowNet: `127.0.0.1,${new URL(rx.url).host}`,
    args: ["--notify-url", rx.url, "--notify-secret", "k3y", ...args],
  });
}

Deno.test("serve --notify-url - a finished task tree is told once, when its root becomes done directly or by rollup", async () => {
  await using rx = receiver(0);
  await using hub = await notifyingHub(rx);
  const task = (body: string, parent?: number) =>
    must(hub, "POST", "/v1/messages", {
      from_agent: "lead",
      channel: "general",
      kind: "task",
      thread_id: "build-9",
      body,
      ...(parent ? { parent_task_id: parent } : {}),
    });
  const complete = (id: number) =>
    hub.api("POST", `/v1/tasks/${id}/complete`, {});
  const root = await task("ship build 9");
  const a = await task("compile", root.id);
  const b = await task("test", root.id);
  const lone = await task("tag the release");
  await complete(a.id);
  // The last subtask rolls the root up: the tree is finished.
  const rolled = await complete(b.id);
  assertEquals(rolled.body.parent_completed, true);
  await complete(lone.id);
  // Completing a done task again changes nothing and tells nothing.
  await complete(lone.id);
  // A task_request answered by a task_result is a finished tree too.
  const fence = await must(hub, "POST", "/v1/messages", {
    from_agent: "lead",
    to_agent: "worker",
    channel: "general",
    kind: "task_request",
    body: "lint",
  });
  await must(hub, "POST", "/v1/messages", {
    from_agent: "worker",
    to_agent: "lead",
    channel: "general",
    kind: "task_result",
    reply_to: fence.id,
    body: "clean",
  });
  await eventually(() => Promise.resolve(rx.got.length >= 3), {
    what: "three notifications",
  });
  assertEquals(rx.got.map((r) => r.event), [
    "task.tree_finished",
    "task.tree_finished",
    "task.tree_finished",
  ]);
  for (const r of rx.got) {
    assertEquals(r.signature, await signBody("k3y", r.body));
  }
  const bodies = rx.got.map((r) => JSON.parse(r.body));
  assertEquals(
    bodies.map((x) => [x.arcdeno.task.task_id, x.arcdeno.task.status]),
    [[root.id, "done"], [lone.id, "done"], [fence.id, "done"]],
  );
  assertEquals(bodies[0].arcdeno.task.parent_task_id, null);
  assertEquals(
    bodies[0].text,
    `task #${root.id} in #general (thread build-9) is done, with every subtask`,
  );
  assertEquals(
    bodies[2].text,
    `task #${fence.id} in #general is done, with every subtask`,
  );
});

Deno.test("serve --notify-url - a stalled claim holder is told once per stall episode", async () => {
  await using rx = receiver(0);
  await using hub = await notifyingHub(rx, ["--stall-after", "2"]);
  await must(hub, "POST", "/v1/claims", {
    claim_key: "build-9/compile",
    owner_agent_id: "worker",
    ttl_sec: 600,
  });
  // Listing agents runs the presence sweep, which looks for stalls.
  const look = async () => {
    await must(hub, "GET", "/v1/agents");
    return rx.got.length;
  };
  await eventually(async () => (await look()) >= 1, {
    what: "the stall notification",
  });
  // Still stalled: further sweeps tell nothing new.
  for (let i = 0; i < 5; i++) assertEquals(await look(), 1);
  const [first] = rx.got;
  assertEquals(first!.event, "agent.stalled");
  assertEquals(first!.signature, await signBody("k3y", first!.body));
  const body = JSON.parse(first!.body);
  assertEquals(body.arcdeno.agent_id, "worker");
  assertEquals(body.arcdeno.status.state, "stalled");
  assertEquals(body.arcdeno.status.claims, 1);
  assertEquals(
    body.text.startsWith("worker is stalled: holds 1 claim(s)"),
    true,
  );

  // Activity ends the episode; the next stall is a new one.
  await must(hub, "POST", "/v1/arcdeno/agents/worker/status", {
    event: "tool",
  });
  assertEquals(await look(), 1);
  await eventually(async () => (await look()) >= 2, {
    what: "the second stall notification",
  });
  assertEquals(rx.got.map((r) => r.event), ["agent.stalled", "agent.stalled"]);
});
