import { assertEquals } from "./_assert.ts";
import { toIso } from "../src/time.ts";

Deno.test("toIso() formats whole seconds, whatever second came before", () => {
  const t = Date.UTC(2026, 3, 14, 17, 0, 0);
  assertEquals(toIso(t), "2026-04-14T17:00:00Z");
  assertEquals(toIso(t + 999), "2026-04-14T17:00:00Z");
  assertEquals(toIso(t + 1000), "2026-04-14T17:00:01Z");
  assertEquals(toIso(t - 1), "2026-04-14T16:59:59Z");
  assertEquals(toIso(t + 1500), "2026-04-14T17:00:01Z");
  assertEquals(toIso(0), "1970-01-01T00:00:00Z");
});
