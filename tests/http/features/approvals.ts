/**
 * Approvals (`arcdeno:approvals`) over HTTP against real hub processes: the
 * request's life (pending, decided once, expired), the long-poll that
 * answers once the operator decides, on one hub and across two hubs on one
 * SQLite file and on one PostgreSQL database.
 */

import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import {
  eventually,
  type HubLike,
  must,
  request,
  startHub,
} from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { pgTest, withPgHubs } from "../../postgres/_pg.ts";

const ASK = {
  agent_id: "worker",
  title: "Bash: rm -rf build",
  detail: "rm -rf build",
  metadata: { tool_name: "Bash", tool_input: { command: "rm -rf build" } },
};

/** Starts a long-poll on `waiter` for the approval, decides it on `decider`, and returns what the long-poll answered. */
async function decideWhileWaiting(
  waiter: HubLike,
  decider: HubLike,
  decision: "allow" | "deny",
) {
  const created = await must(waiter, "POST", "/v1/arcdeno/approvals", ASK);
  const waiting = request(
    waiter.url,
    "GET",
    `/v1/arcdeno/approvals/${created.id}?wait=30`,
  );
  // The waiter is parked once the hub counts it (it subscribed just before).
  await eventually(async () => {
    const res = await fetch(`${waiter.url}/metrics`);
    return (await res.text()).includes('arc_waiters{kind="long_poll"} 1');
  }, { what: "the long-poll to park" });
  const decided = await must(
    decider,
    "POST",
    `/v1/arcdeno/approvals/${created.id}/decide`,
    { decision, by: "operator-1", note: "checked" },
  );
  const answer = await waiting;
  assertEquals(answer.status, 200);
  return { created, decided, answer: answer.body.result };
}

Deno.test("approvals: a request is listed pending, decided once, and kept with who and when", async () => {
  await using hub = await inProcessHub();
  const info = await must(hub, "GET", "/v1/hub-info");
  assert(info.features.includes("arcdeno:approvals"));

  const created = await must(hub, "POST", "/v1/arcdeno/approvals", {
    ...ASK,
    choices: ["once", "always"],
    timeout_sec: 120,
  });
  assertEquals(created.status, "pending");
  assertEquals(created.choices, ["once", "always"]);
  const pending = await must(
    hub,
    "GET",
    "/v1/arcdeno/approvals?status=pending",
  );
  assertEquals(pending.map((a: { id: string }) => a.id), [created.id]);

  const bad = await hub.api(
    "POST",
    `/v1/arcdeno/approvals/${created.id}/decide`,
    { decision: "maybe" },
  );
  assertEquals(bad.status, 400);
  assertStringIncludes(bad.body.error, "'allow' or 'deny'");
  const badChoice = await hub.api(
    "POST",
    `/v1/arcdeno/approvals/${created.id}/decide`,
    { decision: "allow", choice: "forever" },
  );
  assertEquals(badChoice.status, 400);

  const decided = await must(
    hub,
    "POST",
    `/v1/arcdeno/approvals/${created.id}/decide`,
    { decision: "allow", by: "alice", note: "fine", choice: "once" },
  );
  assertEquals(
    [decided.status, decided.decided_by, decided.note, decided.choice],
    ["allowed", "alice", "fine", "once"],
  );
  assert(decided.decided_at);

  const again = await hub.api(
    "POST",
    `/v1/arcdeno/approvals/${created.id}/decide`,
    { decision: "deny", by: "bob" },
  );
  assertEquals(again.status, 409);
  assertStringIncludes(again.body.error, "already allowed by alice");

  assertEquals(
    await must(hub, "GET", "/v1/arcdeno/approvals?status=pending"),
    [],
  );
  const allowed = await must(
    hub,
    "GET",
    "/v1/arcdeno/approvals?status=allowed",
  );
  assertEquals(allowed[0].id, created.id);

  // The requester hears of it in its feed.
  const inbox = await must(hub, "GET", "/v1/inbox/worker");
  assertEquals(inbox.at(-1).metadata.arcdeno.approval, {
    id: created.id,
    status: "allowed",
    choice: "once",
  });
});

Deno.test("approvals: bad requests get clear 4xx errors", async () => {
  await using hub = await inProcessHub();
  const cases: [unknown, string][] = [
    [{ title: "x" }, "agent_id is required"],
    [{ agent_id: "w" }, "title is required"],
    [{ agent_id: "w", title: "x", timeout_sec: 0 }, "timeout_sec must be"],
    [{ agent_id: "w", title: "x", choices: [1] }, "choices must be"],
  ];
  for (const [body, error] of cases) {
    const reply = await hub.api("POST", "/v1/arcdeno/approvals", body);
    assertEquals(reply.status, 400, JSON.stringify(body));
    assertStringIncludes(reply.body.error, error);
  }
  assertEquals(
    (await hub.api("GET", "/v1/arcdeno/approvals?status=nope")).status,
    400,
  );
  assertEquals(
    (await hub.api("GET", "/v1/arcdeno/approvals/ap_none")).status,
    404,
  );
  assertEquals(
    (await hub.api("POST", "/v1/arcdeno/approvals/../decide", {
      decision: "allow",
    })).status,
    404,
  );
});

Deno.test("approvals: a long-poll answers the decision as soon as it is taken", async () => {
  await using hub = await inProcessHub();
  const { created, answer } = await decideWhileWaiting(hub, hub, "deny");
  assertEquals(answer.id, created.id);
  assertEquals(answer.status, "denied");
  assertEquals(answer.decided_by, "operator-1");
});

Deno.test("approvals: a long-poll answers expired when the request's time runs out", async () => {
  await using hub = await inProcessHub();
  const created = await must(hub, "POST", "/v1/arcdeno/approvals", {
    ...ASK,
    timeout_sec: 1,
  });
  // 300 ms before the expiry the waiter parks for the rest (a real timer);
  // the clock passes the expiry meanwhile, and the timer answers.
  hub.clock.advance(Date.parse(created.expires_at) - hub.clock.now() - 300);
  const waiting = must(
    hub,
    "GET",
    `/v1/arcdeno/approvals/${created.id}?wait=30`,
  );
  await eventually(() => Promise.resolve(hub.hub.notifier.size === 1), {
    what: "the waiter to park",
  });
  hub.clock.advance(300);
  const answer = await waiting;
  assertEquals(answer.status, "expired");
  assertEquals(answer.decided_at, created.expires_at);
  const late = await hub.api(
    "POST",
    `/v1/arcdeno/approvals/${created.id}/decide`,
    { decision: "allow" },
  );
  assertEquals(late.status, 409);
  assertStringIncludes(late.body.error, "already expired");
});

Deno.test("approvals: a decision on one hub wakes a waiter on another hub on the same file", async () => {
  await using a = await startHub({ keepDir: true });
  await using b = await startHub({ dir: a.dir });
  const { answer } = await decideWhileWaiting(a, b, "allow");
  assertEquals(answer.status, "allowed");
});

pgTest(
  "approvals: PostgreSQL hubs decide once and wake each other's waiters",
  () =>
    withPgHubs(2, async ([a, b]) => {
      const { created, answer } = await decideWhileWaiting(a!, b!, "deny");
      assertEquals(answer.status, "denied");
      const [x, y] = await Promise.all([a!, b!].map((hub) =>
        hub.api("POST", `/v1/arcdeno/approvals/${created.id}/decide`, {
          decision: "allow",
        })
      ));
      assertEquals([x!.status, y!.status], [409, 409]);
      const twice = await must(a!, "POST", "/v1/arcdeno/approvals", ASK);
      const both = await Promise.all([a!, b!].map((hub, i) =>
        hub.api("POST", `/v1/arcdeno/approvals/${twice.id}/decide`, {
          decision: i ? "allow" : "deny",
          by: `op${i}`,
        })
      ));
      assertEquals(
        both.map((r) =>
          r.status
        ).sort(),
        [200, 409],
      );
    }),
);
