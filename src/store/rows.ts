/**
 * Database rows to store objects, shared by both backends: JSON columns
 * arrive as text, integers as numbers (SQLite) or strings (PostgreSQL
 * `bigint`), flags as 0/1 or booleans; all become the same wire objects.
 *
 * @module
 */

import type {
  Channel,
  Claim,
  Lock,
  Message,
  Session,
  Task,
  ThreadFacts,
} from "./types.ts";
import type { TaskMessage } from "./unit.ts";
import type { SessionOwner } from "./identity.ts";

/** A row as the driver returns it. */
export type Row = Record<string, unknown>;

function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== "string" || text === "") return fallback;
  try {
    return JSON.parse(text) ?? fallback;
  } catch {
    return fallback;
  }
}

function str(v: unknown): string {
  return String(v);
}

function strOrNull(v: unknown): string | null {
  return v == null ? null : String(v);
}

function numOrNull(v: unknown): number | null {
  return v == null ? null : Number(v);
}

/** A `channels` row. */
export function toChannel(r: Row): Channel {
  return {
    name: str(r["name"]),
    created_at: str(r["created_at"]),
    created_by: strOrNull(r["created_by"]),
    metadata: parseJson(r["metadata_json"], {}),
  };
}

/** A `sessions` row. */
export function toSession(r: Row): Session {
  return {
    session_id: str(r["session_id"]),
    agent_id: str(r["agent_id"]),
    display_name: str(r["display_name"]),
    capabilities: parseJson(r["capabilities_json"], []),
    metadata: parseJson(r["metadata_json"], {}),
    created_at: str(r["created_at"]),
    last_seen: str(r["last_seen"]),
    active: toSessionOwner(r).active,
  };
}

/** Who a `sessions` row belongs to, and whether it is active. */
export function toSessionOwner(r: Row): SessionOwner {
  return {
    agent_id: str(r["agent_id"]),
    active: r["active"] === true || r["active"] === 1 || r["active"] === 1n ||
      r["active"] === "t",
  };
}

/** A `messages` row. */
export function toMessage(r: Row): Message {
  return {
    id: Number(r["id"]),
    ts: str(r["ts"]),
    from_agent: str(r["from_agent"]),
    to_agent: strOrNull(r["to_agent"]),
    channel: str(r["channel"]),
    kind: str(r["kind"]),
    body: str(r["body"]),
    attachments: parseJson(r["attachments_json"], []),
    reply_to: numOrNull(r["reply_to"]),
    thread_id: strOrNull(r["thread_id"]),
    metadata: parseJson(r["metadata_json"], {}),
  };
}

/** A `claims` row. */
export function toClaim(r: Row): Claim {
  return {
    claim_key: str(r["claim_key"]),
    thread_id: strOrNull(r["thread_id"]),
    task_message_id: numOrNull(r["task_message_id"]),
    owner_agent_id: str(r["owner_agent_id"]),
    claimed_at: str(r["claimed_at"]),
    expires_at: str(r["expires_at"]),
    released_at: strOrNull(r["released_at"]),
    metadata: parseJson(r["metadata_json"], {}),
  };
}

/** A `locks` row. */
export function toLock(r: Row): Lock {
  return {
    file_path: str(r["file_path"]),
    agent_id: str(r["agent_id"]),
    locked_at: str(r["locked_at"]),
    expires_at: str(r["expires_at"]),
    released_at: strOrNull(r["released_at"]),
    metadata: parseJson(r["metadata_json"], {}),
  };
}

/** A `tasks` row. */
export function toTask(r: Row): Task {
  return {
    task_id: Number(r["task_id"]),
    parent_task_id: numOrNull(r["parent_task_id"]),
    channel: str(r["channel"]),
    thread_id: strOrNull(r["thread_id"]),
    status: r["status"] === "done" ? "done" : "open",
    created_at: str(r["created_at"]),
    completed_at: strOrNull(r["completed_at"]),
  };
}

/** A task's `messages` row, as far as the assignee rule needs it. */
export function toTaskMessage(r: Row): TaskMessage {
  const metadata = parseJson<unknown>(r["metadata_json"], {});
  return {
    to_agent: strOrNull(r["to_agent"]),
    metadata: typeof metadata === "object" && metadata !== null &&
        !Array.isArray(metadata)
      ? metadata as Record<string, unknown>
      : {},
  };
}

/** Facts of a thread with nothing in it yet, for a backend to fill. */
export function emptyFacts(threadId: string): ThreadFacts {
  return {
    threadId,
    messageCount: 0,
    latestMessageId: null,
    latestMessageTs: null,
    latestArtifactId: null,
    firstMessageChannel: null,
    totalTasks: 0,
    openTasks: 0,
    rootTaskId: null,
    rootTaskChannel: null,
    firstTaskChannel: null,
    activeClaims: 0,
    activeLocks: 0,
  };
}
