/**
 * Units of work: how a hub rule runs as one transaction on either backend.
 *
 * A rule is a generator function in `src/hub/units/`. It asks the store for
 * facts and writes through small primitives ({@linkcode TxOps}), each one
 * statement or two of SQL, by yielding a {@linkcode Step} (`yield* tx.task(7)`
 * reads as a call and is typed like one). The rule decides; the backend only
 * runs SQL:
 *
 * - SQLite drives the generator synchronously inside one `BEGIN IMMEDIATE`,
 *   with no `await` anywhere, so two units never interleave on the one
 *   connection ({@linkcode driveSync});
 * - PostgreSQL drives it asynchronously inside one transaction on a reserved
 *   connection, retrying the whole unit on a deadlock or serialisation
 *   failure; steps that return nothing are pipelined, not awaited one by one
 *   ({@linkcode driveAsync}).
 *
 * Rules follow two orderings that keep PostgreSQL's guarantees: take the
 * {@linkcode TxOps.serialize} scope first, and insert messages last (the
 * message lock is held from the insert to commit, so no other work may
 * follow it).
 *
 * @module
 */

import type {
  Approval,
  ApprovalDecision,
  ApprovalFilter,
} from "./approvals.ts";
import type { DataCounts, ExportTable, RowRecord } from "./export_format.ts";
import type { SecretEntry, SessionOwner } from "./identity.ts";
import type {
  AckWait,
  Receipt,
  TrackedMessage,
  UnackedFilter,
} from "./receipts.ts";
import type { Holder, ReserveWrite } from "./reserve.ts";
import type {
  QueueCandidate,
  QueueExpiry,
  QueueHandout,
  QueueHolder,
} from "./queue.ts";
import type {
  Claim,
  JsonObject,
  Lock,
  Message,
  NewClaim,
  NewMessage,
  Session,
  Task,
  ThreadRows,
} from "./types.ts";

/** What one serialisation scope guards (PostgreSQL advisory locks; SQLite's `BEGIN IMMEDIATE` already serialises everything). */
export type Scope =
  | "reserve"
  | "session"
  | "claim"
  | "lock"
  | "recovery"
  | "task_deps_insert"
  | "task_deps_edit"
  | "queue"
  | "retention";

/** A message to insert, with its task row when its kind creates a task. */
export interface NewRow {
  input: NewMessage;
  ts: string;
  /** The task row to create with the message (kinds `task`, `task_request`). */
  task: { parent: number | null } | null;
}

/** The three places a thread's channel can come from, for the rule in `src/hub/units/threads.ts`. */
export interface ThreadChannelFacts {
  /** Channel of the thread's first root task. */
  rootTask: string | null;
  /** Channel of the thread's first message. */
  message: string | null;
  /** Channel of the thread's first task. */
  task: string | null;
}

/** A task's message, as far as the assignee rule needs it. */
export interface TaskMessage {
  to_agent: string | null;
  metadata: JsonObject;
}

/** Clock and serialisation. */
export interface BaseOps {
  /** The store's clock, in ms since the epoch. */
  now(): number;
  /** Serialises units on one scope (and key) until commit. */
  serialize(scope: Scope, key?: string): void;
}

/** Sessions. */
export interface SessionOps {
  /** The agent's newest active session. */
  activeSession(agentId: string): Session | null;
  /** Marks every active session of the agent inactive. */
  deactivateSessions(agentId: string): void;
  insertSession(session: Session): void;
  /** Whether any active session was last seen before `cutoff`. */
  hasStaleSessions(cutoff: string): boolean;
  /** Marks active sessions last seen before `cutoff` inactive and returns them, by agent and creation time; each to one caller only. */
  expireSessions(cutoff: string): Session[];
  /**
   * Marks the agent's active sessions as seen at `at`. A session already
   * seen at `at` is left alone: timestamps are whole seconds, so most writes
   * of a busy agent change nothing (no page to commit, no row version).
   */
  touchAgent(agentId: string, at: string): void;
}

/** Claims, and the release of a vanished agent's locks. */
export interface LeaseOps {
  /** The claim under `key`, locked for this unit. */
  claim(key: string): Claim | null;
  /** Sets a claim's expiry; returns the row. */
  extendClaim(key: string, expiresAt: string): Claim;
  /** Sets a claim's `released_at`; returns the row. */
  releaseClaim(key: string, at: string): Claim;
  /** Writes a claim afresh (insert or overwrite a dead row). */
  writeClaim(input: NewClaim, claimedAt: string, expiresAt: string): Claim;
  /** Releases the owner's live claims at `at`; returns them by key. */
  releaseClaimsOf(owner: string, at: string): Claim[];
  /** Releases the owner's live locks at `at`; returns them by path. */
  releaseLocksOf(owner: string, at: string): Lock[];
}

/** Messages and tasks. */
export interface MessageOps {
  /** Inserts messages (and their task rows); must be the unit's last step. */
  insertMessages(rows: readonly NewRow[]): Message[];
  /** A message's kind; null when there is no such message. */
  messageKind(id: number): string | null;
  /** A task row, locked for this unit when `forUpdate`. */
  task(taskId: number, forUpdate: boolean): Task | null;
  /** Marks a task done at `at`; returns the row. */
  markTaskDone(taskId: number, at: string): Task;
  /** How many subtasks a task has, and how many of them are open. */
  childCounts(parentId: number): { total: number; open: number };
  /** Where a thread's channel can come from. */
  threadChannelFacts(threadId: string): ThreadChannelFacts;
  /** Every row of a thread. */
  threadRows(threadId: string): ThreadRows;
}

/** Task dependencies (`arcdeno:task_deps`). */
export interface DependencyOps {
  /** Which of `ids` are tasks. */
  existingTasks(ids: readonly number[]): number[];
  /** Every dependency edge, task id to the ids it waits for. */
  dependencyGraph(): Map<number, number[]>;
  /** A task's dependencies with their status (null for a missing task), by id. */
  dependenciesOf(
    taskId: number,
  ): { depends_on: number; status: string | null }[];
  /** Tasks that wait for `taskId`, by id. */
  dependentsOf(taskId: number): number[];
  insertDependencies(taskId: number, deps: readonly number[], at: string): void;
  /** The message that created a task. */
  taskMessage(taskId: number): TaskMessage | null;
  /** Owner of the newest live claim on a task. */
  taskClaimOwner(taskId: number, at: string): string | null;
  /** Open tasks with no open dependency, optionally of one channel, by id. */
  readyTasks(channel: string | undefined): Task[];
}

/** File reservations (`arcdeno:reservations`, `./reserve.ts`). */
export interface ReservationOps {
  /** Every live holder at `now`, by lock time, path and agent. */
  liveHolders(now: string): Holder[];
  /** The agent's grants that are no longer live at `now`. */
  pastHolders(agentId: string, now: string): Holder[];
  /** Holders for listing. */
  listHolders(
    filter: { agentId?: string; activeOnly?: boolean },
    now: string,
  ): Holder[];
  /** The last fence number handed out (0 before the first). */
  lastFence(): number;
  /** Records the last fence number handed out. */
  setLastFence(value: number): void;
  /** Applies one write a reservation rule decided on. */
  writeReservation(write: ReserveWrite): void;
}

/** Session secrets (`arcdeno:identity`, `./identity.ts`). */
export interface IdentityOps {
  /** Records a session's secret hash and drops the agent's older ones. */
  putSecret(entry: SecretEntry): void;
  /** The secret hash recorded for a session; null when it has none. */
  secretHash(sessionId: string): string | null;
  /** The agent a session belongs to and whether it is active; null when unknown. */
  sessionOwner(sessionId: string): SessionOwner | null;
}

/** Export and import (`arcdeno:export`, `./export_format.ts`). */
export interface TransferOps {
  /** The rows of `table` after the key `after`, one page, as records; with the key of the last row. */
  exportPage(
    table: ExportTable,
    after: unknown[],
  ): { records: RowRecord[]; last: unknown[] | null };
  /** How full the store is, for the import's emptiness check. */
  dataCounts(): DataCounts;
  /** Writes one exported row exactly as the record holds it. */
  restoreRow(record: RowRecord): void;
  /** Starts over what is derived from the rows (thread statistics, the search index, the id sequence) after a restore. */
  resetDerived(): void;
}

/** Delivery receipts (`arcdeno:receipts`, `./receipts.ts`). */
export interface ReceiptOps {
  /** Records that the senders of these messages wait for acknowledgements, keeping existing waits. */
  recordWaits(messages: readonly TrackedMessage[]): void;
  /**
   * Records that `agentId` reached a state for each message at `at`: a
   * receipt is created where there is none (delivered then), and the
   * state's time is set where it was not set before.
   */
  recordReceipts(
    agentId: string,
    messages: readonly TrackedMessage[],
    at: string,
    state: "delivered" | "surfaced" | "acked",
  ): void;
  /** Closes a message's wait, unless it was closed before. */
  closeWait(messageId: number, agentId: string, at: string): void;
  /** Receipts of these messages, by message, delivery time and agent. */
  receiptsOf(messageIds: readonly number[]): Receipt[];
  /** Messages whose wait is open, oldest first. */
  openWaits(filter: UnackedFilter): AckWait[];
  /** One message by id. */
  message(id: number): Message | null;
  /** The agent's newest session, active ones first. */
  newestSession(agentId: string): Session | null;
}

/** The work queue and session generations (`arcdeno:work_queue`, `./queue.ts`). */
export interface QueueOps {
  /** Open tasks after `afterId` with every dependency done and no live claim at `now`, oldest first, at most `limit`. */
  queueCandidates(
    afterId: number,
    channel: string | null,
    now: string,
    limit: number,
  ): QueueCandidate[];
  /** Records (or replaces) the handout of a task. */
  recordHandout(handout: QueueHandout): void;
  /** The handout recorded for a task; null when the queue never handed it out. */
  queueHandout(taskId: number): QueueHandout | null;
  /** Whether any handout's claim expired before `now`, not yet announced (a cheap read for the sweep). */
  hasExpiredHandouts(now: string): boolean;
  /** Handouts whose claim expired before `now`, not yet announced, at most `limit`. */
  expiredHandouts(now: string, limit: number): QueueExpiry[];
  /** Records that a handout's expiry was announced. */
  markHandoutNoticed(taskId: number, at: string): void;
  /** Live claims the queue handed out, by task. */
  queueHolders(now: string): QueueHolder[];
  /** The agent's current generation; 0 before its first registration. */
  generation(agentId: string): number;
  /** Records a registration: the agent's generation goes up by one; returns it. */
  bumpGeneration(agentId: string, sessionId: string, at: string): number;
}

/** Approval requests (`arcdeno:approvals`, `./approvals.ts`). */
export interface ApprovalOps {
  insertApproval(approval: Approval): void;
  /** One approval by id; null when unknown. */
  approval(id: string): Approval | null;
  /** Decides a pending approval; null when it is not pending (decided or expired before). */
  decideApproval(id: string, decision: ApprovalDecision): Approval | null;
  /** Whether any pending approval is due at `now` (a cheap read for the sweep). */
  hasExpiredApprovals(now: string): boolean;
  /** Marks pending approvals due at `now` expired and returns them; each to one caller only. */
  expireApprovals(now: string): Approval[];
  /** Approvals, newest first. */
  listApprovals(filter: ApprovalFilter): Approval[];
}

/** What retention needs to know of a thread before pruning it (`src/hub/retention.ts`). */
export interface ThreadAge {
  /** The thread's tasks, and how many of them are open. */
  totalTasks: number;
  openTasks: number;
  /** Its newest message; null when it has none. */
  latestMessageId: number | null;
  latestMessageTs: string | null;
}

/** Retention: pruning old messages after they were written to an export file. */
export interface RetentionOps {
  /** Threads with tasks, none open, whose newest message is older than `cutoff`, by thread id after `afterThread`, at most `limit`. */
  closedThreadsBefore(
    cutoff: string,
    afterThread: string,
    limit: number,
  ): string[];
  /** A thread's task counts and newest message. */
  threadAge(threadId: string): ThreadAge;
  /** Deletes a thread's messages up to id `throughId` with their receipts, waits and index entries; returns how many. */
  deleteThreadMessages(threadId: string, throughId: number): number;
  /** Direct messages outside threads and tasks, older than `cutoff`, that their recipient received (a receipt), by id after `afterId`, at most `limit`. */
  deliveredDirectBefore(
    cutoff: string,
    afterId: number,
    limit: number,
  ): Message[];
  /** Deletes these messages (those older than `cutoff` only) with their receipts, waits and index entries; returns how many. */
  deleteMessagesBefore(ids: readonly number[], cutoff: string): number;
}

/** Every primitive a unit may use. Each backend implements them, SQLite synchronously, PostgreSQL with promises. */
export interface TxOps
  extends
    BaseOps,
    SessionOps,
    LeaseOps,
    MessageOps,
    DependencyOps,
    ReservationOps,
    IdentityOps,
    TransferOps,
    ReceiptOps,
    QueueOps,
    ApprovalOps,
    RetentionOps {}

/** The same primitives, answering with promises. */
export type AsyncTxOps = {
  [K in keyof TxOps]: (
    ...args: Parameters<TxOps[K]>
  ) => Promise<ReturnType<TxOps[K]>>;
};

/** One request a unit makes of its backend. */
export interface Step {
  op: keyof TxOps;
  args: unknown[];
}

/** A running unit: yields steps, receives their results, returns `T`. */
export type Unit<T> = Generator<Step, T, unknown>;

/** What a rule calls: each primitive as a one-step generator, so `yield* tx.op(...)` gives the typed result. */
export type TxCalls = {
  [K in keyof TxOps]: TxOps[K] extends (...args: infer A) => infer R
    ? (...args: A) => Generator<Step, R, unknown>
    : never;
};

// Every primitive's name, checked complete against TxOps by the type.
const OP_NAMES: Record<keyof TxOps, true> = {
  now: true,
  serialize: true,
  activeSession: true,
  deactivateSessions: true,
  insertSession: true,
  hasStaleSessions: true,
  expireSessions: true,
  touchAgent: true,
  claim: true,
  extendClaim: true,
  releaseClaim: true,
  writeClaim: true,
  releaseClaimsOf: true,
  releaseLocksOf: true,
  insertMessages: true,
  messageKind: true,
  task: true,
  markTaskDone: true,
  childCounts: true,
  threadChannelFacts: true,
  threadRows: true,
  existingTasks: true,
  dependencyGraph: true,
  dependenciesOf: true,
  dependentsOf: true,
  insertDependencies: true,
  taskMessage: true,
  taskClaimOwner: true,
  readyTasks: true,
  liveHolders: true,
  pastHolders: true,
  listHolders: true,
  lastFence: true,
  setLastFence: true,
  writeReservation: true,
  putSecret: true,
  secretHash: true,
  sessionOwner: true,
  exportPage: true,
  dataCounts: true,
  restoreRow: true,
  resetDerived: true,
  recordWaits: true,
  recordReceipts: true,
  closeWait: true,
  receiptsOf: true,
  openWaits: true,
  message: true,
  newestSession: true,
  queueCandidates: true,
  recordHandout: true,
  queueHandout: true,
  hasExpiredHandouts: true,
  expiredHandouts: true,
  markHandoutNoticed: true,
  queueHolders: true,
  generation: true,
  bumpGeneration: true,
  insertApproval: true,
  approval: true,
  decideApproval: true,
  hasExpiredApprovals: true,
  expireApprovals: true,
  listApprovals: true,
  closedThreadsBefore: true,
  threadAge: true,
  deleteThreadMessages: true,
  deliveredDirectBefore: true,
  deleteMessagesBefore: true,
};

function* step(op: keyof TxOps, args: unknown[]): Generator<Step, unknown> {
  return yield { op, args };
}

/** The primitives as rules call them. */
export const tx: TxCalls = Object.fromEntries(
  Object.keys(OP_NAMES).map((op) => [
    op,
    (...args: unknown[]) => step(op as keyof TxOps, args),
  ]),
) as unknown as TxCalls;

/** The names of the primitives whose result is nothing, which an asynchronous backend may pipeline. */
export const VOID_OPS: ReadonlySet<keyof TxOps> = new Set<keyof TxOps>([
  "serialize",
  "deactivateSessions",
  "insertSession",
  "touchAgent",
  "insertDependencies",
  "setLastFence",
  "writeReservation",
  "putSecret",
  "restoreRow",
  "resetDerived",
  "recordWaits",
  "recordReceipts",
  "closeWait",
  "recordHandout",
  "markHandoutNoticed",
  "insertApproval",
]);

type AnyOp = (...args: unknown[]) => unknown;

/** Runs a unit to its end on synchronous primitives. */
export function driveSync<T>(unit: Unit<T>, ops: TxOps): T {
  let next = unit.next();
  while (!next.done) {
    const { op, args } = next.value;
    let result: unknown;
    try {
      result = (ops[op] as AnyOp).apply(ops, args);
    } catch (error) {
      next = unit.throw(error);
      continue;
    }
    next = unit.next(result);
  }
  return next.value;
}

/**
 * Runs a unit to its end on asynchronous primitives. Steps in
 * {@linkcode VOID_OPS} are sent without waiting for their answer (the
 * connection runs them in order); the first failure among them is thrown
 * into the unit at its next awaited step, or after its end.
 */
export async function driveAsync<T>(
  unit: Unit<T>,
  ops: AsyncTxOps,
): Promise<T> {
  const pending: Promise<unknown>[] = [];
  const settle = async () => {
    const all = pending.splice(0);
    for (const p of all) await p;
  };
  let next = unit.next();
  while (!next.done) {
    const { op, args } = next.value;
    const call = (ops[op] as AnyOp).apply(ops, args) as Promise<unknown>;
    if (VOID_OPS.has(op)) {
      call.catch(() => {}); // observed by settle()
      pending.push(call);
      next = unit.next(undefined);
      continue;
    }
    let result: unknown;
    try {
      result = await call;
      await settle();
    } catch (error) {
      // A pipelined statement that failed first is the real cause.
      let cause = error;
      try {
        await settle();
      } catch (earlier) {
        cause = earlier;
      }
      next = unit.throw(cause);
      continue;
    }
    next = unit.next(result);
  }
  await settle();
  return next.value;
}
