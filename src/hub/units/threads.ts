/**
 * Which channel a thread belongs to: its first root task's, else its first
 * message's, else its first task's. Recovery notices about a thread go
 * there.
 *
 * @module
 */

import { tx, type Unit } from "../../store/unit.ts";
import type { ThreadDetail } from "../../store/types.ts";
import { toIso } from "../../time.ts";
import { buildThreadSummary, factsFromRows } from "../threads.ts";

/** The thread's channel; null for a thread nothing names. */
export function* threadChannel(threadId: string): Unit<string | null> {
  const facts = yield* tx.threadChannelFacts(threadId);
  return facts.rootTask ?? facts.message ?? facts.task;
}

/** One thread with its summary and every row; null when nothing names it. */
export function* getThread(threadId: string): Unit<ThreadDetail | null> {
  const rows = yield* tx.threadRows(threadId);
  const { messages, tasks, claims, locks } = rows;
  if (!messages.length && !tasks.length && !claims.length && !locks.length) {
    return null;
  }
  const facts = factsFromRows(threadId, rows, toIso(yield* tx.now()));
  return { thread: buildThreadSummary(facts), ...rows };
}
