/**
 * `arc build`: bundle the hub from the sources into `dist/hub/` (what
 * `deno task start` and `deno task ensure` run, see `./entry.ts`), unless the
 * bundle there is newer than every source.
 *
 * `deno bundle` writes one minified bundle with every package inside, one
 * chunk per command; `deno cache` then parses it, so the first hub started
 * from a new bundle does not pay for parsing it (about 30 MB it would keep).
 * A build writes to a directory of its own and moves it into place, so a
 * build running beside another, or beside a hub started from the previous
 * bundle, never leaves a half-written `dist/hub/`.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { join } from "../path.ts";
import { parseCommand, switchFlags, UsageError } from "./args.ts";
import { BUILT, SOURCE_ROOT } from "./entry.ts";
import type { Io } from "./io.ts";

const BUILD_HELP = `Usage: arc build [options]

Bundle the hub into dist/hub/ (deno bundle, minified, with every package
inside), the form 'deno task start' and 'deno task ensure' run. Nothing is
done when dist/hub/main.js is newer than main.ts, deno.json, deno.lock and
every file under src/ and dashboard/.

Options:
  --force     build even when the bundle is up to date
  -h, --help  show this help
`;

/** What the bundle is built from, relative to the project root. */
const SOURCES = ["main.ts", "deno.json", "deno.lock", "src", "dashboard"];

/** Runs `arc build`; resolves with the exit code. */
export async function runBuild(args: string[], io: Io): Promise<number> {
  const parsed = parseCommand(args, switchFlags("force"), {
    help: BUILD_HELP,
    out: io.out,
  });
  if (!parsed) return 0;
  if (BUILT) {
    throw new UsageError(
      "arc build bundles the sources: run it from a checkout (deno task build), not from the bundle",
    );
  }
  const root = fileURLToPath(SOURCE_ROOT);
  const target = join(root, "dist", "hub");
  const started = performance.now();
  if (!parsed.values.force && await bundleIsFresh(root)) {
    io.err(`arc build: ${target} is up to date`);
    return 0;
  }
  const fresh = join(root, "dist", `.hub-${Deno.pid}`);
  const old = join(root, "dist", `.old-${Deno.pid}`);
  await Deno.remove(fresh, { recursive: true }).catch(() => {});
  await deno(root, [
    "bundle",
    "--quiet",
    "--platform",
    "deno",
    "--code-splitting",
    "--minify",
    "--outdir",
    fresh,
    "main.ts",
  ], "deno bundle");
  // Swap the new bundle in; another build may have swapped its own in
  // meanwhile, which is as good.
  await Deno.rename(target, old).catch(() => {});
  try {
    await Deno.rename(fresh, target);
  } catch {
    await Deno.remove(fresh, { recursive: true }).catch(() => {});
  }
  await Deno.remove(old, { recursive: true }).catch(() => {});
  try {
    await deno(root, [
      "cache",
      "--quiet",
      "--no-config",
      join(target, "main.js"),
    ], "deno cache");
  } catch (error) {
    // Another build may be swapping its bundle in at this very moment; the
    // bundle works uncached, only its first start holds more memory.
    io.err(`arc build: warning: ${(error as Error).message}`);
  }
  io.err(
    `arc build: bundled into ${target} (${
      Math.round(performance.now() - started)
    } ms)`,
  );
  return 0;
}

/**
 * Whether `<root>/dist/hub/main.js` exists and is newer than every source it
 * is built from.
 */
export async function bundleIsFresh(root: string): Promise<boolean> {
  const built = await mtime(join(root, "dist", "hub", "main.js"));
  return built !== undefined && await newestSource(root) < built;
}

/** Runs `deno <args>` in `cwd`; its output goes to ours. */
async function deno(cwd: string, args: string[], what: string): Promise<void> {
  const { code } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error(`${what} failed with exit code ${code}`);
}

/** A file's modification time in ms, or undefined when it is missing. */
async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).mtime?.getTime();
  } catch {
    return undefined;
  }
}

/** The newest modification time among the sources, in ms. */
async function newestSource(root: string): Promise<number> {
  let newest = 0;
  const visit = async (path: string): Promise<void> => {
    const info = await Deno.stat(path).catch(() => undefined);
    if (!info) return;
    newest = Math.max(newest, info.mtime?.getTime() ?? 0);
    if (!info.isDirectory) return;
    for await (const entry of Deno.readDir(path)) {
      await visit(join(path, entry.name));
    }
  };
  for (const name of SOURCES) await visit(join(root, name));
  return newest;
}
