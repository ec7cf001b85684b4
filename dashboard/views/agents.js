// @ts-check
/// <reference lib="dom" />

/**
 * The agents panel: who is live, their status and when they were last seen.
 *
 * @module
 */

import { api } from "../api.js";
import { $, $$, ago, asText, h, parseTs } from "../dom.js";
import {
  changed,
  displayName,
  hubNow,
  OPERATOR,
  state,
  viewKey,
} from "../state.js";
import { setDisplayName } from "../stream.js";
import { openView } from "./feed.js";

/** @import { AgentSession, AgentStatus } from "../types.d.ts" */

/** Reloads the live agents; shows renamed senders on rendered messages. */
export async function refreshAgents() {
  /** @type {AgentSession[]} */
  const rows = await api("GET", "/v1/agents");
  const before = new Map(
    [...state.agents].map(([k, v]) => [k, v.display_name]),
  );
  state.agents = new Map(rows.map((a) => [String(a.agent_id), a]));
  const me = state.agents.get(OPERATOR);
  if (me && me.display_name !== state.displayName) {
    setDisplayName(me.display_name);
  }
  let renamed = false;
  for (const [id, session] of state.agents) {
    if (before.get(id) !== session.display_name) renamed = true;
  }
  if (renamed) refreshSenderNames();
  renderAgents();
}

/** Shows agents' current display names on the messages already rendered. */
function refreshSenderNames() {
  for (const el of $$($("messages"), ".who[data-agent]")) {
    const agent = el.dataset.agent ?? "";
    const name = displayName(agent);
    if (el.textContent === name) continue;
    el.textContent = name;
    const aid = el.nextElementSibling;
    if (aid instanceof HTMLElement && aid.dataset.aid === agent) {
      aid.hidden = name === agent;
    }
  }
}

/** The agents panel: the operator first, then every live agent by id. */
export function renderAgents() {
  const rows = [...state.agents.values()].sort((a, b) =>
    a.agent_id === OPERATOR
      ? -1
      : b.agent_id === OPERATOR
      ? 1
      : a.agent_id < b.agent_id
      ? -1
      : 1
  );
  const current = state.view?.type === "dm" ? state.view.name : null;
  const unread = [...state.unread].filter(([k]) => k.startsWith("dm:"));
  /** @type {(a: AgentSession) => AgentStatus | null} */
  const statusOf = (a) =>
    typeof a.arcdeno?.status?.state === "string"
      ? /** @type {AgentStatus} */ (a.arcdeno.status)
      : null;
  const shape = rows.map((a) => [
    a.agent_id,
    a.display_name,
    a.capabilities,
    statusOf(a)?.state ?? null,
  ]);
  if (!changed("agents", { shape, current, unread })) {
    // Same rows: only the "last seen" times move.
    for (const li of $$($("agent-list"), ":scope > li")) {
      const seen = state.agents.get(li.dataset.agent ?? "")?.last_seen;
      if (seen === undefined) continue;
      for (const el of $$(li, "[data-seen]")) {
        el.dataset.seen = seen;
      }
    }
    updateSeen();
    return;
  }
  $("agent-count").textContent = String(rows.length);
  const list = $("agent-list");
  list.replaceChildren(
    ...rows.map((a) => {
      const id = String(a.agent_id);
      const name = typeof a.display_name === "string" && a.display_name
        ? a.display_name
        : id;
      const caps = Array.isArray(a.capabilities) ? a.capabilities : [];
      const count = state.unread.get(viewKey("dm", id)) ?? 0;
      const status = statusOf(a);
      return h(
        "li",
        { testid: "agent-row", data: { agent: id } },
        h(
          "button",
          {
            type: "button",
            class: "agent",
            title: id === OPERATOR
              ? "This dashboard"
              : `Direct messages with ${id}`,
            "aria-current": current === id ? "true" : "false",
            on: { click: () => id !== OPERATOR && openView("dm", id) },
          },
          h("span", {
            class: "presence",
            testid: "presence",
            data: { seen: a.last_seen },
          }),
          h("span", { class: "name", testid: "agent-name", text: name }),
          status
            ? h("span", {
              class: "agent-status",
              testid: "agent-status",
              data: { state: status.state },
              title: `${status.state}${
                status.host ? ` (${status.host})` : ""
              } since ${status.since ?? "?"}`,
              text: status.state.replace("_", " "),
            })
            : h("span"),
          count ? h("span", { class: "count", text: count }) : h("span", {
            class: "seen",
            data: { seen: a.last_seen },
            text: ago(a.last_seen),
          }),
          h(
            "span",
            { class: "sub" },
            h("span", {
              class: "aid",
              text: id === OPERATOR
                ? `@${id} (you)`
                : name !== id
                ? `@${id}`
                : "",
            }),
            caps.slice(0, 6).map((c) =>
              h("span", { class: "cap", testid: "capability", text: asText(c) })
            ),
          ),
        ),
      );
    }),
  );
  updateSeen();
}

/** Moves the agents' presence dots and "last seen" times on. */
export function updateSeen() {
  const fresh = Math.min(60, state.presenceTtl / 3) * 1000;
  for (const el of $$($("agent-list"), "[data-seen]")) {
    const t = parseTs(el.dataset.seen);
    if (el.classList.contains("presence")) {
      el.dataset.state = hubNow() - t < fresh ? "fresh" : "idle";
      el.title = hubNow() - t < fresh ? "active" : "quiet";
    } else {
      el.textContent = ago(el.dataset.seen);
    }
  }
}
