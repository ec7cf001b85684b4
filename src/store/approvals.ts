/**
 * The storage contract of approvals (vendor extension `arcdeno:approvals`):
 * one vendor table, `arcdeno_approvals`, in both backends, holding every
 * request an agent made of the operator with its outcome (pending,
 * allowed, denied, expired), who decided and when. The rules are units in
 * `src/hub/units/approvals.ts`; the store records what it is told and
 * decides a request at most once (a guarded update).
 *
 * @module
 */

import type { Approval as WireApproval } from "../client/approvals.ts";
import { rowFormat } from "./rows.ts";

/** Where an approval request stands. */
export type ApprovalStatus = WireApproval["status"];

/** One approval request and its outcome, as stored (the wire's row without the time waited). */
export type Approval = Omit<WireApproval, "waited_sec">;

/** The outcome a decision writes. */
export interface ApprovalDecision {
  status: "allowed" | "denied";
  at: string;
  by: string;
  note: string | null;
  choice: string | null;
}

/** Filters for listing approvals. */
export interface ApprovalFilter {
  /** A pending request due at `now` counts as expired. */
  status?: ApprovalStatus;
  now: string;
  agentId?: string;
  /** Most rows, newest first. */
  limit: number;
}

const COLUMNS = (t: string) =>
  `(
    id ${t} PRIMARY KEY,
    agent_id ${t} NOT NULL,
    title ${t} NOT NULL,
    detail ${t} NOT NULL,
    choices_json ${t} NOT NULL,
    metadata_json ${t} NOT NULL,
    status ${t} NOT NULL,
    created_at ${t} NOT NULL,
    expires_at ${t} NOT NULL,
    decided_at ${t},
    decided_by ${t},
    note ${t},
    choice ${t}
  )`;

/** The approvals table for SQLite (idempotent statements). */
export const SQLITE_APPROVAL_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS arcdeno_approvals ${COLUMNS("TEXT")}`,
  `CREATE INDEX IF NOT EXISTS arcdeno_ap_status
    ON arcdeno_approvals(status, created_at)`,
];

/** The approvals table for PostgreSQL (one migration's statements). */
export const POSTGRES_APPROVAL_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS arcdeno_approvals ${COLUMNS(`text COLLATE "C"`)}`,
  `CREATE INDEX IF NOT EXISTS arcdeno_ap_status
    ON arcdeno_approvals (status, created_at)`,
];

/** An approval row, read and written. */
export const APPROVAL_ROW = rowFormat<Approval>(
  "id agent_id title detail choices[] metadata{} status created_at expires_at decided_at? decided_by? note? choice?",
);
