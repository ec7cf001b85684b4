/**
 * What the tool families share: the inputs several tools take, the text
 * summaries of message and lease lists, and progress notifications during a
 * long wait.
 *
 * @module
 */

import { z } from "zod";
import type { Message } from "../../client/types.ts";
import { DEFAULTS } from "../../protocol.ts";
import type { Extra, Outcome } from "../register.ts";
import { messageSchema, ttlSchema } from "../schemas.ts";

/** Longest wait a tool accepts, in seconds. */
export const MAX_WAIT_SEC = 300;
/** Seconds between progress notifications during a long wait. */
const PROGRESS_EVERY_MS = 10_000;
/** Most messages a summary lists line by line. */
const LISTED_MESSAGES = 20;

/** A thread id, as a tool takes it. */
export const threadIdInput = z.string().min(1).describe(
  "One id per piece of work, e.g. 'fix-login-bug'.",
);
/** A lease's length, as a tool takes it. */
export const ttlInput = ttlSchema.optional().describe(
  `Lease seconds (default ${DEFAULTS.defaultTtlSec}).`,
);
/** Whether a lease listing leaves out released and expired leases. */
export const activeOnlyInput = z.boolean().optional().describe(
  "Only leases still held (default true); false includes released and expired ones.",
);
/** Messages in a result. */
export const messageList = z.array(messageSchema);

/**
 * The outcome of a listing: `data` (one list under its name) and the summary
 * "3 claim(s): a, b, c.", each item shown by `label`.
 */
export function listed<T>(
  noun: string,
  data: Record<string, T[]>,
  label: (item: T) => string,
): Outcome {
  const labels = Object.values(data).flat().map(label);
  return {
    summary: `${labels.length} ${noun}(s)${
      labels.length ? ": " + labels.join(", ") : ""
    }.`,
    data,
  };
}

/** One line per message (the first 20), for a tool's summary. */
export function describeMessages(messages: Message[], self: string): string {
  if (messages.length === 0) return "No new messages.";
  const lines = messages.slice(0, LISTED_MESSAGES).map((m) =>
    `#${m.id} ${m.kind} from ${m.from_agent}${
      m.to_agent === self ? " to you" : ` in #${m.channel}`
    }${m.thread_id ? ` [${m.thread_id}]` : ""}: ${clip(m.body)}`
  );
  if (messages.length > LISTED_MESSAGES) {
    lines.push(`… and ${messages.length - LISTED_MESSAGES} more`);
  }
  return `${messages.length} message(s):\n${lines.join("\n")}`;
}

/** `text` on one line, cut to `max` characters. */
export function clip(text: string, max = 160): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/**
 * Sends progress notifications during a long wait, when the host asked for
 * them; returns the function that stops them.
 */
export function keepAlive(extra: Extra, totalSec: number): () => void {
  const token = extra._meta?.progressToken;
  if (token === undefined) return () => {};
  const started = Date.now();
  const timer = setInterval(() => {
    const elapsed = Math.round((Date.now() - started) / 1000);
    extra.sendNotification({
      method: "notifications/progress",
      params: {
        progressToken: token,
        progress: elapsed,
        total: totalSec,
        message: `waiting (${elapsed} s of ${totalSec} s)`,
      },
    }).catch(() => {});
  }, PROGRESS_EVERY_MS);
  return () => clearInterval(timer);
}
