/**
 * Approvals (vendor extension `arcdeno:approvals`): an agent asks the
 * operator to allow or deny something (a host's permission prompt, a risky
 * step) and waits for the answer; the operator decides from one place (the
 * dashboard, or `POST .../decide`). Every request is kept with its outcome
 * (pending, allowed, denied, expired), who decided and when: an audit trail.
 *
 * A request past its deadline reads as expired at once; the presence sweep
 * writes that down. A decision is exactly-once (a guarded update) and
 * posts a direct notice to the requester (`metadata.arcdeno.approval`), so
 * waiters on any hub wake through the notifier and the cross-process change
 * detection, and re-read the request.
 *
 * @module
 */

import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { DEFAULTS, VENDOR } from "../protocol.ts";
import type { Approval, ApprovalStatus } from "../store/approvals.ts";
import type { JsonObject, Message, Store } from "../store/types.ts";
import { type Clock, systemClock, toIso } from "../time.ts";
import type { Notifier } from "./notifier.ts";
import { isObject, type Query, readFields } from "./params.ts";
import * as units from "./units/approvals.ts";

/** Seconds a request waits for a decision unless it says otherwise. */
export const DEFAULT_APPROVAL_TIMEOUT_SEC = 300;
/** Longest a request may wait for a decision (a day). */
export const MAX_APPROVAL_TIMEOUT_SEC = 86_400;
/** Most choices a request may offer, and their longest label. */
const MAX_CHOICES = 10;
const MAX_CHOICE_CHARS = 100;
const MAX_TITLE_CHARS = 200;
const MAX_DETAIL_CHARS = 20_000;
const STATUSES: readonly ApprovalStatus[] = [
  "pending",
  "allowed",
  "denied",
  "expired",
];
const ID = /^ap_[A-Za-z0-9]{1,64}$/;

/** What happened to a request, for outbound notifications. */
export type ApprovalEvent = "created" | "decided";

/** Options for {@linkcode Approvals}. */
export interface ApprovalsOptions {
  /** Largest `limit` a listing accepts. */
  maxQueryLimit: number;
  /** Called after a request was created or decided. @default nothing */
  onEvent?: (event: ApprovalEvent, approval: Approval) => void;
  /** Where expiry and ages are read. @default the system clock */
  clock?: Clock;
}

/** A request as answered: a due pending one reads expired; with its age. */
export function describeApproval(a: Approval, nowMs: number): JsonObject {
  const due = a.status === "pending" && Date.parse(a.expires_at) <= nowMs;
  const view = due ? { ...a, status: "expired", decided_at: a.expires_at } : a;
  const end = view.decided_at ? Date.parse(view.decided_at) : nowMs;
  return {
    ...view,
    waited_sec: Math.max(
      0,
      Math.floor((end - Date.parse(a.created_at)) / 1000),
    ),
  } as unknown as JsonObject;
}

/** The approval a decision notice speaks of, if `m` is one. */
export function approvalOf(m: Message): string | undefined {
  const vendor = m.metadata[VENDOR];
  if (!isObject(vendor)) return undefined;
  const approval = vendor["approval"];
  return isObject(approval) && typeof approval["id"] === "string"
    ? approval["id"]
    : undefined;
}

/** Approval rules over one store. */
export class Approvals {
  #store: Store;
  #notifier: Notifier;
  #options: ApprovalsOptions;

  constructor(store: Store, notifier: Notifier, options: ApprovalsOptions) {
    this.#store = store;
    this.#notifier = notifier;
    this.#options = options;
  }

  /** `POST /v1/arcdeno/approvals`: records a pending request. */
  async create(body: JsonObject): Promise<JsonObject> {
    const f = readFields(body, {
      agent_id: { type: "string", required: true },
      title: { type: "string", required: true },
      detail: { type: "string" },
      choices: { type: "list" },
      timeout_sec: { type: "int" },
      metadata: { type: "object" },
    });
    if (f.title.length > MAX_TITLE_CHARS) {
      throw new ValidationError(
        `title is ${f.title.length} characters; at most ${MAX_TITLE_CHARS} (put the rest in detail)`,
      );
    }
    const detail = f.detail ?? "";
    if (detail.length > MAX_DETAIL_CHARS) {
      throw new ValidationError(
        `detail is ${detail.length} characters; at most ${MAX_DETAIL_CHARS}`,
      );
    }
    const choices = f.choices ?? [];
    if (
      choices.length > MAX_CHOICES ||
      !choices.every((c) =>
        typeof c === "string" && c.trim() !== "" &&
        c.length <= MAX_CHOICE_CHARS
      ) || new Set(choices).size !== choices.length
    ) {
      throw new ValidationError(
        `choices must be a list of at most ${MAX_CHOICES} distinct non-empty strings of up to ${MAX_CHOICE_CHARS} characters`,
      );
    }
    const timeout = f.timeout_sec ?? DEFAULT_APPROVAL_TIMEOUT_SEC;
    if (timeout < 1 || timeout > MAX_APPROVAL_TIMEOUT_SEC) {
      throw new ValidationError(
        `timeout_sec must be from 1 to ${MAX_APPROVAL_TIMEOUT_SEC}: current value is ${timeout}`,
      );
    }
    const id = `ap_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
    const approval = await this.#store.run(() =>
      units.createApproval({
        id,
        agent_id: f.agent_id,
        title: f.title,
        detail,
        choices: choices as string[],
        metadata: f.metadata ?? {},
      }, timeout)
    );
    this.#options.onEvent?.("created", approval);
    return describeApproval(approval, this.#now());
  }

  #now(): number {
    return (this.#options.clock ?? systemClock).now();
  }

  /** `GET /v1/arcdeno/approvals?status=&agent_id=&limit=`: newest first. */
  async list(query: Query): Promise<JsonObject[]> {
    const status = query.get("status");
    if (status !== undefined && !STATUSES.includes(status as ApprovalStatus)) {
      throw new ValidationError(
        `status must be one of ${
          STATUSES.join(", ")
        }: current value is '${status}'`,
      );
    }
    const agentId = query.get("agent_id");
    const now = this.#now();
    const rows = await this.#store.read(() =>
      units.listApprovals({
        now: toIso(now),
        limit: query.limit(this.#options.maxQueryLimit),
        ...(status ? { status: status as ApprovalStatus } : {}),
        ...(agentId ? { agentId } : {}),
      })
    );
    return rows.map((a) => describeApproval(a, now));
  }

  async #get(id: string): Promise<Approval> {
    const found = ID.test(id)
      ? await this.#store.read(() => units.getApproval(id))
      : null;
    if (!found) throw new NotFoundError(`approval not found: ${id}`);
    return found;
  }

  /**
   * `GET /v1/arcdeno/approvals/{id}?wait=SEC`: the request; with `wait`, a
   * pending one is answered once decided or expired, or after SEC seconds
   * (at most {@linkcode DEFAULTS.maxTimeoutSec}) still pending.
   */
  async get(
    id: string,
    query: Query,
    signal?: AbortSignal,
  ): Promise<JsonObject> {
    const raw = query.get("wait");
    const waitSec = raw === undefined ? 0 : Number(raw);
    if (!Number.isFinite(waitSec) || waitSec < 0) {
      throw new ValidationError(
        `wait must be a number of seconds, 0 or more: current value is '${raw}'`,
      );
    }
    let approval = await this.#get(id);
    if (waitSec <= 0 || approval.status !== "pending") {
      return describeApproval(approval, this.#now());
    }
    const deadline = Math.min(
      performance.now() + Math.min(waitSec, DEFAULTS.maxTimeoutSec) * 1000,
      performance.now() + Date.parse(approval.expires_at) - this.#now(),
    );
    using sub = this.#notifier.subscribe((m) =>
      m.to_agent === approval.agent_id && approvalOf(m) === id
    );
    while (true) {
      const left = deadline - performance.now();
      if (
        approval.status !== "pending" || left <= 0 || this.#notifier.closed ||
        signal?.aborted
      ) break;
      await sub.wait(left, signal);
      approval = await this.#get(id);
    }
    return describeApproval(approval, this.#now());
  }

  /** `POST /v1/arcdeno/approvals/{id}/decide` with `{decision, by, note, choice}`. */
  async decide(id: string, body: JsonObject): Promise<JsonObject> {
    const f = readFields(body, {
      decision: { type: "string", required: true },
      by: { type: "string" },
      note: { type: "string" },
      choice: { type: "string" },
    });
    if (f.decision !== "allow" && f.decision !== "deny") {
      throw new ValidationError(
        `decision must be 'allow' or 'deny': current value is '${f.decision}'`,
      );
    }
    const current = await this.#get(id);
    if (f.choice !== undefined && !current.choices.includes(f.choice)) {
      throw new ValidationError(
        current.choices.length
          ? `choice must be one of ${current.choices.join(", ")}`
          : "this approval offers no choices; send decision alone",
      );
    }
    const result = await this.#store.run(() =>
      units.decideApproval(id, {
        status: f.decision === "allow" ? "allowed" : "denied",
        by: f.by || "operator",
        note: f.note || null,
        choice: f.choice ?? null,
      })
    );
    const after = result.approval ?? current;
    if (!result.decided) {
      const by = after.decided_by ? ` by ${after.decided_by}` : "";
      throw new ConflictError(
        `approval ${id} is already ${after.status}${by}${
          after.decided_at ? ` at ${after.decided_at}` : ""
        }`,
      );
    }
    this.#notifier.publish(result.posted);
    this.#options.onEvent?.("decided", after);
    return describeApproval(after, this.#now());
  }

  /** Writes down that due requests expired (the presence sweep calls it). */
  async expire(): Promise<Approval[]> {
    return await this.#store.run(() => units.expireApprovals());
  }
}
