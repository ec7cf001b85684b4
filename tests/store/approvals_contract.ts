/**
 * The approvals part of the store contract (`arcdeno:approvals`), run
 * against each backend from `sqlite_test.ts` and `postgres_test.ts`.
 *
 * @module
 */

import { rules } from "./_rules.ts";
import { assert, assertEquals } from "../_assert.ts";
import type { NewApproval } from "../../src/hub/units/approvals.ts";
import { contractTest, type StoreOpener } from "./contract.ts";

/** Registers the approval tests for one backend. */
export function approvalsContract(name: string, open: StoreOpener): void {
  const test = contractTest(name, open);
  const request = (id: string, agent = "worker"): NewApproval => ({
    id,
    agent_id: agent,
    title: "Bash: rm -rf build",
    detail: "rm -rf build",
    choices: [],
    metadata: { tool_name: "Bash", tool_input: { command: "rm -rf build" } },
  });

  test(
    "approvals: a request is pending until its deadline, with its facts kept",
    async (store, clock) => {
      const r = rules(store).approvals;
      const created = await r.create(request("ap_1"), 60);
      assertEquals(created.status, "pending");
      assertEquals(created.created_at, clock.iso());
      const got = await r.get("ap_1");
      assertEquals(got, created);
      assertEquals(got?.metadata, {
        tool_name: "Bash",
        tool_input: { command: "rm -rf build" },
      });
      assertEquals(
        (await r.list({ status: "pending", now: clock.iso(), limit: 10 })).map((
          a,
        ) => a.id),
        ["ap_1"],
      );
      assertEquals(await r.get("ap_missing"), null);
    },
  );

  test("approvals: a decision is taken exactly once and tells the requester", async (store) => {
    const r = rules(store).approvals;
    await r.create(request("ap_2"), 60);
    const [a, b] = await Promise.all([
      r.decide("ap_2", {
        status: "denied",
        by: "alice",
        note: "no",
        choice: null,
      }),
      r.decide("ap_2", {
        status: "allowed",
        by: "bob",
        note: null,
        choice: null,
      }),
    ]);
    assertEquals([a.decided, b.decided].filter(Boolean).length, 1);
    const winner = a.decided ? a : b;
    const loser = a.decided ? b : a;
    assertEquals(loser.posted, []);
    assertEquals(loser.approval?.status, winner.approval?.status);
    assertEquals(winner.posted.length, 1);
    const notice = winner.posted[0]!;
    assertEquals(notice.to_agent, "worker");
    assertEquals(notice.kind, "notice");
    assertEquals(
      (notice.metadata["arcdeno"] as Record<string, unknown>)["approval"],
      { id: "ap_2", status: winner.approval!.status },
    );
    const stored = await r.get("ap_2");
    assertEquals(stored?.decided_by, winner.approval!.decided_by);
    assert(stored?.decided_at);
  });

  test(
    "approvals: a request past its deadline lists as expired and can no longer be decided",
    async (store, clock) => {
      const r = rules(store).approvals;
      await r.create(request("ap_3"), 30);
      await r.create(request("ap_4", "other"), 300);
      assertEquals(await r.due(), false);
      clock.tick(31);
      assertEquals(await r.due(), true);
      const now = clock.iso();
      assertEquals(
        (await r.list({ status: "pending", now, limit: 10 })).map((a) => a.id),
        ["ap_4"],
      );
      assertEquals(
        (await r.list({ status: "expired", now, limit: 10 })).map((a) => a.id),
        ["ap_3"],
      );
      const late = await r.decide("ap_3", {
        status: "allowed",
        by: "alice",
        note: null,
        choice: null,
      });
      assertEquals(late.decided, false);
      assertEquals(late.approval?.status, "expired");
      assertEquals(late.approval?.decided_at, late.approval?.expires_at);
      assertEquals(await r.due(), false);
      assertEquals((await r.expire()).map((a) => a.id), []);
      clock.tick(300);
      assertEquals(await r.due(), true);
      assertEquals((await r.expire()).map((a) => a.id), ["ap_4"]);
      assertEquals(await r.due(), false);
      assertEquals(
        (await r.list({ agentId: "other", now: clock.iso(), limit: 10 })).map((
          a,
        ) => [a.id, a.status]),
        [["ap_4", "expired"]],
      );
    },
  );
}
