/**
 * The export stream (vendor extension `arcdeno:export`): a header, the rows
 * a filter selects from one snapshot of the store, and an end record with
 * the counts. Served by `GET /v1/arcdeno/export` and by `arc export
 * --storage`.
 *
 * @module
 */

import { NotFoundError, ValidationError } from "../errors.ts";
import { IMPLEMENTATION, VERSION } from "../protocol.ts";
import {
  describeFilter,
  emptyCounts,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportFilter,
  type ExportRecord,
} from "../store/export_format.ts";
import type { Store } from "../store/types.ts";
import { toIso } from "../time.ts";
import type { Query } from "./params.ts";

/**
 * Reads the filter of an export request (`channel` or `thread_id`, not
 * both) and checks a named channel exists.
 *
 * @throws {ValidationError} when both are given
 * @throws {NotFoundError} when the channel does not exist
 */
export async function exportFilter(
  store: Store,
  query: Query,
): Promise<ExportFilter> {
  const channel = query.get("channel");
  const threadId = query.get("thread_id");
  if (channel !== undefined && threadId !== undefined) {
    throw new ValidationError(
      "give channel or thread_id to filter an export, not both",
    );
  }
  if (channel !== undefined) {
    if (!(await store.getChannel(channel))) {
      throw new NotFoundError(`channel not found: ${channel}`);
    }
    return { kind: "channel", channel };
  }
  if (threadId !== undefined) return { kind: "thread", threadId };
  return { kind: "all" };
}

/** Yields a whole export: header, rows, end record. */
export async function* exportRecords(
  store: Store,
  instanceId: string,
  filter: ExportFilter,
): AsyncGenerator<ExportRecord> {
  yield {
    type: "header",
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    instance_id: instanceId,
    exported_at: toIso(Date.now()),
    implementation: IMPLEMENTATION,
    implementation_version: VERSION,
    backend: store.info.backend,
    filter: describeFilter(filter),
  };
  const counts = emptyCounts();
  for await (const record of store.exportRows(filter)) {
    counts[record.type]++;
    yield record;
  }
  yield { type: "end", counts };
}
