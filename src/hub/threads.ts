/**
 * Thread summaries (protocol s.4.7): a thread's channel and status, from the
 * facts a backend gathers about it. `completed` when it has tasks and all
 * are done, `open` when something is actively claimed or locked, `waiting`
 * otherwise.
 *
 * @module
 */

import type { ThreadFacts, ThreadRows, ThreadSummary } from "../store/types.ts";
import { emptyFacts } from "../store/thread_facts.ts";
import { isLive } from "./units/claims.ts";

/** The thread status. */
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

/** Summaries for `GET /v1/threads`: newest message first, then by id, descending. */
export function summarizeThreads(facts: ThreadFacts[]): ThreadSummary[] {
  return facts.map(buildThreadSummary).sort((a, b) =>
    (b.latest_message_id ?? -1) - (a.latest_message_id ?? -1) ||
    (a.thread_id < b.thread_id ? 1 : a.thread_id > b.thread_id ? -1 : 0)
  );
}

/** The facts of one thread from all its rows, with leases live at `now`. */
export function factsFromRows(
  threadId: string,
  rows: ThreadRows,
  now: string,
): ThreadFacts {
  const { messages, tasks, claims, locks } = rows;
  const roots = tasks.filter((t) => t.parent_task_id === null);
  const last = messages.at(-1);
  return {
    ...emptyFacts(threadId),
    messageCount: messages.length,
    latestMessageId: last?.id ?? null,
    latestMessageTs: last?.ts ?? null,
    latestArtifactId: messages.findLast((m) => m.kind === "artifact")?.id ??
      null,
    firstMessageChannel: messages[0]?.channel ?? null,
    totalTasks: tasks.length,
    openTasks: tasks.filter((t) => t.status === "open").length,
    rootTaskId: roots[0]?.task_id ?? null,
    rootTaskChannel: roots[0]?.channel ?? null,
    firstTaskChannel: tasks[0]?.channel ?? null,
    activeClaims: claims.filter((c) => isLive(c, now)).length,
    activeLocks: locks.filter((l) => isLive(l, now)).length,
  };
}
