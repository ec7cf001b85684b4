// @ts-check
/// <reference lib="dom" />

/**
 * What the page knows and keeps: the one `state` object, the views' message
 * caches, browser storage, and the limits the feed works within. No DOM here.
 *
 * @module
 */

/** @import { Message, State, View, ViewType } from "./types.d.ts" */

/** The agent id this page acts as. */
export const OPERATOR = "operator";

/** Messages fetched when a view opens, and rendered at first. */
export const INITIAL = 200;

/** Messages rendered (or fetched) per "load older" step. */
export const CHUNK = 200;

/** DOM rows kept while following the newest messages. */
export const MAX_RENDERED = 1500;

/** The newest rows rendered in full; older ones skip rendering off screen. */
export const EXACT_TAIL = 60;

/** How often the panels are refreshed. */
export const POLL_MS = 2000;

/** A stream silent this long (the hub sends a keepalive every 15 s) is reopened. */
export const STREAM_IDLE_MS = 45_000;

/** Message kinds, in the order the composer offers them. */
export const KINDS = [
  "chat",
  "notice",
  "task",
  "task_request",
  "task_result",
  "artifact",
  "claim",
  "release",
];

/** Now, on the hub's clock (corrected by the Date header of its answers). */
export function hubNow() {
  return Date.now() + state.skewMs;
}

/**
 * Everything the page knows: filled from the hub, read by every view.
 *
 * @type {State}
 */
export const state = {
  displayName: OPERATOR,
  hubInfo: null,
  instance: null,
  channels: [],
  agents: new Map(),
  views: new Map(),
  view: null,
  cursor: 0,
  msgById: new Map(),
  unread: new Map(),
  claims: [],
  locks: [],
  tasks: [],
  threads: [],
  taskTitles: new Map(),
  shutdown: null,
  shuttingDown: false,
  allowRemote: false,
  listenHost: "",
  replyTo: null,
  skewMs: 0,
  presenceTtl: 120,
  signatures: new Map(),
  online: true,
};

/**
 * A stored value, or undefined (also where the browser turned storage off).
 *
 * @param {() => Storage} storage
 * @param {string} key
 * @returns {string | undefined}
 */
export function readStored(storage, key) {
  try {
    return storage().getItem(key) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps a value where the browser allows it (it may have turned storage off).
 *
 * @param {() => Storage} storage
 * @param {string} key
 * @param {string} value
 */
export function store(storage, key, value) {
  try {
    storage().setItem(key, value);
  } catch { /* storage off */ }
}

/**
 * @param {ViewType} type
 * @param {string} name
 */
export function viewKey(type, name) {
  return type === "inbox" ? "inbox" : `${type}:${name}`;
}

/**
 * The cached view of this type and name, created empty when new.
 *
 * @param {ViewType} type
 * @param {string} name
 * @returns {View}
 */
export function getView(type, name) {
  const key = viewKey(type, name);
  let view = state.views.get(key);
  if (!view) {
    view = {
      key,
      type,
      name,
      messages: [],
      ids: new Set(),
      renderedFrom: 0,
      reachedStart: false,
      loaded: false,
      loading: null,
      pending: [],
      busyOlder: false,
      partial: false,
    };
    state.views.set(key, view);
  }
  return view;
}

/**
 * Whether a message belongs in a view.
 *
 * @param {View} view
 * @param {Message} m
 */
export function matches(view, m) {
  switch (view.type) {
    case "channel":
      return m.to_agent == null && m.channel === view.name;
    case "thread":
      return m.thread_id === view.name;
    case "inbox":
      return m.to_agent === OPERATOR;
    case "dm":
      return (m.from_agent === view.name && m.to_agent === OPERATOR) ||
        (m.from_agent === OPERATOR && m.to_agent === view.name);
  }
  return false;
}

/**
 * The key of the view whose unread count a message raises, if any.
 *
 * @param {Message} m
 */
export function viewOf(m) {
  if (m.to_agent != null) {
    return m.to_agent === OPERATOR ? "inbox" : null;
  }
  return viewKey("channel", m.channel);
}

/**
 * Adds messages to a view's cache.
 *
 * @param {View} view
 * @param {Message[]} msgs
 * @returns {"append" | "insert" | "none"}
 */
export function addToView(view, msgs) {
  /** @type {"append" | "insert" | "none"} */
  let result = "none";
  for (const m of msgs) {
    if (view.ids.has(m.id)) continue;
    view.ids.add(m.id);
    const last = view.messages[view.messages.length - 1];
    if (!last || m.id > last.id) {
      view.messages.push(m);
      if (result === "none") result = "append";
    } else {
      let lo = 0;
      let hi = view.messages.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const row = /** @type {Message} */ (view.messages[mid]);
        if (row.id < m.id) lo = mid + 1;
        else hi = mid;
      }
      view.messages.splice(lo, 0, m);
      if (lo < view.renderedFrom) view.renderedFrom++;
      result = "insert";
    }
  }
  return result;
}

/**
 * Keeps messages by id (the newest 50,000) for replies, tasks and jumps.
 *
 * @param {Message[]} msgs
 */
export function remember(msgs) {
  for (const m of msgs) state.msgById.set(m.id, m);
  while (state.msgById.size > 50_000) {
    const oldest = state.msgById.keys().next().value;
    if (oldest === undefined) break;
    state.msgById.delete(oldest);
  }
}

/**
 * An agent's display name, or its id when it has none (or is not live).
 *
 * @param {string} agentId
 */
export function displayName(agentId) {
  const session = state.agents.get(agentId);
  return session && typeof session.display_name === "string" &&
      session.display_name
    ? session.display_name
    : agentId;
}

/**
 * True when `data` differs from what was last rendered under `name`.
 *
 * @param {string} name
 * @param {unknown} data
 */
export function changed(name, data) {
  const sig = JSON.stringify(data);
  if (state.signatures.get(name) === sig) return false;
  state.signatures.set(name, sig);
  return true;
}
