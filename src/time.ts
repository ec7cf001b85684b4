/**
 * Time in the wire's text form. Timestamps are UTC with whole seconds and a
 * trailing `Z` (`2026-04-14T17:00:00Z`), the same form the reference hub
 * writes, because rows are compared as text in SQL and one database file may
 * be shared with other hubs.
 *
 * @module
 */

/** Something that tells the time in epoch milliseconds. Tests may pass their own. */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** The last second `toIso` formatted, and its text. */
let lastSecond = NaN;
let lastText = "";

/** Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SSZ`. */
export function toIso(ms: number): string {
  const second = Math.floor(ms / 1000);
  // Every post formats the time; within one second the text is the same.
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace(".000Z", "Z");
    lastSecond = second;
  }
  return lastText;
}

/** Parses any RFC 3339 timestamp to epoch milliseconds; NaN when unreadable. */
export function fromIso(text: string): number {
  return Date.parse(text);
}
