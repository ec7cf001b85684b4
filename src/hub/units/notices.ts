/**
 * The notices the hub posts on its own (`from_agent: "system"`): recovery of
 * a vanished agent's claims and locks, a parent task rolled up by its last
 * subtask, a task whose last dependency is done, and an approval the
 * operator decided. Their texts and
 * metadata live here only.
 *
 * @module
 */

import { SYSTEM_AGENT, VENDOR } from "../../protocol.ts";
import type { Approval } from "../../store/approvals.ts";
import type { Claim, Lock, NewMessage, Task } from "../../store/types.ts";

function notice(
  fields:
    & Pick<
      NewMessage,
      "channel" | "body" | "reply_to" | "thread_id" | "metadata"
    >
    & { to_agent?: string | null },
): NewMessage {
  return {
    from_agent: SYSTEM_AGENT,
    to_agent: fields.to_agent ?? null,
    channel: fields.channel,
    kind: "notice",
    body: fields.body,
    attachments: [],
    reply_to: fields.reply_to,
    thread_id: fields.thread_id,
    metadata: fields.metadata,
  };
}

/** A stale agent's claim was released by the presence sweep. */
export function claimRecoveredNotice(
  claim: Claim,
  staleAgentId: string,
  channel: string,
): NewMessage {
  return notice({
    channel,
    body:
      `Recovered stale claim ${claim.claim_key} from ${staleAgentId}. Work is available for pickup.`,
    reply_to: claim.task_message_id,
    thread_id: claim.thread_id,
    metadata: {
      recovery: true,
      stale_agent_id: staleAgentId,
      claim_key: claim.claim_key,
      task_message_id: claim.task_message_id,
    },
  });
}

/** A stale agent's lock was released by the presence sweep. */
export function lockRecoveredNotice(
  lock: Lock,
  staleAgentId: string,
  channel: string,
  threadId: string | null,
): NewMessage {
  return notice({
    channel,
    body:
      `Recovered stale lock on ${lock.file_path} from ${staleAgentId}. The file is available for pickup.`,
    reply_to: null,
    thread_id: threadId,
    metadata: {
      recovery: true,
      stale_agent_id: staleAgentId,
      file_path: lock.file_path,
    },
  });
}

/** The last open subtask of `parent` completed, so the parent did too. */
export function rollupNotice(parent: Task, subtasks: number): NewMessage {
  return notice({
    channel: parent.channel,
    body: `All ${subtasks} subtasks of task ${parent.task_id} are complete.`,
    reply_to: parent.task_id,
    thread_id: parent.thread_id,
    metadata: { auto_rollup: true, parent_task_id: parent.task_id },
  });
}

/** The last open dependency of `task`, task `completed`, is done. */
export function readyNotice(
  task: Task,
  assignee: string | null,
  dependsOn: number[],
  completed: number,
): NewMessage {
  return notice({
    to_agent: assignee,
    channel: task.channel,
    body:
      `Task ${task.task_id} is ready: its last open dependency, task ${completed}, is done.`,
    reply_to: task.task_id,
    thread_id: task.thread_id,
    metadata: {
      [VENDOR]: {
        task_ready: task.task_id,
        depends_on: dependsOn,
        completed_dependency: completed,
        assignee,
      },
    },
  });
}

/** The operator decided an agent's approval request (a direct message to the requester, which also wakes its waiters on every hub). */
export function approvalDecidedNotice(approval: Approval): NewMessage {
  const verdict = approval.status === "allowed" ? "allowed" : "denied";
  const note = approval.note ? `: ${approval.note}` : "";
  return notice({
    to_agent: approval.agent_id,
    channel: "direct",
    body: `Approval ${approval.id} (${approval.title}) was ${verdict} by ${
      approval.decided_by ?? "the operator"
    }${note}`,
    reply_to: null,
    thread_id: null,
    metadata: {
      [VENDOR]: {
        approval: {
          id: approval.id,
          status: approval.status,
          ...(approval.choice !== null ? { choice: approval.choice } : {}),
        },
      },
    },
  });
}
