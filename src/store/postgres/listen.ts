/**
 * The `LISTEN` side of cross-hub wake-ups: one dedicated connection that
 * listens on the store's channel, is pinged now and then, and is replaced
 * whenever it drops (the server restarted, an operator ran
 * `pg_terminate_backend`, the network went away). After every successful
 * `LISTEN`, the first one included, the listener is called once, so waiters
 * re-read the store and nothing committed while nobody listened is missed.
 *
 * @module
 */

import type postgres from "postgres";

/** Hooks the connection factory must wire into the client it opens. */
export interface ListenHooks {
  onnotify(channel: string, payload: string): void;
  onclose(): void;
}

/** Options for {@linkcode ChangeListener}. */
export interface ChangeListenerOptions {
  /** Opens a new single-connection client with the hooks installed. */
  open(hooks: ListenHooks): postgres.Sql;
  /** The notification channel. */
  channel: string;
  /** Payload of this process's own notifications, which are ignored. */
  origin: string;
  /** Called for other processes' notifications and after each (re)connect. */
  listener: () => void;
  /** Where connection trouble is reported. @default nothing */
  log?: (line: string) => void;
  /** Called when the connection is lost, with the reason. @default nothing */
  onLost?: (why: string) => void;
  /** Text for a failure; must not leak secrets. @default String(error) */
  describe?: (error: unknown) => string;
  /** How often the connection is checked, in ms. @default 10000 */
  pingMs?: number;
  /** How long a check or the `LISTEN` itself may take before the connection is replaced, in ms. @default 5000 */
  pingTimeoutMs?: number;
}

const MIN_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 5_000;

/** A supervised `LISTEN` connection; see the module doc. */
export class ChangeListener {
  #options: ChangeListenerOptions;
  #sql: postgres.Sql | undefined;
  #generation = 0;
  #stopped = false;
  #backoffMs = MIN_BACKOFF_MS;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pinging = false;
  #lostOnce = false;

  constructor(options: ChangeListenerOptions) {
    this.#options = options;
  }

  /** Starts listening; resolves once the first attempt succeeded or failed (then it keeps retrying). */
  async start(): Promise<void> {
    await this.#connect();
    if (this.#stopped) return;
    const every = this.#options.pingMs ?? 10_000;
    this.#pingTimer = setInterval(() => void this.#ping(), every);
  }

  /** Reconnects now if a reconnect is waiting out its backoff (the server is known to be back). */
  retryNow(): void {
    if (this.#stopped || this.#retryTimer === undefined) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#backoffMs = MIN_BACKOFF_MS;
    void this.#connect();
  }

  /** Stops listening and closes the connection. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#generation++;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#pingTimer);
    const sql = this.#sql;
    this.#sql = undefined;
    await sql?.end({ timeout: 0 }).catch(() => {});
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    const { channel, origin, listener } = this.#options;
    const sql = this.#options.open({
      onnotify: (ch, payload) => {
        if (generation !== this.#generation || ch !== channel) return;
        if (payload !== origin) listener();
      },
      onclose: () => {
        if (generation === this.#generation) this.#lost("connection closed");
      },
    });
    this.#sql = sql;
    try {
      await this.#answered(sql.unsafe(`LISTEN ${quoteIdent(channel)}`));
    } catch (error) {
      if (generation === this.#generation) this.#lost(this.#describe(error));
      return;
    }
    if (generation !== this.#generation || this.#stopped) return;
    this.#backoffMs = MIN_BACKOFF_MS;
    if (this.#lostOnce) {
      this.#options.log?.("database listen connection re-established");
    }
    // Whatever was committed while nobody listened: let waiters re-check.
    listener();
  }

  /** Drops the current client and schedules a new one. */
  #lost(why: string): void {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    const old = this.#sql;
    this.#sql = undefined;
    old?.end({ timeout: 0 }).catch(() => {});
    if (!this.#lostOnce || this.#backoffMs === MIN_BACKOFF_MS) {
      this.#options.log?.(
        `database listen connection lost (${why}); reconnecting`,
      );
    }
    this.#lostOnce = true;
    this.#options.onLost?.(why);
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (generation === this.#generation) void this.#connect();
    }, delay);
  }

  async #ping(): Promise<void> {
    const sql = this.#sql;
    if (!sql || this.#pinging || this.#stopped) return;
    this.#pinging = true;
    const generation = this.#generation;
    try {
      await this.#answered(sql.unsafe("SELECT 1"));
    } catch (error) {
      if (generation === this.#generation) this.#lost(this.#describe(error));
    } finally {
      this.#pinging = false;
    }
  }

  /** `query`, or a rejection if the server does not answer it in time. */
  async #answered(query: Promise<unknown>): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        query,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error("no answer from the server in time")),
            this.#options.pingTimeoutMs ?? 5_000,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  #describe(error: unknown): string {
    return this.#options.describe?.(error) ?? String(error);
  }
}

/** Quotes an SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
