/**
 * The direct transport: JSON over HTTP with `fetch`.
 *
 * @module
 */

import { describe, parseEnvelope, timeoutOf, untilAborted } from "./_util.ts";
import { ArcError } from "./errors.ts";
import type {
  EventStream,
  HttpMethod,
  RequestOptions,
  Transport,
  TransportResponse,
} from "./transport.ts";

/**
 * A `fetch`-compatible function; the global `fetch` is one.
 *
 * @example Wrapping fetch to count requests
 * ```ts
 * import type { FetchFunction } from "@arc/hub";
 *
 * let count = 0;
 * const counting: FetchFunction = (input, init) => {
 *   count++;
 *   return fetch(input, init);
 * };
 * ```
 */
export type FetchFunction = (
  input: Request | URL | string,
  init?: RequestInit,
) => Promise<Response>;

/** The address a client uses when none is given. */
export const DEFAULT_BASE_URL = "http://127.0.0.1:6969";

/** How long one request may take when no `timeoutMs` is given. */
export const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * Options for {@linkcode HttpTransport}.
 *
 * @example Options for a hub on another port
 * ```ts
 * import type { HttpTransportOptions } from "@arc/hub";
 *
 * const options: HttpTransportOptions = {
 *   baseUrl: "http://127.0.0.1:7000",
 *   timeoutMs: 5_000,
 * };
 * ```
 */
export interface HttpTransportOptions {
  /**
   * The hub's address.
   *
   * @default {"http://127.0.0.1:6969"}
   */
  baseUrl?: string;
  /**
   * How long one request may take, in milliseconds.
   *
   * @default {15000}
   */
  timeoutMs?: number;
  /** A bearer token, sent as `Authorization: Bearer <token>` on every request. */
  token?: string;
  /**
   * The `fetch` to send requests with.
   *
   * @default {globalThis.fetch}
   */
  fetch?: FetchFunction;
}

/**
 * Sends protocol requests straight to a hub over HTTP.
 *
 * @example Asking a hub for its features
 * ```ts
 * import { HttpTransport } from "@arc/hub";
 *
 * const http = new HttpTransport({ baseUrl: "http://127.0.0.1:6969" });
 * const { envelope } = await http.request("GET", "/v1/hub-info");
 * if (envelope.ok) console.log(envelope.result);
 * ```
 */
export class HttpTransport implements Transport {
  #baseUrl: string;
  #timeoutMs: number;
  #token: string | undefined;
  #fetch: FetchFunction;

  /**
   * Makes a transport; nothing is sent until the first request.
   *
   * @param options The address, timeout, token and `fetch`.
   * @throws {TypeError} When `baseUrl` is not an http(s) URL.
   * @throws {RangeError} When `timeoutMs` is not a positive number.
   */
  constructor(options: HttpTransportOptions = {}) {
    const baseUrl = options.baseUrl ?? DEFAULT_BASE_URL;
    if (!/^https?:\/\/[^/]/i.test(baseUrl) || !URL.canParse(baseUrl)) {
      throw new TypeError(
        `Cannot use 'baseUrl' as it is not an http(s) URL: current value is '${baseUrl}'`,
      );
    }
    this.#baseUrl = baseUrl.replace(/\/+$/, "");
    this.#timeoutMs = timeoutOf(options, DEFAULT_TIMEOUT_MS);
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /**
   * The hub's address, without a trailing slash.
   *
   * @returns The base URL.
   */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  /**
   * Sends one request and parses the hub's envelope.
   *
   * @param method The HTTP method.
   * @param path The path and query, starting with `/`.
   * @param options The JSON body, a timeout and an abort signal.
   * @returns The status and the envelope, whether `ok` or not.
   * @throws {ArcError} With status 0 when the hub cannot be reached or the
   * request times out, or with the HTTP status when the answer is not an
   * envelope.
   *
   * @example Listing channels
   * ```ts
   * import { HttpTransport } from "@arc/hub";
   *
   * const http = new HttpTransport();
   * const { status, envelope } = await http.request("GET", "/v1/channels");
   * console.log(status, envelope);
   * ```
   */
  async request(
    method: HttpMethod,
    path: string,
    options: RequestOptions = {},
  ): Promise<TransportResponse> {
    const timeoutMs = timeoutOf(options, this.#timeoutMs);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal
      ? AbortSignal.any([options.signal, timeout])
      : timeout;
    const headers = this.#headers(options.secret);
    const init: RequestInit = { method, headers, signal };
    if (options.body !== undefined) {
      headers.set("content-type", "application/json");
      init.body = JSON.stringify(options.body);
    }
    const url = this.#baseUrl + path;
    let status: number;
    let text: string;
    try {
      const response = await this.#fetch(url, init);
      status = response.status;
      // Guard the body read too: a hub that stalls mid-body must still time out.
      text = await untilAborted(response.text(), signal);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) {
        throw new ArcError(
          `${method} ${path} timed out after ${timeoutMs} ms`,
          { status: 0, cause: error },
        );
      }
      throw new ArcError(
        `could not reach the hub at ${this.#baseUrl}: ${describe(error)}`,
        { status: 0, cause: error },
      );
    }
    return { status, envelope: parseEnvelope(text, status) };
  }

  /**
   * Opens `GET /v1/stream` and returns its body once the hub has answered.
   *
   * @param path The path and query, starting with `/v1/stream`.
   * @param options The signal that closes the stream.
   * @returns The open stream and the hub's instance id.
   * @throws {ArcError} With the hub's status and message when it refuses, or
   * status 0 when it cannot be reached in time.
   *
   * @example Opening a raw stream
   * ```ts
   * import { HttpTransport } from "@arc/hub";
   *
   * const http = new HttpTransport();
   * const controller = new AbortController();
   * const stream = await http.openStream("/v1/stream?agent_id=me", {
   *   signal: controller.signal,
   * });
   * console.log(stream.instanceId);
   * controller.abort();
   * ```
   */
  async openStream(
    path: string,
    options: { signal: AbortSignal; secret?: string },
  ): Promise<EventStream> {
    const connect = new AbortController();
    const timer = setTimeout(
      () => connect.abort(new DOMException("timed out", "TimeoutError")),
      this.#timeoutMs,
    );
    const signal = AbortSignal.any([options.signal, connect.signal]);
    const headers = this.#headers(options.secret);
    headers.set("accept", "text/event-stream");
    let response: Response;
    try {
      response = await this.#fetch(this.#baseUrl + path, { headers, signal });
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      throw new ArcError(
        connect.signal.aborted
          ? `GET ${path} timed out after ${this.#timeoutMs} ms`
          : `could not reach the hub at ${this.#baseUrl}: ${describe(error)}`,
        { status: 0, cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
    const type = response.headers.get("content-type") ?? "";
    if (
      !response.ok || !type.startsWith("text/event-stream") || !response.body
    ) {
      const text = await response.text().catch(() => "");
      const envelope = parseEnvelope(text, response.status);
      throw new ArcError(
        envelope.ok
          ? `GET ${path} did not answer with an event stream`
          : envelope.error,
        { status: response.status },
      );
    }
    return {
      instanceId: response.headers.get("x-arc-instance"),
      body: response.body,
    };
  }

  #headers(secret?: string): Headers {
    const headers = new Headers({ accept: "application/json" });
    if (this.#token) headers.set("authorization", `Bearer ${this.#token}`);
    // The token keeps Authorization; the agent's secret has its own header.
    if (secret) headers.set("x-arcdeno-secret", secret);
    return headers;
  }
}
