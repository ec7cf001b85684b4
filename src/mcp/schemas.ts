/**
 * Zod schemas of the Arc wire objects as MCP tools return them. Hub rows are
 * loose objects: a newer hub may add fields, and a host validating
 * `structuredContent` against a tool's `outputSchema` must not reject them.
 *
 * @module
 */

import { z } from "zod";
import { DEFAULTS, MESSAGE_KINDS } from "../protocol.ts";

/** Free-form JSON object. */
export const metadataSchema = z.record(z.string(), z.unknown());

/** One of the eight v1 message kinds, for inputs. */
export const kindSchema = z.enum(MESSAGE_KINDS);

const nullableString = z.string().nullable();
const nullableInt = z.number().int().nullable();

/**
 * An attachment as a tool accepts it (protocol s.5.2), in one flat shape to
 * keep the tool listing short; the hub checks which fields each type needs.
 */
export const attachmentSchema = z.looseObject({
  type: z.enum(["text", "json", "code", "file_ref", "diff_ref"]),
  content: z.unknown().optional().describe("text, json, code: the content."),
  language: z.string().optional(),
  path: z.string().optional().describe("file_ref, diff_ref: the file."),
  description: z.string().optional(),
  base: z.string().optional(),
  head: z.string().optional(),
  start_line: z.number().int().optional(),
  end_line: z.number().int().optional(),
});

/** A stored message (protocol s.4). */
export const messageSchema = z.looseObject({
  id: z.number().int().describe("Message id; also the cursor."),
  ts: z.string(),
  from_agent: z.string(),
  to_agent: nullableString.describe("Set for a direct message."),
  channel: z.string(),
  kind: z.string(),
  body: z.string(),
  attachments: z.array(z.looseObject({})),
  reply_to: nullableInt,
  thread_id: nullableString,
  metadata: metadataSchema,
});

/** A search hit: a message plus its score and excerpt (`arcdeno:search`). */
export const searchHitSchema = messageSchema.extend({
  arcdeno: z.looseObject({
    score: z.number(),
    snippet: z.string().describe("A plain-text excerpt around the matches."),
    highlights: z.array(z.tuple([z.number().int(), z.number().int()]))
      .describe("[start, end) character ranges of the matches in snippet."),
  }),
});

/** An agent's session. */
export const sessionSchema = z.looseObject({
  session_id: z.string(),
  agent_id: z.string(),
  display_name: z.string(),
  capabilities: z.array(z.string()),
  metadata: metadataSchema,
  created_at: z.string(),
  last_seen: z.string(),
  active: z.boolean(),
});

/** A channel. */
export const channelSchema = z.looseObject({
  name: z.string(),
  created_at: z.string(),
  created_by: nullableString,
  metadata: metadataSchema,
});

/** A claim on a named piece of work. */
export const claimSchema = z.looseObject({
  claim_key: z.string(),
  thread_id: nullableString,
  task_message_id: nullableInt,
  owner_agent_id: z.string(),
  claimed_at: z.string(),
  expires_at: z.string(),
  released_at: nullableString,
  metadata: metadataSchema,
});

/** A lock on a file path. */
export const lockSchema = z.looseObject({
  file_path: z.string(),
  agent_id: z.string(),
  locked_at: z.string(),
  expires_at: z.string(),
  released_at: nullableString,
  metadata: metadataSchema,
});

/** A task row. */
export const taskSchema = z.looseObject({
  task_id: z.number().int(),
  parent_task_id: nullableInt,
  channel: z.string(),
  thread_id: nullableString,
  status: z.string().describe("'open' or 'done'."),
  created_at: z.string(),
  completed_at: nullableString,
});

/** A thread summary. */
export const threadSummarySchema = z.looseObject({
  thread_id: z.string(),
  channel: nullableString,
  root_task_id: nullableInt,
  latest_message_id: nullableInt,
  latest_message_ts: nullableString,
  latest_artifact_id: nullableInt,
  message_count: z.number().int(),
  total_task_count: z.number().int(),
  open_task_count: z.number().int(),
  active_claim_count: z.number().int(),
  active_lock_count: z.number().int(),
  status: z.string().describe("'completed', 'open' or 'waiting'."),
});

/** Seconds of a lease, as tools accept them. */
export const ttlSchema = z.number().int().min(DEFAULTS.minTtlSec).max(
  DEFAULTS.maxTtlSec,
);
