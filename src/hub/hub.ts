/**
 * The hub's rules, independent of HTTP: sessions and presence, channels,
 * messages and their visibility, long-poll waits, claims, locks, tasks,
 * threads, the presence sweeper, the change probe and the shutdown timer.
 * Routes call these methods and wrap what they return in envelopes.
 *
 * @module
 */

import { isLoopbackHost, type ResolvedConfig } from "../config.ts";
import {
  NotFoundError,
  StorageUnavailableError,
  ValidationError,
} from "../errors.ts";
import {
  DEFAULT_CHANNEL,
  DEFAULTS,
  IMPLEMENTATION,
  MESSAGE_KINDS,
  PROTOCOL_VERSION,
  STANDARD_FEATURES,
  SYSTEM_AGENT,
  TASK_KINDS,
  VENDOR,
  VENDOR_FEATURES,
  VERSION,
} from "../protocol.ts";
import type {
  Acquired,
  Channel,
  Claim,
  JsonObject,
  Lock,
  Message,
  MessageQuery,
  Session,
  Store,
  Task,
  TaskCompletion,
  ThreadDetail,
  ThreadSummary,
} from "../store/types.ts";
import { checkTaskMetadata } from "./units/task_deps.ts";
import { getThread } from "./units/threads.ts";
import { summarizeThreads } from "./threads.ts";
import { anyStale, recoverExpired } from "./units/sessions.ts";
import { anyExpiredApproval } from "./units/approvals.ts";
import {
  announceExpiries,
  anyExpiredHandout,
  registerSession,
  requireGeneration,
} from "./units/queue.ts";
import { vendorFields } from "./queue.ts";
import { completeTask, postMessage, requireParentTask } from "./units/tasks.ts";
import { acquireClaim, refreshClaim, releaseClaim } from "./units/claims.ts";
import { type MessageLimits, normalizeMessage } from "./messages.ts";
import {
  acquireReservation,
  checkFence,
  listReservations,
  refreshReservation,
  releaseReservation,
} from "./reserve.ts";
import { type ApprovalEvent, Approvals } from "./approvals.ts";
import type { Approval } from "../store/approvals.ts";
import { type MessageMatch, Notifier, type Subscription } from "./notifier.ts";
import { MessageSearch, SEARCH_MAX_LIMIT } from "./search.ts";
import {
  DEFAULT_ACK_WITHIN_SEC,
  Receipts,
  type RecipientNotice,
} from "./receipts.ts";
import { TouchBatch } from "./touches.ts";
import { runRetention } from "./retention.ts";
import { AgentStatuses } from "./agent_status.ts";
import { WaitCursor } from "./cursor.ts";
import {
  checkTtl,
  type Query,
  readFields,
  toInt,
  toStr,
  truthy,
} from "./params.ts";
import { type Clock, systemClock } from "../time.ts";
import { every, type Repeating } from "../timers.ts";

/** How often retention runs at most (`--retain-days`). */
const RETAIN_EVERY_MS = 3_600_000;

/** Channel names remembered as existing; past this the memory starts over. */
const KNOWN_CHANNELS = 1024;

/** Options for {@linkcode Hub.create}. */
export interface HubCreateOptions {
  /** Where log lines go. @default nothing is logged */
  log?: (line: string) => void;
  /** How often to look for writes by other processes, in ms. @default 200 */
  changeProbeMs?: number;
  /**
   * Where the hub's rules read the time (expiry, presence, stamps); give the
   * store the same clock. @default the system clock
   */
  clock?: Clock;
}

/** Shutdown timer state as `GET /v1/shutdown` reports it. */
export interface ShutdownStatus {
  remaining_sec: number;
  delay_sec: number;
}

/** What `POST /v1/tasks/{id}/complete` reports. */
export interface CompletedTask {
  task: Task;
  parentCompleted: boolean;
}

/** Arguments of an SSE feed. */
export interface FeedOptions {
  agentId: string;
  channels: string[];
  sinceId: number;
  excludeSelf: boolean;
}

/** A cursor over the messages one agent may see, woken by the notifier. */
export interface Feed extends Disposable {
  /** Resolves with new messages, or an empty list when `waitMs` passes without any. */
  next(waitMs: number, signal?: AbortSignal): Promise<Message[]>;
}

/** The coordination rules over one store. */
export class Hub implements AsyncDisposable {
  readonly config: ResolvedConfig;
  readonly store: Store;
  readonly notifier = new Notifier();
  readonly instanceId: string;
  /** Where every rule of this hub reads the time (the store's clock is set at its open). */
  readonly clock: Clock;
  /** Delivery receipts (vendor extension). */
  readonly receipts: Receipts;
  /** Approval requests to the operator (vendor extension). */
  readonly approvals: Approvals;
  /** Requests parked right now, for metrics. */
  readonly waiting = { longPolls: 0, streams: 0 };
  /** Set by the process when it serves the file relay: its counters, for metrics. */
  relayStats:
    | (() => {
      queued: number;
      inFlight: number;
      processed: number;
      failed: number;
    })
    | undefined;
  /** Facts about the running process added to hub-info's vendor object (e.g. permissions). */
  readonly runtimeInfo: Record<string, unknown> = {};
  /** Optional v1 bindings switched on by the process (e.g. `relay`). */
  readonly extraFeatures = new Set<string>();
  /** Full-text search over messages (`arcdeno:search`). */
  readonly search: MessageSearch;
  /** Agent status from host hook events (`arcdeno:agent_status`), in memory. */
  readonly statuses: AgentStatuses;
  /** Set by the process to hear of approval requests and decisions (outbound notifications). */
  onApproval: (event: ApprovalEvent, approval: Approval) => void = () => {};
  /** Set by the process to hear when a root task (no parent) becomes done, directly or by rollup. */
  onTreeFinished: (root: Task) => void = () => {};
  /**
   * Set by the process to hear when a claim holder turns stalled, once per
   * stall episode; the presence sweep looks, so it is heard within one
   * sweep interval. Unset, the sweep does not look.
   */
  onAgentStalled: ((agentId: string, status: JsonObject) => void) | undefined;
  /** Agents last seen stalled: the episode ends when they are not. */
  #stalled = new Set<string>();
  /** Channels seen to exist; channels are never deleted, so this never goes stale. */
  #knownChannels = new Set<string>();
  /** Set by the server: stops serving and exits, used when a shutdown fires. */
  onShutdown: () => void = () => {};
  #log: (line: string) => void;
  #sweepTimer: Repeating | undefined;
  #probeTimer: Repeating | undefined;
  #probeMs: number;
  #lastToken: number | undefined;
  #shutdown:
    | {
      timer: ReturnType<typeof setTimeout> | undefined;
      deadline: number;
      delay: number;
    }
    | undefined;
  #closed = false;
  #touches: TouchBatch;
  /** When the last retention pass started (ms), and the one running. */
  #retainedAt = 0;
  #retaining: Promise<void> | undefined;

  private constructor(
    config: ResolvedConfig,
    store: Store,
    instanceId: string,
    options: HubCreateOptions,
  ) {
    this.config = config;
    this.store = store;
    this.instanceId = instanceId;
    this.clock = options.clock ?? systemClock;
    this.search = new MessageSearch(store);
    this.#log = options.log ?? (() => {});
    this.#probeMs = options.changeProbeMs ?? 200;
    this.receipts = new Receipts(store, {
      presenceTtlSec: config.presenceTtlSec,
      maxQueryLimit: config.maxQueryLimit,
      log: this.#log,
      clock: this.clock,
    });
    this.approvals = new Approvals(store, this.notifier, {
      maxQueryLimit: config.maxQueryLimit,
      onEvent: (event, approval) => this.onApproval(event, approval),
      clock: this.clock,
    });
    this.#touches = new TouchBatch(store, this.#log);
    this.statuses = new AgentStatuses({
      stallAfterSec: config.stallAfterSec,
      clock: this.clock,
    });
  }

  /**
   * Builds a hub on an open store and starts its background work (presence
   * sweeper, change probe).
   */
  static async create(
    config: ResolvedConfig,
    store: Store,
    options: HubCreateOptions = {},
  ): Promise<Hub> {
    const instanceId = await deriveInstanceId(
      store.info.storagePath,
      await store.birthMarker(),
    );
    const hub = new Hub(config, store, instanceId, options);
    // The change probe's baseline is taken before any request is served: a
    // first reading taken later could swallow a foreign commit that landed
    // after a waiter's read, and that waiter would sleep to its timeout.
    hub.#lastToken = await store.changeToken();
    hub.#start();
    return hub;
  }

  get limits(): MessageLimits {
    return this.config;
  }

  #stopWatching: (() => void) | undefined;

  #start(): void {
    const everyMs = Math.max(1, Math.floor(this.config.presenceTtlSec / 3)) *
      1000;
    this.#sweepTimer = every(everyMs, () => {
      this.sweep().catch((e) => this.#log(`presence sweep failed: ${e}`));
      this.#retainWhenDue();
    });
    if (this.store.watchChanges) {
      this.store.watchChanges(() => this.notifier.pulse()).then(
        (stop) => {
          if (this.#closed) stop();
          else this.#stopWatching = stop;
        },
        (e) => this.#log(`watching the store for changes failed: ${e}`),
      );
    } else {
      this.#probeTimer = every(this.#probeMs, () => void this.#probe());
    }
  }

  /** Wakes waiters when another process committed to the shared store. */
  async #probe(): Promise<void> {
    // The token is tracked even with no waiters, so a waiter that arrives
    // just before another process commits is still woken on the next tick.
    try {
      const token = await this.store.changeToken();
      if (token === undefined) return;
      if (
        this.#lastToken !== undefined && token !== this.#lastToken &&
        this.notifier.size > 0
      ) this.notifier.pulse();
      this.#lastToken = token;
    } catch (error) {
      this.#log(`change probe failed: ${error}`);
    }
  }

  /** Expires stale sessions and recovers their claims and locks. */
  async sweep(): Promise<void> {
    if (this.#closed) return;
    await this.#touches.flush();
    const ttl = this.config.presenceTtlSec;
    // One cheap read first: most sweeps (one runs before every read of the
    // live agents) find nothing due and need no write lock.
    const due = await this.store.read(function* () {
      return {
        handouts: yield* anyExpiredHandout(),
        approvals: yield* anyExpiredApproval(),
        sessions: yield* anyStale(ttl),
      };
    });
    if (due.handouts) await this.#announceExpiries();
    if (due.approvals) {
      await this.approvals.expire().catch((e) =>
        this.#log(`expiring approvals failed: ${e}`)
      );
    }
    await this.#checkStalls().catch((e) =>
      this.#log(`checking for stalled agents failed: ${e}`)
    );
    if (!due.sessions) return;
    const recovery = await this.store.run(() => recoverExpired(ttl));
    const lines = [
      ...recovery.expired.map((s) =>
        `session expired: agent=${s.agent_id} session=${s.session_id}`
      ),
      ...recovery.releasedClaims.map((c) =>
        `claim recovered: key=${c.claim_key} stale_owner=${c.owner_agent_id}`
      ),
      ...recovery.releasedLocks.map((l) =>
        `lock recovered: path=${l.file_path} stale_owner=${l.agent_id}`
      ),
      ...recovery.releasedReservations.map((h) =>
        `reservation recovered: path=${h.file_path} stale_owner=${h.agent_id}`
      ),
    ];
    for (const line of lines) this.#log(line);
    this.notifier.publish(recovery.posted);
  }

  /**
   * Starts a retention pass (`--retain-days`) on the first sweep and then at
   * most once an hour; never two at once in this hub.
   */
  #retainWhenDue(): void {
    const days = this.config.retainDays;
    if (days === undefined || this.#retaining || this.#closed) return;
    const now = this.clock.now();
    if (this.#retainedAt && now - this.#retainedAt < RETAIN_EVERY_MS) return;
    this.#retainedAt = now;
    this.#retaining = runRetention(this.store, this.instanceId, {
      days,
      dir: this.config.retainDir,
      stopped: () => this.#closed,
      clock: this.clock,
    }).then(
      (r) => {
        if (r.messages > 0) {
          this.#log(
            `retention: pruned ${r.messages} messages (${r.threads} threads) older than ${days} days into ${this.config.retainDir}`,
          );
        }
      },
      (e) => this.#log(`retention failed: ${e}`),
    ).finally(() => this.#retaining = undefined);
  }

  /** Tells {@linkcode onAgentStalled} of each claim holder that turned stalled since the last look. */
  async #checkStalls(): Promise<void> {
    const tell = this.onAgentStalled;
    if (!tell) return;
    const claims = await this.store.leases.claims({ activeOnly: true });
    const now = new Set<string>();
    for (const [agent, held] of Map.groupBy(claims, (c) => c.owner_agent_id)) {
      const status = this.statuses.status(agent, held);
      if (status?.["state"] !== "stalled") continue;
      now.add(agent);
      if (!this.#stalled.has(agent)) tell(agent, status);
    }
    this.#stalled = now;
  }

  /** Puts handed-out tasks whose lease expired back in the work queue with one notice each (`arcdeno:work_queue`). */
  async #announceExpiries(): Promise<void> {
    const posted = await this.store.run(() => announceExpiries());
    for (const m of posted) this.#log(`queue lease expired: ${m.body}`);
    this.notifier.publish(posted);
  }

  /**
   * Presence upkeep on a read path: a store that cannot take writes right now
   * (disk full, read-only) must not stop agents from reading. Touches are
   * batched and written once per event-loop turn ({@linkcode TouchBatch}).
   */
  #touchQuietly(agentId: string): void {
    this.#touches.add(agentId);
  }

  async #sweepQuietly(): Promise<void> {
    try {
      await this.sweep();
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
    }
  }

  /** Stops background work, wakes every waiter and closes the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweepTimer?.stop();
    this.#probeTimer?.stop();
    this.#stopWatching?.();
    if (this.#shutdown?.timer !== undefined) clearTimeout(this.#shutdown.timer);
    this.notifier.close();
    await this.#touches.flush().catch(() => {});
    await this.#retaining;
    await this.store.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // -- hub info -------------------------------------------------------

  hubInfo(): JsonObject {
    const c = this.config;
    const info = this.store.info;
    return {
      storage_path: info.storagePath,
      instance_id: this.instanceId,
      journal_mode: info.journalMode,
      wal_mode: info.walMode,
      default_channel: DEFAULT_CHANNEL,
      max_body_chars: c.maxBodyChars,
      max_attachment_chars: c.maxAttachmentChars,
      max_attachments: c.maxAttachments,
      allow_remote: c.allowRemote,
      protocol_version: PROTOCOL_VERSION,
      implementation: IMPLEMENTATION,
      implementation_version: VERSION,
      features: [
        ...STANDARD_FEATURES,
        ...this.extraFeatures,
        ...VENDOR_FEATURES,
      ],
      message_kinds: [...MESSAGE_KINDS],
      [VENDOR]: {
        backend: info.backend,
        listen_host: c.host,
        presence_ttl_sec: c.presenceTtlSec,
        max_query_limit: c.maxQueryLimit,
        max_request_bytes: c.maxRequestBytes,
        sse_heartbeat_sec: DEFAULTS.sseHeartbeatSec,
        long_poll_max_sec: DEFAULTS.maxTimeoutSec,
        token_required_for_remote: c.token !== undefined,
        durability: c.durability,
        strict_identity: c.strictIdentity,
        retain_days: c.retainDays ?? null,
        ack_within_sec_default: DEFAULT_ACK_WITHIN_SEC,
        search_max_limit: SEARCH_MAX_LIMIT,
        ...this.runtimeInfo,
      },
    };
  }

  // -- sessions and agents --------------------------------------------

  /** `POST /v1/sessions`; with `secretHash`, the session's secret is recorded in the same commit. */
  async createSession(body: JsonObject, secretHash?: string): Promise<Session> {
    const f = readFields(body, {
      agent_id: { type: "string", required: true },
      display_name: { type: "string" },
      capabilities: { type: "list" },
      metadata: { type: "object" },
      replace: { type: "bool" },
    });
    const input = {
      agent_id: f.agent_id,
      display_name: f.display_name || f.agent_id,
      capabilities: (f.capabilities ?? []).map((c) => toStr(c, "capabilities")),
      metadata: f.metadata ?? {},
      replace: f.replace ?? false,
    };
    const { session, generation } = await this.store.run(() =>
      registerSession(input, this.config.presenceTtlSec, secretHash)
    );
    // The generation rides in the vendor object (`arcdeno:work_queue`).
    return { ...session, [VENDOR]: { generation } } as Session;
  }

  async renameSession(agentId: string, body: JsonObject): Promise<Session> {
    const f = readFields(body, {
      display_name: { type: "string", required: true },
    });
    if (f.display_name.length > DEFAULTS.maxDisplayNameChars) {
      throw new ValidationError(
        `display_name must be ${DEFAULTS.maxDisplayNameChars} characters or fewer`,
      );
    }
    const session = await this.store.sessions.rename(agentId, f.display_name);
    if (!session) throw new NotFoundError("no active session for agent_id");
    return session;
  }

  async deleteSession(sessionId: string): Promise<JsonObject> {
    const session = await this.store.sessions.deactivate(sessionId);
    if (!session) throw new NotFoundError("session not found");
    return { session_id: sessionId, deleted: true };
  }

  async listAgents(query: Query): Promise<Session[]> {
    const as = query.get("as");
    if (as) this.#touchQuietly(as);
    await this.#sweepQuietly();
    const capability = query.get("capability");
    const [agents, claims] = await Promise.all([
      this.store.sessions.listActive(),
      this.store.leases.claims({ activeOnly: true }),
    ]);
    const held = Map.groupBy(claims, (c) => c.owner_agent_id);
    return (capability
      ? agents.filter((a) => a.capabilities.includes(capability))
      : agents).map((a) => {
        const status = this.statuses.status(
          a.agent_id,
          held.get(a.agent_id) ?? [],
        );
        return status ? { ...a, [VENDOR]: { status } } : a;
      });
  }

  async bootstrap(query: Query): Promise<JsonObject> {
    const agentId = query.get("agent_id");
    if (!agentId) {
      throw new ValidationError("agent_id query parameter is required");
    }
    await this.#sweepQuietly();
    const [session, latest, live] = await Promise.all([
      this.store.sessions.active(agentId),
      this.store.messages.latestVisibleId(agentId),
      this.store.sessions.listActive(),
    ]);
    return {
      agent_id: agentId,
      session,
      latest_visible_id: latest,
      live_agents: live,
      default_channel: DEFAULT_CHANNEL,
    };
  }

  // -- channels -------------------------------------------------------

  listChannels(): Promise<Channel[]> {
    return this.store.channels.list();
  }

  createChannel(
    body: JsonObject,
  ): Promise<{ channel: Channel; created: boolean }> {
    const f = readFields(body, {
      name: { type: "string", required: true },
      created_by: { type: "string" },
      metadata: { type: "object" },
    });
    return this.store.channels.create(
      f.name,
      f.created_by ?? null,
      f.metadata ?? {},
    );
  }

  async #requireChannel(name: string | undefined): Promise<void> {
    if (name !== undefined && !(await this.#channelExists(name))) {
      throw new NotFoundError(`channel not found: ${name}`);
    }
  }

  /** Whether channel `name` exists; one query per channel, then remembered. */
  async #channelExists(name: string): Promise<boolean> {
    if (this.#knownChannels.has(name)) return true;
    if (!(await this.store.channels.get(name))) return false;
    if (this.#knownChannels.size >= KNOWN_CHANNELS) this.#knownChannels.clear();
    this.#knownChannels.add(name);
    return true;
  }

  // -- messages -------------------------------------------------------

  async postMessage(
    body: JsonObject,
  ): Promise<Message & { arcdeno?: RecipientNotice }> {
    let parentTaskId: number | null = null;
    if (body["parent_task_id"] != null) {
      parentTaskId = toInt(body["parent_task_id"], "parent_task_id");
      // Checked before the body, so this error comes first.
      const parent = parentTaskId;
      await this.store.read(() => requireParentTask(parent));
    }
    const input = normalizeMessage(body, this.limits);
    if (TASK_KINDS.has(input.kind)) checkTaskMetadata(input.metadata);
    if (
      input.to_agent === null && !(await this.#channelExists(input.channel))
    ) {
      throw new ValidationError(
        `channel does not exist: ${input.channel} (create it with POST /v1/channels)`,
      );
    }
    const { message, posted, finishedRoot } = await this.store.run(() =>
      postMessage(input, parentTaskId)
    );
    this.notifier.publish([message, ...(posted ?? [])]);
    if (finishedRoot) this.onTreeFinished(finishedRoot);
    this.statuses.touch(message.from_agent);
    const notice = await this.receipts.posted(message);
    return notice ? { ...message, [VENDOR]: notice } : message;
  }

  /** `GET /v1/messages`: broadcasts of a channel and/or thread, optionally long-polled. */
  async readMessages(query: Query, signal?: AbortSignal): Promise<Message[]> {
    const channel = query.get("channel");
    const threadId = query.get("thread_id");
    if (!channel && !threadId) {
      throw new ValidationError(
        "channel or thread_id query parameter is required",
      );
    }
    await this.#requireChannel(channel);
    const q: MessageQuery = {
      visibility: { kind: "broadcast" },
      sinceId: query.sinceId(),
      limit: query.limit(this.config.maxQueryLimit),
      tail: query.flag("tail"),
      ...(channel ? { channels: [channel] } : {}),
      ...(threadId ? { threadId } : {}),
    };
    const timeout = query.timeoutSec();
    const rows = await this.#waitFor(
      q,
      (m) =>
        m.to_agent === null && (!channel || m.channel === channel) &&
        (!threadId || m.thread_id === threadId),
      timeout,
      signal,
    );
    const reader = query.get("agent_id");
    if (reader) await this.receipts.markDelivered(reader, rows);
    return rows;
  }

  /** `GET /v1/events`: what one agent may see, optionally long-polled, keeping its presence alive. */
  async events(query: Query, signal?: AbortSignal): Promise<Message[]> {
    const agentId = query.get("agent_id");
    if (!agentId) {
      throw new ValidationError("agent_id query parameter is required");
    }
    const channel = query.get("channel");
    const threadId = query.get("thread_id");
    await this.#requireChannel(channel);
    const excludeSelf = query.flag("exclude_self");
    const q: MessageQuery = {
      visibility: { kind: "agent", agentId, excludeSelf },
      sinceId: query.sinceId(),
      limit: query.limit(this.config.maxQueryLimit),
      ...(channel ? { channels: [channel] } : {}),
      ...(threadId ? { threadId } : {}),
    };
    const timeout = query.timeoutSec();
    this.#touchQuietly(agentId);
    const rows = await this.#waitFor(
      q,
      visibleTo(agentId, channel ? [channel] : [], threadId, excludeSelf),
      timeout,
      signal,
      agentId,
    );
    this.#touchQuietly(agentId);
    await this.receipts.markDelivered(agentId, rows);
    return rows;
  }

  async inbox(agentId: string, query: Query): Promise<Message[]> {
    const rows = await this.store.messages.list({
      visibility: { kind: "inbox", agentId },
      sinceId: query.sinceId(),
      limit: query.limit(this.config.maxQueryLimit),
      tail: query.flag("tail"),
    });
    await this.receipts.markDelivered(agentId, rows);
    return rows;
  }

  /** Counts a parked long-poll of another kind (an approval's) until disposed. */
  parkLongPoll(): Disposable {
    return this.#count("longPolls");
  }

  /** Counts one waiter of a kind until disposed (once). */
  #count(kind: "longPolls" | "streams"): Disposable {
    this.waiting[kind]++;
    let done = false;
    return {
      [Symbol.dispose]: () => {
        if (!done) this.waiting[kind]--;
        done = true;
      },
    };
  }

  /** Seconds between presence touches while an agent waits. */
  get #touchEveryMs(): number {
    return Math.max(1, Math.min(30, this.config.presenceTtlSec / 3)) * 1000;
  }

  async #waitFor(
    query: MessageQuery,
    match: MessageMatch,
    timeoutSec: number,
    signal: AbortSignal | undefined,
    keepAliveAgent?: string,
  ): Promise<Message[]> {
    if (timeoutSec <= 0) return await this.store.messages.list(query);
    const deadline = performance.now() + timeoutSec * 1000;
    using sub = this.notifier.subscribe(match);
    using _counted = this.#count("longPolls");
    const tail = query.tail === true && query.sinceId <= 0;
    const cursor = new WaitCursor(query.sinceId, {
      notifier: this.notifier,
      sub,
      match,
      limit: query.limit,
      memory: !tail,
      query: (afterId) =>
        this.store.messages.list(tail ? query : { ...query, sinceId: afterId }),
    });
    let lastTouch = performance.now();
    while (true) {
      const rows = await cursor.read();
      const now = performance.now();
      if (
        rows.length > 0 || now >= deadline || this.notifier.closed ||
        signal?.aborted
      ) return rows;
      let wait = deadline - now;
      if (keepAliveAgent) {
        wait = Math.min(wait, lastTouch + this.#touchEveryMs - now);
      }
      await sub.wait(wait, signal);
      if (
        keepAliveAgent && performance.now() - lastTouch >= this.#touchEveryMs
      ) {
        this.#touchQuietly(keepAliveAgent);
        lastTouch = performance.now();
      }
    }
  }

  /** Opens a cursor for `GET /v1/stream`. */
  openFeed(options: FeedOptions): Feed {
    const { agentId, channels, excludeSelf } = options;
    const sub: Subscription = this.notifier.subscribe(
      visibleTo(agentId, channels, undefined, excludeSelf),
    );
    const counted = this.#count("streams");
    let lastTouch = performance.now();
    const store = this.store;
    const touch = (id: string) => this.#touchQuietly(id);
    const touchEvery = this.#touchEveryMs;
    const cursor = new WaitCursor(options.sinceId, {
      notifier: this.notifier,
      sub,
      match: visibleTo(agentId, channels, undefined, excludeSelf),
      limit: DEFAULTS.sseBatchLimit,
      query: (afterId) =>
        store.messages.list({
          visibility: { kind: "agent", agentId, excludeSelf },
          sinceId: afterId,
          limit: DEFAULTS.sseBatchLimit,
          ...(channels.length ? { channels } : {}),
        }),
    });
    const notifier = this.notifier;
    const receipts = this.receipts;
    return {
      async next(waitMs: number, signal?: AbortSignal): Promise<Message[]> {
        const deadline = performance.now() + waitMs;
        while (true) {
          if (performance.now() - lastTouch >= touchEvery) {
            touch(agentId);
            lastTouch = performance.now();
          }
          const rows = await cursor.read();
          if (rows.length > 0) {
            await receipts.markDelivered(agentId, rows);
            return rows;
          }
          const remaining = deadline - performance.now();
          if (remaining <= 0 || notifier.closed || signal?.aborted) return [];
          await sub.wait(
            Math.min(remaining, lastTouch + touchEvery - performance.now()),
            signal,
          );
        }
      },
      [Symbol.dispose]() {
        sub[Symbol.dispose]();
        counted[Symbol.dispose]();
      },
    };
  }

  // -- threads --------------------------------------------------------

  async listThreads(): Promise<ThreadSummary[]> {
    return summarizeThreads(await this.store.threads.facts());
  }

  async getThread(threadId: string): Promise<ThreadDetail> {
    const detail = await this.store.read(() => getThread(threadId));
    if (!detail) throw new NotFoundError(`thread not found: ${threadId}`);
    return detail;
  }

  // -- claims ---------------------------------------------------------

  async acquireClaim(body: JsonObject): Promise<Acquired<Claim>> {
    const f = readFields(body, {
      owner_agent_id: { type: "string", required: true },
      claim_key: { type: "string" },
      task_message_id: { type: "int" },
      thread_id: { type: "string" },
      ttl_sec: { type: "int", check: checkTtl },
      metadata: { type: "object" },
    });
    let key = f.claim_key || undefined;
    if (!key) {
      if (f.task_message_id === undefined) {
        throw new ValidationError("claim_key or task_message_id is required");
      }
      key = `task-${f.task_message_id}`;
    }
    const input = {
      claim_key: key,
      thread_id: f.thread_id || null,
      task_message_id: f.task_message_id ?? null,
      owner_agent_id: f.owner_agent_id,
      ttl_sec: f.ttl_sec ?? DEFAULTS.defaultTtlSec,
      metadata: f.metadata ?? {},
    };
    const { generation } = vendorFields(body);
    return await this.store.run(function* () {
      yield* requireGeneration(input.owner_agent_id, generation);
      return yield* acquireClaim(input);
    });
  }

  async refreshClaim(body: JsonObject): Promise<Claim> {
    const f = readFields(body, {
      claim_key: { type: "string", required: true },
      owner_agent_id: { type: "string", required: true },
      ttl_sec: { type: "int", check: checkTtl },
    });
    const claim = await this.store.run(() =>
      refreshClaim(
        f.claim_key,
        f.owner_agent_id,
        f.ttl_sec ?? DEFAULTS.defaultTtlSec,
      )
    );
    if (!claim) {
      throw new NotFoundError(
        "claim not found or not owned by owner_agent_id",
      );
    }
    return claim;
  }

  async releaseClaim(body: JsonObject): Promise<Claim> {
    const f = readFields(body, {
      claim_key: { type: "string", required: true },
      agent_id: { type: "string", required: true },
    });
    const claim = await this.store.run(() =>
      releaseClaim(f.claim_key, f.agent_id)
    );
    if (!claim) {
      throw new NotFoundError("claim not found or not owned by agent_id");
    }
    return claim;
  }

  listClaims(query: Query): Promise<Claim[]> {
    const threadId = query.get("thread_id");
    return this.store.leases.claims({
      ...(threadId !== undefined ? { threadId } : {}),
      activeOnly: query.flag("active_only"),
    });
  }

  // -- locks ----------------------------------------------------------

  async acquireLock(body: JsonObject): Promise<Acquired<Lock>> {
    const { generation } = vendorFields(body);
    if (generation !== undefined && typeof body["agent_id"] === "string") {
      const agent = body["agent_id"];
      await this.store.read(() => requireGeneration(agent, generation));
    }
    return await acquireReservation(this.store, body, this.clock.now());
  }

  refreshLock(body: JsonObject): Promise<Lock> {
    return refreshReservation(this.store, body);
  }

  releaseLock(body: JsonObject): Promise<Lock> {
    return releaseReservation(this.store, body);
  }

  listLocks(query: Query): Promise<Lock[]> {
    const agentId = query.get("agent_id");
    return listReservations(this.store, {
      ...(agentId !== undefined ? { agentId } : {}),
      activeOnly: query.flag("active_only"),
    });
  }

  /** `POST /v1/arcdeno/fence/check` (see `./reserve.ts`). */
  checkFence(body: JsonObject): Promise<JsonObject> {
    return checkFence(this.store, body, this.clock.now());
  }

  // -- tasks ----------------------------------------------------------

  listTasks(query: Query): Promise<Task[]> {
    const parent = query.get("parent_id");
    const status = query.get("status");
    const channel = query.get("channel");
    const threadId = query.get("thread_id");
    if (status !== undefined && status !== "open" && status !== "done") {
      throw new ValidationError("status must be 'open' or 'done'");
    }
    return this.store.tasks.list({
      ...(parent !== undefined ? { parentId: toInt(parent, "parent_id") } : {}),
      ...(status !== undefined ? { status } : {}),
      ...(channel !== undefined ? { channel } : {}),
      ...(threadId !== undefined ? { threadId } : {}),
    });
  }

  /** `POST /v1/tasks/{id}/complete`; `arcdeno.agent_id` (and `arcdeno.generation`) in the body name the completer for the work queue. */
  async completeTask(
    taskId: number,
    body: JsonObject = {},
  ): Promise<CompletedTask> {
    const { agentId, generation } = vendorFields(body);
    const completion: TaskCompletion | null = Number.isSafeInteger(taskId)
      ? await this.store.run(function* () {
        if (agentId !== null) yield* requireGeneration(agentId, generation);
        return yield* completeTask(taskId, agentId);
      })
      : null;
    if (!completion) throw new NotFoundError(`task not found: ${taskId}`);
    this.notifier.publish(completion.posted);
    if (completion.finishedRoot) this.onTreeFinished(completion.finishedRoot);
    return {
      task: completion.task,
      parentCompleted: completion.parentCompleted,
    };
  }

  // -- admin: shutdown and network ------------------------------------

  shutdownStatus(): ShutdownStatus | null {
    const s = this.#shutdown;
    if (!s) return null;
    return {
      remaining_sec: Math.max(
        0,
        Math.floor((s.deadline - performance.now()) / 1000),
      ),
      delay_sec: s.delay,
    };
  }

  async #notice(body: string, metadata: JsonObject): Promise<void> {
    const input = {
      from_agent: SYSTEM_AGENT,
      to_agent: null,
      channel: DEFAULT_CHANNEL,
      kind: "notice",
      body,
      attachments: [],
      reply_to: null,
      thread_id: null,
      metadata,
    };
    const { message } = await this.store.run(() => postMessage(input, null));
    this.notifier.publish([message]);
  }

  async armShutdown(body: JsonObject): Promise<JsonObject> {
    const f = readFields(body, {
      delay_sec: {
        type: "int",
        check: (v) => {
          if (v < 0) throw new ValidationError("delay_sec must be >= 0");
          if (v > DEFAULTS.maxShutdownDelaySec) {
            throw new ValidationError(
              `delay_sec must be <= ${DEFAULTS.maxShutdownDelaySec}`,
            );
          }
        },
      },
    });
    if (this.#shutdown) throw new ValidationError("shutdown already pending");
    const delay = f.delay_sec ?? DEFAULTS.defaultShutdownDelaySec;
    if (delay === 0) {
      await this.#notice("Hub is shutting down now.", {
        shutdown: true,
        delay_sec: 0,
      });
      this.#log("shutdown initiated (immediate)");
      setTimeout(() => this.#fireShutdown(), 0);
      return { status: "shutdown_initiated" };
    }
    this.#shutdown = {
      deadline: performance.now() + delay * 1000,
      delay,
      timer: setTimeout(() => this.#fireShutdown(), delay * 1000),
    };
    await this.#notice(
      `Hub shutdown initiated. Shutting down in ${delay} seconds.`,
      { shutdown: true, delay_sec: delay },
    );
    this.#log(`shutdown initiated (delay=${delay}s)`);
    return { status: "shutdown_initiated", ...this.shutdownStatus() };
  }

  async cancelShutdown(): Promise<JsonObject> {
    const s = this.#shutdown;
    if (!s) throw new ValidationError("no shutdown pending");
    clearTimeout(s.timer);
    this.#shutdown = undefined;
    await this.#notice("Hub shutdown cancelled.", { shutdown_cancelled: true });
    this.#log("shutdown cancelled");
    return { status: "shutdown_cancelled" };
  }

  async #fireShutdown(): Promise<void> {
    if (this.#shutdown) this.#shutdown.timer = undefined;
    try {
      await this.#notice("Hub is shutting down now.", {
        shutdown: true,
        final: true,
      });
    } catch (error) {
      this.#log(`final shutdown notice failed: ${error}`);
    }
    this.#log("executing shutdown");
    this.onShutdown();
  }

  setNetwork(body: JsonObject): JsonObject {
    if ("allow_remote" in body) {
      const want = truthy(body["allow_remote"]);
      if (want && isLoopbackHost(this.config.host)) {
        throw new ValidationError(
          `cannot enable remote access at runtime: the hub listens on ${this.config.host}, which no other machine can reach. Restart it with --host 0.0.0.0 --allow-remote to serve the LAN`,
        );
      }
      this.config.allowRemote = want;
    }
    return {
      allow_remote: this.config.allowRemote,
      listen_host: this.config.host,
    };
  }
}

/** The predicate for "this message is in this agent's view". */
function visibleTo(
  agentId: string,
  channels: string[],
  threadId: string | undefined,
  excludeSelf: boolean,
): MessageMatch {
  return (m) =>
    (m.to_agent === null || m.to_agent === agentId) &&
    (channels.length === 0 || channels.includes(m.channel)) &&
    (threadId === undefined || m.thread_id === threadId) &&
    !(excludeSelf && m.from_agent === agentId);
}

/**
 * The instance id: a fingerprint of the storage path and the database's
 * birth time, so every hub serving one file reports the same id.
 */
export async function deriveInstanceId(
  storagePath: string,
  birthMarker: string,
): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`${storagePath}|${birthMarker}`),
  );
  const hex = Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  return `mh1-${hex.slice(0, 20)}`;
}
