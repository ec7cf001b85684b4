/**
 * The hub's router: Hono's trie router with a bounded cache of what it
 * matched. Agents call the same few paths over and over (`POST /v1/messages`,
 * `GET /v1/events`), and the trie's search was the largest part of Hono's own
 * cost per request. Hono only reads a match result, so one result can serve
 * every request for that method and path.
 *
 * @module
 */

import type { Result, Router } from "hono/router";
import { TrieRouter } from "hono/router/trie-router";

/** Paths remembered at most; past this the cache starts again empty. */
const CACHED_PATHS = 256;

/** A {@linkcode TrieRouter} that remembers its last {@linkcode CACHED_PATHS} matches. */
export class CachingRouter<T> implements Router<T> {
  readonly name = "CachingRouter";
  #router = new TrieRouter<T>();
  #matches = new Map<string, Result<T>>();

  add(method: string, path: string, handler: T): void {
    this.#matches.clear();
    this.#router.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    const key = `${method} ${path}`;
    let result = this.#matches.get(key);
    if (!result) {
      result = this.#router.match(method, path);
      if (this.#matches.size >= CACHED_PATHS) this.#matches.clear();
      this.#matches.set(key, result);
    }
    return result;
  }
}
