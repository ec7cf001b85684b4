/**
 * The dashboard's feature tests, one module per feature under `features/`,
 * run as one test file so that they share one Chromium and one load of
 * playwright-core: each test file runs in a fresh worker, and a browser
 * launch plus the load cost about 2.5 s of CPU. A feature still runs alone:
 * `deno test -A tests/dashboard/features/queue.ts`.
 *
 * @module
 */

import "./features/approvals.ts";
import "./features/identity.ts";
import "./features/queue.ts";
import "./features/receipts.ts";
import "./features/search.ts";
import "./features/token.ts";

Deno.test("features_test.ts imports every module under features/", async () => {
  const source = await Deno.readTextFile(new URL(import.meta.url));
  const imported = new Set(
    [...source.matchAll(/^import "\.\/features\/([^"]+)";$/gm)].map((m) =>
      m[1]
    ),
  );
  const missing: string[] = [];
  const dir = new URL("./features/", import.meta.url);
  for await (const entry of Deno.readDir(dir)) {
    if (
      entry.isFile && entry.name.endsWith(".ts") && !imported.has(entry.name)
    ) {
      missing.push(entry.name);
    }
  }
  if (missing.length > 0) {
    throw new Error(`not imported here, so never run: ${missing.join(", ")}`);
  }
});
