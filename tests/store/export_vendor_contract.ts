/**
 * The vendor part of the export/import contract, run by every backend:
 * reservations (holders with mode and fence, the fence counter), delivery
 * receipts and acknowledgement waits, task dependencies and approval
 * requests round-trip through `exportRows` / `importRecords`, and a thread
 * export keeps only the vendor rows of its own messages and tasks.
 *
 * @module
 */

import { rules } from "./_rules.ts";
import { assert, assertEquals } from "../_assert.ts";
import {
  emptyCounts,
  type ExportFilter,
  type ExportRecord,
  type RowRecord,
} from "../../src/store/export_format.ts";
import type { TrackedMessage } from "../../src/store/receipts.ts";
import type { Store } from "../../src/store/types.ts";
import { FakeClock, newMessage, type StoreOpener } from "./contract.ts";

async function rows(
  store: Store,
  filter: ExportFilter = { kind: "all" },
): Promise<RowRecord[]> {
  const out: RowRecord[] = [];
  for await (const row of rules(store).exportRows(filter)) out.push(row);
  return out;
}

async function* wrap(list: RowRecord[]): AsyncGenerator<ExportRecord> {
  yield {
    type: "header",
    format: "arcdeno-export",
    version: 2,
    instance_id: "mh1-test",
    exported_at: "2026-04-14T17:00:00Z",
    implementation: "arc-deno",
    implementation_version: "0",
    backend: "test",
    filter: {},
  };
  const counts = emptyCounts();
  for (const row of list) {
    counts[row.type]++;
    yield row;
  }
  yield { type: "end", counts };
}

async function task(
  store: Store,
  thread: string,
  body: string,
): Promise<number> {
  const posted = await rules(store).postMessage(
    newMessage({
      from_agent: "lead",
      to_agent: "w",
      channel: "general",
      kind: "task",
      thread_id: thread,
      body,
    }),
    null,
  );
  return posted.message.id;
}

function tracked(id: number, thread: string): TrackedMessage {
  return {
    id,
    ts: "2026-04-14T17:00:00Z",
    from_agent: "lead",
    to_agent: "w",
    channel: "general",
    kind: "task",
    ack_within_sec: thread === "t1" ? 60 : null,
  };
}

/** Fills a store with vendor rows in two threads; returns the task ids. */
async function fill(store: Store): Promise<[number, number, number]> {
  const a = await task(store, "t1", "a");
  const b = await task(store, "t1", "b");
  const c = await task(store, "t2", "c");
  await rules(store).addTaskDependencies(b, [a]);
  await rules(store).addTaskDependencies(c, [b]);
  await rules(store).receipts.markDelivered("w", [
    tracked(a, "t1"),
    tracked(c, "t2"),
  ]);
  await rules(store).receipts.markSurfaced("w", [tracked(c, "t2")]);
  await rules(store).receipts.ack("w", tracked(a, "t1"));
  const lease = { ttl_sec: 600, metadata: {} };
  await rules(store).reservations.acquire({
    file_path: "docs/**",
    agent_id: "lead",
    mode: "shared",
    ...lease,
  });
  await rules(store).reservations.acquire({
    file_path: "docs/**",
    agent_id: "w",
    mode: "shared",
    ...lease,
  });
  await rules(store).reservations.acquire({
    file_path: "x.ts",
    agent_id: "w",
    mode: "exclusive",
    ...lease,
  });
  await rules(store).reservations.release("x.ts", "w");
  return [a, b, c];
}

/** Registers the vendor export/import contract tests for one backend. */
export function exportVendorContract(name: string, open: StoreOpener): void {
  async function withStores(
    fn: (a: Store, b: Store, clock: FakeClock) => Promise<void>,
  ): Promise<void> {
    const clock = new FakeClock();
    const a = await open(clock);
    try {
      const b = await open(clock);
      try {
        await fn(a.store, b.store, clock);
      } finally {
        await b.cleanup();
      }
    } finally {
      await a.cleanup();
    }
  }

  Deno.test(`${name}: reservations, receipts and task dependencies round-trip through export and import`, () =>
    withStores(async (a, b) => {
      const [ta, tb, tc] = await fill(a);
      const exported = await rows(a);
      const of = (type: string) => exported.filter((r) => r.type === type);
      assertEquals(
        of("lock_holder").map((r) =>
          r.type === "lock_holder" &&
          [r.file_path, r.agent_id, r.mode, r.fence, r.primary, r.released_at]
        ),
        [
          ["docs/**", "lead", "shared", 1, true, null],
          ["docs/**", "w", "shared", 2, false, null],
          ["x.ts", "w", "exclusive", 3, true, "2026-04-14T17:00:00Z"],
        ],
      );
      assertEquals(of("fence"), [{ type: "fence", value: 3 }]);
      assertEquals(of("receipt").length, 2);
      assertEquals(of("ack_wait").length, 2);
      assertEquals(
        of("task_dep").map((r) =>
          r.type === "task_dep" && [r.task_id, r.depends_on]
        ),
        [[tb, ta], [tc, tb]],
      );

      await rules(b).importRecords(wrap(exported));
      const restored = await rows(b);
      assertEquals(
        restored.filter((r) => r.type !== "channel"),
        exported.filter((r) => r.type !== "channel"),
      );
      assertEquals(
        (await rules(b).getTaskDependencies(tc))?.open_dependencies,
        [tb],
      );
      assertEquals(
        (await rules(b).receipts.listReceipts(ta)).map((r) =>
          r.acked_at !== null
        ),
        [true],
      );
      // The surfaced state comes back too.
      assert(
        restored.some((r) => r.type === "receipt" && r.surfaced_at !== null),
        "a surfaced receipt survives export and import",
      );
      const live = await rules(b).reservations.list({ activeOnly: true });
      assertEquals(live.map((h) => [h.agent_id, h.fence]), [
        ["lead", 1],
        ["w", 2],
      ]);
      const next = await rules(b).reservations.acquire({
        file_path: "y.ts",
        agent_id: "lead",
        mode: "exclusive",
        ttl_sec: 60,
        metadata: {},
      });
      assert(next.acquired);
      assertEquals(next.holder.fence, 4);
    }));

  Deno.test(`${name}: approval requests round-trip through export and import with their outcome, who and when`, () =>
    withStores(async (a, b, clock) => {
      const r = rules(a).approvals;
      const ask = (id: string, choices: string[] = []) =>
        r.create({
          id,
          agent_id: "w",
          title: `Bash: step ${id}`,
          detail: "rm -rf build",
          choices,
          metadata: { tool_name: "Bash", tool_input: { command: "ls" } },
        }, 60);
      await ask("ap_allowed", ["once", "always"]);
      await ask("ap_denied");
      await ask("ap_expired");
      await r.decide("ap_allowed", {
        status: "allowed",
        by: "alice",
        note: "fine",
        choice: "always",
      });
      await r.decide("ap_denied", {
        status: "denied",
        by: "bob",
        note: null,
        choice: null,
      });
      clock.tick(61);
      await r.expire();
      await ask("ap_pending");
      const exported = (await rows(a)).filter((row) => row.type === "approval");
      assertEquals(
        exported.map((row) =>
          row.type === "approval" &&
          [row.id, row.status, row.decided_by, row.choice]
        ),
        [
          ["ap_allowed", "allowed", "alice", "always"],
          ["ap_denied", "denied", "bob", null],
          ["ap_expired", "expired", null, null],
          ["ap_pending", "pending", null, null],
        ],
      );
      // No approval row in a channel or thread export.
      assertEquals(
        (await rows(a, { kind: "channel", channel: "general" })).filter((
          row,
        ) => row.type === "approval"),
        [],
      );

      const ids = ["ap_allowed", "ap_denied", "ap_expired", "ap_pending"];
      const before = await Promise.all(ids.map((id) => r.get(id)));
      const counts = await rules(b).importRecords(wrap(await rows(a)));
      assertEquals(counts.approval, 4);
      const after = await Promise.all(
        ids.map((id) => rules(b).approvals.get(id)),
      );
      assertEquals(after, before);
      assertEquals(after[0]?.decided_at, "2026-04-14T17:00:00Z");
      // The restored pending request is still decidable once.
      const decided = await rules(b).approvals.decide("ap_pending", {
        status: "allowed",
        by: "carol",
        note: null,
        choice: null,
      });
      assert(decided.decided);
      // A hub holding approvals is not empty: a second import is refused.
      let refused = "";
      try {
        await rules(b).importRecords(wrap(exported));
      } catch (error) {
        refused = (error as Error).message;
      }
      assert(refused.includes("4 approval requests"), refused);
    }));

  Deno.test(`${name}: a thread export keeps only the receipts and dependencies of its own messages and tasks`, () =>
    withStores(async (a) => {
      const [ta, tb] = await fill(a);
      const t1 = await rows(a, { kind: "thread", threadId: "t1" });
      assertEquals(
        t1.filter((r) => r.type === "receipt").map((r) =>
          r.type === "receipt" && r.message_id
        ),
        [ta],
      );
      assertEquals(
        t1.filter((r) => r.type === "ack_wait").map((r) =>
          r.type === "ack_wait" && r.message_id
        ),
        [ta],
      );
      // The edge from t2's task to t1's leaves with neither thread.
      assertEquals(
        t1.filter((r) => r.type === "task_dep").map((r) =>
          r.type === "task_dep" && [r.task_id, r.depends_on]
        ),
        [[tb, ta]],
      );
      assertEquals(
        t1.filter((r) => r.type === "lock_holder" || r.type === "fence"),
        [],
      );
      const general = await rows(a, { kind: "channel", channel: "general" });
      assertEquals(
        general.filter((r) => r.type === "task_dep").length,
        2,
      );
      assertEquals(general.filter((r) => r.type === "receipt").length, 2);
    }));
}
