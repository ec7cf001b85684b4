/**
 * Presence touches from read paths, coalesced: a long-poll or stream marks its
 * agent as seen, and all agents marked during one turn of the event loop are
 * written in a single transaction. A broadcast that wakes a thousand
 * long-polls then costs one write instead of a thousand, and the write runs
 * after the woken requests have been answered.
 *
 * @module
 */

import { StorageUnavailableError } from "../errors.ts";
import type { Store } from "../store/types.ts";

/** Collects agent ids to touch and writes them together. */
export class TouchBatch {
  #store: Store;
  #log: (line: string) => void;
  #pending = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> | undefined;

  constructor(store: Store, log: (line: string) => void) {
    this.#store = store;
    this.#log = log;
  }

  /** Queues a touch; it is written at the end of the current event-loop turn. */
  add(agentId: string): void {
    this.#pending.add(agentId);
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch((e) => this.#log(`presence touch failed: ${e}`));
    }, 0);
  }

  /**
   * Writes every queued touch now. Call it before reading sessions, so a
   * reader sees the touches of requests already answered. A store that
   * cannot take writes right now is skipped quietly, as read paths must not
   * fail because of presence upkeep.
   */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    await this.#flushing;
    if (this.#pending.size === 0) return;
    const ids = [...this.#pending];
    this.#pending.clear();
    const write = this.#store.sessions.touch(ids).catch((error) => {
      if (!(error instanceof StorageUnavailableError)) throw error;
    });
    this.#flushing = write.finally(() => {
      this.#flushing = undefined;
    }).catch(() => {});
    await write;
  }
}
