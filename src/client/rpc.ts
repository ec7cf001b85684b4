/**
 * Agent-to-agent calls beyond "request, then result": outcomes, progress and
 * cancellation, carried in vendor metadata (`metadata.arcdeno`) of ordinary
 * v1 messages, so every hub stores them and clients that do not know them
 * see plain messages.
 *
 * - a result that is not a success: a `task_result` replying to the request
 *   with `metadata.arcdeno.outcome` `"failed"`, `"rejected"` or `"cancelled"`
 *   and `metadata.arcdeno.reason`;
 * - progress: a `notice` replying to the request with
 *   `metadata.arcdeno.rpc` `"progress"`;
 * - cancellation: a direct `notice` to the callee replying to the request
 *   with `metadata.arcdeno.rpc` `"cancel"` and `metadata.arcdeno.reason`.
 *
 * @module
 */

import { ArcError } from "./errors.ts";
import type { JsonObject, Message } from "./types.ts";

/**
 * How a call ended without an answer: the callee `failed` or `rejected` it,
 * it was `cancelled`, or the callee's session ended (`callee_gone`).
 *
 * @example Telling a refusal from a failure
 * ```ts
 * import type { RpcOutcome } from "@arc/hub";
 *
 * const outcome: RpcOutcome = "rejected";
 * ```
 */
export type RpcOutcome = "failed" | "rejected" | "cancelled" | "callee_gone";

/**
 * Options for {@linkcode RpcError}.
 *
 * @example Building an error by hand
 * ```ts
 * import { RpcError, type RpcErrorOptions } from "@arc/hub";
 *
 * const options: RpcErrorOptions = { outcome: "rejected", reason: "busy", requestId: 12 };
 * const error = new RpcError("linter rejected request 12: busy", options);
 * ```
 */
export interface RpcErrorOptions {
  /** How the call ended. */
  outcome: RpcOutcome;
  /** The callee's reason, or a description of what happened. */
  reason: string;
  /** The id of the `task_request`. */
  requestId: number;
  /** The callee's `task_result`, when there was one. */
  result?: Message;
}

/**
 * Thrown by {@linkcode ArcClient.call} when the callee answered with a
 * failure or refusal, or its session ended while the call was open. Its
 * `status` is 502 (an upstream agent did not deliver).
 *
 * @example Reacting to a refusal
 * ```ts
 * import { ArcClient, RpcError } from "@arc/hub";
 *
 * await using client = await ArcClient.quickstart({ agentId: "lead" });
 * try {
 *   await client.call("linter", "lint src/", { timeoutMs: 5_000 });
 * } catch (error) {
 *   if (error instanceof RpcError && error.outcome === "rejected") {
 *     console.log(`refused: ${error.reason}`);
 *   }
 * }
 * ```
 */
export class RpcError extends ArcError {
  /** Always `"RpcError"`. */
  override name = "RpcError";
  /** How the call ended. */
  readonly outcome: RpcOutcome;
  /** The callee's reason. */
  readonly reason: string;
  /** The id of the request. */
  readonly requestId: number;
  /** The callee's `task_result`, when there was one. */
  readonly result: Message | undefined;

  /**
   * Makes an error.
   *
   * @param message A description of the failure.
   * @param options The outcome, reason, request id and result.
   */
  constructor(message: string, options: RpcErrorOptions) {
    super(message, { status: 502 });
    this.outcome = options.outcome;
    this.reason = options.reason;
    this.requestId = options.requestId;
    this.result = options.result;
  }
}

/** What a handler given to {@linkcode ArcClient.handle} receives besides the request. */
export interface HandlerContext {
  /** Aborted when the caller cancels the request. */
  signal: AbortSignal;
  /** Posts a progress update the caller sees as it comes. */
  progress(body: string, metadata?: JsonObject): Promise<Message>;
}

/** What a handler returns: the answer's text, or its text with attachments and metadata. */
export type HandlerResult =
  | string
  | {
    body: string;
    attachments?: Message["attachments"];
    metadata?: JsonObject;
  };

/** `metadata.arcdeno` of a message, if it is an object. */
export function vendorOf(message: Message): JsonObject | undefined {
  const v = message.metadata?.["arcdeno"];
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? v as JsonObject
    : undefined;
}

/** The non-success outcome a result carries, if any. */
export function outcomeOf(
  result: Message,
): { outcome: RpcOutcome; reason: string } | undefined {
  const vendor = vendorOf(result);
  const outcome = vendor?.["outcome"];
  if (
    outcome !== "failed" && outcome !== "rejected" && outcome !== "cancelled"
  ) return undefined;
  const reason = typeof vendor?.["reason"] === "string"
    ? vendor["reason"] as string
    : result.body;
  return { outcome, reason };
}

/** Whether a message is a progress update on `requestId`. */
export function isProgress(message: Message, requestId: number): boolean {
  return message.kind === "notice" && message.reply_to === requestId &&
    vendorOf(message)?.["rpc"] === "progress";
}

/** Whether a message cancels `requestId`. */
export function isCancel(message: Message, requestId: number): boolean {
  return message.kind === "notice" && message.reply_to === requestId &&
    vendorOf(message)?.["rpc"] === "cancel";
}

/** Metadata with `arcdeno` fields merged in. */
export function withVendor(
  metadata: JsonObject | undefined,
  fields: JsonObject,
): JsonObject {
  const base = metadata ?? {};
  const vendor = base["arcdeno"];
  return {
    ...base,
    arcdeno: {
      ...(typeof vendor === "object" && vendor !== null ? vendor : {}),
      ...fields,
    },
  };
}
