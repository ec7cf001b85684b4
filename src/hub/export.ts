/**
 * Export and import (vendor extension `arcdeno:export`). An export is a
 * header, the rows a filter selects from one snapshot of the store, and an
 * end record with the counts; it is served by `GET /v1/arcdeno/export` and
 * by `arc export`. An import checks every line, restores into an empty
 * store only, in one transaction, keeps ids and timestamps, brings sessions
 * back inactive, and refuses a file whose end record does not match what it
 * read. The file format's types and SQL are in `src/store/export_format.ts`.
 *
 * @module
 */

import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { IMPLEMENTATION, type JsonObject, VERSION } from "../protocol.ts";
import {
  DATA_TABLES,
  type DataCounts,
  emptyCounts,
  type EndRecord,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportFilter,
  type ExportRecord,
  exportTables,
  type HeaderRecord,
  ROW_TYPES,
  type RowCounts,
  type RowRecord,
  type RowType,
} from "../store/export_format.ts";
import { tx } from "../store/unit.ts";
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
    if (!(await store.channels.get(channel))) {
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
  await using snapshot = await store.begin("snapshot");
  yield {
    type: "header",
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    instance_id: instanceId,
    // The store's clock, so a hub on an injected clock stamps its own time.
    exported_at: toIso(await snapshot.run(() => tx.now())),
    implementation: IMPLEMENTATION,
    implementation_version: VERSION,
    backend: store.info.backend,
    filter: describeFilter(filter),
  };
  const counts = emptyCounts();
  for (const table of exportTables(filter)) {
    let after = table.start;
    while (true) {
      const page = await snapshot.run(() => tx.exportPage(table, after));
      for (const record of page.records) {
        counts[record.type]++;
        yield record;
      }
      if (!page.last) break;
      after = page.last;
    }
  }
  await snapshot.commit();
  yield { type: "end", counts };
}

/**
 * Restores the records of one export into `store` as one transaction:
 * checks the store is empty, writes every row (sessions inactive), and
 * checks the end record's counts. Returns the rows written.
 *
 * @throws {ValidationError} when the records break the format or end early
 * @throws {ConflictError} when the store is not empty
 */
export async function importRecords(
  store: Store,
  records: AsyncIterable<ExportRecord>,
  onProgress?: (counts: RowCounts) => void,
): Promise<RowCounts> {
  await using restore = await store.begin("write");
  refuseUnlessEmpty(
    await restore.run(() => tx.dataCounts()),
    store.info.storagePath,
  );
  const counts = emptyCounts();
  let first = true;
  let ended = false;
  let total = 0;
  for await (const record of records) {
    if (first) {
      first = false;
      if (record.type !== "header") {
        throw new ValidationError(
          "line 1: an Arc export starts with a header record",
        );
      }
      continue;
    }
    if (ended) {
      throw new ValidationError("records follow the end record");
    }
    if (record.type === "header") {
      throw new ValidationError("a second header record in one export");
    }
    if (record.type === "end") {
      checkEnd(record, counts);
      ended = true;
      continue;
    }
    // Sessions come back inactive: their agents register again.
    const row = record.type === "session"
      ? { ...record, active: false }
      : record;
    try {
      await restore.run(() => tx.restoreRow(row));
    } catch (error) {
      throw new ValidationError(
        `cannot restore ${record.type} ${rowKey(record)}: ${
          (error as Error)?.message ?? error
        }`,
        { cause: error },
      );
    }
    counts[record.type]++;
    if (++total % 10_000 === 0) onProgress?.(counts);
  }
  if (first) throw new ValidationError("the export is empty");
  if (!ended) {
    throw new ValidationError(
      "the export ends early: it has no end record (was it cut off while being written?)",
    );
  }
  await restore.run(() => tx.resetDerived());
  await restore.commit();
  return counts;
}

/** Refuses a store that holds anything beyond the builtin channels. */
function refuseUnlessEmpty(
  held: DataCounts,
  label: string,
): void {
  const what: string[] = [];
  for (const [table, name] of DATA_TABLES) {
    const n = held.tables[table];
    if (n > 0) what.push(`${n} ${name}`);
  }
  if (held.customChannels > 0) {
    what.push(`${held.customChannels} channels of its own`);
  }
  if (what.length > 0) {
    throw new ConflictError(
      `cannot import into ${label}: it is not empty (it holds ${
        what.join(", ")
      }); an import only restores into a new, empty hub, so give a new --storage file or an empty database`,
    );
  }
}

function checkEnd(record: EndRecord, counts: RowCounts): void {
  for (const type of ROW_TYPES) {
    const expected = Number(record.counts[type] ?? 0);
    if (expected !== counts[type]) {
      throw new ValidationError(
        `the export is inconsistent: its end record lists ${expected} ${type} rows but ${
          counts[type]
        } were read`,
      );
    }
  }
}

function rowKey(record: RowRecord): string {
  switch (record.type) {
    case "channel":
      return JSON.stringify(record.name);
    case "session":
      return JSON.stringify(record.session_id);
    case "message":
      return String(record.id);
    case "task":
      return String(record.task_id);
    case "claim":
      return JSON.stringify(record.claim_key);
    case "lock":
      return JSON.stringify(record.file_path);
    case "lock_holder":
      return `${JSON.stringify(record.file_path)} of ${
        JSON.stringify(record.agent_id)
      }`;
    case "fence":
      return String(record.value);
    case "receipt":
      return `${record.message_id} for ${JSON.stringify(record.agent_id)}`;
    case "ack_wait":
      return String(record.message_id);
    case "task_dep":
      return `${record.task_id} -> ${record.depends_on}`;
    case "approval":
      return JSON.stringify(record.id);
  }
}

/** The filter as the header records it. */
export function describeFilter(filter: ExportFilter): JsonObject {
  switch (filter.kind) {
    case "all":
      return {};
    case "channel":
      return { channel: filter.channel };
    case "thread":
      return { thread_id: filter.threadId };
  }
}

// -- checking records read back from a file --------------------------

type FieldType =
  | "string"
  | "string?"
  /** A string, null, or missing (a field added after version 2). */
  | "string*"
  | "int"
  | "int?"
  | "object"
  | "array"
  | "bool"
  | "mode"
  /** pending, allowed, denied or expired. */
  | "outcome";

const LOCK_FIELDS: Record<string, FieldType> = {
  file_path: "string",
  agent_id: "string",
  locked_at: "string",
  expires_at: "string",
  released_at: "string?",
  metadata: "object",
};

const FIELDS: Record<RowType, Record<string, FieldType>> = {
  channel: {
    name: "string",
    created_at: "string",
    created_by: "string?",
    metadata: "object",
  },
  session: {
    session_id: "string",
    agent_id: "string",
    display_name: "string",
    capabilities: "array",
    metadata: "object",
    created_at: "string",
    last_seen: "string",
  },
  message: {
    id: "int",
    ts: "string",
    from_agent: "string",
    to_agent: "string?",
    channel: "string",
    kind: "string",
    body: "string",
    attachments: "array",
    reply_to: "int?",
    thread_id: "string?",
    metadata: "object",
  },
  task: {
    task_id: "int",
    parent_task_id: "int?",
    channel: "string",
    thread_id: "string?",
    status: "string",
    created_at: "string",
    completed_at: "string?",
  },
  claim: {
    claim_key: "string",
    thread_id: "string?",
    task_message_id: "int?",
    owner_agent_id: "string",
    claimed_at: "string",
    expires_at: "string",
    released_at: "string?",
    metadata: "object",
  },
  lock: LOCK_FIELDS,
  lock_holder: {
    ...LOCK_FIELDS,
    mode: "mode",
    fence: "int",
    primary: "bool",
  },
  fence: { value: "int" },
  receipt: {
    message_id: "int",
    agent_id: "string",
    delivered_at: "string",
    surfaced_at: "string*",
    acked_at: "string?",
  },
  ack_wait: {
    message_id: "int",
    from_agent: "string",
    to_agent: "string?",
    ts: "string",
    ack_within_sec: "int?",
    acked_at: "string?",
    acked_by: "string?",
  },
  task_dep: { task_id: "int", depends_on: "int", created_at: "string" },
  approval: {
    id: "string",
    agent_id: "string",
    title: "string",
    detail: "string",
    choices: "array",
    metadata: "object",
    status: "outcome",
    created_at: "string",
    expires_at: "string",
    decided_at: "string?",
    decided_by: "string?",
    note: "string?",
    choice: "string?",
  },
};

const OUTCOMES = ["pending", "allowed", "denied", "expired"];

function fits(value: unknown, type: FieldType): boolean {
  if (type.endsWith("?") && value === null) return true;
  if (type === "string*") return value == null || typeof value === "string";
  switch (type) {
    case "string":
    case "string?":
      return typeof value === "string";
    case "int":
    case "int?":
      return Number.isSafeInteger(value) && (value as number) >= 0;
    case "object":
      return typeof value === "object" && value !== null &&
        !Array.isArray(value);
    case "array":
      return Array.isArray(value);
    case "bool":
      return typeof value === "boolean";
    case "mode":
      return value === "shared" || value === "exclusive";
    case "outcome":
      return typeof value === "string" && OUTCOMES.includes(value);
  }
}

/**
 * Checks one parsed line of an export and returns it typed.
 *
 * @param value the parsed JSON of the line
 * @param line its 1-based line number, for the error text
 * @throws {ValidationError} when the line is not a record this version knows
 */
export function checkRecord(value: unknown, line: number): ExportRecord {
  const where = `line ${line}`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError(`${where}: expected a JSON object`);
  }
  const record = value as JsonObject;
  const type = record["type"];
  if (type === "header") {
    if (record["format"] !== EXPORT_FORMAT) {
      throw new ValidationError(
        `${where}: not an Arc export (format is ${
          JSON.stringify(record["format"])
        }, expected "${EXPORT_FORMAT}")`,
      );
    }
    const version = record["version"];
    if (!Number.isInteger(version) || (version as number) > EXPORT_VERSION) {
      throw new ValidationError(
        `${where}: export format version ${version} is newer than this hub reads (${EXPORT_VERSION}); upgrade the hub`,
      );
    }
    return record as unknown as HeaderRecord;
  }
  if (type === "end") {
    const counts = record["counts"];
    if (typeof counts !== "object" || counts === null) {
      throw new ValidationError(`${where}: end record without counts`);
    }
    return record as unknown as EndRecord;
  }
  if (typeof type !== "string" || !(type in FIELDS)) {
    throw new ValidationError(
      `${where}: unknown record type ${
        JSON.stringify(type)
      } (expected one of header, ${ROW_TYPES.join(", ")}, end)`,
    );
  }
  for (const [field, fieldType] of Object.entries(FIELDS[type as RowType])) {
    if (!fits(record[field], fieldType)) {
      throw new ValidationError(
        `${where}: ${type} field '${field}' must be ${
          fieldType === "mode"
            ? '"shared" or "exclusive"'
            : fieldType === "outcome"
            ? OUTCOMES.map((o) => JSON.stringify(o)).join(", ")
            : fieldType === "bool"
            ? "true or false"
            : fieldType.replace("*", "?").replace("?", " or null").replace(
              "int",
              "a whole number",
            )
        }, got ${JSON.stringify(record[field]) ?? "nothing"}`,
      );
    }
  }
  return record as unknown as RowRecord;
}
