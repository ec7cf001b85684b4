/**
 * The dashboard's "Awaiting ack" panel in a real headless Chromium against a
 * hub in the test process (its clock moved past the ack deadline):
 * unacknowledged requests are listed (overdue ones marked, agent text shown
 * as text), and leave the list once acknowledged.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { eventually } from "../../_util.ts";
import { browserTest, openDashboard, sel } from "../_browser.ts";
import { must, post } from "../_seed.ts";

browserTest(
  "dashboard - lists unacknowledged and overdue requests until acked",
  async (hub, browser) => {
    await must(hub, "POST", "/v1/sessions", { agent_id: "worker" });
    const request = await post(hub, {
      from_agent: "lead",
      to_agent: "worker",
      kind: "task_request",
      body: "<b>secret</b> review",
      metadata: { arcdeno: { ack_within_sec: 1 } },
    });
    const call = await post(hub, {
      from_agent: "lead",
      channel: "general",
      body: "<img src=x onerror=alert(1)> everyone confirm",
      metadata: { ack_required: true },
    });
    await hub.advance(2_500);

    await using dash = await openDashboard(browser, hub);
    const { page } = dash;
    const row = (id: number) => sel("unacked-row", `[data-id="${id}"]`);
    await page.waitForSelector(row(request.id));
    await page.waitForSelector(row(call.id));
    assertEquals(
      await page.getAttribute(row(request.id), "data-overdue"),
      "1",
    );
    assertStringIncludes(
      await page.innerText(row(request.id)),
      "task_request → @worker",
    );
    assertStringIncludes(await page.innerText(row(request.id)), "overdue");
    // The operator's list never shows a direct message's body.
    assert(!(await page.innerText(row(request.id))).includes("secret"));
    // A broadcast's body is shown, as text.
    assertStringIncludes(
      await page.innerText(row(call.id)),
      "<img src=x onerror=alert(1)> everyone confirm",
    );
    assertEquals(await page.$$(`${sel("unacked-list")} img`), []);
    assertEquals(
      await page.textContent(sel("unacked-count")),
      "2 · 1 overdue",
    );

    await must(hub, "POST", `/v1/arcdeno/messages/${request.id}/ack`, {
      agent_id: "worker",
    });
    await eventually(async () => (await page.$(row(request.id))) === null, {
      what: "the acknowledged request to leave the list",
    });
    assert(await page.$(row(call.id)), "the broadcast still waits");
    assertEquals(dash.errors, []);
  },
);

browserTest(
  "dashboard - shows surfaced receipts and agent status from hooks",
  async (hub, browser) => {
    await must(hub, "POST", "/v1/sessions", { agent_id: "worker" });
    await must(hub, "POST", "/v1/sessions", { agent_id: "idler" });
    const request = await post(hub, {
      from_agent: "lead",
      to_agent: "worker",
      kind: "task_request",
      body: "run the tests",
    });
    await must(hub, "POST", "/v1/arcdeno/messages/surfaced", {
      agent_id: "worker",
      message_ids: [request.id],
    });
    await must(hub, "POST", "/v1/arcdeno/agents/worker/status", {
      event: "approval",
      host: "claude",
    });
    await must(hub, "POST", "/v1/arcdeno/agents/idler/status", {
      event: "stop",
      host: "codex",
    });

    await using dash = await openDashboard(browser, hub);
    const { page } = dash;
    const row = sel("unacked-row", `[data-id="${request.id}"]`);
    await page.waitForSelector(row);
    assertEquals(
      await page.textContent(`${row} ${sel("unacked-surfaced")}`),
      "surfaced to worker (shown to the model)",
    );
    const status = (agent: string) =>
      `${sel("agent-row", `[data-agent="${agent}"]`)} ${sel("agent-status")}`;
    await page.waitForSelector(status("worker"));
    assertEquals(
      await page.getAttribute(status("worker"), "data-state"),
      "waiting_approval",
    );
    assertEquals(await page.textContent(status("worker")), "waiting approval");
    assertEquals(await page.textContent(status("idler")), "idle");
    assertEquals(dash.errors, []);
  },
);
