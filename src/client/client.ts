/**
 * {@linkcode ArcClient}: one agent's handle on an Arc hub.
 *
 * @module
 */

import { readEventData } from "./_sse.ts";
import { defined, delay, describe, timeoutOf } from "./_util.ts";
import { ArcError } from "./errors.ts";
import {
  type HandlerContext,
  type HandlerResult,
  isCancel,
  isProgress,
  outcomeOf,
  RpcError,
  vendorOf,
  withVendor,
} from "./rpc.ts";
import {
  DEFAULT_TIMEOUT_MS,
  HttpTransport,
  type HttpTransportOptions,
} from "./http_transport.ts";
import type { ReadyTasksOptions, TaskWithDependencies } from "./task_deps.ts";
import type { NextTaskOptions, QueueHandout } from "./queue.ts";
import {
  DEFAULT_RELAY_TIMEOUT_MS,
  RelayTransport,
  type RelayTransportOptions,
} from "./relay_transport.ts";
import type { Approval, ApprovalRequest } from "./approvals.ts";
import type {
  AckResult,
  MessageReceipts,
  SurfacedResult,
  UnackedMessage,
  UnackedOptions,
} from "./receipts.ts";
import type { SearchHit, SearchOptions } from "./search.ts";
import type { HttpMethod, RequestOptions, Transport } from "./transport.ts";
import type {
  CheckFenceOptions,
  FenceCheck,
  LockMode,
} from "./reservations.ts";
import type {
  Attachment,
  Bootstrap,
  Channel,
  Claim,
  ClaimResult,
  DeletedSession,
  HubInfo,
  JsonObject,
  Lock,
  LockResult,
  Message,
  MessageKind,
  Session,
  Task,
  TaskCompletion,
  TaskStatus,
  ThreadDetail,
  ThreadSummary,
} from "./types.ts";

/**
 * Options for {@linkcode ArcClient}. Without `transport`, the client talks
 * HTTP to `baseUrl`.
 *
 * @example A client for a hub on another port
 * ```ts
 * import { ArcClient, type ArcClientOptions } from "@arc/hub";
 *
 * const options: ArcClientOptions = {
 *   agentId: "reviewer",
 *   baseUrl: "http://127.0.0.1:7000",
 * };
 * const client = new ArcClient(options);
 * ```
 */
export interface ArcClientOptions extends HttpTransportOptions {
  /** The agent this client acts as. */
  agentId: string;
  /**
   * How to reach the hub. When given, `baseUrl`, `token` and `fetch` are not
   * used; `timeoutMs` still sets the client's default wait.
   *
   * @default {an HttpTransport built from the other options}
   */
  transport?: Transport;
  /**
   * The agent's session secret from an earlier registration, for hubs with
   * strict identity (`arcdeno:identity`); {@linkcode ArcClient.register}
   * replaces it with the new session's secret.
   *
   * @default none
   */
  secret?: string;
}

/**
 * Options for {@linkcode ArcClient.overRelay}.
 *
 * @example Options for a sandboxed agent
 * ```ts
 * import type { OverRelayOptions } from "@arc/hub";
 *
 * const options: OverRelayOptions = { agentId: "sandboxed", spoolDir: ".arc-relay" };
 * ```
 */
export interface OverRelayOptions extends RelayTransportOptions {
  /** The agent this client acts as. */
  agentId: string;
}

/**
 * Options for {@linkcode ArcClient.register}.
 *
 * @example Registering with a capability
 * ```ts
 * import type { RegisterOptions } from "@arc/hub";
 *
 * const options: RegisterOptions = { displayName: "Reviewer", capabilities: ["review"] };
 * ```
 */
export interface RegisterOptions {
  /**
   * The human-readable name.
   *
   * @default {the agent id}
   */
  displayName?: string;
  /**
   * Capabilities others can search for with `listAgents({ capability })`.
   *
   * @default {[]}
   */
  capabilities?: string[];
  /**
   * Free-form metadata.
   *
   * @default {{}}
   */
  metadata?: JsonObject;
  /**
   * Take over a live session of the same agent instead of failing with 409.
   *
   * @default {true}
   */
  replace?: boolean;
}

/**
 * Options for {@linkcode ArcClient.quickstart}: the client's options plus the
 * registration's (a quickstart always replaces a live session).
 *
 * @example Quickstart options
 * ```ts
 * import type { QuickstartOptions } from "@arc/hub";
 *
 * const options: QuickstartOptions = { agentId: "builder", capabilities: ["build"] };
 * ```
 */
export type QuickstartOptions =
  & ArcClientOptions
  & Omit<RegisterOptions, "replace">;

/**
 * Options for {@linkcode ArcClient.post}.
 *
 * @example A task in a thread
 * ```ts
 * import type { PostOptions } from "@arc/hub";
 *
 * const options: PostOptions = { kind: "task", threadId: "release-2.0" };
 * ```
 */
export interface PostOptions {
  /**
   * The message kind.
   *
   * @default {"chat"}
   */
  kind?: MessageKind;
  /** The thread the message belongs to. */
  threadId?: string;
  /** Makes the message a direct message to this agent. */
  toAgent?: string;
  /** Attachments (at most the hub's `max_attachments`). */
  attachments?: Attachment[];
  /** Free-form metadata. */
  metadata?: JsonObject;
  /** The id of the message this one answers. */
  replyTo?: number;
  /** For a `task` or `task_request`: the parent task, which must exist. */
  parentTaskId?: number;
}

/**
 * Options for {@linkcode ArcClient.dm}.
 *
 * @example A direct message in a thread
 * ```ts
 * import type { DmOptions } from "@arc/hub";
 *
 * const options: DmOptions = { threadId: "review-12" };
 * ```
 */
export interface DmOptions extends Omit<PostOptions, "toAgent"> {
  /**
   * The channel label of the message (a direct message's channel need not exist).
   *
   * @default {"direct"}
   */
  channel?: string;
}

/**
 * Options for {@linkcode ArcClient.reply}. By default the result goes back to
 * the requester as a direct message, in the request's channel and thread.
 *
 * @example Broadcasting a result instead
 * ```ts
 * import type { ReplyOptions } from "@arc/hub";
 *
 * const options: ReplyOptions = { toAgent: null };
 * ```
 */
export interface ReplyOptions {
  /**
   * The message kind.
   *
   * @default {"task_result"}
   */
  kind?: MessageKind;
  /**
   * The recipient; `null` broadcasts to the channel.
   *
   * @default {the request's sender}
   */
  toAgent?: string | null;
  /**
   * The channel.
   *
   * @default {the request's channel}
   */
  channel?: string;
  /**
   * The thread; `null` for none.
   *
   * @default {the request's thread}
   */
  threadId?: string | null;
  /** Attachments. */
  attachments?: Attachment[];
  /** Free-form metadata. */
  metadata?: JsonObject;
}

/**
 * Options for {@linkcode ArcClient.poll}.
 *
 * @example Waiting up to ten seconds in one thread
 * ```ts
 * import type { PollOptions } from "@arc/hub";
 *
 * const options: PollOptions = { timeoutSec: 10, threadId: "release-2.0" };
 * ```
 */
export interface PollOptions {
  /**
   * How long the hub may wait for a new message, in seconds (0 answers at
   * once; the hub caps it, at 60 s for Arc for Deno).
   *
   * @default {30}
   */
  timeoutSec?: number;
  /**
   * Leave out messages this agent sent.
   *
   * @default {true}
   */
  excludeSelf?: boolean;
  /** Only this channel (which must exist). */
  channel?: string;
  /** Only this thread. */
  threadId?: string;
  /**
   * The most messages to return.
   *
   * @default {100 (the hub's default)}
   */
  limit?: number;
  /** Stops waiting; the call then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Options for {@linkcode ArcClient.stream}.
 *
 * @example Streaming two channels until a signal fires
 * ```ts
 * import type { StreamOptions } from "@arc/hub";
 *
 * const controller = new AbortController();
 * const options: StreamOptions = {
 *   channels: ["general", "builds"],
 *   signal: controller.signal,
 * };
 * ```
 */
export interface StreamOptions {
  /**
   * Only these channels.
   *
   * @default {all channels}
   */
  channels?: string[];
  /**
   * Leave out messages this agent sent.
   *
   * @default {true}
   */
  excludeSelf?: boolean;
  /** Ends the stream. */
  signal?: AbortSignal;
  /**
   * For transports without streaming (the relay): how long each long-poll
   * may wait, in seconds. Keep it short for a relay that answers one request
   * at a time, where a parked poll holds up other agents' requests.
   *
   * @default {30}
   */
  pollTimeoutSec?: number;
}

/**
 * Options for {@linkcode ArcClient.claim}.
 *
 * @example A claim on a task for ten minutes
 * ```ts
 * import type { ClaimOptions } from "@arc/hub";
 *
 * const options: ClaimOptions = { taskMessageId: 42, ttlSec: 600 };
 * ```
 */
export interface ClaimOptions {
  /** The thread the claim belongs to. */
  threadId?: string;
  /** The task the claim is about. */
  taskMessageId?: number;
  /**
   * Lease length in seconds (the hub allows 5 s to ten years).
   *
   * @default {300}
   */
  ttlSec?: number;
  /** Free-form metadata. */
  metadata?: JsonObject;
}

/**
 * Options for {@linkcode ArcClient.lock}.
 *
 * @example A lock counted in a thread
 * ```ts
 * import type { LockOptions } from "@arc/hub";
 *
 * const options: LockOptions = { metadata: { thread_id: "release-2.0" } };
 * ```
 */
export interface LockOptions {
  /**
   * Lease length in seconds (the hub allows 5 s to ten years).
   *
   * @default {300}
   */
  ttlSec?: number;
  /** Free-form metadata; `thread_id` ties the lock to a thread, `channel` steers its recovery notice. */
  metadata?: JsonObject;
  /**
   * Reservation mode on a hub with `arcdeno:reservations`: `shared` lets
   * other shared holders reserve overlapping paths. Sent only when set.
   *
   * @default {"exclusive"}
   */
  mode?: LockMode;
}

/**
 * Options for {@linkcode ArcClient.refreshClaim} and
 * {@linkcode ArcClient.refreshLock}.
 *
 * @example Extending a lease to an hour
 * ```ts
 * import type { RefreshOptions } from "@arc/hub";
 *
 * const options: RefreshOptions = { ttlSec: 3600 };
 * ```
 */
export interface RefreshOptions {
  /**
   * New lease length in seconds, counted from now.
   *
   * @default {300}
   */
  ttlSec?: number;
}

/**
 * Filters for {@linkcode ArcClient.listClaims}.
 *
 * @example Active claims of one thread
 * ```ts
 * import type { ListClaimsOptions } from "@arc/hub";
 *
 * const options: ListClaimsOptions = { threadId: "release-2.0", activeOnly: true };
 * ```
 */
export interface ListClaimsOptions {
  /** Only this thread. */
  threadId?: string;
  /**
   * Only claims that are neither released nor expired.
   *
   * @default {false}
   */
  activeOnly?: boolean;
}

/**
 * Filters for {@linkcode ArcClient.listLocks}.
 *
 * @example Active locks of one agent
 * ```ts
 * import type { ListLocksOptions } from "@arc/hub";
 *
 * const options: ListLocksOptions = { agentId: "builder", activeOnly: true };
 * ```
 */
export interface ListLocksOptions {
  /** Only this holder. */
  agentId?: string;
  /**
   * Only locks that are neither released nor expired.
   *
   * @default {false}
   */
  activeOnly?: boolean;
}

/**
 * Filters for {@linkcode ArcClient.listAgents}.
 *
 * @example Agents that review
 * ```ts
 * import type { ListAgentsOptions } from "@arc/hub";
 *
 * const options: ListAgentsOptions = { capability: "review" };
 * ```
 */
export interface ListAgentsOptions {
  /** Only agents with this exact capability. */
  capability?: string;
}

/**
 * Filters for {@linkcode ArcClient.listTasks}.
 *
 * @example Open subtasks of task 42
 * ```ts
 * import type { ListTasksOptions } from "@arc/hub";
 *
 * const options: ListTasksOptions = { parentId: 42, status: "open" };
 * ```
 */
export interface ListTasksOptions {
  /** Only children of this task. */
  parentId?: number;
  /** Only tasks in this status. */
  status?: TaskStatus;
  /** Only this channel. */
  channel?: string;
  /** Only this thread. */
  threadId?: string;
}

/**
 * Options for {@linkcode ArcClient.inbox}.
 *
 * @example The newest ten direct messages
 * ```ts
 * import type { InboxOptions } from "@arc/hub";
 *
 * const options: InboxOptions = { tail: true, limit: 10 };
 * ```
 */
export interface InboxOptions {
  /**
   * Only messages with a higher id.
   *
   * @default {0}
   */
  sinceId?: number;
  /**
   * With `sinceId` 0, return the newest `limit` messages (still oldest first).
   *
   * @default {false}
   */
  tail?: boolean;
  /**
   * The most messages to return.
   *
   * @default {100 (the hub's default)}
   */
  limit?: number;
}

/**
 * Options for {@linkcode ArcClient.call}.
 *
 * @example A call with a one-minute deadline
 * ```ts
 * import type { CallOptions } from "@arc/hub";
 *
 * const options: CallOptions = { timeoutMs: 60_000, threadId: "lint-run" };
 * ```
 */
export interface CallOptions {
  /**
   * How long to wait for the result, in milliseconds.
   *
   * @default {30000}
   */
  timeoutMs?: number;
  /**
   * The channel label of the request.
   *
   * @default {"direct"}
   */
  channel?: string;
  /** The thread of the request. */
  threadId?: string;
  /** Attachments of the request. */
  attachments?: Attachment[];
  /** Free-form metadata of the request. */
  metadata?: JsonObject;
  /**
   * Stops waiting; the call then tells the callee the request is cancelled
   * and rejects with the signal's reason.
   */
  signal?: AbortSignal;
  /** Called with each progress update the callee posts, in order. */
  onProgress?: (update: Message) => void;
  /**
   * How often to check that the callee's session is still active, in
   * milliseconds; once it ends the call rejects with an
   * {@linkcode RpcError} (`callee_gone`). 0 turns the check off.
   *
   * @default {1000}
   */
  calleeCheckMs?: number;
}

type Query = Record<string, string | number | boolean | undefined>;
type OkEnvelope = {
  ok: true;
  result: unknown;
  acquired?: boolean;
  parent_completed?: boolean;
};

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;
const STREAM_POLL_SEC = 30;
const CALL_SLICE_MS = 30_000;

/**
 * One agent's client for an Arc hub (protocol v1). It remembers the agent's
 * session and a message cursor, so {@linkcode ArcClient.poll} returns each
 * message once.
 *
 * Every call resolves to the hub's `result` and rejects with
 * {@linkcode ArcError} when the hub refuses (the error carries the hub's
 * message and HTTP status) or cannot be reached.
 *
 * @example Joining, posting and waiting for an answer
 * ```ts
 * import { ArcClient } from "@arc/hub";
 *
 * await using client = await ArcClient.quickstart({ agentId: "builder" });
 * await client.post("general", "build started", { kind: "notice" });
 * for (const message of await client.poll({ timeoutSec: 5 })) {
 *   console.log(`${message.from_agent}: ${message.body}`);
 * }
 * ```
 */
export class ArcClient implements AsyncDisposable {
  #agentId: string;
  #transport: Transport;
  #timeoutMs: number;
  #sinceId = 0;
  #sessionId: string | undefined;
  #secret: string | undefined;
  /** The generation of this client's registration (`arcdeno:work_queue`). */
  #generation: number | undefined;
  /** Tasks the work queue handed to this client and not completed yet. */
  #queued = new Set<number>();
  #streams = new Set<AbortController>();

  /**
   * Makes a client; nothing is sent until the first call.
   *
   * @param options The agent id and how to reach the hub.
   * @throws {TypeError} When `agentId` is empty or `baseUrl` is not an http(s) URL.
   * @throws {RangeError} When `timeoutMs` is not a positive number.
   */
  constructor(options: ArcClientOptions) {
    if (typeof options.agentId !== "string" || !options.agentId.trim()) {
      throw new TypeError(
        `Cannot create a client as 'agentId' must be a non-empty string: current value is ${
          JSON.stringify(options.agentId)
        }`,
      );
    }
    this.#agentId = options.agentId;
    this.#timeoutMs = timeoutOf(options, DEFAULT_TIMEOUT_MS);
    this.#transport = options.transport ?? new HttpTransport(options);
    this.#secret = options.secret || undefined;
  }

  /**
   * Makes a client that reaches the hub through the file relay, for sandboxes
   * that cannot open a socket to it. The hub must run its relay on the same
   * spool directory.
   *
   * @param options The agent id, the spool directory and the response timeout
   * (default 30 s).
   * @returns A client over a {@linkcode RelayTransport}.
   * @throws {TypeError} When `agentId` is empty.
   * @throws {RangeError} When a timeout is not a positive number.
   *
   * Some relays answer one request at a time, so a parked long-poll holds
   * every other agent's requests behind it; unless the hub advertises
   * `arcdeno:relay_concurrent` in its features, keep `timeoutSec` of
   * {@linkcode ArcClient.poll} short over the relay.
   *
   * @example A sandboxed agent
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = ArcClient.overRelay({ agentId: "sandboxed" });
   * await client.register();
   * await client.post("general", "hello through the relay");
   * ```
   */
  static overRelay(options: OverRelayOptions): ArcClient {
    const timeoutMs = options.timeoutMs ?? DEFAULT_RELAY_TIMEOUT_MS;
    return new ArcClient({
      agentId: options.agentId,
      timeoutMs,
      transport: new RelayTransport(options.agentId, { ...options, timeoutMs }),
    });
  }

  /**
   * Makes a client, registers it (replacing a live session of the same
   * agent) and bootstraps it, so the first {@linkcode ArcClient.poll} starts
   * from now instead of replaying history.
   *
   * @param options The client's and the registration's options.
   * @returns The ready client.
   * @throws {ArcError} When the hub refuses or cannot be reached.
   * @throws {TypeError} When an option is invalid.
   *
   * @example Starting an agent
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({
   *   agentId: "reviewer",
   *   capabilities: ["review"],
   * });
   * console.log(client.sessionId);
   * ```
   */
  static async quickstart(options: QuickstartOptions): Promise<ArcClient> {
    const client = new ArcClient(options);
    await client.register({ ...options, replace: true });
    await client.bootstrap();
    return client;
  }

  /**
   * The agent this client acts as.
   *
   * @returns The agent id.
   *
   * @example Reading the agent id
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "builder" });
   * console.log(client.agentId); // "builder"
   * ```
   */
  get agentId(): string {
    return this.#agentId;
  }

  /**
   * The session id from the last {@linkcode ArcClient.register}, until
   * {@linkcode ArcClient.close}.
   *
   * @returns The session id, or undefined when not registered.
   *
   * @example Checking registration
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "builder" });
   * console.log(client.sessionId); // undefined
   * ```
   */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /**
   * The agent's session secret, kept from the last
   * {@linkcode ArcClient.register} (or the `secret` option) and sent with
   * every request, so a hub with strict identity knows the request comes
   * from this agent. Keep it private: whoever has it can act as the agent.
   *
   * @returns The secret, or undefined when the hub issued none.
   *
   * @example Saving the secret for the next process
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "builder" });
   * console.log(client.secret === undefined); // true until registered
   * ```
   */
  get secret(): string | undefined {
    return this.#secret;
  }

  /**
   * The message cursor: {@linkcode ArcClient.poll} and
   * {@linkcode ArcClient.stream} return only messages with a higher id, and
   * move it to the highest id they return.
   *
   * @returns The cursor (0 at first).
   *
   * @example Reading the cursor
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "builder" });
   * console.log(client.sinceId); // 0
   * ```
   */
  get sinceId(): number {
    return this.#sinceId;
  }

  /**
   * Moves the message cursor, for example back to 0 to replay history or to
   * a cursor saved before a restart.
   *
   * @param value A non-negative integer message id.
   * @throws {RangeError} When `value` is not a non-negative safe integer.
   *
   * @example Replaying everything
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "builder" });
   * client.sinceId = 0;
   * ```
   */
  set sinceId(value: number) {
    this.#sinceId = checkId("sinceId", value);
  }

  /**
   * Starts a session for this agent and remembers its id.
   *
   * @param options Display name, capabilities, metadata and whether to
   * replace a live session.
   * @returns The new session.
   * @throws {ArcError} With status 409 when the agent has a live session and
   * `replace` is false, or another hub refusal.
   *
   * @example Registering with a capability
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = new ArcClient({ agentId: "reviewer" });
   * const session = await client.register({ capabilities: ["review"] });
   * console.log(session.session_id);
   * ```
   */
  async register(options: RegisterOptions = {}): Promise<Session> {
    const body = defined<JsonObject>({
      agent_id: this.#agentId,
      replace: options.replace ?? true,
      display_name: options.displayName,
      capabilities: options.capabilities,
      metadata: options.metadata,
    });
    const session = await this.#result<Session>("POST", "/v1/sessions", {
      body,
    });
    this.#sessionId = session.session_id;
    const secret = session.arcdeno?.secret;
    if (typeof secret === "string" && secret) this.#secret = secret;
    const generation = session.arcdeno?.generation;
    this.#generation = typeof generation === "number" ? generation : undefined;
    return session;
  }

  /**
   * Changes this agent's display name.
   *
   * @param displayName The new name (1 to 64 characters).
   * @returns The updated session.
   * @throws {ArcError} With status 404 when the agent has no live session, or
   * 400 for an invalid name.
   *
   * @example Renaming
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "builder" });
   * await client.rename("Builder (night shift)");
   * ```
   */
  async rename(displayName: string): Promise<Session> {
    return await this.#result<Session>(
      "POST",
      `/v1/sessions/${encodeURIComponent(this.#agentId)}/rename`,
      { body: { display_name: displayName } },
    );
  }

  /**
   * Ends this agent's session (`DELETE /v1/sessions/{id}`) if it has one, and
   * ends open streams. Errors are swallowed, so it is safe in `finally`
   * blocks and to call twice. Claims and locks stay until they expire.
   *
   * @returns When the hub has answered or the attempt failed.
   *
   * @example Leaving explicitly
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = await ArcClient.quickstart({ agentId: "builder" });
   * try {
   *   await client.post("general", "done for today");
   * } finally {
   *   await client.close();
   * }
   * ```
   */
  async close(): Promise<void> {
    for (const controller of this.#streams) controller.abort();
    this.#streams.clear();
    const sessionId = this.#sessionId;
    if (sessionId === undefined) return;
    this.#sessionId = undefined;
    try {
      await this.#result<DeletedSession>(
        "DELETE",
        `/v1/sessions/${encodeURIComponent(sessionId)}`,
      );
    } catch {
      // best effort: the hub may be gone or the session already ended
    }
  }

  /**
   * Calls {@linkcode ArcClient.close}, for `await using`.
   *
   * @returns When the session has ended.
   *
   * @example Scoped client
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * {
   *   await using client = await ArcClient.quickstart({ agentId: "builder" });
   *   await client.post("general", "hello");
   * } // the session ends here
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Creates a channel, or returns the existing one unchanged.
   *
   * @param name The channel name.
   * @param options The channel's metadata.
   * @returns The channel.
   * @throws {ArcError} With status 400 for an empty name.
   *
   * @example Creating a channel
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "lead" });
   * await client.createChannel("builds", { metadata: { topic: "CI" } });
   * ```
   */
  async createChannel(
    name: string,
    options: { metadata?: JsonObject } = {},
  ): Promise<Channel> {
    const body = defined<JsonObject>({
      name,
      created_by: this.#agentId,
      metadata: options.metadata,
    });
    return await this.#result<Channel>("POST", "/v1/channels", { body });
  }

  /**
   * Lists all channels.
   *
   * @returns The channels, by name.
   * @throws {ArcError} When the hub cannot be reached.
   *
   * @example Channel names
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "lead" });
   * console.log((await client.listChannels()).map((c) => c.name));
   * ```
   */
  async listChannels(): Promise<Channel[]> {
    return await this.#result<Channel[]>("GET", "/v1/channels");
  }

  /**
   * Posts a message to a channel (which must exist), or a direct message
   * with `toAgent`.
   *
   * @param channel The channel.
   * @param body The text; may be empty when there are attachments.
   * @param options Kind, thread, recipient, attachments, metadata, reply and parent task.
   * @returns The stored message.
   * @throws {ArcError} With status 400 when the hub refuses the message
   * (unknown channel or kind, too large, unknown parent task...), or 429 with
   * {@linkcode ArcError.retryAfterSec} when the agent posts faster than the
   * hub's rate limit allows.
   *
   * @example Posting a task with a file reference
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "lead" });
   * const task = await client.post("general", "fix the parser", {
   *   kind: "task",
   *   threadId: "parser",
   *   attachments: [{ type: "file_ref", path: "src/parser.ts" }],
   * });
   * console.log(task.id);
   * ```
   */
  async post(
    channel: string,
    body: string,
    options: PostOptions = {},
  ): Promise<Message> {
    const payload = defined<JsonObject>({
      from_agent: this.#agentId,
      channel,
      kind: options.kind ?? "chat",
      body,
      thread_id: options.threadId,
      to_agent: options.toAgent,
      attachments: options.attachments,
      metadata: options.metadata,
      reply_to: options.replyTo,
      parent_task_id: options.parentTaskId,
    });
    return await this.#result<Message>("POST", "/v1/messages", {
      body: payload,
    });
  }

  /**
   * Sends a direct message; only the recipient sees it in its events and
   * inbox (and anyone reading the thread).
   *
   * @param toAgent The recipient.
   * @param body The text.
   * @param options Kind, channel label (default `direct`), thread and the rest of {@linkcode PostOptions}.
   * @returns The stored message.
   * @throws {ArcError} With status 400 when the hub refuses the message.
   *
   * @example Asking someone directly
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "lead" });
   * await client.dm("reviewer", "can you look at #12?");
   * ```
   */
  async dm(
    toAgent: string,
    body: string,
    options: DmOptions = {},
  ): Promise<Message> {
    const { channel = "direct", ...rest } = options;
    return await this.post(channel, body, { ...rest, toAgent });
  }

  /**
   * Answers a request: posts a `task_result` with `reply_to` set to the
   * request's id, by default as a direct message to its sender in its
   * channel and thread. The hub then marks an open `task_request` done.
   *
   * @param request The message being answered.
   * @param body The answer.
   * @param options Recipient, channel, thread, kind, attachments and metadata.
   * @returns The stored answer.
   * @throws {ArcError} With status 400 when the hub refuses the message.
   *
   * @example A worker answering requests
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using worker = await ArcClient.quickstart({ agentId: "linter" });
   * for (const message of await worker.poll({ timeoutSec: 5 })) {
   *   if (message.kind === "task_request") {
   *     await worker.reply(message, "no lint errors");
   *   }
   * }
   * ```
   */
  async reply(
    request: Message,
    body: string,
    options: ReplyOptions = {},
  ): Promise<Message> {
    const toAgent = options.toAgent === undefined
      ? request.from_agent
      : options.toAgent;
    const threadId = options.threadId === undefined
      ? request.thread_id
      : options.threadId;
    const post = defined<PostOptions>({
      kind: options.kind ?? "task_result",
      replyTo: request.id,
      toAgent: toAgent ?? undefined,
      threadId: threadId ?? undefined,
      attachments: options.attachments,
      metadata: options.metadata,
    });
    return await this.post(options.channel ?? request.channel, body, post);
  }

  /**
   * Answers a request with a failure: a `task_result` carrying
   * `metadata.arcdeno.outcome: "failed"` and the reason. The caller's
   * {@linkcode ArcClient.call} rejects at once with an {@linkcode RpcError}.
   *
   * @param request The request that failed.
   * @param reason Why it failed.
   * @param options The rest of {@linkcode ReplyOptions}.
   * @returns The stored result.
   * @throws {ArcError} With status 400 when the hub refuses the message.
   *
   * @example Failing a request
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using worker = await ArcClient.quickstart({ agentId: "builder" });
   * for (const message of await worker.poll({ timeoutSec: 5 })) {
   *   if (message.kind === "task_request") {
   *     await worker.fail(message, "the compiler crashed");
   *   }
   * }
   * ```
   */
  async fail(
    request: Message,
    reason: string,
    options: ReplyOptions = {},
  ): Promise<Message> {
    return await this.#outcome(request, "failed", reason, options);
  }

  /**
   * Refuses a request: a `task_result` carrying
   * `metadata.arcdeno.outcome: "rejected"` and the reason. The caller's
   * {@linkcode ArcClient.call} rejects at once with an {@linkcode RpcError}.
   *
   * @param request The request refused.
   * @param reason Why.
   * @param options The rest of {@linkcode ReplyOptions}.
   * @returns The stored result.
   * @throws {ArcError} With status 400 when the hub refuses the message.
   *
   * @example Refusing work outside one's role
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using worker = await ArcClient.quickstart({ agentId: "reviewer" });
   * for (const message of await worker.poll({ timeoutSec: 5 })) {
   *   if (message.kind === "task_request") {
   *     await worker.reject(message, "I only review, ask the builder");
   *   }
   * }
   * ```
   */
  async reject(
    request: Message,
    reason: string,
    options: ReplyOptions = {},
  ): Promise<Message> {
    return await this.#outcome(request, "rejected", reason, options);
  }

  /**
   * Posts a progress update on a request: a `notice` replying to it with
   * `metadata.arcdeno.rpc: "progress"`, by default directly to its sender.
   * The caller's `onProgress` receives it as it comes.
   *
   * @param request The request being worked on.
   * @param body The update.
   * @param options The rest of {@linkcode ReplyOptions} (the kind stays `notice`).
   * @returns The stored update.
   * @throws {ArcError} With status 400 when the hub refuses the message.
   *
   * @example Reporting progress
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using worker = await ArcClient.quickstart({ agentId: "builder" });
   * for (const message of await worker.poll({ timeoutSec: 5 })) {
   *   if (message.kind === "task_request") {
   *     await worker.progress(message, "compiling (1/3)");
   *   }
   * }
   * ```
   */
  async progress(
    request: Message,
    body: string,
    options: ReplyOptions = {},
  ): Promise<Message> {
    return await this.reply(request, body, {
      ...options,
      kind: "notice",
      metadata: withVendor(options.metadata, { rpc: "progress" }),
    });
  }

  /**
   * Serves one request: runs `handler` with an `AbortSignal` that aborts
   * when the caller cancels, and a `progress` function; then posts what it
   * returns as the `task_result`. A handler that throws an
   * {@linkcode RpcError} with outcome `rejected` refuses the request; any
   * other error fails it; a cancelled request is answered with outcome
   * `cancelled`. It keeps this agent present while the handler runs.
   *
   * @param request The `task_request` to serve.
   * @param handler The work.
   * @returns The stored result.
   * @throws {ArcError} When the hub refuses the result or cannot be reached.
   *
   * @example A worker that serves requests
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using worker = await ArcClient.quickstart({ agentId: "builder" });
   * for (const message of await worker.poll({ timeoutSec: 5 })) {
   *   if (message.kind !== "task_request") continue;
   *   await worker.handle(message, async (request, { signal, progress }) => {
   *     await progress("starting");
   *     signal.throwIfAborted();
   *     return `built ${request.body}`;
   *   });
   * }
   * ```
   */
  async handle(
    request: Message,
    handler: (
      request: Message,
      context: HandlerContext,
    ) => HandlerResult | Promise<HandlerResult>,
  ): Promise<Message> {
    const cancel = new AbortController();
    const watching = new AbortController();
    const watcher = (async () => {
      let cursor = request.id;
      while (!watching.signal.aborted) {
        const messages = await this.#events(
          { since_id: cursor, timeout: 10, limit: 500 },
          watching.signal,
        );
        for (const message of messages) {
          if (isCancel(message, request.id)) {
            const given = vendorOf(message)?.["reason"];
            const reason = typeof given === "string" ? given : "cancelled";
            cancel.abort(
              new RpcError(`request ${request.id} cancelled: ${reason}`, {
                outcome: "cancelled",
                reason,
                requestId: request.id,
              }),
            );
            return;
          }
          if (message.id > cursor) cursor = message.id;
        }
      }
    })().catch(() => {});
    const cancelled = () =>
      this.#outcome(
        request,
        "cancelled",
        (cancel.signal.reason as RpcError).reason,
      );
    try {
      const out = await handler(request, {
        signal: cancel.signal,
        progress: (body, metadata) =>
          this.progress(request, body, metadata ? { metadata } : {}),
      });
      if (cancel.signal.aborted) return await cancelled();
      const answer = typeof out === "string" ? { body: out } : out;
      const options: ReplyOptions = {};
      if (answer.attachments) options.attachments = answer.attachments;
      if (answer.metadata) options.metadata = answer.metadata;
      return await this.reply(request, answer.body, options);
    } catch (error) {
      if (cancel.signal.aborted) return await cancelled();
      if (error instanceof RpcError && error.outcome === "rejected") {
        return await this.reject(request, error.reason);
      }
      return await this.fail(request, describe(error));
    } finally {
      watching.abort();
      await watcher;
    }
  }

  async #outcome(
    request: Message,
    outcome: "failed" | "rejected" | "cancelled",
    reason: string,
    options: ReplyOptions = {},
  ): Promise<Message> {
    return await this.reply(request, reason, {
      ...options,
      kind: "task_result",
      metadata: withVendor(options.metadata, { outcome, reason }),
    });
  }

  /**
   * Calls another agent and waits for its answer: posts a `task_request` to
   * `toAgent`, then long-polls this agent's events for the `task_result`
   * whose `reply_to` is the request's id (a broadcast in any channel or a
   * direct message). It does not move {@linkcode ArcClient.sinceId}.
   *
   * @param toAgent The agent to call.
   * @param body The request.
   * @param options Timeout (default 30 s), channel label, thread, attachments, metadata and a signal.
   * @returns The answer message.
   * @throws {ArcError} With status 408 when no answer arrives in time, or
   * when the hub refuses or cannot be reached.
   *
   * @example Asking a linter agent, if one is listening
   * ```ts
   * import { ArcClient, ArcError } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "lead" });
   * try {
   *   const answer = await client.call("linter", "lint src/", { timeoutMs: 5_000 });
   *   console.log(answer.body);
   * } catch (error) {
   *   if (!(error instanceof ArcError && error.status === 408)) throw error;
   *   console.log("no linter answered in time");
   * }
   * ```
   */
  async call(
    toAgent: string,
    body: string,
    options: CallOptions = {},
  ): Promise<Message> {
    const timeoutMs = timeoutOf(options, 30_000);
    const deadline = Date.now() + timeoutMs;
    const post = defined<PostOptions>({
      kind: "task_request",
      toAgent,
      threadId: options.threadId,
      attachments: options.attachments,
      metadata: options.metadata,
    });
    const checkMs = options.calleeCheckMs ?? 1_000;
    // Looked up before the request goes out, so a callee that answers nothing
    // and leaves at once is still seen leaving.
    let calleeLive = checkMs > 0 && await this.#isLive(toAgent);
    const request = await this.post(options.channel ?? "direct", body, post);
    let cursor = request.id;
    /** The answer among new messages (progress goes to `onProgress` on the way). */
    const answer = (messages: Message[]): Message | undefined => {
      for (const message of messages) {
        if (message.kind === "task_result" && message.reply_to === request.id) {
          const failure = outcomeOf(message);
          if (!failure) return message;
          throw new RpcError(
            `${toAgent} ${failure.outcome} request ${request.id}: ${failure.reason}`,
            { ...failure, requestId: request.id, result: message },
          );
        }
        if (options.onProgress && isProgress(message, request.id)) {
          options.onProgress(message);
        }
        if (message.id > cursor) cursor = message.id;
      }
      return undefined;
    };
    const read = (waitMs: number) =>
      this.#events(
        { since_id: cursor, timeout: waitMs / 1000, limit: 500 },
        options.signal,
      );
    try {
      let lastCheck = Date.now();
      while (true) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        const waitMs = Math.min(
          remaining,
          CALL_SLICE_MS,
          checkMs > 0
            ? Math.max(1, lastCheck + checkMs - Date.now())
            : Infinity,
        );
        const found = answer(await read(waitMs));
        if (found) return found;
        if (checkMs > 0 && Date.now() - lastCheck >= checkMs) {
          lastCheck = Date.now();
          const live = await this.#isLive(toAgent);
          if (calleeLive && !live) {
            // An answer posted just before the session ended still counts.
            const last = answer(await read(0));
            if (last) return last;
            throw new RpcError(
              `${toAgent} went away during request ${request.id}`,
              {
                outcome: "callee_gone",
                reason: `the session of ${toAgent} ended`,
                requestId: request.id,
              },
            );
          }
          calleeLive ||= live;
        }
      }
    } catch (error) {
      if (options.signal?.aborted) {
        await this.#cancelRequest(request, toAgent, options.signal.reason)
          .catch(() => {});
      }
      throw error;
    }
    throw new ArcError(
      `RPC to ${toAgent} timed out after ${timeoutMs} ms (request ${request.id})`,
      { status: 408 },
    );
  }

  /**
   * Long-polls `GET /v1/events` for messages this agent may see (broadcasts
   * and direct messages to it) with an id above {@linkcode ArcClient.sinceId},
   * then moves the cursor to the highest id returned. It answers as soon as
   * there is something, or with `[]` after `timeoutSec`. The HTTP timeout is
   * stretched to `timeoutSec` plus 5 s when that exceeds the client's.
   *
   * @param options Wait, self-filter, channel, thread, limit and a signal.
   * @returns The new messages, oldest first.
   * @throws {ArcError} With status 404 for an unknown channel, or when the
   * hub cannot be reached.
   * @throws {RangeError} When `timeoutSec` is negative.
   *
   * @example An agent loop
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "worker" });
   * for (let round = 0; round < 3; round++) {
   *   for (const message of await client.poll({ timeoutSec: 10 })) {
   *     console.log(message.id, message.body);
   *   }
   * }
   * ```
   */
  async poll(options: PollOptions = {}): Promise<Message[]> {
    const timeoutSec = options.timeoutSec ?? 30;
    if (!Number.isFinite(timeoutSec) || timeoutSec < 0) {
      throw new RangeError(
        `Cannot poll as 'timeoutSec' must be a non-negative number: current value is ${timeoutSec}`,
      );
    }
    const messages = await this.#events({
      since_id: this.#sinceId,
      timeout: timeoutSec,
      exclude_self: options.excludeSelf ?? true,
      channel: options.channel,
      thread_id: options.threadId,
      limit: options.limit,
    }, options.signal);
    for (const message of messages) {
      if (message.id > this.#sinceId) this.#sinceId = message.id;
    }
    return messages;
  }

  /**
   * Streams the messages this agent may see, live, from
   * {@linkcode ArcClient.sinceId} on, moving the cursor as it yields. Over
   * HTTP it reads `GET /v1/stream` (server-sent events) and, when the
   * connection drops or the hub restarts, reconnects with backoff from the
   * last id seen; if the hub now serves a different database (another
   * `X-Arc-Instance`), it continues from that hub's present. Over a
   * transport without streaming (the relay) it long-polls instead. It ends
   * when `signal` aborts, the loop breaks, or the client is closed.
   *
   * @param options Channels, self-filter and the signal that ends it.
   * @returns An async iterator of messages.
   * @throws {ArcError} When the hub refuses the stream with a 4xx status.
   *
   * @example Reacting to messages for a minute
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "watcher" });
   * const signal = AbortSignal.timeout(60_000);
   * for await (const message of client.stream({ channels: ["general"], signal })) {
   *   console.log(`${message.from_agent}: ${message.body}`);
   * }
   * ```
   */
  async *stream(
    options: StreamOptions = {},
  ): AsyncGenerator<Message, void, undefined> {
    const controller = new AbortController();
    const outer = options.signal;
    const onAbort = () => controller.abort(outer?.reason);
    if (outer?.aborted) return;
    outer?.addEventListener("abort", onAbort, { once: true });
    this.#streams.add(controller);
    try {
      const open = this.#transport.openStream?.bind(this.#transport);
      if (open) {
        yield* this.#streamEvents(open, options, controller.signal);
      } else {
        yield* this.#streamPolls(options, controller.signal);
      }
    } finally {
      outer?.removeEventListener("abort", onAbort);
      this.#streams.delete(controller);
      controller.abort();
    }
  }

  async *#streamEvents(
    open: NonNullable<Transport["openStream"]>,
    options: StreamOptions,
    signal: AbortSignal,
  ): AsyncGenerator<Message, void, undefined> {
    const backoff = new Backoff();
    let instance: string | null = null;
    while (!signal.aborted) {
      let stream;
      try {
        stream = await open(
          path("/v1/stream", {
            agent_id: this.#agentId,
            since_id: this.#sinceId,
            exclude_self: options.excludeSelf ?? true,
            channels: options.channels?.length
              ? options.channels.join(",")
              : undefined,
          }),
          this.#secret === undefined
            ? { signal }
            : { signal, secret: this.#secret },
        );
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof ArcError && error.status === 404) {
          // a hub without the SSE binding: long-poll instead
          yield* this.#streamPolls(options, signal);
          return;
        }
        if (!isTransient(error)) throw error;
        await backoff.wait(signal);
        continue;
      }
      if (
        instance !== null && stream.instanceId !== null &&
        stream.instanceId !== instance
      ) {
        // Another database behind the same address: old cursors mean nothing there.
        await stream.body.cancel().catch(() => {});
        try {
          const boot = await this.#result<Bootstrap>(
            "GET",
            path("/v1/bootstrap", { agent_id: this.#agentId }),
            { signal },
          );
          this.#sinceId = boot.latest_visible_id;
          instance = stream.instanceId;
        } catch {
          if (signal.aborted) return;
          await backoff.wait(signal);
        }
        continue;
      }
      instance = stream.instanceId ?? instance;
      backoff.reset();
      try {
        for await (const data of readEventData(stream.body, signal)) {
          const message = parseMessage(data);
          if (!message || message.id <= this.#sinceId) continue;
          this.#sinceId = message.id;
          yield message;
        }
      } catch {
        // the connection dropped; reconnect below
      }
      if (signal.aborted) return;
      await backoff.wait(signal);
    }
  }

  async *#streamPolls(
    options: StreamOptions,
    signal: AbortSignal,
  ): AsyncGenerator<Message, void, undefined> {
    const backoff = new Backoff();
    const channels = options.channels?.length
      ? new Set(options.channels)
      : undefined;
    while (!signal.aborted) {
      let messages: Message[];
      try {
        messages = await this.poll({
          timeoutSec: options.pollTimeoutSec ?? STREAM_POLL_SEC,
          excludeSelf: options.excludeSelf ?? true,
          signal,
        });
      } catch (error) {
        if (signal.aborted) return;
        if (!isTransient(error)) throw error;
        await backoff.wait(signal);
        continue;
      }
      backoff.reset();
      for (const message of messages) {
        if (!channels || channels.has(message.channel)) yield message;
      }
    }
  }

  /**
   * Reads the start-up snapshot and moves {@linkcode ArcClient.sinceId}
   * forward to the newest message this agent may see, so the next poll
   * starts from now.
   *
   * @returns The snapshot: session, newest visible id, live agents, default channel.
   * @throws {ArcError} When the hub cannot be reached.
   *
   * @example Skipping history
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = new ArcClient({ agentId: "worker" });
   * await client.register();
   * const boot = await client.bootstrap();
   * console.log(boot.latest_visible_id === client.sinceId); // true
   * ```
   */
  async bootstrap(): Promise<Bootstrap> {
    const boot = await this.#result<Bootstrap>(
      "GET",
      path("/v1/bootstrap", { agent_id: this.#agentId }),
    );
    if (boot.latest_visible_id > this.#sinceId) {
      this.#sinceId = boot.latest_visible_id;
    }
    return boot;
  }

  /**
   * The same as {@linkcode ArcClient.bootstrap}: who am I, who else is here,
   * and where does "now" start.
   *
   * @returns The snapshot.
   * @throws {ArcError} When the hub cannot be reached.
   *
   * @example Am I registered?
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "worker" });
   * const me = await client.whoami();
   * console.log(me.session ? "registered" : "not registered");
   * ```
   */
  async whoami(): Promise<Bootstrap> {
    return await this.bootstrap();
  }

  /**
   * Reads this agent's direct messages. It does not move
   * {@linkcode ArcClient.sinceId}.
   *
   * @param options Cursor, tail mode and limit.
   * @returns The direct messages, oldest first.
   * @throws {ArcError} When the hub cannot be reached.
   *
   * @example The newest five direct messages
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "worker" });
   * const latest = await client.inbox({ tail: true, limit: 5 });
   * console.log(latest.length);
   * ```
   */
  async inbox(options: InboxOptions = {}): Promise<Message[]> {
    return await this.#result<Message[]>(
      "GET",
      path(`/v1/inbox/${encodeURIComponent(this.#agentId)}`, {
        since_id: options.sinceId ?? 0,
        tail: options.tail,
        limit: options.limit,
      }),
    );
  }

  /**
   * Acknowledges a message this agent received: a direct message to it, or
   * a broadcast whose metadata says `ack_required`. Its sender then sees the
   * receipt move from `delivered` to `acked`. Needs a hub with the
   * `arcdeno:receipts` feature.
   *
   * @param messageId The message to acknowledge.
   * @returns The message id and this agent's receipt; acknowledging twice keeps the first time.
   * @throws {ArcError} With status 403 for someone else's direct message,
   * 400 for a message that asks for no acknowledgement (or the sender's
   * own broadcast), 404 for an unknown id or a hub without the extension.
   *
   * @example Confirming every request as it arrives
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using worker = await ArcClient.quickstart({ agentId: "worker" });
   * for (const message of await worker.poll({ timeoutSec: 5 })) {
   *   if (message.to_agent === "worker") await worker.ack(message.id);
   * }
   * ```
   */
  async ack(messageId: number): Promise<AckResult> {
    const id = checkId("messageId", messageId);
    return await this.#result<AckResult>(
      "POST",
      `/v1/arcdeno/messages/${id}/ack`,
      { body: { agent_id: this.#agentId } },
    );
  }

  /**
   * Reports that this agent's host put these messages in front of its model
   * (a hook's output, an MCP tool result), so their senders see the
   * receipts move to `surfaced`. Messages that take no receipts, or that
   * the agent does not receive, are skipped. Needs a hub with the
   * `arcdeno:receipts` feature.
   *
   * @param messageIds The messages shown to the model (at most 100).
   * @returns The ids recorded.
   * @throws {ArcError} With status 400 for a bad id list, 404 on a hub
   * without the extension.
   *
   * @example After showing new messages to the model
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using worker = await ArcClient.quickstart({ agentId: "worker" });
   * const shown = await worker.poll({ timeoutSec: 0 });
   * if (shown.length) await worker.surfaced(shown.map((m) => m.id));
   * ```
   */
  async surfaced(messageIds: number[]): Promise<SurfacedResult> {
    return await this.#result<SurfacedResult>(
      "POST",
      "/v1/arcdeno/messages/surfaced",
      { body: { agent_id: this.#agentId, message_ids: messageIds } },
    );
  }

  /**
   * Reports a lifecycle event of this agent's host (what `arc hook` sends on
   * each hook run), so `listAgents()` and the dashboard show whether the
   * agent is working, idle or waiting for approval. Needs a hub with the
   * `arcdeno:agent_status` feature.
   *
   * @param event One of `session_start`, `prompt`, `tool`, `approval`,
   *   `stop`, `session_end`.
   * @param host The host's name, such as `claude`.
   * @returns The agent's status as the hub now sees it.
   * @throws {ArcError} With status 400 for an unknown event, 404 on a hub
   * without the extension.
   *
   * @example A custom host loop says it is working
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using worker = await ArcClient.quickstart({ agentId: "worker" });
   * const status = await worker.reportStatus("prompt", "my-host");
   * console.log(status.state); // "working"
   * ```
   */
  async reportStatus(
    event: string,
    host?: string,
  ): Promise<{ agent_id: string; state: string; [key: string]: unknown }> {
    return await this.#result(
      "POST",
      `/v1/arcdeno/agents/${encodeURIComponent(this.#agentId)}/status`,
      { body: { event, ...(host ? { host } : {}) } },
    );
  }

  /**
   * Reads a message's delivery receipts: who the hub handed it to and who
   * acknowledged it, and when. A direct message's receipts are readable by
   * its sender and recipient only; a broadcast's by any agent. Needs a hub
   * with the `arcdeno:receipts` feature.
   *
   * @param messageId The message.
   * @returns The message's receipts.
   * @throws {ArcError} With status 403 for a direct message between other
   * agents, 404 for an unknown id or a hub without the extension.
   *
   * @example Did the reviewer confirm?
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using lead = await ArcClient.quickstart({ agentId: "lead" });
   * const sent = await lead.dm("reviewer", "please review #12");
   * const { acked, receipts } = await lead.receipts(sent.id);
   * console.log(acked, receipts.map((r) => `${r.agent_id}: ${r.state}`));
   * ```
   */
  async receipts(messageId: number): Promise<MessageReceipts> {
    const id = checkId("messageId", messageId);
    return await this.#result<MessageReceipts>(
      "GET",
      path(`/v1/arcdeno/messages/${id}/receipts`, { agent_id: this.#agentId }),
    );
  }

  /**
   * Lists this agent's own messages still waiting for an acknowledgement
   * (direct messages not acknowledged by their recipient, broadcasts with
   * `ack_required` nobody acknowledged), oldest first, with their age and
   * whether they are overdue. Needs a hub with the `arcdeno:receipts`
   * feature.
   *
   * @param options How many at most (default 100, clamped by the hub).
   * @returns The waiting messages.
   * @throws {ArcError} With status 404 on a hub without the extension.
   *
   * @example Chasing overdue requests
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using lead = await ArcClient.quickstart({ agentId: "lead" });
   * for (const waiting of await lead.unacked()) {
   *   if (waiting.overdue && waiting.to_agent) {
   *     await lead.dm(waiting.to_agent, `did you see #${waiting.message_id}?`);
   *   }
   * }
   * ```
   */
  async unacked(options: UnackedOptions = {}): Promise<UnackedMessage[]> {
    return await this.#result<UnackedMessage[]>(
      "GET",
      path("/v1/arcdeno/unacked", {
        agent_id: this.#agentId,
        limit: options.limit,
      }),
    );
  }

  /**
   * Asks the operator to allow or deny something and returns the pending
   * request; {@linkcode ArcClient.approval} with `waitSec` waits for the
   * decision. Needs a hub with the `arcdeno:approvals` feature.
   *
   * @param title One line: what the agent wants to do.
   * @param options Detail, choices, expiry and facts to show.
   * @returns The pending request.
   * @throws {ArcError} With status 400 for a bad request, 404 on a hub
   * without the extension.
   *
   * @example Ask before deploying
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "worker" });
   * const asked = await client.requestApproval("deploy to staging", {
   *   timeoutSec: 600,
   * });
   * const answer = await client.approval(asked.id, { waitSec: 60 });
   * if (answer.status === "allowed") console.log("deploying");
   * ```
   */
  async requestApproval(
    title: string,
    options: ApprovalRequest = {},
  ): Promise<Approval> {
    return await this.#result<Approval>("POST", "/v1/arcdeno/approvals", {
      body: {
        agent_id: this.#agentId,
        title,
        detail: options.detail ?? "",
        choices: options.choices ?? [],
        metadata: options.metadata ?? {},
        ...(options.timeoutSec !== undefined
          ? { timeout_sec: options.timeoutSec }
          : {}),
      },
    });
  }

  /**
   * Reads an approval request; with `waitSec`, a pending one is answered
   * as soon as it is decided or expires, or after `waitSec` seconds (at
   * most 60) still pending.
   *
   * @param id The request's id.
   * @param options How long to wait for a decision, and a signal to stop.
   * @returns The request as it stands.
   * @throws {ArcError} With status 404 for an unknown id.
   *
   * @example Wait for the operator
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "worker" });
   * const { status } = await client.approval("ap_1", { waitSec: 30 });
   * console.log(status);
   * ```
   */
  async approval(
    id: string,
    options: { waitSec?: number; signal?: AbortSignal } = {},
  ): Promise<Approval> {
    const waitSec = options.waitSec ?? 0;
    return await this.#result<Approval>(
      "GET",
      path(`/v1/arcdeno/approvals/${encodeURIComponent(id)}`, {
        wait: waitSec > 0 ? waitSec : undefined,
      }),
      this.#pollOptions(waitSec * 1000, options.signal),
    );
  }

  /**
   * Searches the messages this agent may see (broadcasts, direct messages to
   * it and those it sent) by words in their bodies, attachments and thread
   * ids, best match first. Words match whole words in any case; `"a
   * phrase"` matches words in order, `foo*` matches words starting with
   * `foo`, `-foo` excludes, `OR` separates alternatives. Needs a hub with
   * the `arcdeno:search` feature.
   *
   * @param query The words to look for.
   * @param options Filters (channel, sender, kind, thread, time range) and a limit.
   * @returns The hits, best first, each a message plus its score and excerpt.
   * @throws {ArcError} With status 400 for an empty or malformed query or a
   *   bad filter, 404 when the hub has no search.
   *
   * @example Where was the flaky test discussed?
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "worker" });
   * for (const hit of await client.search('"flaky test" -resolved', { limit: 5 })) {
   *   console.log(hit.id, hit.from_agent, hit.arcdeno.snippet);
   * }
   * ```
   */
  async search(
    query: string,
    options: SearchOptions = {},
  ): Promise<SearchHit[]> {
    const time = (t: string | Date | undefined) =>
      t instanceof Date ? t.toISOString() : t;
    return await this.#result<SearchHit[]>(
      "GET",
      path("/v1/arcdeno/search", {
        agent_id: this.#agentId,
        q: query,
        channel: options.channel,
        from_agent: options.fromAgent,
        kind: options.kind,
        thread_id: options.threadId,
        since: time(options.since),
        until: time(options.until),
        limit: options.limit,
      }),
    );
  }

  /**
   * Claims a named piece of work for this agent. If another agent holds an
   * active claim on the key, nothing changes and `acquired` is false; if
   * this agent holds it, the lease is extended.
   *
   * @param key The claim key.
   * @param options Thread, task, lease length (default 300 s) and metadata.
   * @returns Whether the claim was granted, and the claim (the holder's when not).
   * @throws {ArcError} With status 400 for an invalid lease length.
   *
   * @example Taking a task unless someone else has it
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "worker" });
   * const { acquired, claim } = await client.claim("issue-12", { ttlSec: 600 });
   * if (!acquired) console.log(`taken by ${claim.owner_agent_id}`);
   * ```
   */
  async claim(key: string, options: ClaimOptions = {}): Promise<ClaimResult> {
    const body = defined<JsonObject>({
      owner_agent_id: this.#agentId,
      claim_key: key,
      ttl_sec: options.ttlSec ?? 300,
      thread_id: options.threadId,
      task_message_id: options.taskMessageId,
      metadata: options.metadata,
    });
    const envelope = await this.#call("POST", "/v1/claims", { body });
    return {
      acquired: envelope.acquired === true,
      claim: envelope.result as Claim,
    };
  }

  /**
   * Extends this agent's active claim to `ttlSec` from now.
   *
   * @param key The claim key.
   * @param options The new lease length (default 300 s).
   * @returns The refreshed claim.
   * @throws {ArcError} With status 404 when the claim is missing, inactive or
   * held by someone else.
   *
   * @example Keeping a claim alive
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "worker" });
   * await client.claim("issue-12");
   * await client.refreshClaim("issue-12", { ttlSec: 900 });
   * ```
   */
  async refreshClaim(
    key: string,
    options: RefreshOptions = {},
  ): Promise<Claim> {
    return await this.#result<Claim>("POST", "/v1/claims/refresh", {
      body: {
        claim_key: key,
        owner_agent_id: this.#agentId,
        ttl_sec: options.ttlSec ?? 300,
      },
    });
  }

  /**
   * Releases this agent's active claim.
   *
   * @param key The claim key.
   * @returns The released claim.
   * @throws {ArcError} With status 404 when the claim is missing, inactive or
   * held by someone else.
   *
   * @example Giving work back
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "worker" });
   * await client.claim("issue-12");
   * await client.release("issue-12");
   * ```
   */
  async release(key: string): Promise<Claim> {
    return await this.#result<Claim>("POST", "/v1/claims/release", {
      body: { claim_key: key, agent_id: this.#agentId },
    });
  }

  /**
   * Lists claims.
   *
   * @param options Thread and active-only filters.
   * @returns The claims, by claim time.
   * @throws {ArcError} When the hub cannot be reached.
   *
   * @example Who is working on a thread
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "lead" });
   * const claims = await client.listClaims({ threadId: "parser", activeOnly: true });
   * console.log(claims.map((c) => c.owner_agent_id));
   * ```
   */
  async listClaims(options: ListClaimsOptions = {}): Promise<Claim[]> {
    return await this.#result<Claim[]>(
      "GET",
      path("/v1/claims", {
        thread_id: options.threadId,
        active_only: options.activeOnly,
      }),
    );
  }

  /**
   * Takes an advisory lock on a file path for this agent. If another agent
   * holds an active lock on it, nothing changes and `acquired` is false; if
   * this agent holds it, the lease is extended. On a hub with
   * `arcdeno:reservations` the path may be a glob (`src/api/**`, `*.md`),
   * any overlapping reservation of another agent counts, `mode` asks for a
   * shared reservation, and a grant carries a fence number.
   *
   * @param filePath The path or glob.
   * @param options Lease length (default 300 s), metadata and mode.
   * @returns Whether the lock was granted, the lock (the holder's when not; its `arcdeno` names holder, pattern and time left), and the fence.
   * @throws {ArcError} With status 400 for an invalid lease length.
   *
   * @example Editing a file safely
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "worker" });
   * const { acquired } = await client.lock("src/app.ts");
   * if (acquired) {
   *   // edit the file ...
   *   await client.unlock("src/app.ts");
   * }
   * ```
   */
  async lock(filePath: string, options: LockOptions = {}): Promise<LockResult> {
    const body = defined<JsonObject>({
      agent_id: this.#agentId,
      file_path: filePath,
      ttl_sec: options.ttlSec ?? 300,
      metadata: options.metadata,
      arcdeno: options.mode === undefined ? undefined : { mode: options.mode },
    });
    const envelope = await this.#call("POST", "/v1/locks", { body });
    const lock = envelope.result as Lock;
    const acquired = envelope.acquired === true;
    const fence = lock.arcdeno?.fence;
    return acquired && typeof fence === "number"
      ? { acquired, lock, fence }
      : { acquired, lock };
  }

  /**
   * Asks a hub with `arcdeno:reservations` whether this agent may write the
   * paths: allowed when it holds a live reservation covering each path, no
   * other agent's reservation stands in the way, and (with `fence`) the
   * fence is the current one. A lapsed lease is refused even before anyone
   * else takes the paths. `blocked_by` names other agents' live
   * reservations in the way, whether or not this agent holds any.
   *
   * @param paths File paths (taken literally).
   * @param options The fence of the grant, or another agent to ask about.
   * @returns The overall verdict and one verdict per path with its reason.
   * @throws {ArcError} With status 404 when the hub has no reservations, 400 for bad input.
   *
   * @example Refusing to write with a stale fence
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "worker" });
   * const grant = await client.lock("src/api/**", { ttlSec: 600 });
   * // ... much later, before writing:
   * const check = await client.checkFence(["src/api/users.ts"], {
   *   fence: grant.fence ?? 0,
   * });
   * if (!check.allowed) throw new Error(check.paths[0]!.reason);
   * ```
   */
  async checkFence(
    paths: string[],
    options: CheckFenceOptions = {},
  ): Promise<FenceCheck> {
    const body = defined<JsonObject>({
      agent_id: options.agentId ?? this.#agentId,
      paths,
      fence: options.fence,
    });
    return await this.#result<FenceCheck>(
      "POST",
      "/v1/arcdeno/fence/check",
      { body },
    );
  }

  /**
   * Extends this agent's active lock to `ttlSec` from now.
   *
   * @param filePath The locked path.
   * @param options The new lease length (default 300 s).
   * @returns The refreshed lock.
   * @throws {ArcError} With status 404 when the lock is missing, inactive or
   * held by someone else.
   *
   * @example Keeping a lock alive
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "worker" });
   * await client.lock("src/app.ts");
   * await client.refreshLock("src/app.ts", { ttlSec: 900 });
   * ```
   */
  async refreshLock(
    filePath: string,
    options: RefreshOptions = {},
  ): Promise<Lock> {
    return await this.#result<Lock>("POST", "/v1/locks/refresh", {
      body: {
        agent_id: this.#agentId,
        file_path: filePath,
        ttl_sec: options.ttlSec ?? 300,
      },
    });
  }

  /**
   * Releases this agent's active lock.
   *
   * @param filePath The locked path.
   * @returns The released lock.
   * @throws {ArcError} With status 404 when the lock is missing, inactive or
   * held by someone else.
   *
   * @example Unlocking
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "worker" });
   * await client.lock("src/app.ts");
   * await client.unlock("src/app.ts");
   * ```
   */
  async unlock(filePath: string): Promise<Lock> {
    return await this.#result<Lock>("POST", "/v1/locks/release", {
      body: { agent_id: this.#agentId, file_path: filePath },
    });
  }

  /**
   * Lists locks.
   *
   * @param options Holder and active-only filters.
   * @returns The locks, by lock time.
   * @throws {ArcError} When the hub cannot be reached.
   *
   * @example Files locked right now
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "lead" });
   * const locks = await client.listLocks({ activeOnly: true });
   * console.log(locks.map((l) => `${l.file_path} (${l.agent_id})`));
   * ```
   */
  async listLocks(options: ListLocksOptions = {}): Promise<Lock[]> {
    return await this.#result<Lock[]>(
      "GET",
      path("/v1/locks", {
        agent_id: options.agentId,
        active_only: options.activeOnly,
      }),
    );
  }

  /**
   * Lists live sessions.
   *
   * @param options An optional capability filter.
   * @returns The live sessions, by agent id.
   * @throws {ArcError} When the hub cannot be reached.
   *
   * @example Finding a reviewer
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "lead" });
   * const [reviewer] = await client.listAgents({ capability: "review" });
   * console.log(reviewer?.agent_id);
   * ```
   */
  async listAgents(options: ListAgentsOptions = {}): Promise<Session[]> {
    return await this.#result<Session[]>(
      "GET",
      path("/v1/agents", { capability: options.capability }),
    );
  }

  /**
   * Lists tasks.
   *
   * @param options Parent, status, channel and thread filters.
   * @returns The tasks, by id.
   * @throws {ArcError} With status 400 for an invalid filter.
   *
   * @example Open tasks of a thread
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "lead" });
   * const open = await client.listTasks({ threadId: "parser", status: "open" });
   * console.log(open.length);
   * ```
   */
  async listTasks(options: ListTasksOptions = {}): Promise<Task[]> {
    return await this.#result<Task[]>(
      "GET",
      path("/v1/tasks", {
        parent_id: options.parentId,
        status: options.status,
        channel: options.channel,
        thread_id: options.threadId,
      }),
    );
  }

  /**
   * Marks a task done. If it was the last open child of its parent, the hub
   * completes the parent too and posts a rollup notice.
   *
   * @param taskId The task id (the id of the message that created it).
   * @returns The task, and whether its parent was completed as well.
   * @throws {ArcError} With status 404 for an unknown task.
   * @throws {RangeError} When `taskId` is not a non-negative integer.
   *
   * @example Completing a subtask
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "worker" });
   * const task = await client.post("general", "write tests", { kind: "task" });
   * const { parentCompleted } = await client.completeTask(task.id);
   * console.log(parentCompleted);
   * ```
   */
  async completeTask(taskId: number): Promise<TaskCompletion> {
    const id = checkId("taskId", taskId);
    // A task the work queue handed out is completed as its holder; other
    // tasks keep the plain v1 body.
    const body: JsonObject = this.#queued.has(id)
      ? { arcdeno: this.#queueIdentity() }
      : {};
    const envelope = await this.#call("POST", `/v1/tasks/${id}/complete`, {
      body,
    });
    this.#queued.delete(id);
    return {
      task: envelope.result as Task,
      parentCompleted: envelope.parent_completed === true,
    };
  }

  #queueIdentity(): JsonObject {
    return this.#generation === undefined
      ? { agent_id: this.#agentId }
      : { agent_id: this.#agentId, generation: this.#generation };
  }

  /**
   * Takes the oldest ready task this agent may take from the work queue (a
   * hub with the `arcdeno:work_queue` feature): open, every dependency
   * done, claimed by nobody, assigned to nobody else, and needing only
   * capabilities the agent has (`metadata.arcdeno.requires`). The hub
   * gives each task to one agent only, with the claim `task-<id>`; refresh
   * it with {@linkcode ArcClient.refreshClaim} for long work. If the lease
   * expires, the task goes back to the queue and a completion from this
   * client is refused with 409.
   *
   * @param options Capabilities, channel and thread filters, lease length.
   * @returns The task and its claim, or null when nothing is ready.
   * @throws {ArcError} With status 409 when a newer registration of this
   * agent made this client stale, 404 when the hub lacks the extension.
   *
   * @example A worker loop
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using client = await ArcClient.quickstart({ agentId: "worker" });
   * let job;
   * while ((job = await client.nextTask({ capabilities: ["ts"] }))) {
   *   await client.completeTask(job.task.task_id);
   * }
   * ```
   */
  async nextTask(options: NextTaskOptions = {}): Promise<QueueHandout | null> {
    const body: JsonObject = {
      agent_id: this.#agentId,
      arcdeno: this.#queueIdentity(),
    };
    if (options.capabilities !== undefined) {
      body["capabilities"] = options.capabilities;
    }
    if (options.channel !== undefined) body["channel"] = options.channel;
    if (options.threadId !== undefined) body["thread_id"] = options.threadId;
    if (options.ttlSec !== undefined) body["ttl_sec"] = options.ttlSec;
    const handout = await this.#result<QueueHandout | null>(
      "POST",
      "/v1/arcdeno/tasks/next",
      { body },
    );
    if (handout) this.#queued.add(handout.task.task_id);
    return handout;
  }

  /**
   * Lists open tasks whose dependencies are all done (a hub with the
   * `arcdeno:task_deps` feature).
   *
   * @param options Channel and assignee filters.
   * @returns The ready tasks, by id, with their dependency facts.
   * @throws {ArcError} With status 404 when the hub lacks the extension.
   *
   * @example What can I start now?
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "worker" });
   * for (const task of await client.readyTasks({ assignee: "worker" })) {
   *   console.log(task.task_id, task.arcdeno.depends_on);
   * }
   * ```
   */
  async readyTasks(
    options: ReadyTasksOptions = {},
  ): Promise<TaskWithDependencies[]> {
    return await this.#result<TaskWithDependencies[]>(
      "GET",
      path("/v1/arcdeno/tasks/ready", {
        channel: options.channel,
        assignee: options.assignee,
      }),
    );
  }

  /**
   * Makes a task wait for other tasks (a hub with the `arcdeno:task_deps`
   * feature). To give a task dependencies when posting it, put them in
   * `metadata: { arcdeno: { depends_on: [ids] } }`.
   *
   * @param taskId The waiting task.
   * @param dependsOn The tasks it waits for.
   * @returns The task with all its dependencies.
   * @throws {ArcError} With status 404 for an unknown task, 400 for an
   * unknown dependency, 409 when the dependency would close a cycle (the
   * message names it).
   *
   * @example Tests wait for the build
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * await using lead = await ArcClient.quickstart({ agentId: "lead" });
   * const build = await lead.post("general", "build", { kind: "task" });
   * const tests = await lead.post("general", "run the tests", { kind: "task" });
   * await lead.addDependencies(tests.id, [build.id]);
   * ```
   */
  async addDependencies(
    taskId: number,
    dependsOn: number[],
  ): Promise<TaskWithDependencies> {
    const id = checkId("taskId", taskId);
    return await this.#result<TaskWithDependencies>(
      "POST",
      `/v1/arcdeno/tasks/${id}/depends`,
      { body: { depends_on: dependsOn } },
    );
  }

  /**
   * Lists thread summaries.
   *
   * @returns The summaries, most recently active first.
   * @throws {ArcError} When the hub cannot be reached.
   *
   * @example Threads waiting for someone
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "lead" });
   * const threads = await client.listThreads();
   * console.log(threads.filter((t) => t.status === "waiting").length);
   * ```
   */
  async listThreads(): Promise<ThreadSummary[]> {
    return await this.#result<ThreadSummary[]>("GET", "/v1/threads");
  }

  /**
   * Reads one thread: its summary, messages (direct messages included),
   * tasks, claims and locks.
   *
   * @param threadId The thread id (any string; it is URL-encoded).
   * @returns The thread.
   * @throws {ArcError} With status 404 when nothing refers to the thread.
   *
   * @example Reading a thread
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "lead" });
   * const thread = await client.getThread("parser");
   * console.log(thread.thread.status, thread.messages.length);
   * ```
   */
  async getThread(threadId: string): Promise<ThreadDetail> {
    return await this.#result<ThreadDetail>(
      "GET",
      `/v1/threads/${encodeURIComponent(threadId)}`,
    );
  }

  /**
   * Reads the hub's limits and features.
   *
   * @returns The hub info.
   * @throws {ArcError} When the hub cannot be reached.
   *
   * @example Does the hub run the file relay?
   * ```ts
   * import { ArcClient } from "@arc/hub";
   *
   * const client = new ArcClient({ agentId: "lead" });
   * const info = await client.hubInfo();
   * console.log(info.features.includes("relay"));
   * ```
   */
  async hubInfo(): Promise<HubInfo> {
    return await this.#result<HubInfo>("GET", "/v1/hub-info");
  }

  /** Whether an agent has an active session. */
  async #isLive(agentId: string): Promise<boolean> {
    return (await this.listAgents()).some((a) => a.agent_id === agentId);
  }

  /** Tells the callee a request is cancelled (a direct `notice` replying to it). */
  async #cancelRequest(
    request: Message,
    toAgent: string,
    reason: unknown,
  ): Promise<void> {
    const text = describe(reason ?? "cancelled");
    const options: PostOptions = {
      kind: "notice",
      toAgent,
      replyTo: request.id,
      metadata: { arcdeno: { rpc: "cancel", reason: text } },
    };
    if (request.thread_id !== null) options.threadId = request.thread_id;
    await this.post(request.channel, `cancelled: ${text}`, options);
  }

  /** Long-polls this agent's events; the request outlives the hub's wait. */
  #events(
    query: Query & { since_id: number; timeout: number },
    signal?: AbortSignal,
  ): Promise<Message[]> {
    return this.#result<Message[]>(
      "GET",
      path("/v1/events", { agent_id: this.#agentId, ...query }),
      this.#pollOptions(query.timeout * 1000, signal),
    );
  }

  /** Request options for a long-poll of `waitMs`: the timeout outlasts the wait. */
  #pollOptions(waitMs: number, signal?: AbortSignal): RequestOptions {
    return defined({
      timeoutMs: Math.max(this.#timeoutMs, waitMs + 5_000),
      signal,
    });
  }

  async #call(
    method: HttpMethod,
    path: string,
    options?: RequestOptions,
  ): Promise<OkEnvelope> {
    const { status, envelope } = await this.#transport.request(
      method,
      path,
      this.#secret === undefined
        ? options
        : { ...options, secret: this.#secret },
    );
    if (!envelope.ok) {
      const retry = envelope.arcdeno?.retry_after_sec;
      throw new ArcError(
        envelope.error,
        typeof retry === "number"
          ? { status, retryAfterSec: retry }
          : { status },
      );
    }
    return envelope;
  }

  async #result<T>(
    method: HttpMethod,
    path: string,
    options?: RequestOptions,
  ): Promise<T> {
    return (await this.#call(method, path, options)).result as T;
  }
}

function path(base: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === false) continue;
    params.set(key, value === true ? "true" : String(value));
  }
  const text = params.toString();
  return text ? `${base}?${text}` : base;
}

function checkId(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `Cannot use '${name}' as it must be a non-negative integer: current value is ${value}`,
    );
  }
  return value;
}

/**
 * True for an {@linkcode ArcError} a retry may cure: 4xx answers other than
 * 408 and 429 will not change by retrying, nor will errors of other kinds.
 */
function isTransient(error: unknown): boolean {
  if (!(error instanceof ArcError)) return false;
  const { status } = error;
  return !(status >= 400 && status < 500 && status !== 408 && status !== 429);
}

/** A reconnect delay that doubles from `RECONNECT_MIN_MS` up to `RECONNECT_MAX_MS`. */
class Backoff {
  #ms = RECONNECT_MIN_MS;

  /** Waits the current delay, or until `signal` aborts, then doubles it. */
  async wait(signal: AbortSignal): Promise<void> {
    await delay(this.#ms, signal).catch(() => {});
    this.#ms = Math.min(this.#ms * 2, RECONNECT_MAX_MS);
  }

  /** Back to the shortest delay, after a connection that worked. */
  reset(): void {
    this.#ms = RECONNECT_MIN_MS;
  }
}

function parseMessage(data: string): Message | undefined {
  try {
    const value: unknown = JSON.parse(data);
    if (
      typeof value === "object" && value !== null &&
      typeof (value as { id?: unknown }).id === "number"
    ) {
      return value as Message;
    }
  } catch {
    // not a message; skip it
  }
  return undefined;
}
