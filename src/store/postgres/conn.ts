/**
 * Connections of the PostgreSQL backend: how the driver is set up, a guard
 * around the query pool that rides out a server restart, and one-line
 * explanations of why the first connection failed.
 *
 * The guard exists because the driver's pool does not come back reliably on
 * its own: after connections failed while the server was away, it waits ever
 * longer between attempts (up to 20 s) and can lose a queued query for good
 * (porsager/postgres#1193), so writes hung for half a minute or more after a
 * restart. Instead, the first sign of a lost connection makes the guard ask
 * the server, on a fresh connection of its own, whether it answers. While it
 * does not, every unit of work fails at once with
 * {@linkcode StorageUnavailableError} (HTTP 503) and the guard asks again
 * every {@linkcode PgPoolOptions.probeEveryMs}. Once it answers, the guard
 * puts a new pool in place (the old one finishes or drops what it still has)
 * and writes flow again.
 *
 * @module
 */

import process from "node:process";
import postgres from "postgres";
import { StorageUnavailableError } from "../../errors.ts";
import type { DatabaseTarget } from "../../database_url.ts";

// -- driver set-up ----------------------------------------------------

/** What a query pool is opened with. */
export interface PoolOptions {
  max: number;
  lockTimeoutMs: number;
  connectTimeoutSec: number;
  durability: "normal" | "full";
}

/**
 * Creates a client. The driver falls back to `PG*` environment variables
 * for anything the URL leaves out; the hub is not allowed to read those (and
 * should not take orders from them), so the driver sees an empty environment
 * while it reads its options.
 */
function withoutEnv<T>(fn: () => T): T {
  const saved = process.env;
  try {
    // deno-lint-ignore no-explicit-any
    (process as any).env = {};
    return fn();
  } finally {
    // deno-lint-ignore no-explicit-any
    (process as any).env = saved;
  }
}

function sessionParameters(
  target: DatabaseTarget,
  lockTimeoutMs: number,
  durability: "normal" | "full" = "full",
): Record<string, string> {
  return {
    application_name: "arc-deno",
    synchronous_commit: durability === "full" ? "on" : "off",
    ...(target.schema ? { search_path: target.schema } : {}),
    lock_timeout: String(lockTimeoutMs),
    // A hub that stops answering mid-transaction (paused, cut off) must not
    // hold the message lock for long.
    idle_in_transaction_session_timeout: "30000",
    // The server notices a vanished hub within seconds, not hours.
    tcp_keepalives_idle: "10",
    tcp_keepalives_interval: "5",
    tcp_keepalives_count: "3",
  };
}

/** Seconds the driver waits before reconnecting after `retries` failures: short, since the guard decides when the server is away. */
function shortBackoff(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 1);
}

/** Opens the query pool. */
export function openPool(
  target: DatabaseTarget,
  options: PoolOptions,
): postgres.Sql {
  return withoutEnv(() =>
    postgres(target.url, {
      max: options.max,
      connect_timeout: options.connectTimeoutSec,
      idle_timeout: 0,
      backoff: shortBackoff,
      // With `false`, `reserve()` on a connection not yet open never settles
      // (porsager/postgres#751); posts reserve one, so after a restart they
      // all hung. `true` costs one catalog query per new connection.
      fetch_types: true,
      prepare: true,
      onnotice: () => {},
      connection: sessionParameters(
        target,
        options.lockTimeoutMs,
        options.durability,
      ),
    })
  );
}

/** Hooks a listen client reports to. */
export interface ListenClientHooks {
  onnotify(channel: string, payload: string): void;
  onclose(): void;
}

/** Opens the single connection that `LISTEN`s; `name` shows in `pg_stat_activity`. */
export function openListenClient(
  target: DatabaseTarget,
  name: string,
  hooks: ListenClientHooks,
): postgres.Sql {
  // `onnotify` and `onclose` are driver options its types do not list.
  const options = {
    max: 1,
    connect_timeout: 10,
    idle_timeout: 0,
    max_lifetime: null,
    backoff: shortBackoff,
    fetch_types: false,
    onnotice: () => {},
    onnotify: hooks.onnotify,
    onclose: () => hooks.onclose(),
    connection: {
      ...sessionParameters(target, 10_000),
      application_name: name,
    },
  } as postgres.Options<Record<string, never>>;
  return withoutEnv(() => postgres(target.url, options));
}

/**
 * Asks the server, on a connection of its own, to answer `SELECT 1`.
 *
 * @throws whatever the driver threw, or an error after `timeoutMs`
 */
export async function probeServer(
  target: DatabaseTarget,
  timeoutMs = 3_000,
): Promise<void> {
  const sql = withoutEnv(() =>
    postgres(target.url, {
      max: 1,
      connect_timeout: Math.max(1, Math.ceil(timeoutMs / 1000)),
      idle_timeout: 0,
      max_lifetime: null,
      fetch_types: false,
      onnotice: () => {},
      connection: { application_name: "arc-deno probe" },
    })
  );
  try {
    await withDeadline(
      sql.unsafe("SELECT 1"),
      timeoutMs,
      () => new Error(`no answer within ${timeoutMs} ms`),
    );
  } finally {
    await sql.end({ timeout: 0 }).catch(() => {});
  }
}

// -- the guard --------------------------------------------------------

// Driver codes and SQLSTATEs that mean a connection was lost or refused:
// the server is away, restarting, or cut this client off.
export const LOSS_DRIVER: ReadonlySet<string> = new Set([
  "CONNECTION_CLOSED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "EAI_AGAIN",
]);
const LOSS_STATES = new Set(["57P01", "57P02", "57P03"]);

/**
 * The SQLSTATE of an error the server sent, or undefined for anything else
 * (the driver's own errors, socket errors). Asked by class, not by name: the
 * built hub is minified, which renames the driver's classes.
 */
export function sqlState(error: unknown): string | undefined {
  return error instanceof postgres.PostgresError ? error.code : undefined;
}

/** Whether `error` says the connection to the server was lost or refused. */
export function isConnectionLoss(error: unknown): boolean {
  const state = sqlState(error);
  if (state !== undefined) {
    return LOSS_STATES.has(state) || state.startsWith("08");
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && LOSS_DRIVER.has(code);
}

// -- a driver fault the hub must survive ------------------------------

const faultListeners = new Set<(error: Error) => void>();
let faultGuard = false;

/**
 * Whether `error` is the driver's write to a connection it already closed:
 * npm:postgres 3.4.9 schedules small writes on a timer, and when the
 * connection closes first the timer writes to a socket that is gone
 * (porsager/postgres#1154, #1208; unfixed upstream). It happens when a
 * transaction's last statement (a rollback) follows a lost connection.
 *
 * Told by where it is thrown: the top frame is in the driver's code, which
 * is the package's `connection.js` when the hub runs from the sources and
 * the bundle chunk holding the driver (see {@linkcode DRIVER_SCRIPT}) in
 * the built hub, whose function names are minified.
 */
export function isDriverWriteFault(error: unknown): boolean {
  if (
    !(error instanceof TypeError) ||
    !/\(reading 'write'\)/.test(error.message)
  ) return false;
  const script = topFrameScript(error.stack ?? "");
  return script !== undefined &&
    (script === DRIVER_SCRIPT ||
      /postgres[\\/][^\\/]+[\\/]src[\\/]connection\.js$/.test(script));
}

/** The script of the first frame of a V8 stack, without line and column. */
function topFrameScript(stack: string): string | undefined {
  const frame = stack.split("\n").find((line) => /^\s+at /.test(line));
  return frame?.match(/\(?([a-z]+:[^\s()]+?):\d+:\d+\)?$/)?.[1];
}

/**
 * The script the driver's code runs from, as this process loaded it: a file
 * of the package when the hub runs from the sources, the chunk holding the
 * driver in the built hub. Found by letting one of the driver's own
 * functions throw.
 */
export const DRIVER_SCRIPT: string | undefined = (() => {
  try {
    (postgres.toCamel as (name: unknown) => string)(null);
  } catch (error) {
    return topFrameScript((error as Error).stack ?? "");
  }
  return undefined;
})();

/**
 * Calls `listener` when the driver fault of {@linkcode isDriverWriteFault}
 * happens, instead of letting it end the process: it is thrown from a timer,
 * where no caller can catch it, and concerns a connection already lost.
 * Returns a function that stops listening.
 */
export function onDriverWriteFault(
  listener: (error: Error) => void,
): () => void {
  if (!faultGuard) {
    faultGuard = true;
    globalThis.addEventListener("error", (event) => {
      if (!isDriverWriteFault(event.error) || faultListeners.size === 0) return;
      event.preventDefault();
      for (const l of faultListeners) l(event.error);
    });
  }
  faultListeners.add(listener);
  return () => faultListeners.delete(listener);
}

/** Options for {@linkcode PgPool}. */
export interface PgPoolOptions {
  /** Opens a fresh query pool. */
  open(): postgres.Sql;
  /** Resolves when the server answers on a fresh connection. */
  probe(): Promise<void>;
  /** Password-less name of the database, for messages. */
  label: string;
  /** Text for a failure; must not leak secrets. */
  describe(error: unknown): string;
  /** Where outages and recoveries are reported. @default nothing */
  log?: (line: string) => void;
  /** Called after a new pool is in place. @default nothing */
  onRecovered?: () => void;
  /** How often the server is asked while it is away, in ms. @default 250 */
  probeEveryMs?: number;
  /** How long a unit of work may wait for a connection before it fails with 503, in ms. @default 10000 */
  acquireTimeoutMs?: number;
  /** How long a replaced pool may finish the work it holds, in seconds. @default 15 */
  drainSec?: number;
}

/** The query pool with its restart guard; see the module doc. */
export class PgPool {
  #options: PgPoolOptions;
  #sql: postgres.Sql;
  /** `checking`: trouble was seen and the server is being asked; work still goes through. */
  #state: "up" | "checking" | "down" = "up";
  #why = "";
  #closed = false;
  #retired: Promise<void>[] = [];
  #recovering: Promise<void> | undefined;
  #wait: { timer: ReturnType<typeof setTimeout>; wake: () => void } | undefined;
  /** When a unit of work last got an answer from the current pool. */
  #lastAnswer = performance.now();

  constructor(options: PgPoolOptions) {
    this.#options = options;
    this.#sql = options.open();
  }

  /** The current pool. It is replaced after an outage: read it anew for each unit of work. */
  get sql(): postgres.Sql {
    return this.#sql;
  }

  /** Whether the server was last seen away. */
  get down(): boolean {
    return this.#state === "down";
  }

  /**
   * Lets a unit of work start, or fails it at once while the server is away.
   *
   * @throws {StorageUnavailableError} while the server is away
   */
  admit(): void {
    if (this.#state !== "down") return;
    throw new StorageUnavailableError(
      `storage unavailable: the database ${this.#options.label} is not reachable (${this.#why}); the hub reconnects by itself, retry in a moment`,
    );
  }

  /** Looks at a unit of work's error: one that says the connection was lost starts a check. */
  observe(error: unknown): void {
    if (isConnectionLoss(error)) this.suspect(this.#options.describe(error));
  }

  /** Something suggests the connections were lost: ask the server, replace the pool once it answers. */
  suspect(why: string): void {
    if (this.#closed) return;
    this.#why = why;
    if (this.#state === "up") {
      this.#state = "checking";
      this.#recovering = this.#recover();
    }
  }

  /**
   * Runs `fn` in a transaction on the current pool. If no connection is
   * free within the acquire timeout the unit fails with 503 and will not
   * run later.
   */
  begin<T>(
    fn: (tx: postgres.TransactionSql) => Promise<T>,
  ): Promise<T> {
    this.admit();
    let abandoned = false;
    let started = false;
    const work = this.#sql.begin((tx) => {
      started = true;
      this.#lastAnswer = performance.now();
      if (abandoned) throw new Error("abandoned after the acquire timeout");
      return fn(tx);
    }) as Promise<T>;
    return this.#acquire(work, () => started, () => abandoned = true);
  }

  /** Reserves one connection of the current pool, with the same timeout as {@linkcode begin}. */
  reserve(): Promise<postgres.ReservedSql> {
    this.admit();
    let abandoned = false;
    let got = false;
    const work = this.#sql.reserve().then((conn) => {
      got = true;
      this.#lastAnswer = performance.now();
      if (abandoned) conn.release();
      return conn;
    });
    return this.#acquire(work, () => got, () => abandoned = true);
  }

  /**
   * Stops asking and closes every pool, waiting up to `timeoutSec` for work
   * in flight. A pool a reconnect replaced may still be draining (for up to
   * `drainSec`, and ending a pool whose server went away can take all of
   * it): it gets no longer than the current pool, so a hub stops within
   * `timeoutSec` after an outage too.
   */
  async end(timeoutSec: number): Promise<void> {
    this.#closed = true;
    this.#wake();
    await this.#recovering;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutSec * 1000);
    });
    await Promise.race([
      Promise.all([
        this.#sql.end({ timeout: timeoutSec }).catch(() => {}),
        ...this.#retired,
      ]),
      deadline,
    ]);
    clearTimeout(timer);
  }

  /** Races `work` against the acquire timeout; a timeout with no answer from the pool at all means it is stuck. */
  async #acquire<T>(
    work: Promise<T>,
    started: () => boolean,
    abandon: () => void,
  ): Promise<T> {
    const ms = this.#options.acquireTimeoutMs ?? 10_000;
    const since = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (started()) return;
        abandon();
        work.catch(() => {});
        const stuck = this.#lastAnswer < since;
        if (stuck) this.suspect(`no connection within ${ms} ms`);
        reject(
          new StorageUnavailableError(
            `storage unavailable: no database connection became free within ${ms} ms${
              stuck ? "; the hub is reconnecting" : ""
            }, retry in a moment`,
          ),
        );
      }, ms);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #recover(): Promise<void> {
    const every = this.#options.probeEveryMs ?? 250;
    while (!this.#closed) {
      try {
        await this.#options.probe();
        break;
      } catch (error) {
        if (this.#closed) return;
        this.#why = this.#options.describe(error);
        if (this.#state !== "down") {
          this.#state = "down";
          this.#options.log?.(
            `database unreachable (${this.#why}); writes answer 503 until it is back`,
          );
        }
        await this.#sleep(every);
      }
    }
    if (this.#closed) return;
    const wasDown = this.#state === "down";
    const old = this.#sql;
    this.#sql = this.#options.open();
    this.#lastAnswer = performance.now();
    this.#state = "up";
    const retiring = old.end({ timeout: this.#options.drainSec ?? 15 })
      .catch(() => {})
      .then(() => {
        this.#retired = this.#retired.filter((p) => p !== retiring);
      });
    this.#retired.push(retiring);
    if (wasDown) this.#options.log?.("database reachable again");
    this.#options.onRecovered?.();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wait = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wait = { timer, wake };
    });
  }

  #wake(): void {
    this.#wait?.wake();
  }
}

function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  error: () => Error,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(error()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// -- start-up explanations --------------------------------------------

/**
 * One line that says why the first connection to `target` failed and what
 * to do about it, or undefined when the error is not a connection problem.
 *
 * @param error what opening the store threw (already scrubbed)
 * @param target the database
 * @param detail the error's text, scrubbed
 */
export function explainOpenError(
  error: unknown,
  target: DatabaseTarget,
  detail: string,
): string | undefined {
  const at = `cannot use the database ${target.label}`;
  const where = `${
    target.host.includes(":") ? `[${target.host}]` : target.host
  }:${target.port}`;
  const url =
    "in the database URL (ARC_DATABASE_URL, --database-file or --database)";
  const state = sqlState(error);
  const code = state ?? (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return undefined;
  if (state !== undefined) {
    switch (code) {
      case "28P01":
        return `${at}: the server refused the password for user '${target.user}'; check the user name and password ${url}`;
      case "28000":
        return /no encryption/i.test(detail)
          ? `${at}: the server requires an encrypted connection (${detail}); add ?sslmode=require ${url}`
          : `${at}: the server does not let user '${target.user}' in (${detail}); check the user name ${url}, or allow this host in the server's pg_hba.conf`;
      case "3D000":
        return `${at}: the database '${target.database}' does not exist on ${where}; create it (CREATE DATABASE "${target.database}" OWNER "${target.user}") or fix the name at the end of the database URL`;
      case "42501":
        return `${at}: user '${target.user}' may not create Arc's tables (${detail}); grant it CREATE on the database or schema, or name a schema it owns with ?schema=NAME`;
      case "53300":
        return `${at}: the server has no free connection slots (${detail}); raise max_connections on the server or stop idle clients, then start the hub again`;
      case "57P03":
        return `${at}: the server is starting up or shutting down (${detail}); start the hub again once it accepts connections`;
    }
    if (code.startsWith("08") || code.startsWith("28")) {
      return `${at}: ${detail}; check the database URL and the server's settings`;
    }
    return undefined;
  }
  switch (code) {
    case "ECONNREFUSED":
      return `${at}: nothing accepts connections at ${where}; start PostgreSQL there, or fix the host and port ${url}`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `${at}: the host name '${target.host}' cannot be resolved; fix the host ${url}`;
    case "CONNECT_TIMEOUT":
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${at}: no answer from ${where} (${detail}); check that the server runs and that the network lets this machine reach it`;
    case "ECONNRESET":
    case "EPIPE":
    case "CONNECTION_CLOSED":
      return `${at}: ${where} closed the connection during the handshake (${detail}); check that it is a PostgreSQL server and whether it requires ?sslmode=require`;
  }
  return undefined;
}
