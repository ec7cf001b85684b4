/**
 * Types of the work queue (the `arcdeno:work_queue` extension): the hub
 * hands the oldest ready task an agent may take to exactly one agent, with
 * a claim on it.
 *
 * @module
 */

import type { Claim, Task } from "./types.ts";

/**
 * Options for {@linkcode ArcClient.nextTask}.
 *
 * @example Only database work in one thread
 * ```ts
 * import type { NextTaskOptions } from "@arc/hub";
 *
 * const options: NextTaskOptions = { capabilities: ["db"], threadId: "migrate" };
 * ```
 */
export interface NextTaskOptions {
  /**
   * What this agent can do, matched against `metadata.arcdeno.requires` of
   * each task. @default the capabilities of the agent's session
   */
  capabilities?: string[];
  /** Only tasks of this channel. */
  channel?: string;
  /** Only tasks of this thread. */
  threadId?: string;
  /** Lease on the task, in seconds. @default 300 */
  ttlSec?: number;
}

/**
 * A task the queue handed to this agent, with the claim it holds on it.
 *
 * @example Keeping the lease alive
 * ```ts
 * import type { QueueHandout } from "@arc/hub";
 *
 * const key = (h: QueueHandout) => h.claim.claim_key; // "task-<id>"
 * ```
 */
export interface QueueHandout {
  /** The task. */
  task: Task;
  /** The claim `task-<id>` this agent now holds. */
  claim: Claim;
}
