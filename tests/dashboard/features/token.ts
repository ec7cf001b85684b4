/**
 * The dashboard on a hub reached from another machine with --token on: the
 * page loads without the token, asks for it, refuses a wrong one, and works
 * with the right one, which it keeps for the tab only.
 */
import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { must, request, startHub } from "../../_util.ts";
import { browserOnlyTest, sel } from "../_browser.ts";
import { createLanPair, netnsUnavailable } from "../../_netns.ts";

const TOKEN = "dashboard-token-0123456789";

browserOnlyTest(
  "dashboard: behind --token, a remote browser gets the page, is asked for the token, is refused a wrong one and works with the right one",
  async (browser) => {
    // The browser reaches the hub at this machine's end of a private LAN, so
    // the hub sees a peer that is not loopback.
    await using lan = await createLanPair();
    const address = lan.hostIp;
    await using hub = await startHub({
      allowNet: "0.0.0.0",
      args: ["--host", "0.0.0.0", "--allow-remote", "--token", TOKEN],
    });
    await must(hub, "POST", "/v1/sessions", { agent_id: "ann" });
    await must(hub, "POST", "/v1/messages", {
      from_agent: "ann",
      channel: "general",
      body: "only for token holders",
    });
    const remote = `http://${address}:${new URL(hub.url).port}`;
    // Over the wire: the page shell is served, everything else needs the token.
    assertEquals((await request(remote, "GET", "/")).status, 200);
    assertEquals((await request(remote, "GET", "/v1/channels")).status, 401);
    assertEquals(
      (await request(remote, "GET", "/v1/channels", undefined, {
        authorization: "Bearer wrong-token-0123456789",
      })).status,
      401,
    );
    assertEquals((await request(remote, "GET", "/?x=1")).status, 401);

    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${remote}/`);
    await page.waitForSelector(`${sel("dialog")}[open]`);
    assertStringIncludes(
      await page.textContent("#dialog-title") ?? "",
      "access token",
    );
    assertEquals(
      await page.getAttribute(sel("dialog-input"), "type"),
      "password",
    );
    await page.fill(sel("dialog-input"), "wrong-token-0123456789");
    await page.click(sel("dialog-ok"));
    // Selectors, not a page-side predicate: polling a predicate compiles it
    // in the page, which the dashboard's CSP (no 'unsafe-eval') refuses.
    await page.waitForSelector("dialog[open]");
    await page.locator("#dialog-text", { hasText: "not valid" }).waitFor();
    assertEquals(
      await page.evaluate(`document.querySelector("dialog")?.open ?? false`),
      true,
    );
    assertEquals(
      await page.evaluate("document.documentElement.dataset.ready ?? null"),
      null,
      "nothing loaded with a wrong token",
    );
    await page.fill(sel("dialog-input"), TOKEN);
    await page.click(sel("dialog-ok"));
    await page.waitForSelector("html[data-ready='1']");
    await page.waitForSelector("[data-testid=connection][data-state=live]");
    await page.waitForSelector("text=only for token holders");
    // The token lives in this tab's sessionStorage, nowhere that outlives it.
    assertEquals(
      await page.evaluate(`({
        session: sessionStorage.getItem("arc.hub.token"),
        local: Object.values(localStorage).includes(${JSON.stringify(TOKEN)}),
        cookies: document.cookie,
      })`),
      { session: TOKEN, local: false, cookies: "" },
    );
    // The live stream carries the token too: a post reaches the page.
    await must(hub, "POST", "/v1/messages", {
      from_agent: "ann",
      channel: "general",
      body: "streamed to the token holder",
    });
    await page.waitForSelector("text=streamed to the token holder");
    // A reload in the same tab needs no new prompt.
    await page.reload();
    await page.waitForSelector("html[data-ready='1']");
    assert(
      !(await page.evaluate(`document.querySelector("dialog").open`)),
      "no prompt after a reload",
    );
    assertEquals(errors, []);
    await context.close();
  },
  { unavailable: await netnsUnavailable() || undefined },
);
