/**
 * What every route answers with and reads: the protocol's success envelope
 * `{ok: true, result}`, the query string, and the JSON body under the hub's
 * size limit. Errors are thrown and turned into the `{ok: false, error}`
 * envelope in one place (`app.onError` in `./app.ts`).
 *
 * @module
 */

import type { Context } from "hono";
import type { Hub } from "../hub/hub.ts";
import { Query } from "../hub/params.ts";
import type { JsonObject } from "../protocol.ts";
import { readJsonObject } from "./body.ts";

/** The success envelope. */
export function ok(
  c: Context,
  result: unknown,
  status: 200 | 201 = 200,
): Response {
  return c.json({ ok: true, result }, status);
}

/** The request's query string. */
export function query(c: Context): Query {
  return new Query(new URL(c.req.url).searchParams);
}

/** The request's JSON object body, within the hub's request size limit. */
export function body(c: Context, hub: Hub): Promise<JsonObject> {
  return readJsonObject(c.req.raw, hub.config.maxRequestBytes);
}
