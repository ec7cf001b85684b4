/**
 * Types of the delivery receipts extension (`arcdeno:receipts`): hubs that
 * list that feature token record when each direct message (and each message
 * whose metadata says `ack_required`) was handed to its recipient and when
 * the recipient acknowledged it.
 *
 * @module
 */

/**
 * One recipient's receipt for one message.
 *
 * @example Has the reviewer seen it?
 * ```ts
 * import type { Receipt } from "@arc/hub";
 *
 * const receipt: Receipt = {
 *   agent_id: "reviewer",
 *   state: "delivered",
 *   delivered_at: "2026-04-14T17:00:00Z",
 *   surfaced_at: null,
 *   acked_at: null,
 * };
 * console.log(receipt.state === "acked" ? "seen and confirmed" : "handed over");
 * ```
 */
export interface Receipt {
  /** The recipient. */
  agent_id: string;
  /**
   * `delivered` once the hub handed the message over, `surfaced` once a host
   * hook or an MCP tool result put it in front of the recipient's model,
   * `acked` once the recipient confirmed it.
   */
  state: "delivered" | "surfaced" | "acked";
  /** When the hub first handed the message to the recipient. */
  delivered_at: string;
  /** When the message was first put in front of the recipient's model; null until then (or on hubs before this field). */
  surfaced_at?: string | null;
  /** When the recipient acknowledged it; null until then. */
  acked_at: string | null;
}

/**
 * A message's receipts, as its sender or a recipient may read them.
 *
 * @example Listing who acknowledged
 * ```ts
 * import type { MessageReceipts } from "@arc/hub";
 *
 * function ackedBy(r: MessageReceipts): string[] {
 *   return r.receipts.filter((x) => x.state === "acked").map((x) => x.agent_id);
 * }
 * console.log(ackedBy({
 *   message_id: 7, from_agent: "lead", to_agent: "worker", channel: "direct",
 *   tracked: true, acked: false, receipts: [],
 * }));
 * ```
 */
export interface MessageReceipts {
  /** The message. */
  message_id: number;
  /** Its sender. */
  from_agent: string;
  /** Its recipient for a direct message, else null. */
  to_agent: string | null;
  /** Its channel. */
  channel: string;
  /** Whether the message gets receipts (a direct message, or `ack_required`). */
  tracked: boolean;
  /** Whether the recipient (direct message) or any agent (broadcast) acknowledged it. */
  acked: boolean;
  /** One receipt per recipient handed the message, oldest first. */
  receipts: Receipt[];
}

/**
 * What acknowledging a message returns.
 *
 * @example Reading the time of the acknowledgement
 * ```ts
 * import type { AckResult } from "@arc/hub";
 *
 * const done: AckResult = {
 *   message_id: 7,
 *   receipt: {
 *     agent_id: "worker",
 *     state: "acked",
 *     delivered_at: "2026-04-14T17:00:00Z",
 *     surfaced_at: "2026-04-14T17:00:02Z",
 *     acked_at: "2026-04-14T17:00:05Z",
 *   },
 * };
 * console.log(done.receipt.acked_at);
 * ```
 */
export interface AckResult {
  /** The message acknowledged. */
  message_id: number;
  /** The acknowledging agent's receipt; acknowledging twice keeps the first time. */
  receipt: Receipt;
}

/**
 * One of the caller's messages still waiting for an acknowledgement.
 *
 * @example Reporting overdue requests
 * ```ts
 * import type { UnackedMessage } from "@arc/hub";
 *
 * function overdue(list: UnackedMessage[]): string[] {
 *   return list.filter((m) => m.overdue).map((m) =>
 *     `#${m.message_id} to ${m.to_agent ?? m.channel}, ${m.age_sec} s old`
 *   );
 * }
 * console.log(overdue([]));
 * ```
 */
export interface UnackedMessage {
  /** The message. */
  message_id: number;
  /** When it was posted. */
  ts: string;
  /** Its sender. */
  from_agent: string;
  /** Its recipient for a direct message, else null. */
  to_agent: string | null;
  /** Its channel. */
  channel: string;
  /** Its kind. */
  kind: string;
  /** Its thread. */
  thread_id: string | null;
  /** Its text (absent in the operator's hub-wide list for direct messages). */
  body?: string;
  /** Seconds since it was posted. */
  age_sec: number;
  /** Seconds within which an acknowledgement is expected (`metadata.arcdeno.ack_within_sec`, else the hub's default). */
  ack_within_sec: number;
  /** Whether it is older than `ack_within_sec`. */
  overdue: boolean;
  /** Agents the hub has handed it to so far. */
  delivered_to: string[];
  /** Agents whose model it was put in front of so far (absent on hubs before this field). */
  surfaced_to?: string[];
}

/**
 * What reporting surfaced messages returns.
 *
 * @example Which of the reported ids got a receipt
 * ```ts
 * import type { SurfacedResult } from "@arc/hub";
 *
 * const result: SurfacedResult = { agent_id: "worker", surfaced: [7] };
 * console.log(result.surfaced.includes(7));
 * ```
 */
export interface SurfacedResult {
  /** The reporting agent. */
  agent_id: string;
  /** The ids recorded: those the agent receives with receipts. */
  surfaced: number[];
}

/**
 * Options for {@linkcode ArcClient.unacked}.
 *
 * @example The ten oldest
 * ```ts
 * import type { UnackedOptions } from "@arc/hub";
 *
 * const options: UnackedOptions = { limit: 10 };
 * console.log(options);
 * ```
 */
export interface UnackedOptions {
  /** At most this many, oldest first (the hub clamps it). @default 100 */
  limit?: number;
}
