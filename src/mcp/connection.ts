/**
 * The MCP server's hold on the hub: one agent's clients (over HTTP or the
 * file relay), its session, and the feed of its events. Registration is lazy
 * and retried: the server answers the MCP handshake even when no hub runs,
 * and registers on the first tool call that finds one. A heartbeat keeps the
 * agent present while the host is idle, so its claims and locks are not
 * recovered from under it, and re-registers a session the hub expired.
 *
 * @module
 */

import { ArcClient } from "../client/client.ts";
import { ArcError } from "../client/errors.ts";
import type {
  HttpMethod,
  RequestOptions,
  Transport,
  TransportResponse,
} from "../client/transport.ts";
import { type FetchFunction, HttpTransport } from "../client/http_transport.ts";
import { RelayTransport } from "../client/relay_transport.ts";
import type { Bootstrap, HubInfo } from "../client/types.ts";
import { DEFAULTS } from "../protocol.ts";
import { hubTarget, isPermissionError, unreachableAdvice } from "./advice.ts";
import { Digest } from "./digest.ts";
import { EventFeed } from "./feed.ts";

/** Where and as whom the server connects. */
export interface ConnectionOptions {
  /** The agent id to register as. */
  agentId: string;
  /** The hub's URL; ignored when `relayDir` is set. */
  baseUrl: string;
  /** The relay spool directory, for agents that cannot reach the hub over the network. */
  relayDir?: string;
  /** Bearer token for a remote hub. */
  token?: string;
  /**
   * The `fetch` HTTP requests go through; the hub's own `/mcp` passes its
   * application's handler, so tool calls never leave the process.
   *
   * @default {globalThis.fetch}
   */
  fetch?: FetchFunction;
  /** Display name for the session. */
  displayName?: string;
  /** Capabilities for the session. */
  capabilities?: string[];
  /** Where log lines go (stderr; never stdout). */
  log: (line: string) => void;
  /**
   * Append a digest of new direct messages and mentions to tool results.
   *
   * @default true
   */
  digest?: boolean;
}

/** Statuses that mean no hub answered, rather than a hub refusing. */
const UNREACHABLE = new Set([0, 597, 598, 599]);
/** Seconds between presence refreshes when the hub does not say. */
const HEARTBEAT_SEC = 30;
/** How long a relay request waits for the hub (long-polls wait longer). */
const RELAY_TIMEOUT_MS = 15_000;
/** How long closing waits for the hub to end the session. */
const CLOSE_GRACE_MS = 3_000;

/** A session on the hub for one MCP server, with lazy (re)registration. */
export class HubConnection {
  readonly options: ConnectionOptions;
  /** The agent's client: sessions, posts, claims, locks, tasks, threads, calls. */
  readonly client: ArcClient;
  /** The agent's event feed. */
  readonly feed: EventFeed;
  /** The digest appended to tool results; undefined when turned off. */
  readonly digest: Digest | undefined;
  #transport: Transport;
  #shutdown = new AbortController();
  #registering: Promise<void> | undefined;
  #ready = false;
  #instanceId: string | undefined;
  #hubInfo: HubInfo | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #heartbeatBusy = false;
  #lastContact = 0;
  #closed = false;
  #displaced = false;

  constructor(options: ConnectionOptions) {
    this.options = options;
    const inner: Transport = options.relayDir !== undefined
      ? new RelayTransport(options.agentId, {
        spoolDir: options.relayDir,
        timeoutMs: RELAY_TIMEOUT_MS,
      })
      : new HttpTransport({
        baseUrl: options.baseUrl,
        ...(options.token ? { token: options.token } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    const guarded = new GuardedTransport(inner, this.#shutdown.signal, () => {
      this.#lastContact = Date.now();
    });
    this.#transport = guarded;
    this.client = new ArcClient({
      agentId: options.agentId,
      transport: this.#transport,
    });
    // Every client on this transport (the feed's readers too) sends the
    // session secret the agent's client holds, for hubs with strict identity.
    guarded.secret = () => this.client.secret;
    this.feed = new EventFeed(this.#reader());
    this.digest = options.digest === false
      ? undefined
      : new Digest(this.feed, options.agentId);
  }

  /** Where the server talks to the hub, for messages. */
  get target(): string {
    return hubTarget(this.options);
  }

  /** True once a session is registered (and not lost since). */
  get ready(): boolean {
    return this.#ready;
  }

  /** Hub info from the last registration. */
  get hubInfo(): HubInfo | undefined {
    return this.#hubInfo;
  }

  /** Aborts when the server shuts down. */
  get signal(): AbortSignal {
    return this.#shutdown.signal;
  }

  /** A client for one-off reads with their own cursor (sharing the transport). */
  reader(): ArcClient {
    return this.#reader();
  }

  /**
   * Registers the session (replacing an older one of this agent) and
   * bootstraps the feed so reads start from now, unless that is done already.
   * Concurrent callers share one attempt.
   *
   * @throws {ArcError} When the hub cannot be reached or refuses.
   */
  async connect(): Promise<void> {
    if (this.#ready) return;
    if (this.#closed) throw new ArcError("the MCP server is shutting down");
    this.#registering ??= this.#register().finally(() => {
      this.#registering = undefined;
    });
    await this.#registering;
  }

  /** Notes a failure: when no hub answered, the next call registers again. */
  failed(error: unknown): void {
    if (isUnreachable(error) || isSessionLost(error)) this.#ready = false;
  }

  /** Starts the presence heartbeat. */
  startHeartbeat(): void {
    if (this.#heartbeat !== undefined || this.#closed) return;
    const ttl = Number(
      this.#hubInfo?.arcdeno?.["presence_ttl_sec"] ?? DEFAULTS.presenceTtlSec,
    );
    const everySec = Math.max(
      1,
      Math.min(HEARTBEAT_SEC, Number.isFinite(ttl) ? ttl / 3 : HEARTBEAT_SEC),
    );
    this.#heartbeat = setInterval(() => {
      // Any answer from the hub within the last half period will do.
      if (Date.now() - this.#lastContact < everySec * 500) return;
      void this.#beat();
    }, everySec * 1000);
  }

  /**
   * Ends the session on the hub (best effort, a few seconds at most) and
   * aborts every request still waiting. A registration still in flight is
   * waited for first, so the session it creates is ended too.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) =>
      timer = setTimeout(resolve, CLOSE_GRACE_MS)
    );
    await Promise.race([
      (async () => {
        await this.#registering?.catch(() => {});
        if (this.client.sessionId !== undefined) await this.client.close();
      })().catch(() => {}),
      grace,
    ]);
    clearTimeout(timer);
    this.#shutdown.abort(new ArcError("the MCP server is shutting down"));
  }

  /** Explains a failure to a model: the hub's own words, or how to start a hub. */
  describe(error: unknown): string {
    if (isUnreachable(error)) {
      return unreachableAdvice(
        this.options,
        (error as Error).message,
        isPermissionError((error as Error).cause),
      );
    }
    if (error instanceof ArcError) {
      return `Arc hub error${
        error.status ? ` (HTTP ${error.status})` : ""
      }: ${error.message}`;
    }
    if (error instanceof DOMException && error.name === "AbortError") {
      return "The call was cancelled.";
    }
    return error instanceof Error ? error.message : String(error);
  }

  async #register(): Promise<void> {
    const info = await this.client.hubInfo();
    if (this.#closed) throw new ArcError("the MCP server is shutting down");
    await this.client.register({
      replace: true,
      ...(this.options.displayName !== undefined
        ? { displayName: this.options.displayName }
        : {}),
      ...(this.options.capabilities?.length
        ? { capabilities: this.options.capabilities }
        : {}),
    });
    // Closing ends the session this made; nothing more to set up.
    if (this.#closed) return;
    const boot = await this.client.bootstrap();
    if (this.#instanceId !== info.instance_id) {
      // First start, or another database behind the address: start from now.
      this.feed.reset(boot.latest_visible_id);
    }
    this.#instanceId = info.instance_id;
    this.#hubInfo = info;
    this.#ready = true;
    this.#displaced = false;
    this.options.log(
      `arc mcp: agent '${this.options.agentId}' registered on ${this.target} (session ${this.client.sessionId}, instance ${info.instance_id})`,
    );
    this.startHeartbeat();
  }

  async #beat(): Promise<void> {
    if (this.#heartbeatBusy || this.#closed) return;
    this.#heartbeatBusy = true;
    try {
      if (!this.#ready) {
        await this.connect();
        return;
      }
      const boot: Bootstrap = await this.#reader().bootstrap();
      if (boot.session === null) {
        this.options.log(
          `arc mcp: the hub expired session ${this.client.sessionId}; registering again`,
        );
        this.#ready = false;
        await this.connect();
        return;
      }
      if (boot.session.session_id !== this.client.sessionId) {
        if (!this.#displaced) {
          this.options.log(
            `arc mcp: another process took over agent '${this.options.agentId}' (session ${boot.session.session_id}); tools keep acting as this agent`,
          );
        }
        this.#displaced = true;
      }
      await this.feed.refresh(this.signal);
    } catch (error) {
      if (this.#closed) return;
      this.failed(error);
      this.options.log(`arc mcp: heartbeat failed: ${this.describe(error)}`);
    } finally {
      this.#heartbeatBusy = false;
    }
  }

  #reader(): ArcClient {
    return new ArcClient({
      agentId: this.options.agentId,
      transport: this.#transport,
    });
  }
}

/** True when `error` means no hub answered. */
export function isUnreachable(error: unknown): boolean {
  return error instanceof ArcError && UNREACHABLE.has(error.status);
}

/** True when a hub with strict identity refused because the agent's session is gone. */
function isSessionLost(error: unknown): boolean {
  return error instanceof ArcError && error.status === 403 &&
    /strict identity:.*no live session/.test(error.message);
}

/** A transport whose requests all end when the server shuts down. */
class GuardedTransport implements Transport {
  #inner: Transport;
  #signal: AbortSignal;
  #onAnswer: () => void;
  /** The agent's session secret, added to requests that carry none. */
  secret: () => string | undefined = () => undefined;

  constructor(inner: Transport, signal: AbortSignal, onAnswer: () => void) {
    this.#inner = inner;
    this.#signal = signal;
    this.#onAnswer = onAnswer;
  }

  async request(
    method: HttpMethod,
    path: string,
    options: RequestOptions = {},
  ): Promise<TransportResponse> {
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#signal])
      : this.#signal;
    const secret = options.secret ?? this.secret();
    const response = await this.#inner.request(method, path, {
      ...options,
      signal,
      ...(secret !== undefined ? { secret } : {}),
    });
    this.#onAnswer();
    return response;
  }
}
