// @ts-check
/// <reference lib="dom" />

/**
 * The composer: where a post goes, replies, and the slash commands.
 *
 * @module
 */

import { api, ApiError } from "./api.js";
import { $, errorText } from "./dom.js";
import { OPERATOR, state } from "./state.js";
import { ingest, rename } from "./stream.js";
import { toast } from "./ui.js";
import { note, openView } from "./views/feed.js";
import { armShutdown, cancelShutdown, setNetwork } from "./views/hub.js";
import { refreshChannels } from "./views/nav.js";

/** @import { Message } from "./types.d.ts" */

/**
 * Where the composer posts: a channel (maybe in a thread) or an agent.
 *
 * @typedef {{ label: string, to_agent?: string, channel?: string, thread_id?: string }} Target
 */

/**
 * Makes the next post a reply to `m`.
 *
 * @param {Message} m
 */
export function setReply(m) {
  state.replyTo = m;
  updateComposer();
  $("composer-input").focus();
}

/**
 * Where a post goes now: the reply's conversation, else the open view.
 *
 * @returns {Target | null}
 */
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

/** Shows where the composer posts and what it replies to. */
export function updateComposer() {
  const t = target();
  const reply = state.replyTo;
  $("composer-target").textContent = t
    ? `Posting to ${t.label}`
    : "Reply to a message, pick an agent, or use /dm <agent> <message>";
  $("reply-chip").hidden = !reply;
  if (reply) {
    const body = typeof reply.body === "string"
      ? reply.body.split("\n")[0] ?? ""
      : "";
    $("reply-text").textContent = `↪ #${reply.id} ${reply.from_agent}: ${
      body.slice(0, 60)
    }`;
  }
  $("composer-input", HTMLTextAreaElement).placeholder = t
    ? `Message ${t.label} — Enter sends, Shift+Enter adds a line, /help lists commands`
    : "/dm <agent> <message>, or /help";
}

/**
 * Posts the composer's text where {@linkcode target} says.
 *
 * @param {string} text
 * @returns {Promise<Message>}
 */
async function post(text) {
  const t = target();
  if (!t) {
    throw new ApiError(
      400,
      "nothing to post to here: reply to a message or use /dm <agent> <message>",
    );
  }
  const reply = state.replyTo;
  /** @type {Record<string, unknown>} */
  const body = {
    from_agent: OPERATOR,
    kind: $("kind-select", HTMLSelectElement).value || "chat",
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
  /** @type {Message} */
  const m = await api("POST", "/v1/messages", body);
  ingest([m], false);
  state.replyTo = null;
  updateComposer();
  return m;
}

/**
 * @param {string} agent
 * @param {string} text
 * @returns {Promise<Message>}
 */
async function sendDm(agent, text) {
  /** @type {Message} */
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

/**
 * A channel name as typed, without a leading `#`.
 *
 * @param {string} arg
 */
export function channelArg(arg) {
  return arg.trim().replace(/^#/, "");
}

/**
 * Runs one slash command; throws ApiError with a usage line when it is wrong.
 *
 * @param {string} line
 */
async function runCommand(line) {
  const match = line.match(/^\/(\S+)\s*([\s\S]*)$/);
  const name = match?.[1]?.toLowerCase() ?? "";
  const rest = match?.[2]?.trim() ?? "";
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
      if (!m?.[1] || !m[2]) {
        throw new ApiError(400, "usage: /dm <agent> <message>");
      }
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

/**
 * Creates a channel (or finds the one of that name) and opens it.
 *
 * @param {string} name
 */
export async function createChannel(name) {
  /** @type {{ name: string }} */
  const channel = await api("POST", "/v1/channels", {
    name,
    created_by: OPERATOR,
  });
  await refreshChannels();
  await openView("channel", String(channel.name));
  toast(`Channel #${channel.name} is ready.`, "ok");
}

let sending = false;

/** Sends what the composer holds: a slash command or a post. */
export async function submitComposer() {
  if (sending) return;
  const input = $("composer-input", HTMLTextAreaElement);
  const send = $("composer-send", HTMLButtonElement);
  const text = input.value;
  if (!text.trim()) return;
  sending = true;
  send.disabled = true;
  try {
    if (text.startsWith("/") && !text.startsWith("//")) {
      await runCommand(text.trim());
    } else {
      await post(text.startsWith("//") ? text.slice(1) : text);
    }
    // Keep what the operator typed meanwhile.
    if (input.value === text) input.value = "";
  } catch (error) {
    toast(errorText(error), "error");
  } finally {
    sending = false;
    send.disabled = false;
    input.focus();
  }
}
