/**
 * The dashboard's search box in a real headless Chromium against a real hub.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { browserTest, openDashboard, sel } from "../_browser.ts";
import { post } from "../_seed.ts";

browserTest(
  "dashboard - the search box finds a message, shows matches as text and opens it",
  async (hub, browser) => {
    await hub.api("POST", "/v1/channels", { name: "builds" });
    const target = await post(hub, {
      from_agent: "builder",
      channel: "builds",
      body: "the <b>iguana</b> pipeline needs a retry",
      thread_id: "ci-iguana",
    });
    await post(hub, { from_agent: "builder", body: "unrelated chatter" });
    await post(hub, {
      from_agent: "builder",
      to_agent: "reviewer",
      body: "iguana secret between two agents",
    });
    await using dash = await openDashboard(browser, hub);
    const page = dash.page;
    await page.fill(sel("search-input"), "iguana");
    await page.press(sel("search-input"), "Enter");
    await page.waitForSelector(sel("search-hit"));
    const snippets = await page.$$eval(
      sel("search-snippet"),
      (els) => els.map((e) => e.textContent ?? ""),
    );
    // Only the broadcast: a DM between two other agents stays out of the operator's search.
    assertEquals(snippets.length, 1);
    assertStringIncludes(snippets[0]!, "<b>iguana</b>");
    // The body's markup is text, never HTML; the match is highlighted.
    assertEquals(await page.locator(`${sel("search-snippet")} b`).count(), 0);
    assertEquals(
      await page.locator(`${sel("search-snippet")} mark`).first()
        .textContent(),
      "iguana",
    );
    assertStringIncludes(
      await page.textContent(sel("search-summary")) ?? "",
      "1 hit",
    );
    // Opening the hit shows its thread with the message in it.
    await page.click(sel("search-hit"));
    await page.waitForSelector(`${sel("message")}[data-id="${target.id}"]`);
    assertStringIncludes(
      await page.textContent(sel("view-title")) ?? "",
      "ci-iguana",
    );
    assert(await page.isHidden(sel("search-results")));
    // A query with no words says so instead of failing silently.
    await page.fill(sel("search-input"), "&&");
    await page.press(sel("search-input"), "Enter");
    await page.locator(sel("search-summary"), { hasText: "Search failed" })
      .waitFor();
    assertEquals(dash.errors.filter((e) => !e.includes("400")), []);
  },
);
