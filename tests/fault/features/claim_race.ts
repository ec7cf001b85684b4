/**
 * Several hub processes on one SQLite file: races for the same claim keys
 * through different processes give exactly one winner per key, and no
 * request surfaces a storage error.
 */
import { assert, assertEquals } from "../../_assert.ts";
import { request, startHub, type TestHub } from "../../_util.ts";

/**
 * Each key is one race of two processes for SQLite's write lock, with 16 keys
 * in flight at once, so the lock is contended from the first key to the last;
 * 1,000 such races show a lost or doubled winner and a "database is locked"
 * as well as 5,000 did, for a fifth of the CPU.
 */
const KEYS = 1_000;

async function race(hubCount: number, keys: number) {
  const dir = await Deno.makeTempDir({ prefix: `arc-race${hubCount}-` });
  const hubs: TestHub[] = [];
  try {
    for (let i = 0; i < hubCount; i++) hubs.push(await startHub({ dir }));
    const winners = new Map<string, string>();
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < keys) {
        const key = `k${next++}`;
        // Two different processes race for each key at the same moment.
        const a = Math.floor(Math.random() * hubCount);
        const b = (a + 1 + Math.floor(Math.random() * (hubCount - 1))) %
          hubCount;
        const results = await Promise.all(
          [a, b].map((h) =>
            request(hubs[h]!.url, "POST", "/v1/claims", {
              owner_agent_id: `owner-${h}`,
              claim_key: key,
            })
          ),
        );
        const won = results.filter((r) => r.body?.acquired === true);
        for (const r of results) {
          if (r.status !== 201 && r.status !== 200) {
            failures.push(`${key}: ${r.status} ${JSON.stringify(r.body)}`);
          }
        }
        if (won.length !== 1) failures.push(`${key}: ${won.length} winners`);
        else winners.set(key, won[0]!.body.result.owner_agent_id);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    assertEquals(failures.slice(0, 5), []);
    assertEquals(winners.size, keys);
    // The store agrees with what the winners were told.
    const listed = await hubs[0]!.api("GET", "/v1/claims");
    assertEquals(listed.body.result.length, keys);
    for (const claim of listed.body.result) {
      assertEquals(
        claim.owner_agent_id,
        winners.get(claim.claim_key),
        claim.claim_key,
      );
    }
    for (const hub of hubs) {
      assert(!/database is locked/.test(hub.output()), hub.output());
    }
  } finally {
    for (const hub of hubs) await hub.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("claims: 2 hub processes on one file race for 1,000 keys with exactly one winner each", async () => {
  await race(2, KEYS);
});

Deno.test("claims: 4 hub processes on one file race for 1,000 keys with exactly one winner each", async () => {
  await race(4, KEYS);
});
