/**
 * The operator dashboard served at `GET /`. Its HTML, stylesheet and script
 * modules are imported as text, so `deno compile` embeds them and a compiled
 * binary needs no files beside it. {@linkcode dashboardPage} joins the script
 * modules into one module script ({@linkcode joinModules}) and inlines it and
 * the stylesheet into the page. The page carries a
 * Content-Security-Policy that allows exactly that script and stylesheet (by
 * hash) and network access only to the hub itself: even a rendering mistake
 * could not run markup that an agent smuggled into a message.
 *
 * @module
 */

import page from "../../dashboard/index.html" with { type: "text" };
import css from "../../dashboard/app.css" with { type: "text" };
import api from "../../dashboard/api.js" with { type: "text" };
import commands from "../../dashboard/commands.js" with { type: "text" };
import dom from "../../dashboard/dom.js" with { type: "text" };
import main from "../../dashboard/main.js" with { type: "text" };
import refresh from "../../dashboard/refresh.js" with { type: "text" };
import state from "../../dashboard/state.js" with { type: "text" };
import stream from "../../dashboard/stream.js" with { type: "text" };
import ui from "../../dashboard/ui.js" with { type: "text" };
import agents from "../../dashboard/views/agents.js" with { type: "text" };
import approvals from "../../dashboard/views/approvals.js" with {
  type: "text",
};
import attachments from "../../dashboard/views/attachments.js" with {
  type: "text",
};
import feed from "../../dashboard/views/feed.js" with { type: "text" };
import hub from "../../dashboard/views/hub.js" with { type: "text" };
import leases from "../../dashboard/views/leases.js" with { type: "text" };
import message from "../../dashboard/views/message.js" with { type: "text" };
import nav from "../../dashboard/views/nav.js" with { type: "text" };
import search from "../../dashboard/views/search.js" with { type: "text" };
import tasks from "../../dashboard/views/tasks.js" with { type: "text" };
import threads from "../../dashboard/views/threads.js" with { type: "text" };
import unacked from "../../dashboard/views/unacked.js" with { type: "text" };

/**
 * The dashboard's script modules by their path under `dashboard/`. A module
 * missing here fails {@linkcode joinModules} (and so the page) with the
 * import that named it.
 */
export const DASHBOARD_MODULES: Readonly<Record<string, string>> = {
  "api.js": api,
  "commands.js": commands,
  "dom.js": dom,
  "main.js": main,
  "refresh.js": refresh,
  "state.js": state,
  "stream.js": stream,
  "ui.js": ui,
  "views/agents.js": agents,
  "views/approvals.js": approvals,
  "views/attachments.js": attachments,
  "views/feed.js": feed,
  "views/hub.js": hub,
  "views/leases.js": leases,
  "views/message.js": message,
  "views/nav.js": nav,
  "views/search.js": search,
  "views/tasks.js": tasks,
  "views/threads.js": threads,
  "views/unacked.js": unacked,
};

const CSS_SLOT = "/*ARC:CSS*/";
const JS_SLOT = "/*ARC:JS*/";
const CSP_SLOT = "ARC_CSP";
/** `import { a, b } from "./x.js";` on its own line(s), at the top level. */
const IMPORT = /^import\s*\{([^}]*)\}\s*from\s*"([^"]+)";[ \t]*$/gm;
/** Lines only the type checker reads: `// @ts-check` and `/// <reference .../>`. */
const CHECKER_ONLY = /^(?:\/\/ @ts-check|\/\/\/ <reference [^>]*\/>)[ \t]*\n/gm;
/** A top-level declaration: column 0, as `deno fmt` writes them. */
const DECLARATION =
  /^(export )?(?:async function\*?|function\*?|const|let|var|class) ([\w$]+)/gm;

/** Builds the operator page's HTML, with its stylesheet and joined script inlined. */
export function dashboardPage(): Promise<string> {
  return buildPage(page, css, joinModules(DASHBOARD_MODULES, "main.js"));
}

/**
 * Inlines `style` and `script` into `html` (at the `/*ARC:CSS*\/` and
 * `/*ARC:JS*\/` slots) and fills the `ARC_CSP` slot with a policy that
 * allows those two blocks by their SHA-256 hashes (Web Crypto, so the hub
 * loads no `node:crypto`).
 *
 * @throws {TypeError} (as a rejection) when a block would end itself early
 * or a slot is missing or repeated
 */
export async function buildPage(
  html: string,
  style: string,
  script: string,
): Promise<string> {
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
    `script-src ${await hashOf(filled, "script")}`,
    `style-src ${await hashOf(filled, "style")}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return filled.replace(CSP_SLOT, () => policy);
}

/** The CSP source for the one inline `<tag>` block in `html`. */
async function hashOf(html: string, tag: "script" | "style"): Promise<string> {
  const open = html.indexOf(">", html.indexOf(`<${tag}`)) + 1;
  const close = html.indexOf(`</${tag}>`, open);
  const body = new TextEncoder().encode(html.slice(open, close));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
  return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
}

/**
 * Joins ES modules into the text of one module script, as the browser would
 * evaluate them: dependencies first, each module once, starting from
 * `entry`. The modules keep to a subset that makes joining a matter of
 * deleting lines: named imports of relative paths without `as`, exports only
 * as `export` before a top-level declaration, and no top-level name declared
 * by two modules (the joined script has one scope, as the original single
 * file had).
 *
 * The type checker's own lines (`// @ts-check`, `/// <reference .../>`) are
 * left out too.
 *
 * @param modules the modules' text by path, such as `views/feed.js`
 * @param entry the path of the module the page runs
 * @throws {TypeError} when a module steps outside that subset, imports a
 * module that is not in `modules`, or imports a name its module does not export
 */
export function joinModules(
  modules: Readonly<Record<string, string>>,
  entry: string,
): string {
  const parsed = new Map<string, ParsedModule>();
  const parse = (path: string): ParsedModule => {
    let module = parsed.get(path);
    if (module) return module;
    const text = modules[path];
    if (text === undefined) {
      throw new TypeError(
        `Cannot join the dashboard modules as ${path} is not among them: add it to DASHBOARD_MODULES`,
      );
    }
    module = parseModule(path, text);
    parsed.set(path, module);
    return module;
  };
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (path: string) => {
    if (order.includes(path) || visiting.has(path)) return;
    visiting.add(path);
    for (const { from, names } of parse(path).imports) {
      const target = parse(from);
      for (const name of names) {
        if (!target.exports.has(name)) {
          throw new TypeError(
            `Cannot join the dashboard modules as ${path} imports ${name} which ${from} does not export`,
          );
        }
      }
      visit(from);
    }
    order.push(path);
  };
  visit(entry);
  const declaredBy = new Map<string, string>();
  for (const path of order) {
    for (const name of parse(path).declarations) {
      const other = declaredBy.get(name);
      if (other !== undefined) {
        throw new TypeError(
          `Cannot join the dashboard modules as ${other} and ${path} both declare ${name}: rename one`,
        );
      }
      declaredBy.set(name, path);
    }
  }
  return order.map((path) => `// ── dashboard/${path}\n${parse(path).body}`)
    .join("\n");
}

interface ParsedModule {
  imports: { from: string; names: string[] }[];
  exports: Set<string>;
  declarations: string[];
  /** The text without its import statements and `export` keywords. */
  body: string;
}

function parseModule(path: string, text: string): ParsedModule {
  const imports: ParsedModule["imports"] = [];
  const body = text.replace(IMPORT, (_, list: string, specifier: string) => {
    if (!specifier.startsWith("./") && !specifier.startsWith("../")) {
      throw new TypeError(
        `Cannot join the dashboard modules as ${path} imports "${specifier}", which is not a relative path`,
      );
    }
    const names = list.split(",").map((name) => name.trim()).filter(Boolean);
    for (const name of names) {
      if (!/^[\w$]+$/.test(name)) {
        throw new TypeError(
          `Cannot join the dashboard modules as ${path} imports "${name}": import names as they are, without "as"`,
        );
      }
    }
    const from = new URL(specifier, `file:///${path}`).pathname.slice(1);
    imports.push({ from, names });
    return "";
  });
  const declarations: string[] = [];
  const exports = new Set<string>();
  for (const [, exported, name] of body.matchAll(DECLARATION)) {
    declarations.push(name!);
    if (exported) exports.add(name!);
  }
  const unexported = body.replace(CHECKER_ONLY, "").replace(
    DECLARATION,
    (line, exported?: string) => exported ? line.slice(exported.length) : line,
  );
  const stray = unexported.match(/^(?:import|export)\b.*$/m);
  if (stray) {
    throw new TypeError(
      `Cannot join the dashboard modules as ${path} has a statement joining cannot handle: ${
        stray[0].slice(0, 80)
      }`,
    );
  }
  return { imports, exports, declarations, body: unexported };
}
