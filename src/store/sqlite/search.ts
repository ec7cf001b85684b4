/**
 * Full-text search on SQLite with FTS5. The index is an external-content
 * FTS5 table, `arcdeno_search`, over a view of the reference's `messages`
 * table, so it stores no second copy of the text and the reference's tables
 * are untouched (no triggers): another hub process writing into the same
 * file knows nothing of it. Instead the index is brought up to date from a
 * stored high-water mark (`arcdeno_search_state.indexed_through`, the highest
 * message id indexed) in bounded steps, each one short `BEGIN IMMEDIATE`
 * transaction, so catching up on a long history never holds the write lock
 * for long. Message ids grow in commit order on SQLite, so nothing can
 * appear below the mark later.
 *
 * @module
 */

import { ValidationError } from "../../errors.ts";
import { toMessage } from "../rows.ts";
import {
  isFiltered,
  MARK_END,
  MARK_START,
  type SearchExpr,
  type SearchHit,
  type SearchIndexProgress,
  type SearchQuery,
  type SearchTerm,
} from "../search_types.ts";

type Row = Record<string, unknown>;
type Param = string | number | null;

/** The store's connection, as the search code uses it. */
export interface SqliteAccess {
  all(sql: string, ...params: Param[]): Row[];
  get(sql: string, ...params: Param[]): Row | undefined;
  run(sql: string, ...params: Param[]): { changes: number | bigint };
  /** Runs `fn` in one `BEGIN IMMEDIATE` transaction. */
  tx<T>(fn: () => T): T;
}

/** Attachment fields whose text is searchable. */
const ATTACHMENT_FIELDS = ["content", "text", "title", "path", "description"];

/** Statements that create the index; each is idempotent. */
export const SEARCH_SQLITE_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS arcdeno_search_state (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  )`,
  // The text of a message as the index sees it: body, the text-bearing
  // fields of its attachments (JSON content as its JSON text) and thread id.
  `CREATE VIEW IF NOT EXISTS arcdeno_search_source AS
    SELECT m.id AS id, m.body AS body,
      (SELECT group_concat(k.value, ' ')
         FROM json_each(CASE WHEN json_valid(m.attachments_json)
                              AND json_type(m.attachments_json) = 'array'
                             THEN m.attachments_json ELSE '[]' END) AS a,
              json_each(CASE WHEN a.type = 'object' THEN a.value ELSE '{}' END) AS k
         WHERE k.key IN (${
    ATTACHMENT_FIELDS.map((f) => `'${f}'`).join(", ")
  })) AS attachments,
      m.thread_id AS thread
    FROM messages AS m`,
  `CREATE VIRTUAL TABLE IF NOT EXISTS arcdeno_search USING fts5(
    body, attachments, thread,
    content = 'arcdeno_search_source', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
  )`,
];

/** Column weights for bm25: the body counts most, then attachments, then the thread id. */
const BM25 = "bm25(arcdeno_search, 4.0, 2.0, 1.0)";

/** About how many bytes of text one index step takes in at most. */
const STEP_BYTES = 2_000_000;

/** Most matches ranked per search: the newest ones (see the search method). */
export const RANK_WINDOW = 10_000;

/** Words of context around a match in a snippet. */
const SNIPPET_TOKENS = 24;

/** Full-text search over one SQLite connection. */
export class SqliteSearch {
  #db: SqliteAccess;
  #ready = false;

  constructor(db: SqliteAccess) {
    this.#db = db;
  }

  #ensure(): void {
    if (this.#ready) return;
    this.#db.tx(() => {
      for (const sql of SEARCH_SQLITE_SCHEMA) this.#db.run(sql);
    });
    this.#ready = true;
  }

  #mark(): number {
    return Number(
      this.#db.get(
        "SELECT value FROM arcdeno_search_state WHERE key = 'indexed_through'",
      )?.["value"] ?? 0,
    );
  }

  #newest(): number {
    return Number(
      this.#db.get("SELECT COALESCE(MAX(id), 0) AS mx FROM messages")?.[
        "mx"
      ] ?? 0,
    );
  }

  /**
   * Indexes at most `maxRows` messages past the mark, in one transaction.
   *
   * @param maxRows most messages to index in this step
   * @returns how many were indexed and whether the index is now complete
   */
  step(maxRows: number): SearchIndexProgress {
    this.#ensure();
    // A cheap look without the write lock first: usually nothing is new.
    const newest = this.#newest();
    const mark = this.#mark();
    if (newest === mark) return { indexed: 0, done: true };
    return this.#db.tx(() => {
      // Re-read under the write lock: another process may have indexed meanwhile.
      let from = this.#mark();
      const last = this.#newest();
      if (last < from) {
        // The history was replaced by a shorter one (ids restarted): start over.
        this.#db.run(
          "INSERT INTO arcdeno_search (arcdeno_search) VALUES ('delete-all')",
        );
        from = 0;
      }
      // At most maxRows messages and about STEP_BYTES bytes of text (but
      // always at least one message), so a step stays short.
      let to = from;
      let bytes = 0;
      for (
        const row of this.#db.all(
          `SELECT id, octet_length(body) + octet_length(attachments_json) AS size
           FROM messages WHERE id > ? ORDER BY id LIMIT ?`,
          from,
          maxRows,
        )
      ) {
        bytes += Number(row["size"] ?? 0);
        if (to > from && bytes > STEP_BYTES) break;
        to = Number(row["id"]);
      }
      const result = this.#db.run(
        `INSERT INTO arcdeno_search (rowid, body, attachments, thread)
           SELECT id, body, attachments, thread FROM arcdeno_search_source
           WHERE id > ? AND id <= ? ORDER BY id`,
        from,
        to,
      );
      this.#db.run(
        `INSERT INTO arcdeno_search_state VALUES ('indexed_through', ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
        to,
      );
      return { indexed: Number(result.changes), done: to >= last };
    });
  }

  /**
   * Runs a search over the indexed messages, best match first.
   *
   * @param query the parsed query, the searcher and the filters
   * @returns the hits with scores and snippets
   * @throws {ValidationError} when FTS5 rejects the query
   */
  search(query: SearchQuery): SearchHit[] {
    this.#ensure();
    const match = toFts5(query.expr);
    const conds = [
      "arcdeno_search MATCH ?",
      "(m.to_agent IS NULL OR m.to_agent = ? OR m.from_agent = ?)",
    ];
    const params: Param[] = [match, query.agentId, query.agentId];
    // Ranking is one synchronous pass over every match; keep a query that
    // matches most of a long history from holding the hub up by ranking
    // only the newest RANK_WINDOW matches (FTS5 walks rowids backwards cheaply).
    const floor = isFiltered(query) ? undefined : ftsCall(() =>
      this.#db.get(
        `SELECT rowid AS id FROM arcdeno_search WHERE arcdeno_search MATCH ?
         ORDER BY rowid DESC LIMIT 1 OFFSET ?`,
        match,
        RANK_WINDOW - 1,
      )
    );
    if (floor !== undefined) {
      conds.push("arcdeno_search.rowid >= ?");
      params.push(Number(floor["id"]));
    }
    const filter = (sql: string, value: string | undefined) => {
      if (value === undefined) return;
      conds.push(sql);
      params.push(value);
    };
    filter("m.channel = ?", query.channel);
    filter("m.from_agent = ?", query.fromAgent);
    filter("m.kind = ?", query.kind);
    filter("m.thread_id = ?", query.threadId);
    filter("m.ts >= ?", query.since);
    filter("m.ts <= ?", query.until);
    params.push(query.limit);
    const rows = ftsCall(() =>
      this.#db.all(
        `SELECT m.*, ${BM25} AS arcdeno_score
         FROM arcdeno_search JOIN messages AS m ON m.id = arcdeno_search.rowid
         WHERE ${conds.join(" AND ")}
         ORDER BY arcdeno_score, m.id DESC LIMIT ?`,
        ...params,
      )
    );
    if (rows.length === 0) return [];
    // Snippets only for the rows returned, not for every match.
    const ids = rows.map((r) => Number(r["id"]));
    const snippets = new Map<number, string>();
    for (
      const r of ftsCall(() =>
        this.#db.all(
          `SELECT rowid AS id, snippet(arcdeno_search, -1, ?, ?, '\u2026', ${SNIPPET_TOKENS}) AS snippet
           FROM arcdeno_search WHERE arcdeno_search MATCH ?
             AND rowid IN (${ids.map(() => "?").join(", ")})`,
          MARK_START,
          MARK_END,
          match,
          ...ids,
        )
      )
    ) snippets.set(Number(r["id"]), String(r["snippet"] ?? ""));
    return rows.map((r) => ({
      message: toMessage(r),
      // bm25 is lower for better matches; report higher-is-better.
      score: -Number(r["arcdeno_score"]),
      snippet: snippets.get(Number(r["id"])) ?? "",
    }));
  }
}

/** One term as an FTS5 string: always quoted, so user text is never syntax. */
function ftsTerm(term: SearchTerm): string {
  return `"${term.text.replaceAll('"', '""')}"${term.prefix ? "*" : ""}`;
}

/** Compiles a parsed query to an FTS5 MATCH expression. */
export function toFts5(expr: SearchExpr): string {
  return expr.groups.map((g) => {
    const all = `(${g.all.map(ftsTerm).join(" AND ")})`;
    return g.none.length === 0
      ? all
      : `(${all} NOT (${g.none.map(ftsTerm).join(" OR ")}))`;
  }).join(" OR ");
}

/** Turns an FTS5 query error into a 400; other errors pass through. */
function ftsCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (
      error instanceof Error &&
      /fts5|syntax error|unterminated string|unknown special query/i.test(
        error.message,
      )
    ) {
      throw new ValidationError(`invalid search query: ${error.message}`);
    }
    throw error;
  }
}
