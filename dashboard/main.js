// @ts-check
/// <reference lib="dom" />

/**
 * Arc operator dashboard: plain JavaScript with no dependencies, served in
 * the page at GET /. It reads and acts only through the hub's public /v1
 * routes on the same origin. This module wires the page's controls and starts
 * everything; the hub joins it and the modules it imports into one inline
 * module script (src/http/dashboard.ts).
 *
 * Safety rule: everything that came from the hub (bodies, names, channels,
 * attachments, metadata) reaches the page as text nodes or textContent, never
 * as HTML. The page's Content-Security-Policy allows only this script, so even
 * a mistake here could not run injected markup.
 *
 * @module
 */

import { api, query } from "./api.js";
import {
  channelArg,
  createChannel,
  submitComposer,
  updateComposer,
} from "./commands.js";
import { $, errorText, sleep } from "./dom.js";
import { poll, runRefresher, schedule } from "./refresh.js";
import { OPERATOR, POLL_MS, state } from "./state.js";
import { register, rename, runStream } from "./stream.js";
import { ask, closeDialog, setConn, toast } from "./ui.js";
import { updateSeen } from "./views/agents.js";
import { updateApprovalTimes, wireApprovals } from "./views/approvals.js";
import { openView, parseHash, wireFeed } from "./views/feed.js";
import {
  armShutdown,
  cancelShutdown,
  refreshInfo,
  renderInfo,
  renderShutdown,
  setNetwork,
} from "./views/hub.js";
import { updateLeaseTimes } from "./views/leases.js";
import { refreshChannels } from "./views/nav.js";
import { wireSearch } from "./views/search.js";
import { renderTasks } from "./views/tasks.js";

/** @import { ViewType } from "./types.d.ts" */

/** Connects the page's controls to what they do. */
function wire() {
  wireSearch();
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    submitComposer();
  });
  $("composer-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitComposer();
    } else if (event.key === "Escape" && state.replyTo) {
      state.replyTo = null;
      updateComposer();
    }
  });
  $("reply-clear").addEventListener("click", () => {
    state.replyTo = null;
    updateComposer();
  });
  wireFeed();
  $("nav-inbox").addEventListener("click", () => openView("inbox", ""));
  wireApprovals();
  $("channel-add").addEventListener("click", async () => {
    const name = await ask({
      title: "Create a channel",
      text:
        "Agents post to it by name; creating one that exists just opens it.",
      ok: "Create",
    });
    if (name === null || !channelArg(name)) return;
    try {
      await createChannel(channelArg(name));
    } catch (error) {
      toast(`Could not create the channel: ${errorText(error)}`, "error");
    }
  });
  $("me").addEventListener("click", async () => {
    const name = await ask({
      title: "Your display name",
      text: `Agents see it next to your agent id, ${OPERATOR}.`,
      value: state.displayName,
      ok: "Rename",
    });
    if (name === null) return;
    try {
      await rename(name);
    } catch (error) {
      toast(`Could not rename: ${errorText(error)}`, "error");
    }
  });
  $("remote-toggle").addEventListener("click", () => {
    setNetwork(!state.allowRemote).catch((error) =>
      toast(errorText(error), "error")
    );
  });
  $("shutdown-open").addEventListener("click", async () => {
    const value = await ask({
      title: "Shut down the hub",
      text:
        "Every agent sees a notice and the hub stops when the time runs out. You can cancel until then. 0 stops it at once.",
      value: "60",
      type: "number",
      ok: "Arm shutdown",
      danger: true,
    });
    if (value === null) return;
    const sec = Number(value);
    if (!Number.isInteger(sec) || sec < 0 || sec > 3600) {
      toast(
        "The delay must be a whole number of seconds from 0 to 3600.",
        "error",
      );
      return;
    }
    try {
      await armShutdown(sec);
    } catch (error) {
      toast(`Could not arm the shutdown: ${errorText(error)}`, "error");
    }
  });
  $("shutdown-cancel").addEventListener("click", async () => {
    try {
      await cancelShutdown();
    } catch (error) {
      toast(`Could not cancel the shutdown: ${errorText(error)}`, "error");
      schedule("shutdown");
    }
  });
  $("dialog-form").addEventListener("submit", (event) => {
    event.preventDefault();
    closeDialog($("dialog-input", HTMLInputElement).value);
  });
  $("dialog-cancel").addEventListener("click", () => closeDialog(null));
  $("dialog").addEventListener("cancel", () => closeDialog(null));
  $("dialog").addEventListener("close", () => closeDialog(null));
  $("tasks-open-only").addEventListener("change", () => renderTasks());
  $("nav-toggle").addEventListener("click", () => {
    document.body.classList.remove("show-panels");
    document.body.classList.toggle("show-nav");
  });
  $("panels-toggle").addEventListener("click", () => {
    document.body.classList.remove("show-nav");
    document.body.classList.toggle("show-panels");
  });
  addEventListener("popstate", () => {
    const wanted = parseHash();
    if (wanted) openView(wanted.type, wanted.name, { updateHash: false });
  });
  document.addEventListener(
    "visibilitychange",
    () => !document.hidden && poll(),
  );
}

/** Moves the countdowns and "last seen" times on. */
function everySecond() {
  renderShutdown();
  updateApprovalTimes();
  updateLeaseTimes();
  updateSeen();
}

/**
 * Connects to the hub (retrying until it answers), opens the view the
 * address names, and keeps the panels fresh.
 */
async function start() {
  wire();
  renderInfo();
  updateComposer();
  setConn("connecting", "connecting…");
  for (let delay = 500;; delay = Math.min(delay * 2, 5000)) {
    try {
      await refreshInfo();
      await register();
      const boot = await api(
        "GET",
        query("/v1/bootstrap", { agent_id: OPERATOR }),
      );
      state.cursor = Number(boot.latest_visible_id) || 0;
      await refreshChannels();
      break;
    } catch (error) {
      setConn("offline", `hub unreachable: ${errorText(error)}`);
      await sleep(delay);
    }
  }
  runStream();
  schedule("agents", "claims", "locks", "tasks", "threads", "shutdown");
  schedule("unacked", "approvals");
  await runRefresher("agents");
  const wanted = parseHash();
  /** @type {{ type: ViewType, name: string }} */
  const first = wanted ??
    { type: "channel", name: state.hubInfo?.default_channel ?? "general" };
  await openView(first.type, first.name, { updateHash: false });
  document.documentElement.dataset.ready = "1";
  setInterval(poll, POLL_MS);
  setInterval(everySecond, 1000);
}

start();
