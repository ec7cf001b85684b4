/**
 * `arc search`: full-text search over the messages an agent may see, on a
 * hub with the `arcdeno:search` feature. Prints one line per hit (or one
 * JSON object per line with `--json`).
 *
 * @module
 */

import type { SearchHit, SearchOptions } from "../client/search.ts";
import { MESSAGE_KINDS } from "../protocol.ts";
import { COMMON_HELP, kindFlag, MESSAGE_FILTERS, withAgent } from "./agent.ts";
import { intFlag, parseCommand, textFlags, UsageError } from "./args.ts";
import type { Io } from "./io.ts";
import { CONNECTION_FLAGS } from "./connection.ts";

/** Help for `arc search`. */
export const SEARCH_HELP =
  `Usage: arc search --agent ID [filters] [--limit N] [--json] QUERY

Searches the message bodies, attachment text and thread ids of the messages
the agent may see (broadcasts, direct messages to it and those it sent), best
match first. Words match whole words in any case; "a phrase" matches words in
order; foo* matches words starting with foo; -foo excludes; OR separates
alternatives. Prints one line per hit: id, time, sender (-> recipient),
channel, thread and an excerpt.

  --channel NAME    only this channel
  --from AGENT      only messages from AGENT
  --kind KIND       only this kind (${MESSAGE_KINDS.join(", ")})
  --thread-id ID    only this thread
  --since TIME      only messages at or after TIME (RFC 3339, e.g. 2026-04-14T00:00:00Z)
  --until TIME      only messages at or before TIME
  --limit N         at most N hits (default 20, at most 100)
  --json            print each hit as one JSON object per line

${COMMON_HELP}

Examples:
  arc search --agent alice deploy
  arc search --agent alice '"flaky test" -resolved'
  arc search --agent alice --from bob --kind task --since 2026-04-01 migrat*
  arc search --agent alice --json --limit 5 src/hub/hub.ts
`;

/** Runs `arc search`; resolves with the exit code. */
export async function runSearch(args: string[], io: Io): Promise<number> {
  const { out, err } = io;
  const parsed = parseCommand(args, {
    ...CONNECTION_FLAGS,
    ...MESSAGE_FILTERS,
    ...textFlags("from", "since", "until", "limit"),
    json: { type: "boolean" },
  }, { help: SEARCH_HELP, out, positionals: true });
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const query = positionals.join(" ");
  if (!query.trim()) {
    throw new UsageError("search needs a query (arc search --help)");
  }
  const kind = kindFlag(values.kind);
  const limit = intFlag("limit", values.limit);
  const options: SearchOptions = {
    ...(values.channel ? { channel: values.channel } : {}),
    ...(values.from ? { fromAgent: values.from } : {}),
    ...(kind ? { kind } : {}),
    ...(values["thread-id"] ? { threadId: values["thread-id"] } : {}),
    ...(values.since ? { since: values.since } : {}),
    ...(values.until ? { until: values.until } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
  return await withAgent(values, err, async ({ client }) => {
    const hits = await client.search(query, options);
    for (const hit of hits) {
      out(values.json ? JSON.stringify(hit) : formatHit(hit));
    }
    if (!values.json && hits.length === 0) err("no matches");
  });
}

/** One hit as a line of text: matches in [brackets], line breaks as spaces. */
function formatHit(hit: SearchHit): string {
  const { snippet, highlights } = hit.arcdeno;
  let text = "";
  let at = 0;
  for (const [start, end] of highlights) {
    text += `${snippet.slice(at, start)}[${snippet.slice(start, end)}]`;
    at = end;
  }
  text = (text + snippet.slice(at)).replace(/\s+/g, " ").trim();
  const who = hit.to_agent
    ? `${hit.from_agent} -> ${hit.to_agent}`
    : hit.from_agent;
  const thread = hit.thread_id ? ` thread=${hit.thread_id}` : "";
  return `#${hit.id} ${hit.ts} ${who} [${hit.channel}]${thread} ${hit.kind}: ${text}`;
}
