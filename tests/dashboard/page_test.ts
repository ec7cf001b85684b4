import { createHash } from "node:crypto";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "../_assert.ts";
import {
  buildPage,
  DASHBOARD_MODULES,
  dashboardPage,
  joinModules,
} from "../../src/http/dashboard.ts";
import { startHub } from "../_util.ts";

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
}

function between(html: string, open: string, close: string): string {
  const start = html.indexOf(">", html.indexOf(open)) + 1;
  return html.slice(start, html.indexOf(close, start));
}

Deno.test("dashboardPage() inlines the script and stylesheet and allows exactly them", async () => {
  const html = await dashboardPage();
  for (const slot of ["/*ARC:CSS*/", "/*ARC:JS*/", "ARC_CSP"]) {
    assert(!html.includes(slot), `slot ${slot} should be filled`);
  }
  const csp = html.match(
    /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/,
  )?.[1];
  assert(csp, "the page should carry a Content-Security-Policy");
  const script = between(html, "<script", "</script>");
  const style = between(html, "<style", "</style>");
  assertStringIncludes(script, "function renderMessage(");
  assertStringIncludes(style, "--bg:");
  assertStringIncludes(csp, "default-src 'none'");
  assertStringIncludes(csp, `script-src ${sha256(script)}`);
  assertStringIncludes(csp, `style-src ${sha256(style)}`);
  assertStringIncludes(csp, "connect-src 'self'");
  assert(!csp.includes("unsafe-inline"), "no unsafe-inline");
  assertEquals(html.match(/<script/g)?.length, 1, "one script block");
  assert(!/^(import|export)\b/m.test(script), "the modules are joined");
});

Deno.test("DASHBOARD_MODULES holds every script module under dashboard/, and the page holds them all", async () => {
  const root = new URL("../../dashboard/", import.meta.url);
  const found: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(new URL(dir, root))) {
      if (entry.isDirectory) await walk(`${dir}${entry.name}/`);
      else if (entry.name.endsWith(".js")) found.push(`${dir}${entry.name}`);
    }
  };
  await walk("");
  assertEquals(Object.keys(DASHBOARD_MODULES).sort(), found.sort());
  const script = between(await dashboardPage(), "<script", "</script>");
  for (const path of found) {
    assertStringIncludes(script, `// ── dashboard/${path}\n`);
  }
});

/** Runs a joined script as a module; it reports through `globalThis.joined`. */
async function runJoined(script: string): Promise<unknown> {
  const global = globalThis as { joined?: unknown };
  try {
    await import(`data:text/javascript,${encodeURIComponent(script)}`);
    return global.joined;
  } finally {
    delete global.joined;
  }
}

Deno.test("joinModules() runs each module once, after the modules it imports", async () => {
  const joined = joinModules({
    "main.js": [
      'import { count, bump } from "./lib/counter.js";',
      'import { twice } from "./twice.js";',
      "twice();",
      "bump();",
      "globalThis.joined = { count, log };",
    ].join("\n"),
    "twice.js": [
      "// @ts-check",
      'import {\n  bump,\n  log,\n} from "./lib/counter.js";',
      'log.push("twice");',
      "export function twice() {\n  bump();\n  bump();\n}",
    ].join("\n"),
    "lib/counter.js": [
      "export let count = 0;",
      'export const log = ["counter"];',
      "export function bump() {\n  count++;\n}",
    ].join("\n"),
  }, "main.js");
  assert(!/^(import|export)\b/m.test(joined), "no import or export is left");
  assert(!joined.includes("@ts-check"), "checker-only lines are dropped");
  assertEquals(await runJoined(joined), {
    count: 3,
    log: ["counter", "twice"],
  });
});

Deno.test("joinModules() refuses modules it cannot join faithfully", () => {
  const refused = (
    modules: Record<string, string>,
    part: string,
  ) => {
    let error: unknown;
    try {
      joinModules(modules, "main.js");
    } catch (e) {
      error = e;
    }
    assert(error instanceof TypeError, `refused: ${JSON.stringify(modules)}`);
    assertStringIncludes(error.message, part);
  };
  const lib = { "lib.js": "export const a = 1;\nconst b = 2;" };
  refused({ "main.js": 'import { a } from "./gone.js";' }, "gone.js is not");
  refused({ ...lib, "main.js": 'import { b } from "./lib.js";' }, "imports b");
  refused(
    { ...lib, "main.js": 'import { a as c } from "./lib.js";' },
    'without "as"',
  );
  refused(
    { ...lib, "main.js": 'import { a } from "./lib.js";\nconst b = 3;' },
    "both declare b",
  );
  refused({ "main.js": 'import { a } from "lib";' }, "not a relative path");
  refused({ "main.js": "export default 1;" }, "export default 1;");
  refused({ "main.js": 'import "./lib.js";', ...lib }, 'import "./lib.js";');
});

Deno.test("buildPage() refuses a script that would end its own block", async () => {
  const page = '<style>/*ARC:CSS*/</style><meta content="ARC_CSP">' +
    "<script>/*ARC:JS*/</script>";
  const error = await assertRejects(() =>
    buildPage(page, "", "const s = '</script><b>';")
  );
  assert(error instanceof TypeError, "a closing tag in the script is refused");
  const built = await buildPage(page, "b{}", "const a = '$&$1';");
  assertStringIncludes(built, "const a = '$&$1';");
  assertStringIncludes(built, `script-src ${sha256("const a = '$&$1';")}`);
  assertStringIncludes(built, `style-src ${sha256("b{}")}`);
});

Deno.test("GET / serves the dashboard page", async () => {
  await using hub = await startHub();
  const res = await fetch(`${hub.url}/`);
  assertEquals(res.status, 200);
  assertStringIncludes(res.headers.get("content-type") ?? "", "text/html");
  assertEquals(await res.text(), await dashboardPage());
});
