/**
 * The dashboard's approvals panel in a real headless Chromium against a hub
 * serving real HTTP and a real `arc hook --approve` process: a Claude Code
 * PermissionRequest shows up with the agent, the command and its waiting
 * time, and a click on Deny reaches the hook, which prints the decision.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { browserTest, openDashboard, sel } from "../_browser.ts";
import { spawnHook } from "../../cli/_arc.ts";
import { must } from "../_seed.ts";

browserTest(
  "dashboard - a permission request waits in the approvals panel and Deny answers the hook",
  async (hub, browser) => {
    await using dash = await openDashboard(browser, hub);
    const { page } = dash;
    await page.waitForSelector(sel("approval-list"));
    assertStringIncludes(
      await page.innerText(sel("approval-list")),
      "No agent waits for you.",
    );
    await page.check(sel("approval-sound"));

    const dir = await Deno.makeTempDir({ prefix: "arc-hook-" });
    try {
      const hook = spawnHook(
        [
          "--host",
          "claude",
          "--agent",
          "builder",
          "--base-url",
          hub.url,
          "--approve",
          "60",
        ],
        dir,
        {
          session_id: "s-1",
          hook_event_name: "PermissionRequest",
          tool_name: "Bash",
          tool_input: { command: "git push --force origin main" },
        },
      );
      const row = sel("approval-row");
      await page.waitForSelector(row);
      assertEquals(
        await page.innerText(sel("approval-title")),
        "Bash: git push --force origin main",
      );
      assertStringIncludes(
        await page.innerText(sel("approval-agent")),
        "@builder",
      );
      assertStringIncludes(
        await page.innerText(sel("approval-age")),
        "waiting",
      );
      assertEquals(await page.textContent(sel("approval-count")), "1");
      // A request that arrived after the page opened was announced.
      assertEquals(
        await page.getAttribute("html", "data-approval-announced"),
        "1",
      );

      const clicked = performance.now();
      await page.click(sel("approval-deny"));
      const out = await hook;
      const answeredMs = Math.round(performance.now() - clicked);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(JSON.parse(out.stdout).hookSpecificOutput.decision, {
        behavior: "deny",
        message: "Denied by operator through Arc",
      });
      // deno-lint-ignore no-console
      console.log(`deny click to hook output: ${answeredMs} ms`);
      assert(answeredMs < 5_000, `${answeredMs} ms`);
      await page.waitForSelector(sel("approval-row"), { state: "detached" });

      const denied = await must(
        hub,
        "GET",
        "/v1/arcdeno/approvals?status=denied",
      );
      assertEquals(denied[0].decided_by, "operator");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    assertEquals(dash.errors, []);
  },
);
