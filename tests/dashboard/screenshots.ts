/**
 * Writes the dashboard screenshots in `docs/screenshots/` from a real hub
 * filled with {@linkcode seedDemo}. Run it after changing the page:
 *
 * ```sh
 * deno run --allow-run --allow-read --allow-write --allow-net --allow-env \
 *   --allow-sys=homedir,osRelease tests/dashboard/screenshots.ts
 * ```
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { startHub } from "../_util.ts";
import {
  browserUnavailable,
  launchBrowser,
  openDashboard,
} from "./_browser.ts";
import { must, seedDemo } from "./_seed.ts";

const OUT = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));

async function main(): Promise<void> {
  const why = await browserUnavailable();
  if (why) throw new Error(`cannot take screenshots: ${why}`);
  await Deno.mkdir(OUT, { recursive: true });
  await using hub = await startHub();
  const demo = await seedDemo(hub);
  await using browser = await launchBrowser();
  const shots: string[] = [];
  const save = async (
    dash: { page: import("playwright-core").Page },
    name: string,
  ) => {
    // Let the panels' first refresh and the relative times settle.
    await dash.page.waitForTimeout(600);
    await dash.page.screenshot({ path: `${OUT}${name}` });
    shots.push(name);
  };

  {
    await using dash = await openDashboard(browser.browser, hub);
    await dash.page.waitForSelector("[data-testid=claim-row]");
    await dash.page.waitForSelector("[data-testid=task-row]");
    await save(dash, "dashboard.png");

    await dash.page.click(
      `[data-testid=thread-row][data-thread="${demo.thread}"] button`,
    );
    await dash.page.waitForSelector(
      "[data-testid=view-title]:has-text('thread')",
    );
    await dash.page.waitForSelector("[data-testid=attachment][data-type=json]");
    await save(dash, "thread.png");

    await dash.page.click("[data-testid=nav-inbox]");
    await dash.page.waitForSelector("[data-testid=message][data-dm]");
    await dash.page.fill("[data-testid=composer-input]", "/help");
    await dash.page.press("[data-testid=composer-input]", "Enter");
    await dash.page.waitForSelector("[data-testid=note]");
    await save(dash, "inbox.png");

    await dash.page.click("[data-testid=channel-item][data-channel=general]");
    await dash.page.fill("[data-testid=composer-input]", "/quit 300");
    await dash.page.press("[data-testid=composer-input]", "Enter");
    await dash.page.waitForSelector("[data-testid=shutdown-banner]:visible");
    await save(dash, "shutdown.png");
    await must(hub, "POST", "/v1/shutdown/cancel", {});
  }
  {
    await using dash = await openDashboard(browser.browser, hub, {
      viewport: { width: 1280, height: 800 },
      colorScheme: "light",
      hash: `#t/${demo.thread}`,
    });
    await dash.page.waitForSelector("[data-testid=claim-row]");
    await save(dash, "light.png");
  }
  // deno-lint-ignore no-console
  console.log(`wrote ${shots.map((s) => OUT + s).join(", ")}`);
}

if (import.meta.main) await main();
