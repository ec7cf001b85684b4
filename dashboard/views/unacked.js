// @ts-check
/// <reference lib="dom" />

/**
 * The panel of messages awaiting acknowledgement (arcdeno:receipts).
 *
 * @module
 */

import { api, query } from "../api.js";
import { $, ago, duration, emptyPanelRow, h } from "../dom.js";
import { changed, displayName, state } from "../state.js";

// Direct messages and ack_required messages nobody acknowledged yet, oldest
// first; overdue ones (older than their ack_within_sec) are marked. The
// hub-wide list carries no body for direct messages.
export async function refreshUnacked() {
  state.unacked = await api("GET", query("/v1/arcdeno/unacked", { all: 1 }));
  renderUnacked();
}

function renderUnacked() {
  const rows = state.unacked ?? [];
  if (!changed("unacked", rows)) return;
  const overdue = rows.filter((r) => r.overdue).length;
  $("unacked-count").textContent = rows.length
    ? `${rows.length}${overdue ? ` · ${overdue} overdue` : ""}`
    : "";
  const list = $("unacked-list");
  if (!rows.length) {
    list.replaceChildren(emptyPanelRow("Nothing awaits an ack."));
    return;
  }
  list.replaceChildren(
    ...rows.map((r) => {
      const from = String(r.from_agent);
      const to = r.to_agent != null ? `@${r.to_agent}` : `#${r.channel}`;
      const delivered = Array.isArray(r.delivered_to) ? r.delivered_to : [];
      const surfaced = Array.isArray(r.surfaced_to) ? r.surfaced_to : [];
      return h(
        "li",
        {
          class: "lease unacked",
          testid: "unacked-row",
          data: { id: r.message_id, overdue: r.overdue ? "1" : undefined },
          title: `posted ${r.ts}; ack expected within ${
            duration(r.ack_within_sec)
          }`,
        },
        h("span", { class: "key", text: `#${r.message_id} ${r.kind} → ${to}` }),
        h("span", {
          class: "left",
          testid: "unacked-age",
          text: r.overdue ? `overdue ${duration(r.age_sec)}` : ago(r.ts),
        }),
        h(
          "span",
          { class: "owner" },
          `from ${displayName(from)}${
            displayName(from) !== from ? ` (@${from})` : ""
          } · ${
            delivered.length
              ? `delivered to ${delivered.join(", ")}`
              : "not delivered yet"
          }`,
        ),
        surfaced.length
          ? h("span", {
            class: "owner surfaced",
            testid: "unacked-surfaced",
            text: `surfaced to ${surfaced.join(", ")} (shown to the model)`,
          })
          : h("span"),
        typeof r.body === "string"
          ? h("span", { class: "owner snippet", text: r.body.slice(0, 120) })
          : h("span"),
      );
    }),
  );
}
