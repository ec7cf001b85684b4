/**
 * Receipt units (`arcdeno:receipts`): which state an agent reached for a
 * message (delivered, surfaced to the model, acknowledged), each kept at
 * the first time it was reached, and the waits of senders who asked for an
 * acknowledgement. Which messages get receipts is decided in
 * `../receipts.ts`.
 *
 * @module
 */

import type {
  AckWait,
  AgentPresence,
  Receipt,
  TrackedMessage,
  UnackedFilter,
} from "../../store/receipts.ts";
import { tx, type Unit } from "../../store/unit.ts";
import type { Message } from "../../store/types.ts";
import { toIso } from "../../time.ts";

/** Records that the sender waits for an acknowledgement. */
export function* track(message: TrackedMessage): Unit<void> {
  yield* tx.recordWaits([message]);
}

/** Records that these messages reached `agentId` in `state` now (their waits too, for messages another hub posted). */
export function* mark(
  agentId: string,
  messages: readonly TrackedMessage[],
  state: "delivered" | "surfaced",
): Unit<void> {
  if (!messages.length) return;
  const now = toIso(yield* tx.now());
  yield* tx.recordWaits(messages);
  yield* tx.recordReceipts(agentId, messages, now, state);
}

/** Records an acknowledgement; the first one closes the message's wait. Acknowledging twice keeps the first time. */
export function* ack(agentId: string, message: TrackedMessage): Unit<Receipt> {
  const now = toIso(yield* tx.now());
  yield* tx.recordWaits([message]);
  yield* tx.recordReceipts(agentId, [message], now, "acked");
  yield* tx.closeWait(message.id, agentId, now);
  const receipts = yield* tx.receiptsOf([message.id]);
  return receipts.find((r) => r.agent_id === agentId)!;
}

/** Every receipt of these messages, by message, then oldest delivery first. */
export function* receiptsOf(messageIds: readonly number[]): Unit<Receipt[]> {
  return messageIds.length ? yield* tx.receiptsOf(messageIds) : [];
}

/** Tracked messages nobody acknowledged yet, oldest first. */
export function* listUnacked(filter: UnackedFilter): Unit<AckWait[]> {
  return yield* tx.openWaits(filter);
}

/** One message by id. */
export function* getMessage(id: number): Unit<Message | null> {
  return yield* tx.message(id);
}

/** Whether an agent is live (an active session seen within the TTL), expired, or unknown. */
export function* presence(
  agentId: string,
  presenceTtlSec: number,
): Unit<AgentPresence> {
  const cutoff = toIso((yield* tx.now()) - presenceTtlSec * 1000);
  const session = yield* tx.newestSession(agentId);
  if (!session) return "unknown";
  return session.active && session.last_seen >= cutoff ? "live" : "expired";
}
