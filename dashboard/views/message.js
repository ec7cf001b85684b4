// @ts-check
/// <reference lib="dom" />

/**
 * One message row: its header, tags, body and metadata.
 *
 * @module
 */

import { setReply } from "../commands.js";
import { asText, clockTime, h, hue } from "../dom.js";
import { displayName, state } from "../state.js";
import { jsonTree, renderAttachment } from "./attachments.js";
import { jumpTo, openView } from "./feed.js";

/**
 * @import { Message } from "../types.d.ts"
 *
 * @param {Message} m
 */
export function renderMessage(m) {
  const kind = typeof m.kind === "string" ? m.kind : "chat";
  const from = String(m.from_agent ?? "");
  const system = from === "system";
  const li = h("li", {
    class: "msg",
    testid: "message",
    data: {
      id: m.id,
      kind,
      from,
      dm: m.to_agent != null ? "1" : undefined,
      system: system ? "1" : undefined,
      thread: m.thread_id ?? undefined,
    },
  });
  if (m.thread_id != null && state.view?.type !== "thread") {
    li.classList.add("in-thread");
    li.style.setProperty("--thread-hue", String(hue(String(m.thread_id))));
  }
  const name = displayName(from);
  const head = h(
    "div",
    { class: "msg-head" },
    h("span", {
      class: "who",
      testid: "message-sender",
      data: { agent: from },
      text: name,
    }),
    h("span", {
      class: "aid",
      data: { aid: from },
      hidden: name === from,
      text: `@${from}`,
    }),
    m.to_agent != null
      ? h("span", {
        class: "to",
        testid: "message-to",
        text: `→ ${m.to_agent}`,
      })
      : null,
    state.view?.type === "thread" && m.to_agent == null
      ? h("span", { class: "aid", text: `#${m.channel}` })
      : null,
    h("span", {
      class: "badge",
      testid: "message-kind",
      data: { kind },
      text: kind,
    }),
    m.thread_id != null && state.view?.type !== "thread"
      ? h("button", {
        type: "button",
        class: "linkish",
        testid: "thread-link",
        title: "Open this thread",
        text: `thread ${m.thread_id}`,
        on: { click: () => openView("thread", String(m.thread_id)) },
      })
      : null,
    m.reply_to != null
      ? h("button", {
        type: "button",
        class: "linkish",
        testid: "reply-link",
        title: replyTitle(m.reply_to),
        text: `↪ #${m.reply_to}`,
        on: { click: () => jumpTo(Number(m.reply_to)) },
      })
      : null,
    metaTags(m),
    h("span", { class: "spacer" }),
    h(
      "span",
      { class: "msg-actions" },
      h("button", {
        type: "button",
        testid: "reply-button",
        text: "Reply",
        on: { click: () => setReply(m) },
      }),
    ),
    h("time", {
      class: "msg-time",
      datetime: m.ts,
      title: String(m.ts ?? ""),
      text: clockTime(m.ts),
    }),
    h("span", { class: "msg-id", text: `#${m.id}` }),
  );
  li.append(head);
  const body = typeof m.body === "string" ? m.body : asText(m.body);
  if (body) li.append(renderBody(body));
  if (Array.isArray(m.attachments) && m.attachments.length) {
    li.append(
      h(
        "div",
        { class: "attachments" },
        m.attachments.map((/** @type {unknown} */ a) => renderAttachment(a)),
      ),
    );
  }
  const extra = otherMetadata(m.metadata);
  if (extra) {
    li.append(
      h(
        "details",
        { class: "meta-block", testid: "message-metadata" },
        h("summary", { text: "metadata" }),
        h("div", { class: "att" }, jsonTree(extra)),
      ),
    );
  }
  return li;
}

/**
 * @param {number} id
 */
function replyTitle(id) {
  const m = state.msgById.get(id);
  if (!m) return `In reply to message #${id}`;
  const body = typeof m.body === "string" ? m.body : "";
  return `In reply to ${m.from_agent}: ${body.slice(0, 140)}`;
}

/** Metadata keys a message shows as tags (or needs no word about). */
const KNOWN_META = new Set([
  "recovery",
  "stale_agent_id",
  "claim_key",
  "task_message_id",
  "file_path",
  "task_completed",
  "auto_rollup",
  "parent_task_id",
  "shutdown",
  "delay_sec",
  "final",
  "shutdown_cancelled",
]);

/**
 * @param {Message} m
 */
function metaTags(m) {
  const meta = m.metadata && typeof m.metadata === "object" ? m.metadata : {};
  /** @type {HTMLElement[]} */
  const tags = [];
  const tag = (/** @type {string} */ text) =>
    tags.push(h("span", { class: "tag", testid: "message-tag", text }));
  if (meta.recovery === true) tag("recovered lease");
  if (meta.task_completed != null) {
    tag(`completes task #${meta.task_completed}`);
  }
  if (meta.auto_rollup === true) tag(`rollup of #${meta.parent_task_id}`);
  if (meta.shutdown === true) {
    tag(meta.final === true ? "shutdown: final" : "shutdown");
  }
  if (meta.shutdown_cancelled === true) tag("shutdown cancelled");
  return tags;
}

/**
 * @param {unknown} meta
 * @returns {Record<string, unknown> | null}
 */
function otherMetadata(meta) {
  if (!meta || typeof meta !== "object" || Array.isArray(meta)) return null;
  /** @type {Record<string, unknown>} */
  const rest = {};
  let any = false;
  for (const [k, v] of Object.entries(meta)) {
    if (KNOWN_META.has(k)) continue;
    rest[k] = v;
    any = true;
  }
  return any ? rest : null;
}

/**
 * @param {string} text
 */
function renderBody(text) {
  const body = h("div", { class: "body", testid: "message-body", text });
  const long = text.length > 1800 || text.split("\n", 30).length >= 30;
  if (!long) return body;
  body.classList.add("clamped");
  const more = h("button", {
    type: "button",
    class: "more",
    text: "Show more",
    on: {
      click: () => {
        const clamped = body.classList.toggle("clamped");
        more.textContent = clamped ? "Show more" : "Show less";
      },
    },
  });
  return h("div", null, body, more);
}
