/**
 * `arc_request_approval` of `arc mcp` against a real hub: the tool call
 * blocks until the operator decides over HTTP, then returns the decision;
 * without a decision it returns expired.
 */

import { assertEquals, assertStringIncludes } from "../../_assert.ts";
import { eventually, must } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { startMcp } from "../_mcp.ts";

Deno.test("arc mcp - arc_request_approval blocks until the operator allows, and reports expiry", async () => {
  await using hub = await inProcessHub();
  await using agent = await startMcp({
    agent: "deployer",
    baseUrl: hub.url,
    tools: "tasks",
  });
  const asking = agent.call("arc_request_approval", {
    title: "Deploy build 812 to production",
    detail: "make deploy ENV=prod",
    choices: ["now", "after 18:00"],
    timeout_sec: 60,
  });
  const pending = await eventually(async () =>
    (await must(hub, "GET", "/v1/arcdeno/approvals?status=pending"))[0]
  );
  assertEquals(pending.agent_id, "deployer");
  assertEquals(pending.metadata.source, "mcp");
  await must(hub, "POST", `/v1/arcdeno/approvals/${pending.id}/decide`, {
    decision: "allow",
    by: "alice",
    choice: "after 18:00",
  });
  const answer = await asking;
  assertEquals(
    [answer.status, answer.decided_by, answer.choice],
    ["allowed", "alice", "after 18:00"],
  );

  const asked = agent.raw("arc_request_approval", {
    title: "Drop the staging database",
    timeout_sec: 1,
  });
  await eventually(async () =>
    (await must(hub, "GET", "/v1/arcdeno/approvals?status=pending"))[0]
  );
  // The hub's time passes the request's; the tool's own wait ends after 1 s.
  await hub.advance(2_000);
  const late = await asked;
  const text = late.content.map((c) => c.type === "text" ? c.text : "")
    .join("\n");
  assertStringIncludes(text, "No answer in time (expired)");
});
