/**
 * Helpers for the export/import tests: seed a hub with every kind of row
 * through the HTTP API, read everything back the same way, and run the
 * data commands as real processes.
 *
 * @module
 */

import { assertEquals } from "../_assert.ts";
import { ENTRY, ENTRY_FLAGS, type HubLike, must } from "../_util.ts";
import { type CommandRun, run } from "./_arc.ts";

/** Runs `arc <args>` ({@linkcode ENTRY}) with read, write, net and env permissions. */
export function arc(
  args: string[],
  options: { env?: Record<string, string> } = {},
): Promise<CommandRun> {
  return run(
    Deno.execPath(),
    [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--allow-env",
      ...ENTRY_FLAGS,
      ENTRY,
      ...args,
    ],
    options,
  );
}

/** Fills a hub with channels, sessions, broadcasts, DMs, threads, tasks, claims and locks. */
export async function seed(hub: HubLike): Promise<void> {
  await must(hub, "POST", "/v1/channels", {
    name: "ops",
    created_by: "lead",
    metadata: { purpose: "deploys" },
  });
  await must(hub, "POST", "/v1/channels", { name: "empty-room" });
  for (const agent of ["lead", "worker"]) {
    await must(hub, "POST", "/v1/sessions", {
      agent_id: agent,
      capabilities: [agent === "lead" ? "plan" : "build"],
      metadata: { team: "red" },
    });
  }
  const post = (body: Record<string, unknown>) =>
    must(hub, "POST", "/v1/messages", body);
  await post({ from_agent: "lead", channel: "general", body: "morning" });
  const task = await post({
    from_agent: "lead",
    channel: "ops",
    kind: "task",
    thread_id: "deploy-7",
    body: "deploy build 7",
    attachments: [{ type: "file_ref", path: "deploy/plan.md" }],
    metadata: { priority: "high" },
  });
  const sub = await post({
    from_agent: "lead",
    channel: "ops",
    kind: "task",
    thread_id: "deploy-7",
    body: "run the smoke tests",
    parent_task_id: task.id,
  });
  await post({
    from_agent: "worker",
    channel: "ops",
    kind: "artifact",
    thread_id: "deploy-7",
    reply_to: sub.id,
    body: "smoke log",
    attachments: [{ type: "text", content: "all green\n" }],
  });
  await must(hub, "POST", `/v1/tasks/${sub.id}/complete`, {});
  await post({
    from_agent: "lead",
    to_agent: "worker",
    body: "ping me when done",
  });
  await post({
    from_agent: "worker",
    channel: "general",
    thread_id: "chat-1",
    body: "lunch?",
  });
  for (let i = 0; i < 30; i++) {
    await post({ from_agent: "worker", channel: "general", body: `note ${i}` });
  }
  await must(hub, "POST", "/v1/claims", {
    claim_key: "deploy-7/build",
    owner_agent_id: "worker",
    thread_id: "deploy-7",
    task_message_id: task.id,
    ttl_sec: 600,
  });
  await must(hub, "POST", "/v1/claims", {
    claim_key: "old-claim",
    owner_agent_id: "lead",
    ttl_sec: 600,
  });
  await must(hub, "POST", "/v1/claims/release", {
    claim_key: "old-claim",
    agent_id: "lead",
  });
  await must(hub, "POST", "/v1/locks", {
    agent_id: "worker",
    file_path: "src/deploy.ts",
    ttl_sec: 600,
    metadata: { thread_id: "deploy-7" },
  });
}

/**
 * Adds the vendor content an export carries beside the protocol rows, in a
 * channel `plans` (thread `plan-1`): shared and exclusive reservations with
 * their fences (one released), delivery receipts (delivered, acknowledged,
 * and a broadcast still waiting), and task dependencies (from a task's
 * metadata and added afterwards). Returns the ids it made.
 */
export async function seedVendor(
  hub: HubLike,
): Promise<{ dm: number; broadcast: number; tasks: number[] }> {
  await must(hub, "POST", "/v1/channels", { name: "plans" });
  const lock = (agent: string, path: string, mode: string) =>
    must(hub, "POST", "/v1/locks", {
      agent_id: agent,
      file_path: path,
      ttl_sec: 600,
      arcdeno: { mode },
    });
  await lock("lead", "docs/**", "shared");
  await lock("worker", "docs/**", "shared");
  await lock("lead", "src/plan.ts", "exclusive");
  await must(hub, "POST", "/v1/locks/release", {
    agent_id: "lead",
    file_path: "src/plan.ts",
  });
  const post = (body: Record<string, unknown>) =>
    must(hub, "POST", "/v1/messages", body);
  const dm = await post({
    from_agent: "lead",
    to_agent: "worker",
    channel: "plans",
    thread_id: "plan-1",
    body: "read the plan",
    metadata: { arcdeno: { ack_within_sec: 900 } },
  });
  const broadcast = await post({
    from_agent: "lead",
    channel: "plans",
    thread_id: "plan-1",
    body: "plan frozen, please confirm",
    metadata: { ack_required: true },
  });
  // The worker is handed its direct message and acknowledges it.
  await must(hub, "GET", "/v1/messages?agent_id=worker&channel=plans");
  await must(hub, "POST", `/v1/arcdeno/messages/${dm.id}/ack`, {
    agent_id: "worker",
  });
  const task = (body: string, dependsOn?: number[]) =>
    post({
      from_agent: "lead",
      to_agent: "worker",
      channel: "plans",
      thread_id: "plan-1",
      kind: "task",
      body,
      ...(dependsOn
        ? { metadata: { arcdeno: { depends_on: dependsOn } } }
        : {}),
    });
  const first = await task("draft the plan");
  const second = await task("review the plan", [first.id]);
  const third = await task("publish the plan");
  await must(hub, "POST", `/v1/arcdeno/tasks/${third.id}/depends`, {
    depends_on: [second.id],
  });
  // Both agents are handed everything, so reading an inbox later (as
  // `content` does) changes no receipt.
  for (const agent of ["lead", "worker"]) {
    await must(hub, "GET", `/v1/inbox/${agent}`);
  }
  return {
    dm: dm.id,
    broadcast: broadcast.id,
    tasks: [first.id, second.id, third.id],
  };
}

/** Everything the API shows of a hub's content (sessions aside). */
// deno-lint-ignore no-explicit-any
export async function content(hub: HubLike): Promise<Record<string, any>> {
  // deno-lint-ignore no-explicit-any
  const result: Record<string, any> = {};
  result["channels"] = await must(hub, "GET", "/v1/channels");
  for (const c of result["channels"]) {
    result[`messages:${c.name}`] = await must(
      hub,
      "GET",
      `/v1/messages?channel=${c.name}&limit=500`,
    );
  }
  // Waits for an acknowledgement; the age depends on when one asks.
  result["unacked"] = (await must(hub, "GET", "/v1/arcdeno/unacked?all=1"))
    // deno-lint-ignore no-explicit-any
    .map(({ age_sec: _a, overdue: _o, ...rest }: any) => rest);
  // Delivery receipts, seen by a party of each message (the listings above
  // hide direct messages), read before the inboxes below hand anything over.
  // Ids may start late (a filtered import): walk up to the highest id known
  // and on to the first unknown one.
  const known = Math.max(
    0,
    ...result["channels"].flatMap((c: { name: string }) =>
      result[`messages:${c.name}`].map((m: { id: number }) => m.id)
    ),
    ...result["unacked"].map((w: { message_id: number }) => w.message_id),
  );
  for (let id = 1;; id++) {
    let reply = await hub.api(
      "GET",
      `/v1/arcdeno/messages/${id}/receipts?agent_id=lead`,
    );
    if (reply.status === 403) {
      reply = await hub.api(
        "GET",
        `/v1/arcdeno/messages/${id}/receipts?agent_id=worker`,
      );
    }
    if (reply.status === 404) {
      if (id > known) break;
      continue;
    }
    assertEquals(reply.status, 200, `receipts of ${id}`);
    if (reply.body.result.tracked) {
      result[`receipts:${id}`] = reply.body.result;
    }
  }
  for (const agent of ["lead", "worker"]) {
    result[`inbox:${agent}`] = await must(hub, "GET", `/v1/inbox/${agent}`);
  }
  result["tasks"] = await must(hub, "GET", "/v1/tasks");
  result["threads"] = await must(hub, "GET", "/v1/threads");
  for (const t of result["threads"]) {
    result[`thread:${t.thread_id}`] = await must(
      hub,
      "GET",
      `/v1/threads/${t.thread_id}`,
    );
  }
  result["claims"] = await must(hub, "GET", "/v1/claims");
  // Every holder (shared ones too) with its mode and fence.
  result["locks"] = await must(hub, "GET", "/v1/locks");
  for (const t of result["tasks"]) {
    result[`depends:${t.task_id}`] = await must(
      hub,
      "GET",
      `/v1/arcdeno/tasks/${t.task_id}/depends`,
    );
  }
  result["ready"] = await must(hub, "GET", "/v1/arcdeno/tasks/ready");
  return result;
}

/** Asserts two hubs show the same content, key by key. */
export async function assertSameContent(
  a: HubLike,
  b: HubLike,
): Promise<void> {
  const [left, right] = [await content(a), await content(b)];
  assertEquals(Object.keys(right).sort(), Object.keys(left).sort());
  for (const key of Object.keys(left)) {
    assertEquals(right[key], left[key], key);
  }
}

/** The records of an export file. */
// deno-lint-ignore no-explicit-any
export function records(text: string): any[] {
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line));
}
