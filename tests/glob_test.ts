import { assert, assertEquals } from "./_assert.ts";
import {
  globMatches,
  globsOverlap,
  isGlob,
  MAX_GLOB_CHARS,
  MAX_PATH_CHARS,
} from "../src/glob.ts";

/** [a, b, overlap]: each row is checked in both directions. */
const OVERLAP: [string, string, boolean][] = [
  // literal vs literal
  ["src/a.ts", "src/a.ts", true],
  ["src/a.ts", "src/b.ts", false],
  ["src/a.ts", "src/a.tsx", false],
  // literal vs pattern
  ["src/a.ts", "src/*", true],
  ["src/a.ts", "src/*.ts", true],
  ["src/a.ts", "*.ts", false],
  ["README.md", "*.md", true],
  ["docs/README.md", "*.md", false],
  ["src/x/y.ts", "src/*", false],
  ["src/x/y.ts", "src/**", true],
  ["src", "src/**", false],
  ["src/a.ts", "**", true],
  ["a.ts", "**/a.ts", true],
  ["x/y/a.ts", "**/a.ts", true],
  ["xa.ts", "**/a.ts", false],
  ["a/b", "a/**/b", true],
  ["a/x/y/b", "a/**/b", true],
  ["a/xb", "a/**/b", false],
  ["src/a/x.ts", "src/?/x.ts", true],
  ["src/ab/x.ts", "src/?/x.ts", false],
  ["src///x.ts", "src/?/x.ts", false],
  ["a.ts", "[ab].ts", true],
  ["c.ts", "[ab].ts", false],
  ["c.ts", "[!ab].ts", true],
  ["a.ts", "[^ab].ts", false],
  ["m.ts", "[a-z].ts", true],
  ["M.ts", "[a-z].ts", false],
  ["a/b", "a[/]b", false],
  ["a/b", "a[!x]b", false],
  ["a*b", "a\\*b", true],
  ["axb", "a\\*b", false],
  ["a[b", "a[b", true],
  ["a[bc", "a[b*", true],
  [".env", "*", true],
  [".github/ci.yml", "**/*.yml", true],
  ["src/**x", "src/yx", true],
  ["src/a**", "src/ab/c", false],
  // pattern vs pattern
  ["src/**", "src/api/**", true],
  ["src/api/**", "*.md", false],
  ["src/api/**", "**/*.md", true],
  ["*.md", "*.ts", false],
  ["*.md", "README.*", true],
  ["src/*/x.ts", "src/?/x.ts", true],
  ["src/*/x.ts", "src/?/y.ts", false],
  ["[ab].ts", "[bc].ts", true],
  ["[ab].ts", "[cd].ts", false],
  ["[!ab].ts", "[ab].ts", false],
  ["[!a].ts", "[!b].ts", true],
  ["[a-m]*", "[n-z]*", false],
  ["[a-m]*", "[k-z]*", true],
  ["?", "[!x]", true],
  ["?", "/", false],
  ["*", "**", true],
  ["*/a", "b/*", true],
  ["a/*", "*/*/*", false],
  ["a/**", "b/**", false],
  ["**/test/**", "src/**/*.ts", true],
  ["src/*.ts", "src/**/*.js", false],
  ["", "", true],
  ["", "*", true],
  ["", "?", false],
  ["", "**", true],
];

for (const [a, b, expected] of OVERLAP) {
  Deno.test(`globsOverlap("${a}", "${b}") is ${expected} both ways`, () => {
    assertEquals(globsOverlap(a, b), expected);
    assertEquals(globsOverlap(b, a), expected);
  });
}

const MATCH: [string, string, boolean][] = [
  ["src/**", "src/a.ts", true],
  ["src/*", "src/a/b.ts", false],
  ["*.md", "README.md", true],
  // The path is literal: its glob characters match only themselves.
  ["src/a.ts", "src/*", false],
  ["src/*", "src/*", true],
  ["app/[id]/page.tsx", "app/i/page.tsx", true],
  ["app/[id]/page.tsx", "app/[id]/page.tsx", true],
];

for (const [pattern, path, expected] of MATCH) {
  Deno.test(`globMatches("${pattern}", "${path}") is ${expected}`, () => {
    assertEquals(globMatches(pattern, path), expected);
  });
}

Deno.test("isGlob() tells patterns from plain paths", () => {
  assertEquals(isGlob("src/a.ts"), false);
  assertEquals(isGlob("src/**"), true);
  assertEquals(isGlob("[ab].ts"), true);
  assertEquals(isGlob("a?"), true);
});

Deno.test("globsOverlap() takes patterns past MAX_GLOB_CHARS literally and stays fast on hostile ones", () => {
  const long = `src/${"x".repeat(MAX_GLOB_CHARS)}/**`;
  assertEquals(isGlob(long), false);
  assertEquals(globsOverlap(long, "src/**"), true);
  assertEquals(globsOverlap(long, `${long}x`), false);
  const hostile = "*a".repeat(MAX_GLOB_CHARS / 2 - 1);
  const other = "?*b".repeat(MAX_GLOB_CHARS / 3 - 1);
  const started = performance.now();
  assertEquals(globsOverlap(hostile, other), false);
  assertEquals(globMatches(hostile, "a".repeat(MAX_PATH_CHARS)), true);
  assertEquals(globMatches(hostile, "b".repeat(MAX_PATH_CHARS)), false);
  // Longer than any real path: assumed to overlap.
  assertEquals(globMatches("src/*", "b".repeat(MAX_PATH_CHARS + 1)), true);
  // Backtracking over these patterns would take longer than the age of the
  // universe; the matcher takes milliseconds. The bound only has to tell the
  // two apart, on a machine as loaded as a parallel test run makes it.
  const elapsed = performance.now() - started;
  assert(elapsed < 20_000, `took ${elapsed} ms`);
});
