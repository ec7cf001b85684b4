/**
 * The file relay transport (protocol Appendix B) for agents in sandboxes that
 * cannot open a socket to the hub but share a directory with it. Each request
 * is a JSON file under `<spool>/requests/<agent>/`; the hub's relay answers
 * with a file of the same name under `<spool>/responses/<agent>/`.
 *
 * @module
 */

import { checkTimeout, describe, isEnvelope, timeoutOf } from "./_util.ts";
import { ArcError } from "./errors.ts";
import type {
  HttpMethod,
  RequestOptions,
  Transport,
  TransportResponse,
} from "./transport.ts";

/** The spool directory used when none is given. */
export const DEFAULT_SPOOL_DIR = ".arc-relay";

/** How long to wait for a response file when no `timeoutMs` is given. */
export const DEFAULT_RELAY_TIMEOUT_MS = 30_000;

/**
 * Options for {@linkcode RelayTransport}.
 *
 * @example Options for a shared spool
 * ```ts
 * import type { RelayTransportOptions } from "@arc/hub";
 *
 * const options: RelayTransportOptions = {
 *   spoolDir: "/workspace/.arc-relay",
 *   timeoutMs: 60_000,
 * };
 * ```
 */
export interface RelayTransportOptions {
  /**
   * The spool directory the hub's relay watches.
   *
   * @default {".arc-relay"}
   */
  spoolDir?: string;
  /**
   * How long to wait for a response file, in milliseconds.
   *
   * @default {30000}
   */
  timeoutMs?: number;
  /**
   * How often to look for the response file in case the file system drops a
   * change event, in milliseconds.
   *
   * @default {500}
   */
  pollIntervalMs?: number;
}

/**
 * Turns an agent id into the directory name the relay uses for it: runs of
 * characters other than letters, digits, `.`, `_` and `-` become `_`, and an
 * empty result (or `.` or `..`) becomes `agent`.
 *
 * @param agentId The agent id.
 * @returns A name safe to use as one directory level.
 *
 * @example Spool directory names
 * ```ts
 * import { safeAgentId } from "@arc/hub";
 *
 * console.log(safeAgentId("team/reviewer 1")); // "team_reviewer_1"
 * console.log(safeAgentId("")); // "agent"
 * ```
 */
export function safeAgentId(agentId: string): string {
  const cleaned = agentId.trim().replace(/[^A-Za-z0-9._-]+/g, "_");
  return cleaned === "" || cleaned === "." || cleaned === ".."
    ? "agent"
    : cleaned;
}

/**
 * Sends protocol requests through the file relay. It needs read and write
 * access to the spool directory only, no network. The hub must run its relay
 * on the same directory (check for the `relay` feature in hub-info).
 *
 * A request file is written atomically (a temp file, then a rename); the
 * response is awaited with `Deno.watchFs` on the agent's response directory
 * plus a slow poll, since some file systems drop change events.
 *
 * @example Talking to the hub from a sandbox
 * ```ts
 * import { ArcClient, RelayTransport } from "@arc/hub";
 *
 * const transport = new RelayTransport("sandboxed", { spoolDir: ".arc-relay" });
 * await using client = new ArcClient({ agentId: "sandboxed", transport });
 * await client.register();
 * await client.post("general", "hello from the sandbox");
 * ```
 */
export class RelayTransport implements Transport {
  #agentId: string;
  #requests: string;
  #responses: string;
  #timeoutMs: number;
  #pollIntervalMs: number;

  /**
   * Makes a transport; nothing is written until the first request.
   *
   * @param agentId The agent the requests are filed under.
   * @param options The spool directory, the response timeout and the poll interval.
   * @throws {RangeError} When a timeout or interval is not a positive number.
   */
  constructor(agentId: string, options: RelayTransportOptions = {}) {
    this.#agentId = agentId;
    const root = trimSlashes(options.spoolDir ?? DEFAULT_SPOOL_DIR);
    const dir = safeAgentId(agentId);
    this.#requests = `${root}/requests/${dir}`;
    this.#responses = `${root}/responses/${dir}`;
    this.#timeoutMs = timeoutOf(options, DEFAULT_RELAY_TIMEOUT_MS);
    this.#pollIntervalMs = checkTimeout(
      "pollIntervalMs",
      options.pollIntervalMs ?? 500,
    );
  }

  /**
   * Files one request and waits for its response file.
   *
   * @param method The HTTP method.
   * @param path The path and query, starting with `/`.
   * @param options The JSON body, how long to wait and an abort signal.
   * @returns The hub's status and envelope, whether `ok` or not.
   * @throws {ArcError} With status 597 when the request file cannot be
   * written, 598 when no response arrives in time, 500 when the response file
   * is not valid, or the relay's own status (such as 400) for a failure it
   * reports without a hub answer.
   *
   * @example Reading hub info through the relay
   * ```ts
   * import { RelayTransport } from "@arc/hub";
   *
   * const relay = new RelayTransport("me", { timeoutMs: 5_000 });
   * const { envelope } = await relay.request("GET", "/v1/hub-info");
   * console.log(envelope);
   * ```
   */
  async request(
    method: HttpMethod,
    path: string,
    options: RequestOptions = {},
  ): Promise<TransportResponse> {
    const timeoutMs = timeoutOf(options, this.#timeoutMs);
    const deadline = Date.now() + timeoutMs;
    const requestId = crypto.randomUUID().replaceAll("-", "");
    const responsePath = `${this.#responses}/${requestId}.json`;
    options.signal?.throwIfAborted();
    let watcher: Deno.FsWatcher | undefined;
    try {
      await Deno.mkdir(this.#requests, { recursive: true });
      await Deno.mkdir(this.#responses, { recursive: true });
    } catch (error) {
      throw spoolError(error);
    }
    try {
      watcher = Deno.watchFs(this.#responses, { recursive: false });
    } catch {
      watcher = undefined; // the poll still finds the answer
    }
    const wake = new Wake();
    const pump = watch(watcher, wake);
    const onAbort = () => wake.set();
    options.signal?.addEventListener("abort", onAbort);
    let answered = false;
    try {
      await this.#writeRequest(requestId, method, path, options);
      let invalidSince: number | undefined;
      while (true) {
        options.signal?.throwIfAborted();
        const read = await readResponse(responsePath);
        if (read.kind === "found") {
          answered = true;
          await Deno.remove(responsePath).catch(() => {});
          return toResponse(read.value);
        }
        if (read.kind === "invalid") {
          invalidSince ??= Date.now();
          if (Date.now() - invalidSince > 1_000) {
            throw new ArcError("relay produced an invalid response payload", {
              status: 500,
            });
          }
        } else {
          invalidSince = undefined;
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          throw new ArcError(
            `relay timed out waiting for a response to ${method} ${path} after ${timeoutMs} ms`,
            { status: 598 },
          );
        }
        await wake.wait(
          Math.min(
            invalidSince === undefined ? this.#pollIntervalMs : 100,
            remaining,
          ),
        );
      }
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      watcher?.close();
      await pump;
      // Given up on: withdraw the request if no relay has claimed it yet, so
      // it does not run later when nobody waits for its answer.
      if (!answered) {
        await Deno.remove(`${this.#requests}/${requestId}.json`).catch(
          () => {},
        );
      }
    }
  }

  async #writeRequest(
    requestId: string,
    method: HttpMethod,
    path: string,
    options: RequestOptions,
  ): Promise<void> {
    const envelope = {
      request_id: requestId,
      agent_id: this.#agentId,
      method,
      path,
      body: options.body ?? null,
      created_at: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    };
    const target = `${this.#requests}/${requestId}.json`;
    const tmp = `${this.#requests}/.${requestId}.${
      crypto.randomUUID().slice(0, 8)
    }.tmp`;
    try {
      await Deno.writeTextFile(tmp, JSON.stringify(envelope));
      await Deno.rename(tmp, target);
    } catch (error) {
      await Deno.remove(tmp).catch(() => {});
      throw spoolError(error);
    }
  }
}

/** A flag plus a waiter: `set()` wakes the current or the next `wait()`. */
class Wake {
  #set = false;
  #resolve: (() => void) | undefined;

  set(): void {
    this.#set = true;
    this.#resolve?.();
  }

  async wait(ms: number): Promise<void> {
    if (!this.#set) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#resolve = resolve;
        timer = setTimeout(resolve, ms);
      });
      clearTimeout(timer);
      this.#resolve = undefined;
    }
    this.#set = false;
  }
}

async function watch(
  watcher: Deno.FsWatcher | undefined,
  wake: Wake,
): Promise<void> {
  if (!watcher) return;
  try {
    for await (const _event of watcher) wake.set();
  } catch {
    // closed or failed; the poll carries on
  }
}

type Read =
  | { kind: "missing" }
  | { kind: "invalid" }
  | { kind: "found"; value: Record<string, unknown> };

async function readResponse(path: string): Promise<Read> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { kind: "missing" };
    throw new ArcError(`relay response could not be read: ${describe(error)}`, {
      status: 500,
      cause: error,
    });
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return { kind: "found", value: value as Record<string, unknown> };
    }
  } catch {
    // a partial file from a writer that does not rename; look again
  }
  return { kind: "invalid" };
}

function toResponse(payload: Record<string, unknown>): TransportResponse {
  const status = typeof payload["status"] === "number"
    ? payload["status"]
    : 500;
  const body = payload["body"];
  if (isEnvelope(body)) return { status, envelope: body };
  const error = typeof payload["error"] === "string" && payload["error"]
    ? payload["error"]
    : undefined;
  if (body !== undefined && body !== null && payload["ok"] === true) {
    return { status, envelope: { ok: true, result: body } };
  }
  throw new ArcError(
    error ??
      (body === undefined ? "relay transport error" : JSON.stringify(body)),
    { status },
  );
}

function spoolError(error: unknown): ArcError {
  return new ArcError(`relay spool write failed: ${describe(error)}`, {
    status: 597,
    cause: error,
  });
}

function trimSlashes(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, "");
  return trimmed === "" && path !== "" ? "/" : trimmed || ".";
}
