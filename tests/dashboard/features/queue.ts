/**
 * The dashboard's work queue line in a real headless Chromium against a
 * real hub: queue depth and who holds which task.
 *
 * @module
 */

import { assertEquals } from "../../_assert.ts";
import { browserTest, openDashboard, sel } from "../_browser.ts";
import { must, post } from "../_seed.ts";

browserTest(
  "dashboard - the tasks panel shows the work queue's depth and who holds what",
  async (hub, browser) => {
    const ids = [];
    for (const body of ["first job", "second job", "third job"]) {
      ids.push(
        (await post(hub, { from_agent: "lead", kind: "task", body })).id,
      );
    }
    await using dash = await openDashboard(browser, hub);
    const page = dash.page;
    await page.locator(sel("queue-depth"), { hasText: "queue: 3 ready" })
      .waitFor();
    await must(hub, "POST", "/v1/arcdeno/tasks/next", { agent_id: "worker-7" });
    await page.locator(sel("queue-depth"), { hasText: "queue: 2 ready" })
      .waitFor();
    assertEquals(
      await page.textContent(sel("queue-holders")),
      `#${ids[0]} worker-7`,
    );
    await page.waitForSelector(
      `${sel("task-row")}[data-task-id="${ids[0]}"] ${sel("task-holder")}`,
    );
    assertEquals(
      await page.textContent(
        `${sel("task-row")}[data-task-id="${ids[0]}"] ${sel("task-holder")}`,
      ),
      "@worker-7",
    );
  },
);
