import { createHash } from "node:crypto";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { buildPage, DASHBOARD_HTML } from "../../src/http/dashboard.ts";
import { startHub } from "../_util.ts";

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
}

function between(html: string, open: string, close: string): string {
  const start = html.indexOf(">", html.indexOf(open)) + 1;
  return html.slice(start, html.indexOf(close, start));
}

Deno.test("DASHBOARD_HTML inlines the script and stylesheet and allows exactly them", () => {
  const html = DASHBOARD_HTML;
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
});

Deno.test("buildPage() refuses a script that would end its own block", () => {
  const page = '<style>/*ARC:CSS*/</style><meta content="ARC_CSP">' +
    "<script>/*ARC:JS*/</script>";
  let error: unknown;
  try {
    buildPage(page, "", "const s = '</script><b>';");
  } catch (e) {
    error = e;
  }
  assert(error instanceof TypeError, "a closing tag in the script is refused");
  const built = buildPage(page, "b{}", "const a = '$&$1';");
  assertStringIncludes(built, "const a = '$&$1';");
});

Deno.test("GET / serves the dashboard page", async () => {
  await using hub = await startHub();
  const res = await fetch(`${hub.url}/`);
  assertEquals(res.status, 200);
  assertStringIncludes(res.headers.get("content-type") ?? "", "text/html");
  assertEquals(await res.text(), DASHBOARD_HTML);
});
