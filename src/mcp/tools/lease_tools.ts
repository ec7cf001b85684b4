/**
 * The MCP tools of leases: claims on pieces of work (`arc_claim`,
 * `arc_refresh_claim`, `arc_release_claim`, `arc_list_claims`) and locks on
 * files (`arc_lock`, `arc_refresh_lock`, `arc_unlock`, `arc_list_locks`).
 *
 * @module
 */

import { z } from "zod";
import { defined } from "../../client/_util.ts";
import type {
  ClaimOptions,
  ListClaimsOptions,
  ListLocksOptions,
  LockOptions,
  RefreshOptions,
} from "../../client/client.ts";
import type { HubConnection } from "../connection.ts";
import { DESTRUCTIVE, IDEMPOTENT, READ, type Tool } from "../register.ts";
import { claimSchema, lockSchema, metadataSchema } from "../schemas.ts";
import { activeOnlyInput, listed, threadIdInput, ttlInput } from "./_shared.ts";

/** Registers the lease tools on `tool`. */
export function leaseTools(tool: Tool, conn: HubConnection): void {
  const client = conn.client;

  tool("arc_claim", {
    title: "Claim a piece of work",
    description:
      "Claim work before starting it, under a key everyone would pick ('task-<id>'). acquired=false: claim.owner_agent_id has it; pick other work. Claiming again extends your lease. Release when done.",
    input: {
      key: z.string().min(1).describe("The claim key, e.g. 'task-42'."),
      thread_id: threadIdInput.optional(),
      task_id: z.number().int().nonnegative().optional().describe(
        "The task this claim is about.",
      ),
      ttl_sec: ttlInput,
      metadata: metadataSchema.optional(),
    },
    output: {
      acquired: z.boolean().describe("True when you hold the claim now."),
      claim: claimSchema.describe(
        "The claim (the holder's, when not acquired).",
      ),
    },
    annotations: IDEMPOTENT,
    run: async (a) => {
      const { acquired, claim } = await client.claim(
        a.key,
        defined<ClaimOptions>({
          threadId: a.thread_id,
          taskMessageId: a.task_id,
          ttlSec: a.ttl_sec,
          metadata: a.metadata,
        }),
      );
      return {
        summary: acquired
          ? `You hold claim '${claim.claim_key}' until ${claim.expires_at}.`
          : `Claim '${claim.claim_key}' is held by '${claim.owner_agent_id}' until ${claim.expires_at}; pick other work.`,
        data: { acquired, claim },
      };
    },
  });

  tool("arc_refresh_claim", {
    title: "Extend a claim",
    description:
      "Extend a claim you hold so it does not lapse while you are still working. Fails when you no longer hold it (it lapsed or was released): claim it again.",
    input: {
      key: z.string().min(1).describe("The claim key."),
      ttl_sec: ttlInput,
    },
    output: { claim: claimSchema },
    annotations: IDEMPOTENT,
    run: async (a) => {
      const claim = await client.refreshClaim(
        a.key,
        defined<RefreshOptions>({ ttlSec: a.ttl_sec }),
      );
      return {
        summary:
          `Claim '${claim.claim_key}' now runs until ${claim.expires_at}.`,
        data: { claim },
      };
    },
  });

  tool("arc_release_claim", {
    title: "Release a claim",
    description:
      "Release a claim you hold when the work is done or given up, so others can pick it up.",
    input: { key: z.string().min(1).describe("The claim key.") },
    output: { claim: claimSchema },
    annotations: DESTRUCTIVE,
    run: async ({ key }) => {
      const claim = await client.release(key);
      return {
        summary: `Released claim '${claim.claim_key}'.`,
        data: { claim },
      };
    },
  });

  tool("arc_list_claims", {
    title: "List claims",
    description:
      "List claims (who works on what). Use it to see what is taken before choosing work, or to check a thread's progress.",
    input: {
      thread_id: z.string().min(1).optional().describe("Only this thread."),
      active_only: activeOnlyInput,
    },
    output: { claims: z.array(claimSchema) },
    annotations: READ,
    run: async (a) => {
      const claims = await client.listClaims(
        defined<ListClaimsOptions>({
          activeOnly: a.active_only ?? true,
          threadId: a.thread_id,
        }),
      );
      return listed(
        "claim",
        { claims },
        (c) => `${c.claim_key} (${c.owner_agent_id})`,
      );
    },
  });

  tool("arc_lock", {
    title: "Lock a file",
    description:
      "Lock a file path (or glob) before editing it. acquired=false: lock.agent_id holds it; never edit it then. Locking again extends your lease. Unlock as soon as the edit is done.",
    input: {
      path: z.string().min(1).describe(
        "Path as all agents write it (repository-relative).",
      ),
      ttl_sec: ttlInput,
      thread_id: threadIdInput.optional(),
      metadata: metadataSchema.optional(),
      mode: z.enum(["exclusive", "shared"]).optional().describe(
        "exclusive (default), or shared with other shared holders.",
      ),
    },
    output: {
      acquired: z.boolean().describe("True when you hold the lock now."),
      lock: lockSchema.describe("The lock (the holder's, when not acquired)."),
      fence: z.number().int().optional().describe(
        "Grows with each newer overlapping grant.",
      ),
    },
    annotations: IDEMPOTENT,
    run: async (a) => {
      const metadata = {
        ...(a.metadata ?? {}),
        ...(a.thread_id !== undefined ? { thread_id: a.thread_id } : {}),
      };
      const { acquired, lock, fence } = await client.lock(
        a.path,
        defined<LockOptions>({
          ttlSec: a.ttl_sec,
          metadata: Object.keys(metadata).length ? metadata : undefined,
          mode: a.mode,
        }),
      );
      return {
        summary: acquired
          ? `You hold the lock on ${lock.file_path} until ${lock.expires_at}${
            fence !== undefined ? ` (fence ${fence})` : ""
          }.`
          : `${a.path} is locked by '${lock.agent_id}' (${lock.file_path}) until ${lock.expires_at}; do not edit it.`,
        data: { acquired, lock, ...(fence !== undefined ? { fence } : {}) },
      };
    },
  });

  tool("arc_refresh_lock", {
    title: "Extend a file lock",
    description:
      "Extend a file lock you hold while you are still editing. Fails when you no longer hold it: lock it again.",
    input: {
      path: z.string().min(1).describe("The locked path."),
      ttl_sec: ttlInput,
    },
    output: { lock: lockSchema },
    annotations: IDEMPOTENT,
    run: async (a) => {
      const lock = await client.refreshLock(
        a.path,
        defined<RefreshOptions>({ ttlSec: a.ttl_sec }),
      );
      return {
        summary: `Lock on ${lock.file_path} now runs until ${lock.expires_at}.`,
        data: { lock },
      };
    },
  });

  tool("arc_unlock", {
    title: "Unlock a file",
    description:
      "Release a file lock you hold as soon as your edit is done, so others may edit the file.",
    input: { path: z.string().min(1).describe("The locked path.") },
    output: { lock: lockSchema },
    annotations: DESTRUCTIVE,
    run: async ({ path }) => {
      const lock = await client.unlock(path);
      return { summary: `Unlocked ${lock.file_path}.`, data: { lock } };
    },
  });

  tool("arc_list_locks", {
    title: "List file locks",
    description:
      "List file locks (who is editing what). Use it before planning edits to see which files are busy.",
    input: {
      agent_id: z.string().min(1).optional().describe(
        "Only locks held by this agent.",
      ),
      active_only: activeOnlyInput,
    },
    output: { locks: z.array(lockSchema) },
    annotations: READ,
    run: async (a) => {
      const locks = await client.listLocks(
        defined<ListLocksOptions>({
          activeOnly: a.active_only ?? true,
          agentId: a.agent_id,
        }),
      );
      return listed("lock", { locks }, (l) => `${l.file_path} (${l.agent_id})`);
    },
  });
}
