// @ts-check
/// <reference lib="dom" />

/**
 * The claims and locks panels, with the time each has left.
 *
 * @module
 */

import { api, query } from "../api.js";
import { $, $$, duration, emptyPanelRow, h, parseTs } from "../dom.js";
import { changed, displayName, hubNow, state } from "../state.js";
import { openView } from "./feed.js";

/** Reloads the active claims. */
export async function refreshClaims() {
  state.claims = await api("GET", query("/v1/claims", { active_only: 1 }));
  renderLeases("claims");
}

/** Reloads the active file locks. */
export async function refreshLocks() {
  state.locks = await api("GET", query("/v1/locks", { active_only: 1 }));
  renderLeases("locks");
}

/**
 * @param {"claims" | "locks"} which
 */
function renderLeases(which) {
  const isClaims = which === "claims";
  const rows = isClaims ? state.claims : state.locks;
  if (!changed(which, rows)) return;
  const list = $(isClaims ? "claim-list" : "lock-list");
  $(isClaims ? "claim-count" : "lock-count").textContent = rows.length
    ? String(rows.length)
    : "";
  if (!rows.length) {
    list.replaceChildren(
      emptyPanelRow(isClaims ? "No active claims." : "No active locks."),
    );
    return;
  }
  list.replaceChildren(
    ...rows.map((r) => {
      const key = String(isClaims ? r.claim_key : r.file_path);
      const owner = String(isClaims ? r.owner_agent_id : r.agent_id);
      const thread = isClaims
        ? r.thread_id
        : (r.metadata && typeof r.metadata === "object"
          ? r.metadata.thread_id
          : null);
      return h(
        "li",
        {
          class: "lease",
          testid: isClaims ? "claim-row" : "lock-row",
          data: isClaims ? { key } : { path: key },
        },
        h("span", { class: "key", text: key }),
        h("span", {
          class: "left",
          testid: "time-left",
          data: { expires: r.expires_at },
          title: `expires ${r.expires_at}`,
          text: leaseLeft(r.expires_at),
        }),
        h(
          "span",
          { class: "owner" },
          `${displayName(owner)}${
            displayName(owner) !== owner ? ` (@${owner})` : ""
          }`,
          isClaims && r.task_message_id != null
            ? ` · task #${r.task_message_id}`
            : "",
        ),
        thread != null
          ? h("button", {
            type: "button",
            class: "linkish",
            text: `thread ${thread}`,
            on: { click: () => openView("thread", String(thread)) },
          })
          : h("span"),
      );
    }),
  );
}

/**
 * @param {unknown} expires
 */
function leaseLeft(expires) {
  const sec = (parseTs(expires) - hubNow()) / 1000;
  if (!Number.isFinite(sec)) return "";
  return sec <= 0 ? "expired" : `${duration(sec)} left`;
}

/** Moves the claims' and locks' times left on. */
export function updateLeaseTimes() {
  for (const el of $$(document, ".left[data-expires]")) {
    el.textContent = leaseLeft(el.dataset.expires);
    const sec = (parseTs(el.dataset.expires) - hubNow()) / 1000;
    if (sec < 30) el.dataset.soon = "1";
    else delete el.dataset.soon;
  }
}
