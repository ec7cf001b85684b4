/**
 * Agent status (vendor extension `arcdeno:agent_status`): what each agent's
 * host is doing, from the lifecycle events its hooks report
 * (`POST /v1/arcdeno/agents/{id}/status`, sent by `arc hook`).
 *
 * - `working`: a prompt was submitted or a tool ran;
 * - `waiting_approval`: the host asks its human to approve a tool;
 * - `idle`: the session started, or the model stopped and waits for a prompt;
 * - `ended`: the host's session ended;
 * - `stalled` (derived when read): the agent holds a claim and has shown no
 *   activity (hook event, post, claim) for `stallAfterSec` seconds.
 *
 * Statuses live in this hub process's memory, not in the store: they are
 * hints about hosts, fresh within seconds, and a restart forgets them (the
 * next hook event brings each back). Hubs sharing one database each know
 * the events that reached them, so point an agent's hooks and MCP server at
 * one hub.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import type { Claim, JsonObject } from "../store/types.ts";
import { type Clock, systemClock, toIso } from "../time.ts";

/** The lifecycle events a hook reports, whatever its host calls them. */
export const STATUS_EVENTS = [
  "session_start",
  "prompt",
  "tool",
  "approval",
  "stop",
  "session_end",
] as const;

/** One of {@linkcode STATUS_EVENTS}. */
export type StatusEvent = typeof STATUS_EVENTS[number];

/** What an agent is doing. */
export type AgentState =
  | "working"
  | "idle"
  | "waiting_approval"
  | "stalled"
  | "ended";

const STATE_OF: Record<StatusEvent, Exclude<AgentState, "stalled">> = {
  session_start: "idle",
  prompt: "working",
  tool: "working",
  approval: "waiting_approval",
  stop: "idle",
  session_end: "ended",
};

/** Longest host name kept. */
const MAX_HOST_CHARS = 32;
/** Agents remembered at most; the least recently heard from go first. */
const MAX_AGENTS = 10_000;

interface Entry {
  state: Exclude<AgentState, "stalled">;
  event: StatusEvent;
  host: string | null;
  /** When the state last changed (ms). */
  since: number;
  /** Last activity: a hook event or a post (ms). */
  active: number;
}

/** Options for {@linkcode AgentStatuses}. */
export interface AgentStatusOptions {
  /** Seconds without activity after which a claim holder counts as stalled. */
  stallAfterSec: number;
  /** The clock. @default the system clock */
  clock?: Clock;
}

/** Per-agent status from hook events, kept in memory. */
export class AgentStatuses {
  #entries = new Map<string, Entry>();
  #stallMs: number;
  #clock: Clock;

  constructor(options: AgentStatusOptions) {
    this.#stallMs = options.stallAfterSec * 1000;
    this.#clock = options.clock ?? systemClock;
  }

  /** `POST /v1/arcdeno/agents/{id}/status` with `{event, host?}`. */
  report(agentId: string, body: JsonObject): JsonObject {
    const id = agentId.trim();
    if (!id) throw new ValidationError("agent id is required");
    const event = body["event"];
    if (
      typeof event !== "string" ||
      !(STATUS_EVENTS as readonly string[]).includes(event)
    ) {
      throw new ValidationError(
        `event must be one of ${STATUS_EVENTS.join(", ")}: current value is ${
          JSON.stringify(event ?? null)
        }`,
      );
    }
    const host = body["host"];
    if (host !== undefined && host !== null && typeof host !== "string") {
      throw new ValidationError("host must be a string");
    }
    const now = this.#clock.now();
    const e = event as StatusEvent;
    const state = STATE_OF[e];
    const previous = this.#entries.get(id);
    this.#entries.delete(id);
    this.#entries.set(id, {
      state,
      event: e,
      host: typeof host === "string" && host.trim()
        ? host.trim().slice(0, MAX_HOST_CHARS)
        : previous?.host ?? null,
      since: previous?.state === state ? previous.since : now,
      active: now,
    });
    if (this.#entries.size > MAX_AGENTS) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    return { agent_id: id, ...this.#describe(this.#entries.get(id)!, []) };
  }

  /** Notes activity that is not a hook event (a post by the agent). */
  touch(agentId: string): void {
    const entry = this.#entries.get(agentId);
    if (entry) entry.active = this.#clock.now();
  }

  /**
   * The status of `agentId` given the claims it holds, or undefined when no
   * hook reported for it and it holds no claim.
   */
  status(agentId: string, claims: readonly Claim[]): JsonObject | undefined {
    const entry = this.#entries.get(agentId);
    if (!entry && claims.length === 0) return undefined;
    return this.#describe(entry, claims);
  }

  #describe(entry: Entry | undefined, claims: readonly Claim[]): JsonObject {
    const now = this.#clock.now();
    const claimedAt = claims.reduce(
      (latest, c) => Math.max(latest, Date.parse(c.claimed_at)),
      0,
    );
    const active = Math.max(entry?.active ?? 0, claimedAt);
    const stalled = claims.length > 0 && entry?.state !== "ended" &&
      entry?.state !== "waiting_approval" && now - active >= this.#stallMs;
    return {
      state: stalled ? "stalled" : entry?.state ?? "unknown",
      event: entry?.event ?? null,
      host: entry?.host ?? null,
      since: entry
        ? toIso(stalled ? active + this.#stallMs : entry.since)
        : null,
      last_activity_at: active > 0 ? toIso(active) : null,
      claims: claims.length,
    };
  }
}
