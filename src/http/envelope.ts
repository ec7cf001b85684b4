/**
 * What every route answers with and reads: the protocol's success envelope
 * `{ok: true, result}` and the query string. Errors are thrown and turned
 * into the `{ok: false, error}` envelope in one place
 * ({@linkcode respondToError} in `./errors.ts`).
 *
 * @module
 */

import type { Context } from "hono";
import { Query } from "../hub/params.ts";

/** Options for {@linkcode ok}. */
export interface OkOptions {
  /** The HTTP status. @default 200 */
  status?: 200 | 201;
  /** Top-level fields after `result`, e.g. `acquired` or `parent_completed`. @default none */
  extra?: Record<string, unknown>;
}

/** The success envelope. */
export function ok(
  c: Context,
  result: unknown,
  options: OkOptions = {},
): Response {
  return c.json({ ok: true, result, ...options.extra }, options.status ?? 200);
}

/** The request's query string. */
export function query(c: Context): Query {
  return new Query(new URL(c.req.url).searchParams);
}
