import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { runBench } from "./_run.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("bench/cpu_ab.ts posts to two hubs at once and reports each one's CPU per post", async () => {
  const out = await runBench("cpu_ab.ts", [
    ...["--a", ROOT, "--b", ROOT],
    ...["--posts", "40", "--rounds", "2", "--clients", "2", "--json"],
  ]);
  assert(out.code === 0, `the bench failed:\n${out.stderr}`);
  const result = JSON.parse(out.stdout);
  assertEquals(result.rounds.length, 2);
  for (const r of result.rounds) {
    assert(r.a >= 0 && r.b >= 0, `a round's figures: ${JSON.stringify(r)}`);
  }
  // Null only when A's CPU time over so few posts was below the clock's tick.
  assert(
    result.b_over_a === null || result.b_over_a > 0,
    `B / A is ${result.b_over_a}`,
  );
  assertEquals(result.median_a_ms_per_post >= 0, true);
});

Deno.test("bench/cpu_ab.ts refuses an odd number of connections, saying why", async () => {
  const out = await runBench("cpu_ab.ts", [
    ...["--a", ROOT, "--b", ROOT, "--clients", "3"],
  ]);
  assert(out.code !== 0, `the bench accepted 3 connections:\n${out.stdout}`);
  assertStringIncludes(out.stderr, "'--clients' must be an even number");
});
