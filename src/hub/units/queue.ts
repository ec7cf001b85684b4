/**
 * Work queue units (`arcdeno:work_queue`): handing out the oldest ready task
 * exactly once, announcing a handed-out task whose lease expired, refusing
 * a completion from an agent that lost the task, and session generations.
 *
 * A task is handed out when it is open, every dependency is done, no live
 * claim names it (key `task-<id>` or `task_message_id`), its assignee
 * (`metadata.arcdeno.assignee`, else `to_agent`) is unset or the asking
 * agent, and the agent has every capability in `metadata.arcdeno.requires`.
 * Handing out takes claim `task-<id>` for the agent. Every queue unit
 * serialises on scope `queue` first, so two hubs never hand out one task
 * twice and never announce one expiry twice.
 *
 * @module
 */

import { ConflictError, ValidationError } from "../../errors.ts";
import { SYSTEM_AGENT, VENDOR } from "../../protocol.ts";
import type { QueueCandidate, QueueHolder } from "../../store/queue.ts";
import type {
  Claim,
  JsonObject,
  Message,
  NewMessage,
  NewSession,
  Session,
  Task,
} from "../../store/types.ts";
import { tx, type Unit } from "../../store/unit.ts";
import { toIso } from "../../time.ts";
import { isLive } from "./claims.ts";
import { createSession } from "./sessions.ts";
import { messageAssignee } from "./task_deps.ts";

/** Candidates read per page while looking for a task the agent may take. */
const PAGE = 200;
/** Expiries announced per sweep. */
const EXPIRY_BATCH = 100;

/** What `POST /v1/arcdeno/tasks/next` asks for. */
export interface NextTaskRequest {
  agent_id: string;
  /** The agent's capabilities; null to use those of its active session. */
  capabilities: string[] | null;
  channel: string | null;
  thread_id: string | null;
  ttl_sec: number;
  /** The generation the caller registered as, when it sent one. */
  generation?: number;
}

/** A task handed out, with the claim taken for it. */
export interface Handout {
  task: Task;
  claim: Claim;
}

/** The claim key the queue takes for a task. */
export function queueClaimKey(taskId: number): string {
  return `task-${taskId}`;
}

function vendorOf(metadata: JsonObject): JsonObject {
  const v = metadata[VENDOR];
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? v as JsonObject
    : {};
}

/** The capabilities a task requires (`metadata.arcdeno.requires`, a list or one string). */
export function requiredCapabilities(metadata: JsonObject): unknown[] {
  const r = vendorOf(metadata)["requires"];
  if (r === undefined || r === null) return [];
  return Array.isArray(r) ? r : [r];
}

/** Whether `agentId` with `capabilities` may take the candidate. */
export function mayTake(
  c: QueueCandidate,
  agentId: string,
  capabilities: readonly string[],
): boolean {
  const assignee = messageAssignee(c);
  if (assignee !== null && assignee !== agentId) return false;
  return requiredCapabilities(c.metadata).every((r) =>
    typeof r === "string" && capabilities.includes(r)
  );
}

/** Throws `ConflictError` when `generation` is older than the agent's newest registration. */
export function* requireGeneration(
  agentId: string,
  generation: number | undefined,
): Unit<void> {
  if (generation === undefined) return;
  const current = yield* tx.generation(agentId);
  if (generation < current) {
    throw new ConflictError(
      `stale generation ${generation} for agent ${agentId}: it registered again (generation ${current}); this process must stop acting for it`,
    );
  }
  if (generation > current) {
    throw new ValidationError(
      `unknown generation ${generation} for agent ${agentId} (its newest is ${current})`,
    );
  }
}

/** Registers a session (see `createSession`) and gives the agent its next generation, in one commit. */
export function* registerSession(
  input: NewSession,
  presenceTtlSec: number,
  secretHash?: string,
): Unit<{ session: Session; generation: number }> {
  const session = yield* createSession(input, presenceTtlSec, secretHash);
  const generation = yield* tx.bumpGeneration(
    session.agent_id,
    session.session_id,
    session.created_at,
  );
  return { session, generation };
}

/** Hands the oldest task the agent may take to it, with its claim; null when there is none. */
export function* nextTask(req: NextTaskRequest): Unit<Handout | null> {
  yield* tx.serialize("queue");
  yield* requireGeneration(req.agent_id, req.generation);
  const nowMs = yield* tx.now();
  const now = toIso(nowMs);
  const capabilities = req.capabilities ??
    (yield* tx.activeSession(req.agent_id))?.capabilities ?? [];
  let after = 0;
  while (true) {
    const page = yield* tx.queueCandidates(after, req.channel, now, PAGE);
    for (const c of page) {
      if (req.thread_id !== null && c.task.thread_id !== req.thread_id) {
        continue;
      }
      if (!mayTake(c, req.agent_id, capabilities)) continue;
      const key = queueClaimKey(c.task.task_id);
      // A plain claim on the key may have committed since the page was read.
      yield* tx.serialize("claim", key);
      const existing = yield* tx.claim(key);
      if (existing && isLive(existing, now)) continue;
      const claim = yield* tx.writeClaim(
        {
          claim_key: key,
          thread_id: c.task.thread_id,
          task_message_id: c.task.task_id,
          owner_agent_id: req.agent_id,
          ttl_sec: req.ttl_sec,
          metadata: { [VENDOR]: { queue: true } },
        },
        now,
        toIso(nowMs + req.ttl_sec * 1000),
      );
      yield* tx.recordHandout({
        task_id: c.task.task_id,
        claim_key: key,
        agent_id: req.agent_id,
        claimed_at: claim.claimed_at,
        noticed_at: null,
      });
      yield* tx.touchAgent(req.agent_id, now);
      return { task: c.task, claim };
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!.task.task_id;
  }
  yield* tx.touchAgent(req.agent_id, now);
  return null;
}

/**
 * Refuses (`ConflictError`) the completion of a task the queue handed out
 * when `completer` does not hold its claim: another agent holds it, or the
 * completer is the holder whose lease ran out. Tasks the queue never handed
 * out, and a completion naming nobody while nobody holds the task, keep the
 * v1 behaviour.
 */
export function* checkQueueCompletion(
  taskId: number,
  completer: string | null,
  now: string,
): Unit<void> {
  const handout = yield* tx.queueHandout(taskId);
  if (!handout) return;
  const claim = yield* tx.claim(handout.claim_key);
  const holder = claim && isLive(claim, now) ? claim.owner_agent_id : null;
  if (holder !== null && holder !== completer) {
    throw new ConflictError(
      `task ${taskId} is held by ${holder} through the work queue; ${
        completer === null ? "a completion naming no agent" : completer
      } may not complete it (the holder completes it, naming itself in arcdeno.agent_id)`,
    );
  }
  if (holder === null && completer !== null && completer === handout.agent_id) {
    throw new ConflictError(
      `task ${taskId}: the lease of ${completer} expired and the task went back to the work queue; take it again with POST /v1/arcdeno/tasks/next`,
    );
  }
}

function expiryNotice(
  e: { task_id: number; agent_id: string; expires_at: string },
  channel: string,
  threadId: string | null,
): NewMessage {
  return {
    from_agent: SYSTEM_AGENT,
    to_agent: null,
    channel,
    kind: "notice",
    body:
      `Task ${e.task_id} is back in the work queue: the lease of ${e.agent_id} expired at ${e.expires_at}.`,
    attachments: [],
    reply_to: e.task_id,
    thread_id: threadId,
    metadata: {
      [VENDOR]: {
        queue_expired: {
          task_id: e.task_id,
          agent_id: e.agent_id,
          expired_at: e.expires_at,
        },
      },
    },
  };
}

/** Whether any handed-out task's lease expired unannounced (a cheap read for the sweep). */
export function* anyExpiredHandout(): Unit<boolean> {
  return yield* tx.hasExpiredHandouts(toIso(yield* tx.now()));
}

/** Announces handed-out tasks whose lease expired, once each; returns the notices. */
export function* announceExpiries(): Unit<Message[]> {
  yield* tx.serialize("queue");
  const now = toIso(yield* tx.now());
  const expired = yield* tx.expiredHandouts(now, EXPIRY_BATCH);
  if (!expired.length) return [];
  for (const e of expired) yield* tx.markHandoutNoticed(e.task_id, now);
  return yield* tx.insertMessages(
    expired.map((e) => ({
      input: expiryNotice(e, e.channel, e.thread_id),
      ts: now,
      task: null,
    })),
  );
}

/** Queue depth (tasks ready to hand out, ignoring capabilities and assignees) and who holds what. */
export interface QueueStatus {
  depth: number;
  /** Ready tasks that name an assignee or required capabilities. */
  restricted: number;
  holders: QueueHolder[];
}

/** The queue's state for the dashboard and `GET /v1/arcdeno/queue`. */
export function* queueStatus(channel: string | null): Unit<QueueStatus> {
  const now = toIso(yield* tx.now());
  let depth = 0;
  let restricted = 0;
  let after = 0;
  while (true) {
    const page = yield* tx.queueCandidates(after, channel, now, PAGE);
    depth += page.length;
    restricted += page.filter((c) =>
      messageAssignee(c) !== null || requiredCapabilities(c.metadata).length
    ).length;
    if (page.length < PAGE) {
      break;
    }
    after = page.at(-1)!.task.task_id;
  }
  const holders = (yield* tx.queueHolders(now)).filter((h) =>
    channel === null || h.channel === channel
  );
  return { depth, restricted, holders };
}
