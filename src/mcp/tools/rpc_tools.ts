/**
 * The MCP tools of requests between agents: `arc_rpc_call` sends a
 * task_request and waits for its task_result, `arc_rpc_reply` answers one.
 *
 * @module
 */

import { z } from "zod";
import type { ArcClient } from "../../client/client.ts";
import { outcomeOf } from "../../client/rpc.ts";
import type { Attachment, Message, MessageKind } from "../../client/types.ts";
import type { HubConnection } from "../connection.ts";
import { type Tool, WRITE } from "../register.ts";
import {
  attachmentSchema,
  kindSchema,
  messageSchema,
  metadataSchema,
} from "../schemas.ts";
import { clip, keepAlive, MAX_WAIT_SEC, threadIdInput } from "./_shared.ts";

/** Registers the RPC tools on `tool`. */
export function rpcTools(tool: Tool, conn: HubConnection): void {
  const client = conn.client;

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
