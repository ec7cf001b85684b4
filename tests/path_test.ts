import nodePath from "node:path";
import { assertEquals } from "./_assert.ts";
import {
  basename,
  dirname,
  isAbsolute,
  join,
  type PathFunctions,
  posix,
  windows,
} from "../src/path.ts";

/** Paths as the hub meets them: storage files, spool dirs, cwd joins. */
const POSIX_PATHS = [
  "",
  ".",
  "..",
  "/",
  "//",
  "///",
  "a",
  "a/",
  "a//",
  "/a",
  "//a",
  "/a/b",
  "/a//b",
  "/a/b/",
  "/a/b//",
  "./a",
  "../a",
  "a/./b",
  "a/../b",
  "a/../..",
  "/a/../..",
  "/srv/arc/arc.sqlite3",
  "arc.sqlite3",
  "./data/arc.sqlite3",
  "/tmp/x/.arc-spool/requests/agent-1/abc.json",
  "a\\b",
];

const WINDOWS_PATHS = [
  ...POSIX_PATHS,
  "\\",
  "\\\\",
  "C:",
  "C:\\",
  "C:/",
  "c:\\",
  "C:a",
  "C:a\\b",
  "C:\\a",
  "C:\\a\\",
  "C:\\a\\b",
  "C:\\a\\..\\..\\b",
  "C:/Users/me/arc.sqlite3",
  "C:\\Users\\me\\.arc\\secrets.json",
  "\\a\\b",
  "\\\\server",
  "\\\\server\\",
  "\\\\server\\share",
  "\\\\server\\share\\",
  "\\\\server\\share\\a",
  "\\\\server\\share\\a\\b",
  "//server/share/a/b",
  "\\\\server\\\\share\\a",
  "\\\\\\a",
  "a\\b\\..\\c",
  "a/b\\c",
  ":",
  "a:",
  "a:\\b",
  "x/../C:a",
  "\\\\.\\pipe\\arc",
  "\\\\?\\C:\\a\\..\\b",
];

/** Joins as the hub makes them, and the normalizing corners. */
const JOINS: string[][] = [
  [],
  [""],
  ["", ""],
  ["a"],
  ["a", "b"],
  ["a", "", "b"],
  ["/a", "b"],
  ["/a/", "/b/"],
  ["/a", "../b"],
  ["/a", "../../b"],
  ["a", "..", ".."],
  ["a", ".."],
  ["a", "..", "/"],
  ["./a", "./b"],
  ["/", "a"],
  ["", "/a"],
  ["/tmp/x", "arc.sqlite3"],
  ["/tmp/x/", "./data/../arc.sqlite3"],
  ["/tmp/spool", "responses", "agent-1", "r1.json"],
  ["/srv/arc", "retained"],
  ["/a", "b/"],
  ["a//b", "c"],
  ["//a", "b"],
];

const WINDOWS_JOINS: string[][] = [
  ...JOINS,
  ["C:\\", "a"],
  ["C:", "a"],
  ["C:\\Users\\me", "..\\you", "arc.sqlite3"],
  ["C:\\Users\\me", ".arc", "secrets.json"],
  ["C:/Users/me/", "/x"],
  ["c:\\a", "..", ".."],
  ["\\\\server\\share", "a"],
  ["\\\\server\\share\\", "..", "b"],
  ["\\\\server", "share", "a"],
  ["\\", "\\server", "share"],
  ["//server/share", "a"],
  ["\\\\\\a", "b"],
  ["a", "\\\\b"],
  ["a\\", "b"],
  ["x", "..", "C:a"],
  ["", "a:", "b"],
  ["\\\\.\\", "pipe", "arc"],
  ["\\\\.", ".."],
];

function compare(
  ours: PathFunctions,
  node: typeof nodePath.posix,
  paths: string[],
  joins: string[][],
) {
  for (const path of paths) {
    const label = JSON.stringify(path);
    assertEquals(ours.dirname(path), node.dirname(path), `dirname(${label})`);
    assertEquals(
      ours.basename(path),
      node.basename(path),
      `basename(${label})`,
    );
    assertEquals(
      ours.isAbsolute(path),
      node.isAbsolute(path),
      `isAbsolute(${label})`,
    );
    assertEquals(ours.join(path), node.join(path), `join(${label})`);
  }
  for (const parts of joins) {
    assertEquals(
      ours.join(...parts),
      node.join(...parts),
      `join(${JSON.stringify(parts).slice(1, -1)})`,
    );
  }
}

Deno.test("posix gives what node:path posix gives", () => {
  compare(posix, nodePath.posix, POSIX_PATHS, JOINS);
});

Deno.test("windows gives what node:path win32 gives", () => {
  compare(windows, nodePath.win32, WINDOWS_PATHS, WINDOWS_JOINS);
});

Deno.test("the top-level functions follow this platform's rules", () => {
  const paths = Deno.build.os === "windows" ? WINDOWS_PATHS : POSIX_PATHS;
  for (const path of paths) {
    assertEquals(dirname(path), nodePath.dirname(path), `dirname(${path})`);
    assertEquals(basename(path), nodePath.basename(path), `basename(${path})`);
    assertEquals(isAbsolute(path), nodePath.isAbsolute(path), path);
  }
  for (const parts of JOINS) {
    assertEquals(join(...parts), nodePath.join(...parts), parts.join(","));
  }
});

Deno.test("dirname() reaches a fixed point at the root, so a walk up ends", () => {
  for (
    const [rules, start, root] of [
      [posix, "/srv/arc/data/arc.sqlite3", "/"],
      [posix, "data/arc.sqlite3", "."],
      [windows, "C:\\srv\\arc\\arc.sqlite3", "C:\\"],
      [windows, "\\\\server\\share\\arc\\arc.sqlite3", "\\\\server\\share\\"],
    ] as const
  ) {
    let dir = start as string;
    for (let step = 0; step < 10 && rules.dirname(dir) !== dir; step++) {
      dir = rules.dirname(dir);
    }
    assertEquals(dir, root);
  }
});
