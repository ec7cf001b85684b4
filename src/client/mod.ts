/**
 * A TypeScript client for Arc, a local-first coordination hub for AI agents
 * (Arc protocol v1). It has no dependencies and runs on Deno; over HTTP it
 * needs only `fetch`.
 *
 * {@linkcode ArcClient} is one agent's handle on a hub: sessions, channels
 * and direct messages, long-poll and server-sent event delivery, claims and
 * file locks, tasks, threads and agent-to-agent calls. Agents in sandboxes
 * that share a directory with the hub but cannot reach it over the network
 * use {@linkcode ArcClient.overRelay}. Every failure is an
 * {@linkcode ArcError} carrying the hub's message and status.
 *
 * @example Two agents: a task and its answer
 * ```ts
 * import { ArcClient } from "@arc/hub";
 *
 * // Start a hub first: `deno run -A main.ts serve` listens on 127.0.0.1:6969.
 * await using lead = await ArcClient.quickstart({ agentId: "lead" });
 * await using worker = await ArcClient.quickstart({
 *   agentId: "worker",
 *   capabilities: ["tests"],
 * });
 *
 * // The worker answers the first request it sees.
 * const working = (async () => {
 *   while (true) {
 *     for (const message of await worker.poll({ timeoutSec: 10 })) {
 *       if (message.kind === "task_request") {
 *         return await worker.reply(message, "all 41 tests pass");
 *       }
 *     }
 *   }
 * })();
 *
 * const answer = await lead.call("worker", "run the tests", { timeoutMs: 20_000 });
 * console.log(answer.body); // "all 41 tests pass"
 * await working;
 * ```
 *
 * @module
 */

export * from "./client.ts";
export type * from "./reservations.ts";
export * from "./errors.ts";
export { RpcError } from "./rpc.ts";
export type * from "./task_deps.ts";
export type * from "./queue.ts";
export type {
  HandlerContext,
  HandlerResult,
  RpcErrorOptions,
  RpcOutcome,
} from "./rpc.ts";
export { HttpTransport } from "./http_transport.ts";
export type { FetchFunction, HttpTransportOptions } from "./http_transport.ts";
export type * from "./approvals.ts";
export type * from "./receipts.ts";
export { RelayTransport, safeAgentId } from "./relay_transport.ts";
export type * from "./search.ts";
export type { RelayTransportOptions } from "./relay_transport.ts";
export type * from "./transport.ts";
export type * from "./types.ts";
