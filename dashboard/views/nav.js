// @ts-check
/// <reference lib="dom" />

/**
 * The channel list and the current view's header.
 *
 * @module
 */

import { api } from "../api.js";
import { $, h, plural } from "../dom.js";
import { changed, displayName, OPERATOR, state, viewKey } from "../state.js";
import { openView } from "./feed.js";
import { threadStatusBadge } from "./threads.js";

/** @import { View } from "../types.d.ts" */

export async function refreshChannels() {
  const rows = await api("GET", "/v1/channels");
  state.channels = rows.map((/** @type {{ name: string }} */ c) =>
    String(c.name)
  );
  renderNav();
}

/**
 * @param {View} view
 */
export function viewTitle(view) {
  switch (view.type) {
    case "channel":
      return `#${view.name}`;
    case "thread":
      return `thread ${view.name}`;
    case "inbox":
      return "operator inbox";
    case "dm":
      return `direct messages with ${displayName(view.name)}`;
  }
  return "";
}

export function renderNav() {
  const list = $("channel-list");
  const current = state.view;
  const data = {
    channels: state.channels,
    current: current?.key,
    unread: [...state.unread].filter(([k]) =>
      k.startsWith("channel:") || k === "inbox"
    ),
  };
  if (!changed("nav", data)) return;
  list.replaceChildren(
    ...state.channels.map((name) => {
      const key = viewKey("channel", name);
      const count = state.unread.get(key) ?? 0;
      return h(
        "li",
        null,
        h(
          "button",
          {
            type: "button",
            class: "nav-item",
            testid: "channel-item",
            data: { channel: name },
            "aria-current": current?.key === key ? "true" : "false",
            on: { click: () => openView("channel", name) },
          },
          h("span", { class: "muted", text: "#" }),
          h("span", { class: "label", text: name }),
          count
            ? h("span", { class: "count", text: count > 999 ? "999+" : count })
            : null,
        ),
      );
    }),
  );
  const inbox = state.unread.get("inbox") ?? 0;
  $("inbox-count").hidden = !inbox;
  $("inbox-count").textContent = String(inbox);
  $("nav-inbox").setAttribute(
    "aria-current",
    current?.key === "inbox" ? "true" : "false",
  );
}

export function updateViewHeader() {
  const view = state.view;
  if (!view) return;
  $("view-title").textContent = viewTitle(view);
  document.title = `${viewTitle(view)} · Arc`;
  const sub = $("view-sub");
  const summary = $("view-summary");
  summary.replaceChildren();
  sub.textContent = "";
  if (view.type === "channel") {
    sub.textContent = view.loaded
      ? `${view.messages.length.toLocaleString()} loaded`
      : "";
  } else if (view.type === "dm") {
    sub.textContent = `@${view.name}`;
  } else if (view.type === "inbox") {
    sub.textContent = `direct messages to ${OPERATOR}`;
  } else if (view.type === "thread") {
    const t = state.threads.find((x) => x.thread_id === view.name) ??
      view.detail?.thread;
    if (t) {
      sub.textContent = t.channel ? `in #${t.channel}` : "";
      summary.append(
        threadStatusBadge(t),
        h("span", {
          class: "muted",
          text: [
            plural(t.message_count ?? 0, "message"),
            `${t.open_task_count ?? 0}/${t.total_task_count ?? 0} tasks open`,
            plural(t.active_claim_count ?? 0, "claim"),
            plural(t.active_lock_count ?? 0, "lock"),
          ].join(" · "),
        }),
      );
    }
  }
}
