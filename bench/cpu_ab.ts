// deno-lint-ignore-file no-console
/**
 * CPU per post of two hubs posted to at the same time: for telling whether a
 * change to the hub saves CPU when the machine's own noise is larger than the
 * change.
 *
 * ```sh
 * deno run -A bench/cpu_ab.ts --a DIR --b DIR [--posts 12000] [--rounds 6]
 *   [--clients 8] [--json]
 * ```
 *
 * `--a` and `--b` are two checkouts of this repository (a `git worktree` of
 * the commit before a change, and the working tree). Each runs its own hub
 * from its sources (`main.ts serve` with the flags `arc ensure` gives a hub,
 * on throwaway storage, rate limit off). Every round posts `--posts`
 * messages with `--clients` requests in flight, half of the connections to
 * each hub, so that whatever else the machine does in that round weighs on
 * both alike; a hub's CPU time (`utime + stime` of all its threads) over the
 * round, divided by the posts it took, is its CPU per post. Run apart, the
 * same hub's figure moves by 15–20 % from run to run on a busy machine;
 * posted to together, the two hubs' ratio moved by about 3 %.
 *
 * It prints each round, then the medians and B / A; `--json` prints one JSON
 * object instead.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { HUB_RUN_FLAGS } from "../src/cli/lifecycle.ts";
import {
  cpuMs,
  median,
  postOne,
  round,
  type Server,
  startBenchHub,
  stopServer,
  table,
} from "./_util.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    a: { type: "string" },
    b: { type: "string" },
    posts: { type: "string", default: "12000" },
    rounds: { type: "string", default: "6" },
    clients: { type: "string", default: "8" },
    json: { type: "boolean", default: false },
  },
});

if (!values.a || !values.b) {
  console.error(
    "usage: deno run -A bench/cpu_ab.ts --a DIR --b DIR [--posts 12000] [--rounds 6] [--clients 8] [--json]",
  );
  Deno.exit(2);
}
const posts = Number(values.posts);
const rounds = Number(values.rounds);
const clients = Number(values.clients);
for (const [name, n] of [["posts", posts], ["rounds", rounds]] as const) {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(
      `Cannot run as '--${name}' must be a whole number of at least 1: current value is ${
        values[name]
      }`,
    );
  }
}
if (!Number.isInteger(clients) || clients < 2 || clients % 2) {
  throw new RangeError(
    `Cannot run as '--clients' must be an even number of at least 2 (half go to each hub): current value is ${values.clients}`,
  );
}

const dir = await Deno.makeTempDir({ prefix: "arc-cpu-ab-" });
const hubs: Server[] = [];
const pool = Deno.createHttpClient({});
try {
  const checkouts = [["A", values.a], ["B", values.b]] as const;
  for (const [name, checkout] of checkouts) {
    await Deno.mkdir(`${dir}/${name}`);
    hubs.push(
      await startBenchHub(name, HUB_RUN_FLAGS, ["main.ts"], dir, checkout!),
    );
  }

  /** Posts `n` messages, half of the connections to each hub; counts each hub's share. */
  const both = async (n: number) => {
    const taken = [0, 0];
    let next = 0;
    await Promise.all(
      Array.from({ length: clients }, async (_, connection) => {
        const side = connection % 2;
        while (next < n) {
          await postOne(hubs[side]!.url, next++, pool);
          taken[side]!++;
        }
      }),
    );
    return taken;
  };

  console.error("warming up (2,000 posts)");
  await both(2000);
  const figures: { a: number; b: number }[] = [];
  for (let r = 1; r <= rounds; r++) {
    const before = await Promise.all(hubs.map((h) => cpuMs(h.pid)));
    const [takenA, takenB] = await both(posts);
    const after = await Promise.all(hubs.map((h) => cpuMs(h.pid)));
    const a = (after[0]! - before[0]!) / takenA!;
    const b = (after[1]! - before[1]!) / takenB!;
    figures.push({ a, b });
    console.error(
      `round ${r}/${rounds}: A ${round(a, 4)} ms/post (${takenA} posts), B ${
        round(b, 4)
      } ms/post (${takenB}), B / A ${round(b / a, 3)}`,
    );
  }
  const a = median(figures.map((f) => f.a))!;
  const b = median(figures.map((f) => f.b))!;
  const result = {
    a: values.a,
    b: values.b,
    rounds: figures.map((f) => ({ a: round(f.a, 4), b: round(f.b, 4) })),
    median_a_ms_per_post: round(a, 4),
    median_b_ms_per_post: round(b, 4),
    // Null when A took too little CPU to measure (a run of few posts).
    b_over_a: a > 0 ? round(b / a, 3) : null,
    rounds_b_lower: figures.filter((f) => f.b < f.a).length,
  };
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(table(["hub", "checkout", "median CPU ms/post"], [
      ["A", values.a, String(result.median_a_ms_per_post)],
      ["B", values.b, String(result.median_b_ms_per_post)],
    ]));
    console.log(
      `\nB / A ${result.b_over_a}; B lower in ${result.rounds_b_lower} of ${rounds} rounds`,
    );
  }
} finally {
  await Promise.all(hubs.map(stopServer));
  pool.close();
  await Deno.remove(dir, { recursive: true });
}
