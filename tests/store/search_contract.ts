/**
 * The search part of the {@linkcode Store} contract, run by
 * `tests/store/features/sqlite.ts` and `tests/store/postgres_test.ts`: bounded
 * index steps, visibility, filters and time ranges on every backend.
 *
 * @module
 */

import { rules } from "./_rules.ts";
import { assert, assertEquals } from "../_assert.ts";
import type { SearchQuery } from "../../src/store/search_types.ts";
import type { Store } from "../../src/store/types.ts";
import { contractTest, newMessage, type StoreOpener } from "./contract.ts";

function query(
  text: string,
  agentId: string,
  extra: Partial<SearchQuery> = {},
): SearchQuery {
  return {
    expr: { groups: [{ all: [{ text, prefix: false }], none: [] }] },
    agentId,
    limit: 20,
    ...extra,
  };
}

/** Indexes every message stored so far. */
export async function catchUp(store: Store): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if ((await store.search.indexStep(100)).done) return;
  }
  throw new Error("the index never caught up");
}

/** Registers the search contract tests for one backend. */
export function searchContract(name: string, open: StoreOpener): void {
  const test = contractTest(name, open);

  test(
    "searchIndexStep() never indexes more than asked, and reports when it is done",
    async (store) => {
      for (let i = 0; i < 5; i++) {
        await rules(store).postMessage(
          newMessage({ from_agent: "a", body: `okra ${i}` }),
          null,
        );
      }
      const first = await store.search.indexStep(2);
      assert(first.indexed <= 2, `indexed ${first.indexed}`);
      await catchUp(store);
      assertEquals(await store.search.indexStep(2), { indexed: 0, done: true });
      assertEquals(
        (await store.search.query(query("okra", "x"))).length,
        5,
      );
    },
  );

  test(
    "searchMessages() applies visibility, filters and the time range",
    async (store, clock) => {
      const early = (await rules(store).postMessage(
        newMessage({ from_agent: "a", body: "quince early", kind: "task" }),
        null,
      )).message;
      clock.tick(60);
      const dm = (await rules(store).postMessage(
        newMessage({
          from_agent: "a",
          to_agent: "b",
          channel: "direct",
          body: "quince private",
        }),
        null,
      )).message;
      const late = (await rules(store).postMessage(
        newMessage({ from_agent: "c", body: "quince late", thread_id: "t" }),
        null,
      )).message;
      await catchUp(store);
      const ids = async (agent: string, extra: Partial<SearchQuery> = {}) =>
        (await store.search.query(query("quince", agent, extra)))
          .map((h) => h.message.id).sort((x, y) => x - y);
      assertEquals(await ids("z"), [early.id, late.id]);
      assertEquals(await ids("a"), [early.id, dm.id, late.id]);
      assertEquals(await ids("b"), [early.id, dm.id, late.id]);
      assertEquals(await ids("z", { kind: "task" }), [early.id]);
      assertEquals(await ids("z", { fromAgent: "c" }), [late.id]);
      assertEquals(await ids("z", { threadId: "t" }), [late.id]);
      assertEquals(await ids("z", { since: late.ts }), [late.id]);
      assertEquals(await ids("z", { until: early.ts }), [early.id]);
      assertEquals(await ids("b", { channel: "direct" }), [dm.id]);
      assertEquals(await ids("z", { limit: 1 }).then((l) => l.length), 1);
      const [hit] = await store.search.query(
        query("quince", "z", { threadId: "t" }),
      );
      assertEquals(hit?.message, late);
      assert(hit!.snippet.includes("quince"), hit!.snippet);
    },
  );
}
