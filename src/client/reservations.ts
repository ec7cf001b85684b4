/**
 * Types of the file-reservation extension (`arcdeno:reservations`): lock
 * modes, fence numbers and the answer of the fence check.
 *
 * @module
 */

/**
 * How a reservation shares its paths: several `shared` holders may hold
 * overlapping patterns at once; an `exclusive` holder stands alone.
 *
 * @example Asking for a shared reservation
 * ```ts
 * import type { LockMode } from "@arc/hub";
 *
 * const mode: LockMode = "shared";
 * ```
 */
export type LockMode = "shared" | "exclusive";

/**
 * The vendor details a hub with reservations adds to a lock row
 * (`lock.arcdeno`). On a denial it also names the holder in the way.
 *
 * @example Reading the fence of a grant
 * ```ts
 * import type { LockDetails } from "@arc/hub";
 *
 * const fenceOf = (d: LockDetails | undefined) => d?.fence ?? 0;
 * ```
 */
export interface LockDetails {
  /** The grant's mode. */
  mode?: LockMode;
  /** The grant's fence number: larger for every newer overlapping grant; 0 when unknown. */
  fence?: number;
  /** On a denial: the agent holding the conflicting reservation. */
  holder?: string;
  /** On a denial: the pattern that agent holds. */
  pattern?: string;
  /** On a denial: seconds left on that holder's lease. */
  expires_in_sec?: number;
  /** On a denial: a sentence naming holder, pattern and time left. */
  reason?: string;
}

/**
 * One live reservation as the fence check reports it.
 *
 * @example Formatting a holder
 * ```ts
 * import type { ReservationHolder } from "@arc/hub";
 *
 * const text = (h: ReservationHolder) => `${h.agent_id} holds ${h.pattern}`;
 * ```
 */
export interface ReservationHolder {
  /** The holder. */
  agent_id: string;
  /** The pattern (or path) it holds. */
  pattern: string;
  /** Its mode. */
  mode: LockMode;
  /** Its fence number. */
  fence: number;
  /** When its lease runs out. */
  expires_at: string;
  /** Seconds left on its lease. */
  expires_in_sec: number;
}

/**
 * The verdict on one path of {@linkcode FenceCheck}.
 *
 * @example Listing refused paths
 * ```ts
 * import type { PathVerdict } from "@arc/hub";
 *
 * const refused = (v: PathVerdict[]) => v.filter((p) => !p.allowed);
 * ```
 */
export interface PathVerdict {
  /** The path asked about. */
  path: string;
  /** Whether the agent may write it: it holds a live reservation covering it, nobody else's stands in the way, and the fence (if given) is current. */
  allowed: boolean;
  /** Why, in one sentence. */
  reason: string;
  /** The agent's own live reservations covering the path. */
  held: ReservationHolder[];
  /** Other agents' live reservations in the way of writing the path. */
  blocked_by: ReservationHolder[];
}

/**
 * The answer of {@linkcode ArcClient.checkFence}.
 *
 * @example Failing on the first refused path
 * ```ts
 * import type { FenceCheck } from "@arc/hub";
 *
 * const firstRefusal = (c: FenceCheck) => c.paths.find((p) => !p.allowed)?.reason;
 * ```
 */
export interface FenceCheck {
  /** The agent asked about. */
  agent_id: string;
  /** The fence given, if any. */
  fence?: number;
  /** True when every path is allowed. */
  allowed: boolean;
  /** One verdict per path, in order. */
  paths: PathVerdict[];
}

/**
 * Options for {@linkcode ArcClient.checkFence}.
 *
 * @example Checking with the fence of a grant
 * ```ts
 * import type { CheckFenceOptions } from "@arc/hub";
 *
 * const options: CheckFenceOptions = { fence: 42 };
 * ```
 */
export interface CheckFenceOptions {
  /** The fence number the agent's grant carried; a newer grant makes it stale. */
  fence?: number;
  /**
   * Ask about this agent instead of the client's own.
   *
   * @default {the client's agent id}
   */
  agentId?: string;
}
