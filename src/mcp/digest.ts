/**
 * The digest: a short summary of new direct messages and mentions for the
 * agent, appended to every tool result, for MCP hosts that never poll. A
 * mention is `@<agent id>` in a message body (not followed by another name
 * character). Each message is reported once; messages a read tool already
 * returned are not reported.
 *
 * @module
 */

import type { Message } from "../client/types.ts";
import type { EventFeed } from "./feed.ts";

/** Most messages listed in one digest; the rest are counted. */
const MAX_LISTED = 10;
/** Longest excerpt of a body. */
const MAX_EXCERPT = 160;
/** How many reported ids are remembered. */
const MAX_REMEMBERED = 5_000;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether `message` mentions `agentId` as `@agentId`. */
export function mentions(message: Message, agentId: string): boolean {
  return new RegExp(`(^|[^\\w@])@${escape(agentId)}(?![\\w.-]*[\\w-])`, "i")
    .test(message.body);
}

/** Whether `message` is addressed to `agentId`: a direct message to it or a mention, not its own. */
export function isForAgent(message: Message, agentId: string): boolean {
  if (message.from_agent === agentId) return false;
  return message.to_agent === agentId || mentions(message, agentId);
}

function excerpt(body: string): string {
  const line = body.replace(/\s+/g, " ").trim();
  return line.length > MAX_EXCERPT ? `${line.slice(0, MAX_EXCERPT)}…` : line;
}

/** One line per message, then a count of the rest. */
export function describeMessages(
  messages: readonly Message[],
  agentId: string,
): string[] {
  const lines = messages.slice(0, MAX_LISTED).map((m) => {
    const how = m.to_agent === agentId
      ? `DM from ${m.from_agent}`
      : `mention by ${m.from_agent} in #${m.channel}`;
    const kind = m.kind === "chat" ? "" : ` [${m.kind}]`;
    const thread = m.thread_id ? ` (thread ${m.thread_id})` : "";
    return `- #${m.id} ${how}${kind}${thread}: ${excerpt(m.body)}`;
  });
  if (messages.length > MAX_LISTED) {
    lines.push(`- and ${messages.length - MAX_LISTED} more`);
  }
  return lines;
}

/**
 * Ids of the messages for `agentId` that a tool result shows the model: the
 * rows of a `messages` list in its structured content (poll, wait, inbox,
 * thread reads), plus `extra` (what the digest reported).
 */
export function shownMessageIds(
  data: unknown,
  agentId: string,
  extra: readonly number[] = [],
): number[] {
  const ids = new Set(extra);
  const list = typeof data === "object" && data !== null
    ? (data as { messages?: unknown }).messages
    : undefined;
  if (Array.isArray(list)) {
    for (const m of list) {
      if (
        typeof m === "object" && m !== null && typeof m.id === "number" &&
        typeof m.from_agent === "string" && typeof m.body === "string" &&
        isForAgent(m as Message, agentId)
      ) ids.add(m.id);
    }
  }
  return [...ids];
}

/** Tracks what was reported and builds the next digest from the feed's unread messages. */
export class Digest {
  #feed: EventFeed;
  #agentId: string;
  #reported = new Set<number>();
  #last: number[] = [];

  constructor(feed: EventFeed, agentId: string) {
    this.#feed = feed;
    this.#agentId = agentId;
  }

  /** The ids the last {@linkcode Digest.next} reported (empty when it reported nothing). */
  get lastReported(): readonly number[] {
    return this.#last;
  }

  /** Fetches new messages into the feed and returns the digest text, or undefined when nothing new is for this agent. */
  async next(signal?: AbortSignal): Promise<string | undefined> {
    this.#last = [];
    await this.#feed.refresh(signal);
    const fresh = this.#feed.unread.filter((m) =>
      !this.#reported.has(m.id) && isForAgent(m, this.#agentId)
    );
    if (!fresh.length) return undefined;
    this.#last = fresh.map((m) => m.id);
    for (const m of fresh) this.#reported.add(m.id);
    if (this.#reported.size > MAX_REMEMBERED) {
      const keep = [...this.#reported].slice(-MAX_REMEMBERED / 2);
      this.#reported = new Set(keep);
    }
    return [
      `[arc] ${fresh.length} new message${
        fresh.length > 1 ? "s" : ""
      } for ${this.#agentId} (direct or @mention):`,
      ...describeMessages(fresh, this.#agentId),
      "Read them in full with arc_poll_messages.",
    ].join("\n");
  }
}
