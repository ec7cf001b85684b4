/**
 * The per-agent post rate limit (vendor extension `arcdeno:rate_limit`): a
 * token bucket per `from_agent`, held in this hub process's memory. Each
 * hub process keeps its own buckets, so with several hubs on one database
 * an agent spreading posts over them gets the limit once per hub.
 *
 * @module
 */

import { RateLimitedError } from "../errors.ts";

/** Options for {@linkcode RateLimiter}. */
export interface RateLimitOptions {
  /** Sustained posts per second per agent; 0 turns the limit off. */
  perSec: number;
  /** Posts an agent may make at once before the rate applies. */
  burst: number;
  /** Time source in ms. @default Date.now (the app passes the hub's clock) */
  now?: () => number;
}

/** Buckets idle this long (ms) are full again and are forgotten. */
const FORGET_AFTER_MS = 60_000;

/** Token buckets per agent. */
export class RateLimiter {
  readonly perSec: number;
  readonly burst: number;
  #now: () => number;
  #buckets = new Map<string, { tokens: number; at: number }>();
  #lastSweep = 0;

  constructor(options: RateLimitOptions) {
    this.perSec = options.perSec;
    this.burst = options.burst;
    this.#now = options.now ?? Date.now;
  }

  /** False when the limit is off. */
  get enabled(): boolean {
    return this.perSec > 0;
  }

  /**
   * Takes one post from `agentId`'s bucket.
   *
   * @throws {RateLimitedError} when the bucket is empty, with the seconds until a post is allowed again
   */
  take(agentId: string): void {
    if (!this.enabled) return;
    const now = this.#now();
    this.#sweep(now);
    const bucket = this.#buckets.get(agentId);
    const tokens = bucket
      ? Math.min(
        this.burst,
        bucket.tokens + (now - bucket.at) * this.perSec / 1000,
      )
      : this.burst;
    if (tokens < 1) {
      const retryAfterSec = Math.max(
        1,
        Math.ceil((1 - tokens) / this.perSec),
      );
      throw new RateLimitedError(
        `agent '${agentId}' is posting too fast: the limit is ${this.perSec} posts a second (bursts of ${this.burst}); retry after ${retryAfterSec} s`,
        retryAfterSec,
      );
    }
    this.#buckets.set(agentId, { tokens: tokens - 1, at: now });
  }

  /** Drops buckets that have refilled, so memory follows the active agents. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < FORGET_AFTER_MS) return;
    this.#lastSweep = now;
    const full = Math.max(FORGET_AFTER_MS, this.burst / this.perSec * 1000);
    for (const [agent, bucket] of this.#buckets) {
      if (now - bucket.at >= full) this.#buckets.delete(agent);
    }
  }

  /** The limit as hub-info reports it. */
  describe(): { posts_per_sec: number; burst: number } | null {
    return this.enabled
      ? { posts_per_sec: this.perSec, burst: this.burst }
      : null;
  }
}
