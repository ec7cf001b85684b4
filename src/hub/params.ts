/**
 * Coercion of request fields and query parameters, with the reference hub's
 * leniency where clients rely on it (numbers sent as strings, `"1"`/`"yes"`
 * flags) and a clear `ValidationError` everywhere else.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { DEFAULTS } from "../protocol.ts";
import type { JsonObject } from "../store/types.ts";

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Truthiness as JSON clients expect it: false, 0, "", null, [] and {} are false. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** Reads an integer: a JSON integer, a whole float (truncated), a boolean, or a decimal string. */
export function toInt(value: unknown, name: string): number {
  let n: number | undefined;
  if (typeof value === "number" && Number.isFinite(value)) {
    n = Math.trunc(value);
  } else if (typeof value === "boolean") n = value ? 1 : 0;
  else if (typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value)) {
    n = Number(value.trim());
  }
  if (n === undefined) throw new ValidationError(`${name} must be an integer`);
  if (!Number.isSafeInteger(n)) {
    throw new ValidationError(
      `${name} must be an integer between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`,
    );
  }
  return n;
}

/** Reads a string; numbers and booleans are written out, structures are refused. */
export function toStr(value: unknown, name: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  throw new ValidationError(`${name} must be a string`);
}

/** Rule for one body field. */
export type FieldRule =
  | { type: "string"; required?: boolean }
  | {
    type: "int";
    required?: boolean;
    check?: (value: number) => void;
  }
  | { type: "object"; required?: boolean }
  | { type: "list"; required?: boolean }
  | { type: "bool" };

type FieldValue<R extends FieldRule> = R extends { type: "string" } ? string
  : R extends { type: "int" } ? number
  : R extends { type: "object" } ? JsonObject
  : R extends { type: "list" } ? unknown[]
  : boolean;

/** Parsed fields: required ones always present, the rest when sent non-null. */
export type Fields<S extends Record<string, FieldRule>> =
  & {
    [K in keyof S as S[K] extends { required: true } ? K : never]: FieldValue<
      S[K]
    >;
  }
  & {
    [K in keyof S as S[K] extends { required: true } ? never : K]?: FieldValue<
      S[K]
    >;
  };

/**
 * Reads the fields named in `spec` from a request body, in order; a null or
 * missing field counts as absent; strings are trimmed.
 */
export function readFields<S extends Record<string, FieldRule>>(
  body: JsonObject,
  spec: S,
): Fields<S> {
  const out: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(spec)) {
    const raw = body[name];
    const required = "required" in rule && rule.required === true;
    if (raw === undefined || raw === null) {
      if (required) throw new ValidationError(`${name} is required`);
      continue;
    }
    switch (rule.type) {
      case "string": {
        const v = toStr(raw, name).trim();
        if (required && !v) throw new ValidationError(`${name} is required`);
        out[name] = v;
        break;
      }
      case "int": {
        const v = toInt(raw, name);
        rule.check?.(v);
        out[name] = v;
        break;
      }
      case "object":
        if (!isObject(raw)) {
          throw new ValidationError(`${name} must be a JSON object`);
        }
        out[name] = raw;
        break;
      case "list":
        if (!Array.isArray(raw)) {
          throw new ValidationError(`${name} must be a list`);
        }
        out[name] = raw;
        break;
      case "bool":
        out[name] = truthy(raw);
        break;
    }
  }
  return out as Fields<S>;
}

/** Lease length check shared by claims and locks. */
export function checkTtl(value: number): void {
  if (value < DEFAULTS.minTtlSec) {
    throw new ValidationError(`ttl_sec must be at least ${DEFAULTS.minTtlSec}`);
  }
  if (value > DEFAULTS.maxTtlSec) {
    throw new ValidationError(
      `ttl_sec must be at most ${DEFAULTS.maxTtlSec} (ten years)`,
    );
  }
}

/** Query parameters with blank values dropped, first value wins. */
export class Query {
  #params: URLSearchParams;

  constructor(params: URLSearchParams) {
    this.#params = params;
  }

  /** First non-blank value of `name`, if any. */
  get(name: string): string | undefined {
    for (const value of this.#params.getAll(name)) {
      if (value !== "") return value;
    }
    return undefined;
  }

  /** True when the first value is `true`, `1` or `yes` (any case). */
  flag(name: string): boolean {
    const value = this.get(name)?.toLowerCase();
    return value === "true" || value === "1" || value === "yes";
  }

  /** `since_id`: a non-negative integer, 0 when absent. */
  sinceId(): number {
    const raw = this.get("since_id");
    if (raw === undefined) return 0;
    if (!/^\s*[+-]?\d+\s*$/.test(raw)) {
      throw new ValidationError("since_id must be an integer");
    }
    const n = Number(raw.trim());
    if (n < 0) throw new ValidationError("since_id must be >= 0");
    if (!Number.isSafeInteger(n)) {
      throw new ValidationError(
        `since_id must be at most ${Number.MAX_SAFE_INTEGER}`,
      );
    }
    return n;
  }

  /** `limit`: at least 1, clamped to `max`, `DEFAULTS.defaultQueryLimit` when absent. */
  limit(max: number): number {
    const raw = this.get("limit");
    if (raw === undefined) return Math.min(DEFAULTS.defaultQueryLimit, max);
    if (!/^\s*[+-]?\d+\s*$/.test(raw)) {
      throw new ValidationError("limit must be an integer");
    }
    const n = Number(raw.trim());
    if (n < 1) throw new ValidationError("limit must be at least 1");
    return Math.min(n, max);
  }

  /** `timeout` in seconds: a number clamped to 0..60, 0 when absent. */
  timeoutSec(): number {
    const raw = this.get("timeout");
    if (raw === undefined) return 0;
    const n = Number(raw.trim());
    if (raw.trim() === "" || Number.isNaN(n)) {
      if (/^\s*[+-]?(inf|infinity)\s*$/i.test(raw)) {
        return raw.includes("-") ? 0 : DEFAULTS.maxTimeoutSec;
      }
      throw new ValidationError("timeout must be a number");
    }
    return Math.max(0, Math.min(n, DEFAULTS.maxTimeoutSec));
  }
}
