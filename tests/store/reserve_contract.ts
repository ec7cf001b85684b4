/**
 * The reservation part of the store contract (globs, shared holders,
 * fences), run by both backends' store tests like `./contract.ts`.
 *
 * @module
 */

import { rules, writePlainLock } from "./_rules.ts";
import { assert, assertEquals } from "../_assert.ts";
import type { LockMode, NewReservation } from "../../src/store/reserve.ts";
import type { Store } from "../../src/store/types.ts";
import {
  contractTest,
  type FakeClock,
  newSession,
  type StoreOpener,
} from "./contract.ts";

function reservation(
  path: string,
  agent: string,
  mode: LockMode = "exclusive",
  ttl = 60,
): NewReservation {
  return { file_path: path, agent_id: agent, ttl_sec: ttl, metadata: {}, mode };
}

/** Registers the reservation rules for one backend. */
export function reserveContract(name: string, open: StoreOpener): void {
  const register = contractTest(`${name} reservations`, open);
  const test = (
    title: string,
    fn: (ctx: { store: Store; clock: FakeClock }) => Promise<void>,
  ) => register(title, (store, clock) => fn({ store, clock }));

  test("a glob and a path inside it conflict in both directions", async ({ store }) => {
    const r = rules(store).reservations;
    assert((await r.acquire(reservation("src/**", "alice"))).acquired);
    const denied = await r.acquire(reservation("src/api/a.ts", "bob"));
    assertEquals(denied.acquired, false);
    assertEquals(denied.holder.agent_id, "alice");
    assertEquals(denied.holder.file_path, "src/**");
    assert((await r.acquire(reservation("docs/a.md", "bob"))).acquired);
    const back = await r.acquire(reservation("docs/*.md", "carol"));
    assertEquals(back.acquired, false);
    assertEquals(back.holder.file_path, "docs/a.md");
    assert((await r.acquire(reservation("*.md", "carol"))).acquired);
  });

  test("shared holders coexist; exclusive is refused beside them and vice versa", async ({ store }) => {
    const r = rules(store).reservations;
    assert((await r.acquire(reservation("src/**", "a", "shared"))).acquired);
    assert((await r.acquire(reservation("src/**", "b", "shared"))).acquired);
    assert((await r.acquire(reservation("src/x/*", "c", "shared"))).acquired);
    const ex = await r.acquire(reservation("src/x/y", "d"));
    assertEquals(ex.acquired, false);
    assertEquals(ex.holder.mode, "shared");
    assert((await r.acquire(reservation("lib/**", "d"))).acquired);
    const sh = await r.acquire(reservation("lib/z.ts", "a", "shared"));
    assertEquals(sh.acquired, false);
    assertEquals(sh.holder.agent_id, "d");
    const all = await r.list({ activeOnly: true });
    assertEquals(
      all.map((h) => `${h.file_path} ${h.agent_id} ${h.mode}`).sort(),
      [
        "lib/** d exclusive",
        "src/** a shared",
        "src/** b shared",
        "src/x/* c shared",
      ],
    );
    // Only the first holder of a pattern owns its plain lock row.
    const plain = await store.leases.locks({ activeOnly: true });
    assertEquals(plain.map((l) => `${l.file_path} ${l.agent_id}`).sort(), [
      "lib/** d",
      "src/** a",
      "src/x/* c",
    ]);
  });

  test("each new grant gets a larger fence; an extension keeps it", async ({ store }) => {
    const r = rules(store).reservations;
    const first = await r.acquire(reservation("a/**", "x"));
    const second = await r.acquire(reservation("b/**", "y"));
    assert(second.holder.fence > first.holder.fence);
    const again = await r.acquire(reservation("a/**", "x"));
    assertEquals(again.holder.fence, first.holder.fence);
    const refreshed = await r.refresh("a/**", "x", 120);
    assertEquals(refreshed?.fence, first.holder.fence);
    await r.release("a/**", "x");
    const third = await r.acquire(reservation("a/b", "z"));
    assert(third.holder.fence > second.holder.fence);
  });

  test("a lapsed grant frees its paths and shows up as past for its agent", async ({ store, clock }) => {
    const r = rules(store).reservations;
    const old = await r.acquire(reservation("src/**", "alice", "exclusive", 5));
    clock.tick(6);
    const snapAlone = await r.snapshot("alice");
    assertEquals(snapAlone.live.length, 0);
    assertEquals(snapAlone.past.map((h) => h.file_path), ["src/**"]);
    const bob = await r.acquire(reservation("src/a.ts", "bob"));
    assert(bob.acquired);
    assert(bob.holder.fence > old.holder.fence);
    assertEquals(await r.refresh("src/**", "alice", 60), null);
    assertEquals(await r.release("src/**", "alice"), null);
  });

  test("releasing the lock row's holder hands the row to a remaining shared holder", async ({ store }) => {
    const r = rules(store).reservations;
    await r.acquire(reservation("src/**", "a", "shared"));
    await r.acquire(reservation("src/**", "b", "shared"));
    const released = await r.release("src/**", "a");
    assertEquals(released?.agent_id, "a");
    assert(released?.released_at !== null);
    const plain = await store.leases.locks({ activeOnly: true });
    assertEquals(plain.map((l) => l.agent_id), ["b"]);
    const live = await r.list({ activeOnly: true });
    assertEquals(live.map((h) => `${h.agent_id} ${h.mode}`), ["b shared"]);
    // b still releases normally, and then the pattern is free.
    assert((await r.release("src/**", "b")) !== null);
    assert((await r.acquire(reservation("src/x", "c"))).acquired);
  });

  test("a plain lock row written without reservations counts as exclusive with fence 0", async ({ store, clock }) => {
    await writePlainLock(store, {
      file_path: "src/a.ts",
      agent_id: "ref",
      ttl_sec: 60,
      metadata: {},
    }, clock.now());
    const denied = await rules(store).reservations.acquire(
      reservation("src/*", "me", "shared"),
    );
    assertEquals(denied.acquired, false);
    assertEquals(denied.holder.agent_id, "ref");
    assertEquals(denied.holder.fence, 0);
    const extended = await rules(store).reservations.acquire(
      reservation("src/a.ts", "ref"),
    );
    assert(extended.acquired);
    assert(extended.holder.fence === 0);
    assertEquals(
      (await rules(store).reservations.list({ agentId: "ref" })).length,
      1,
    );
  });

  test("an expired agent's shared grants are released and the lock row passes to a live sharer", async ({ store, clock }) => {
    const r = rules(store).reservations;
    await rules(store).createSession(newSession("a"), 120);
    await r.acquire(reservation("src/**", "a", "shared", 3600));
    await r.acquire(reservation("lib/**", "b", "shared", 3600));
    await r.acquire(reservation("lib/**", "a", "shared", 3600));
    clock.tick(30);
    await r.acquire(reservation("src/**", "b", "shared", 3600));
    clock.tick(100);
    await store.sessions.touch(["b"]);
    await rules(store).createSession(newSession("b"), 120);
    const recovery = await rules(store).recoverExpired(120);
    assertEquals(recovery.expired.map((s) => s.agent_id), ["a"]);
    // The sweep itself releases the agent's grants, in the same unit.
    assertEquals(
      recovery.releasedReservations.map((h) => h.file_path),
      ["lib/**"],
    );
    assertEquals(await r.releaseAgent("a"), []);
    const live = await r.list({ activeOnly: true });
    assertEquals(live.map((h) => `${h.file_path} ${h.agent_id}`).sort(), [
      "lib/** b",
      "src/** b",
    ]);
    const plain = await store.leases.locks({ activeOnly: true });
    assertEquals(plain.map((l) => `${l.file_path} ${l.agent_id}`).sort(), [
      "lib/** b",
      "src/** b",
    ]);
  });
}
