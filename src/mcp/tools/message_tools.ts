/**
 * The MCP tools that send and read messages: `arc_post_message` and `arc_dm`
 * write, `arc_poll_messages` and `arc_wait_for_events` read the agent's
 * feed, `arc_inbox` lists its direct messages again.
 *
 * @module
 */

import { z } from "zod";
import { defined } from "../../client/_util.ts";
import type { DmOptions, PostOptions } from "../../client/client.ts";
import type { Attachment, Message } from "../../client/types.ts";
import { DEFAULTS } from "../../protocol.ts";
import type { HubConnection } from "../connection.ts";
import { READ, type Tool, WRITE } from "../register.ts";
import {
  attachmentSchema,
  kindSchema,
  messageSchema,
  metadataSchema,
} from "../schemas.ts";
import {
  describeMessages,
  keepAlive,
  MAX_WAIT_SEC,
  messageList,
  threadIdInput,
} from "./_shared.ts";

/** Registers the message tools on `tool`. */
export function messageTools(tool: Tool, conn: HubConnection): void {
  const client = conn.client;
  const agentId = conn.options.agentId;

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
      const message = await client.post(
        a.channel,
        a.body,
        defined<PostOptions>({
          kind: a.kind,
          threadId: a.thread_id,
          replyTo: a.reply_to,
          metadata: a.metadata,
          attachments: a.attachments as Attachment[] | undefined,
          toAgent: a.to_agent,
          parentTaskId: a.parent_task_id,
        }),
      );
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
    run: async ({ to_agent, body, kind, thread_id }) => {
      const message = await client.dm(
        to_agent,
        body,
        defined<DmOptions>({ kind, threadId: thread_id }),
      );
      return {
        summary: `Sent message ${message.id} to '${to_agent}'.${
          recipientWarning(to_agent, message)
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
}

/** The text warning for a direct message whose recipient is not live, or "" when it is. */
function recipientWarning(
  to: string,
  message: { arcdeno?: { recipient?: string } },
): string {
  const recipient = message.arcdeno?.recipient;
  if (recipient === "unknown") {
    return ` Warning: the hub has never seen agent '${to}'; the message waits for it, but check the id with arc_list_agents.`;
  }
  if (recipient === "expired") {
    return ` Warning: agent '${to}' has no live session (it expired); the message waits until it comes back.`;
  }
  return "";
}
