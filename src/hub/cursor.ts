/**
 * One waiter's position in the message log. A long-poll or stream reads its
 * next page through it: from the notifier's memory when the notifier can
 * vouch for every message after the position, otherwise from the store.
 * A broadcast that wakes thousands of waiters then costs no query at all.
 *
 * @module
 */

import type { Message } from "../store/types.ts";
import type { MessageMatch, Notifier, Subscription } from "./notifier.ts";

/** What a {@linkcode WaitCursor} reads with. */
export interface WaitCursorOptions {
  notifier: Notifier;
  /** The waiter's subscription, made before the first read. */
  sub: Subscription;
  /** Exactly the store query's filter, applied to messages in memory. */
  match: MessageMatch;
  /** Page size. */
  limit: number;
  /** Runs the store query for messages after an id. */
  query: (afterId: number) => Promise<Message[]>;
  /** False to always query (e.g. a tail read, whose page is the newest rows). @default true */
  memory?: boolean;
}

/**
 * Tracks the highest id up to which the waiter has seen everything visible
 * to it. Only ever advanced past ids that the store or the notifier proved
 * complete, so no message is skipped.
 */
export class WaitCursor {
  #o: WaitCursorOptions;
  #known: number;
  #queried = false;

  constructor(sinceId: number, options: WaitCursorOptions) {
    this.#known = sinceId;
    this.#o = options;
  }

  /** The id the next page starts after. */
  get position(): number {
    return this.#known;
  }

  /** Reads the next page (possibly empty) and moves past it. */
  async read(): Promise<Message[]> {
    const o = this.#o;
    const stale = o.sub.takeStale();
    if (this.#queried && !stale && o.memory !== false) {
      const rows = o.notifier.since(this.#known, o.match, o.limit);
      if (rows) {
        this.#advance(rows, o.notifier.lastId);
        return rows;
      }
    }
    // Everything up to `through` was committed before the query starts, so
    // an incomplete page proves there is nothing more up to it.
    const through = o.notifier.lastId;
    const rows = await o.query(this.#known);
    this.#queried = true;
    this.#advance(rows, through);
    return rows;
  }

  #advance(rows: Message[], through: number): void {
    const last = rows.at(-1)?.id ?? 0;
    this.#known = rows.length >= this.#o.limit
      ? Math.max(this.#known, last)
      : Math.max(this.#known, last, through);
  }
}
