/**
 * The hub's units of work (`src/hub/units/`) bound to one store, for the
 * store contract suites: each call runs the real rule as one transaction of
 * the real backend, as the hub does.
 *
 * @module
 */

import { createSession, recoverExpired } from "../../src/hub/units/sessions.ts";
import { completeTask, postMessage } from "../../src/hub/units/tasks.ts";
import {
  acquireClaim,
  refreshClaim,
  releaseClaim,
} from "../../src/hub/units/claims.ts";
import {
  addDependencies,
  getDependencies,
  listReady,
} from "../../src/hub/units/task_deps.ts";
import { getThread } from "../../src/hub/units/threads.ts";
import { summarizeThreads } from "../../src/hub/threads.ts";
import {
  acquireReservation,
  listReservations,
  refreshReservation,
  releaseAgentReservations,
  releaseReservation,
  reservationSnapshot,
} from "../../src/hub/units/reservations.ts";
import {
  putSecret,
  secretHash,
  sessionOwner,
} from "../../src/hub/units/identity.ts";
import type { SecretEntry } from "../../src/store/identity.ts";
import * as receiptUnits from "../../src/hub/units/receipts.ts";
import * as approvalUnits from "../../src/hub/units/approvals.ts";
import * as queueUnits from "../../src/hub/units/queue.ts";
import * as retentionUnits from "../../src/hub/units/retention.ts";
import type {
  ApprovalDecision,
  ApprovalFilter,
} from "../../src/store/approvals.ts";
import type {
  TrackedMessage,
  UnackedFilter,
} from "../../src/store/receipts.ts";
import { exportRecords, importRecords } from "../../src/hub/export.ts";
import type {
  ExportFilter,
  ExportRecord,
  RowCounts,
} from "../../src/store/export_format.ts";
import { holderToLock, type NewReservation } from "../../src/store/reserve.ts";
import type { PostgresStore } from "../../src/store/postgres/store.ts";
import type { SqliteStore } from "../../src/store/sqlite/store.ts";
import { toIso } from "../../src/time.ts";
import type {
  Acquired,
  Lock,
  NewClaim,
  NewLock,
  NewMessage,
  NewSession,
  Store,
} from "../../src/store/types.ts";

/** The rules of the hub over `store`, one transaction per call. */
export function rules(store: Store) {
  return {
    createSession: (
      input: NewSession,
      presenceTtlSec: number,
      secretHash?: string,
    ) => store.run(() => createSession(input, presenceTtlSec, secretHash)),
    recoverExpired: (presenceTtlSec: number) =>
      store.run(() => recoverExpired(presenceTtlSec)),
    postMessage: (input: NewMessage, parentTaskId: number | null = null) =>
      store.run(() => postMessage(input, parentTaskId)),
    acquireClaim: (input: NewClaim) => store.run(() => acquireClaim(input)),
    refreshClaim: (key: string, owner: string, ttlSec: number) =>
      store.run(() => refreshClaim(key, owner, ttlSec)),
    releaseClaim: (key: string, owner: string) =>
      store.run(() => releaseClaim(key, owner)),
    completeTask: (taskId: number, completer: string | null = null) =>
      store.run(() => completeTask(taskId, completer)),
    addTaskDependencies: (taskId: number, deps: number[]) =>
      store.run(() => addDependencies(taskId, deps)),
    getTaskDependencies: (taskId: number) =>
      store.read(() => getDependencies(taskId)),
    listReadyTasks: (filter: { channel?: string; assignee?: string }) =>
      store.read(() => listReady(filter)),
    listThreads: async () => summarizeThreads(await store.threads.facts()),
    getThread: (threadId: string) => store.read(() => getThread(threadId)),
    /** The rows of an export of `filter`, without its header and end. */
    exportRows: async function* (filter: ExportFilter) {
      for await (const record of exportRecords(store, "test", filter)) {
        if (record.type !== "header" && record.type !== "end") yield record;
      }
    },
    importRecords: (
      records: AsyncIterable<ExportRecord>,
      onProgress?: (counts: RowCounts) => void,
    ) => importRecords(store, records, onProgress),
    queue: {
      next: (agentId: string, ttlSec: number) =>
        store.run(() =>
          queueUnits.nextTask({
            agent_id: agentId,
            capabilities: null,
            channel: null,
            thread_id: null,
            ttl_sec: ttlSec,
          })
        ),
      due: () => store.read(() => queueUnits.anyExpiredHandout()),
      announce: () => store.run(() => queueUnits.announceExpiries()),
    },
    retention: {
      cutoff: (days: number) =>
        store.read(() => retentionUnits.retentionCutoff(days)),
      closedThreads: (cutoff: string) =>
        store.read(() => retentionUnits.closedThreads(cutoff, "", 1000)),
      pruneThread: (threadId: string, cutoff: string, throughId: number) =>
        store.run(() =>
          retentionUnits.pruneThread(threadId, cutoff, throughId)
        ),
      deliveredDirect: (cutoff: string) =>
        store.read(() => retentionUnits.deliveredDirect(cutoff, 0, 1000)),
    },
    receipts: {
      track: (m: TrackedMessage) => store.run(() => receiptUnits.track(m)),
      markDelivered: (agentId: string, ms: TrackedMessage[]) =>
        store.run(() => receiptUnits.mark(agentId, ms, "delivered")),
      markSurfaced: (agentId: string, ms: TrackedMessage[]) =>
        store.run(() => receiptUnits.mark(agentId, ms, "surfaced")),
      ack: (agentId: string, m: TrackedMessage) =>
        store.run(() => receiptUnits.ack(agentId, m)),
      listReceipts: (messageId: number) =>
        store.read(() => receiptUnits.receiptsOf([messageId])),
      receiptsOf: (ids: number[]) =>
        store.read(() => receiptUnits.receiptsOf(ids)),
      listUnacked: (filter: UnackedFilter) =>
        store.read(() => receiptUnits.listUnacked(filter)),
      getMessage: (id: number) => store.read(() => receiptUnits.getMessage(id)),
      presence: (agentId: string, ttlSec: number) =>
        store.read(() => receiptUnits.presence(agentId, ttlSec)),
    },
    approvals: {
      create: (input: approvalUnits.NewApproval, timeoutSec: number) =>
        store.run(() => approvalUnits.createApproval(input, timeoutSec)),
      decide: (id: string, d: Omit<ApprovalDecision, "at">) =>
        store.run(() => approvalUnits.decideApproval(id, d)),
      expire: () => store.run(() => approvalUnits.expireApprovals()),
      due: () => store.read(() => approvalUnits.anyExpiredApproval()),
      get: (id: string) => store.read(() => approvalUnits.getApproval(id)),
      list: (filter: ApprovalFilter) =>
        store.read(() => approvalUnits.listApprovals(filter)),
    },
    identity: {
      putSecret: (entry: SecretEntry) => store.run(() => putSecret(entry)),
      secretHash: (sessionId: string) =>
        store.read(() => secretHash(sessionId)),
      sessionOwner: (sessionId: string) =>
        store.read(() => sessionOwner(sessionId)),
    },
    reservations: {
      acquire: (input: NewReservation) =>
        store.run(() => acquireReservation(input)),
      refresh: (path: string, owner: string, ttlSec: number) =>
        store.run(() => refreshReservation(path, owner, ttlSec)),
      release: (path: string, owner: string) =>
        store.run(() => releaseReservation(path, owner)),
      releaseAgent: (agentId: string) =>
        store.run(() => releaseAgentReservations(agentId)),
      list: (filter: { agentId?: string; activeOnly?: boolean }) =>
        store.read(() => listReservations(filter)),
      snapshot: (agentId: string) =>
        store.read(() => reservationSnapshot(agentId)),
    },
    /** An exclusive reservation of one path: a lock as the protocol knows it. */
    acquireLock: async (input: NewLock): Promise<Acquired<Lock>> => {
      const r = await store.run(() =>
        acquireReservation({ ...input, mode: "exclusive" })
      );
      return { acquired: r.acquired, row: holderToLock(r.holder) };
    },
    refreshLock: async (path: string, owner: string, ttlSec: number) => {
      const h = await store.run(() => refreshReservation(path, owner, ttlSec));
      return h && holderToLock(h);
    },
    releaseLock: async (path: string, owner: string) => {
      const h = await store.run(() => releaseReservation(path, owner));
      return h && holderToLock(h);
    },
  };
}

/**
 * Writes a `locks` row the way a hub without reservations (the reference)
 * does: the row alone, no holder or fence rows.
 */
export async function writePlainLock(
  store: Store,
  input: NewLock,
  nowMs: number,
): Promise<void> {
  const row = [
    input.file_path,
    input.agent_id,
    toIso(nowMs),
    toIso(nowMs + input.ttl_sec * 1000),
    JSON.stringify(input.metadata),
  ];
  if (store.info.backend === "sqlite") {
    (store as SqliteStore).connection.prepare(
      "INSERT INTO locks VALUES (?, ?, ?, ?, NULL, ?)",
    ).run(...row);
  } else {
    await (store as PostgresStore).connection.unsafe(
      `INSERT INTO locks (file_path, agent_id, locked_at, expires_at, released_at, metadata_json)
       VALUES ($1, $2, $3, $4, NULL, $5)`,
      row,
    );
  }
}
