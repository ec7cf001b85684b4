/**
 * How the client reaches a hub. {@linkcode ArcClient} talks to a
 * {@linkcode Transport}; the package ships two, {@linkcode HttpTransport} and
 * {@linkcode RelayTransport}, and a test or an unusual setup can bring its
 * own.
 *
 * @module
 */

import type { Envelope, JsonObject } from "./types.ts";

/**
 * The HTTP methods the protocol uses.
 *
 * @example A method
 * ```ts
 * import type { HttpMethod } from "@arc/hub";
 *
 * const method: HttpMethod = "GET";
 * ```
 */
export type HttpMethod = "GET" | "POST" | "DELETE";

/**
 * Per-request options of {@linkcode Transport.request}.
 *
 * @example Options for a long-poll
 * ```ts
 * import type { RequestOptions } from "@arc/hub";
 *
 * const options: RequestOptions = { timeoutMs: 35_000 };
 * ```
 */
export interface RequestOptions {
  /** The JSON body of a `POST`. */
  body?: JsonObject;
  /** How long to wait for the answer; the transport's own default when absent. */
  timeoutMs?: number;
  /** Stops waiting; the call then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * The agent's session secret, for hubs with strict identity
   * (`arcdeno:identity`). HTTP sends it as `X-Arcdeno-Secret`; the relay
   * ignores it, because the spool directory is the credential there.
   */
  secret?: string;
}

/**
 * The hub's answer to one request, as a transport hands it back.
 *
 * @example Reading an answer
 * ```ts
 * import type { TransportResponse } from "@arc/hub";
 *
 * const failed = (r: TransportResponse) => !r.envelope.ok;
 * ```
 */
export interface TransportResponse {
  /** The HTTP status the hub answered with. */
  status: number;
  /** The hub's JSON envelope. */
  envelope: Envelope;
}

/**
 * An open server-sent event stream, as returned by
 * {@linkcode Transport.openStream}.
 *
 * @example Reading the raw stream
 * ```ts
 * import type { EventStream } from "@arc/hub";
 *
 * async function firstChunk(stream: EventStream) {
 *   const reader = stream.body.getReader();
 *   const { value } = await reader.read();
 *   await reader.cancel();
 *   return new TextDecoder().decode(value);
 * }
 * ```
 */
export interface EventStream {
  /** The hub's `X-Arc-Instance` header, when it sent one. */
  instanceId: string | null;
  /** The `text/event-stream` body. */
  body: ReadableStream<Uint8Array>;
}

/**
 * A way to send protocol requests to a hub.
 *
 * @example A transport that logs every request
 * ```ts
 * import { ArcClient, HttpTransport, type Transport } from "@arc/hub";
 *
 * const http = new HttpTransport({ baseUrl: "http://127.0.0.1:6969" });
 * const logged: Transport = {
 *   request(method, path, options) {
 *     console.log(method, path);
 *     return http.request(method, path, options);
 *   },
 * };
 * const client = new ArcClient({ agentId: "logger", transport: logged });
 * ```
 */
export interface Transport {
  /**
   * Sends one request and returns the hub's envelope, whether `ok` or not.
   *
   * @param method The HTTP method.
   * @param path The path and query, starting with `/v1/`.
   * @param options The body, a timeout and an abort signal.
   * @returns The status and the envelope.
   * @throws {ArcError} When the request could not be delivered or answered.
   */
  request(
    method: HttpMethod,
    path: string,
    options?: RequestOptions,
  ): Promise<TransportResponse>;

  /**
   * Opens `GET /v1/stream`. Transports that cannot stream leave this out and
   * the client falls back to long-polling.
   *
   * @param path The path and query, starting with `/v1/stream`.
   * @param options The signal that closes the stream, and the agent's
   * session secret for hubs with strict identity.
   * @returns The open stream.
   * @throws {ArcError} When the stream could not be opened.
   */
  openStream?(
    path: string,
    options: { signal: AbortSignal; secret?: string },
  ): Promise<EventStream>;
}
