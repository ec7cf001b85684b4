/**
 * The MCP tools of threads: `arc_list_threads` gives the overview,
 * `arc_get_thread` one piece of work in full.
 *
 * @module
 */

import { z } from "zod";
import { DEFAULTS } from "../../protocol.ts";
import type { HubConnection } from "../connection.ts";
import { READ, type Tool } from "../register.ts";
import {
  claimSchema,
  lockSchema,
  taskSchema,
  threadSummarySchema,
} from "../schemas.ts";
import { listed, messageList } from "./_shared.ts";

/** Registers the thread tools on `tool`. */
export function threadTools(tool: Tool, conn: HubConnection): void {
  const client = conn.client;

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
    run: async ({ status, limit = 50 }) => {
      const threads = (await client.listThreads())
        .filter((t) => status === undefined || t.status === status)
        .slice(0, limit);
      return listed(
        "thread",
        { threads },
        (t) => `${t.thread_id} (${t.status})`,
      );
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
