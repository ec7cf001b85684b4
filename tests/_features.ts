/**
 * For a test file that runs one module per feature from `features/` beside
 * it (so the features share one worker's loaded modules): a test that fails
 * when a module there is not imported, and so would never run.
 *
 * @module
 */

/** Registers the check for the entry file at `entry` (its `import.meta.url`). */
export function testImportsEveryFeature(entry: string): void {
  const name = new URL(entry).pathname.split("/").pop();
  Deno.test(`${name} imports every module under features/`, async () => {
    const source = await Deno.readTextFile(new URL(entry));
    const imported = new Set(
      [...source.matchAll(/^import "\.\/features\/([^"]+)";$/gm)].map((m) =>
        m[1]
      ),
    );
    const missing: string[] = [];
    for await (const file of Deno.readDir(new URL("./features/", entry))) {
      if (
        file.isFile && file.name.endsWith(".ts") && !imported.has(file.name)
      ) {
        missing.push(file.name);
      }
    }
    if (missing.length > 0) {
      throw new Error(`not imported here, so never run: ${missing.join(", ")}`);
    }
  });
}
