/**
 * Types of the full-text search extension (`arcdeno:search`) shared by the
 * hub and both storage backends: a parsed query, its filters and the hits.
 *
 * @module
 */

import type { Message } from "./types.ts";

/** One search term: a word or a phrase, optionally matching as a prefix. */
export interface SearchTerm {
  /** The user's text for the term (a word, or the words of a quoted phrase). */
  text: string;
  /** True for `foo*`: the term's last word matches any word it starts. */
  prefix: boolean;
}

/** Terms that must all match, and terms none of which may match. */
export interface SearchGroup {
  all: SearchTerm[];
  none: SearchTerm[];
}

/** A parsed query: a message matches when any group matches. */
export interface SearchExpr {
  groups: SearchGroup[];
}

/** A search as the store runs it. */
export interface SearchQuery {
  expr: SearchExpr;
  /** The searching agent: broadcasts, DMs to it and DMs it sent are in scope. */
  agentId: string;
  channel?: string;
  fromAgent?: string;
  kind?: string;
  threadId?: string;
  /** Earliest `ts` (inclusive), in the wire's text form. */
  since?: string;
  /** Latest `ts` (inclusive), in the wire's text form. */
  until?: string;
  limit: number;
}

/**
 * True when the query narrows the messages by a filter. The newest-matches
 * ranking window is then left out: it is counted over every agent's
 * messages, so a filter applied after it could find nothing where older
 * matches exist.
 */
export function isFiltered(query: SearchQuery): boolean {
  return [
    query.channel,
    query.fromAgent,
    query.kind,
    query.threadId,
    query.since,
    query.until,
  ].some((value) => value !== undefined);
}

/** Start and end of a highlighted match inside a raw snippet. */
export const MARK_START = "\uE000";
/** See {@linkcode MARK_START}. */
export const MARK_END = "\uE001";

/** One match, best first. */
export interface SearchHit {
  message: Message;
  /** Relevance: higher is better; comparable only within one result list. */
  score: number;
  /** An excerpt with each match between {@linkcode MARK_START} and {@linkcode MARK_END}. */
  snippet: string;
}

/** What one bounded step of index upkeep did. */
export interface SearchIndexProgress {
  /** Messages added to the index by this step. */
  indexed: number;
  /** True when the index holds every message committed so far. */
  done: boolean;
}
