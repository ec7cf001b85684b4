/**
 * The operator dashboard served at `GET /`. Its HTML, stylesheet and script
 * are imported as text, so `deno compile` embeds them and a compiled binary
 * needs no files beside it. The stylesheet and script are inlined into the
 * page when this module loads, and the page carries a Content-Security-Policy
 * that allows exactly that script and stylesheet (by hash) and network access
 * only to the hub itself: even a rendering mistake could not run markup that
 * an agent smuggled into a message.
 *
 * @module
 */

import { createHash } from "node:crypto";
import page from "../../dashboard/index.html" with { type: "text" };
import css from "../../dashboard/app.css" with { type: "text" };
import js from "../../dashboard/app.js" with { type: "text" };

const CSS_SLOT = "/*ARC:CSS*/";
const JS_SLOT = "/*ARC:JS*/";
const CSP_SLOT = "ARC_CSP";

/** The operator page's HTML, with its stylesheet and script inlined. */
export const DASHBOARD_HTML: string = buildPage(page, css, js);

/**
 * Inlines `style` and `script` into `html` (at the `/*ARC:CSS*\/` and
 * `/*ARC:JS*\/` slots) and fills the `ARC_CSP` slot with a policy that
 * allows those two blocks by their SHA-256 hashes.
 */
export function buildPage(html: string, style: string, script: string): string {
  for (const [name, text] of [["stylesheet", style], ["script", script]]) {
    if (/<\/(style|script)/i.test(text!) || text!.includes("<!--")) {
      throw new TypeError(
        `Cannot inline the dashboard ${name} as it contains a closing tag or comment opener`,
      );
    }
  }
  for (const slot of [CSS_SLOT, JS_SLOT, CSP_SLOT]) {
    if (html.split(slot).length !== 2) {
      throw new TypeError(
        `Cannot build the dashboard as the page must contain the slot ${slot} exactly once`,
      );
    }
  }
  const filled = html.replace(CSS_SLOT, () => style).replace(
    JS_SLOT,
    () => script,
  );
  const policy = [
    "default-src 'none'",
    `script-src ${hashOf(filled, "script")}`,
    `style-src ${hashOf(filled, "style")}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return filled.replace(CSP_SLOT, () => policy);
}

/** The CSP source for the one inline `<tag>` block in `html`. */
function hashOf(html: string, tag: "script" | "style"): string {
  const open = html.indexOf(">", html.indexOf(`<${tag}`)) + 1;
  const close = html.indexOf(`</${tag}>`, open);
  const body = html.slice(open, close);
  return `'sha256-${createHash("sha256").update(body).digest("base64")}'`;
}
