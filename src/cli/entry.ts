/**
 * Where this program starts, for commands that start another copy of it:
 * `arc ensure` starts `arc serve`, `arc setup` writes the command hooks run.
 *
 * From the sources the entry is `main.ts` at the project root, run with the
 * project's `deno.json` (its import map and unstable settings). From the
 * built hub (`deno task build`: one minified bundle in `dist/hub/`, which
 * `deno task start` and `deno task ensure` run) it is `dist/hub/main.js`
 * beside its chunks; the bundle holds every package it needs, so it runs
 * without a configuration file and takes the one unstable setting as a flag.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** Whether this code runs from the built bundle rather than the sources. */
export const BUILT: boolean = !import.meta.url.endsWith(".ts");

/** The project's root directory when this code runs from the sources. */
export const SOURCE_ROOT: URL = new URL("../../", import.meta.url);

/** The entry module: `main.ts`, or the bundle's `main.js`. */
export const ENTRY: URL = BUILT
  ? new URL("./main.js", import.meta.url)
  : new URL("main.ts", SOURCE_ROOT);

/**
 * The `deno run` flags that give the entry what `deno.json` gives the
 * sources: the configuration itself, or, for the bundle, no configuration
 * and the request-abort behaviour it asks for (`unstable: no-legacy-abort`).
 *
 * @param built for the bundle rather than the sources @default {@linkcode BUILT}
 */
export function entryConfigFlags(built: boolean = BUILT): string[] {
  return built
    ? ["--no-config", "--unstable-no-legacy-abort"]
    : [`--config=${fileURLToPath(new URL("deno.json", SOURCE_ROOT))}`];
}
