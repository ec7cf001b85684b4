/**
 * The Arc tools of the MCP server, all named `arc_<verb>`. Each one calls the
 * hub through the client library, answers with `structuredContent` (checked
 * against its `outputSchema`) plus a text summary with the same JSON, and
 * turns every failure into a tool result with `isError: true` carrying the
 * hub's own message, so a refusal never takes the server down.
 *
 * @module
 */

import { z } from "zod";
import type { ArcClient } from "../client/client.ts";
import { outcomeOf } from "../client/rpc.ts";
import type { Attachment, Message, MessageKind } from "../client/types.ts";
import { DEFAULTS } from "../protocol.ts";
import type { HubConnection } from "./connection.ts";
import { recipientWarning } from "./receipt_tools.ts";
import {
  DESTRUCTIVE,
  type Extra,
  IDEMPOTENT,
  READ,
  type Tool,
  WRITE,
} from "./register.ts";
import {
  attachmentSchema,
  channelSchema,
  claimSchema,
  kindSchema,
  lockSchema,
  messageSchema,
  metadataSchema,
  searchHitSchema,
  sessionSchema,
  taskSchema,
  threadSummarySchema,
  ttlSchema,
} from "./schemas.ts";

/** Longest wait a tool accepts, in seconds. */
export const MAX_WAIT_SEC = 300;
/** Seconds between progress notifications during a long wait. */
const PROGRESS_EVERY_MS = 10_000;

const threadIdInput = z.string().min(1).describe(
  "One id per piece of work, e.g. 'fix-login-bug'.",
);
const ttlInput = ttlSchema.optional().describe(
  `Lease seconds (default ${DEFAULTS.defaultTtlSec}).`,
);
const activeOnlyInput = z.boolean().optional().describe(
  "Only leases still held (default true); false includes released and expired ones.",
);
const messageList = z.array(messageSchema);

/** Registers the Arc tools `catalog` enables on `server`. */
export function coreTools(tool: Tool, conn: HubConnection): void {
  const client = conn.client;
  const agentId = conn.options.agentId;

  // ── orientation ─────────────────────────────────────────────────────

  tool("arc_whoami", {
    title: "Who am I on the hub",
    description:
      "Start here, once: your agent id and session, the agents live now, the default channel, the hub's limits and your read cursor. Reading starts when this server started; for history use arc_poll_messages with since_id.",
    input: {},
    output: {
      agent_id: z.string(),
      session: sessionSchema.nullable(),
      live_agents: z.array(sessionSchema),
      default_channel: z.string(),
      latest_visible_id: z.number().int(),
      cursor: z.number().int().describe("Your read position in the feed."),
      pending: z.number().int().describe(
        "Messages fetched but not read yet.",
      ),
      hub: z.looseObject({
        via: z.string().describe("The hub URL or relay spool."),
        instance_id: z.string(),
        features: z.array(z.string()),
        message_kinds: z.array(z.string()),
        max_body_chars: z.number().int(),
      }),
    },
    annotations: READ,
    run: async () => {
      const boot = await conn.reader().bootstrap();
      const info = await client.hubInfo();
      return {
        summary:
          `You are '${agentId}'; ${boot.live_agents.length} agent(s) live: ${
            boot.live_agents.map((s) => s.agent_id).join(", ")
          }.`,
        data: {
          agent_id: boot.agent_id,
          session: boot.session,
          live_agents: boot.live_agents,
          default_channel: boot.default_channel,
          latest_visible_id: boot.latest_visible_id,
          cursor: conn.feed.cursor,
          pending: conn.feed.pending,
          hub: {
            via: conn.target,
            instance_id: info.instance_id,
            implementation: info.implementation ?? null,
            implementation_version: info.implementation_version ?? null,
            features: info.features,
            message_kinds: info.message_kinds,
            max_body_chars: info.max_body_chars,
            max_attachments: info.max_attachments,
            max_attachment_chars: info.max_attachment_chars,
          },
        },
      };
    },
  });

  tool("arc_list_agents", {
    title: "List live agents",
    description:
      "List the agents live on the hub now, with display names and capabilities. Use it before delegating, to find who can do something (filter by capability, e.g. 'review') or whether an agent you wait for is still there.",
    input: {
      capability: z.string().min(1).optional().describe(
        "Only agents that declared this exact capability.",
      ),
    },
    output: { agents: z.array(sessionSchema) },
    annotations: READ,
    run: async ({ capability }) => {
      const agents = await client.listAgents(
        capability === undefined ? {} : { capability },
      );
      return {
        summary: `${agents.length} live agent(s)${
          capability ? ` with capability '${capability}'` : ""
        }: ${agents.map((s) => s.agent_id).join(", ") || "none"}.`,
        data: { agents },
      };
    },
  });

  tool("arc_rename", {
    title: "Change my display name",
    description:
      "Change the display name other agents and the operator's dashboard show for you (your agent id stays the same). Use it to say what role you have taken, e.g. 'reviewer (auth module)'.",
    input: {
      display_name: z.string().trim().min(1).max(DEFAULTS.maxDisplayNameChars)
        .describe("The new display name."),
    },
    output: { session: sessionSchema },
    annotations: IDEMPOTENT,
    run: async ({ display_name }) => {
      const session = await client.rename(display_name);
      return {
        summary: `Display name is now '${session.display_name}'.`,
        data: { session },
      };
    },
  });

  // ── messages ────────────────────────────────────────────────────────

  tool("arc_post_message", {
    title: "Post a message to a channel",
    description:
      "Post to a channel every agent reads ('general' by default): announce what you start and finish, share results (kind artifact), hand out work (kind task creates a claimable task; parent_task_id makes it a subtask that rolls up). Pass thread_id for a piece of work. One agent only: arc_dm.",
    input: {
      channel: z.string().min(1).describe(
        "An existing channel, e.g. 'general'.",
      ),
      body: z.string().describe("The message text."),
      kind: kindSchema.optional().describe(
        "Default chat.",
      ),
      thread_id: threadIdInput.optional(),
      reply_to: z.number().int().nonnegative().optional().describe(
        "Id of the message this answers.",
      ),
      metadata: metadataSchema.optional().describe("Free-form JSON object."),
      attachments: z.array(attachmentSchema).optional().describe(
        "Inline content or references to files and changes.",
      ),
      to_agent: z.string().min(1).optional().describe(
        "Make it a direct message to this agent.",
      ),
      parent_task_id: z.number().int().nonnegative().optional().describe(
        "Parent task of a task, for rollup.",
      ),
    },
    output: { message: messageSchema },
    annotations: WRITE,
    run: async (a) => {
      const message = await client.post(a.channel, a.body, {
        ...(a.kind ? { kind: a.kind } : {}),
        ...(a.thread_id !== undefined ? { threadId: a.thread_id } : {}),
        ...(a.reply_to !== undefined ? { replyTo: a.reply_to } : {}),
        ...(a.metadata !== undefined ? { metadata: a.metadata } : {}),
        ...(a.attachments !== undefined
          ? { attachments: a.attachments as Attachment[] }
          : {}),
        ...(a.to_agent !== undefined ? { toAgent: a.to_agent } : {}),
        ...(a.parent_task_id !== undefined
          ? { parentTaskId: a.parent_task_id }
          : {}),
      });
      return {
        summary: `Posted ${message.kind} message ${message.id} to ${
          message.to_agent
            ? `agent '${message.to_agent}'`
            : `#${message.channel}`
        }${
          message.kind === "task" || message.kind === "task_request"
            ? ` (task ${message.id})`
            : ""
        }.`,
        data: { message },
      };
    },
  });

  tool("arc_dm", {
    title: "Send a direct message",
    description:
      "Send a direct message only the recipient (and its thread's readers) sees, when you need no answer before going on.",
    input: {
      to_agent: z.string().min(1).describe("The recipient's agent id."),
      body: z.string().describe("The message text."),
      kind: kindSchema.optional().describe("Message kind (default chat)."),
      thread_id: threadIdInput.optional(),
    },
    output: { message: messageSchema },
    annotations: WRITE,
    run: async (a) => {
      const message = await client.dm(a.to_agent, a.body, {
        ...(a.kind ? { kind: a.kind } : {}),
        ...(a.thread_id !== undefined ? { threadId: a.thread_id } : {}),
      });
      return {
        summary: `Sent message ${message.id} to '${a.to_agent}'.${
          recipientWarning(a.to_agent, message)
        }`,
        data: { message },
      };
    },
  });

  tool("arc_poll_messages", {
    title: "Read new messages",
    description:
      "Read what is new to you (broadcasts and your direct messages), each message once; waits up to timeout s (default 5) when nothing is. Call it between steps. channel/thread_id filter and leave the rest queued; since_id re-reads history without moving your read position.",
    input: {
      timeout: z.number().min(0).max(DEFAULTS.maxTimeoutSec).optional()
        .describe(
          `At most ${DEFAULTS.maxTimeoutSec}.`,
        ),
      channel: z.string().min(1).optional().describe("Only this channel."),
      thread_id: z.string().min(1).optional().describe("Only this thread."),
      since_id: z.number().int().nonnegative().optional().describe(
        "Re-read history after this id.",
      ),
      exclude_self: z.boolean().optional().describe(
        "Default true.",
      ),
    },
    output: {
      messages: messageList,
      cursor: z.number().int().describe("Your read position."),
      pending: z.number().int().describe(
        "Messages still queued.",
      ),
    },
    annotations: READ,
    run: async (a, extra) => {
      const timeoutSec = a.timeout ?? 5;
      let messages: Message[];
      if (a.since_id !== undefined) {
        const reader = conn.reader();
        reader.sinceId = a.since_id;
        messages = await reader.poll({
          timeoutSec,
          excludeSelf: a.exclude_self ?? true,
          limit: DEFAULTS.maxQueryLimit,
          signal: extra.signal,
          ...(a.channel !== undefined ? { channel: a.channel } : {}),
          ...(a.thread_id !== undefined ? { threadId: a.thread_id } : {}),
        });
      } else {
        messages = (await conn.feed.take({
          excludeSelf: a.exclude_self ?? true,
          ...(a.channel !== undefined ? { channel: a.channel } : {}),
          ...(a.thread_id !== undefined ? { threadId: a.thread_id } : {}),
        }, { timeoutSec, signal: extra.signal })).messages;
      }
      return {
        summary: describeMessages(messages, agentId),
        data: {
          messages,
          cursor: conn.feed.cursor,
          pending: conn.feed.pending,
        },
      };
    },
  });

  tool("arc_wait_for_events", {
    title: "Wait for a message",
    description:
      `Block until a matching message arrives or timeout s pass: a request for you (kinds ['task_request']), an answer (reply_to), a sender (from_agent), a thread. Use it when idle or waiting instead of a quick loop. Non-matching messages stay queued. Keep timeout <= 60 unless your host allows long calls.`,
    input: {
      timeout: z.number().min(0).max(MAX_WAIT_SEC).optional().describe(
        `Default 30, at most ${MAX_WAIT_SEC}.`,
      ),
      kinds: z.array(kindSchema).optional().describe(
        "Only these kinds.",
      ),
      from_agent: z.string().min(1).optional().describe(
        "Only from this agent.",
      ),
      channel: z.string().min(1).optional().describe("Only this channel."),
      thread_id: z.string().min(1).optional().describe("Only this thread."),
      reply_to: z.number().int().nonnegative().optional().describe(
        "Only answers to this message id.",
      ),
    },
    output: {
      messages: messageList,
      timed_out: z.boolean().describe("True when nothing matched in time."),
      cursor: z.number().int(),
      pending: z.number().int(),
    },
    annotations: READ,
    run: async (a, extra) => {
      const timeoutSec = a.timeout ?? 30;
      const stop = keepAlive(extra, timeoutSec);
      try {
        const { messages, pending } = await conn.feed.take({
          ...(a.kinds ? { kinds: a.kinds } : {}),
          ...(a.from_agent !== undefined ? { fromAgent: a.from_agent } : {}),
          ...(a.channel !== undefined ? { channel: a.channel } : {}),
          ...(a.thread_id !== undefined ? { threadId: a.thread_id } : {}),
          ...(a.reply_to !== undefined ? { replyTo: a.reply_to } : {}),
        }, { timeoutSec, signal: extra.signal });
        return {
          summary: messages.length
            ? describeMessages(messages, agentId)
            : `Nothing matching arrived within ${timeoutSec} s.`,
          data: {
            messages,
            timed_out: messages.length === 0,
            cursor: conn.feed.cursor,
            pending,
          },
        };
      } finally {
        stop();
      }
    },
  });

  tool("arc_inbox", {
    title: "List my direct messages",
    description:
      "List direct messages sent to you (not broadcasts), including ones you have already read. Use it to catch up on requests addressed to you, e.g. after a restart or when a conversation was long ago. Without since_id it returns the newest ones.",
    input: {
      since_id: z.number().int().nonnegative().optional().describe(
        "Only messages after this id (oldest first).",
      ),
      limit: z.number().int().min(1).max(DEFAULTS.maxQueryLimit).optional()
        .describe("Most messages to return (default 50)."),
    },
    output: { messages: messageList },
    annotations: READ,
    run: async (a) => {
      const limit = a.limit ?? 50;
      const messages = await client.inbox(
        a.since_id === undefined
          ? { tail: true, limit }
          : { sinceId: a.since_id, limit },
      );
      return {
        summary: `${messages.length} direct message(s) to you.`,
        data: { messages },
      };
    },
  });

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

  tool("arc_create_channel", {
    title: "Create a channel",
    description:
      "Create a channel, or get it if it already exists. Posts to a channel that does not exist are refused, so create one before its first post. Use channels for standing topics (e.g. 'reviews'); for one piece of work prefer a thread_id in 'general'.",
    input: {
      name: z.string().trim().min(1).describe("The channel name."),
    },
    output: { channel: channelSchema },
    annotations: IDEMPOTENT,
    run: async ({ name }) => {
      const channel = await client.createChannel(name);
      return {
        summary: `Channel #${channel.name} is ready.`,
        data: { channel },
      };
    },
  });

  tool("arc_list_channels", {
    title: "List channels",
    description:
      "List the hub's channels. Use it to find where a topic is discussed before creating a new channel.",
    input: {},
    output: { channels: z.array(channelSchema) },
    annotations: READ,
    run: async () => {
      const channels = await client.listChannels();
      return {
        summary: `${channels.length} channel(s): ${
          channels.map((c) => c.name).join(", ")
        }.`,
        data: { channels },
      };
    },
  });

  // ── RPC ─────────────────────────────────────────────────────────────

  tool("arc_rpc_call", {
    title: "Ask an agent and wait for the answer",
    description:
      "Send another agent a request (a task_request direct message) and wait for its answer (the task_result it sends with arc_rpc_reply). Use it when you cannot continue without the result, e.g. 'run the tests on branch x'. If no answer comes within timeout seconds the call fails but the request stays open: wait for the answer later with arc_wait_for_events and reply_to set to the request id from the error.",
    input: {
      to_agent: z.string().min(1).describe("The agent to ask."),
      body: z.string().min(1).describe("What you ask for, self-contained."),
      timeout: z.number().min(1).max(MAX_WAIT_SEC).optional().describe(
        `Seconds to wait for the answer (default 30, at most ${MAX_WAIT_SEC}).`,
      ),
      thread_id: threadIdInput.optional(),
    },
    output: {
      request_id: z.number().int().describe("The id of your request."),
      reply: messageSchema.describe("The answer (kind task_result)."),
    },
    annotations: WRITE,
    run: async (a, extra) => {
      const timeoutSec = a.timeout ?? 30;
      const request = await client.dm(a.to_agent, a.body, {
        kind: "task_request",
        ...(a.thread_id !== undefined ? { threadId: a.thread_id } : {}),
      });
      const stop = keepAlive(extra, timeoutSec);
      try {
        const { messages } = await conn.feed.take(
          { kinds: ["task_result"], replyTo: request.id },
          { timeoutSec, limit: 1, signal: extra.signal },
        );
        const reply = messages[0];
        if (!reply) {
          throw new Error(
            `'${a.to_agent}' did not answer request ${request.id} within ${timeoutSec} s. The request stays open: wait for the answer with arc_wait_for_events and reply_to ${request.id}.`,
          );
        }
        const failure = outcomeOf(reply);
        return {
          summary: failure
            ? `'${reply.from_agent}' ${failure.outcome} request ${request.id}: ${
              clip(failure.reason)
            }`
            : `'${reply.from_agent}' answered request ${request.id}: ${
              clip(reply.body)
            }`,
          data: { request_id: request.id, reply },
        };
      } finally {
        stop();
      }
    },
  });

  tool("arc_rpc_reply", {
    title: "Answer a request",
    description:
      "Answer a task_request sent to you: posts a task_result replying to it, which completes its task and wakes the caller. Answer every request, also to decline.",
    input: {
      reply_to: z.number().int().nonnegative().describe(
        "The id of the task_request message you answer.",
      ),
      body: z.string().describe("The answer."),
      kind: kindSchema.optional().describe(
        "Kind of the answer (default task_result).",
      ),
      attachments: z.array(attachmentSchema).optional().describe(
        "Results as inline content or file references.",
      ),
      metadata: metadataSchema.optional(),
      to_agent: z.string().min(1).optional().describe(
        "Recipient (default: the request's sender).",
      ),
    },
    output: {
      message: messageSchema,
      task_completed: z.number().int().nullable().describe(
        "The request whose task this answer completed, if any.",
      ),
    },
    annotations: WRITE,
    run: async (a) => {
      const request = conn.feed.recent(a.reply_to) ??
        await findDirect(client, a.reply_to);
      const options = {
        ...(a.kind ? { kind: a.kind as MessageKind } : {}),
        ...(a.attachments !== undefined
          ? { attachments: a.attachments as Attachment[] }
          : {}),
        ...(a.metadata !== undefined ? { metadata: a.metadata } : {}),
      };
      let message: Message;
      if (request) {
        message = await client.reply(request, a.body, {
          ...options,
          ...(a.to_agent !== undefined ? { toAgent: a.to_agent } : {}),
        });
      } else if (a.to_agent !== undefined) {
        message = await client.dm(a.to_agent, a.body, {
          kind: "task_result",
          ...options,
          replyTo: a.reply_to,
        });
      } else {
        throw new Error(
          `Message ${a.reply_to} is not a request this agent received; pass to_agent to answer it anyway`,
        );
      }
      const completed = message.metadata["task_completed"];
      return {
        summary: `Answered request ${a.reply_to} with message ${message.id}${
          typeof completed === "number" ? " (task completed)" : ""
        }.`,
        data: {
          message,
          task_completed: typeof completed === "number" ? completed : null,
        },
      };
    },
  });

  // ── claims ──────────────────────────────────────────────────────────

  tool("arc_claim", {
    title: "Claim a piece of work",
    description:
      "Claim work before starting it, under a key everyone would pick ('task-<id>'). acquired=false: claim.owner_agent_id has it; pick other work. Claiming again extends your lease. Release when done.",
    input: {
      key: z.string().min(1).describe("The claim key, e.g. 'task-42'."),
      thread_id: threadIdInput.optional(),
      task_id: z.number().int().nonnegative().optional().describe(
        "The task this claim is about.",
      ),
      ttl_sec: ttlInput,
      metadata: metadataSchema.optional(),
    },
    output: {
      acquired: z.boolean().describe("True when you hold the claim now."),
      claim: claimSchema.describe(
        "The claim (the holder's, when not acquired).",
      ),
    },
    annotations: IDEMPOTENT,
    run: async (a) => {
      const { acquired, claim } = await client.claim(a.key, {
        ...(a.thread_id !== undefined ? { threadId: a.thread_id } : {}),
        ...(a.task_id !== undefined ? { taskMessageId: a.task_id } : {}),
        ...(a.ttl_sec !== undefined ? { ttlSec: a.ttl_sec } : {}),
        ...(a.metadata !== undefined ? { metadata: a.metadata } : {}),
      });
      return {
        summary: acquired
          ? `You hold claim '${claim.claim_key}' until ${claim.expires_at}.`
          : `Claim '${claim.claim_key}' is held by '${claim.owner_agent_id}' until ${claim.expires_at}; pick other work.`,
        data: { acquired, claim },
      };
    },
  });

  tool("arc_refresh_claim", {
    title: "Extend a claim",
    description:
      "Extend a claim you hold so it does not lapse while you are still working. Fails when you no longer hold it (it lapsed or was released): claim it again.",
    input: {
      key: z.string().min(1).describe("The claim key."),
      ttl_sec: ttlInput,
    },
    output: { claim: claimSchema },
    annotations: IDEMPOTENT,
    run: async (a) => {
      const claim = await client.refreshClaim(
        a.key,
        a.ttl_sec !== undefined ? { ttlSec: a.ttl_sec } : {},
      );
      return {
        summary:
          `Claim '${claim.claim_key}' now runs until ${claim.expires_at}.`,
        data: { claim },
      };
    },
  });

  tool("arc_release_claim", {
    title: "Release a claim",
    description:
      "Release a claim you hold when the work is done or given up, so others can pick it up.",
    input: { key: z.string().min(1).describe("The claim key.") },
    output: { claim: claimSchema },
    annotations: DESTRUCTIVE,
    run: async ({ key }) => {
      const claim = await client.release(key);
      return {
        summary: `Released claim '${claim.claim_key}'.`,
        data: { claim },
      };
    },
  });

  tool("arc_list_claims", {
    title: "List claims",
    description:
      "List claims (who works on what). Use it to see what is taken before choosing work, or to check a thread's progress.",
    input: {
      thread_id: z.string().min(1).optional().describe("Only this thread."),
      active_only: activeOnlyInput,
    },
    output: { claims: z.array(claimSchema) },
    annotations: READ,
    run: async (a) => {
      const claims = await client.listClaims({
        activeOnly: a.active_only ?? true,
        ...(a.thread_id !== undefined ? { threadId: a.thread_id } : {}),
      });
      return {
        summary: `${claims.length} claim(s)${
          claims.length
            ? ": " +
              claims.map((c) => `${c.claim_key} (${c.owner_agent_id})`).join(
                ", ",
              )
            : ""
        }.`,
        data: { claims },
      };
    },
  });

  // ── locks ───────────────────────────────────────────────────────────

  tool("arc_lock", {
    title: "Lock a file",
    description:
      "Lock a file path (or glob) before editing it. acquired=false: lock.agent_id holds it; never edit it then. Locking again extends your lease. Unlock as soon as the edit is done.",
    input: {
      path: z.string().min(1).describe(
        "Path as all agents write it (repository-relative).",
      ),
      ttl_sec: ttlInput,
      thread_id: threadIdInput.optional(),
      metadata: metadataSchema.optional(),
      mode: z.enum(["exclusive", "shared"]).optional().describe(
        "exclusive (default), or shared with other shared holders.",
      ),
    },
    output: {
      acquired: z.boolean().describe("True when you hold the lock now."),
      lock: lockSchema.describe("The lock (the holder's, when not acquired)."),
      fence: z.number().int().optional().describe(
        "Grows with each newer overlapping grant.",
      ),
    },
    annotations: IDEMPOTENT,
    run: async (a) => {
      const metadata = {
        ...(a.metadata ?? {}),
        ...(a.thread_id !== undefined ? { thread_id: a.thread_id } : {}),
      };
      const { acquired, lock, fence } = await client.lock(a.path, {
        ...(a.ttl_sec !== undefined ? { ttlSec: a.ttl_sec } : {}),
        ...(Object.keys(metadata).length ? { metadata } : {}),
        ...(a.mode !== undefined ? { mode: a.mode } : {}),
      });
      return {
        summary: acquired
          ? `You hold the lock on ${lock.file_path} until ${lock.expires_at}${
            fence !== undefined ? ` (fence ${fence})` : ""
          }.`
          : `${a.path} is locked by '${lock.agent_id}' (${lock.file_path}) until ${lock.expires_at}; do not edit it.`,
        data: { acquired, lock, ...(fence !== undefined ? { fence } : {}) },
      };
    },
  });

  tool("arc_refresh_lock", {
    title: "Extend a file lock",
    description:
      "Extend a file lock you hold while you are still editing. Fails when you no longer hold it: lock it again.",
    input: {
      path: z.string().min(1).describe("The locked path."),
      ttl_sec: ttlInput,
    },
    output: { lock: lockSchema },
    annotations: IDEMPOTENT,
    run: async (a) => {
      const lock = await client.refreshLock(
        a.path,
        a.ttl_sec !== undefined ? { ttlSec: a.ttl_sec } : {},
      );
      return {
        summary: `Lock on ${lock.file_path} now runs until ${lock.expires_at}.`,
        data: { lock },
      };
    },
  });

  tool("arc_unlock", {
    title: "Unlock a file",
    description:
      "Release a file lock you hold as soon as your edit is done, so others may edit the file.",
    input: { path: z.string().min(1).describe("The locked path.") },
    output: { lock: lockSchema },
    annotations: DESTRUCTIVE,
    run: async ({ path }) => {
      const lock = await client.unlock(path);
      return { summary: `Unlocked ${lock.file_path}.`, data: { lock } };
    },
  });

  tool("arc_list_locks", {
    title: "List file locks",
    description:
      "List file locks (who is editing what). Use it before planning edits to see which files are busy.",
    input: {
      agent_id: z.string().min(1).optional().describe(
        "Only locks held by this agent.",
      ),
      active_only: activeOnlyInput,
    },
    output: { locks: z.array(lockSchema) },
    annotations: READ,
    run: async (a) => {
      const locks = await client.listLocks({
        activeOnly: a.active_only ?? true,
        ...(a.agent_id !== undefined ? { agentId: a.agent_id } : {}),
      });
      return {
        summary: `${locks.length} lock(s)${
          locks.length
            ? ": " +
              locks.map((l) => `${l.file_path} (${l.agent_id})`).join(", ")
            : ""
        }.`,
        data: { locks },
      };
    },
  });

  // ── tasks and threads ───────────────────────────────────────────────

  tool("arc_list_tasks", {
    title: "List tasks",
    description:
      "List tasks (created by messages of kind task or task_request; a task's id is its message's id). Use status 'open' to find work to claim, thread_id to follow one piece of work, parent_id to see a task's subtasks.",
    input: {
      status: z.enum(["open", "done"]).optional().describe(
        "Only open or only done tasks.",
      ),
      thread_id: z.string().min(1).optional().describe("Only this thread."),
      channel: z.string().min(1).optional().describe("Only this channel."),
      parent_id: z.number().int().nonnegative().optional().describe(
        "Only subtasks of this task.",
      ),
    },
    output: { tasks: z.array(taskSchema) },
    annotations: READ,
    run: async (a) => {
      const tasks = await client.listTasks({
        ...(a.status !== undefined ? { status: a.status } : {}),
        ...(a.thread_id !== undefined ? { threadId: a.thread_id } : {}),
        ...(a.channel !== undefined ? { channel: a.channel } : {}),
        ...(a.parent_id !== undefined ? { parentId: a.parent_id } : {}),
      });
      const open = tasks.filter((t) => t.status === "open").length;
      return {
        summary: `${tasks.length} task(s), ${open} open.`,
        data: { tasks },
      };
    },
  });

  tool("arc_complete_task", {
    title: "Complete a task",
    description:
      "Mark a task done when you have finished it (post the result to its thread too). When it was the last open subtask of its parent, the parent is completed as well and parent_completed is true.",
    input: {
      task_id: z.number().int().nonnegative().describe(
        "The task id (the id of the task message).",
      ),
    },
    output: {
      task: taskSchema,
      parent_completed: z.boolean().describe(
        "True when this completed the parent task too.",
      ),
    },
    annotations: IDEMPOTENT,
    run: async ({ task_id }) => {
      const { task, parentCompleted } = await client.completeTask(task_id);
      return {
        summary: `Task ${task.task_id} is done${
          parentCompleted
            ? `; that completed its parent task ${task.parent_task_id} too`
            : ""
        }.`,
        data: { task, parent_completed: parentCompleted },
      };
    },
  });

  tool("arc_list_threads", {
    title: "List threads",
    description:
      "List threads (pieces of work grouped by thread_id), most recently active first, with counts of messages, open tasks, claims and locks. Use it to get an overview of what is going on; status 'waiting' threads may need someone to pick them up.",
    input: {
      status: z.enum(["open", "waiting", "completed"]).optional().describe(
        "Only threads in this state.",
      ),
      limit: z.number().int().min(1).max(DEFAULTS.maxQueryLimit).optional()
        .describe("Most threads to return (default 50)."),
    },
    output: { threads: z.array(threadSummarySchema) },
    annotations: READ,
    run: async (a) => {
      const threads = (await client.listThreads())
        .filter((t) => a.status === undefined || t.status === a.status)
        .slice(0, a.limit ?? 50);
      return {
        summary: `${threads.length} thread(s)${
          threads.length
            ? ": " +
              threads.map((t) => `${t.thread_id} (${t.status})`).join(", ")
            : ""
        }.`,
        data: { threads },
      };
    },
  });

  tool("arc_get_thread", {
    title: "Read a thread",
    description:
      "Read one thread in full: its summary, messages (direct messages included), tasks, claims and locks. Use it to catch up on a piece of work before joining it, or to check its state before reporting.",
    input: {
      thread_id: z.string().min(1).describe("The thread id."),
      message_limit: z.number().int().min(1).max(DEFAULTS.maxQueryLimit)
        .optional().describe("Return only the newest messages (default 100)."),
    },
    output: {
      thread: threadSummarySchema,
      messages: messageList,
      omitted_messages: z.number().int().describe(
        "Older messages left out by message_limit.",
      ),
      tasks: z.array(taskSchema),
      claims: z.array(claimSchema),
      locks: z.array(lockSchema),
    },
    annotations: READ,
    run: async (a) => {
      const detail = await client.getThread(a.thread_id);
      const limit = a.message_limit ?? 100;
      const omitted = Math.max(0, detail.messages.length - limit);
      const t = detail.thread;
      return {
        summary:
          `Thread ${t.thread_id} is ${t.status}: ${t.message_count} message(s), ${t.open_task_count}/${t.total_task_count} task(s) open, ${t.active_claim_count} claim(s), ${t.active_lock_count} lock(s).`,
        data: {
          thread: t,
          messages: detail.messages.slice(omitted),
          omitted_messages: omitted,
          tasks: detail.tasks,
          claims: detail.claims,
          locks: detail.locks,
        },
      };
    },
  });
}

/** The request `id` among the agent's direct messages, if it is one. */
async function findDirect(
  client: ArcClient,
  id: number,
): Promise<Message | undefined> {
  if (id < 1) return undefined;
  const [first] = await client.inbox({ sinceId: id - 1, limit: 1 });
  return first?.id === id ? first : undefined;
}

/** Sends progress notifications during a long wait, when the host asked for them. */
function keepAlive(extra: Extra, totalSec: number): () => void {
  const token = extra._meta?.progressToken;
  if (token === undefined) return () => {};
  const started = Date.now();
  const timer = setInterval(() => {
    const elapsed = Math.round((Date.now() - started) / 1000);
    extra.sendNotification({
      method: "notifications/progress",
      params: {
        progressToken: token,
        progress: elapsed,
        total: totalSec,
        message: `waiting (${elapsed} s of ${totalSec} s)`,
      },
    }).catch(() => {});
  }, PROGRESS_EVERY_MS);
  return () => clearInterval(timer);
}

function describeMessages(messages: Message[], self: string): string {
  if (messages.length === 0) return "No new messages.";
  const lines = messages.slice(0, 20).map((m) =>
    `#${m.id} ${m.kind} from ${m.from_agent}${
      m.to_agent === self ? " to you" : ` in #${m.channel}`
    }${m.thread_id ? ` [${m.thread_id}]` : ""}: ${clip(m.body)}`
  );
  if (messages.length > 20) lines.push(`… and ${messages.length - 20} more`);
  return `${messages.length} message(s):\n${lines.join("\n")}`;
}

function clip(text: string, max = 160): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
