/**
 * Claims and locks are both leases: a row keyed by one column, held by an
 * owner until it expires or is released. Both backends run the same rules
 * over either table through these descriptors.
 *
 * @module
 */

import { toClaim, toLock } from "./rows.ts";
import type { Claim, Lock } from "./types.ts";

/** What claims and locks have in common. */
export type LeaseRow = (Claim | Lock) & Record<string, unknown>;

/** How one lease table is laid out. */
export interface LeaseTable<T> {
  table: "claims" | "locks";
  /** The advisory-lock kind that serialises acquisitions of one key. */
  kind: "claim" | "lock";
  key: "claim_key" | "file_path";
  owner: "owner_agent_id" | "agent_id";
  since: "claimed_at" | "locked_at";
  map: (row: Record<string, unknown>) => T;
}

/** The `claims` table. */
export const CLAIMS: LeaseTable<Claim & LeaseRow> = {
  table: "claims",
  kind: "claim",
  key: "claim_key",
  owner: "owner_agent_id",
  since: "claimed_at",
  map: (row) => toClaim(row) as Claim & LeaseRow,
};

/** The `locks` table. */
export const LOCKS: LeaseTable<Lock & LeaseRow> = {
  table: "locks",
  kind: "lock",
  key: "file_path",
  owner: "agent_id",
  since: "locked_at",
  map: (row) => toLock(row) as Lock & LeaseRow,
};
