import { assert } from "../../_assert.ts";
import { Metrics } from "../../../src/http/metrics.ts";

Deno.test("Metrics.render() reports the process's resident memory and heap", () => {
  const text = new Metrics().render({
    longPolls: 0,
    streams: 0,
    liveSessions: 0,
    activeClaims: 0,
    activeLocks: 0,
  });
  const value = (name: string) =>
    Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? NaN);
  const rss = value("process_resident_memory_bytes");
  const used = value('arc_js_heap_bytes\\{kind="used"\\}');
  const total = value('arc_js_heap_bytes\\{kind="total"\\}');
  assert(rss > 1_000_000, `resident memory is ${rss}`);
  assert(used > 0 && used <= total && total < rss, `heap ${used}/${total}`);
});
