/**
 * Delivery receipts (vendor extension `arcdeno:receipts`): the rules.
 *
 * A message gets receipts when it is a direct message (`to_agent` set) or
 * its metadata says `ack_required` (truthy). Its receipts are per recipient:
 * `delivered` the first time the hub hands it to that agent on any read path
 * (poll with `agent_id`, events, inbox, stream, and the relay, which runs
 * those same routes), `surfaced` when a host hook (`arc hook`) or an MCP
 * tool result put it in front of the agent's model (the agent's own process
 * reports it: the hub cannot see into the model), `acked` when that agent
 * acknowledges it. A receipt's `state` is the furthest of the three. For a direct
 * message the recipient is `to_agent`; for a broadcast every agent but the
 * sender gets a receipt as it is handed the message or acknowledges it.
 *
 * A tracked message waits for an acknowledgement until its recipient (direct
 * message) or any agent (broadcast) acknowledges it; it is overdue once
 * older than `metadata.arcdeno.ack_within_sec`, or
 * {@linkcode DEFAULT_ACK_WITHIN_SEC} when the sender gave none.
 *
 * Who may read: a direct message's receipts only its sender and recipient
 * (others get 403, and never its body); a broadcast's receipts any agent.
 * A sender lists its own waiting messages with their bodies; the operator's
 * hub-wide list (`all=1`, the dashboard) shows who waits on whom and for how
 * long, with bodies of broadcasts only, never of direct messages.
 *
 * Marking delivery is cheap and never fails a read: only rows that need
 * receipts and were not marked recently are written, in one batched
 * transaction per read, and a storage error is logged, not thrown.
 *
 * @module
 */

import { ForbiddenError, NotFoundError, ValidationError } from "../errors.ts";
import type {
  AgentPresence,
  Receipt,
  TrackedMessage,
} from "../store/receipts.ts";
import type { JsonObject, Message, Store } from "../store/types.ts";
import * as units from "./units/receipts.ts";
import { type Clock, systemClock } from "../time.ts";
import { type Query, readFields, toInt, truthy } from "./params.ts";

/** Seconds after which a tracked message without an acknowledgement counts as overdue, unless it says otherwise. */
export const DEFAULT_ACK_WITHIN_SEC = 300;

/** Most message ids one surfaced report may carry. */
export const MAX_SURFACED_IDS = 100;

/** How many recently marked (message, agent) pairs are remembered to skip rewrites. */
const REMEMBER = 20_000;

/** Options for {@linkcode Receipts}. */
export interface ReceiptsOptions {
  /** Seconds of silence after which a session counts as expired. */
  presenceTtlSec: number;
  /** Largest `limit` a listing accepts. */
  maxQueryLimit: number;
  /** Where failed receipt writes are reported. @default nothing */
  log?: (line: string) => void;
  /** Where message ages are read. @default the system clock */
  clock?: Clock;
}

/** The vendor field a post result carries when its recipient is not live. */
export interface RecipientNotice {
  recipient: Exclude<AgentPresence, "live">;
}

/** Whether a message gets receipts. */
export function needsReceipts(m: Message): boolean {
  return m.to_agent !== null || truthy(m.metadata["ack_required"]);
}

/** The sender's deadline for an acknowledgement, from `metadata.arcdeno.ack_within_sec`. */
export function ackWithinSec(m: Message): number | null {
  const vendor = m.metadata["arcdeno"];
  if (typeof vendor !== "object" || vendor === null) return null;
  const raw = (vendor as JsonObject)["ack_within_sec"];
  return typeof raw === "number" && Number.isFinite(raw) && raw > 0
    ? Math.floor(raw)
    : null;
}

function tracked(m: Message): TrackedMessage {
  return {
    id: m.id,
    ts: m.ts,
    from_agent: m.from_agent,
    to_agent: m.to_agent,
    channel: m.channel,
    kind: m.kind,
    ack_within_sec: ackWithinSec(m),
  };
}

/** Receipt rules over one store. */
export class Receipts {
  #store: Store;
  #options: ReceiptsOptions;
  #log: (line: string) => void;
  /** (message, agent) pairs already marked delivered by this process. */
  #marked = new Set<string>();

  constructor(store: Store, options: ReceiptsOptions) {
    this.#store = store;
    this.#options = options;
    this.#log = options.log ?? (() => {});
  }

  /**
   * Records that `agentId` was handed `messages` (any read path). Writes
   * nothing when no row needs a receipt; otherwise one batched write. Never
   * rejects: a failed write is logged and the read goes on.
   */
  async markDelivered(agentId: string, messages: Message[]): Promise<void> {
    const due: TrackedMessage[] = [];
    const keys: string[] = [];
    for (const m of messages) {
      const recipient = m.to_agent === null
        ? m.from_agent !== agentId && truthy(m.metadata["ack_required"])
        : m.to_agent === agentId;
      if (!recipient) continue;
      const key = `${m.id}\u0000${agentId}`;
      if (this.#marked.has(key)) continue;
      due.push(tracked(m));
      keys.push(key);
    }
    if (due.length === 0) return;
    try {
      await this.#store.run(() => units.mark(agentId, due, "delivered"));
      if (this.#marked.size + keys.length > REMEMBER) this.#marked.clear();
      for (const key of keys) this.#marked.add(key);
    } catch (error) {
      this.#log(`recording delivery receipts failed: ${error}`);
    }
  }

  /**
   * After a post: opens the message's wait, and for a direct message tells
   * whether its recipient is unknown or expired (undefined when live or not
   * a direct message). Never rejects: the post is already committed.
   */
  async posted(message: Message): Promise<RecipientNotice | undefined> {
    if (!needsReceipts(message)) return undefined;
    try {
      const t = tracked(message);
      await this.#store.run(() => units.track(t));
      if (message.to_agent === null) return undefined;
      const to = message.to_agent;
      const presence = await this.#store.read(() =>
        units.presence(to, this.#options.presenceTtlSec)
      );
      return presence === "live" ? undefined : { recipient: presence };
    } catch (error) {
      this.#log(`recording a message wait failed: ${error}`);
      return undefined;
    }
  }

  async #message(id: string): Promise<Message> {
    const n = toInt(id, "message id");
    const message = Number.isSafeInteger(n) && n > 0
      ? await this.#store.read(() => units.getMessage(n))
      : null;
    if (!message) throw new NotFoundError(`message not found: ${id}`);
    return message;
  }

  /** `POST /v1/arcdeno/messages/{id}/ack`: the recipient acknowledges a message. */
  async ack(id: string, body: JsonObject): Promise<JsonObject> {
    const f = readFields(body, {
      agent_id: { type: "string", required: true },
    });
    const agentId = f.agent_id;
    if (!agentId) throw new ValidationError("agent_id is required");
    const message = await this.#message(id);
    if (!needsReceipts(message)) {
      throw new ValidationError(
        `message ${message.id} asks for no acknowledgement: only direct messages and messages with metadata.ack_required take one`,
      );
    }
    if (message.to_agent !== null && message.to_agent !== agentId) {
      throw new ForbiddenError(
        "only the recipient may acknowledge a direct message",
      );
    }
    if (message.to_agent === null && message.from_agent === agentId) {
      throw new ValidationError("a sender cannot acknowledge its own message");
    }
    const t = tracked(message);
    const receipt = await this.#store.run(() => units.ack(agentId, t));
    this.#marked.add(`${message.id}\u0000${agentId}`);
    return { message_id: message.id, receipt: describe(receipt) };
  }

  /**
   * `POST /v1/arcdeno/messages/surfaced` with `{agent_id, message_ids}`: the
   * agent's host put these messages in front of its model. Only messages
   * the agent receives with receipts (a direct message to it, a broadcast
   * with `ack_required` from someone else) are recorded; others are skipped,
   * as are unknown ids. Returns the ids recorded.
   */
  async surfaced(body: JsonObject): Promise<JsonObject> {
    const f = readFields(body, {
      agent_id: { type: "string", required: true },
    });
    const agentId = f.agent_id?.trim();
    if (!agentId) throw new ValidationError("agent_id is required");
    const raw = body["message_ids"];
    if (
      !Array.isArray(raw) ||
      !raw.every((v) =>
        typeof v === "number" && Number.isSafeInteger(v) && v > 0
      )
    ) {
      throw new ValidationError(
        "message_ids must be an array of positive integer message ids",
      );
    }
    if (raw.length > MAX_SURFACED_IDS) {
      throw new ValidationError(
        `message_ids holds ${raw.length} ids; at most ${MAX_SURFACED_IDS} per report`,
      );
    }
    const ids = [...new Set(raw as number[])];
    const messages = (await Promise.all(
      ids.map((id) => this.#store.read(() => units.getMessage(id))),
    )).filter((m): m is Message =>
      m !== null && needsReceipts(m) && m.from_agent !== agentId &&
      (m.to_agent === null || m.to_agent === agentId)
    );
    const shown = messages.map(tracked);
    await this.#store.run(() => units.mark(agentId, shown, "surfaced"));
    for (const m of messages) this.#marked.add(`${m.id}\u0000${agentId}`);
    return { agent_id: agentId, surfaced: messages.map((m) => m.id) };
  }

  /** `GET /v1/arcdeno/messages/{id}/receipts?agent_id=`: a message's receipts, for its sender and recipients. */
  async receipts(id: string, query: Query): Promise<JsonObject> {
    const agentId = query.get("agent_id");
    if (!agentId) {
      throw new ValidationError("agent_id query parameter is required");
    }
    const message = await this.#message(id);
    if (
      message.to_agent !== null && agentId !== message.from_agent &&
      agentId !== message.to_agent
    ) {
      throw new ForbiddenError(
        "receipts of a direct message are visible to its sender and recipient only",
      );
    }
    const receipts = needsReceipts(message)
      ? await this.#store.read(() => units.receiptsOf([message.id]))
      : [];
    return {
      message_id: message.id,
      from_agent: message.from_agent,
      to_agent: message.to_agent,
      channel: message.channel,
      tracked: needsReceipts(message),
      acked: message.to_agent === null
        ? receipts.some((r) => r.acked_at !== null)
        : receipts.some((r) =>
          r.agent_id === message.to_agent && r.acked_at !== null
        ),
      receipts: receipts.map(describe),
    };
  }

  /**
   * `GET /v1/arcdeno/unacked?agent_id=` (a sender's own waiting messages,
   * with bodies) or `?all=1` (every waiting message, the operator's view,
   * without direct messages' bodies), oldest first.
   */
  async unacked(query: Query): Promise<JsonObject[]> {
    const agentId = query.get("agent_id");
    const all = query.flag("all");
    if (!agentId && !all) {
      throw new ValidationError(
        "agent_id (the sender's own messages) or all=1 (every message) is required",
      );
    }
    const limit = query.limit(this.#options.maxQueryLimit);
    const filter = all ? { limit } : { fromAgent: agentId!, limit };
    const waits = await this.#store.read(() => units.listUnacked(filter));
    const ids = waits.map((w) => w.message.id);
    const receipts = await this.#store.read(() => units.receiptsOf(ids));
    const byMessage = Map.groupBy(receipts, (r) => r.message_id);
    const now = (this.#options.clock ?? systemClock).now();
    return waits.map(({ message: m, ack_within_sec }) => {
      const age = Math.max(0, Math.floor((now - Date.parse(m.ts)) / 1000));
      const within = ack_within_sec ?? DEFAULT_ACK_WITHIN_SEC;
      const showBody = !all || m.to_agent === null;
      return {
        message_id: m.id,
        ts: m.ts,
        from_agent: m.from_agent,
        to_agent: m.to_agent,
        channel: m.channel,
        kind: m.kind,
        thread_id: m.thread_id,
        ...(showBody ? { body: m.body } : {}),
        age_sec: age,
        ack_within_sec: within,
        overdue: age > within,
        delivered_to: (byMessage.get(m.id) ?? []).map((r) => r.agent_id),
        surfaced_to: (byMessage.get(m.id) ?? []).filter((r) =>
          r.surfaced_at !== null
        ).map((r) => r.agent_id),
      };
    });
  }
}

function describe(r: Receipt): JsonObject {
  return {
    agent_id: r.agent_id,
    state: r.acked_at !== null
      ? "acked"
      : r.surfaced_at !== null
      ? "surfaced"
      : "delivered",
    delivered_at: r.delivered_at,
    surfaced_at: r.surfaced_at,
    acked_at: r.acked_at,
  };
}
