/**
 * The wire objects of Arc protocol v1 as the hub sends them: field names are
 * the protocol's own (snake_case), timestamps are RFC 3339 UTC strings such as
 * `"2026-04-14T17:00:00Z"`, and ids are integers below 2^53.
 *
 * @module
 */

import type { LockDetails } from "./reservations.ts";

/**
 * A free-form JSON object, as used for every `metadata` field.
 *
 * @example Metadata on a post
 * ```ts
 * import type { JsonObject } from "@arc/hub";
 *
 * const metadata: JsonObject = { priority: "high", attempt: 2 };
 * ```
 */
export type JsonObject = Record<string, unknown>;

/**
 * The eight message kinds of protocol v1. A hub refuses posts of any other
 * kind, but a message read back may carry a kind from a later protocol
 * version, so {@linkcode Message.kind} is a plain string.
 *
 * @example Narrowing a message kind
 * ```ts
 * import type { MessageKind } from "@arc/hub";
 *
 * const kind: MessageKind = "task_request";
 * ```
 */
export type MessageKind =
  | "chat"
  | "notice"
  | "task"
  | "claim"
  | "release"
  | "artifact"
  | "task_request"
  | "task_result";

/**
 * A channel (protocol s.4.1).
 *
 * @example Reading channel names
 * ```ts
 * import type { Channel } from "@arc/hub";
 *
 * const names = (channels: Channel[]) => channels.map((c) => c.name);
 * ```
 */
export interface Channel {
  /** The channel's name, its key. */
  name: string;
  /** When the channel was created. */
  created_at: string;
  /** The creator's agent id; `"system"` for the built-in channels. */
  created_by: string | null;
  /** Free-form metadata. */
  metadata: JsonObject;
}

/**
 * An agent's session (protocol s.4.2). At most one session per agent id is
 * active at a time.
 *
 * @example Finding reviewers
 * ```ts
 * import type { Session } from "@arc/hub";
 *
 * const reviewers = (agents: Session[]) =>
 *   agents.filter((s) => s.capabilities.includes("review"));
 * ```
 */
export interface Session {
  /** Opaque session id (a UUID). */
  session_id: string;
  /** The logical agent name that everything else refers to. */
  agent_id: string;
  /** Human-readable label; defaults to the agent id. */
  display_name: string;
  /** Capabilities, as matched by `listAgents({ capability })`. */
  capabilities: string[];
  /** Free-form metadata. */
  metadata: JsonObject;
  /** When the session started. */
  created_at: string;
  /** Last activity; the session expires when this gets too old. */
  last_seen: string;
  /** Whether the session is live. */
  active: boolean;
  /**
   * Vendor fields: on `POST /v1/sessions` from a hub with `arcdeno:identity`,
   * `secret` is the session's secret (shown once; the client keeps it); from
   * a hub with `arcdeno:work_queue`, `generation` counts the agent's
   * registrations (a newer one makes requests of older ones stale).
   */
  arcdeno?: { secret?: string; generation?: number };
}

/**
 * An inline text attachment.
 *
 * @example A text attachment
 * ```ts
 * import type { TextAttachment } from "@arc/hub";
 *
 * const note: TextAttachment = { type: "text", content: "see the log" };
 * ```
 */
export interface TextAttachment {
  /** Discriminator. */
  type: "text";
  /** The content; any JSON value. */
  content: unknown;
}

/**
 * An inline JSON attachment.
 *
 * @example A JSON attachment
 * ```ts
 * import type { JsonAttachment } from "@arc/hub";
 *
 * const stats: JsonAttachment = { type: "json", content: { passed: 41 } };
 * ```
 */
export interface JsonAttachment {
  /** Discriminator. */
  type: "json";
  /** The content; any JSON value. */
  content: unknown;
}

/**
 * An inline code attachment.
 *
 * @example A code attachment
 * ```ts
 * import type { CodeAttachment } from "@arc/hub";
 *
 * const snippet: CodeAttachment = {
 *   type: "code",
 *   language: "ts",
 *   content: "export const x = 1;",
 * };
 * ```
 */
export interface CodeAttachment {
  /** Discriminator. */
  type: "code";
  /** The code; any JSON value, usually a string. */
  content: unknown;
  /** The language, such as `"ts"`. */
  language?: string;
}

/**
 * A reference to a file, optionally to a line range.
 *
 * @example A file reference
 * ```ts
 * import type { FileRefAttachment } from "@arc/hub";
 *
 * const ref: FileRefAttachment = {
 *   type: "file_ref",
 *   path: "src/app.ts",
 *   start_line: 10,
 *   end_line: 42,
 * };
 * ```
 */
export interface FileRefAttachment {
  /** Discriminator. */
  type: "file_ref";
  /** The file's path; not checked against any file system. */
  path: string;
  /** What the reference is about. */
  description?: string;
  /** First line of the range. */
  start_line?: number;
  /** Last line of the range. */
  end_line?: number;
}

/**
 * A reference to a change of a file between two revisions.
 *
 * @example A diff reference
 * ```ts
 * import type { DiffRefAttachment } from "@arc/hub";
 *
 * const diff: DiffRefAttachment = {
 *   type: "diff_ref",
 *   path: "src/app.ts",
 *   base: "main",
 *   head: "feature",
 * };
 * ```
 */
export interface DiffRefAttachment {
  /** Discriminator. */
  type: "diff_ref";
  /** The file's path. */
  path: string;
  /** What the change is about. */
  description?: string;
  /** The base revision. */
  base?: string;
  /** The head revision. */
  head?: string;
  /** First line of the range. */
  start_line?: number;
  /** Last line of the range. */
  end_line?: number;
}

/**
 * One of the five attachment types of protocol v1 (s.5.2). The hub drops
 * fields a type does not list.
 *
 * @example Switching on the attachment type
 * ```ts
 * import type { Attachment } from "@arc/hub";
 *
 * function describe(a: Attachment): string {
 *   return a.type === "file_ref" || a.type === "diff_ref" ? a.path : a.type;
 * }
 * ```
 */
export type Attachment =
  | TextAttachment
  | JsonAttachment
  | CodeAttachment
  | FileRefAttachment
  | DiffRefAttachment;

/**
 * A message (protocol s.4.3).
 *
 * @example Keeping only direct messages
 * ```ts
 * import type { Message } from "@arc/hub";
 *
 * const dms = (messages: Message[]) => messages.filter((m) => m.to_agent);
 * ```
 */
export interface Message {
  /** The message id, an ascending cursor (never do arithmetic on it). */
  id: number;
  /** When the hub stored the message. */
  ts: string;
  /** The sender; `"system"` for hub notices. */
  from_agent: string;
  /** The recipient of a direct message, else null. */
  to_agent: string | null;
  /** The channel; only a label for a direct message. */
  channel: string;
  /** One of {@linkcode MessageKind}, or a kind from a later protocol version. */
  kind: string;
  /** The text; may be empty when there are attachments. */
  body: string;
  /** Attachments. */
  attachments: Attachment[];
  /** The id of the message this one answers. */
  reply_to: number | null;
  /** The thread the message belongs to. */
  thread_id: string | null;
  /** Free-form metadata; the hub may add keys such as `task_completed`. */
  metadata: JsonObject;
  /**
   * Vendor facts about a just-posted direct message (hubs with
   * `arcdeno:receipts`): present only when its recipient has never been seen
   * (`"unknown"`) or its session expired (`"expired"`).
   */
  arcdeno?: { recipient?: "unknown" | "expired" };
}

/**
 * A claim: a lease on a named piece of work (protocol s.4.4).
 *
 * @example Who holds a claim
 * ```ts
 * import type { Claim } from "@arc/hub";
 *
 * const holder = (c: Claim) => c.released_at ? null : c.owner_agent_id;
 * ```
 */
export interface Claim {
  /** The claim's key. */
  claim_key: string;
  /** The thread the claim belongs to. */
  thread_id: string | null;
  /** The task the claim is about. */
  task_message_id: number | null;
  /** The holder. */
  owner_agent_id: string;
  /** When the lease was taken. */
  claimed_at: string;
  /** When the lease runs out. */
  expires_at: string;
  /** When the lease was released, else null. */
  released_at: string | null;
  /** Free-form metadata. */
  metadata: JsonObject;
}

/**
 * A lock: a lease on a file path (protocol s.4.5).
 *
 * @example Who holds a lock
 * ```ts
 * import type { Lock } from "@arc/hub";
 *
 * const holder = (l: Lock) => l.released_at ? null : l.agent_id;
 * ```
 */
export interface Lock {
  /** The locked path; any string. */
  file_path: string;
  /** The holder. */
  agent_id: string;
  /** When the lease was taken. */
  locked_at: string;
  /** When the lease runs out. */
  expires_at: string;
  /** When the lease was released, else null. */
  released_at: string | null;
  /** Free-form metadata; `thread_id` and `channel` have a meaning (s.6.5). */
  metadata: JsonObject;
  /** Mode and fence, from a hub with reservations (`arcdeno:reservations`). */
  arcdeno?: LockDetails;
}

/**
 * The status of a task.
 *
 * @example Filtering open tasks
 * ```ts
 * import type { TaskStatus } from "@arc/hub";
 *
 * const status: TaskStatus = "open";
 * ```
 */
export type TaskStatus = "open" | "done";

/**
 * A task (protocol s.4.6). Its id is the id of the `task` or `task_request`
 * message that created it.
 *
 * @example Counting open tasks
 * ```ts
 * import type { Task } from "@arc/hub";
 *
 * const open = (tasks: Task[]) => tasks.filter((t) => t.status === "open");
 * ```
 */
export interface Task {
  /** The task id, equal to the id of the message that made it. */
  task_id: number;
  /** The parent task. */
  parent_task_id: number | null;
  /** The message's channel. */
  channel: string;
  /** The message's thread. */
  thread_id: string | null;
  /** `open` or `done`. */
  status: TaskStatus;
  /** When the task was created. */
  created_at: string;
  /** When the task was completed, else null. */
  completed_at: string | null;
}

/**
 * A thread's derived status: `completed` when it has tasks and none is open,
 * else `open` while something holds a claim or lock on it, else `waiting`.
 *
 * @example A thread status
 * ```ts
 * import type { ThreadStatus } from "@arc/hub";
 *
 * const status: ThreadStatus = "waiting";
 * ```
 */
export type ThreadStatus = "completed" | "open" | "waiting";

/**
 * A thread summary (protocol s.4.7), derived by the hub.
 *
 * @example Threads that need attention
 * ```ts
 * import type { ThreadSummary } from "@arc/hub";
 *
 * const waiting = (threads: ThreadSummary[]) =>
 *   threads.filter((t) => t.status === "waiting");
 * ```
 */
export interface ThreadSummary {
  /** The thread id. */
  thread_id: string;
  /** The thread's channel. */
  channel: string | null;
  /** The lowest task id without a parent. */
  root_task_id: number | null;
  /** The newest message's id, direct messages included. */
  latest_message_id: number | null;
  /** The newest message's timestamp. */
  latest_message_ts: string | null;
  /** The newest artifact's id. */
  latest_artifact_id: number | null;
  /** All messages, direct messages included. */
  message_count: number;
  /** Tasks in the thread. */
  total_task_count: number;
  /** Open tasks in the thread. */
  open_task_count: number;
  /** Active claims in the thread. */
  active_claim_count: number;
  /** Active locks whose `metadata.thread_id` is this thread. */
  active_lock_count: number;
  /** The derived status. */
  status: ThreadStatus;
}

/**
 * Everything about one thread: its summary and all its rows.
 *
 * @example The latest artifact of a thread
 * ```ts
 * import type { ThreadDetail } from "@arc/hub";
 *
 * const artifacts = (t: ThreadDetail) =>
 *   t.messages.filter((m) => m.kind === "artifact");
 * ```
 */
export interface ThreadDetail {
  /** The summary. */
  thread: ThreadSummary;
  /** All messages of the thread, direct messages included, oldest first. */
  messages: Message[];
  /** Its tasks, by id. */
  tasks: Task[];
  /** Its claims in every state. */
  claims: Claim[];
  /** Locks whose `metadata.thread_id` is this thread, in every state. */
  locks: Lock[];
}

/**
 * The start-up snapshot of `GET /v1/bootstrap`.
 *
 * @example Starting from now
 * ```ts
 * import type { Bootstrap } from "@arc/hub";
 *
 * const cursor = (b: Bootstrap) => b.latest_visible_id;
 * ```
 */
export interface Bootstrap {
  /** The agent asked about. */
  agent_id: string;
  /** The agent's active session, if any. */
  session: Session | null;
  /** The highest message id the agent may see (0 when none). */
  latest_visible_id: number;
  /** The live sessions. */
  live_agents: Session[];
  /** The hub's default channel. */
  default_channel: string;
}

/**
 * Limits and features of a hub, from `GET /v1/hub-info`. Test feature tokens
 * for membership and ignore the ones you do not know.
 *
 * @example Checking for server-sent events
 * ```ts
 * import type { HubInfo } from "@arc/hub";
 *
 * const hasStream = (info: HubInfo) => info.features.includes("sse");
 * ```
 */
export interface HubInfo {
  /** Names the backing database; the same as the `X-Arc-Instance` header. */
  instance_id: string;
  /** Always `"1"` for this protocol version. */
  protocol_version: string;
  /** The hub software, for logs only. */
  implementation?: string;
  /** The hub software's version, for logs only. */
  implementation_version?: string;
  /** The channel posts go to by default. */
  default_channel: string;
  /** Longest message body, in UTF-16 code units. */
  max_body_chars: number;
  /** Largest inline attachment, measured as JSON text. */
  max_attachment_chars: number;
  /** Most attachments per message. */
  max_attachments: number;
  /** Feature tokens such as `"sse"`, `"relay"` or `"rpc_kinds"`. */
  features: string[];
  /** The message kinds the hub accepts. */
  message_kinds: string[];
  /** Informative: where the hub keeps its data. */
  storage_path?: string;
  /** Informative: the SQLite journal mode. */
  journal_mode?: string;
  /** Informative: whether write-ahead logging is on. */
  wal_mode?: boolean;
  /** Informative: whether peers on other machines are served. */
  allow_remote?: boolean;
  /** Extras of Arc for Deno hubs. */
  arcdeno?: JsonObject;
}

/**
 * The answer to {@linkcode ArcClient.claim}: whether the claim was granted,
 * and the claim row (the holder's row when it was not).
 *
 * @example Backing off when someone else holds the work
 * ```ts
 * import type { ClaimResult } from "@arc/hub";
 *
 * const holder = (r: ClaimResult) =>
 *   r.acquired ? "me" : r.claim.owner_agent_id;
 * ```
 */
export interface ClaimResult {
  /** True when this agent now holds the claim. */
  acquired: boolean;
  /** The claim row; the current holder's row when not acquired. */
  claim: Claim;
}

/**
 * The answer to {@linkcode ArcClient.lock}: whether the lock was granted, and
 * the lock row (the holder's row when it was not).
 *
 * @example Backing off when the file is locked
 * ```ts
 * import type { LockResult } from "@arc/hub";
 *
 * const holder = (r: LockResult) => r.acquired ? "me" : r.lock.agent_id;
 * ```
 */
export interface LockResult {
  /** True when this agent now holds the lock. */
  acquired: boolean;
  /** The lock row; the current holder's row when not acquired. */
  lock: Lock;
  /** The grant's fence number (`lock.arcdeno.fence`); undefined when denied or when the hub has no reservations. */
  fence?: number;
}

/**
 * The answer to {@linkcode ArcClient.completeTask}.
 *
 * @example Noticing a rollup
 * ```ts
 * import type { TaskCompletion } from "@arc/hub";
 *
 * const rolledUp = (c: TaskCompletion) =>
 *   c.parentCompleted ? c.task.parent_task_id : null;
 * ```
 */
export interface TaskCompletion {
  /** The completed task. */
  task: Task;
  /** True when this completion also completed the task's parent. */
  parentCompleted: boolean;
}

/**
 * The answer to deleting a session.
 *
 * @example Checking a deletion
 * ```ts
 * import type { DeletedSession } from "@arc/hub";
 *
 * const done = (d: DeletedSession) => d.deleted;
 * ```
 */
export interface DeletedSession {
  /** The session that ended. */
  session_id: string;
  /** Always true. */
  deleted: boolean;
}

/**
 * A JSON envelope as the hub sends it: `{ok: true, result}` (claims and locks
 * add `acquired`, task completion may add `parent_completed`) or
 * `{ok: false, error}`.
 *
 * @example Unwrapping an envelope
 * ```ts
 * import type { Envelope } from "@arc/hub";
 *
 * function unwrap<T>(e: Envelope<T>): T {
 *   if (!e.ok) throw new Error(e.error);
 *   return e.result;
 * }
 * ```
 */
export type Envelope<T = unknown> =
  | {
    ok: true;
    result: T;
    acquired?: boolean;
    parent_completed?: boolean;
  }
  | {
    ok: false;
    error: string;
    /** Vendor details of an Arc for Deno hub, e.g. `retry_after_sec` with status 429. */
    arcdeno?: { retry_after_sec?: number };
  };
