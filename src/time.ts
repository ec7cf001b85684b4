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

/** Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SSZ`. */
export function toIso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(
    ".000Z",
    "Z",
  );
}

/** Parses any RFC 3339 timestamp to epoch milliseconds; NaN when unreadable. */
export function fromIso(text: string): number {
  return Date.parse(text);
}
