/**
 * The MCP tool of the work queue (`arcdeno:work_queue`): `arc_next_task`
 * takes the oldest ready task this agent may take, with a claim on it.
 *
 * @module
 */

import { z } from "zod";
import type { HubConnection } from "../connection.ts";
import { type Tool, WRITE } from "../register.ts";
import { claimSchema, taskSchema, ttlSchema } from "../schemas.ts";

/** Registers the work queue tool on `tool`. */
export function queueTools(tool: Tool, conn: HubConnection): void {
  const client = conn.client;

  tool("arc_next_task", {
    title: "Take the next task",
    description:
      "Take the oldest ready task you may work on from the hub's work queue: open, its dependencies done, claimed by nobody, not assigned to someone else, and needing only capabilities you have. You get it alone, with the claim task-<id>; refresh the claim for long work and call arc_complete_task when done. If your lease runs out the task goes back to the queue and your completion is refused. Returns task null when nothing is ready.",
    input: {
      capabilities: z.array(z.string()).optional().describe(
        "What you can do, matched against a task's metadata.arcdeno.requires (default: your session's capabilities).",
      ),
      channel: z.string().optional().describe("Only tasks of this channel."),
      thread_id: z.string().optional().describe("Only tasks of this thread."),
      ttl_sec: ttlSchema.optional().describe(
        "Lease on the task in seconds (default 300).",
      ),
    },
    output: {
      task: taskSchema.nullable(),
      claim: claimSchema.nullable(),
    },
    annotations: WRITE,
    run: async ({ capabilities, channel, thread_id, ttl_sec }) => {
      const handout = await client.nextTask({
        ...(capabilities !== undefined ? { capabilities } : {}),
        ...(channel !== undefined ? { channel } : {}),
        ...(thread_id !== undefined ? { threadId: thread_id } : {}),
        ...(ttl_sec !== undefined ? { ttlSec: ttl_sec } : {}),
      });
      if (!handout) {
        return {
          summary: "No task is ready for you in the work queue.",
          data: { task: null, claim: null },
        };
      }
      const { task, claim } = handout;
      return {
        summary:
          `You have task ${task.task_id} (channel ${task.channel}); your claim ${claim.claim_key} holds until ${claim.expires_at}.`,
        data: { task, claim },
      };
    },
  });
}
