/**
 * Retention (`serve --retain-days N`): old messages of closed threads, and
 * received direct messages, are written to files in the retain directory
 * and then deleted, so the database and the inboxes stay bounded.
 *
 * - A thread goes whole when it has tasks, all done, and its newest message
 *   is older than N days. Its file is `thread-<id>-<time>.jsonl`, an Arc
 *   export of the thread (header, rows, end record) that `arc import` reads
 *   into an empty hub. Its tasks, claims and dependencies stay in the
 *   database, so the task tree can still be queried.
 * - A direct message outside threads and tasks goes when it is older than N
 *   days and its recipient received it (a delivery receipt). They
 *   are written to `dm-<time>-<first id>.jsonl`, one message row per line.
 *
 * Each file is written to a temporary name, flushed and renamed before
 * anything is deleted. The deletion re-checks its conditions in its own
 * transaction (serialised across hubs), so when two hubs prune at once, or
 * a thread gets a new message meanwhile, nothing unexported is deleted and
 * the redundant file is removed.
 *
 * @module
 */

import { join } from "../path.ts";
import type { Store } from "../store/types.ts";
import { type Clock, systemClock } from "../time.ts";
import { exportRecords } from "./export.ts";
import {
  closedThreads,
  deliveredDirect,
  pruneDirect,
  pruneThread,
  retentionCutoff,
} from "./units/retention.ts";

/** How a retention pass runs. */
export interface RetentionOptions {
  /** Messages older than this many days may go. */
  days: number;
  /** Where the files go; created when missing. */
  dir: string;
  /** Checked between threads: a closing hub stops early. */
  stopped?: () => boolean;
  /** Stamps the file names. @default the system clock */
  clock?: Clock;
}

/** What one pass did. */
export interface RetentionResult {
  /** Threads whose messages were deleted. */
  threads: number;
  /** Messages deleted, in threads and direct. */
  messages: number;
  /** Files written and kept. */
  files: string[];
}

const PAGE = 200;

/** A file name part safe on every file system. */
export function safeName(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 80);
  return safe || "_";
}

function stamp(options: RetentionOptions): string {
  return new Date((options.clock ?? systemClock).now()).toISOString().replace(
    /[:.]/g,
    "-",
  );
}

/** Writes lines to `path` through a temporary file and a rename. */
export async function writeAtomically(
  path: string,
  lines: AsyncIterable<string> | Iterable<string>,
): Promise<void> {
  const temp = `${path}.tmp-${crypto.randomUUID()}`;
  const encoder = new TextEncoder();
  try {
    const file = await Deno.open(temp, {
      write: true,
      create: true,
      truncate: true,
    });
    try {
      const writer = file.writable.getWriter();
      for await (const line of lines) {
        await writer.write(encoder.encode(line + "\n"));
      }
      await writer.ready;
      await file.syncData();
      await writer.close();
    } catch (error) {
      try {
        file.close();
      } catch {
        // Closed by the writer already.
      }
      throw error;
    }
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/**
 * Runs one retention pass: writes out and deletes what is old enough.
 *
 * @throws when a file cannot be written (nothing of it was deleted then)
 */
export async function runRetention(
  store: Store,
  instanceId: string,
  options: RetentionOptions,
): Promise<RetentionResult> {
  const result: RetentionResult = { threads: 0, messages: 0, files: [] };
  const cutoff = await store.read(() => retentionCutoff(options.days));
  await Deno.mkdir(options.dir, { recursive: true });
  let after = "";
  while (!options.stopped?.()) {
    const page = await store.read(() => closedThreads(cutoff, after, PAGE));
    for (const threadId of page) {
      if (options.stopped?.()) break;
      await pruneOneThread(
        store,
        instanceId,
        threadId,
        cutoff,
        options,
        result,
      );
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!;
  }
  let afterId = 0;
  while (!options.stopped?.()) {
    const page = await store.read(() => deliveredDirect(cutoff, afterId, PAGE));
    if (!page.length) break;
    afterId = page.at(-1)!.id;
    const path = join(options.dir, `dm-${stamp(options)}-${page[0]!.id}.jsonl`);
    await writeAtomically(path, page.map((m) => JSON.stringify(m)));
    const n = await store.run(() => pruneDirect(page.map((m) => m.id), cutoff));
    if (n > 0) {
      result.messages += n;
      result.files.push(path);
    } else await Deno.remove(path).catch(() => {});
    if (page.length < PAGE) break;
  }
  return result;
}

async function pruneOneThread(
  store: Store,
  instanceId: string,
  threadId: string,
  cutoff: string,
  options: RetentionOptions,
  result: RetentionResult,
): Promise<void> {
  const path = join(
    options.dir,
    `thread-${safeName(threadId)}-${stamp(options)}.jsonl`,
  );
  let throughId = 0;
  async function* lines(): AsyncGenerator<string> {
    for await (
      const record of exportRecords(store, instanceId, {
        kind: "thread",
        threadId,
      })
    ) {
      if (record.type === "message" && record.id > throughId) {
        throughId = record.id;
      }
      yield JSON.stringify(record);
    }
  }
  await writeAtomically(path, lines());
  const n = throughId === 0
    ? 0
    : await store.run(() => pruneThread(threadId, cutoff, throughId));
  if (n === 0) {
    await Deno.remove(path).catch(() => {});
    return;
  }
  result.threads++;
  result.messages += n;
  result.files.push(path);
}
