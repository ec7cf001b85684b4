/**
 * Wakes waiting long-polls and streams. A waiter subscribes with a predicate
 * before it reads the store, so a message committed between its read and its
 * wait is never missed: the subscription latches the wake-up until the next
 * `wait()`.
 *
 * The notifier also keeps the last few messages it published, as long as
 * their ids follow one another without a gap, so a woken waiter can take the
 * new messages from memory instead of querying the store
 * ({@linkcode Notifier.since}).
 *
 * @module
 */

import type { Message } from "../store/types.ts";

/** Decides whether a committed message may interest a waiter. */
export type MessageMatch = (message: Message) => boolean;

/** One waiter's registration; dispose it when done. */
export class Subscription implements Disposable {
  #notifier: Notifier;
  #match: MessageMatch;
  #pending = false;
  #stale = false;
  #wake: (() => void) | undefined;

  constructor(notifier: Notifier, match: MessageMatch) {
    this.#notifier = notifier;
    this.#match = match;
  }

  /** Called by the notifier for each committed message. */
  offer(message: Message): void {
    if (this.#match(message)) {
      this.#pending = true;
      this.#wake?.();
    }
  }

  /**
   * Marks the subscription woken, whatever the message, and tells the waiter
   * to read the store: something was written that the notifier did not see.
   */
  poke(): void {
    this.#stale = true;
    this.#pending = true;
    this.#wake?.();
  }

  /** True once after a {@linkcode poke}: the waiter must query the store. */
  takeStale(): boolean {
    const stale = this.#stale;
    this.#stale = false;
    return stale;
  }

  /**
   * Waits until a wake-up arrives (or one arrived since the last wait), the
   * time runs out, or the signal aborts.
   *
   * @returns true when woken by a wake-up
   */
  wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#pending || this.#notifier.closed) {
      this.#pending = false;
      return Promise.resolve(true);
    }
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (woken: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#wake = undefined;
        if (woken) this.#pending = false;
        resolve(woken);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), Math.max(0, ms));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#wake = () => finish(true);
    });
  }

  [Symbol.dispose](): void {
    this.#notifier.unsubscribe(this);
    this.#wake?.();
  }
}

/** How many published messages the notifier keeps for woken waiters. */
const RECENT_MESSAGES = 256;

/** The registry of waiters. */
export class Notifier {
  #subs = new Set<Subscription>();
  #closed = false;
  /** Recently published messages whose ids follow one another without a gap. */
  #recent: Message[] = [];
  #maxId = 0;

  /** True once the hub is shutting down: waits return at once. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Number of registered waiters. */
  get size(): number {
    return this.#subs.size;
  }

  /** Registers a waiter. */
  subscribe(match: MessageMatch): Subscription {
    const sub = new Subscription(this, match);
    this.#subs.add(sub);
    return sub;
  }

  /** Removes a waiter. */
  unsubscribe(sub: Subscription): void {
    this.#subs.delete(sub);
  }

  /** Tells every interested waiter about newly committed messages. */
  publish(messages: readonly Message[]): void {
    for (const message of messages) this.#remember(message);
    for (const message of messages) {
      for (const sub of this.#subs) sub.offer(message);
    }
  }

  /**
   * Extends the gap-free run of recent messages, or restarts it. A gap means
   * a message was committed that the notifier was not told about (another
   * process wrote, or an id was skipped); one below the highest id seen means
   * publications arrived out of order. Either way nothing before it can be
   * vouched for any more.
   */
  #remember(message: Message): void {
    const last = this.#recent.at(-1);
    if (last && message.id === last.id + 1) {
      this.#recent.push(message);
      if (this.#recent.length > RECENT_MESSAGES) this.#recent.shift();
    } else if (message.id > this.#maxId) {
      this.#recent = [message];
    } else {
      this.#recent = [];
    }
    this.#maxId = Math.max(this.#maxId, message.id);
  }

  /**
   * The id of the newest message of the gap-free run: every message with an
   * id up to it has been committed. 0 when there is no run.
   */
  get lastId(): number {
    return this.#recent.at(-1)?.id ?? 0;
  }

  /**
   * The messages after `afterId` that `match`, in id order and at most
   * `limit`, when the notifier holds every message after `afterId`;
   * undefined when it does not, and the caller must query the store.
   */
  since(
    afterId: number,
    match: MessageMatch,
    limit: number,
  ): Message[] | undefined {
    const first = this.#recent[0];
    if (!first || afterId < first.id - 1) return undefined;
    const out: Message[] = [];
    for (
      let i = Math.max(0, afterId - first.id + 1);
      i < this.#recent.length;
      i++
    ) {
      const message = this.#recent[i]!;
      if (!match(message)) continue;
      out.push(message);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Wakes every waiter to re-read the store (someone else wrote to it). */
  pulse(): void {
    for (const sub of this.#subs) sub.poke();
  }

  /** Wakes everyone for the last time; later waits return at once. */
  close(): void {
    this.#closed = true;
    this.pulse();
  }
}
