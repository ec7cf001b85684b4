/**
 * Types of full-text search ({@linkcode ArcClient.search}), a vendor
 * extension of this hub: its `GET /v1/hub-info` lists the feature token
 * `arcdeno:search`.
 *
 * @module
 */

import type { MessageKind } from "./types.ts";
import type { Message } from "./types.ts";
// deno-lint-ignore no-unused-vars
import type { ArcClient } from "./client.ts";

/**
 * Filters and size of a search ({@linkcode ArcClient.search}).
 *
 * @example Task messages from one agent this week
 * ```ts
 * import type { SearchOptions } from "@arc/hub";
 *
 * const options: SearchOptions = {
 *   fromAgent: "lead",
 *   kind: "task",
 *   since: new Date(Date.now() - 7 * 86_400_000),
 *   limit: 10,
 * };
 * ```
 */
export interface SearchOptions {
  /** Only messages in this channel. */
  channel?: string;
  /** Only messages from this agent. */
  fromAgent?: string;
  /** Only messages of this kind. */
  kind?: MessageKind;
  /** Only messages in this thread. */
  threadId?: string;
  /** Only messages stored at or after this time (RFC 3339 text or a `Date`). */
  since?: string | Date;
  /** Only messages stored at or before this time (RFC 3339 text or a `Date`). */
  until?: string | Date;
  /**
   * The most hits to return; the hub clamps larger values to its maximum
   * (`arcdeno.search_max_limit` in hub-info, 100).
   *
   * @default {20}
   */
  limit?: number;
}

/**
 * The search facts of one hit.
 *
 * @example Printing a hit's excerpt with its matches in brackets
 * ```ts
 * import type { SearchMatch } from "@arc/hub";
 *
 * function bracketed(match: SearchMatch): string {
 *   let out = "";
 *   let at = 0;
 *   for (const [start, end] of match.highlights) {
 *     out += match.snippet.slice(at, start) + "[" +
 *       match.snippet.slice(start, end) + "]";
 *     at = end;
 *   }
 *   return out + match.snippet.slice(at);
 * }
 * ```
 */
export interface SearchMatch {
  /** Relevance, higher is better; comparable only within one answer. */
  score: number;
  /** A plain-text excerpt around the matches (never HTML). */
  snippet: string;
  /** `[start, end)` character ranges of the matches within `snippet`. */
  highlights: [number, number][];
}

/**
 * A search hit: the message exactly as `GET /v1/messages` returns it, plus
 * the search facts under `arcdeno`.
 *
 * @example Ids and excerpts
 * ```ts
 * import type { SearchHit } from "@arc/hub";
 *
 * const line = (hit: SearchHit) => `#${hit.id} ${hit.arcdeno.snippet}`;
 * ```
 */
export type SearchHit = Message & {
  /** The search facts. */
  arcdeno: SearchMatch;
};
