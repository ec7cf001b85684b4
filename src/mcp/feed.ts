/**
 * The message feed of one MCP server: a cursor into the agent's view of the
 * hub (`GET /v1/events`) plus a backlog of messages fetched but not handed to
 * the model yet. Filtered reads (a channel, a thread, some kinds) take what
 * matches and leave the rest in the backlog, so no filter ever skips a message
 * for a later unfiltered read, as a hub-side filter on a shared cursor would.
 *
 * @module
 */

import type { ArcClient } from "../client/client.ts";
import type { Message } from "../client/types.ts";
import { DEFAULTS } from "../protocol.ts";

/** Which messages a read takes from the feed. */
export interface FeedFilter {
  /** Only this channel. */
  channel?: string;
  /** Only this thread. */
  threadId?: string;
  /** Only these kinds. */
  kinds?: readonly string[];
  /** Only messages from this agent. */
  fromAgent?: string;
  /** Only answers to this message id. */
  replyTo?: number;
  /**
   * Drop the agent's own messages instead of returning them.
   *
   * @default {true}
   */
  excludeSelf?: boolean;
}

/** Options for {@linkcode EventFeed.take}. */
export interface TakeOptions {
  /** Seconds to wait when nothing matches; 0 answers at once. */
  timeoutSec: number;
  /**
   * Most messages to return; the rest stay in the backlog.
   *
   * @default {100}
   */
  limit?: number;
  /** Stops the wait. */
  signal?: AbortSignal;
}

/** What a read returns. */
export interface TakeResult {
  /** Matching messages, oldest first. */
  messages: Message[];
  /** Messages still in the backlog (matching or not). */
  pending: number;
}

/** Most messages kept in the backlog; older ones are dropped first. */
const MAX_BACKLOG = 2_000;
/** Most recent messages remembered by id, for replies. */
const MAX_RECENT = 1_000;
/** Largest page one fetch asks for. */
const FETCH_LIMIT = DEFAULTS.maxQueryLimit;

/**
 * A cursor and a backlog over one agent's events. Fetches may overlap (a long
 * wait and a quick poll at once): each appends only what is newer than the
 * cursor, so nothing is taken twice.
 */
export class EventFeed {
  #reader: ArcClient;
  #cursor = 0;
  #backlog: Message[] = [];
  #recent = new Map<number, Message>();
  #dropped = 0;

  /** `reader` is a client used only by this feed: its own cursor is set before every fetch. */
  constructor(reader: ArcClient) {
    this.#reader = reader;
  }

  /** The highest message id fetched so far. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Messages fetched but not yet taken. */
  get pending(): number {
    return this.#backlog.length;
  }

  /** The messages fetched but not yet taken, oldest first. */
  get unread(): readonly Message[] {
    return this.#backlog;
  }

  /** Messages dropped because the backlog was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Starts over at `cursor` (after bootstrap, or on another database): the backlog is cleared. */
  reset(cursor: number): void {
    this.#cursor = cursor;
    this.#backlog = [];
  }

  /** A message fetched recently, by id. */
  recent(id: number): Message | undefined {
    return this.#recent.get(id);
  }

  /**
   * Takes the messages matching `filter`: those in the backlog, else the first
   * to arrive within `timeoutSec`. The agent's own messages are dropped on the
   * way unless `excludeSelf` is false.
   */
  async take(filter: FeedFilter, options: TakeOptions): Promise<TakeResult> {
    const limit = options.limit ?? 100;
    const deadline = Date.now() + options.timeoutSec * 1000;
    // Fresh messages first, without waiting, so a backlog hit is current too.
    await this.#fetch(0, options.signal);
    let messages = this.#extract(filter, limit);
    while (messages.length === 0) {
      const waitMs = Math.min(
        deadline - Date.now(),
        DEFAULTS.maxTimeoutSec * 1000,
      );
      if (waitMs <= 0) break;
      await this.#fetch(waitMs / 1000, options.signal);
      messages = this.#extract(filter, limit);
    }
    return { messages, pending: this.#backlog.length };
  }

  /** Fetches without waiting (refreshing presence on the way) and keeps what came in the backlog. */
  async refresh(signal?: AbortSignal): Promise<void> {
    await this.#fetch(0, signal);
  }

  async #fetch(timeoutSec: number, signal?: AbortSignal): Promise<void> {
    this.#reader.sinceId = this.#cursor;
    const messages = await this.#reader.poll({
      timeoutSec,
      excludeSelf: false,
      limit: FETCH_LIMIT,
      ...(signal ? { signal } : {}),
    });
    for (const message of messages) {
      if (message.id <= this.#cursor) continue;
      this.#cursor = message.id;
      this.#remember(message);
      this.#backlog.push(message);
    }
    const excess = this.#backlog.length - MAX_BACKLOG;
    if (excess > 0) {
      this.#backlog.splice(0, excess);
      this.#dropped += excess;
    }
  }

  #extract(filter: FeedFilter, limit: number): Message[] {
    const self = this.#reader.agentId;
    const excludeSelf = filter.excludeSelf ?? true;
    const taken: Message[] = [];
    const kept: Message[] = [];
    for (const message of this.#backlog) {
      if (excludeSelf && message.from_agent === self) continue;
      if (taken.length < limit && matches(message, filter)) taken.push(message);
      else kept.push(message);
    }
    this.#backlog = kept;
    return taken;
  }

  #remember(message: Message): void {
    this.#recent.set(message.id, message);
    if (this.#recent.size > MAX_RECENT) {
      const oldest = this.#recent.keys().next();
      if (!oldest.done) this.#recent.delete(oldest.value);
    }
  }
}

function matches(message: Message, filter: FeedFilter): boolean {
  if (filter.channel !== undefined && message.channel !== filter.channel) {
    return false;
  }
  if (filter.threadId !== undefined && message.thread_id !== filter.threadId) {
    return false;
  }
  if (filter.kinds?.length && !filter.kinds.includes(message.kind)) {
    return false;
  }
  if (
    filter.fromAgent !== undefined && message.from_agent !== filter.fromAgent
  ) {
    return false;
  }
  if (filter.replyTo !== undefined && message.reply_to !== filter.replyTo) {
    return false;
  }
  return true;
}
