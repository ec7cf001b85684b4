/**
 * Retention units (`serve --retain-days`): which old messages may go, and
 * their deletion. A thread goes whole, once it has tasks, all of them done,
 * and its newest message is older than the cutoff; a direct message outside
 * threads and tasks goes once its recipient received it (it has a delivery
 * receipt, acknowledged or not) and it is older than the cutoff. The file writing
 * around these units is in `src/hub/retention.ts`.
 *
 * @module
 */

import type { Message } from "../../store/types.ts";
import { tx, type Unit } from "../../store/unit.ts";
import { toIso } from "../../time.ts";

/** Threads that may be pruned: tasks all done, newest message before `cutoff`. */
export function* closedThreads(
  cutoff: string,
  afterThread: string,
  limit: number,
): Unit<string[]> {
  return yield* tx.closedThreadsBefore(cutoff, afterThread, limit);
}

/**
 * Deletes a thread's messages, provided it is still closed and old and its
 * newest message is still `throughId`, the last one its export file holds
 * (anything newer was not written out, so nothing is deleted). Returns how
 * many messages went; 0 when the thread changed or another hub pruned it.
 */
export function* pruneThread(
  threadId: string,
  cutoff: string,
  throughId: number,
): Unit<number> {
  yield* tx.serialize("retention");
  const age = yield* tx.threadAge(threadId);
  if (
    age.totalTasks === 0 || age.openTasks > 0 ||
    age.latestMessageId !== throughId ||
    age.latestMessageTs === null || age.latestMessageTs >= cutoff
  ) return 0;
  return yield* tx.deleteThreadMessages(threadId, throughId);
}

/** Received direct messages outside threads and tasks, older than `cutoff`. */
export function* deliveredDirect(
  cutoff: string,
  afterId: number,
  limit: number,
): Unit<Message[]> {
  return yield* tx.deliveredDirectBefore(cutoff, afterId, limit);
}

/** Deletes these direct messages (only those still older than `cutoff`); returns how many went. */
export function* pruneDirect(
  ids: readonly number[],
  cutoff: string,
): Unit<number> {
  yield* tx.serialize("retention");
  return yield* tx.deleteMessagesBefore(ids, cutoff);
}

/** The time before which messages may be pruned: `days` before the store's clock. */
export function* retentionCutoff(days: number): Unit<string> {
  const now = yield* tx.now();
  return toIso(now - days * 86_400_000);
}
