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

import type { JsonObject } from "./types.ts";

/** Where an approval request stands. */
export type ApprovalStatus = "pending" | "allowed" | "denied" | "expired";

/** One approval request and its outcome. */
export interface Approval {
  id: string;
  agent_id: string;
  title: string;
  detail: string;
  /** Labels the operator may pick from besides allow/deny; empty for none. */
  choices: string[];
  /** Facts about the request, such as the host's tool name and input. */
  metadata: JsonObject;
  status: ApprovalStatus;
  created_at: string;
  /** When a pending request turns expired. */
  expires_at: string;
  decided_at: string | null;
  decided_by: string | null;
  note: string | null;
  /** The choice the operator picked, when the request offered some. */
  choice: string | null;
}

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

/** The row an approval is written as, in column order. */
export function approvalParams(a: Approval): (string | null)[] {
  return [
    a.id,
    a.agent_id,
    a.title,
    a.detail,
    JSON.stringify(a.choices),
    JSON.stringify(a.metadata),
    a.status,
    a.created_at,
    a.expires_at,
    a.decided_at,
    a.decided_by,
    a.note,
    a.choice,
  ];
}

/** The column list matching {@linkcode approvalParams}. */
export const APPROVAL_COLUMNS =
  "id, agent_id, title, detail, choices_json, metadata_json, status, created_at, expires_at, decided_at, decided_by, note, choice";

function text(value: unknown): string | null {
  return value == null ? null : String(value);
}

/** Reads an approval row. */
export function toApproval(row: Record<string, unknown>): Approval {
  return {
    id: String(row["id"]),
    agent_id: String(row["agent_id"]),
    title: String(row["title"]),
    detail: String(row["detail"]),
    choices: JSON.parse(String(row["choices_json"] ?? "[]")),
    metadata: JSON.parse(String(row["metadata_json"] ?? "{}")),
    status: String(row["status"]) as ApprovalStatus,
    created_at: String(row["created_at"]),
    expires_at: String(row["expires_at"]),
    decided_at: text(row["decided_at"]),
    decided_by: text(row["decided_by"]),
    note: text(row["note"]),
    choice: text(row["choice"]),
  };
}
