/**
 * Strict agent identity (a vendor extension). Every session gets a random
 * secret when it is created (returned once, in `result.arcdeno.secret`);
 * only its SHA-256 hash is stored. With strict identity on, a request that
 * acts as an agent must prove it is that agent: by the secret of the agent's
 * current session, or, for a request that came through the file relay, by
 * the spool directory it was written in (`requests/<agent>/`).
 *
 * Registration rules with strict identity on:
 *
 * - An agent with no live session (none, or one past the presence TTL) can
 *   be registered by anyone, as in protocol v1; an expired session is taken
 *   over.
 * - Replacing a LIVE session needs that session's secret (or, over the
 *   relay, the agent's own directory); otherwise re-registering would be
 *   impersonation.
 * - A live session that has no secret on record (registered by a hub
 *   without this extension) cannot be replaced until it expires.
 *
 * Replacing a session always rotates the secret: the old one stops working.
 *
 * The liveness check and the creation are two steps. When no live session
 * was found, the creation runs with `replace: false`, so a session that
 * turned live in between makes it fail with 409 instead of being replaced.
 * When a live session was found and its secret matched, the only session
 * that can slip in between is one its own holder registered (or a takeover
 * of it after it expired that same instant), so the narrow window gives
 * nobody an agent they could not already act as.
 *
 * @module
 */

import type { ResolvedConfig } from "../config.ts";
import { ForbiddenError } from "../errors.ts";
import { safeAgentId, VENDOR } from "../protocol.ts";
import { secretHash, sessionOwner } from "./units/identity.ts";
import type { JsonObject, Session, Store } from "../store/types.ts";
import { type Clock, systemClock, toIso } from "../time.ts";
import { readFields } from "./params.ts";

/** Bytes of randomness in a secret. */
export const SECRET_BYTES = 32;

/** What a request offers as proof of who it acts as. */
export interface Credential {
  /** The secret the request carried, if any. */
  secret?: string | undefined;
  /** For relay requests: the spool directory under `requests/` it was written in. */
  relayDir?: string | undefined;
}

/** A new session with its secret in the vendor field. */
export type RegisteredSession = Session & {
  arcdeno: { secret: string };
};

/** Makes a fresh secret: 32 random bytes, base64url without padding (43 characters). */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(
    /\//g,
    "_",
  ).replace(/=+$/, "");
}

/** Lower-case hex SHA-256 of a secret, as stored. */
export async function hashSecret(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(secret),
  );
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  }
  return diff === 0;
}

/** True when a relay request written in `dir` may act as `agentId`. */
export function relayDirAllows(dir: string, agentId: string): boolean {
  return dir === agentId || dir === safeAgentId(agentId);
}

/** Issues secrets and checks who a request may act as. */
export class Identity {
  #store: Store;
  #config: ResolvedConfig;
  #clock: Clock;

  constructor(
    store: Store,
    config: ResolvedConfig,
    options: { clock?: Clock } = {},
  ) {
    this.#store = store;
    this.#config = config;
    this.#clock = options.clock ?? systemClock;
  }

  /** Whether requests must prove the agent they act as. */
  get strict(): boolean {
    return this.#config.strictIdentity;
  }

  /**
   * `POST /v1/sessions` with a secret: applies the strict replacement rule,
   * then creates the session through `create`, which records the new
   * secret's hash in the same commit.
   */
  async register(
    body: JsonObject,
    credential: Credential,
    create: (body: JsonObject, secretHash: string) => Promise<Session>,
  ): Promise<RegisteredSession> {
    let input = body;
    if (this.strict) {
      const f = readFields(body, {
        agent_id: { type: "string", required: true },
        replace: { type: "bool" },
      });
      const agentId = f.agent_id;
      if (
        credential.relayDir !== undefined &&
        !relayDirAllows(credential.relayDir, agentId)
      ) {
        throw relayRefusal(credential.relayDir, agentId);
      }
      const live = await this.#liveSession(agentId);
      if (live && f.replace) {
        if (credential.relayDir === undefined) {
          await this.#checkSecret(agentId, live, credential.secret, "replace");
        }
      } else if (!live) {
        // Nobody holds the agent: take over a stale session, but never
        // replace one that turned live in the meantime.
        input = { ...body, replace: false };
      }
    }
    const secret = newSecret();
    const session = await create(input, await hashSecret(secret));
    const extra = (session as { [VENDOR]?: object })[VENDOR];
    return { ...session, [VENDOR]: { ...extra, secret } } as RegisteredSession;
  }

  /**
   * Throws `ForbiddenError` unless the request may act as `agentId`. A no-op
   * while strict identity is off.
   */
  async authorize(agentId: string, credential: Credential): Promise<void> {
    if (!this.strict) return;
    if (credential.relayDir !== undefined) {
      if (!relayDirAllows(credential.relayDir, agentId)) {
        throw relayRefusal(credential.relayDir, agentId);
      }
      return;
    }
    const session = await this.#store.sessions.active(agentId);
    if (!session) {
      throw new ForbiddenError(
        `strict identity: refused to act as agent '${agentId}': it has no live session (register it with POST /v1/sessions and send the secret that returns)`,
      );
    }
    await this.#checkSecret(agentId, session, credential.secret, "act");
  }

  /** The agent an active session belongs to; null when unknown or inactive. */
  async activeSessionAgent(sessionId: string): Promise<string | null> {
    const owner = await this.#store.read(() => sessionOwner(sessionId));
    return owner?.active ? owner.agent_id : null;
  }

  /** The agent's active session if it is still within the presence TTL. */
  async #liveSession(agentId: string): Promise<Session | null> {
    const session = await this.#store.sessions.active(agentId);
    if (!session) return null;
    const cutoff = toIso(
      this.#clock.now() - this.#config.presenceTtlSec * 1000,
    );
    return session.last_seen >= cutoff ? session : null;
  }

  async #checkSecret(
    agentId: string,
    session: Session,
    secret: string | undefined,
    purpose: "act" | "replace",
  ): Promise<void> {
    const doing = purpose === "replace"
      ? `refused to replace the live session of agent '${agentId}'`
      : `refused to act as agent '${agentId}'`;
    const id = session.session_id;
    const stored = await this.#store.read(() => secretHash(id));
    if (stored === null) {
      throw new ForbiddenError(
        `strict identity: ${doing}: its session was registered without a secret (by a hub without strict identity support); register again once it has expired (presence TTL ${this.#config.presenceTtlSec} s)`,
      );
    }
    if (secret === undefined || secret === "") {
      throw new ForbiddenError(
        `strict identity: ${doing}: no secret was sent (send the secret from result.arcdeno.secret of its POST /v1/sessions as X-Arcdeno-Secret, or as Authorization: Bearer on loopback)`,
      );
    }
    if (!constantTimeEqual(await hashSecret(secret), stored)) {
      throw new ForbiddenError(
        `strict identity: ${doing}: the secret sent is wrong for that agent (or belongs to a session that has since been replaced)`,
      );
    }
  }
}

function relayRefusal(dir: string, agentId: string): ForbiddenError {
  return new ForbiddenError(
    `strict identity: refused to act as agent '${agentId}': a relay request written in requests/${dir}/ may only act as the agent of that directory`,
  );
}
