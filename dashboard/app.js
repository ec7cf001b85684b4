// Arc operator dashboard: plain JavaScript with no dependencies, inlined into
// the page the hub serves at GET /. It reads and acts only through the hub's
// public /v1 routes on the same origin.
//
// Safety rule: everything that came from the hub (bodies, names, channels,
// attachments, metadata) reaches the page as text nodes or textContent, never
// as HTML. The page's Content-Security-Policy allows only this script, so even
// a mistake here could not run injected markup.

const OPERATOR = "operator";
/** Messages fetched when a view opens, and rendered at first. */
const INITIAL = 200;
/** Messages rendered (or fetched) per "load older" step. */
const CHUNK = 200;
/** DOM rows kept while following the newest messages. */
const MAX_RENDERED = 1500;
/** The newest rows rendered in full; older ones skip rendering off screen. */
const EXACT_TAIL = 60;
/** How often the panels are refreshed. */
const POLL_MS = 2000;
/** A stream silent this long (the hub sends a keepalive every 15 s) is reopened. */
const STREAM_IDLE_MS = 45_000;
const KINDS = [
  "chat",
  "notice",
  "task",
  "task_request",
  "task_result",
  "artifact",
  "claim",
  "release",
];

// ── small helpers ────────────────────────────────────────────────────

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const enc = encodeURIComponent;

/**
 * Creates an element. `props` may hold `class`, `text`, `testid`, `data`
 * (dataset entries), `on` (event listeners) and plain attributes; children
 * are nodes or strings (strings become text nodes).
 */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = String(value);
      else if (key === "testid") el.dataset.testid = value;
      else if (key === "data") {
        for (const [k, v] of Object.entries(value)) {
          if (v !== undefined && v !== null) el.dataset[k] = String(v);
        }
      } else if (key === "on") {
        for (const [event, fn] of Object.entries(value)) {
          el.addEventListener(event, fn);
        }
      } else el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  appendAll(el, children);
  return el;
}

function appendAll(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Any JSON value as readable text. */
function asText(value) {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** A stable hue for a thread id, so one thread's messages share a colour. */
function hue(text) {
  let x = 0;
  for (let i = 0; i < text.length; i++) x = (x * 31 + text.charCodeAt(i)) | 0;
  return Math.abs(x) % 360;
}

function parseTs(ts) {
  const t = Date.parse(ts);
  return Number.isFinite(t) ? t : NaN;
}

/** Now, on the hub's clock (corrected by the Date header of its answers). */
function hubNow() {
  return Date.now() + state.skewMs;
}

function clockTime(ts) {
  const t = parseTs(ts);
  if (!Number.isFinite(t)) return String(ts ?? "");
  const d = new Date(t);
  const now = new Date();
  const hms = d.toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  });
  if (d.toDateString() === now.toDateString()) return hms;
  return `${
    d.toLocaleDateString([], { month: "short", day: "numeric" })
  } ${hms}`;
}

function duration(sec) {
  sec = Math.max(0, Math.floor(sec));
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) {
    return `${Math.floor(sec / 60)}m ${String(sec % 60).padStart(2, "0")}s`;
  }
  if (sec < 86400) {
    return `${Math.floor(sec / 3600)}h ${
      String(Math.floor(sec % 3600 / 60)).padStart(2, "0")
    }m`;
  }
  return `${Math.floor(sec / 86400)}d ${Math.floor(sec % 86400 / 3600)}h`;
}

function ago(ts) {
  const t = parseTs(ts);
  if (!Number.isFinite(t)) return "";
  const sec = (hubNow() - t) / 1000;
  return sec < 5 ? "just now" : `${duration(sec).split(" ")[0]} ago`;
}

function countdown(sec) {
  sec = Math.max(0, Math.floor(sec));
  const m = Math.floor(sec / 60);
  return `${m}:${String(sec % 60).padStart(2, "0")}`;
}

// ── state ────────────────────────────────────────────────────────────

const state = {
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

// ── hub API ──────────────────────────────────────────────────────────

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function noteResponse(res) {
  const date = Date.parse(res.headers.get("date") ?? "");
  if (Number.isFinite(date)) {
    const skew = date - Date.now();
    if (Math.abs(skew - state.skewMs) > 2000) state.skewMs = skew;
  }
  const instance = res.headers.get("x-arc-instance");
  if (instance) {
    if (state.instance && state.instance !== instance) instanceChanged();
    state.instance = instance;
  }
}

/**
 * The operator session's secret (hubs with strict identity): sent with every
 * request, never shown. It lives in this origin's localStorage so a reload
 * or a second tab can still act as the operator (and take over the session
 * when it registers again); it is useless once the session has expired.
 */
const SECRET_KEY = "arc.operator.secret";
const sessionSecret = () => readStored(() => localStorage, SECRET_KEY);
// Storage off: the page keeps working until it reloads.
const keepSecret = (secret) => store(() => localStorage, SECRET_KEY, secret);

/**
 * The hub's access token, for a hub reached from another machine with
 * --token on: the page itself is served without it, and the operator types
 * it when the hub first answers 401. It is kept in this tab's
 * sessionStorage only (gone when the tab closes) and sent as
 * `Authorization: Bearer` on every call, the stream included.
 */
const TOKEN_KEY = "arc.hub.token";
const hubToken = () => readStored(() => sessionStorage, TOKEN_KEY);
const keepToken = (token) => store(() => sessionStorage, TOKEN_KEY, token);

/** A stored value, or undefined (also where the browser turned storage off). */
function readStored(storage, key) {
  try {
    return storage().getItem(key) || undefined;
  } catch {
    return undefined;
  }
}
function store(storage, key, value) {
  try {
    storage().setItem(key, value);
  } catch { /* storage off */ }
}

/** Request headers with the operator's credentials. */
function credentials(headers) {
  const secret = sessionSecret();
  if (secret) headers["x-arcdeno-secret"] = secret;
  const token = hubToken();
  if (token) headers.authorization = `Bearer ${token}`;
  return headers;
}

let tokenPrompt = null;
/**
 * Asks for the hub's token once, however many calls were refused at the
 * same moment. Resolves true when a new token was given.
 */
function askToken(reason) {
  tokenPrompt ??= ask({
    title: "This hub needs its access token",
    text: hubToken()
      ? `The hub refused the token: ${reason}. Type the token it was started with.`
      : "The hub was started with --token. Type that token; this tab keeps it until it closes.",
    type: "password",
    ok: "Connect",
  }).then((value) => {
    tokenPrompt = null;
    const token = value?.trim();
    if (!token) return false;
    keepToken(token);
    return true;
  });
  return tokenPrompt;
}

/** Sends one request and returns the whole success envelope; throws ApiError. */
async function call(method, path, body) {
  const init = { method, headers: credentials({ accept: "application/json" }) };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    setOnline(false);
    throw new ApiError(0, "the hub cannot be reached");
  }
  setOnline(true);
  noteResponse(res);
  let envelope;
  try {
    envelope = await res.json();
  } catch {
    throw new ApiError(
      res.status,
      `unexpected answer from the hub (HTTP ${res.status})`,
    );
  }
  if (!envelope || envelope.ok !== true) {
    const error = envelope && typeof envelope.error === "string"
      ? envelope.error
      : `HTTP ${res.status}`;
    if (res.status === 401 && await askToken(error)) {
      return await call(method, path, body);
    }
    throw new ApiError(res.status, error);
  }
  return envelope;
}

async function api(method, path, body) {
  return (await call(method, path, body)).result;
}

function query(base, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

let instanceNoticeShown = false;
function instanceChanged() {
  if (instanceNoticeShown) return;
  instanceNoticeShown = true;
  toast(
    "This hub now serves a different database (its instance id changed). Reload the page to start afresh.",
    "error",
    0,
  );
}

// ── toasts, notes and the dialog ─────────────────────────────────────

function toast(text, level = "info", ms = level === "error" ? 9000 : 4500) {
  const el = h("div", {
    class: "toast",
    testid: "toast",
    data: { level },
    role: level === "error" ? "alert" : "status",
    text,
  });
  el.addEventListener("click", () => el.remove());
  $("toasts").append(el);
  while ($("toasts").childElementCount > 5) {
    $("toasts").firstElementChild.remove();
  }
  if (ms > 0) setTimeout(() => el.remove(), ms);
}

/** A local line in the feed (not a message; gone when the view changes). */
function note(text) {
  const feed = $("feed");
  const stick = pinned || atBottom();
  $("messages").append(h("li", { class: "note", testid: "note", text }));
  if (stick) feed.scrollTop = feed.scrollHeight;
}

let dialogResolve = null;
/** Asks for one value; resolves to the text, or null when cancelled. */
function ask(
  { title, text = "", value = "", ok = "OK", type = "text", danger = false },
) {
  const dialog = $("dialog");
  $("dialog-title").textContent = title;
  $("dialog-text").textContent = text;
  const input = $("dialog-input");
  input.type = type;
  input.value = value;
  if (type === "number") {
    input.min = "0";
    input.max = "3600";
    input.step = "1";
  }
  $("dialog-ok").textContent = ok;
  $("dialog-ok").className = danger ? "danger" : "primary";
  if (dialogResolve) dialogResolve(null);
  return new Promise((resolve) => {
    dialogResolve = resolve;
    dialog.showModal();
    input.focus();
    input.select();
  });
}

function closeDialog(value) {
  const resolve = dialogResolve;
  dialogResolve = null;
  if ($("dialog").open) $("dialog").close();
  if (resolve) resolve(value);
}

// ── connection state ─────────────────────────────────────────────────

function setConn(stateName, text) {
  const el = $("connection");
  el.dataset.state = stateName;
  $("conn-text").textContent = text;
}

function setOnline(online) {
  if (state.online === online) return;
  state.online = online;
  $("offline-banner").hidden = online;
  if (!online) setConn("offline", "hub unreachable");
}

// ── session ──────────────────────────────────────────────────────────

async function register() {
  let name = state.displayName;
  try {
    const agents = await api("GET", "/v1/agents");
    const mine = agents.find((a) => a.agent_id === OPERATOR);
    if (mine && typeof mine.display_name === "string") name = mine.display_name;
  } catch { /* the post below reports the problem */ }
  const session = await api("POST", "/v1/sessions", {
    agent_id: OPERATOR,
    display_name: name,
    capabilities: ["operator", "dashboard"],
    metadata: { client: "arc-dashboard" },
    replace: true,
  });
  const secret = session.arcdeno && session.arcdeno.secret;
  if (typeof secret === "string" && secret) keepSecret(secret);
  setDisplayName(session.display_name);
}

function setDisplayName(name) {
  state.displayName = name;
  const me = $("me");
  me.textContent = name === OPERATOR ? OPERATOR : `${name} (${OPERATOR})`;
}

async function rename(name) {
  name = name.trim();
  if (!name) throw new ApiError(400, "a display name cannot be empty");
  let session;
  try {
    session = await api("POST", `/v1/sessions/${enc(OPERATOR)}/rename`, {
      display_name: name,
    });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    state.displayName = name;
    await register();
    session = { display_name: state.displayName };
  }
  setDisplayName(session.display_name);
  schedule("agents");
  toast(`You are now “${session.display_name}”.`, "ok");
}

// ── the live stream ──────────────────────────────────────────────────

async function runStream() {
  let backoff = 500;
  let first = true;
  for (;;) {
    const controller = new AbortController();
    let idle = 0;
    const watchdog = () => {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(), STREAM_IDLE_MS);
    };
    try {
      if (!first) await register();
      const url = query("/v1/stream", {
        agent_id: OPERATOR,
        since_id: state.cursor,
      });
      watchdog();
      const res = await fetch(url, {
        signal: controller.signal,
        headers: credentials({ accept: "text/event-stream" }),
      });
      if (res.status === 401) {
        const refused = await res.json().catch(() => ({}));
        await askToken(refused.error ?? "HTTP 401");
      }
      if (!res.ok || !res.body) {
        throw new Error(`the stream answered HTTP ${res.status}`);
      }
      noteResponse(res);
      setOnline(true);
      setConn("live", "live");
      if (!first) {
        schedule(
          "agents",
          "claims",
          "locks",
          "tasks",
          "threads",
          "channels",
          "shutdown",
        );
      }
      first = false;
      backoff = 500;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        watchdog();
        buffer += value;
        const batch = [];
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split("\n")
            .map((line) => line.replace(/\r$/, ""))
            .filter((line) => line.startsWith("data:"))
            .map((line) => line.slice(5).replace(/^ /, ""))
            .join("\n");
          if (!data) continue; // a comment (": connected", ": keepalive")
          try {
            batch.push(JSON.parse(data));
          } catch { /* not a message; skip it */ }
        }
        if (batch.length) ingest(batch, true);
      }
    } catch {
      /* reconnect below */
    } finally {
      clearTimeout(idle);
      controller.abort();
    }
    first = false;
    setConn(
      "reconnecting",
      state.shuttingDown ? "hub stopped" : "reconnecting…",
    );
    await sleep(backoff);
    backoff = Math.min(backoff * 2, 8000);
  }
}

// ── views ────────────────────────────────────────────────────────────

function viewKey(type, name) {
  return type === "inbox" ? "inbox" : `${type}:${name}`;
}

function getView(type, name) {
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

/** Whether a message belongs in a view. */
function matches(view, m) {
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

function viewOf(m) {
  if (m.to_agent != null) {
    return m.to_agent === OPERATOR ? "inbox" : null;
  }
  return viewKey("channel", m.channel);
}

/** Adds messages to a view's cache; returns "append", "insert" or "none". */
function addToView(view, msgs) {
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
        if (view.messages[mid].id < m.id) lo = mid + 1;
        else hi = mid;
      }
      view.messages.splice(lo, 0, m);
      if (lo < view.renderedFrom) view.renderedFrom++;
      result = "insert";
    }
  }
  return result;
}

function remember(msgs) {
  for (const m of msgs) state.msgById.set(m.id, m);
  while (state.msgById.size > 50_000) {
    state.msgById.delete(state.msgById.keys().next().value);
  }
}

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

function parseHash() {
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

function hashFor(type, name) {
  if (type === "inbox") return "#inbox";
  const prefix = { channel: "c", thread: "t", dm: "dm" }[type];
  return `#${prefix}/${enc(name)}`;
}

let viewSeq = 0;
async function openView(type, name, { updateHash = true } = {}) {
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
        text: `Could not load this view: ${error.message}`,
      }),
    );
    return;
  }
  if (seq !== viewSeq) return;
  renderView(view);
  updateViewHeader();
}

function clearUnread(view) {
  state.unread.delete(view.key);
  if (view.type === "dm") state.unread.delete("inbox");
  if (view.type === "inbox") {
    for (const key of [...state.unread.keys()]) {
      if (key.startsWith("dm:")) state.unread.delete(key);
    }
  }
}

// ── rendering the feed ───────────────────────────────────────────────

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

function renderView(view) {
  pendingAppend = [];
  const list = $("messages");
  view.renderedFrom = Math.max(0, view.messages.length - INITIAL);
  const frag = document.createDocumentFragment();
  const exactFrom = view.messages.length - EXACT_TAIL;
  for (let i = view.renderedFrom; i < view.messages.length; i++) {
    const row = renderMessage(view.messages[i]);
    if (i < exactFrom) row.classList.add("cv");
    frag.append(row);
  }
  list.replaceChildren(frag);
  if (!view.messages.length) list.append(emptyRow(view));
  updateTop(view);
  scrollToBottom();
}

function emptyRow(view) {
  const text = view.type === "inbox"
    ? "No direct messages to the operator yet."
    : view.type === "dm"
    ? `No direct messages with ${view.name} yet.`
    : "No messages yet.";
  return h("li", { class: "empty", testid: "feed-empty", text });
}

function updateTop(view) {
  const more = view.renderedFrom > 0 || !view.reachedStart;
  $("load-older").hidden = !more;
  $("load-older").disabled = view.busyOlder;
  $("load-older").textContent = view.busyOlder
    ? "Loading…"
    : "Load older messages";
  const start = $("feed-start");
  start.hidden = more || !view.messages.length;
  start.textContent = view.type === "dm" && view.partial
    ? "Showing the latest 500 direct messages each way."
    : `Beginning of ${viewTitle(view)}`;
}

let unseen = 0;
let pendingAppend = [];
let appendQueued = false;

/** Appends messages to the visible feed on the next frame, in one batch. */
function queueAppend(msgs) {
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

/** Lets rows above the newest EXACT_TAIL skip rendering while off screen. */
function markOlderRows(list) {
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

/** Keeps the DOM bounded while following the bottom of a busy feed. */
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
    toast(`Could not load older messages: ${error.message}`, "error");
  } finally {
    view.busyOlder = false;
    if (state.view === view) updateTop(view);
  }
}

/** Renders cached messages [from, renderedFrom) above the visible ones, keeping the scroll position. */
function prependRows(view, from) {
  const feed = $("feed");
  const list = $("messages");
  const fromBottom = feed.scrollHeight - feed.scrollTop;
  const frag = document.createDocumentFragment();
  const exactFrom = view.messages.length - EXACT_TAIL;
  for (let i = from; i < view.renderedFrom; i++) {
    const row = renderMessage(view.messages[i]);
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

function findRow(id) {
  return $("messages").querySelector(`:scope > li[data-id="${Number(id)}"]`);
}

function jumpTo(id) {
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

// ── search (arcdeno:search) ─────────────────────────────────────────

// The operator searches as any agent would: broadcasts plus the operator's
// own direct messages, never DMs between other agents.
let searchSeq = 0;

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
    $("search-summary").textContent = `Search failed: ${error.message}`;
    return;
  }
  if (seq !== searchSeq) return;
  $("search-summary").textContent = hits.length
    ? `${plural(hits.length, "hit")} for ${q}, best first`
    : `No matches for ${q}`;
  $("search-list").replaceChildren(...hits.map(searchRow));
}

/** The snippet as text nodes, each match in a <mark>; never parsed as HTML. */
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

function searchTarget(m) {
  if (m.thread_id) return { type: "thread", name: m.thread_id };
  if (m.to_agent != null) {
    const other = m.from_agent === OPERATOR ? m.to_agent : m.from_agent;
    return { type: "dm", name: other };
  }
  return { type: "channel", name: m.channel };
}

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

function wireSearch() {
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runSearch($("search-input").value);
  });
  $("search-input").addEventListener("keydown", (event) => {
    if (event.key === "Escape") $("search-results").hidden = true;
  });
  $("search-close").addEventListener("click", () => {
    $("search-results").hidden = true;
  });
}

// ── one message ──────────────────────────────────────────────────────

function displayName(agentId) {
  const session = state.agents.get(agentId);
  return session && typeof session.display_name === "string" &&
      session.display_name
    ? session.display_name
    : agentId;
}

function renderMessage(m) {
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
        on: { click: () => jumpTo(m.reply_to) },
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
        m.attachments.map((a) => renderAttachment(a)),
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

function replyTitle(id) {
  const m = state.msgById.get(id);
  if (!m) return `In reply to message #${id}`;
  const body = typeof m.body === "string" ? m.body : "";
  return `In reply to ${m.from_agent}: ${body.slice(0, 140)}`;
}

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

function metaTags(m) {
  const meta = m.metadata && typeof m.metadata === "object" ? m.metadata : {};
  const tags = [];
  const tag = (text) =>
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

function otherMetadata(meta) {
  if (!meta || typeof meta !== "object" || Array.isArray(meta)) return null;
  const rest = {};
  let any = false;
  for (const [k, v] of Object.entries(meta)) {
    if (KNOWN_META.has(k)) continue;
    rest[k] = v;
    any = true;
  }
  return any ? rest : null;
}

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

// ── attachments ──────────────────────────────────────────────────────

const BIG_TEXT = 40_000;

/** A <pre> with the text, cut at BIG_TEXT characters until asked for all. */
function bigPre(text) {
  const pre = h("pre", null, h("code", { text: text.slice(0, BIG_TEXT) }));
  if (text.length <= BIG_TEXT) return [pre];
  const all = h("button", {
    type: "button",
    class: "more",
    text: `Show all ${text.length.toLocaleString()} characters`,
    on: {
      click: () => {
        pre.firstChild.textContent = text;
        all.remove();
      },
    },
  });
  return [pre, all];
}

function copyButton(text) {
  const button = h("button", {
    type: "button",
    text: "Copy",
    on: {
      click: async () => {
        try {
          await navigator.clipboard.writeText(text);
          button.textContent = "Copied";
        } catch {
          button.textContent = "Copy failed";
        }
        setTimeout(() => (button.textContent = "Copy"), 1500);
      },
    },
  });
  return button;
}

function lineRange(a) {
  const start = Number.isInteger(a.start_line) ? a.start_line : null;
  const end = Number.isInteger(a.end_line) ? a.end_line : null;
  if (start !== null && end !== null && end !== start) {
    return `L${start}–${end}`;
  }
  if (start !== null) return `L${start}`;
  if (end !== null) return `to L${end}`;
  return null;
}

function renderAttachment(a) {
  if (!a || typeof a !== "object") {
    return h(
      "div",
      { class: "att att-text", testid: "attachment" },
      bigPre(asText(a)),
    );
  }
  const type = typeof a.type === "string" ? a.type : "unknown";
  switch (type) {
    case "code": {
      const text = asText(a.content);
      const lang = typeof a.language === "string" && a.language
        ? a.language
        : "code";
      return h(
        "div",
        { class: "att att-code", testid: "attachment", data: { type } },
        h(
          "div",
          { class: "att-head" },
          h("span", { class: "lang", testid: "attachment-lang", text: lang }),
          h("span", { class: "spacer" }),
          h("span", { text: plural(text.split("\n").length, "line") }),
          copyButton(text),
        ),
        bigPre(text),
      );
    }
    case "text":
      return h(
        "div",
        { class: "att att-text", testid: "attachment", data: { type } },
        bigPre(asText(a.content)),
      );
    case "json":
      return renderJsonAttachment(a.content);
    case "file_ref":
    case "diff_ref": {
      const range = type === "diff_ref" && (a.base != null || a.head != null)
        ? `${a.base ?? "…"}..${a.head ?? "…"}`
        : null;
      const lines = lineRange(a);
      return h(
        "div",
        { class: "att att-ref", testid: "attachment", data: { type } },
        h("span", {
          class: "ref-icon",
          title: type === "diff_ref" ? "diff" : "file",
          text: type === "diff_ref" ? "±" : "▤",
        }),
        h("span", {
          class: "path",
          testid: "attachment-path",
          text: asText(a.path ?? ""),
        }),
        lines
          ? h("span", {
            class: "lines",
            testid: "attachment-lines",
            text: lines,
          })
          : null,
        range ? h("span", { class: "range", text: range }) : null,
        typeof a.description === "string" && a.description
          ? h("span", { class: "desc", text: a.description })
          : null,
      );
    }
    default:
      return h(
        "div",
        { class: "att", testid: "attachment", data: { type } },
        h("div", { class: "att-head", text: `attachment of type “${type}”` }),
        jsonTree(a),
      );
  }
}

function renderJsonAttachment(content) {
  const box = h("div", {
    class: "att att-json",
    testid: "attachment",
    data: { type: "json" },
  });
  let raw = null;
  const tree = jsonTree(content);
  const toggle = h("button", {
    type: "button",
    testid: "json-raw",
    text: "Raw",
    on: {
      click: () => {
        if (!raw) {
          raw = h("div", null, bigPre(asText(content)));
          raw.hidden = true;
          box.append(raw);
        }
        const showRaw = raw.hidden;
        raw.hidden = !showRaw;
        tree.hidden = showRaw;
        toggle.textContent = showRaw ? "Tree" : "Raw";
      },
    },
  });
  box.append(
    h(
      "div",
      { class: "att-head" },
      h("span", { class: "lang", text: "json" }),
      h("span", { class: "spacer" }),
      toggle,
      copyButton(asText(content)),
    ),
    tree,
  );
  return box;
}

/** A folding JSON tree; nested levels are built only when opened. */
function jsonTree(value) {
  const root = h("div", { class: "jt", testid: "json-tree" });
  root.append(jsonNode(value, null, 0));
  return root;
}

function jsonNode(value, key, depth) {
  const keyLabel = key === null
    ? null
    : h("span", { class: "jk", text: `${JSON.stringify(key)}: ` });
  if (value === null || typeof value !== "object") {
    const cls = value === null
      ? "jz"
      : typeof value === "string"
      ? "js"
      : typeof value === "number"
      ? "jn"
      : "jb";
    return h(
      "div",
      null,
      keyLabel,
      h("span", { class: cls, text: JSON.stringify(value) ?? String(value) }),
    );
  }
  const isArray = Array.isArray(value);
  const entries = isArray ? value.map((v, i) => [i, v]) : Object.entries(value);
  const open = isArray ? "[" : "{";
  const close = isArray ? "]" : "}";
  if (!entries.length) {
    return h(
      "div",
      null,
      keyLabel,
      h("span", { class: "jp", text: open + close }),
    );
  }
  const details = h("details");
  details.append(
    h(
      "summary",
      null,
      keyLabel,
      h("span", {
        class: "jp",
        text: `${open} ${
          plural(entries.length, isArray ? "item" : "key")
        } ${close}`,
      }),
    ),
  );
  let filled = false;
  const fill = () => {
    if (filled) return;
    filled = true;
    const ul = h("ul");
    const shown = entries.slice(0, 500);
    for (const [k, v] of shown) {
      ul.append(h("li", null, jsonNode(v, isArray ? null : k, depth + 1)));
    }
    if (entries.length > shown.length) {
      ul.append(
        h("li", {
          class: "jp",
          text: `… ${entries.length - shown.length} more`,
        }),
      );
    }
    details.append(ul);
  };
  // "toggle" fires a moment after opening; a click on the summary (which a
  // key press on it also sends) builds the level before it is shown.
  details.firstElementChild.addEventListener("click", fill);
  details.addEventListener("toggle", () => details.open && fill());
  if (depth < 2 && entries.length <= 12) {
    fill();
    details.open = true;
  }
  return details;
}

// ── ingesting new messages ───────────────────────────────────────────

/** Takes messages from the stream (or from the operator's own posts). */
function ingest(msgs, fromStream) {
  remember(msgs);
  const current = state.view;
  let appendCurrent = [];
  let rerender = false;
  for (const m of msgs) {
    if (fromStream && typeof m.id === "number" && m.id > state.cursor) {
      state.cursor = m.id;
    }
    for (const view of state.views.values()) {
      if (!matches(view, m)) continue;
      if (!view.loaded) {
        if (view.loading) view.pending.push(m);
        continue;
      }
      const how = addToView(view, [m]);
      if (view === current) {
        if (how === "append") appendCurrent.push(m);
        else if (how === "insert") rerender = true;
      }
    }
    if (fromStream) account(m, current);
    effects(m);
  }
  if (rerender && current) {
    appendCurrent = [];
    const feed = $("feed");
    const fromBottom = feed.scrollHeight - feed.scrollTop;
    const from = current.renderedFrom;
    const list = $("messages");
    const frag = document.createDocumentFragment();
    for (let i = from; i < current.messages.length; i++) {
      frag.append(renderMessage(current.messages[i]));
    }
    list.replaceChildren(frag);
    markOlderRows(list);
    feed.scrollTop = feed.scrollHeight - fromBottom;
  }
  if (appendCurrent.length) queueAppend(appendCurrent);
  renderNav();
}

/** Unread counts for views other than the current one. */
function account(m, current) {
  if (m.from_agent === OPERATOR) return;
  if (current && matches(current, m)) return;
  const key = viewOf(m);
  if (!key) return;
  state.unread.set(key, (state.unread.get(key) ?? 0) + 1);
  if (key === "inbox") {
    const dm = viewKey("dm", m.from_agent);
    state.unread.set(dm, (state.unread.get(dm) ?? 0) + 1);
    renderAgents();
  }
}

/** Panels that a message may have changed. */
function effects(m) {
  const meta = m.metadata && typeof m.metadata === "object" ? m.metadata : {};
  if (
    ["task", "task_request", "task_result"].includes(m.kind) || meta.auto_rollup
  ) {
    schedule("tasks");
  }
  if (m.thread_id != null) schedule("threads");
  if (meta.recovery || m.kind === "claim" || m.kind === "release") {
    schedule("claims", "locks");
  }
  if (m.to_agent != null || meta.ack_required) schedule("unacked");
  if (meta.shutdown === true || meta.shutdown_cancelled === true) {
    schedule("shutdown");
  }
  if (meta.shutdown === true && (meta.final === true || meta.delay_sec === 0)) {
    state.shuttingDown = true;
    state.shutdown = { deadline: hubNow(), delay: 0 };
    renderShutdown();
  }
  if (m.to_agent == null && !state.channels.includes(m.channel)) {
    schedule("channels");
  }
  if (m.from_agent !== "system" && !state.agents.has(m.from_agent)) {
    schedule("agents");
  }
}

// ── panels: refresh scheduling ───────────────────────────────────────

const refreshers = {
  agents: refreshAgents,
  claims: refreshClaims,
  locks: refreshLocks,
  tasks: refreshTasks,
  threads: refreshThreads,
  channels: refreshChannels,
  shutdown: refreshShutdown,
  info: refreshInfo,
  unacked: refreshUnacked,
  approvals: refreshApprovals,
};
const scheduled = new Set();
const running = new Map();
let scheduleTimer = 0;

function schedule(...names) {
  for (const name of names) scheduled.add(name);
  if (!scheduleTimer) scheduleTimer = setTimeout(runScheduled, 120);
}

function runScheduled() {
  scheduleTimer = 0;
  const names = [...scheduled];
  scheduled.clear();
  for (const name of names) runRefresher(name);
}

async function runRefresher(name) {
  if (running.has(name)) {
    running.set(name, true);
    return;
  }
  running.set(name, false);
  try {
    await refreshers[name]();
  } catch {
    /* the connection indicator shows an unreachable hub */
  } finally {
    const again = running.get(name);
    running.delete(name);
    if (again) schedule(name);
  }
}

/** True when `data` differs from what was last rendered under `name`. */
function changed(name, data) {
  const sig = JSON.stringify(data);
  if (state.signatures.get(name) === sig) return false;
  state.signatures.set(name, sig);
  return true;
}

let tick = 0;
function poll() {
  if (document.hidden) return;
  tick++;
  schedule("agents", "claims", "locks", "shutdown", "tasks", "threads");
  schedule("unacked", "approvals");
  if (tick % 5 === 0) schedule("channels", "info");
}

// ── channels and navigation ──────────────────────────────────────────

async function refreshChannels() {
  const rows = await api("GET", "/v1/channels");
  state.channels = rows.map((c) => String(c.name));
  renderNav();
}

function viewTitle(view) {
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

function renderNav() {
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

function updateViewHeader() {
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
        h("span", {
          class: "badge",
          testid: "thread-status",
          data: { status: t.status },
          text: t.status,
        }),
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

// ── agents ───────────────────────────────────────────────────────────

async function refreshAgents() {
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
  for (const el of $("messages").querySelectorAll(".who[data-agent]")) {
    const agent = el.dataset.agent;
    const name = displayName(agent);
    if (el.textContent === name) continue;
    el.textContent = name;
    const aid = el.nextElementSibling;
    if (aid?.dataset.aid === agent) aid.hidden = name === agent;
  }
}

function renderAgents() {
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
  const statusOf = (a) =>
    typeof a.arcdeno?.status?.state === "string" ? a.arcdeno.status : null;
  const shape = rows.map((a) => [
    a.agent_id,
    a.display_name,
    a.capabilities,
    statusOf(a)?.state ?? null,
  ]);
  if (!changed("agents", { shape, current, unread })) {
    // Same rows: only the "last seen" times move.
    for (const li of $("agent-list").children) {
      const seen = state.agents.get(li.dataset.agent)?.last_seen;
      if (seen === undefined) continue;
      for (const el of li.querySelectorAll("[data-seen]")) {
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
          statusOf(a)
            ? h("span", {
              class: "agent-status",
              testid: "agent-status",
              data: { state: statusOf(a).state },
              title: `${statusOf(a).state}${
                statusOf(a).host ? ` (${statusOf(a).host})` : ""
              } since ${statusOf(a).since ?? "?"}`,
              text: statusOf(a).state.replace("_", " "),
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

function updateSeen() {
  const fresh = Math.min(60, state.presenceTtl / 3) * 1000;
  for (const el of $("agent-list").querySelectorAll("[data-seen]")) {
    const t = parseTs(el.dataset.seen);
    if (el.classList.contains("presence")) {
      el.dataset.state = hubNow() - t < fresh ? "fresh" : "idle";
      el.title = hubNow() - t < fresh ? "active" : "quiet";
    } else {
      el.textContent = ago(el.dataset.seen);
    }
  }
}

// ── claims and locks ─────────────────────────────────────────────────

async function refreshClaims() {
  state.claims = await api("GET", query("/v1/claims", { active_only: 1 }));
  renderLeases("claims");
}

async function refreshLocks() {
  state.locks = await api("GET", query("/v1/locks", { active_only: 1 }));
  renderLeases("locks");
}

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
      h("li", {
        class: "panel-empty",
        text: isClaims ? "No active claims." : "No active locks.",
      }),
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

function leaseLeft(expires) {
  const sec = (parseTs(expires) - hubNow()) / 1000;
  if (!Number.isFinite(sec)) return "";
  return sec <= 0 ? "expired" : `${duration(sec)} left`;
}

function updateLeaseTimes() {
  for (const el of document.querySelectorAll(".left[data-expires]")) {
    el.textContent = leaseLeft(el.dataset.expires);
    const sec = (parseTs(el.dataset.expires) - hubNow()) / 1000;
    if (sec < 30) el.dataset.soon = "1";
    else delete el.dataset.soon;
  }
}

// ── awaiting acknowledgement (arcdeno:receipts) ──────────────────────

// Direct messages and ack_required messages nobody acknowledged yet, oldest
// first; overdue ones (older than their ack_within_sec) are marked. The
// hub-wide list carries no body for direct messages.
async function refreshUnacked() {
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
    list.replaceChildren(
      h("li", { class: "panel-empty", text: "Nothing awaits an ack." }),
    );
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

// ── approvals ────────────────────────────────────────────────────────

// Requests agents make of the operator (arcdeno:approvals), oldest first,
// each with allow/deny and how long it has waited. A request not seen before
// raises a browser notification and a sound when the operator asked for them.
const APPROVAL_SOUND_KEY = "arc.approvals.sound";
const seenApprovals = new Set();
let approvalsPrimed = false;

async function refreshApprovals() {
  if (!state.hubInfo?.features?.includes("arcdeno:approvals")) return;
  const rows = await api(
    "GET",
    query("/v1/arcdeno/approvals", { status: "pending", limit: 200 }),
  );
  state.approvals = rows.slice().reverse();
  announceApprovals(state.approvals);
  renderApprovals();
}

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
    list.replaceChildren(
      h("li", { class: "panel-empty", text: "No agent waits for you." }),
    );
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

function updateApprovalTimes() {
  for (const row of document.querySelectorAll('[data-testid="approval-row"]')) {
    const age = row.querySelector('[data-testid="approval-age"]');
    const sec = (hubNow() - parseTs(row.dataset.created)) / 1000;
    if (age) age.textContent = `waiting ${duration(sec)}`;
  }
}

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
    toast(`Could not decide: ${error.message}`, "error");
  }
  state.approvals = (state.approvals ?? []).filter((x) => x.id !== a.id);
  renderApprovals();
  schedule("approvals");
}

function wireApprovals() {
  const sound = $("approval-sound");
  sound.checked = readStored(() => localStorage, APPROVAL_SOUND_KEY) === "1";
  sound.addEventListener("change", () => {
    store(() => localStorage, APPROVAL_SOUND_KEY, sound.checked ? "1" : "0");
    if (sound.checked) beep();
  });
  const notify = $("approval-notify");
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

// ── tasks ────────────────────────────────────────────────────────────

async function refreshTasks() {
  state.tasks = await api("GET", "/v1/tasks");
  state.queue = await api("GET", "/v1/arcdeno/queue").catch(() => null);
  renderQueue();
  renderTasks();
  fetchTaskTitles();
}

/** The work queue line (`arcdeno:work_queue`): ready tasks and who holds what. */
function renderQueue() {
  const q = state.queue;
  const line = $("queue-status");
  if (!q) {
    line.hidden = true;
    return;
  }
  line.hidden = false;
  const held = q.holders.length
    ? q.holders.map((x) => `#${x.task_id} ${x.agent_id}`).join(", ")
    : "nothing";
  line.replaceChildren(
    h("span", {
      testid: "queue-depth",
      text: `queue: ${q.depth} ready`,
    }),
    h("span", { text: " · held: " }),
    h("span", { testid: "queue-holders", text: held }),
  );
}

function taskTitle(task) {
  const m = state.msgById.get(task.task_id);
  if (m) {
    return typeof m.body === "string" && m.body
      ? m.body.split("\n")[0]
      : `(${m.kind})`;
  }
  const t = state.taskTitles.get(task.task_id);
  return t ?? "";
}

let titlesBusy = false;
/** Looks up the bodies of the task messages the panel has no text for. */
async function fetchTaskTitles() {
  if (titlesBusy) return;
  titlesBusy = true;
  try {
    const missing = state.tasks.filter((t) =>
      !state.msgById.has(t.task_id) && !state.taskTitles.has(t.task_id)
    ).slice(-60);
    let found = false;
    for (const t of missing) {
      let title = "";
      if (t.channel && state.channels.includes(t.channel)) {
        try {
          const rows = await api(
            "GET",
            query("/v1/messages", {
              channel: t.channel,
              since_id: t.task_id - 1,
              limit: 1,
            }),
          );
          const m = rows[0];
          if (m && m.id === t.task_id) {
            remember([m]);
            found = true;
            continue;
          }
        } catch { /* keep it untitled */ }
      }
      try {
        const rows = await api(
          "GET",
          query(`/v1/inbox/${enc(OPERATOR)}`, {
            since_id: t.task_id - 1,
            limit: 1,
          }),
        );
        const m = rows[0];
        if (m && m.id === t.task_id) {
          remember([m]);
          found = true;
          continue;
        }
      } catch { /* keep it untitled */ }
      title = t.thread_id != null
        ? `(direct task in ${t.thread_id})`
        : "(direct task)";
      state.taskTitles.set(t.task_id, title);
      found = true;
    }
    if (found) renderTasks(true);
  } finally {
    titlesBusy = false;
  }
}

function holderOf(task) {
  if (task.status !== "open") return null;
  return state.queue?.holders.find((x) => x.task_id === task.task_id)
    ?.agent_id ?? null;
}

function renderTasks(force = false) {
  const tasks = state.tasks;
  const openOnly = $("tasks-open-only").checked;
  const queue = state.queue;
  if (!changed("tasks", { tasks, openOnly, queue }) && !force) return;
  if (force) {
    state.signatures.set("tasks", JSON.stringify({ tasks, openOnly, queue }));
  }
  const byId = new Map(tasks.map((t) => [t.task_id, t]));
  const children = new Map();
  const roots = [];
  for (const t of tasks) {
    if (t.parent_task_id != null && byId.has(t.parent_task_id)) {
      const list = children.get(t.parent_task_id) ?? [];
      list.push(t);
      children.set(t.parent_task_id, list);
    } else roots.push(t);
  }
  const open = tasks.filter((t) => t.status === "open").length;
  $("task-count").textContent = tasks.length
    ? `${open} open / ${tasks.length}`
    : "";
  const hasOpen = (t) =>
    t.status === "open" ||
    (children.get(t.task_id) ?? []).some((c) => hasOpen(c));
  let budget = 400;
  const renderNode = (t) => {
    if (budget-- <= 0) return null;
    const kids = (children.get(t.task_id) ?? []).filter((c) =>
      !openOnly || hasOpen(c)
    );
    const all = children.get(t.task_id) ?? [];
    const done = all.filter((c) => c.status === "done").length;
    const title = taskTitle(t);
    const row = h(
      "button",
      {
        type: "button",
        class: "task",
        data: { status: t.status },
        title: `task #${t.task_id} in #${t.channel}${
          t.thread_id != null ? `, thread ${t.thread_id}` : ""
        }`,
        on: {
          click: () =>
            t.thread_id != null
              ? openView("thread", String(t.thread_id))
              : state.channels.includes(t.channel)
              ? openView("channel", t.channel).then(() => jumpTo(t.task_id))
              : null,
        },
      },
      h("span", { class: "state", text: t.status === "done" ? "✓" : "○" }),
      h("span", {
        class: "title",
        title: title || undefined,
        text: title || `task #${t.task_id}`,
      }),
      h("span", { class: "tid", text: `#${t.task_id}` }),
      holderOf(t)
        ? h("span", {
          class: "tid",
          testid: "task-holder",
          text: `@${holderOf(t)}`,
        })
        : null,
      all.length
        ? h(
          "span",
          { class: "rollup", testid: "task-rollup" },
          h("span", { text: `${done}/${all.length} subtasks done` }),
          (() => {
            const bar = h("span", { class: "bar" }, h("span"));
            bar.firstChild.style.setProperty(
              "--done",
              `${Math.round(done / all.length * 100)}%`,
            );
            return bar;
          })(),
        )
        : null,
    );
    return h(
      "li",
      { testid: "task-row", data: { taskId: t.task_id, status: t.status } },
      row,
      kids.length ? h("ul", null, kids.map(renderNode)) : null,
    );
  };
  const shownRoots = roots.filter((t) => !openOnly || hasOpen(t)).reverse();
  const list = $("task-tree");
  if (!shownRoots.length) {
    list.replaceChildren(
      h("li", {
        class: "panel-empty",
        text: openOnly ? "No open tasks." : "No tasks yet.",
      }),
    );
    return;
  }
  list.replaceChildren(...shownRoots.map(renderNode).filter(Boolean));
}

// ── threads ──────────────────────────────────────────────────────────

async function refreshThreads() {
  state.threads = await api("GET", "/v1/threads");
  renderThreads();
  if (state.view?.type === "thread") updateViewHeader();
}

function renderThreads() {
  const current = state.view?.type === "thread" ? state.view.name : null;
  const rows = state.threads.slice(0, 200);
  if (!changed("threads", { rows, current })) return;
  $("thread-count").textContent = state.threads.length
    ? String(state.threads.length)
    : "";
  const list = $("thread-list");
  if (!rows.length) {
    list.replaceChildren(
      h("li", { class: "panel-empty", text: "No threads yet." }),
    );
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
          h("span", {
            class: "badge",
            testid: "thread-status",
            data: { status: t.status },
            text: t.status,
          }),
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

// ── hub info, network, shutdown ──────────────────────────────────────

async function refreshInfo() {
  const info = await api("GET", "/v1/hub-info");
  state.hubInfo = info;
  state.allowRemote = info.allow_remote === true;
  state.listenHost = info.arcdeno?.listen_host ?? state.listenHost;
  if (Number.isFinite(info.arcdeno?.presence_ttl_sec)) {
    state.presenceTtl = info.arcdeno.presence_ttl_sec;
  }
  renderInfo();
}

function renderInfo() {
  const info = state.hubInfo;
  if (!info) return;
  $("hub-version").textContent = `${info.implementation ?? "hub"} ${
    info.implementation_version ?? ""
  } · protocol v${info.protocol_version ?? "?"}`;
  renderRemote();
  $("hub-footer").textContent = [
    `instance ${info.instance_id ?? state.instance ?? "?"}`,
    `storage ${info.storage_path ?? "?"}`,
    info.arcdeno?.backend ? `backend ${info.arcdeno.backend}` : null,
    `listening on ${state.listenHost || "?"}`,
    Array.isArray(info.features)
      ? `features: ${info.features.join(", ")}`
      : null,
  ].filter(Boolean).join("  ·  ");
  const select = $("kind-select");
  const kinds = Array.isArray(info.message_kinds) && info.message_kinds.length
    ? KINDS.filter((k) => info.message_kinds.includes(k))
      .concat(info.message_kinds.filter((k) => !KINDS.includes(k)))
    : KINDS;
  if (select.options.length !== kinds.length) {
    const value = select.value || "chat";
    select.replaceChildren(
      ...kinds.map((k) => h("option", { value: k, text: k })),
    );
    select.value = kinds.includes(value) ? value : "chat";
  }
}

function renderRemote() {
  const button = $("remote-toggle");
  button.setAttribute("aria-checked", state.allowRemote ? "true" : "false");
  $("remote-label").textContent = `Remote access ${
    state.allowRemote ? "on" : "off"
  }`;
  button.title = `The hub listens on ${state.listenHost || "?"}. ${
    state.allowRemote
      ? "Peers on other machines are served."
      : "Only this machine is served."
  } Click to turn it ${state.allowRemote ? "off" : "on"}.`;
}

async function setNetwork(on) {
  let result;
  try {
    result = await api("POST", "/v1/network", { allow_remote: on });
  } catch (error) {
    throw new ApiError(
      error.status,
      `Could not turn remote access ${on ? "on" : "off"}: ${error.message}`,
    );
  }
  state.allowRemote = result.allow_remote === true;
  state.listenHost = result.listen_host ?? state.listenHost;
  renderRemote();
  toast(`Remote access is ${state.allowRemote ? "on" : "off"}.`, "ok");
}

async function refreshShutdown() {
  const status = await api("GET", "/v1/shutdown");
  if (status && typeof status.remaining_sec === "number") {
    const deadline = hubNow() + status.remaining_sec * 1000;
    // Keep the smoother local countdown unless it drifted by more than a second.
    if (
      !state.shutdown || Math.abs(state.shutdown.deadline - deadline) > 1500
    ) {
      state.shutdown = { deadline, delay: status.delay_sec };
    }
  } else if (!state.shuttingDown) {
    state.shutdown = null;
  }
  renderShutdown();
}

function renderShutdown() {
  const banner = $("shutdown-banner");
  const s = state.shutdown;
  banner.hidden = !s;
  if (!s) return;
  const left = (s.deadline - hubNow()) / 1000;
  if (left <= 0 || state.shuttingDown) {
    $("shutdown-text").textContent = "The hub is shutting down now.";
    $("shutdown-countdown").textContent = "";
    $("shutdown-cancel").hidden = true;
  } else {
    $("shutdown-text").textContent = "Hub shutdown armed: stopping in";
    $("shutdown-countdown").textContent = countdown(Math.ceil(left));
    $("shutdown-cancel").hidden = false;
  }
}

async function armShutdown(sec) {
  const result = await api("POST", "/v1/shutdown", { delay_sec: sec });
  if (sec === 0) {
    state.shuttingDown = true;
    state.shutdown = { deadline: hubNow(), delay: 0 };
  } else {
    state.shutdown = {
      deadline: hubNow() + (result.remaining_sec ?? sec) * 1000,
      delay: sec,
    };
  }
  renderShutdown();
  toast(
    sec === 0
      ? "The hub is shutting down now."
      : `Hub shutdown armed: ${duration(sec)}.`,
    "ok",
  );
}

async function cancelShutdown() {
  await api("POST", "/v1/shutdown/cancel", {});
  state.shutdown = null;
  renderShutdown();
  toast("Hub shutdown cancelled.", "ok");
}

// ── composing ────────────────────────────────────────────────────────

function setReply(m) {
  state.replyTo = m;
  updateComposer();
  $("composer-input").focus();
}

function target() {
  const view = state.view;
  const reply = state.replyTo;
  if (reply && reply.to_agent != null) {
    const other = reply.from_agent === OPERATOR
      ? reply.to_agent
      : reply.from_agent;
    return { to_agent: other, label: `DM to ${other}` };
  }
  if (!view) return null;
  switch (view.type) {
    case "channel":
      return { channel: view.name, label: `#${view.name}` };
    case "thread": {
      const t = state.threads.find((x) => x.thread_id === view.name) ??
        view.detail?.thread;
      const channel = reply?.channel && reply.to_agent == null
        ? reply.channel
        : t?.channel ?? "general";
      return {
        channel,
        thread_id: view.name,
        label: `thread ${view.name} in #${channel}`,
      };
    }
    case "dm":
      return { to_agent: view.name, label: `DM to ${view.name}` };
  }
  return null;
}

function updateComposer() {
  const t = target();
  const reply = state.replyTo;
  $("composer-target").textContent = t
    ? `Posting to ${t.label}`
    : "Reply to a message, pick an agent, or use /dm <agent> <message>";
  $("reply-chip").hidden = !reply;
  if (reply) {
    const body = typeof reply.body === "string"
      ? reply.body.split("\n")[0]
      : "";
    $("reply-text").textContent = `↪ #${reply.id} ${reply.from_agent}: ${
      body.slice(0, 60)
    }`;
  }
  $("composer-input").placeholder = t
    ? `Message ${t.label} — Enter sends, Shift+Enter adds a line, /help lists commands`
    : "/dm <agent> <message>, or /help";
}

async function post(text) {
  const t = target();
  if (!t) {
    throw new ApiError(
      400,
      "nothing to post to here: reply to a message or use /dm <agent> <message>",
    );
  }
  const reply = state.replyTo;
  const body = {
    from_agent: OPERATOR,
    kind: $("kind-select").value || "chat",
    body: text,
  };
  if (t.to_agent != null) body.to_agent = t.to_agent;
  if (t.channel != null) body.channel = t.channel;
  if (t.thread_id != null) body.thread_id = t.thread_id;
  if (reply) {
    body.reply_to = reply.id;
    if (body.thread_id == null && reply.thread_id != null) {
      body.thread_id = reply.thread_id;
    }
  }
  const m = await api("POST", "/v1/messages", body);
  ingest([m], false);
  state.replyTo = null;
  updateComposer();
  return m;
}

async function sendDm(agent, text) {
  const m = await api("POST", "/v1/messages", {
    from_agent: OPERATOR,
    to_agent: agent,
    kind: "chat",
    body: text,
  });
  ingest([m], false);
  return m;
}

const HELP = [
  "Commands:",
  "  /channels                 list channels",
  "  /channel <name>           switch to a channel",
  "  /create-channel <name>    create a channel and switch to it",
  "  /dm <agent> <message>     send a direct message",
  "  /inbox                    open the operator inbox",
  "  /thread <id>              open a thread",
  "  /nick <name>              change your display name",
  "  /network on|off           allow or refuse peers on other machines",
  "  /quit [seconds]           arm a hub shutdown (default 60 s)",
  "  /cancel                   cancel a pending shutdown",
  "  //text                    post text that starts with a slash",
].join("\n");

function channelArg(arg) {
  return arg.trim().replace(/^#/, "");
}

async function runCommand(line) {
  const match = line.match(/^\/(\S+)\s*([\s\S]*)$/);
  const name = match ? match[1].toLowerCase() : "";
  const rest = match ? match[2].trim() : "";
  switch (name) {
    case "help":
    case "?":
      note(HELP);
      return;
    case "channels": {
      await refreshChannels();
      note(`Channels: ${state.channels.map((c) => `#${c}`).join("  ")}`);
      return;
    }
    case "channel":
    case "join": {
      const channel = channelArg(rest);
      if (!channel) throw new ApiError(400, "usage: /channel <name>");
      if (!state.channels.includes(channel)) await refreshChannels();
      if (!state.channels.includes(channel)) {
        throw new ApiError(
          404,
          `no channel named ${channel} (create it with /create-channel ${channel})`,
        );
      }
      await openView("channel", channel);
      return;
    }
    case "create-channel": {
      const channel = channelArg(rest);
      if (!channel) throw new ApiError(400, "usage: /create-channel <name>");
      await createChannel(channel);
      return;
    }
    case "dm":
    case "msg": {
      const m = rest.match(/^(\S+)\s+([\s\S]+)$/);
      if (!m) throw new ApiError(400, "usage: /dm <agent> <message>");
      const agent = m[1].replace(/^@/, "");
      await sendDm(agent, m[2]);
      toast(
        `DM sent to ${agent}${
          state.agents.has(agent) ? "" : " (not live right now)"
        }.`,
        "ok",
      );
      return;
    }
    case "inbox":
      await openView("inbox", "");
      return;
    case "thread": {
      if (!rest) throw new ApiError(400, "usage: /thread <id>");
      await openView("thread", rest);
      return;
    }
    case "nick":
    case "name":
      if (!rest) throw new ApiError(400, "usage: /nick <name>");
      await rename(rest);
      return;
    case "network": {
      const arg = rest.toLowerCase();
      if (arg !== "on" && arg !== "off") {
        throw new ApiError(400, "usage: /network on|off");
      }
      await setNetwork(arg === "on");
      return;
    }
    case "quit":
    case "shutdown": {
      const sec = rest === "" ? 60 : Number(rest);
      if (!Number.isInteger(sec) || sec < 0 || sec > 3600) {
        throw new ApiError(
          400,
          "usage: /quit [seconds], with 0 to 3600 seconds",
        );
      }
      await armShutdown(sec);
      return;
    }
    case "cancel":
      await cancelShutdown();
      return;
    default:
      throw new ApiError(
        400,
        `unknown command /${name}; /help lists the commands`,
      );
  }
}

async function createChannel(name) {
  const channel = await api("POST", "/v1/channels", {
    name,
    created_by: OPERATOR,
  });
  await refreshChannels();
  await openView("channel", String(channel.name));
  toast(`Channel #${channel.name} is ready.`, "ok");
}

let sending = false;
async function submitComposer() {
  if (sending) return;
  const input = $("composer-input");
  const text = input.value;
  if (!text.trim()) return;
  sending = true;
  $("composer-send").disabled = true;
  try {
    if (text.startsWith("/") && !text.startsWith("//")) {
      await runCommand(text.trim());
    } else {
      await post(text.startsWith("//") ? text.slice(1) : text);
    }
    input.value = "";
  } catch (error) {
    toast(error.message, "error");
  } finally {
    sending = false;
    $("composer-send").disabled = false;
    input.focus();
  }
}

// ── wiring ───────────────────────────────────────────────────────────

function wire() {
  wireSearch();
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    submitComposer();
  });
  $("composer-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitComposer();
    } else if (event.key === "Escape" && state.replyTo) {
      state.replyTo = null;
      updateComposer();
    }
  });
  $("reply-clear").addEventListener("click", () => {
    state.replyTo = null;
    updateComposer();
  });
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
  $("nav-inbox").addEventListener("click", () => openView("inbox", ""));
  wireApprovals();
  $("channel-add").addEventListener("click", async () => {
    const name = await ask({
      title: "Create a channel",
      text:
        "Agents post to it by name; creating one that exists just opens it.",
      ok: "Create",
    });
    if (name === null || !channelArg(name)) return;
    try {
      await createChannel(channelArg(name));
    } catch (error) {
      toast(`Could not create the channel: ${error.message}`, "error");
    }
  });
  $("me").addEventListener("click", async () => {
    const name = await ask({
      title: "Your display name",
      text: `Agents see it next to your agent id, ${OPERATOR}.`,
      value: state.displayName,
      ok: "Rename",
    });
    if (name === null) return;
    try {
      await rename(name);
    } catch (error) {
      toast(`Could not rename: ${error.message}`, "error");
    }
  });
  $("remote-toggle").addEventListener("click", () => {
    setNetwork(!state.allowRemote).catch((error) =>
      toast(error.message, "error")
    );
  });
  $("shutdown-open").addEventListener("click", async () => {
    const value = await ask({
      title: "Shut down the hub",
      text:
        "Every agent sees a notice and the hub stops when the time runs out. You can cancel until then. 0 stops it at once.",
      value: "60",
      type: "number",
      ok: "Arm shutdown",
      danger: true,
    });
    if (value === null) return;
    const sec = Number(value);
    if (!Number.isInteger(sec) || sec < 0 || sec > 3600) {
      toast(
        "The delay must be a whole number of seconds from 0 to 3600.",
        "error",
      );
      return;
    }
    try {
      await armShutdown(sec);
    } catch (error) {
      toast(`Could not arm the shutdown: ${error.message}`, "error");
    }
  });
  $("shutdown-cancel").addEventListener("click", async () => {
    try {
      await cancelShutdown();
    } catch (error) {
      toast(`Could not cancel the shutdown: ${error.message}`, "error");
      schedule("shutdown");
    }
  });
  $("dialog-form").addEventListener("submit", (event) => {
    event.preventDefault();
    closeDialog($("dialog-input").value);
  });
  $("dialog-cancel").addEventListener("click", () => closeDialog(null));
  $("dialog").addEventListener("cancel", () => closeDialog(null));
  $("dialog").addEventListener("close", () => closeDialog(null));
  $("tasks-open-only").addEventListener("change", () => renderTasks());
  $("nav-toggle").addEventListener("click", () => {
    document.body.classList.remove("show-panels");
    document.body.classList.toggle("show-nav");
  });
  $("panels-toggle").addEventListener("click", () => {
    document.body.classList.remove("show-nav");
    document.body.classList.toggle("show-panels");
  });
  addEventListener("popstate", () => {
    const wanted = parseHash();
    if (wanted) openView(wanted.type, wanted.name, { updateHash: false });
  });
  document.addEventListener(
    "visibilitychange",
    () => !document.hidden && poll(),
  );
}

function everySecond() {
  renderShutdown();
  updateApprovalTimes();
  updateLeaseTimes();
  updateSeen();
}

async function start() {
  wire();
  renderInfo();
  updateComposer();
  setConn("connecting", "connecting…");
  for (let delay = 500;; delay = Math.min(delay * 2, 5000)) {
    try {
      await refreshInfo();
      await register();
      const boot = await api(
        "GET",
        query("/v1/bootstrap", { agent_id: OPERATOR }),
      );
      state.cursor = Number(boot.latest_visible_id) || 0;
      await refreshChannels();
      break;
    } catch (error) {
      setConn("offline", `hub unreachable: ${error.message}`);
      await sleep(delay);
    }
  }
  runStream();
  schedule("agents", "claims", "locks", "tasks", "threads", "shutdown");
  schedule("unacked", "approvals");
  await runRefresher("agents");
  const wanted = parseHash();
  const first = wanted ??
    { type: "channel", name: state.hubInfo?.default_channel ?? "general" };
  await openView(first.type, first.name, { updateHash: false });
  document.documentElement.dataset.ready = "1";
  setInterval(poll, POLL_MS);
  setInterval(everySecond, 1000);
}

start();
