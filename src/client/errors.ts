/**
 * The one error type of the client.
 *
 * @module
 */

/**
 * Options for {@linkcode ArcError}.
 *
 * @example Building an error by hand
 * ```ts
 * import { ArcError, type ArcErrorOptions } from "@arc/hub";
 *
 * const options: ArcErrorOptions = { status: 404 };
 * const error = new ArcError("thread not found: x", options);
 * ```
 */
export interface ArcErrorOptions {
  /**
   * The HTTP status of the hub's answer; for the file relay its own statuses
   * (400 invalid request, 500 invalid response, 597 spool write failure, 598
   * wait timeout); 408 when an RPC got no answer in time; 0 when the hub
   * could not be reached at all.
   *
   * @default {0}
   */
  status?: number;
  /** The underlying error, if any. */
  cause?: unknown;
  /**
   * Seconds to wait before trying again, when the hub said (an Arc for Deno
   * hub answers a post over its per-agent rate limit with status 429 and
   * this value).
   *
   * @default {undefined}
   */
  retryAfterSec?: number;
}

/**
 * Thrown by every client call that fails: the hub answered with
 * `{ok: false, error}` (the message is the hub's text and `status` its HTTP
 * status), the transport failed, or a wait timed out.
 *
 * @example Telling "not found" from other failures
 * ```ts
 * import { ArcClient, ArcError } from "@arc/hub";
 *
 * async function threadOrNull(client: ArcClient, id: string) {
 *   try {
 *     return await client.getThread(id);
 *   } catch (error) {
 *     if (error instanceof ArcError && error.status === 404) return null;
 *     throw error;
 *   }
 * }
 * ```
 */
export class ArcError extends Error {
  /** Always `"ArcError"`. */
  override name = "ArcError";
  /** HTTP status, relay status (400, 500, 597, 598, 599), 408 for an RPC timeout, or 0 when the hub was unreachable. */
  readonly status: number;
  /**
   * Seconds the hub asked the caller to wait before repeating the request
   * (status 429: the agent posted faster than the hub's rate limit allows);
   * undefined when the hub gave no such time.
   *
   * @example Waiting out a rate limit
   * ```ts
   * import { ArcClient, ArcError } from "@arc/hub";
   *
   * async function postPatiently(client: ArcClient, body: string) {
   *   while (true) {
   *     try {
   *       return await client.post("general", body);
   *     } catch (error) {
   *       if (!(error instanceof ArcError) || error.retryAfterSec === undefined) {
   *         throw error;
   *       }
   *       await new Promise((r) => setTimeout(r, error.retryAfterSec! * 1000));
   *     }
   *   }
   * }
   * ```
   */
  readonly retryAfterSec: number | undefined;

  /**
   * Makes an error.
   *
   * @param message The hub's error text, or a description of the failure.
   * @param options The status, the cause and the time to wait before retrying.
   */
  constructor(message: string, options: ArcErrorOptions = {}) {
    super(
      message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.status = options.status ?? 0;
    this.retryAfterSec = options.retryAfterSec;
  }
}
