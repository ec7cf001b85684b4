/**
 * The identity store contract (`src/store/identity.ts`), run against every
 * backend: secret hashes per session, one per agent, and session owners read
 * from the reference `sessions` table; plus the strict check of
 * `src/hub/identity.ts` on top of it.
 *
 * @module
 */

import { rules } from "./_rules.ts";
import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
} from "../_assert.ts";
import { resolveConfig } from "../../src/config.ts";
import { ForbiddenError } from "../../src/errors.ts";
import { hashSecret, Identity, newSecret } from "../../src/hub/identity.ts";
import { contractTest, newSession, type StoreOpener } from "./contract.ts";

/** Asserts that `fn` rejects with a `ForbiddenError`. */
async function refused(fn: () => Promise<unknown>): Promise<void> {
  const error = await assertRejects(fn);
  assert(error instanceof ForbiddenError, `${error}`);
}

/**
 * Registers the identity store tests for one backend.
 *
 * @param name prefix of every test name, e.g. `"SqliteStore"`
 * @param open opens a fresh store on the given clock
 */
export function identityContract(name: string, open: StoreOpener): void {
  const test = contractTest(name, open);

  test(
    "identity: putSecret() stores the hash per session and keeps one per agent",
    async (store, clock) => {
      const ids = rules(store).identity;
      const s1 = await rules(store).createSession(newSession("alice"), 120);
      const secret = newSecret();
      const hash = await hashSecret(secret);
      assertNotEquals(hash, secret);
      assertEquals(hash.length, 64);
      await ids.putSecret({
        session_id: s1.session_id,
        agent_id: "alice",
        secret_hash: hash,
        created_at: clock.iso(),
      });
      assertEquals(await ids.secretHash(s1.session_id), hash);
      assertEquals(await ids.secretHash("no-such-session"), null);

      const s2 = await rules(store).createSession(
        newSession("alice", { replace: true }),
        120,
      );
      const hash2 = await hashSecret(newSecret());
      await ids.putSecret({
        session_id: s2.session_id,
        agent_id: "alice",
        secret_hash: hash2,
        created_at: clock.iso(),
      });
      assertEquals(await ids.secretHash(s2.session_id), hash2);
      assertEquals(await ids.secretHash(s1.session_id), null);
    },
  );

  test("identity: sessionOwner() reads the agent and state of a session", async (store) => {
    const ids = rules(store).identity;
    const s = await rules(store).createSession(newSession("bob"), 120);
    assertEquals(await ids.sessionOwner(s.session_id), {
      agent_id: "bob",
      active: true,
    });
    await store.sessions.deactivate(s.session_id);
    assertEquals(await ids.sessionOwner(s.session_id), {
      agent_id: "bob",
      active: false,
    });
    assertEquals(await ids.sessionOwner("missing"), null);
  });

  test(
    "identity: a strict Identity accepts only the current session's secret",
    async (store, clock) => {
      const config = { ...resolveConfig({}), strictIdentity: true };
      const identity = new Identity(store, config, { clock });
      const create = (body: Record<string, unknown>, hash: string) =>
        rules(store).createSession(
          newSession(String(body["agent_id"]), { replace: !!body["replace"] }),
          120,
          hash,
        );
      const first = await identity.register({ agent_id: "carol" }, {}, create);
      const secret = first.arcdeno.secret;
      await identity.authorize("carol", { secret });
      await refused(() => identity.authorize("carol", { secret: newSecret() }));
      await refused(() => identity.authorize("carol", {}));
      await refused(() => identity.authorize("nobody", { secret }));
      // The relay directory of the agent is a credential; another's is not.
      await identity.authorize("carol", { relayDir: "carol" });
      await refused(() => identity.authorize("carol", { relayDir: "mallory" }));
      // A new registration rotates the secret.
      const second = await identity.register(
        { agent_id: "carol", replace: true },
        { secret },
        create,
      );
      assertNotEquals(second.arcdeno.secret, secret);
      await identity.authorize("carol", { secret: second.arcdeno.secret });
      await refused(() => identity.authorize("carol", { secret }));
    },
  );
}
