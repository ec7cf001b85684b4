/**
 * Full-text search over messages (vendor extension `arcdeno:search`,
 * `GET /v1/arcdeno/search`): parses the user's query into terms, phrases,
 * prefixes, `OR` and exclusions (never passing user text to the engine as
 * syntax), applies the searching agent's visibility and the filters, brings
 * the index up to date in bounded steps and shapes the hits.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { MESSAGE_KINDS } from "../protocol.ts";
import {
  MARK_END,
  MARK_START,
  type SearchExpr,
  type SearchGroup,
  type SearchHit,
  type SearchTerm,
} from "../store/search_types.ts";
import type { Message, Store } from "../store/types.ts";
import { toIso } from "../time.ts";
import type { Query } from "./params.ts";

/** Results per search when `limit` is absent. */
export const SEARCH_DEFAULT_LIMIT = 20;
/** Most results per search; larger `limit` values are clamped. */
export const SEARCH_MAX_LIMIT = 100;
/** Longest query text accepted, in characters. */
export const SEARCH_MAX_QUERY_CHARS = 1000;
/** Most terms in one query. */
export const SEARCH_MAX_TERMS = 32;

/** A hit as the endpoint returns it: the message plus the vendor fields. */
export type SearchResult = Message & {
  arcdeno: {
    /** Relevance, higher is better; comparable within one answer only. */
    score: number;
    /** A plain-text excerpt around the matches. */
    snippet: string;
    /** `[start, end)` character ranges of the matches inside `snippet`. */
    highlights: [number, number][];
  };
};

/** Options for {@linkcode MessageSearch}. */
export interface MessageSearchOptions {
  /** Most messages indexed per catch-up step (one short write transaction). @default 500 */
  stepRows?: number;
}

/** The search service of one hub. */
export class MessageSearch {
  #store: Store;
  #stepRows: number;
  #catchingUp: Promise<void> | undefined;

  constructor(store: Store, options: MessageSearchOptions = {}) {
    this.#store = store;
    this.#stepRows = options.stepRows ?? 500;
  }

  /**
   * Brings the index up to date with every committed message, whoever wrote
   * it, one bounded step at a time, yielding to other requests between
   * steps. Concurrent callers share one catch-up.
   */
  catchUp(): Promise<void> {
    this.#catchingUp ??= (async () => {
      try {
        while (!(await this.#store.search.indexStep(this.#stepRows)).done) {
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      } finally {
        this.#catchingUp = undefined;
      }
    })();
    return this.#catchingUp;
  }

  /** `GET /v1/arcdeno/search`: validates the query, catches the index up and searches. */
  async search(query: Query): Promise<SearchResult[]> {
    const agentId = query.get("agent_id");
    if (!agentId) {
      throw new ValidationError("agent_id query parameter is required");
    }
    const expr = parseSearchQuery(query.get("q") ?? "");
    const kind = query.get("kind");
    if (
      kind !== undefined && !(MESSAGE_KINDS as readonly string[]).includes(kind)
    ) {
      throw new ValidationError(
        `unsupported kind: ${kind} (expected one of ${
          MESSAGE_KINDS.join(", ")
        })`,
      );
    }
    const since = searchTime(query.get("since"), "since");
    const until = searchTime(query.get("until"), "until");
    const channel = query.get("channel");
    const fromAgent = query.get("from_agent");
    const threadId = query.get("thread_id");
    const limit = readLimit(query.get("limit"));
    await this.catchUp();
    const hits = await this.#store.search.query({
      expr,
      agentId,
      limit,
      ...(channel !== undefined ? { channel } : {}),
      ...(fromAgent !== undefined ? { fromAgent } : {}),
      ...(kind !== undefined ? { kind } : {}),
      ...(threadId !== undefined ? { threadId } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
    });
    return hits.map(toResult);
  }
}

function readLimit(raw: string | undefined): number {
  if (raw === undefined) return SEARCH_DEFAULT_LIMIT;
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) {
    throw new ValidationError("limit must be an integer");
  }
  const n = Number(raw.trim());
  if (n < 1) throw new ValidationError("limit must be at least 1");
  return Math.min(n, SEARCH_MAX_LIMIT);
}

/** An RFC 3339 time (or a bare date; no zone means UTC) in the wire's text form, whole seconds; `ValidationError` when unreadable. */
export function searchTime(
  raw: string | undefined,
  name: string,
): string | undefined {
  if (raw === undefined) return undefined;
  const m =
    /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i
      .exec(raw.trim());
  // A time without a zone is UTC, like every timestamp the hub writes.
  const ms = m
    ? Date.parse(`${m[1]}T${m[2] ?? "00:00:00"}${m[3] ?? "Z"}`)
    : NaN;
  if (Number.isNaN(ms)) {
    throw new ValidationError(
      `${name} must be an RFC 3339 timestamp such as 2026-04-14T17:00:00Z`,
    );
  }
  return toIso(ms);
}

const WORD = /[\p{L}\p{N}]/u;

/**
 * Parses a user's query: words match as whole words (any case), `"a phrase"`
 * matches the words in order, `foo*` matches words starting with `foo`,
 * `-foo` excludes, `OR` (upper case) separates alternatives; everything
 * else is plain text, never query syntax.
 *
 * @param text the user's query
 * @returns the parsed query
 * @throws {ValidationError} for an empty query, one without words, an
 *   unterminated quote, a dangling `OR`, or only excluded terms
 */
export function parseSearchQuery(text: string): SearchExpr {
  if (text.trim() === "") {
    throw new ValidationError("q query parameter is required");
  }
  if (text.length > SEARCH_MAX_QUERY_CHARS) {
    throw new ValidationError(
      `q is too long: ${text.length} characters (at most ${SEARCH_MAX_QUERY_CHARS})`,
    );
  }
  const groups: SearchGroup[] = [];
  let group: SearchGroup = { all: [], none: [] };
  let terms = 0;
  let pendingOr = false;
  const closeGroup = () => {
    if (group.all.length === 0 && group.none.length > 0) {
      throw new ValidationError(
        "every alternative of q needs a term that is not excluded with '-'",
      );
    }
    if (group.all.length > 0) groups.push(group);
    group = { all: [], none: [] };
  };
  const re = /(-?)"([^"]*)("?)(\*?)|(\S+)/g;
  for (const m of text.matchAll(re)) {
    let negate = false;
    let term: SearchTerm;
    if (m[5] !== undefined) {
      let word = m[5];
      if (word === "OR") {
        if (pendingOr || (group.all.length === 0 && group.none.length === 0)) {
          throw new ValidationError("OR in q needs a term on each side");
        }
        closeGroup();
        pendingOr = true;
        continue;
      }
      if (word.startsWith("-") && word.length > 1) {
        negate = true;
        word = word.slice(1);
      }
      const prefix = word.endsWith("*");
      word = word.replace(/\*+$/, "");
      term = { text: word, prefix };
    } else {
      if (m[3] !== '"') {
        throw new ValidationError("q has an unterminated quote");
      }
      negate = m[1] === "-";
      term = { text: m[2]!.trim(), prefix: m[4] === "*" };
    }
    if (!WORD.test(term.text)) continue; // nothing searchable, e.g. "&&"
    pendingOr = false;
    if (++terms > SEARCH_MAX_TERMS) {
      throw new ValidationError(
        `q has too many terms (at most ${SEARCH_MAX_TERMS})`,
      );
    }
    (negate ? group.none : group.all).push(term);
  }
  if (pendingOr) throw new ValidationError("OR in q needs a term on each side");
  closeGroup();
  if (groups.length === 0) {
    throw new ValidationError("q has no words to search for");
  }
  return { groups };
}

/** Splits the store's marked snippet into plain text and match ranges. */
export function toResult(hit: SearchHit): SearchResult {
  let snippet = "";
  const highlights: [number, number][] = [];
  let start = -1;
  for (const ch of hit.snippet) {
    if (ch === MARK_START) start = snippet.length;
    else if (ch === MARK_END) {
      if (start >= 0 && snippet.length > start) {
        highlights.push([start, snippet.length]);
      }
      start = -1;
    } else snippet += ch;
  }
  return {
    ...hit.message,
    arcdeno: { score: hit.score, snippet, highlights },
  };
}
