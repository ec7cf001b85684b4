/**
 * Types of the approvals extension (`arcdeno:approvals`): hubs that list
 * that feature token keep a queue of requests agents make of their human
 * operator, who allows or denies each one from the dashboard.
 *
 * @module
 */

/**
 * One approval request and its outcome, as the hub answers it.
 *
 * @example Was it allowed?
 * ```ts
 * import type { Approval } from "@arc/hub";
 *
 * function allowed(a: Approval): boolean {
 *   return a.status === "allowed";
 * }
 * console.log(allowed({
 *   id: "ap_1", agent_id: "worker", title: "Bash: make deploy", detail: "",
 *   choices: [], metadata: {}, status: "pending",
 *   created_at: "2026-04-14T17:00:00Z", expires_at: "2026-04-14T17:05:00Z",
 *   decided_at: null, decided_by: null, note: null, choice: null, waited_sec: 0,
 * }));
 * ```
 */
export interface Approval {
  id: string;
  /** The agent that asked. */
  agent_id: string;
  title: string;
  detail: string;
  /** Labels the operator may pick from besides allow or deny. */
  choices: string[];
  /** Facts about the request, such as a host's tool name and input. */
  metadata: Record<string, unknown>;
  /** `pending` until decided or past `expires_at`. */
  status: "pending" | "allowed" | "denied" | "expired";
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  decided_by: string | null;
  note: string | null;
  choice: string | null;
  /** Seconds the request waited (so far, while pending). */
  waited_sec: number;
}

/**
 * What {@linkcode ArcClient.requestApproval} asks for.
 *
 * @example A request with choices
 * ```ts
 * import type { ApprovalRequest } from "@arc/hub";
 *
 * const ask: ApprovalRequest = {
 *   detail: "drops the staging database",
 *   choices: ["staging only"],
 *   timeoutSec: 600,
 * };
 * console.log(ask.timeoutSec);
 * ```
 */
export interface ApprovalRequest {
  /** What the operator should know. @default "" */
  detail?: string;
  /** Labels the operator may pick from. @default none */
  choices?: string[];
  /** Seconds until the request expires. @default 300 */
  timeoutSec?: number;
  /** Facts shown with the request. @default {} */
  metadata?: Record<string, unknown>;
}
