/**
 * The one place where errors become HTTP responses: each hub error class
 * maps to its status and the `{ok: false, error}` envelope, with the headers
 * that go with it. Anything else is a bug: it is logged and answered with a
 * plain 500.
 *
 * @module
 */

import {
  ConflictError,
  ForbiddenError,
  IdExhaustedError,
  NotFoundError,
  RateLimitedError,
  StorageUnavailableError,
  UnauthorizedError,
  ValidationError,
} from "../errors.ts";

/** The status each named error is answered with. */
const STATUS_OF: ReadonlyArray<
  readonly [new (...args: never[]) => Error, number]
> = [
  [ValidationError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [RateLimitedError, 429],
  [IdExhaustedError, 500],
  [StorageUnavailableError, 503],
];

/** Options for {@linkcode respondToError}. */
export interface RespondToErrorOptions {
  /** The hub's instance id, sent as `X-Arc-Instance`. */
  instanceId: string;
  /** Where unexpected errors are logged. */
  log: (line: string) => void;
}

/**
 * Turns an error thrown while serving `request` (or a `NotFoundError` for a
 * route that does not exist) into the error envelope: 401 carries
 * `www-authenticate`, 429 `retry-after` (and `arcdeno.retry_after_sec`),
 * every answer `X-Arc-Instance`.
 */
export function respondToError(
  error: unknown,
  request: Request,
  options: RespondToErrorOptions,
): Response {
  const message = error instanceof Error ? error.message : String(error);
  const status = STATUS_OF.find(([type]) => error instanceof type)?.[1];
  const headers = new Headers({ "X-Arc-Instance": options.instanceId });
  if (status === 401) headers.set("www-authenticate", 'Bearer realm="arc"');
  if (error instanceof RateLimitedError) {
    headers.set("retry-after", String(error.retryAfterSec));
    return errorResponse(status!, message, {
      headers,
      vendor: { retry_after_sec: error.retryAfterSec },
    });
  }
  if (status !== undefined) return errorResponse(status, message, { headers });
  // JSON nested too deep to walk, or a string too long to build.
  if (error instanceof RangeError) {
    return errorResponse(400, `request could not be processed: ${message}`, {
      headers,
    });
  }
  options.log(
    `unexpected error on ${request.method} ${new URL(request.url).pathname}: ${
      (error as Error)?.stack ?? error
    }`,
  );
  return errorResponse(500, "internal error", { headers });
}

/** The error envelope as a JSON response; `vendor` goes under the envelope's `arcdeno` key. */
export function errorResponse(
  status: number,
  message: string,
  init: { headers?: Headers; vendor?: Record<string, unknown> } = {},
): Response {
  return Response.json(
    init.vendor
      ? { ok: false, error: message, arcdeno: init.vendor }
      : { ok: false, error: message },
    init.headers ? { status, headers: init.headers } : { status },
  );
}
