// @ts-check
/// <reference lib="dom" />

/**
 * The operator's session and the live event stream, and what the page does
 * with each message that arrives (caches, unread counts, panels to refresh).
 *
 * @module
 */

import {
  api,
  ApiError,
  askToken,
  credentials,
  keepSecret,
  noteResponse,
  query,
} from "./api.js";
import { $, enc, sleep } from "./dom.js";
import { schedule } from "./refresh.js";
import {
  addToView,
  hubNow,
  matches,
  OPERATOR,
  remember,
  state,
  STREAM_IDLE_MS,
  viewKey,
  viewOf,
} from "./state.js";
import { setConn, setOnline, toast } from "./ui.js";
import { renderAgents } from "./views/agents.js";
import { markOlderRows, queueAppend } from "./views/feed.js";
import { renderShutdown } from "./views/hub.js";
import { renderMessage } from "./views/message.js";
import { renderNav } from "./views/nav.js";

/** @import { AgentSession, Message, View } from "./types.d.ts" */

/**
 * Registers the operator's session (again), keeping its display name and
 * the secret a hub with strict identity hands out.
 */
export async function register() {
  let name = state.displayName;
  try {
    /** @type {AgentSession[]} */
    const agents = await api("GET", "/v1/agents");
    const mine = agents.find((a) => a.agent_id === OPERATOR);
    if (mine && typeof mine.display_name === "string") name = mine.display_name;
  } catch { /* the post below reports the problem */ }
  /** @type {AgentSession} */
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

/** @param {string} name */
export function setDisplayName(name) {
  state.displayName = name;
  const me = $("me");
  me.textContent = name === OPERATOR ? OPERATOR : `${name} (${OPERATOR})`;
}

/**
 * Renames the operator; registers again when its session is gone.
 *
 * @param {string} name
 */
export async function rename(name) {
  name = name.trim();
  if (!name) throw new ApiError(400, "a display name cannot be empty");
  /** @type {{ display_name: string }} */
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

/**
 * Follows the hub's event stream for as long as the page is open,
 * reconnecting (and registering again) with a growing pause when it drops or
 * falls silent.
 */
export async function runStream() {
  let backoff = 500;
  let first = true;
  for (;;) {
    const controller = new AbortController();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let idle;
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
        /** @type {Message[]} */
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

/**
 * Takes messages from the stream (or from the operator's own posts).
 *
 * @param {Message[]} msgs
 * @param {boolean} fromStream
 */
export function ingest(msgs, fromStream) {
  remember(msgs);
  const current = state.view;
  /** @type {Message[]} */
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
      frag.append(renderMessage(/** @type {Message} */ (current.messages[i])));
    }
    list.replaceChildren(frag);
    markOlderRows(list);
    feed.scrollTop = feed.scrollHeight - fromBottom;
  }
  if (appendCurrent.length) queueAppend(appendCurrent);
  renderNav();
}

/**
 * Unread counts for views other than the current one.
 *
 * @param {Message} m
 * @param {View | null} current
 */
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

/**
 * Panels that a message may have changed.
 *
 * @param {Message} m
 */
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
