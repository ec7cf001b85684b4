/**
 * Wakes waiting long-polls and streams. A waiter subscribes with a predicate
 * before it reads the store, so a message committed between its read and its
 * wait is never missed: the subscription latches the wake-up until the next
 * `wait()`.
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
  #wake: (() => void) | undefined;

  constructor(notifier: Notifier, match: MessageMatch) {
    this.#notifier = notifier;
    this.#match = match;
  }

  /** Called by the notifier for each committed message. */
  offer(message: Message): void {
    if (this.#match(message)) this.poke();
  }

  /** Marks the subscription woken, whatever the message. */
  poke(): void {
    this.#pending = true;
    this.#wake?.();
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

/** The registry of waiters. */
export class Notifier {
  #subs = new Set<Subscription>();
  #closed = false;

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
    for (const message of messages) {
      for (const sub of this.#subs) sub.offer(message);
    }
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
