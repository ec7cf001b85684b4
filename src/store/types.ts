/**
 * The storage contract. Every backend (the embedded SQLite file today,
 * PostgreSQL later) implements {@linkcode Store}. Methods return promises even
 * where the backend is synchronous, and each read-modify-write rule of the
 * protocol is one method that runs as one transaction, so no caller can
 * interleave two halves of a unit.
 *
 * @module
 */

import type { Unit } from "./unit.ts";
import type { Holder } from "./reserve.ts";
import type {
  SearchHit,
  SearchIndexProgress,
  SearchQuery,
} from "./search_types.ts";

import type { JsonObject } from "../protocol.ts";
import type * as wire from "../client/types.ts";

// The rows the wire carries are typed once, by the client library
// (`src/client/types.ts`); the store returns them as they are.
/** A channel row (protocol s.4.1). */
export type Channel = wire.Channel;
/** A session row (protocol s.4.2). */
export type Session = Omit<wire.Session, "arcdeno">;
/** A claim row (protocol s.4.4). */
export type Claim = wire.Claim;
/** A lock row (protocol s.4.5). */
export type Lock = wire.Lock;
/** A task row (protocol s.4.6). */
export type Task = wire.Task;
/** A thread summary (protocol s.4.7). */
export type ThreadSummary = wire.ThreadSummary;
export type { JsonObject } from "../protocol.ts";

/** A normalised attachment (protocol s.5.2). */
export type Attachment = JsonObject & { type: string };

/** A message row (protocol s.4.3), as the store holds it: any kind, attachments as validated objects. */
export type Message =
  & Omit<wire.Message, "kind" | "attachments" | "arcdeno">
  & { kind: string; attachments: Attachment[] };

/** What a backend knows about one thread, for its summary (`src/hub/threads.ts`). */
export interface ThreadFacts {
  threadId: string;
  messageCount: number;
  latestMessageId: number | null;
  latestMessageTs: string | null;
  latestArtifactId: number | null;
  /** Channel of the thread's lowest-id message. */
  firstMessageChannel: string | null;
  totalTasks: number;
  openTasks: number;
  /** Lowest task id without a parent. */
  rootTaskId: number | null;
  rootTaskChannel: string | null;
  /** Channel of the thread's lowest-id task. */
  firstTaskChannel: string | null;
  activeClaims: number;
  activeLocks: number;
}

/** Every row of one thread: its messages by id, tasks by id, claims and locks by time. */
export interface ThreadRows {
  messages: Message[];
  tasks: Task[];
  claims: Claim[];
  locks: Lock[];
}

/** Everything known about one thread. */
export interface ThreadDetail extends ThreadRows {
  thread: ThreadSummary;
}

/** A validated message ready to insert: a message row before it has an id and a time. */
export type NewMessage = Omit<Message, "id" | "ts">;

/** Which rows a message read may return. */
export type Visibility =
  /** Broadcasts only (`to_agent IS NULL`): `GET /v1/messages`. */
  | { kind: "broadcast" }
  /** Broadcasts plus DMs to one agent: `GET /v1/events` and the stream. */
  | { kind: "agent"; agentId: string; excludeSelf: boolean }
  /** DMs to one agent only: `GET /v1/inbox`. */
  | { kind: "inbox"; agentId: string };

/** A message read. */
export interface MessageQuery {
  visibility: Visibility;
  /** Exact channel, or one of several channels. */
  channels?: string[];
  threadId?: string;
  sinceId: number;
  limit: number;
  /** With `sinceId` 0: the newest `limit` rows, returned oldest first. */
  tail?: boolean;
}

/** One task with its dependency facts (`arcdeno:task_deps`). */
export interface TaskDependencies {
  task: Task;
  depends_on: number[];
  open_dependencies: number[];
  assignee: string | null;
}

/** Result of acquiring a claim or lock. */
export interface Acquired<T> {
  acquired: boolean;
  row: T;
}

/** Input to create a session. */
export interface NewSession {
  agent_id: string;
  display_name: string;
  capabilities: string[];
  metadata: JsonObject;
  replace: boolean;
}

/** Input to acquire a claim. */
export interface NewClaim {
  claim_key: string;
  thread_id: string | null;
  task_message_id: number | null;
  owner_agent_id: string;
  ttl_sec: number;
  metadata: JsonObject;
}

/** Input to acquire a lock. */
export interface NewLock {
  file_path: string;
  agent_id: string;
  ttl_sec: number;
  metadata: JsonObject;
}

/** Filters for listing tasks. */
export interface TaskFilter {
  parentId?: number;
  status?: string;
  channel?: string;
  threadId?: string;
}

/** What a task completion changed. */
export interface TaskCompletion {
  task: Task;
  /** The parent auto-completed by this completion, if any. */
  parentCompleted: boolean;
  /** The root task (no parent) this completion finished, directly or by rollup; null when none. */
  finishedRoot: Task | null;
  /** Messages the unit posted (the rollup notice), for the notifier. */
  posted: Message[];
}

/** What a post changed. */
export interface PostResult {
  message: Message;
  /** The `task_request` a `task_result` completed, if any. */
  completedTaskId: number | null;
  /** That task, when it is a root task (no parent): its tree finished. */
  finishedRoot?: Task | null;
  /** Other messages the unit posted (task-ready notices), for the notifier. */
  posted?: Message[];
}

/** What a presence sweep changed. */
export interface Recovery {
  expired: Session[];
  releasedClaims: Claim[];
  releasedLocks: Lock[];
  /** Reservation grants released (`arcdeno:reservations`). */
  releasedReservations: Holder[];
  /** Recovery notices the sweep posted, for the notifier. */
  posted: Message[];
}

/** Facts about the backend for hub-info and the startup line. */
export interface StoreInfo {
  backend: "sqlite" | "postgres";
  storagePath: string;
  journalMode: string;
  walMode: boolean;
}

/**
 * A transaction of its own, on a connection of its own, in which units run
 * one after another with awaits between them: for long work (an export, an
 * import) that must not hold up the hub's own connection. `snapshot` reads
 * one consistent view while writers carry on; `write` is all or nothing.
 * Disposing it without {@linkcode LongTransaction.commit} rolls it back.
 */
export interface LongTransaction extends AsyncDisposable {
  run<T>(unit: () => Unit<T>): Promise<T>;
  commit(): Promise<void>;
}

/** The storage contract; see the module doc. */
export interface Store extends AsyncDisposable {
  readonly info: StoreInfo;
  /** Text that identifies this database's birth (the `general` channel's creation time). */
  birthMarker(): Promise<string>;
  /** Cheap token that changes when another connection commits; undefined when the backend pushes changes itself. */
  changeToken(): Promise<number | undefined>;
  /**
   * For backends that push changes (e.g. PostgreSQL `LISTEN/NOTIFY`): calls
   * `listener` whenever another process committed messages, and also after a
   * lost notification channel is re-established (waiters then re-check the
   * store, so nothing committed during the gap is missed). Returns a function
   * that stops listening. Polling backends leave it undefined.
   */
  watchChanges?(listener: () => void): Promise<() => void>;
  close(): Promise<void>;
  /**
   * Runs a unit of work (`./unit.ts`) as one write transaction; `unit` may be
   * called again when the backend retries the transaction.
   */
  run<T>(unit: () => Unit<T>): Promise<T>;
  /** Runs a unit that only reads, on one consistent view. */
  read<T>(unit: () => Unit<T>): Promise<T>;
  /** Opens a {@linkcode LongTransaction}. */
  begin(mode: "snapshot" | "write"): Promise<LongTransaction>;

  /** Channels. */
  readonly channels: ChannelStore;
  /** Sessions and presence. */
  readonly sessions: SessionStore;
  /** Message reads (writes are units). */
  readonly messages: MessageStore;
  /** Claim and lock listings. */
  readonly leases: LeaseStore;
  /** Task reads. */
  readonly tasks: TaskStore;
  /** Thread facts for the thread listing. */
  readonly threads: ThreadStore;
  /** Full-text search (`arcdeno:search`). */
  readonly search: SearchStore;
}

/** Channels. */
export interface ChannelStore {
  get(name: string): Promise<Channel | null>;
  list(): Promise<Channel[]>;
  /** Creates a channel; `created` is false when it existed already. */
  create(
    name: string,
    createdBy: string | null,
    metadata: JsonObject,
  ): Promise<{ channel: Channel; created: boolean }>;
}

/** Sessions and presence; registering one is a unit (`src/hub/units/sessions.ts`). */
export interface SessionStore {
  /** The agent's newest active session. */
  active(agentId: string): Promise<Session | null>;
  listActive(): Promise<Session[]>;
  /** Renames the agent's active session and marks it seen; null when it has none. */
  rename(agentId: string, displayName: string): Promise<Session | null>;
  /** Deactivates a session; null when it does not exist or is inactive. */
  deactivate(sessionId: string): Promise<Session | null>;
  /** Marks these agents' active sessions as seen now, in one write. */
  touch(agentIds: readonly string[]): Promise<void>;
}

/** Message reads. */
export interface MessageStore {
  list(query: MessageQuery): Promise<Message[]>;
  /** Highest message id visible to the agent (0 when none). */
  latestVisibleId(agentId: string): Promise<number>;
}

/** Claim and lock listings. */
export interface LeaseStore {
  claims(filter: { threadId?: string; activeOnly?: boolean }): Promise<Claim[]>;
  locks(filter: { agentId?: string; activeOnly?: boolean }): Promise<Lock[]>;
}

/** Task reads. */
export interface TaskStore {
  get(taskId: number): Promise<Task | null>;
  list(filter: TaskFilter): Promise<Task[]>;
}

/** Thread facts. */
export interface ThreadStore {
  /** Facts of every thread, with claims and locks counted live now. */
  facts(): Promise<ThreadFacts[]>;
}

/** Full-text search. */
export interface SearchStore {
  /** Indexes at most `maxRows` messages not yet indexed (a no-op where the backend indexes on insert). */
  indexStep(maxRows: number): Promise<SearchIndexProgress>;
  /** Searches the messages indexed so far, best match first. */
  query(query: SearchQuery): Promise<SearchHit[]>;
}
