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
  /** The request's id (`ap_...`). */
  id: string;
  /** The agent that asked. */
  agent_id: string;
  /** One line: what the agent wants to do. */
  title: string;
  /** What the operator should know (a host's tool input, as JSON). */
  detail: string;
  /** Labels the operator may pick from besides allow or deny. */
  choices: string[];
  /** Facts about the request, such as a host's tool name and input. */
  metadata: Record<string, unknown>;
  /** `pending` until decided or past `expires_at`. */
  status: "pending" | "allowed" | "denied" | "expired";
  /** When the agent asked. */
  created_at: string;
  /** When a pending request turns expired. */
  expires_at: string;
  /** When it was decided (or expired); null while pending. */
  decided_at: string | null;
  /** Who decided; null while pending or when expired. */
  decided_by: string | null;
  /** The operator's note. */
  note: string | null;
  /** The choice the operator picked, when the request offered some. */
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
