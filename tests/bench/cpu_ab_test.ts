import { assert, assertEquals } from "../_assert.ts";

const BENCH = new URL("../../bench/cpu_ab.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("bench/cpu_ab.ts posts to two hubs at once and reports each one's CPU per post", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      BENCH,
      ...["--a", ROOT, "--b", ROOT],
      ...["--posts", "40", "--rounds", "2", "--clients", "2", "--json"],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert(out.success, `the bench failed:\n${stderr}`);
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  assertEquals(result.rounds.length, 2);
  for (const r of result.rounds) {
    assert(r.a >= 0 && r.b >= 0, `a round's figures: ${JSON.stringify(r)}`);
  }
  assert(result.b_over_a > 0, `B / A is ${result.b_over_a}`);
});

Deno.test("bench/cpu_ab.ts refuses an odd number of connections, saying why", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", BENCH, "--a", ROOT, "--b", ROOT, "--clients", "3"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.success, false);
  assert(
    new TextDecoder().decode(out.stderr).includes(
      "'--clients' must be an even number",
    ),
  );
});
