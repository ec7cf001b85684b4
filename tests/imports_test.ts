/**
 * Imports flow one way. Every module of `src/` belongs to a layer, and a
 * module may import only from its own layer or from a lower one:
 *
 *   base (protocol, errors, time, path, glob, config, database_url)
 *     < store < hub < http < relay < mcp < cli
 *
 * The client library (`src/client/`) imports nothing outside its folder, so
 * it can be published alone; every layer but the base may use it (the store
 * takes the wire's row types from it, so they are written once). Static
 * imports, re-exports and dynamic `import()` of a literal path all count.
 * And `arc serve` loads none of the Node built-ins that cost a hub memory.
 *
 * @module
 */

import { dirname, join, relative, resolve } from "node:path";
import { assertEquals } from "./_assert.ts";

const SRC = resolve(dirname(new URL(import.meta.url).pathname), "../src");

const LAYERS = [
  "base",
  "store",
  "hub",
  "http",
  "relay",
  "mcp",
  "cli",
] as const;
type Layer = typeof LAYERS[number] | "client";

/** The layer of a file, by its path below `src/`. */
function layerOf(path: string): Layer {
  const top = path.split("/")[0]!;
  if (top === "client") return "client";
  if ((LAYERS as readonly string[]).includes(top)) return top as Layer;
  if (!path.includes("/")) return "base";
  throw new Error(`src/${path} is in no layer: add its folder to LAYERS`);
}

/** Whether a module of layer `from` may import one of layer `to`. */
function allowed(from: Layer, to: Layer): boolean {
  if (from === "client") return to === "client";
  if (to === "client") return from !== "base";
  return LAYERS.indexOf(to as typeof LAYERS[number]) <=
    LAYERS.indexOf(from as typeof LAYERS[number]);
}

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* sources(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

const SPECIFIER =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s+["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;

/** Relative specifiers of one file, as paths below `src/` (outside ones stay out). */
function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2]!;
    if (!spec.startsWith(".")) continue;
    const target = relative(SRC, resolve(dirname(file), spec));
    if (!target.startsWith("..")) found.push(target);
  }
  return found;
}

/** Every import that goes the wrong way, as `from -> to (layers)`. */
async function wrongWay(): Promise<string[]> {
  const wrong: string[] = [];
  for await (const file of sources(SRC)) {
    const from = relative(SRC, file);
    const text = await Deno.readTextFile(file);
    for (const to of importsOf(file, text)) {
      const a = layerOf(from);
      const b = layerOf(to);
      if (!allowed(a, b)) wrong.push(`${from} -> ${to} (${a} -> ${b})`);
    }
  }
  return wrong.sort();
}

Deno.test("imports - every module of src/ imports only its own or a lower layer", async () => {
  assertEquals(await wrongWay(), []);
});

Deno.test("imports - the checker sees static, re-exported and dynamic imports", () => {
  const file = join(SRC, "hub", "example.ts");
  const text = [
    'import { a } from "../store/types.ts";',
    'import type {\n  B,\n} from "./units/x.ts";',
    'export { c } from "../http/app.ts";',
    'const d = await import("../cli/serve.ts");',
    'import { e } from "npm:hono";',
    "// import { f } from '../mcp/server.ts' is only a comment in a string",
  ].join("\n");
  assertEquals(importsOf(file, text), [
    "store/types.ts",
    "hub/units/x.ts",
    "http/app.ts",
    "cli/serve.ts",
  ]);
  assertEquals(
    allowed(layerOf("hub/example.ts"), layerOf("http/app.ts")),
    false,
  );
  assertEquals(allowed("hub", "store"), true);
  assertEquals(allowed("client", "base"), false);
  assertEquals(allowed("cli", "client"), true);
  assertEquals(allowed("store", "client"), true);
  assertEquals(allowed("base", "client"), false);
});

/**
 * Node built-ins that make Deno load most of its Node compatibility layer
 * (several MB of a hub's memory); `src/path.ts`, our flag parser and Web
 * Crypto stand in for them. `import type` loads nothing and is allowed.
 */
const HEAVY_NODE = /^node:(?:path|util|crypto)$/;

/** A static value import, re-export or literal dynamic import, and which it is. */
const LOADING =
  /(?:^|\n)\s*(import|export)\b(?!\s+type\b)[^'"]*?\bfrom\s+["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;

/**
 * What `arc serve` loads: main.ts's static imports, then everything serve.ts
 * reaches, dynamic imports included except the opt-in PostgreSQL store and
 * MCP route.
 */
async function serveLoads(): Promise<Map<string, string>> {
  const heavy = new Map<string, string>();
  const root = resolve(SRC, "..");
  const seen = new Set<string>();
  const walk = async (file: string, staticOnly: boolean) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await Deno.readTextFile(file);
    for (const m of text.matchAll(LOADING)) {
      const spec = m[2] ?? m[3]!;
      const dynamic = m[3] !== undefined;
      if (HEAVY_NODE.test(spec)) heavy.set(relative(root, file), spec);
      if (!spec.startsWith(".") || (dynamic && staticOnly)) continue;
      const target = resolve(dirname(file), spec);
      if (/\/(store\/postgres|mcp)\//.test(target)) continue;
      if (target.endsWith(".ts")) await walk(target, false);
    }
  };
  await walk(join(root, "main.ts"), true);
  await walk(join(SRC, "cli", "serve.ts"), false);
  return heavy;
}

Deno.test("imports - arc serve loads no node:path, node:util or node:crypto", async () => {
  assertEquals(Object.fromEntries(await serveLoads()), {});
});
