import { assertEquals, assertRejects } from "../../_assert.ts";
import { AgentStatuses } from "../../../src/hub/agent_status.ts";
import { ValidationError } from "../../../src/errors.ts";
import type { Claim } from "../../../src/store/types.ts";
import { toIso } from "../../../src/time.ts";

function claim(at: number): Claim {
  return {
    claim_key: "task-1",
    thread_id: null,
    task_message_id: null,
    owner_agent_id: "alice",
    claimed_at: toIso(at),
    expires_at: toIso(at + 300_000),
    released_at: null,
    metadata: {},
  } as Claim;
}

Deno.test("AgentStatuses - hook events set the state; a quiet claim holder is stalled", async () => {
  let now = Date.parse("2026-05-01T10:00:00Z");
  const statuses = new AgentStatuses({
    stallAfterSec: 60,
    clock: { now: () => now },
  });
  assertEquals(statuses.status("alice", []), undefined);
  assertEquals(
    statuses.report("alice", { event: "prompt", host: "claude" })
      .state,
    "working",
  );
  assertEquals(
    statuses.report("alice", { event: "approval" }).state,
    "waiting_approval",
  );
  assertEquals(statuses.report("alice", { event: "stop" }).state, "idle");
  const held = [claim(now)];
  now += 59_000;
  assertEquals(statuses.status("alice", held)?.["state"], "idle");
  now += 2_000;
  const stalled = statuses.status("alice", held)!;
  assertEquals(stalled["state"], "stalled");
  assertEquals(stalled["host"], "claude");
  // Activity (a post) clears it.
  statuses.touch("alice");
  assertEquals(statuses.status("alice", held)?.["state"], "idle");
  // A claim holder no hook reported for is judged by its claim's age.
  now += 61_000;
  assertEquals(
    statuses.status("bob", [claim(now - 61_000)])?.["state"],
    "stalled",
  );
  assertEquals(statuses.status("bob", [claim(now)])?.["state"], "unknown");
  const error = await assertRejects(
    async () => await statuses.report("alice", { event: "dancing" }),
  );
  assertEquals(error instanceof ValidationError, true);
  assertEquals(error.message.startsWith("event must be one of"), true);
});
