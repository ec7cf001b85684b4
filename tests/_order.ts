/**
 * Prints the test files, one per line, in the order `deno task test` hands
 * them to its parallel jobs: first the files that take longest (10 s or more
 * each on a 2-core machine running the whole suite), longest first, then
 * every other test file in path order. Deno starts files in the order given,
 * so a long file started last would leave the run ending on it alone while
 * the other jobs sit idle.
 *
 * ```sh
 * deno run --allow-read=tests tests/_order.ts
 * ```
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { join } from "../src/path.ts";

/** The longest files, longest first (wall time in a full run, 2 cores). */
export const LONGEST = [
  "tests/cli/lifecycle_test.ts", // 52 s
  "tests/dashboard/dashboard_test.ts", // 46 s
  "tests/dashboard/features_test.ts", // 35 s
  "tests/postgres/restart_test.ts", // 22 s
  "tests/postgres/multi_hub_test.ts", // 20 s
  "tests/store/postgres_test.ts", // 17 s
  "tests/mcp/mcp_test.ts", // 16 s
  "tests/postgres/search_test.ts", // 13 s
  "tests/postgres/export_test.ts", // 12 s
  "tests/relay/relay_test.ts", // 11 s
  "tests/fault/claim_race_test.ts", // 11 s
];

/** Deno's own pattern for test files. */
const TEST_FILE = /^(?:.*[_.])?test\.(?:ts|tsx|mts|js|mjs|jsx)$/;

/** Every test file under `dir` (relative to `root`), in path order. */
async function testFiles(root: string, dir: string): Promise<string[]> {
  const found: string[] = [];
  const entries = [];
  for await (const entry of Deno.readDir(join(root, dir))) entries.push(entry);
  entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) found.push(...await testFiles(root, path));
    else if (entry.isFile && TEST_FILE.test(entry.name)) found.push(path);
  }
  return found;
}

/** The suite's test files in the order described above. */
export async function orderedTestFiles(): Promise<string[]> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const all = await testFiles(root, "tests");
  const present = new Set(all);
  const first = LONGEST.filter((path) => present.has(path));
  for (const path of LONGEST) {
    if (!present.has(path)) {
      // deno-lint-ignore no-console
      console.error(`tests/_order.ts: ${path} is listed but missing`);
    }
  }
  const listed = new Set(first);
  return [...first, ...all.filter((path) => !listed.has(path))];
}

if (import.meta.main) {
  // deno-lint-ignore no-console
  console.log((await orderedTestFiles()).join("\n"));
}
