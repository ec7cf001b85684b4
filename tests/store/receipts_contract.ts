/**
 * The receipt storage contract, run against every backend by
 * `sqlite_test.ts` and `postgres_test.ts`.
 *
 * @module
 */

import { rules } from "./_rules.ts";
import { assertEquals } from "../_assert.ts";
import type { TrackedMessage } from "../../src/store/receipts.ts";
import type { Message, Store } from "../../src/store/types.ts";
import {
  contractTest,
  newMessage,
  newSession,
  type StoreOpener,
} from "./contract.ts";

/** A message as the receipt units track it. */
export function tracked(m: Message, ackWithinSec: number | null = null) {
  const t: TrackedMessage = {
    id: m.id,
    ts: m.ts,
    from_agent: m.from_agent,
    to_agent: m.to_agent,
    channel: m.channel,
    kind: m.kind,
    ack_within_sec: ackWithinSec,
  };
  return t;
}

/**
 * Defines the receipt contract tests for one backend.
 *
 * @param name the backend's name, prefixed to every test
 * @param open opens a fresh store on the given clock
 */
export function receiptsContract(name: string, open: StoreOpener): void {
  const test = contractTest(name, open);

  async function dm(store: Store, from: string, to: string, body = "hi") {
    const { message } = await rules(store).postMessage(
      newMessage({ from_agent: from, to_agent: to, channel: "direct", body }),
      null,
    );
    return message;
  }

  test(
    "receipts.markDelivered() records one receipt per message and keeps the first time",
    async (store, clock) => {
      const a = await dm(store, "alice", "bob");
      const b = await dm(store, "alice", "bob");
      const t1 = clock.iso();
      await rules(store).receipts.markDelivered("bob", [
        tracked(a),
        tracked(b),
      ]);
      clock.advance(5_000);
      await rules(store).receipts.markDelivered("bob", [tracked(a)]);
      assertEquals(await rules(store).receipts.listReceipts(a.id), [
        {
          message_id: a.id,
          agent_id: "bob",
          delivered_at: t1,
          acked_at: null,
          surfaced_at: null,
        },
      ]);
      assertEquals(
        (await rules(store).receipts.receiptsOf([a.id, b.id])).map((r) =>
          r.message_id
        ),
        [a.id, b.id],
      );
      assertEquals(await rules(store).receipts.receiptsOf([]), []);
    },
  );

  test(
    "receipts.markSurfaced() records delivered and surfaced, keeping the first time of each",
    async (store, clock) => {
      const a = await dm(store, "alice", "bob");
      const b = await dm(store, "alice", "bob");
      const t1 = clock.iso();
      await rules(store).receipts.markDelivered("bob", [tracked(a)]);
      clock.advance(2_000);
      const t2 = clock.iso();
      await rules(store).receipts.markSurfaced("bob", [tracked(a), tracked(b)]);
      clock.advance(2_000);
      await rules(store).receipts.markSurfaced("bob", [tracked(a)]);
      await rules(store).receipts.markSurfaced("bob", []);
      const rows = await rules(store).receipts.receiptsOf([a.id, b.id]);
      assertEquals(
        rows.map((r) => [r.message_id, r.delivered_at, r.surfaced_at]),
        [[a.id, t1, t2], [b.id, t2, t2]],
      );
      // Surfaced without an ack still waits.
      assertEquals(
        (await rules(store).receipts.listUnacked({
          fromAgent: "alice",
          limit: 10,
        }))
          .length,
        2,
      );
    },
  );

  test(
    "receipts.ack() marks delivered and acked, closes the wait, and keeps the first ack",
    async (store, clock) => {
      const a = await dm(store, "alice", "bob", "please review");
      await rules(store).receipts.track(tracked(a, 60));
      const waiting = await rules(store).receipts.listUnacked({
        fromAgent: "alice",
        limit: 10,
      });
      assertEquals(waiting.map((w) => [w.message.body, w.ack_within_sec]), [[
        "please review",
        60,
      ]]);
      const t1 = clock.iso();
      const receipt = await rules(store).receipts.ack("bob", tracked(a));
      assertEquals(receipt, {
        message_id: a.id,
        agent_id: "bob",
        delivered_at: t1,
        acked_at: t1,
        surfaced_at: null,
      });
      clock.advance(3_000);
      assertEquals(
        (await rules(store).receipts.ack("bob", tracked(a))).acked_at,
        t1,
      );
      assertEquals(
        await rules(store).receipts.listUnacked({
          fromAgent: "alice",
          limit: 10,
        }),
        [],
      );
    },
  );

  test(
    "receipts.listUnacked() lists open waits oldest first, per sender or all",
    async (store) => {
      const a = await dm(store, "alice", "bob");
      const c = await dm(store, "carol", "bob");
      // A wait created by delivery alone (a message another hub posted).
      await rules(store).receipts.markDelivered("bob", [
        tracked(c),
        tracked(a),
      ]);
      const all = await rules(store).receipts.listUnacked({ limit: 10 });
      assertEquals(all.map((w) => w.message.id), [a.id, c.id]);
      assertEquals(
        (await rules(store).receipts.listUnacked({
          fromAgent: "carol",
          limit: 10,
        }))
          .map((w) => w.message.from_agent),
        ["carol"],
      );
      assertEquals(
        (await rules(store).receipts.listUnacked({ limit: 1 })).length,
        1,
      );
    },
  );

  test(
    "receipts.presence() tells live, expired and unknown agents apart",
    async (store, clock) => {
      await rules(store).createSession(newSession("bob"), 120);
      assertEquals(await rules(store).receipts.presence("bob", 120), "live");
      assertEquals(
        await rules(store).receipts.presence("nobody", 120),
        "unknown",
      );
      clock.advance(200_000);
      assertEquals(await rules(store).receipts.presence("bob", 120), "expired");
      await rules(store).recoverExpired(120);
      assertEquals(await rules(store).receipts.presence("bob", 120), "expired");
    },
  );

  test(
    "receipts.getMessage() reads one message or null",
    async (store) => {
      const a = await dm(store, "alice", "bob", "x");
      assertEquals((await rules(store).receipts.getMessage(a.id))?.body, "x");
      assertEquals(await rules(store).receipts.getMessage(a.id + 100), null);
    },
  );
}
