/**
 * A thread's summary facts from the per-thread counts each backend reads in
 * its own SQL: folded here once, the same way for both.
 *
 * @module
 */

import type { Row } from "./rows.ts";
import type { ThreadFacts } from "./types.ts";

/** Facts of a thread with nothing in it yet, for a backend to fill. */
export function emptyFacts(threadId: string): ThreadFacts {
  return {
    threadId,
    messageCount: 0,
    latestMessageId: null,
    latestMessageTs: null,
    latestArtifactId: null,
    firstMessageChannel: null,
    totalTasks: 0,
    openTasks: 0,
    rootTaskId: null,
    rootTaskChannel: null,
    firstTaskChannel: null,
    activeClaims: 0,
    activeLocks: 0,
  };
}

/** The row sets a backend reads for {@linkcode threadFactsOf}, by thread. */
export interface ThreadFactRows {
  /** `thread_id, n, mx, art, ts, first_channel` ({@linkcode THREAD_MESSAGES_SQL}). */
  messages: Row[];
  /** `thread_id, n, open, root, root_channel, first_channel`. */
  tasks: Row[];
  /** `thread_id, active`: live claims. */
  claims: Row[];
  /** `thread_id, active`: live locks (only threads known otherwise count). */
  locks: Row[];
}

/** What each thread holds, from the backend's per-thread counts. */
export function threadFactsOf(rows: ThreadFactRows): ThreadFacts[] {
  const facts = new Map<string, ThreadFacts>();
  const entry = (id: string): ThreadFacts => {
    let f = facts.get(id);
    if (!f) {
      f = emptyFacts(id);
      facts.set(id, f);
    }
    return f;
  };
  for (const row of rows.messages) {
    const f = entry(String(row["thread_id"]));
    f.messageCount = Number(row["n"]);
    f.latestMessageId = Number(row["mx"]);
    f.latestMessageTs = String(row["ts"]);
    f.latestArtifactId = row["art"] == null ? null : Number(row["art"]);
    f.firstMessageChannel = String(row["first_channel"]);
  }
  for (const row of rows.tasks) {
    const f = entry(String(row["thread_id"]));
    f.totalTasks = Number(row["n"]);
    f.openTasks = Number(row["open"]);
    f.rootTaskId = row["root"] == null ? null : Number(row["root"]);
    f.rootTaskChannel = row["root_channel"] == null
      ? null
      : String(row["root_channel"]);
    f.firstTaskChannel = String(row["first_channel"]);
  }
  for (const row of rows.claims) {
    entry(String(row["thread_id"])).activeClaims = Number(row["active"]);
  }
  for (const row of rows.locks) {
    const f = facts.get(String(row["thread_id"]));
    if (f) f.activeLocks = Number(row["active"]);
  }
  return [...facts.values()];
}

/** Each thread's message count, latest message and artifact, and first channel, from the thread statistics table. */
export const THREAD_MESSAGES_SQL =
  `SELECT s.thread_id, s.message_count AS n, s.latest_message_id AS mx,
     s.latest_artifact_id AS art,
     (SELECT ts FROM messages WHERE id = s.latest_message_id) AS ts,
     (SELECT channel FROM messages WHERE id = s.first_message_id) AS first_channel
   FROM arc_thread_stats AS s`;
