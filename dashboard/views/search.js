// @ts-check
/// <reference lib="dom" />

/**
 * The search box and its results (arcdeno:search).
 *
 * @module
 */

import { api, query } from "../api.js";
import { $, clockTime, errorText, h, plural } from "../dom.js";
import { OPERATOR } from "../state.js";
import { jumpTo, openView } from "./feed.js";

/** @import { Message, ViewType } from "../types.d.ts" */

// The operator searches as any agent would: broadcasts plus the operator's
// own direct messages, never DMs between other agents.
let searchSeq = 0;

/**
 * @param {string} text
 */
async function runSearch(text) {
  const q = text.trim();
  const panel = $("search-results");
  if (!q) {
    panel.hidden = true;
    return;
  }
  const seq = ++searchSeq;
  panel.hidden = false;
  $("search-summary").textContent = `Searching for ${q}…`;
  $("search-list").replaceChildren();
  let hits;
  try {
    hits = await api(
      "GET",
      query("/v1/arcdeno/search", { agent_id: OPERATOR, q, limit: 50 }),
    );
  } catch (error) {
    if (seq !== searchSeq) return;
    $("search-summary").textContent = `Search failed: ${errorText(error)}`;
    return;
  }
  if (seq !== searchSeq) return;
  $("search-summary").textContent = hits.length
    ? `${plural(hits.length, "hit")} for ${q}, best first`
    : `No matches for ${q}`;
  $("search-list").replaceChildren(...hits.map(searchRow));
}

/**
 * The snippet as text nodes, each match in a <mark>; never parsed as HTML.
 *
 * @param {Message["arcdeno"]} match
 */
function markedSnippet(match) {
  const snippet = String(match?.snippet ?? "");
  const parts = [];
  let at = 0;
  for (const [start, end] of match?.highlights ?? []) {
    if (start < at || end <= start) continue;
    parts.push(
      snippet.slice(at, start),
      h("mark", { text: snippet.slice(start, end) }),
    );
    at = end;
  }
  parts.push(snippet.slice(at));
  return parts;
}

/**
 * @param {Message} m
 * @returns {{ type: ViewType, name: string }}
 */
function searchTarget(m) {
  if (m.thread_id) return { type: "thread", name: m.thread_id };
  if (m.to_agent != null) {
    const other = m.from_agent === OPERATOR ? m.to_agent : m.from_agent;
    return { type: "dm", name: other };
  }
  return { type: "channel", name: m.channel };
}

/**
 * @param {Message} m
 */
function searchRow(m) {
  const where = m.to_agent != null
    ? `${m.from_agent} → ${m.to_agent}`
    : `${m.from_agent} in #${m.channel}`;
  return h(
    "li",
    { data: { id: m.id } },
    h(
      "button",
      {
        type: "button",
        class: "search-hit",
        testid: "search-hit",
        on: {
          click: async () => {
            const target = searchTarget(m);
            $("search-results").hidden = true;
            await openView(target.type, target.name);
            jumpTo(m.id);
          },
        },
      },
      h(
        "span",
        { class: "search-meta small muted" },
        `#${m.id} · ${where}`,
        m.thread_id ? ` · thread ${m.thread_id}` : "",
        ` · ${m.kind} · ${clockTime(m.ts)}`,
      ),
      h(
        "span",
        { class: "search-snippet", testid: "search-snippet" },
        ...markedSnippet(m.arcdeno),
      ),
    ),
  );
}

export function wireSearch() {
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runSearch($("search-input", HTMLInputElement).value);
  });
  $("search-input").addEventListener("keydown", (event) => {
    if (event.key === "Escape") $("search-results").hidden = true;
  });
  $("search-close").addEventListener("click", () => {
    $("search-results").hidden = true;
  });
}
