// @ts-check
/// <reference lib="dom" />

/**
 * The approvals panel (arcdeno:approvals): requests agents make of the
 * operator, with allow and deny, and a sound or notification for new ones.
 *
 * @module
 */

import { api, query } from "../api.js";
import {
  $,
  $$,
  duration,
  emptyPanelRow,
  errorText,
  h,
  parseTs,
} from "../dom.js";
import { schedule } from "../refresh.js";
import {
  changed,
  displayName,
  hubNow,
  OPERATOR,
  readStored,
  state,
  store,
} from "../state.js";
import { toast } from "../ui.js";

/** @import { Approval } from "../types.d.ts" */

// Requests agents make of the operator (arcdeno:approvals), oldest first,
// each with allow/deny and how long it has waited. A request not seen before
// raises a browser notification and a sound when the operator asked for them.
const APPROVAL_SOUND_KEY = "arc.approvals.sound";

/** Ids of the requests this page has already announced. @type {Set<string>} */
const seenApprovals = new Set();

let approvalsPrimed = false;

/** Reloads the pending requests (on hubs that have approvals). */
export async function refreshApprovals() {
  if (!state.hubInfo?.features?.includes("arcdeno:approvals")) return;
  /** @type {Approval[]} */
  const rows = await api(
    "GET",
    query("/v1/arcdeno/approvals", { status: "pending", limit: 200 }),
  );
  state.approvals = rows.slice().reverse();
  announceApprovals(state.approvals);
  renderApprovals();
}

/**
 * @param {Approval[]} rows
 */
function announceApprovals(rows) {
  const fresh = rows.filter((a) => !seenApprovals.has(a.id));
  for (const a of rows) seenApprovals.add(a.id);
  // Requests already waiting when the page opened are not news.
  if (!approvalsPrimed) {
    approvalsPrimed = true;
    return;
  }
  if (!fresh.length) return;
  if (readStored(() => localStorage, APPROVAL_SOUND_KEY) === "1") beep();
  if (
    typeof Notification !== "undefined" &&
    Notification.permission === "granted"
  ) {
    for (const a of fresh.slice(0, 3)) {
      try {
        new Notification(`${a.agent_id} asks for approval`, {
          body: a.title,
          tag: a.id,
        });
      } catch {
        /* notifications unavailable here */
      }
    }
  }
  document.documentElement.dataset.approvalAnnounced = String(
    Number(document.documentElement.dataset.approvalAnnounced ?? 0) +
      fresh.length,
  );
}

function beep() {
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.value = 0.08;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.18);
    tone.onended = () => audio.close();
  } catch {
    /* no audio here */
  }
}

function renderApprovals() {
  const rows = state.approvals ?? [];
  if (!changed("approvals", rows.map((a) => a.id))) return;
  $("approval-count").textContent = rows.length ? String(rows.length) : "";
  const list = $("approval-list");
  if (!rows.length) {
    list.replaceChildren(emptyPanelRow("No agent waits for you."));
    return;
  }
  list.replaceChildren(...rows.map((a) => {
    const meta = a.metadata && typeof a.metadata === "object" ? a.metadata : {};
    const via = meta.host ? ` via ${meta.host}` : "";
    return h(
      "li",
      {
        class: "lease approval",
        testid: "approval-row",
        data: { id: a.id, created: a.created_at },
        title: `asked ${a.created_at}; expires ${a.expires_at}`,
      },
      h("span", { class: "key", testid: "approval-title", text: a.title }),
      h("span", {
        class: "left",
        testid: "approval-age",
        text: `waiting ${duration((hubNow() - parseTs(a.created_at)) / 1000)}`,
      }),
      h("span", {
        class: "owner",
        testid: "approval-agent",
        text: `${displayName(a.agent_id)} (@${a.agent_id})${via}`,
      }),
      a.detail && a.detail !== a.title
        ? h("pre", { class: "approval-detail", text: a.detail.slice(0, 600) })
        : h("span"),
      h(
        "span",
        { class: "approval-actions" },
        h("button", {
          type: "button",
          class: "primary small",
          testid: "approval-allow",
          text: "Allow",
          on: { click: () => decideApproval(a, "allow") },
        }),
        h("button", {
          type: "button",
          class: "danger small",
          testid: "approval-deny",
          text: "Deny",
          on: { click: () => decideApproval(a, "deny") },
        }),
      ),
    );
  }));
}

/** Moves the requests' waiting times on. */
export function updateApprovalTimes() {
  for (const row of $$(document, '[data-testid="approval-row"]')) {
    const age = row.querySelector('[data-testid="approval-age"]');
    const sec = (hubNow() - parseTs(row.dataset.created)) / 1000;
    if (age) age.textContent = `waiting ${duration(sec)}`;
  }
}

/**
 * @param {Approval} a
 * @param {"allow" | "deny"} decision
 */
async function decideApproval(a, decision) {
  try {
    await api(
      "POST",
      `/v1/arcdeno/approvals/${encodeURIComponent(a.id)}/decide`,
      {
        decision,
        by: state.displayName || OPERATOR,
      },
    );
    toast(`${decision === "allow" ? "Allowed" : "Denied"}: ${a.title}`);
  } catch (error) {
    toast(`Could not decide: ${errorText(error)}`, "error");
  }
  state.approvals = (state.approvals ?? []).filter((x) => x.id !== a.id);
  renderApprovals();
  schedule("approvals");
}

/** Wires the sound and notification preferences of the approvals panel. */
export function wireApprovals() {
  const sound = $("approval-sound", HTMLInputElement);
  sound.checked = readStored(() => localStorage, APPROVAL_SOUND_KEY) === "1";
  sound.addEventListener("change", () => {
    store(() => localStorage, APPROVAL_SOUND_KEY, sound.checked ? "1" : "0");
    if (sound.checked) beep();
  });
  const notify = $("approval-notify", HTMLButtonElement);
  const showPermission = () => {
    const p = typeof Notification === "undefined"
      ? "unsupported"
      : Notification.permission;
    notify.dataset.permission = p;
    notify.textContent = p === "granted" ? "Notifying" : "Notify me";
    notify.disabled = p === "granted" || p === "unsupported" || p === "denied";
  };
  showPermission();
  notify.addEventListener("click", async () => {
    if (typeof Notification === "undefined") return;
    await Notification.requestPermission().catch(() => {});
    showPermission();
  });
}
