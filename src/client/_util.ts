/**
 * Helpers shared by the client's modules; not part of the package's API.
 *
 * @module
 */

import { ArcError } from "./errors.ts";
import type { Envelope } from "./types.ts";

/** Validates a timeout option. */
export function checkTimeout(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `Cannot wait as '${name}' must be a positive number of milliseconds: current value is ${value}`,
    );
  }
  return value;
}

/** The `timeoutMs` option, else `fallback`, checked by {@linkcode checkTimeout}. */
export function timeoutOf(
  options: { timeoutMs?: number | undefined },
  fallback: number,
): number {
  return checkTimeout("timeoutMs", options.timeoutMs ?? fallback);
}

/** Reads an envelope from response text; anything else becomes an ArcError. */
export function parseEnvelope(text: string, status: number): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (isEnvelope(value)) return value;
  const snippet = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  throw new ArcError(
    `unexpected answer from the hub (HTTP ${status}): ${snippet || "empty"}`,
    { status },
  );
}

/** True for `{ok: true, result}` or `{ok: false, error: string}`. */
export function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v["ok"] === true) return "result" in v;
  return v["ok"] === false && typeof v["error"] === "string";
}

/** An error's message, or the value as text. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * `fields` without its undefined values, as a `T`: turns optional options
 * into a request body or option object that has no `key: undefined` entries.
 */
export function defined<T extends object>(
  fields: { [K in keyof T]: T[K] | undefined },
): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

/** Waits `ms`; rejects with the signal's reason when it aborts first. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Settles like `promise`, or rejects with the signal's reason once it aborts. */
export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() =>
      signal.removeEventListener("abort", onAbort)
    );
  });
}
