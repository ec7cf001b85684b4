import { assert, assertEquals } from "../_assert.ts";

const BENCH = new URL("../../bench/memory.ts", import.meta.url).pathname;

Deno.test("bench/memory.ts measures the floor, our built hub and our hub from the sources in one run", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      BENCH,
      "--posts",
      "40",
      "--clients",
      "2",
      "--warmup",
      "1",
      "--settle-ms",
      "0",
      "--rest-ms",
      "0",
      "--json",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert(out.success, `the bench failed:\n${stderr}`);
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
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
