/**
 * The one place where errors become HTTP responses: each hub error class
 * maps to its status and the `{ok: false, error}` envelope. Anything else is
 * a bug: it is logged and answered with a plain 500.
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

/** Status and message for an error thrown while serving a request. */
export function describeError(
  error: unknown,
): {
  status: number;
  message: string;
  unexpected: boolean;
  /** Set for HTTP 429: seconds until the request may be repeated. */
  retryAfterSec?: number;
} {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RateLimitedError) {
    return {
      status: 429,
      message,
      unexpected: false,
      retryAfterSec: error.retryAfterSec,
    };
  }
  if (error instanceof ValidationError) {
    return { status: 400, message, unexpected: false };
  }
  if (error instanceof NotFoundError) {
    return { status: 404, message, unexpected: false };
  }
  if (error instanceof ConflictError) {
    return { status: 409, message, unexpected: false };
  }
  if (error instanceof UnauthorizedError) {
    return { status: 401, message, unexpected: false };
  }
  if (error instanceof ForbiddenError) {
    return { status: 403, message, unexpected: false };
  }
  if (error instanceof IdExhaustedError) {
    return { status: 500, message, unexpected: false };
  }
  if (error instanceof StorageUnavailableError) {
    return { status: 503, message, unexpected: false };
  }
  // JSON nested too deep to walk, or a string too long to build.
  if (error instanceof RangeError) {
    return {
      status: 400,
      message: `request could not be processed: ${message}`,
      unexpected: false,
    };
  }
  return { status: 500, message: "internal error", unexpected: true };
}

/** The error envelope as a JSON response; `vendor` goes under the envelope's `arcdeno` key. */
export function errorResponse(
  status: number,
  message: string,
  headers: HeadersInit = {},
  vendor?: Record<string, unknown>,
): Response {
  return Response.json(
    vendor
      ? { ok: false, error: message, arcdeno: vendor }
      : { ok: false, error: message },
    { status, headers },
  );
}
