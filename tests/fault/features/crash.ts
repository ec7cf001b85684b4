/**
 * Crash safety: a hub killed with SIGKILL while clients post as fast as they
 * can keeps every post it acknowledged, mints no duplicate ids, and starts
 * cleanly again. Repeated 8 times in one run: every kill lands while eight
 * clients are mid-write (each round first waits for posts to flow), so more
 * rounds only repeat the same kind of crash, each costing a hub start.
 */
import { assert, assertEquals } from "../../_assert.ts";
import { eventually, request, startHub } from "../../_util.ts";

Deno.test("serve: kill -9 under load loses no acknowledged post, 8 times over", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-crash-" });
  const acknowledged = new Map<number, string>();
  try {
    for (let round = 0; round < 8; round++) {
      const hub = await startHub({ dir });
      let stop = false;
      let thisRound = 0;
      const client = async (c: number) => {
        let i = 0;
        while (!stop) {
          const body = `r${round}-c${c}-${i++}`;
          try {
            const res = await request(hub.url, "POST", "/v1/messages", {
              from_agent: `poster-${c}`,
              body,
            });
            if (res.status === 201) {
              assert(
                !acknowledged.has(res.body.result.id),
                `duplicate id ${res.body.result.id}`,
              );
              acknowledged.set(res.body.result.id, body);
              thisRound++;
            }
          } catch {
            return; // the hub is gone
          }
        }
      };
      const clients = Array.from({ length: 8 }, (_, c) => client(c));
      await eventually(() => Promise.resolve(thisRound >= 15), {
        what: `posts flowing in round ${round}`,
        stepMs: 10,
      });
      await new Promise((r) => setTimeout(r, Math.random() * 100));
      await hub.kill();
      stop = true;
      await Promise.all(clients);
      await Deno.remove(`${dir}/.arc.pid`).catch(() => {});
    }
    assert(
      acknowledged.size >= 8 * 15,
      `only ${acknowledged.size} posts were acknowledged`,
    );
    await using hub = await startHub({ dir });
    const stored = new Map<number, string>();
    let since = 0;
    while (true) {
      const page = await hub.api(
        "GET",
        `/v1/messages?channel=general&since_id=${since}&limit=500`,
      );
      if (page.body.result.length === 0) break;
      for (const m of page.body.result) {
        assert(!stored.has(m.id), `id ${m.id} stored twice`);
        stored.set(m.id, m.body);
        since = m.id;
      }
    }
    for (const [id, body] of acknowledged) {
      assertEquals(stored.get(id), body, `acknowledged post ${id}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
