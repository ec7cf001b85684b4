/**
 * `GET /v1/arcdeno/export`: streams an export as JSON Lines
 * (`application/x-ndjson`). The filter is checked before the first byte, so
 * a bad request gets the usual error envelope; a failure once streaming has
 * begun cuts the stream off before its end record, which importers detect.
 * It is off while strict identity is on.
 *
 * @module
 */

import { Hono } from "hono";
import { ForbiddenError } from "../../errors.ts";
import type { Hub } from "../../hub/hub.ts";
import { exportFilter, exportRecords } from "../../hub/export.ts";
import type { Query } from "../../hub/params.ts";
import type { ArcEnv, RouteContext } from "../context.ts";
import { query } from "../envelope.ts";

/** Lines gathered into one chunk of the response body. */
const LINES_PER_CHUNK = 200;

/** The export route. */
export function exportRoutes({ hub, identity }: RouteContext): Hono<ArcEnv> {
  return new Hono<ArcEnv>().get("/v1/arcdeno/export", (c) => {
    if (identity.strict) {
      // An export holds every agent's direct messages; strict identity
      // promises a DM only to its two parties.
      throw new ForbiddenError(
        "export over HTTP is off while strict identity is on: it would show every agent's direct messages; run 'arc export --storage <file>' (or --database) where the hub's data lives",
      );
    }
    return exportResponse(hub, query(c));
  });
}

/** Builds the streaming export response for a request's query. */
async function exportResponse(
  hub: Hub,
  query: Query,
): Promise<Response> {
  const filter = await exportFilter(hub.store, query);
  const records = exportRecords(hub.store, hub.instanceId, filter);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let text = "";
      for (let i = 0; i < LINES_PER_CHUNK; i++) {
        const { done, value } = await records.next();
        if (done) {
          if (text) controller.enqueue(encoder.encode(text));
          controller.close();
          return;
        }
        text += JSON.stringify(value) + "\n";
      }
      controller.enqueue(encoder.encode(text));
    },
    async cancel() {
      await records.return(undefined);
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "application/x-ndjson; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}
