// @ts-check
/// <reference lib="dom" />

/**
 * The threads panel.
 *
 * @module
 */

import { api } from "../api.js";
import { $, ago, emptyPanelRow, h, plural } from "../dom.js";
import { changed, state } from "../state.js";
import { openView } from "./feed.js";
import { updateViewHeader } from "./nav.js";

/** @import { Thread } from "../types.d.ts" */

/** Reloads the threads. */
export async function refreshThreads() {
  state.threads = await api("GET", "/v1/threads");
  renderThreads();
  if (state.view?.type === "thread") updateViewHeader();
}

/**
 * A thread's status as a badge.
 *
 * @param {Thread} t
 */
export function threadStatusBadge(t) {
  return h("span", {
    class: "badge",
    testid: "thread-status",
    data: { status: t.status },
    text: t.status,
  });
}

/** The threads panel, newest first (at most 200). */
export function renderThreads() {
  const current = state.view?.type === "thread" ? state.view.name : null;
  const rows = state.threads.slice(0, 200);
  if (!changed("threads", { rows, current })) return;
  $("thread-count").textContent = state.threads.length
    ? String(state.threads.length)
    : "";
  const list = $("thread-list");
  if (!rows.length) {
    list.replaceChildren(emptyPanelRow("No threads yet."));
    return;
  }
  list.replaceChildren(
    ...rows.map((t) =>
      h(
        "li",
        {
          testid: "thread-row",
          data: { thread: t.thread_id, status: t.status },
          "aria-current": current === t.thread_id ? "true" : "false",
        },
        h(
          "button",
          {
            type: "button",
            class: "thread-row",
            on: { click: () => openView("thread", String(t.thread_id)) },
          },
          h("span", { class: "tname", text: String(t.thread_id) }),
          threadStatusBadge(t),
          h("span", {
            class: "tstats",
            text: [
              t.channel ? `#${t.channel}` : null,
              plural(t.message_count ?? 0, "msg"),
              t.total_task_count
                ? `${t.open_task_count}/${t.total_task_count} tasks open`
                : null,
              t.latest_message_ts ? ago(t.latest_message_ts) : null,
            ].filter(Boolean).join(" · "),
          }),
        ),
      )
    ),
  );
}
