/**
 * `serve --retain-days`: the flag is checked, a hub with it starts, reports
 * it and runs its first retention pass into the retain directory with only
 * the permissions `ensure` would give it. What a pass prunes is proven on
 * both backends by `tests/store/retention_contract.ts`, on a fake clock.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { eventually, must, startHub } from "../../_util.ts";
import { arc } from "../_arc.ts";
import { hubPermissionFlags } from "../../../src/cli/permissions.ts";

Deno.test("serve --retain-days 0 is refused with a one-line error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-retain-" });
  try {
    const res = await arc([
      "serve",
      "--port",
      "0",
      "--storage",
      `${dir}/arc.sqlite3`,
      "--retain-days",
      "0",
    ]);
    assertEquals(res.code, 1);
    assertStringIncludes(
      res.stderr,
      "'retain-days' must be an integer from 1 to 36500",
    );
    assertEquals(res.stderr.trim().split("\n").length, 1, res.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve --retain-days 1 starts, reports it and makes its retain directory", async () => {
  await using hub = await startHub({
    args: ["--retain-days", "1", "--presence-ttl", "5"],
  });
  const info = await must(hub, "GET", "/v1/hub-info") as {
    arcdeno: Record<string, unknown>;
  };
  assertEquals(info.arcdeno["retain_days"], 1);
  // The first pass runs on the first sweep (every second with this TTL).
  await eventually(
    async () =>
      (await Deno.stat(`${hub.dir}/retained`).catch(() => null))
        ?.isDirectory,
    { what: "the retain directory" },
  );
  assert(!hub.output().includes("retention failed"), hub.output());
});

Deno.test("a hub without --retain-days reports retention off", async () => {
  await using hub = await startHub();
  const info = await must(hub, "GET", "/v1/hub-info") as {
    arcdeno: Record<string, unknown>;
  };
  assertEquals(info.arcdeno["retain_days"], null);
});

Deno.test("ensure lets a hub write its retain directory only when retention is on", () => {
  const scope = {
    host: "127.0.0.1",
    port: 6969,
    storagePath: "/data/arc/arc.sqlite3",
    spoolDir: "/data/arc/.arc-relay",
    retainDir: "/archive/arc",
  };
  const on = hubPermissionFlags({ ...scope, retainDays: 30 });
  assert(
    on.includes("--allow-write=/data/arc,/data/arc/.arc-relay,/archive/arc"),
    on.join(" "),
  );
  const off = hubPermissionFlags(scope);
  assert(
    off.includes("--allow-write=/data/arc,/data/arc/.arc-relay"),
    off.join(" "),
  );
});
