/**
 * Browser helpers for the dashboard tests: launch the system Chromium through
 * playwright-core (never a downloaded browser), open the hub's page, and
 * collect what the page logged.
 *
 * @module
 */

import type { Browser, BrowserContext, Page } from "playwright-core";
import type { HubLike } from "../_util.ts";
import { type InProcessHub, inProcessHub } from "../_harness.ts";

/**
 * The browsers the tests can drive, in the order they are preferred:
 * Debian's `chromium-headless-shell` (the same engine without the desktop
 * browser around it; the dashboard tests spend about 30 % less browser CPU
 * on it) and its `chromium`.
 */
export const CHROMIUM_CANDIDATES = [
  "/usr/bin/chromium-headless-shell",
  "/usr/bin/chromium",
] as const;

/** The first of {@linkcode CHROMIUM_CANDIDATES} that is installed, else the last. */
export const CHROMIUM: string = await firstFile(CHROMIUM_CANDIDATES);

async function firstFile(paths: readonly string[]): Promise<string> {
  for (const path of paths) {
    const info = await Deno.stat(path).catch(() => undefined);
    if (info?.isFile) return path;
  }
  return paths[paths.length - 1]!;
}

/** Flags for a quiet, sandbox-free headless run in a container. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-dev-shm-usage",
];

/**
 * Why the browser tests cannot run here, or `undefined` when they can.
 * playwright-core reads the home directory and the OS release when it loads,
 * so it needs `--allow-sys=homedir,osRelease` besides run, read, write, net
 * and env.
 */
export async function browserUnavailable(): Promise<string | undefined> {
  try {
    const info = await Deno.stat(CHROMIUM);
    if (!info.isFile) return `${CHROMIUM} is not a file`;
  } catch {
    return `no browser: none of ${
      CHROMIUM_CANDIDATES.join(", ")
    } is installed (install one with: apt-get install -y chromium-headless-shell)`;
  }
  for (const kind of ["homedir", "osRelease"] as const) {
    const { state } = await Deno.permissions.query({ name: "sys", kind });
    if (state !== "granted") {
      return `playwright-core needs --allow-sys=homedir,osRelease (sys access to "${kind}" is ${state})`;
    }
  }
  for (const name of ["run", "env", "net", "read", "write"] as const) {
    const { state } = await Deno.permissions.query({ name });
    if (state !== "granted") return `the browser tests need --allow-${name}`;
  }
  return undefined;
}

/**
 * Why the browser tests cannot run here, or `undefined` when they can:
 * {@linkcode browserUnavailable}, asked once when this module loads.
 */
export const BROWSER_UNAVAILABLE: string | undefined =
  await browserUnavailable();

const warned = new Set<string>();

/** Registers a test that needs the browser, skipped (and said so once) when it cannot run. */
function registerBrowserTest(
  name: string,
  unavailable: string | undefined,
  fn: () => Promise<void>,
): void {
  const why = BROWSER_UNAVAILABLE ?? unavailable;
  if (why !== undefined && !warned.has(why)) {
    warned.add(why);
    // deno-lint-ignore no-console
    console.warn(`SKIPPED dashboard browser tests: ${why}`);
  }
  if (why === undefined) wanted = true;
  Deno.test({ name, ignore: why !== undefined, fn });
}

/** A selector for the element with this `data-testid`, followed by `extra`. */
export function sel(testid: string, extra = ""): string {
  return `[data-testid=${testid}]${extra}`;
}

/** How {@linkcode browserTest} and {@linkcode browserOnlyTest} run their test. */
export interface BrowserTestOptions {
  /**
   * Another reason the test cannot run here (a missing network namespace,
   * say); set, the test is ignored like one without a browser. @default undefined
   */
  unavailable?: string | undefined;
  /** `arc serve` flags of the hub the test starts. @default [] */
  args?: string[];
}

/**
 * One test with a fresh hub in the test process (`../_harness.ts`, serving
 * real HTTP on a port of its own, on a clock the test may move, e.g. past a
 * deadline) and the file's browser; ignored where the browser cannot run
 * ({@linkcode BROWSER_UNAVAILABLE}). The page is what these tests are about:
 * a hub process per test cost about a sixth of the file's CPU, and the hub
 * process is tested elsewhere.
 */
export function browserTest(
  name: string,
  fn: (hub: InProcessHub, browser: Browser) => Promise<void>,
  options: BrowserTestOptions = {},
): void {
  registerBrowserTest(name, options.unavailable, async () => {
    await using hub = await inProcessHub({ args: options.args ?? [] });
    await fn(hub, await sharedBrowser());
  });
}

/**
 * One test with the file's browser that starts its own hubs; ignored where
 * the browser cannot run ({@linkcode BROWSER_UNAVAILABLE}).
 */
export function browserOnlyTest(
  name: string,
  fn: (browser: Browser) => Promise<void>,
  options: BrowserTestOptions = {},
): void {
  registerBrowserTest(name, options.unavailable, async () => {
    await fn(await sharedBrowser());
  });
}

/**
 * The browser of this test file: launched once before its first test and
 * closed after its last (a launch costs about a second of CPU). Dashboards
 * open in tabs {@linkcode openDashboard} keeps for the next test.
 */
let shared: Promise<TestBrowser> | undefined;
let wanted = false;

Deno.test.beforeAll(async () => {
  // Every Deno.test of the file has registered by now.
  if (wanted) shared = launchBrowser();
  await shared;
});

Deno.test.afterAll(async () => {
  await (await shared)?.[Symbol.asyncDispose]();
});

function sharedBrowser(): Promise<Browser> {
  if (!shared) throw new Error("the shared browser was not launched");
  return shared.then((b) => b.browser);
}

/** A launched browser that closes with `await using`. */
export interface TestBrowser extends AsyncDisposable {
  browser: Browser;
}

/** Launches the system Chromium headless. */
export async function launchBrowser(): Promise<TestBrowser> {
  // playwright-core's bundled is-wsl probe reads /proc/sys/fs/binfmt_misc
  // when the module loads, which Deno only allows with --allow-all. This
  // variable (is-wsl's own test switch) defers the probe to the code paths
  // that open desktop apps, which these tests never take.
  Deno.env.set("__IS_WSL_TEST__", "1");
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    browser,
    async [Symbol.asyncDispose]() {
      await browser.close().catch(() => {});
    },
  };
}

/**
 * Collects a page's console errors and uncaught exceptions, in order, from
 * now on. Requests Chromium aborted because the machine's network changed
 * are left out: tests in other files add network interfaces (tests/_netns.ts,
 * createLanPair), Chromium then fails the requests in flight with
 * ERR_NETWORK_CHANGED and the page asks again; that is the test machine's
 * doing, not the page's.
 */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    if (message.text().includes("net::ERR_NETWORK_CHANGED")) return;
    errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
  return errors;
}

/**
 * Types `text` into the composer, presses Enter and waits until the page has
 * finished with it (the send button is enabled again), so the next step
 * cannot land while the page still sends: a post the hub already shows to a
 * reader may not have been answered to the page yet.
 */
export async function sendFromComposer(
  page: Page,
  text: string,
): Promise<void> {
  await page.fill(sel("composer-input"), text);
  await page.press(sel("composer-input"), "Enter");
  await page.waitForSelector(`${sel("composer-send")}:not([disabled])`);
}

/** Options for {@linkcode openDashboard}. */
export interface OpenOptions {
  /** @default { width: 1440, height: 900 } */
  viewport?: { width: number; height: number };
  /** @default "dark" */
  colorScheme?: "dark" | "light";
  /** A hash route such as `#inbox` or `#c/builds`. @default "" */
  hash?: string;
  /** Wait for the live stream to be up. @default true */
  waitLive?: boolean;
}

/** An open dashboard tab plus everything it reported as an error. */
export interface Dashboard extends AsyncDisposable {
  page: Page;
  /** Console errors and uncaught exceptions, in order. */
  errors: string[];
  /** Milliseconds from navigation to the first rendered view. */
  loadMs: number;
}

/**
 * Tabs kept between tests, per browser, in one context: a new context (and
 * with it a new renderer process) per dashboard cost about twice the CPU of
 * the page itself. Each hub listens on a port of its own, so each test's page
 * has an origin of its own; its storage is cleared when the test ends, since a
 * later hub may get the same port. Cookies, which ignore the port, the
 * dashboard does not use.
 */
const tabs = new WeakMap<
  Browser,
  { context: Promise<BrowserContext>; idle: Page[] }
>();

async function takeTab(browser: Browser): Promise<Page> {
  let pool = tabs.get(browser);
  if (!pool) {
    tabs.set(browser, pool = { context: browser.newContext(), idle: [] });
  }
  return pool.idle.pop() ?? await (await pool.context).newPage();
}

/**
 * Leaves the page (so its scripts and streams stop), drops the listeners the
 * test added, and keeps the tab for the next test.
 */
async function returnTab(browser: Browser, page: Page): Promise<void> {
  try {
    page.removeAllListeners();
    // A later hub may get this port again, and with it this origin.
    await page.evaluate(() => {
      localStorage.clear();
      sessionStorage.clear();
    }).catch(() => {});
    await page.goto("about:blank");
    tabs.get(browser)?.idle.push(page);
  } catch {
    await page.close().catch(() => {});
  }
}

/** Opens the hub's dashboard in a tab of its own and waits until it is ready. */
export async function openDashboard(
  browser: Browser,
  hub: HubLike,
  options: OpenOptions = {},
): Promise<Dashboard> {
  const page = await takeTab(browser);
  await page.setViewportSize(options.viewport ?? { width: 1440, height: 900 });
  await page.emulateMedia({ colorScheme: options.colorScheme ?? "dark" });
  // A ceiling, not a speed check: a 2-core machine running the whole suite
  // in parallel can take a while to bring the page's stream up.
  page.setDefaultTimeout(30_000);
  const errors = pageErrors(page);
  const started = performance.now();
  await page.goto(`${hub.url}/${options.hash ?? ""}`);
  await page.waitForSelector("html[data-ready='1']");
  const loadMs = performance.now() - started;
  if (options.waitLive ?? true) {
    await page.waitForSelector("[data-testid=connection][data-state=live]");
  }
  return {
    page,
    errors,
    loadMs,
    async [Symbol.asyncDispose]() {
      await returnTab(browser, page);
    },
  };
}
