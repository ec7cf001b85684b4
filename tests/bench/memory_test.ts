import { assert, assertEquals } from "../_assert.ts";
import { runBench } from "./_run.ts";

Deno.test("bench/memory.ts measures the floor, our built hub and our hub from the sources in one run", async () => {
  const out = await runBench("memory.ts", [
    ...["--posts", "40", "--clients", "2", "--warmup", "1"],
    ...["--settle-ms", "0", "--rest-ms", "0", "--json"],
  ]);
  assert(out.code === 0, `the bench failed:\n${out.stderr}`);
  const result = JSON.parse(out.stdout);
  assertEquals(
    result.servers.map((s: { name: string }) => s.name),
    ["floor", "ours", "ours-src"],
  );
  for (const s of result.servers) {
    assert(s.idle_mb > 10, `${s.name} idle RSS is ${s.idle_mb}`);
    assert(s.busy_mb["40"] > 10, `${s.name} busy RSS is ${s.busy_mb["40"]}`);
    assert(s.after_mb["40"] > 10, `${s.name} RSS is ${s.after_mb["40"]}`);
    assert(s.cpu_ms_per_post >= 0, `${s.name} CPU is ${s.cpu_ms_per_post}`);
  }
  assert(result.ratios.idle_vs_floor > 0);
});
