/**
 * Builds a thread summary (protocol §4.7) from facts a backend gathers, so
 * every backend derives `channel` and `status` by the same rules.
 *
 * @module
 */

import type { ThreadSummary } from "./types.ts";

/** What a backend knows about one thread. */
export interface ThreadFacts {
  threadId: string;
  messageCount: number;
  latestMessageId: number | null;
  latestMessageTs: string | null;
  latestArtifactId: number | null;
  /** Channel of the thread's lowest-id message. */
  firstMessageChannel: string | null;
  totalTasks: number;
  openTasks: number;
  /** Lowest task id without a parent. */
  rootTaskId: number | null;
  rootTaskChannel: string | null;
  /** Channel of the thread's lowest-id task. */
  firstTaskChannel: string | null;
  activeClaims: number;
  activeLocks: number;
}

/**
 * The thread status: `completed` when it has tasks and all are done, `open`
 * when something is actively claimed or locked, `waiting` otherwise.
 */
export function threadStatus(f: ThreadFacts): ThreadSummary["status"] {
  if (f.totalTasks > 0 && f.openTasks === 0) return "completed";
  if (f.activeClaims > 0 || f.activeLocks > 0) return "open";
  return "waiting";
}

/** Turns facts into the wire summary. */
export function buildThreadSummary(f: ThreadFacts): ThreadSummary {
  return {
    thread_id: f.threadId,
    channel: f.rootTaskChannel ?? f.firstMessageChannel ?? f.firstTaskChannel,
    root_task_id: f.rootTaskId,
    latest_message_id: f.latestMessageId,
    latest_message_ts: f.latestMessageTs,
    latest_artifact_id: f.latestArtifactId,
    message_count: f.messageCount,
    total_task_count: f.totalTasks,
    open_task_count: f.openTasks,
    active_claim_count: f.activeClaims,
    active_lock_count: f.activeLocks,
    status: threadStatus(f),
  };
}
