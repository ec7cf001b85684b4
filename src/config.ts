/**
 * Hub options: what a caller passes ({@linkcode HubOptions}, all optional)
 * and what the hub runs with ({@linkcode ResolvedConfig}, all filled and
 * checked). Nothing else in the hub reads flags or the environment.
 *
 * @module
 */

import { basename, dirname, isAbsolute, join } from "./path.ts";
import { DEFAULTS, LOOPBACK_HOSTS } from "./protocol.ts";
import { type DatabaseTarget, parseDatabaseUrl } from "./database_url.ts";

/** Options for a hub; every field falls back to `DEFAULTS`. */
export interface HubOptions {
  /** Bind address. @default "127.0.0.1" */
  host?: string;
  /** TCP port; 0 picks a free one. @default 6969 */
  port?: number;
  /** SQLite database file. @default "arc.sqlite3" */
  storage?: string;
  /** PostgreSQL URL (`postgres://user:password@host:port/dbname`); replaces the SQLite file. @default none */
  database?: string;
  /** Relay spool directory. @default ".arc-relay" */
  spoolDir?: string;
  /** Serve peers that are not on loopback. @default false */
  allowRemote?: boolean;
  /** Log only the startup line. @default false */
  quiet?: boolean;
  /** Longest message body, in characters. @default 128000 */
  maxBodyChars?: number;
  /** Largest inline attachment, in characters of its JSON text. @default 256000 */
  maxAttachmentChars?: number;
  /** Most attachments per message. @default 32 */
  maxAttachments?: number;
  /** Seconds without activity before a session expires. @default 120 */
  presenceTtlSec?: number;
  /** Largest `limit` a read may ask for. @default 500 */
  maxQueryLimit?: number;
  /** `normal` survives the hub process crashing; `full` also survives power loss, writing more slowly. @default "normal" */
  durability?: "normal" | "full";
  /** Bearer token remote peers must send; loopback peers are exempt. @default none */
  token?: string;
  /** Extra host names the hub answers to (beyond IP literals and loopback names). @default [] */
  allowedHosts?: string[];
  /** Requests that act as an agent must carry its session secret (`src/hub/identity.ts`). @default false */
  strictIdentity?: boolean;
  /** Sustained posts per second per agent; 0 turns the limit off. @default 50 */
  rateLimitPerSec?: number;
  /** Posts an agent may make at once before the rate applies. @default 500 */
  rateBurst?: number;
  /** Seconds an idle MCP session at `/mcp` lives before its agent is deregistered. @default 1800 */
  mcpIdleSec?: number;
  /** Close a connection with no request in progress after this many seconds; 0 keeps it open. @default 75 */
  idleTimeoutSec?: number;
  /** Seconds without activity after which an agent holding a claim counts as stalled. @default 600 */
  stallAfterSec?: number;
  /** Webhook URLs the operator's notifications go to (`src/hub/notify.ts`). @default [] */
  notifyUrls?: string[];
  /** HMAC-SHA256 key that signs the notifications. @default none */
  notifySecret?: string;
  /** Prune closed threads and received direct messages older than this many days, after writing them to files (`src/hub/retention.ts`). @default off */
  retainDays?: number;
  /** Where pruned messages are written. @default "retained" beside the SQLite file; "arc-retained" in the working directory with PostgreSQL */
  retainDir?: string;
}

/** Options after defaults and checks; paths are absolute. */
export interface ResolvedConfig {
  /** Webhook URLs for the operator's notifications; the hub may reach their hosts only. */
  notifyUrls: string[];
  notifySecret: string | undefined;
  host: string;
  port: number;
  storagePath: string;
  /** The PostgreSQL database, when the hub runs on one instead of `storagePath`. */
  database: DatabaseTarget | undefined;
  spoolDir: string;
  allowRemote: boolean;
  quiet: boolean;
  maxBodyChars: number;
  maxAttachmentChars: number;
  maxAttachments: number;
  presenceTtlSec: number;
  maxQueryLimit: number;
  durability: "normal" | "full";
  /** Largest request body accepted, in bytes, derived from the message limits. */
  maxRequestBytes: number;
  token: string | undefined;
  allowedHosts: string[];
  /** Whether requests must prove the agent they act as. */
  strictIdentity: boolean;
  /** Posts per second per agent; 0 when the limit is off. */
  rateLimitPerSec: number;
  rateBurst: number;
  /** Seconds an idle `/mcp` session lives. */
  mcpIdleSec: number;
  /** Seconds a connection may sit with no request in progress; 0 when idle connections are kept. */
  idleTimeoutSec: number;
  /** Seconds without activity after which a claim holder counts as stalled. */
  stallAfterSec: number;
  /** Days after which closed threads and received direct messages are pruned; undefined when retention is off. */
  retainDays: number | undefined;
  /** Where pruned messages are written (absolute). */
  retainDir: string;
}

function checkInt(
  name: string,
  value: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot start the hub as '${name}' must be an integer from ${min} to ${max}: current value is ${value}`,
    );
  }
  return value;
}

/** True for an address that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  return LOOPBACK_HOSTS.has(h) || h.startsWith("127.") ||
    h === "::ffff:127.0.0.1";
}

/**
 * Fills defaults, checks every value and makes paths absolute (the storage
 * directory is created when missing).
 *
 * @throws {RangeError} when a value is out of range or the storage path is unusable
 */
export function resolveConfig(
  options: HubOptions = {},
  cwd: string = Deno.cwd(),
): ResolvedConfig {
  const host = options.host ?? DEFAULTS.host;
  const allowRemote = options.allowRemote ?? false;
  if (!allowRemote && !isLoopbackHost(host)) {
    throw new RangeError(
      `Cannot bind ${host} without --allow-remote: a non-loopback address exposes the hub to other machines, so it must be asked for explicitly (and protected with --token)`,
    );
  }
  const maxBodyChars = checkInt(
    "max-body-chars",
    options.maxBodyChars ?? DEFAULTS.maxBodyChars,
    1,
  );
  const maxAttachmentChars = checkInt(
    "max-attachment-chars",
    options.maxAttachmentChars ?? DEFAULTS.maxAttachmentChars,
    1,
  );
  const maxAttachments = checkInt(
    "max-attachments",
    options.maxAttachments ?? DEFAULTS.maxAttachments,
    0,
    10_000,
  );
  const storagePath = resolveStorage(options.storage ?? DEFAULTS.storage, cwd);
  const database = options.database === undefined
    ? undefined
    : parseDatabaseUrl(options.database);
  return {
    host,
    port: checkInt("port", options.port ?? DEFAULTS.port, 0, 65535),
    storagePath,
    database,
    retainDays: options.retainDays === undefined
      ? undefined
      : checkInt("retain-days", options.retainDays, 1, 36_500),
    retainDir: options.retainDir
      ? absolute(options.retainDir, cwd)
      : database
      ? join(cwd, "arc-retained")
      : join(dirname(storagePath), "retained"),
    spoolDir: absolute(options.spoolDir ?? DEFAULTS.spoolDir, cwd),
    allowRemote,
    quiet: options.quiet ?? false,
    maxBodyChars,
    maxAttachmentChars,
    maxAttachments,
    presenceTtlSec: checkInt(
      "presence-ttl",
      options.presenceTtlSec ?? DEFAULTS.presenceTtlSec,
      DEFAULTS.minPresenceTtlSec,
      86_400 * 365,
    ),
    durability: checkDurability(options.durability),
    maxQueryLimit: checkInt(
      "max-query-limit",
      options.maxQueryLimit ?? DEFAULTS.maxQueryLimit,
      1,
      100_000,
    ),
    // The body text may arrive as \uXXXX escapes (6 bytes a character);
    // attachments are measured on their JSON text already; 64 KiB for framing.
    token: checkToken(options.token),
    allowedHosts: (options.allowedHosts ?? []).map((h) => h.trim()).filter(
      Boolean,
    ),
    rateLimitPerSec: checkRate(options.rateLimitPerSec),
    rateBurst: checkInt(
      "rate-burst",
      options.rateBurst ?? DEFAULTS.rateBurst,
      1,
      1_000_000,
    ),
    mcpIdleSec: checkInt(
      "mcp-idle-timeout",
      options.mcpIdleSec ?? DEFAULTS.mcpIdleSec,
      1,
      31_536_000,
    ),
    stallAfterSec: checkInt(
      "stall-after",
      options.stallAfterSec ?? DEFAULTS.stallAfterSec,
      1,
      31_536_000,
    ),
    maxRequestBytes: 6 * maxBodyChars + maxAttachmentChars * maxAttachments +
      65_536,
    strictIdentity: options.strictIdentity ?? false,
    notifyUrls: (options.notifyUrls ?? []).map(checkNotifyUrl),
    notifySecret: options.notifySecret || undefined,
    idleTimeoutSec: checkInt(
      "idle-timeout",
      options.idleTimeoutSec ?? DEFAULTS.idleTimeoutSec,
      0,
      86_400,
    ),
  };
}

function checkRate(value: number | undefined): number {
  const rate = value ?? DEFAULTS.rateLimitPerSec;
  if (!Number.isFinite(rate) || rate < 0 || rate > 1_000_000) {
    throw new RangeError(
      `Cannot start the hub as 'rate-limit' must be a number of posts per second from 0 (off) to 1000000: current value is ${value}`,
    );
  }
  return rate;
}

function checkDurability(value: string | undefined): "normal" | "full" {
  if (value === undefined || value === "normal" || value === "full") {
    return value ?? "normal";
  }
  throw new RangeError(
    `Cannot start the hub as 'durability' must be normal or full: current value is ${value}`,
  );
}

function checkNotifyUrl(raw: string): string {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new RangeError(
      `Cannot start the hub as 'notify-url' must be an http(s) URL: current value is '${raw}'`,
    );
  }
  return url.href;
}

function checkToken(token: string | undefined): string | undefined {
  if (token === undefined || token === "") return undefined;
  if (token.length < 16 || /\s/.test(token)) {
    throw new RangeError(
      "Cannot start the hub as 'token' must be at least 16 characters with no spaces",
    );
  }
  return token;
}

function absolute(path: string, cwd: string): string {
  return isAbsolute(path) ? path : join(cwd, path);
}

function resolveStorage(path: string, cwd: string): string {
  if (!path.trim()) {
    throw new RangeError("Cannot start the hub as 'storage' is empty");
  }
  const full = absolute(path, cwd);
  const dir = dirname(full);
  try {
    if (Deno.statSync(full).isDirectory) {
      throw new RangeError(
        `Cannot use storage ${full}: it is a directory, not a database file`,
      );
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw explain(error, full);
  }
  try {
    Deno.mkdirSync(dir, { recursive: true });
    // Resolve links the way every hub sharing this file does, so they all
    // derive the same instance id from it.
    try {
      return Deno.realPathSync(full);
    } catch {
      return join(Deno.realPathSync(dir), basename(full));
    }
  } catch (error) {
    throw explain(error, dir);
  }
}

function explain(error: unknown, path: string): Error {
  if (error instanceof RangeError) return error;
  if (
    error instanceof Deno.errors.NotCapable ||
    error instanceof Deno.errors.PermissionDenied
  ) {
    return new RangeError(
      `Cannot use storage at ${path}: this process is not allowed to read and write there (check the --allow-read/--allow-write flags or file permissions)`,
      { cause: error },
    );
  }
  return new RangeError(
    `Cannot use storage at ${path}: ${(error as Error).message}`,
    { cause: error },
  );
}
