/**
 * One source of truth for the Arc protocol v1 constants this hub implements:
 * message kinds, attachment types, feature tokens, defaults and limits. The
 * validation code, `GET /v1/hub-info` and the docs all read from here.
 *
 * @module
 */

import denoJson from "../deno.json" with { type: "json" };

/** A JSON object as the wire carries it (and `*_json` columns store it). */
export type JsonObject = Record<string, unknown>;

/** Name reported as `implementation` in hub-info. */
export const IMPLEMENTATION = "arc-deno";

/** Version reported as `implementation_version` in hub-info and by `--version`. */
export const VERSION: string = denoJson.version;

/** The protocol version this hub speaks. */
export const PROTOCOL_VERSION = "1";

/** Prefix of every vendor extension: feature tokens are `arcdeno:<name>`, hub-info keeps its extras under `arcdeno`. */
export const VENDOR = "arcdeno";

/** The closed set of v1 message kinds, sorted as hub-info lists them. */
export const MESSAGE_KINDS = [
  "artifact",
  "chat",
  "claim",
  "notice",
  "release",
  "task",
  "task_request",
  "task_result",
] as const;

/** A v1 message kind. */
export type MessageKind = typeof MESSAGE_KINDS[number];

/** Kinds whose post registers a task row. */
export const TASK_KINDS: ReadonlySet<string> = new Set([
  "task",
  "task_request",
]);

/** Attachment types with inline `content`. */
export const INLINE_ATTACHMENT_TYPES: ReadonlySet<string> = new Set([
  "text",
  "json",
  "code",
]);

/** Attachment types that reference a path. */
export const REF_ATTACHMENT_TYPES: ReadonlySet<string> = new Set([
  "file_ref",
  "diff_ref",
]);

/** Standard v1 feature tokens every hub process implements; `relay` joins them when the file relay runs. */
export const STANDARD_FEATURES = [
  "sse",
  "long_poll_keepalive",
  "subtask_rollup",
  "rpc_kinds",
  "capability_filter",
  "shutdown_control",
  "session_rename",
] as const;

/** The token for the file relay binding. */
export const RELAY_FEATURE = "relay";

/** Vendor token: the relay runs requests concurrently, so a parked long-poll delays no one. */
export const RELAY_CONCURRENT_FEATURE = `${VENDOR}:relay_concurrent`;

/** Vendor feature tokens: extensions a client may rely on when present. */
export const VENDOR_FEATURES = [
  `${VENDOR}:push_delivery`,
  `${VENDOR}:sse_heartbeat`,
  `${VENDOR}:remote_guard`,
  `${VENDOR}:metrics`,
  `${VENDOR}:identity`,
  `${VENDOR}:receipts`,
  `${VENDOR}:task_deps`,
  `${VENDOR}:reservations`,
  `${VENDOR}:search`,
  `${VENDOR}:export`,
  `${VENDOR}:rate_limit`,
  `${VENDOR}:agent_status`,
  `${VENDOR}:sse_resume`,
  `${VENDOR}:work_queue`,
  `${VENDOR}:approvals`,
] as const;

/** Defaults shared by the config, the CLI help and the docs. */
export const DEFAULTS = {
  host: "127.0.0.1",
  port: 6969,
  storage: "arc.sqlite3",
  spoolDir: ".arc-relay",
  presenceTtlSec: 120,
  maxBodyChars: 128_000,
  maxAttachmentChars: 256_000,
  maxAttachments: 32,
  maxQueryLimit: 500,
  defaultQueryLimit: 100,
  sseBatchLimit: 50,
  sseHeartbeatSec: 15,
  defaultTtlSec: 300,
  minTtlSec: 5,
  /** Ten years: longer leases would leave the four-digit-year timestamp form. */
  maxTtlSec: 315_360_000,
  minPresenceTtlSec: 5,
  maxTimeoutSec: 60,
  maxShutdownDelaySec: 3600,
  defaultShutdownDelaySec: 60,
  maxDisplayNameChars: 64,
  /** Sustained posts per second per agent (0 turns the limit off). */
  rateLimitPerSec: 50,
  /** Posts an agent may make at once before the rate limit applies. */
  rateBurst: 500,
  /** Seconds an idle MCP session at `/mcp` lives. */
  mcpIdleSec: 1800,
  /** Seconds without activity after which an agent holding a claim counts as stalled. */
  stallAfterSec: 600,
  /** Seconds a connection may sit with no request in progress before the hub closes it. */
  idleTimeoutSec: 75,
} as const;

/** The channel every agent meets in; it and `direct` exist from the hub's first start. */
export const DEFAULT_CHANNEL = "general";

/** Channels created with the database. */
export const BUILTIN_CHANNELS = ["general", "direct"] as const;

/** Largest message id a hub may mint (2^53 - 1), so JavaScript clients read every id exactly. */
export const MAX_MESSAGE_ID = Number.MAX_SAFE_INTEGER;

/** Bind addresses that count as loopback. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set([
  "127.0.0.1",
  "localhost",
  "::1",
]);

/** The sender name the hub uses for its own notices. */
export const SYSTEM_AGENT = "system";

/**
 * The relay spool's directory name for an agent id: runs of characters
 * other than letters, digits, `.`, `_` and `-` become `_` (protocol s.16).
 * The client library keeps its own copy, since it imports nothing.
 */
export function safeAgentId(agentId: string): string {
  const cleaned = agentId.trim().replace(/[^A-Za-z0-9._-]+/g, "_");
  return cleaned === "" || cleaned === "." || cleaned === ".."
    ? "agent"
    : cleaned;
}
