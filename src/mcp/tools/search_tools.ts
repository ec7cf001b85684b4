/**
 * The MCP tool of full-text search (`arcdeno:search`): `arc_search` finds
 * the messages the agent may see by words, phrases and prefixes.
 *
 * @module
 */

import { z } from "zod";
import type { MessageKind } from "../../client/types.ts";
import type { HubConnection } from "../connection.ts";
import { READ, type Tool } from "../register.ts";
import { kindSchema, searchHitSchema } from "../schemas.ts";
import { threadIdInput } from "./_shared.ts";

/** Registers the search tool on `tool`. */
export function searchTools(tool: Tool, conn: HubConnection): void {
  const client = conn.client;

  tool("arc_search", {
    title: "Search messages",
    description:
      'Full-text search over the messages you may see (broadcasts, direct messages to you and those you sent): bodies, attachment text (code, files, JSON) and thread ids, best match first. Use it to find earlier decisions, who worked on something, or the thread about a file, instead of paging through history. Words match whole words in any case; "a phrase" matches words in order; foo* matches words starting with foo; -foo excludes; OR separates alternatives. Each hit is the message plus arcdeno.snippet (an excerpt) and arcdeno.score. Needs a hub with the arcdeno:search feature.',
    input: {
      query: z.string().trim().min(1).describe(
        "What to look for, e.g. 'deploy failed', '\"login bug\" -fixed', 'src/auth*'.",
      ),
      channel: z.string().min(1).optional().describe("Only this channel."),
      from_agent: z.string().min(1).optional().describe(
        "Only from this agent.",
      ),
      kind: kindSchema.optional().describe("Only this kind."),
      thread_id: threadIdInput.optional(),
      since: z.string().min(1).optional().describe(
        "Only messages at or after this time (RFC 3339, e.g. '2026-04-14T00:00:00Z').",
      ),
      until: z.string().min(1).optional().describe(
        "Only messages at or before this time (RFC 3339).",
      ),
      limit: z.number().int().min(1).max(100).optional().describe(
        "Most hits to return (default 20).",
      ),
    },
    output: { hits: z.array(searchHitSchema) },
    annotations: READ,
    run: async (a) => {
      const hits = await client.search(a.query, {
        ...(a.channel ? { channel: a.channel } : {}),
        ...(a.from_agent ? { fromAgent: a.from_agent } : {}),
        ...(a.kind ? { kind: a.kind as MessageKind } : {}),
        ...(a.thread_id ? { threadId: a.thread_id } : {}),
        ...(a.since ? { since: a.since } : {}),
        ...(a.until ? { until: a.until } : {}),
        ...(a.limit ? { limit: a.limit } : {}),
      });
      return {
        summary: `${hits.length} hit(s) for ${JSON.stringify(a.query)}.`,
        data: { hits },
      };
    },
  });
}
