/**
 * The MCP tools of tasks: `arc_list_tasks` finds work, `arc_complete_task`
 * marks it done (and rolls a finished subtree up to its parent).
 *
 * @module
 */

import { z } from "zod";
import type { HubConnection } from "../connection.ts";
import { IDEMPOTENT, READ, type Tool } from "../register.ts";
import { taskSchema } from "../schemas.ts";

/** Registers the task tools on `tool`. */
export function taskTools(tool: Tool, conn: HubConnection): void {
  const client = conn.client;

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
}
