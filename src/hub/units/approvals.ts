/**
 * Approval units (`arcdeno:approvals`): an agent asks the operator to allow
 * or deny something; the request stays pending until the operator decides
 * it or its time runs out. A decision is taken exactly once, whichever hub
 * takes it (the store's guarded update), and is told to the requester with
 * a direct notice in the same commit, which wakes its waiters everywhere.
 *
 * @module
 */

import type {
  Approval,
  ApprovalDecision,
  ApprovalFilter,
} from "../../store/approvals.ts";
import type { Message } from "../../store/types.ts";
import { tx, type Unit } from "../../store/unit.ts";
import { toIso } from "../../time.ts";
import { approvalDecidedNotice } from "./notices.ts";

/** What a request carries; the unit adds the times and the status. */
export type NewApproval = Pick<
  Approval,
  "id" | "agent_id" | "title" | "detail" | "choices" | "metadata"
>;

/** Records a pending request that expires after `timeoutSec`. */
export function* createApproval(
  input: NewApproval,
  timeoutSec: number,
): Unit<Approval> {
  const nowMs = yield* tx.now();
  const approval: Approval = {
    ...input,
    status: "pending",
    created_at: toIso(nowMs),
    expires_at: toIso(nowMs + timeoutSec * 1000),
    decided_at: null,
    decided_by: null,
    note: null,
    choice: null,
  };
  yield* tx.insertApproval(approval);
  // Asking is activity: the requester's session stays alive.
  yield* tx.touchAgent(input.agent_id, approval.created_at);
  return approval;
}

/** What a decision did: the row after it, and the notice when this call decided. */
export interface Decided {
  approval: Approval | null;
  /** False when the request was decided or expired before. */
  decided: boolean;
  posted: Message[];
}

/** Decides a pending request once; a second decision finds it decided and changes nothing. */
export function* decideApproval(
  id: string,
  decision: Omit<ApprovalDecision, "at">,
): Unit<Decided> {
  const now = toIso(yield* tx.now());
  yield* tx.expireApprovals(now);
  const row = yield* tx.decideApproval(id, { ...decision, at: now });
  if (!row) {
    return { approval: yield* tx.approval(id), decided: false, posted: [] };
  }
  const posted = yield* tx.insertMessages([
    { input: approvalDecidedNotice(row), ts: now, task: null },
  ]);
  return { approval: row, decided: true, posted };
}

/** Whether any pending request's time ran out (a cheap read for the sweep). */
export function* anyExpiredApproval(): Unit<boolean> {
  return yield* tx.hasExpiredApprovals(toIso(yield* tx.now()));
}

/** Expires requests whose time ran out; returns them. */
export function* expireApprovals(): Unit<Approval[]> {
  return yield* tx.expireApprovals(toIso(yield* tx.now()));
}

/** One request; null when unknown. */
export function* getApproval(id: string): Unit<Approval | null> {
  return yield* tx.approval(id);
}

/** Requests, newest first. */
export function* listApprovals(filter: ApprovalFilter): Unit<Approval[]> {
  return yield* tx.listApprovals(filter);
}
