// @ts-check
/// <reference lib="dom" />

/**
 * The message feed: opening a view (channel, thread, inbox, DM) and loading
 * it, rendering rows in batches, keeping a bounded DOM, following the newest
 * message, loading older ones and jumping to one.
 *
 * @module
 */

import { api, ApiError, query } from "../api.js";
import { updateComposer } from "../commands.js";
import { $, enc, errorText, h, plural } from "../dom.js";
import {
  addToView,
  CHUNK,
  EXACT_TAIL,
  getView,
  INITIAL,
  matches,
  MAX_RENDERED,
  OPERATOR,
  remember,
  state,
} from "../state.js";
import { toast } from "../ui.js";
import { renderAgents } from "./agents.js";
import { renderMessage } from "./message.js";
import { renderNav, updateViewHeader, viewTitle } from "./nav.js";
import { renderThreads } from "./threads.js";

/** @import { Message, View, ViewType } from "../types.d.ts" */

/**
 * A local line in the feed (not a message; gone when the view changes).
 *
 * @param {string} text
 */
export function note(text) {
  const feed = $("feed");
  const stick = pinned || atBottom();
  $("messages").append(h("li", { class: "note", testid: "note", text }));
  if (stick) feed.scrollTop = feed.scrollHeight;
}

/**
 * @param {View} view
 */
async function loadView(view) {
  if (view.loaded) return;
  if (!view.loading) {
    view.loading = (async () => {
      let msgs = [];
      if (view.type === "channel") {
        msgs = await api(
          "GET",
          query("/v1/messages", {
            channel: view.name,
            tail: 1,
            limit: INITIAL,
          }),
        );
        view.reachedStart = msgs.length < INITIAL;
      } else if (view.type === "inbox") {
        msgs = await api(
          "GET",
          query(`/v1/inbox/${enc(OPERATOR)}`, { tail: 1, limit: INITIAL }),
        );
        view.reachedStart = msgs.length < INITIAL;
      } else if (view.type === "thread") {
        const detail = await api("GET", `/v1/threads/${enc(view.name)}`);
        view.detail = detail;
        msgs = detail.messages ?? [];
        view.reachedStart = true;
      } else if (view.type === "dm") {
        const limit = 500;
        const [theirs, mine] = await Promise.all([
          api("GET", query(`/v1/inbox/${enc(OPERATOR)}`, { tail: 1, limit })),
          // A hub with strict identity keeps another agent's inbox private.
          api("GET", query(`/v1/inbox/${enc(view.name)}`, { tail: 1, limit }))
            .catch((error) => {
              if (error instanceof ApiError && error.status === 403) return [];
              throw error;
            }),
        ]);
        view.partial = theirs.length >= limit || mine.length >= limit;
        msgs = [...theirs, ...mine].filter((m) => matches(view, m))
          .sort((a, b) => a.id - b.id);
        view.reachedStart = true;
      }
      remember(msgs);
      view.messages = [];
      view.ids = new Set();
      addToView(view, msgs);
      addToView(view, view.pending);
      view.pending = [];
      view.loaded = true;
    })();
    view.loading.catch(() => {}).finally(() => (view.loading = null));
  }
  await view.loading;
}

/**
 * Fetches messages older than the oldest one in a channel or inbox view.
 * The API pages forward (`since_id`) and can return the newest N (`tail`),
 * so this looks back through a widening window of ids below the oldest one.
 *
 * @param {View} view
 * @returns {Promise<Message[]>}
 */
async function fetchOlder(view) {
  const oldest = view.messages[0]?.id;
  if (oldest === undefined) {
    view.reachedStart = true;
    return [];
  }
  const path = view.type === "channel"
    ? "/v1/messages"
    : `/v1/inbox/${enc(OPERATOR)}`;
  const extra = view.type === "channel" ? { channel: view.name } : {};
  const pageLimit = 500;
  let span = CHUNK * 2;
  for (;;) {
    const from = Math.max(0, oldest - 1 - span);
    const found = [];
    let cursor = from;
    for (;;) {
      const rows = await api(
        "GET",
        query(path, { ...extra, since_id: cursor, limit: pageLimit }),
      );
      for (const m of rows) if (m.id < oldest) found.push(m);
      const last = rows[rows.length - 1];
      if (rows.length < pageLimit || !last || last.id >= oldest) break;
      cursor = last.id;
    }
    if (found.length >= CHUNK || from === 0) {
      if (from === 0) view.reachedStart = true;
      return found;
    }
    span *= 4;
  }
}

/**
 * @returns {{ type: ViewType, name: string } | null}
 */
export function parseHash() {
  const hash = location.hash.replace(/^#\/?/, "");
  const slash = hash.indexOf("/");
  const type = slash < 0 ? hash : hash.slice(0, slash);
  let name = "";
  try {
    name = slash < 0 ? "" : decodeURIComponent(hash.slice(slash + 1));
  } catch { /* a malformed hash opens the default view */ }
  if (type === "inbox") return { type: "inbox", name: "" };
  if (type === "c" && name) return { type: "channel", name };
  if (type === "t" && name) return { type: "thread", name };
  if (type === "dm" && name) return { type: "dm", name };
  return null;
}

/**
 * @param {ViewType} type
 * @param {string} name
 */
function hashFor(type, name) {
  if (type === "inbox") return "#inbox";
  const prefix = { channel: "c", thread: "t", dm: "dm" }[type];
  return `#${prefix}/${enc(name)}`;
}

let viewSeq = 0;

/**
 * @param {ViewType} type
 * @param {string} name
 * @param {{ updateHash?: boolean }} options
 */
export async function openView(type, name, { updateHash = true } = {}) {
  const view = getView(type, name);
  const seq = ++viewSeq;
  state.view = view;
  state.replyTo = null;
  clearUnread(view);
  if (updateHash && location.hash !== hashFor(type, name)) {
    history.pushState(null, "", hashFor(type, name));
  }
  document.body.classList.remove("show-nav", "show-panels");
  updateViewHeader();
  updateComposer();
  renderNav();
  renderAgents();
  renderThreads();
  const list = $("messages");
  list.replaceChildren(h("li", { class: "loading", text: "Loading…" }));
  $("load-older").hidden = true;
  $("feed-start").hidden = true;
  $("jump-latest").hidden = true;
  // Thread and DM views hold messages the operator's stream does not carry
  // (DMs between other agents), so they are read afresh each time.
  if ((view.type === "thread" || view.type === "dm") && !view.loading) {
    view.loaded = false;
  }
  try {
    await loadView(view);
  } catch (error) {
    if (seq !== viewSeq) return;
    list.replaceChildren(
      h("li", {
        class: "feed-error",
        testid: "feed-error",
        text: `Could not load this view: ${errorText(error)}`,
      }),
    );
    return;
  }
  if (seq !== viewSeq) return;
  renderView(view);
  updateViewHeader();
}

/**
 * @param {View} view
 */
function clearUnread(view) {
  state.unread.delete(view.key);
  if (view.type === "dm") state.unread.delete("inbox");
  if (view.type === "inbox") {
    for (const key of [...state.unread.keys()]) {
      if (key.startsWith("dm:")) state.unread.delete(key);
    }
  }
}

function atBottom() {
  const feed = $("feed");
  return feed.scrollHeight - feed.scrollTop - feed.clientHeight < 48;
}

/**
 * Whether the feed follows the newest message. Scrolling sets it; a change
 * of size (a banner, the composer, rows growing) keeps a pinned feed pinned.
 */
let pinned = true;

/** The feed's size when the page last scrolled or looked at it. */
let feedBox = { height: 0, client: 0 };

function noteFeedBox() {
  const feed = $("feed");
  feedBox = { height: feed.scrollHeight, client: feed.clientHeight };
}

/**
 * A scroll event may arrive after the layout changed again (a banner came or
 * went): one that comes with a size change this page did not make keeps a
 * pinned feed pinned; any other follows where the reader scrolled to.
 */
function onFeedScroll() {
  const feed = $("feed");
  const resized = feed.scrollHeight !== feedBox.height ||
    feed.clientHeight !== feedBox.client;
  if (resized && pinned) feed.scrollTop = feed.scrollHeight;
  else pinned = atBottom();
  noteFeedBox();
}

function scrollToBottom() {
  const feed = $("feed");
  pinned = true;
  feed.scrollTop = feed.scrollHeight;
  noteFeedBox();
  $("jump-latest").hidden = true;
  unseen = 0;
}

/**
 * @param {View} view
 */
function renderView(view) {
  pendingAppend = [];
  const list = $("messages");
  view.renderedFrom = Math.max(0, view.messages.length - INITIAL);
  const frag = document.createDocumentFragment();
  const exactFrom = view.messages.length - EXACT_TAIL;
  for (let i = view.renderedFrom; i < view.messages.length; i++) {
    const row = renderMessage(/** @type {Message} */ (view.messages[i]));
    if (i < exactFrom) row.classList.add("cv");
    frag.append(row);
  }
  list.replaceChildren(frag);
  if (!view.messages.length) list.append(emptyRow(view));
  updateTop(view);
  scrollToBottom();
}

/**
 * @param {View} view
 */
function emptyRow(view) {
  const text = view.type === "inbox"
    ? "No direct messages to the operator yet."
    : view.type === "dm"
    ? `No direct messages with ${view.name} yet.`
    : "No messages yet.";
  return h("li", { class: "empty", testid: "feed-empty", text });
}

/**
 * @param {View} view
 */
function updateTop(view) {
  const more = view.renderedFrom > 0 || !view.reachedStart;
  const older = $("load-older", HTMLButtonElement);
  older.hidden = !more;
  older.disabled = view.busyOlder;
  older.textContent = view.busyOlder ? "Loading…" : "Load older messages";
  const start = $("feed-start");
  start.hidden = more || !view.messages.length;
  start.textContent = view.type === "dm" && view.partial
    ? "Showing the latest 500 direct messages each way."
    : `Beginning of ${viewTitle(view)}`;
}

let unseen = 0;

/** @type {Message[]} */
let pendingAppend = [];

let appendQueued = false;

/**
 * Appends messages to the visible feed on the next frame, in one batch.
 *
 * @param {Message[]} msgs
 */
export function queueAppend(msgs) {
  pendingAppend.push(...msgs);
  if (appendQueued) return;
  appendQueued = true;
  requestAnimationFrame(() => {
    appendQueued = false;
    const msgs = pendingAppend;
    pendingAppend = [];
    const view = state.view;
    if (!view || !view.loaded) return;
    const list = $("messages");
    const stick = pinned || atBottom();
    list.querySelector(".empty")?.remove();
    const frag = document.createDocumentFragment();
    for (const m of msgs) {
      if (view.ids.has(m.id)) frag.append(renderMessage(m));
    }
    list.append(frag);
    markOlderRows(list);
    if (stick) {
      trim(view);
      scrollToBottom();
    } else {
      unseen += msgs.length;
      const jump = $("jump-latest");
      jump.hidden = false;
      jump.textContent = `${plural(unseen, "new message")} ↓`;
    }
    updateTop(view);
  });
}

/**
 * Lets rows above the newest EXACT_TAIL skip rendering while off screen.
 *
 * @param {HTMLElement} list
 */
export function markOlderRows(list) {
  let row = list.lastElementChild;
  for (
    let seen = 0;
    row && seen < EXACT_TAIL;
    row = row.previousElementSibling
  ) {
    if (row.classList.contains("msg")) seen++;
  }
  for (
    ;
    row && !row.classList.contains("cv");
    row = row.previousElementSibling
  ) {
    if (row.classList.contains("msg")) row.classList.add("cv");
  }
}

/**
 * Keeps the DOM bounded while following the bottom of a busy feed.
 *
 * @param {View} view
 */
function trim(view) {
  const list = $("messages");
  const rows = list.querySelectorAll(":scope > li.msg");
  const extra = rows.length - MAX_RENDERED;
  if (extra <= 0) return;
  const drop = extra + CHUNK;
  let removed = 0;
  while (list.firstElementChild && removed < drop) {
    const first = list.firstElementChild;
    if (first.classList.contains("msg")) removed++;
    first.remove();
  }
  view.renderedFrom = Math.min(
    view.messages.length,
    view.renderedFrom + removed,
  );
}

async function loadOlder() {
  const view = state.view;
  if (!view || !view.loaded || view.busyOlder) return;
  if (view.renderedFrom === 0 && view.reachedStart) return;
  view.busyOlder = true;
  updateTop(view);
  try {
    if (view.renderedFrom === 0 && !view.reachedStart) {
      const older = (await fetchOlder(view)).filter((m) => !view.ids.has(m.id));
      remember(older);
      for (const m of older) view.ids.add(m.id);
      view.messages.unshift(...older);
      view.renderedFrom += older.length;
    }
    if (state.view !== view) return;
    if (view.renderedFrom > 0) {
      const from = Math.max(0, view.renderedFrom - CHUNK);
      prependRows(view, from);
    }
  } catch (error) {
    toast(`Could not load older messages: ${errorText(error)}`, "error");
  } finally {
    view.busyOlder = false;
    if (state.view === view) updateTop(view);
  }
}

/**
 * Renders cached messages [from, renderedFrom) above the visible ones, keeping the scroll position.
 *
 * @param {View} view
 * @param {number} from
 */
function prependRows(view, from) {
  const feed = $("feed");
  const list = $("messages");
  const fromBottom = feed.scrollHeight - feed.scrollTop;
  const frag = document.createDocumentFragment();
  const exactFrom = view.messages.length - EXACT_TAIL;
  for (let i = from; i < view.renderedFrom; i++) {
    const row = renderMessage(/** @type {Message} */ (view.messages[i]));
    if (i < exactFrom) row.classList.add("cv");
    frag.append(row);
  }
  list.prepend(frag);
  view.renderedFrom = from;
  // The reader asked for history: stop following the newest message.
  pinned = false;
  feed.scrollTop = feed.scrollHeight - fromBottom;
  noteFeedBox();
}

/**
 * @param {number} id
 * @returns {HTMLElement | null}
 */
function findRow(id) {
  return $("messages").querySelector(`:scope > li[data-id="${Number(id)}"]`);
}

/**
 * @param {number} id
 */
export function jumpTo(id) {
  const view = state.view;
  let row = findRow(id);
  if (!row && view) {
    const index = view.messages.findIndex((m) => m.id === id);
    if (index >= 0 && index < view.renderedFrom) {
      prependRows(view, Math.max(0, index - 5));
      updateTop(view);
      row = findRow(id);
    }
  }
  if (!row) {
    const m = state.msgById.get(id);
    toast(
      m
        ? `Message #${id} (from ${m.from_agent}) is not part of this view.`
        : `Message #${id} is not loaded here. Load older messages to find it.`,
    );
    return;
  }
  pinned = false;
  row.scrollIntoView({ block: "center" });
  noteFeedBox();
  row.classList.remove("flash");
  void row.offsetWidth;
  row.classList.add("flash");
}

/** Wires the feed's scrolling, its "load older" and "jump to latest" buttons. */
export function wireFeed() {
  $("load-older").addEventListener("click", () => loadOlder());
  $("jump-latest").addEventListener("click", () => scrollToBottom());
  let scrollQueued = false;
  const feed = $("feed");
  const repin = new ResizeObserver(() => {
    if (pinned) feed.scrollTop = feed.scrollHeight;
    noteFeedBox();
  });
  repin.observe(feed);
  repin.observe($("messages"));
  feed.addEventListener("scroll", () => {
    onFeedScroll();
    if (scrollQueued) return;
    scrollQueued = true;
    requestAnimationFrame(() => {
      scrollQueued = false;
      if (atBottom()) {
        $("jump-latest").hidden = true;
        unseen = 0;
      }
      if ($("feed").scrollTop < 120 && !$("load-older").hidden) loadOlder();
    });
  });
}
