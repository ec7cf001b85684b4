/**
 * The export/import part of the {@linkcode Store} contract, run by every
 * backend: rows round-trip with their ids, an export reads one snapshot,
 * filters select only their rows, and a restore is all or nothing into an
 * empty store only.
 *
 * @module
 */

import { rules, writePlainLock } from "./_rules.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "../_assert.ts";
import { ConflictError, ValidationError } from "../../src/errors.ts";
import type {
  ExportFilter,
  ExportRecord,
  RowRecord,
} from "../../src/store/export_format.ts";
import type { Store } from "../../src/store/types.ts";
import {
  FakeClock,
  newClaim,
  newLock,
  newMessage,
  newSession,
  type StoreOpener,
  T0,
} from "./contract.ts";

async function rejects(
  fn: () => Promise<unknown>,
  type: new (...args: never[]) => Error,
  text: string,
): Promise<void> {
  const error = await assertRejects(fn);
  assert(error instanceof type, `${type.name} expected, got ${error}`);
  assertStringIncludes(error.message, text);
}

async function rows(
  store: Store,
  filter: ExportFilter = { kind: "all" },
): Promise<RowRecord[]> {
  const out: RowRecord[] = [];
  for await (const row of rules(store).exportRows(filter)) out.push(row);
  return out;
}

async function* wrap(
  list: RowRecord[],
  end: "right" | "wrong" | "none" = "right",
): AsyncGenerator<ExportRecord> {
  yield {
    type: "header",
    format: "arcdeno-export",
    version: 1,
    instance_id: "mh1-test",
    exported_at: "2026-04-14T17:00:00Z",
    implementation: "arc-deno",
    implementation_version: "0",
    backend: "test",
    filter: {},
  };
  // A version 1 end record: counts of the protocol rows only.
  const counts: Record<string, number> = {
    channel: 0,
    session: 0,
    message: 0,
    task: 0,
    claim: 0,
    lock: 0,
  };
  for (const row of list) {
    counts[row.type] = (counts[row.type] ?? 0) + 1;
    yield row;
  }
  if (end === "wrong") counts["message"]!++;
  if (end !== "none") yield { type: "end", counts };
}

async function fill(store: Store): Promise<void> {
  await store.channels.create("ops", "lead", { purpose: "deploys" });
  await rules(store).createSession(newSession("lead"), 120);
  const task = await rules(store).postMessage(
    newMessage({
      from_agent: "lead",
      channel: "ops",
      kind: "task",
      thread_id: "t1",
      body: "do it",
      attachments: [{ type: "text", content: "x" }],
      metadata: { k: [1, 2] },
    }),
    null,
  );
  await rules(store).postMessage(
    newMessage({ from_agent: "lead", to_agent: "w", body: "dm" }),
    null,
  );
  await rules(store).postMessage(
    newMessage({ from_agent: "w", channel: "general", body: "hi" }),
    null,
  );
  await rules(store).acquireClaim(
    newClaim("c1", "w", { thread_id: "t1", task_message_id: task.message.id }),
  );
  await writePlainLock(
    store,
    newLock("a.ts", "w", { metadata: { thread_id: "t1" } }),
    T0,
  );
}

/** Registers the export/import contract tests for one backend. */
export function exportContract(name: string, open: StoreOpener): void {
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

  Deno.test(`${name}: exportRows then importRecords restores every row with its id; sessions come back inactive`, () =>
    withStores(async (a, b) => {
      await fill(a);
      const exported = await rows(a);
      assertEquals(
        exported.map((r) => r.type),
        [
          "channel",
          "channel",
          "channel",
          "session",
          "message",
          "message",
          "message",
          "task",
          "claim",
          "lock",
        ],
      );
      const counts = await rules(b).importRecords(wrap(exported));
      assertEquals(counts, {
        channel: 3,
        session: 1,
        message: 3,
        task: 1,
        claim: 1,
        lock: 1,
        lock_holder: 0,
        fence: 0,
        receipt: 0,
        ack_wait: 0,
        task_dep: 0,
        approval: 0,
      });
      const restored = await rows(b);
      const expected = exported.map((r) =>
        r.type === "session" ? { ...r, active: false } : r
      );
      assertEquals(restored, expected);
      const next = await rules(b).postMessage(
        newMessage({ from_agent: "w", channel: "general", body: "next" }),
        null,
      );
      assertEquals(next.message.id, 4);
      assertEquals((await rules(b).listThreads()).map((t) => t.thread_id), [
        "t1",
      ]);
    }));

  Deno.test(`${name}: an export reads one snapshot while writes go on`, () =>
    withStores(async (a) => {
      await fill(a);
      const iterator = rules(a).exportRows({ kind: "all" })
        [Symbol.asyncIterator]();
      const first = await iterator.next();
      assertEquals(first.value?.type, "channel");
      for (let i = 0; i < 5; i++) {
        await rules(a).postMessage(
          newMessage({
            from_agent: "w",
            channel: "general",
            body: `late ${i}`,
          }),
          null,
        );
      }
      let messages = 0;
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
        if (r.value.type === "message") messages++;
      }
      assertEquals(messages, 3);
      assertEquals(
        (await rows(a)).filter((r) => r.type === "message").length,
        8,
      );
    }));

  Deno.test(`${name}: channel and thread filters select only their rows`, () =>
    withStores(async (a) => {
      await fill(a);
      const ops = await rows(a, { kind: "channel", channel: "ops" });
      assertEquals(ops.map((r) => r.type), ["channel", "message", "task"]);
      assert(
        ops.every((r) =>
          r.type === "channel"
            ? r.name === "ops"
            : "channel" in r && r.channel === "ops"
        ),
        "ops only",
      );
      const thread = await rows(a, { kind: "thread", threadId: "t1" });
      assertEquals(thread.map((r) => r.type), [
        "channel",
        "message",
        "task",
        "claim",
      ]);
    }));

  Deno.test(`${name}: importRecords refuses a store that is not empty, and a bad export writes nothing`, () =>
    withStores(async (a, b) => {
      await fill(a);
      const exported = await rows(a);
      await rejects(
        () => rules(a).importRecords(wrap(exported)),
        ConflictError,
        "it is not empty",
      );
      await rejects(
        () => rules(b).importRecords(wrap(exported, "none")),
        ValidationError,
        "ends early",
      );
      await rejects(
        () => rules(b).importRecords(wrap(exported, "wrong")),
        ValidationError,
        "inconsistent",
      );
      const twice = [...exported, exported.find((r) => r.type === "message")!];
      await rejects(
        () => rules(b).importRecords(wrap(twice)),
        ValidationError,
        "cannot restore message 1",
      );
      assertEquals((await rows(b)).filter((r) => r.type !== "channel"), []);
      await rules(b).importRecords(wrap(exported));
    }));
}
