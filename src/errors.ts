/**
 * The few named errors the hub throws. They carry no HTTP knowledge: the
 * HTTP layer maps each class to a status in one place (`src/http/errors.ts`).
 *
 * @module
 */

/** The base of the named errors below: each takes its class's name. */
class NamedError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that breaks a protocol rule (HTTP 400). */
export class ValidationError extends NamedError {}

/** A named thing that does not exist or is not yours (HTTP 404). */
export class NotFoundError extends NamedError {}

/** A write that collides with live state, e.g. an active session (HTTP 409). */
export class ConflictError extends NamedError {}

/** A request without the credentials this hub requires (HTTP 401). */
export class UnauthorizedError extends NamedError {}

/** A request the hub refuses to serve for this peer (HTTP 403). */
export class ForbiddenError extends NamedError {}

/** The message id space (2^53 - 1) is used up; the hub refuses to mint more (HTTP 500). */
export class IdExhaustedError extends NamedError {}

/** The storage cannot take writes right now: busy, read-only or full (HTTP 503). */
export class StorageUnavailableError extends NamedError {}

/** An agent posts faster than the hub's per-agent rate limit allows (HTTP 429). */
export class RateLimitedError extends NamedError {
  /** Whole seconds until the agent may post again (at least 1). */
  readonly retryAfterSec: number;

  constructor(message: string, retryAfterSec: number) {
    super(message);
    this.retryAfterSec = retryAfterSec;
  }
}
