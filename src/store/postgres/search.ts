/**
 * Full-text search on PostgreSQL: a weighted `tsvector` of each message
 * (body, the text-bearing fields of its attachments, thread id) stored in
 * `arcdeno_search_docs` under a GIN index, ranked with `ts_rank` and
 * excerpted with `ts_headline`. A trigger on `messages` writes the document
 * in the inserting transaction (only our hubs write a PostgreSQL database),
 * so there is nothing to catch up: every hub on the database finds a message
 * the moment it is committed. The objects are created idempotently when the
 * store opens, after the migrations, under the same advisory lock; messages
 * stored before the trigger existed are indexed then, once.
 *
 * @module
 */

import {
  isFiltered,
  MARK_END,
  MARK_START,
  type SearchExpr,
  type SearchHit,
  type SearchQuery,
} from "../search_types.ts";
import { type Row, toMessage } from "../rows.ts";
import { RANK_WINDOW } from "../sqlite/search.ts";

type Param = string | number | boolean | null;

/** ASCII punctuation and white space, as a regular expression class (both dialects). */
const PUNCTUATION = "[!-/:-@[-`{-~[:space:]]+";

/** Characters per part a too-large message is indexed by (see the document function). */
const DOCUMENT_FALLBACK_CHARS = 100_000;

/** Text a snippet is cut from, at most (the head of the message). */
const HEADLINE_CHARS = 200_000;

/** Accented Latin letters and the letters they fold to (SQLite's unicode61 folds them too). */
const ACCENTED =
  "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŠšŽžČčĆćĐđŁłŃńŚśŹźŻżĘęĄąŘřŤťĎďŇňŮůĚěŐőŰű";
const FOLDED =
  "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyySsZzCcCcDdLlNnSsZzZzEeAaRrTtDdNnUuEeOoUu";
const FOLD = new Map([...ACCENTED].map((c, i) => [c, [...FOLDED][i]!]));

/** The words of a term as the document function sees them. */
function words(text: string): string {
  return [...text].map((c) => FOLD.get(c) ?? c).join("")
    .replace(/[!-/:-@[-`{-~\s]+/g, " ").trim();
}

/** Statements that create the search objects; each is idempotent. */
export const SEARCH_POSTGRES_SCHEMA: readonly string[] = [
  // The searchable text of an attachment list: content, text, title, path
  // and description of each object (JSON content as its JSON text).
  // Unreadable JSON yields what was read so far, never an error.
  // PARALLEL UNSAFE: an EXCEPTION block starts a subtransaction, which no
  // process of a parallel query may (the leader included).
  `CREATE OR REPLACE FUNCTION arcdeno_attachment_text(doc text) RETURNS text
     LANGUAGE plpgsql IMMUTABLE PARALLEL UNSAFE AS $$
   DECLARE
     out text := '';
     a jsonb;
     v jsonb;
     k text;
   BEGIN
     IF doc IS NULL OR doc = '' OR doc = '[]' THEN
       RETURN '';
     END IF;
     BEGIN
       FOR a IN SELECT jsonb_array_elements(doc::jsonb) LOOP
         IF jsonb_typeof(a) = 'object' THEN
           FOREACH k IN ARRAY ARRAY['content', 'text', 'title', 'path', 'description'] LOOP
             v := a -> k;
             IF v IS NOT NULL AND jsonb_typeof(v) <> 'null' THEN
               out := out || ' ' || CASE WHEN jsonb_typeof(v) = 'string'
                 THEN v #>> '{}' ELSE v::text END;
             END IF;
           END LOOP;
         END IF;
       END LOOP;
     EXCEPTION WHEN others THEN
       RETURN out;
     END;
     RETURN out;
   END $$`,
  // Accented Latin letters fold to their base letters and ASCII
  // punctuation becomes a word break, as in SQLite's unicode61 tokenizer, so a word inside a path or an id ("src/app.ts", "T-42") is
  // found on its own on both backends (PostgreSQL's parser would otherwise
  // keep a path or a hyphenated word as one token).
  `CREATE OR REPLACE FUNCTION arcdeno_search_words(doc text) RETURNS text
     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
     SELECT regexp_replace(translate(coalesce(doc, ''), '${ACCENTED}', '${FOLDED}'),
       '${PUNCTUATION}', ' ', 'g')
   $$`,
  `CREATE OR REPLACE FUNCTION arcdeno_search_vector(
     body text, attachment_text text, thread text
   ) RETURNS tsvector
     LANGUAGE sql IMMUTABLE PARALLEL SAFE
     SET search_path FROM CURRENT AS $$
     SELECT setweight(to_tsvector('simple'::regconfig, arcdeno_search_words(body)), 'A')
         || setweight(to_tsvector('simple'::regconfig, arcdeno_search_words(attachment_text)), 'B')
         || setweight(to_tsvector('simple'::regconfig, arcdeno_search_words(thread)), 'C')
   $$`,
  // A tsvector holds at most 1 MB: a message whose text would not fit is
  // indexed by its first DOCUMENT_FALLBACK_CHARS characters per part rather
  // than failing the insert.
  `CREATE OR REPLACE FUNCTION arcdeno_search_document(
     body text, attachments text, thread text
   ) RETURNS tsvector
     LANGUAGE plpgsql IMMUTABLE PARALLEL UNSAFE
     SET search_path FROM CURRENT AS $$
   DECLARE
     a text := arcdeno_attachment_text(attachments);
   BEGIN
     IF length(coalesce(body, '')) + length(a) <= ${DOCUMENT_FALLBACK_CHARS} THEN
       RETURN arcdeno_search_vector(body, a, thread);
     END IF;
     BEGIN
       RETURN arcdeno_search_vector(body, a, thread);
     EXCEPTION WHEN program_limit_exceeded THEN
       RETURN arcdeno_search_vector(
         left(body, ${DOCUMENT_FALLBACK_CHARS}),
         left(a, ${DOCUMENT_FALLBACK_CHARS}), thread);
     END;
   END $$`,
  // The documents are stored, so ranking reads them instead of rebuilding
  // each one from its message.
  `CREATE TABLE IF NOT EXISTS arcdeno_search_docs (
     id bigint PRIMARY KEY,
     doc tsvector NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS arcdeno_search_docs_gin ON arcdeno_search_docs
     USING gin (doc)`,
  `CREATE OR REPLACE FUNCTION arcdeno_search_index_row() RETURNS trigger
     LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
   BEGIN
     INSERT INTO arcdeno_search_docs (id, doc)
       VALUES (NEW.id, arcdeno_search_document(NEW.body, NEW.attachments_json, NEW.thread_id))
       ON CONFLICT (id) DO UPDATE SET doc = excluded.doc;
     RETURN NULL;
   END $$`,
  `DO $$ BEGIN
     IF NOT EXISTS (
       SELECT 1 FROM pg_trigger
       WHERE tgname = 'arcdeno_search_index' AND tgrelid = 'messages'::regclass
     ) THEN
       CREATE TRIGGER arcdeno_search_index
         AFTER INSERT OR UPDATE OF body, attachments_json, thread_id ON messages
         FOR EACH ROW EXECUTE FUNCTION arcdeno_search_index_row();
     END IF;
   END $$`,
  // Messages stored before the trigger existed (a database from an older
  // hub): indexed once, here; later ones by the trigger.
  `INSERT INTO arcdeno_search_docs (id, doc)
     SELECT m.id, arcdeno_search_document(m.body, m.attachments_json, m.thread_id)
     FROM messages AS m
     WHERE NOT EXISTS (SELECT 1 FROM arcdeno_search_docs AS d WHERE d.id = m.id)`,
];

const DOC = "d.doc";

/** Options of `ts_headline`: our match markers, a couple of short fragments. */
const HEADLINE_OPTIONS =
  `StartSel="${MARK_START}", StopSel="${MARK_END}", MaxWords=24, MinWords=8, ShortWord=0, MaxFragments=2, FragmentDelimiter=" … "`;

/** A statement with its `$n` parameters. */
export interface SearchStatement {
  text: string;
  params: Param[];
}

/** Builds the search statement for a parsed query. */
export function searchStatement(query: SearchQuery): SearchStatement {
  const params: Param[] = [];
  const p = (value: Param) => {
    params.push(value);
    return `$${params.length}`;
  };
  const tsq = toTsquery(query.expr, p);
  const agent = p(query.agentId);
  const conds = [
    `${DOC} @@ ${tsq}`,
    `(m.to_agent IS NULL OR m.to_agent = ${agent} OR m.from_agent = ${agent})`,
  ];
  if (!isFiltered(query)) {
    // Rank only the newest RANK_WINDOW matches, as on SQLite, so a query
    // that matches most of a long history stays quick.
    conds.push(`d.id >= COALESCE((SELECT w.id FROM arcdeno_search_docs AS w
       WHERE w.doc @@ ${tsq} ORDER BY w.id DESC
       OFFSET ${RANK_WINDOW - 1} LIMIT 1), 0)`);
  }
  const filter = (column: string, op: string, value: string | undefined) => {
    if (value !== undefined) conds.push(`m.${column} ${op} ${p(value)}`);
  };
  filter("channel", "=", query.channel);
  filter("from_agent", "=", query.fromAgent);
  filter("kind", "=", query.kind);
  filter("thread_id", "=", query.threadId);
  filter("ts", ">=", query.since);
  filter("ts", "<=", query.until);
  const limit = p(query.limit);
  const options = p(HEADLINE_OPTIONS);
  const text = `
    SELECT hits.*, ts_headline('simple'::regconfig,
        left(hits.body || E'\\n' || arcdeno_attachment_text(hits.attachments_json)
          || E'\\n' || coalesce(hits.thread_id, ''), ${HEADLINE_CHARS}),
        ${tsq}, ${options}) AS arcdeno_snippet
    FROM (
      SELECT m.*, ts_rank(${DOC}, ${tsq}) AS arcdeno_score
      FROM arcdeno_search_docs AS d JOIN messages AS m ON m.id = d.id
      WHERE ${conds.join(" AND ")}
      ORDER BY arcdeno_score DESC, m.id DESC
      LIMIT ${limit}
    ) AS hits
    ORDER BY arcdeno_score DESC, id DESC`;
  return { text, params };
}

/** Turns the rows of {@linkcode searchStatement} into hits. */
export function toHits(rows: Row[]): SearchHit[] {
  return rows.map((r) => ({
    message: toMessage(r),
    score: Number(r["arcdeno_score"]),
    snippet: String(r["arcdeno_snippet"] ?? ""),
  }));
}

/**
 * Compiles a parsed query to a `tsquery` expression. Every term is a bound
 * parameter parsed by PostgreSQL's own text parser (the one that built the
 * documents), so user text is never query syntax.
 */
function toTsquery(
  expr: SearchExpr,
  p: (value: Param) => string,
): string {
  const term = (t: { text: string; prefix: boolean }) => {
    const text = words(t.text);
    if (!t.prefix) return `phraseto_tsquery('simple'::regconfig, ${p(text)})`;
    // Words hold no ASCII punctuation, so quoting them is enough.
    const phrase = text.split(" ").map((w) => `'${w}'`).join(" <-> ");
    return `to_tsquery('simple'::regconfig, ${p(`${phrase}:*`)})`;
  };
  return `(${
    expr.groups.map((g) => {
      const all = g.all.map(term).join(" && ");
      return g.none.length === 0
        ? `(${all})`
        : `(${all} && !!(${g.none.map(term).join(" || ")}))`;
    }).join(" || ")
  })`;
}
