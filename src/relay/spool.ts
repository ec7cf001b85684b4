/**
 * The relay spool's layout and file formats (protocol Appendix B): request
 * envelopes under `requests/<agent>/<id>.json`, claimed by renaming them to
 * `<id>.work`, answered by `responses/<agent>/<id>.json`, every file written
 * atomically (temp file, then rename).
 *
 * @module
 */

import { join } from "../path.ts";
import { type Clock, systemClock, toIso } from "../time.ts";

/** Relay statuses for failures outside the hub. */
export const RELAY_STATUS = {
  invalidRequest: 400,
  invalidPayload: 500,
  spoolWriteFailed: 597,
  timeout: 598,
  unreachable: 599,
} as const;

/** A request envelope after validation. */
export interface RelayRequest {
  request_id: string;
  agent_id: string;
  method: string;
  path: string;
  body: Record<string, unknown> | null;
  created_at: string;
}

/** A response envelope as written to the spool. */
export interface RelayResponse {
  request_id: string;
  ok: boolean;
  status: number;
  body?: unknown;
  completed_at: string;
  error?: string;
}

/** True for a name usable as one directory level: letters, digits, `.`, `_`, `-`, not `.` or `..`. */
export function isSafeName(name: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(name) && name !== "." && name !== "..";
}

/** Paths inside one spool. */
export class SpoolLayout {
  readonly root: string;
  readonly requests: string;
  readonly responses: string;

  constructor(root: string) {
    this.root = root;
    this.requests = join(root, "requests");
    this.responses = join(root, "responses");
  }

  requestDir(agentDir: string): string {
    return join(this.requests, agentDir);
  }

  responseDir(agentDir: string): string {
    return join(this.responses, agentDir);
  }

  responsePath(agentDir: string, requestId: string): string {
    return join(this.responses, agentDir, `${requestId}.json`);
  }
}

/** Writes JSON atomically: a temp file beside the target, then a rename. */
export async function writeJsonAtomic(
  path: string,
  value: unknown,
): Promise<void> {
  const slash = path.lastIndexOf("/");
  const tmp = `${path.slice(0, slash)}/.${
    path.slice(slash + 1)
  }.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(value, null, 2));
  try {
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}

/** A response envelope for a failure outside the hub. */
export function errorEnvelope(
  requestId: string,
  status: number,
  error: string,
  clock: Clock = systemClock,
): RelayResponse {
  return {
    request_id: requestId,
    ok: false,
    status,
    completed_at: toIso(clock.now()),
    error,
  };
}

/**
 * Checks a parsed request file. The request id and agent fall back to the
 * file's own names.
 *
 * @throws {TypeError} with the reason when the envelope is unusable
 */
export function parseRequest(
  value: unknown,
  fallbackId: string,
  fallbackAgent: string,
  clock: Clock = systemClock,
): RelayRequest {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError("request envelope must be a JSON object");
  }
  const v = value as Record<string, unknown>;
  const text = (x: unknown) =>
    typeof x === "string" || typeof x === "number" ? String(x).trim() : "";
  const method = text(v["method"]).toUpperCase();
  const path = typeof v["path"] === "string" ? v["path"] : "";
  const body = v["body"];
  if (!method) throw new TypeError("request envelope missing method");
  if (!/^[A-Z]+$/.test(method)) {
    throw new TypeError(`request method is not valid: ${method}`);
  }
  if (!path.startsWith("/")) {
    throw new TypeError("request path must start with '/'");
  }
  if (
    body !== undefined && body !== null &&
    (typeof body !== "object" || Array.isArray(body))
  ) {
    throw new TypeError("request body must be a JSON object when provided");
  }
  return {
    request_id: text(v["request_id"]) || fallbackId,
    agent_id: text(v["agent_id"]) || fallbackAgent,
    method,
    path,
    body: (body ?? null) as Record<string, unknown> | null,
    created_at: typeof v["created_at"] === "string"
      ? v["created_at"]
      : toIso(clock.now()),
  };
}
