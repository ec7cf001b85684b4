import { assert, assertEquals } from "../../_assert.ts";
import { pgTest, withPgHubs } from "../_pg.ts";

pgTest(
  "2 postgres hubs: overlapping glob reservations raced through both give one exclusive winner; fences stay unique",
  () =>
    withPgHubs(2, async (hubs) => {
      const patterns = [
        "src/**",
        "src/a.ts",
        "src/*.ts",
        "**/a.ts",
        "src/[ab].ts",
        "*/a.ts",
      ];
      const answers = await Promise.all(
        Array.from(
          { length: 24 },
          (_, i) =>
            hubs[i % 2]!.api("POST", "/v1/locks", {
              agent_id: `agent-${i}`,
              file_path: patterns[i % patterns.length],
              ttl_sec: 60,
            }),
        ),
      );
      const winners = answers.filter((a) => a.body.acquired === true);
      assertEquals(winners.length, 1);
      for (const a of answers) {
        if (a.body.acquired) continue;
        assertEquals(
          a.body.result.arcdeno.holder,
          winners[0]!.body.result.agent_id,
        );
      }
      // Shared grants through both hubs: all granted, all fences distinct.
      const shared = await Promise.all(
        Array.from(
          { length: 10 },
          (_, i) =>
            hubs[i % 2]!.api("POST", "/v1/locks", {
              agent_id: `reader-${i}`,
              file_path: `docs/${i % 3}/**`,
              ttl_sec: 60,
              arcdeno: { mode: "shared" },
            }),
        ),
      );
      assert(shared.every((a) => a.status === 201));
      const fences = new Set(shared.map((a) => a.body.result.arcdeno.fence));
      assertEquals(fences.size, 10);
      const listed = await hubs[1]!.api("GET", "/v1/locks?active_only=true");
      assertEquals(listed.body.result.length, 11);
      const check = await hubs[0]!.api("POST", "/v1/arcdeno/fence/check", {
        agent_id: "reader-0",
        paths: ["docs/0/x.md"],
        fence: shared[0]!.body.result.arcdeno.fence,
      });
      assertEquals(check.body.result.allowed, true);
    }),
);
