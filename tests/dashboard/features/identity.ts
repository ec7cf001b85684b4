/**
 * The operator dashboard on a hub with strict identity, in a real headless
 * Chromium: it keeps the operator's secret across a reload, posts as the
 * operator, and never puts the secret on the page. Skipped when the browser is missing.
 *
 * @module
 */

import { assert, assertEquals } from "../../_assert.ts";
import { eventually } from "../../_util.ts";
import { browserTest, openDashboard, sendFromComposer } from "../_browser.ts";

browserTest(
  "dashboard with strict identity - posts as the operator and never shows its secret",
  async (hub, browser) => {
    await using dash = await openDashboard(browser, hub);
    const { page } = dash;
    // Capture the secret the hub hands the page, to look for it later.
    let secret: string | undefined;
    page.on("response", async (response) => {
      if (!response.url().endsWith("/v1/sessions")) return;
      const body = await response.json().catch(() => undefined);
      secret ??= body?.result?.arcdeno?.secret;
    });
    // Reconnecting registers again; the page must carry the current secret.
    await page.reload();
    await page.waitForSelector("[data-testid=connection][data-state=live]");
    await sendFromComposer(page, "hello from the operator");
    const posted = await eventually(async () => {
      const r = await hub.api("GET", "/v1/messages?channel=general");
      return r.body.result.find((m: { from_agent: string; body: string }) =>
        m.from_agent === "operator" && m.body === "hello from the operator"
      );
    });
    assert(posted);
    assert(secret !== undefined, "the page registered and got a secret");
    const html = await page.content();
    const text = await page.locator("body").innerText();
    assert(!html.includes(secret!), "the secret is in the page");
    assert(!text.includes(secret!), "the secret is shown");
    assertEquals(dash.errors, []);
  },
  { args: ["--strict-identity"] },
);
