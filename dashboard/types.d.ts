/**
 * Types for the dashboard's script modules, which are plain JavaScript
 * checked by `deno check dashboard/` through `// @ts-check` and JSDoc. These
 * describe what the page reads from the hub's /v1 routes and what it keeps;
 * fields the page tests before use are optional. Only the type checker reads
 * this file: it is never served or joined into the page.
 *
 * @module
 */

/** A message as the hub answers it (messages, inbox, stream, search). */
export interface Message {
  id: number;
  ts: string;
  from_agent: string;
  to_agent?: string | null;
  channel: string;
  kind: string;
  body?: unknown;
  thread_id?: string | null;
  reply_to?: number | null;
  attachments?: unknown;
  metadata?: Record<string, unknown> | null;
  /** A search hit's snippet and the [start, end) spans that matched. */
  arcdeno?: { snippet?: string; highlights?: [number, number][] };
}

/** A live agent session (`GET /v1/agents`, `POST /v1/sessions`). */
export interface AgentSession {
  agent_id: string;
  display_name: string;
  capabilities?: unknown;
  last_seen?: string;
  arcdeno?: {
    secret?: string;
    status?: { state?: unknown; host?: string; since?: string };
  };
}

/** The status an agent reported about itself, once its state is known. */
export interface AgentStatus {
  state: string;
  host?: string;
  since?: string;
}

/** An active claim (`GET /v1/claims`) or file lock (`GET /v1/locks`). */
export interface Lease {
  expires_at: string;
  claim_key?: string;
  owner_agent_id?: string;
  task_message_id?: number | null;
  thread_id?: string | null;
  file_path?: string;
  agent_id?: string;
  metadata?: Record<string, unknown> | null;
}

/** A task (`GET /v1/tasks`). */
export interface Task {
  task_id: number;
  status: string;
  channel: string;
  thread_id?: string | null;
  parent_task_id?: number | null;
}

/** The work queue (`GET /v1/arcdeno/queue`). */
export interface Queue {
  depth: number;
  holders: { task_id: number; agent_id: string }[];
}

/** A thread's summary (`GET /v1/threads`). */
export interface Thread {
  thread_id: string;
  status: string;
  channel?: string | null;
  message_count?: number;
  open_task_count?: number;
  total_task_count?: number;
  active_claim_count?: number;
  active_lock_count?: number;
  latest_message_ts?: string | null;
}

/** One thread with its messages (`GET /v1/threads/:id`). */
export interface ThreadDetail {
  thread?: Thread;
  messages?: Message[];
}

/** A message nobody acknowledged yet (`GET /v1/arcdeno/unacked`). */
export interface Unacked {
  message_id: number;
  kind: string;
  from_agent: string;
  to_agent?: string | null;
  channel?: string;
  ts: string;
  ack_within_sec: number;
  age_sec: number;
  overdue?: boolean;
  delivered_to?: unknown;
  surfaced_to?: unknown;
  body?: unknown;
}

/** A request an agent made of the operator (`GET /v1/arcdeno/approvals`). */
export interface Approval {
  id: string;
  agent_id: string;
  title: string;
  detail?: string | null;
  created_at: string;
  expires_at: string;
  metadata?: Record<string, unknown> | null;
}

/** The hub's description of itself (`GET /v1/hub-info`). */
export interface HubInfo {
  implementation?: string;
  implementation_version?: string;
  protocol_version?: number | string;
  instance_id?: string;
  storage_path?: string;
  features?: string[];
  message_kinds?: string[];
  default_channel?: string;
  allow_remote?: boolean;
  arcdeno?: {
    listen_host?: string;
    presence_ttl_sec?: number;
    backend?: string;
  };
}

/** The kinds of view the feed shows. */
export type ViewType = "channel" | "thread" | "inbox" | "dm";

/** One view's cache of messages and how much of it is rendered. */
export interface View {
  key: string;
  type: ViewType;
  name: string;
  /** Sorted by id. */
  messages: Message[];
  ids: Set<number>;
  /** Index in `messages` of the first rendered row. */
  renderedFrom: number;
  reachedStart: boolean;
  loaded: boolean;
  loading: Promise<void> | null;
  /** Messages that arrived while the view was loading. */
  pending: Message[];
  busyOlder: boolean;
  /** A DM view that shows only the latest messages each way. */
  partial: boolean;
  detail?: ThreadDetail;
}

/** A hub shutdown the page counts down to, on the hub's clock. */
export interface Shutdown {
  deadline: number;
  delay: number;
}

/** Everything the page knows, in one place. */
export interface State {
  displayName: string;
  hubInfo: HubInfo | null;
  instance: string | null;
  channels: string[];
  agents: Map<string, AgentSession>;
  views: Map<string, View>;
  view: View | null;
  /** The newest message id the stream delivered. */
  cursor: number;
  msgById: Map<number, Message>;
  /** Unread counts by view key. */
  unread: Map<string, number>;
  claims: Lease[];
  locks: Lease[];
  tasks: Task[];
  queue?: Queue | null;
  threads: Thread[];
  taskTitles: Map<number, string>;
  unacked?: Unacked[];
  approvals?: Approval[];
  shutdown: Shutdown | null;
  shuttingDown: boolean;
  allowRemote: boolean;
  listenHost: string;
  replyTo: Message | null;
  /** The hub's clock minus this browser's, in milliseconds. */
  skewMs: number;
  presenceTtl: number;
  /** What each panel last rendered, to skip rendering it again. */
  signatures: Map<string, string>;
  online: boolean;
}

/** What {@linkcode h} appends: nodes, text, and lists of them; nothing for null, undefined and false. */
export type Child = Node | string | number | null | undefined | false | Child[];

/** The properties {@linkcode h} sets on the element it creates. */
export interface Props {
  class?: string | undefined;
  /** Becomes the element's only text. */
  text?: unknown;
  /** `data-testid`. */
  testid?: string | undefined;
  /** Dataset entries; null and undefined ones are left out. */
  data?: Record<string, unknown>;
  /** Event listeners by event name. */
  on?: Record<string, (event: Event) => unknown>;
  /** Any other attribute; true sets it empty, false, null and undefined leave it out. */
  [attribute: string]: unknown;
}
