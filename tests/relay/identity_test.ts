/**
 * Strict agent identity over the file relay: the directory a request is
 * written in is its credential, so `requests/mallory/` can act only as
 * mallory, while `requests/alice/` acts as alice with no secret at all.
 */
import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { request, startHub } from "../_util.ts";
import { relayCall } from "./_spool.ts";

Deno.test("strict identity over the relay: a request under requests/mallory/ posting as alice gets 403 in its response file", async () => {
  await using hub = await startHub({ args: ["--strict-identity"] });
  const spool = `${hub.dir}/spool`;
  const alice = await relayCall(spool, "alice", "POST", "/v1/sessions", {
    agent_id: "alice",
  });
  assertEquals(alice.status, 201);
  const mallory = await relayCall(spool, "mallory", "POST", "/v1/sessions", {
    agent_id: "mallory",
  });
  assertEquals(mallory.status, 201);

  const forged = await relayCall(spool, "mallory", "POST", "/v1/messages", {
    from_agent: "alice",
    body: "I am alice",
  });
  assertEquals(forged.status, 403);
  assertEquals(forged.ok, false);
  assertStringIncludes(forged.body.error, "'alice'");
  assertStringIncludes(forged.body.error, "requests/mallory/");

  // Registering as alice from mallory's directory is refused too.
  const steal = await relayCall(spool, "mallory", "POST", "/v1/sessions", {
    agent_id: "alice",
    replace: true,
  });
  assertEquals(steal.status, 403);
  const inbox = await relayCall(spool, "mallory", "GET", "/v1/inbox/alice");
  assertEquals(inbox.status, 403);

  // alice's own directory needs no secret.
  const own = await relayCall(spool, "alice", "POST", "/v1/messages", {
    from_agent: "alice",
    body: "really alice",
  });
  assertEquals(own.status, 201);
  const replaced = await relayCall(spool, "alice", "POST", "/v1/sessions", {
    agent_id: "alice",
    replace: true,
  });
  assertEquals(replaced.status, 201);
  const mine = await relayCall(spool, "mallory", "POST", "/v1/messages", {
    from_agent: "mallory",
    body: "as myself",
  });
  assertEquals(mine.status, 201);

  const seen = await hub.api("GET", "/v1/messages?channel=general");
  assertEquals(
    seen.body.result.map((m: { from_agent: string; body: string }) =>
      `${m.from_agent}:${m.body}`
    ),
    ["alice:really alice", "mallory:as myself"],
  );
});

Deno.test("strict identity: an HTTP caller cannot claim the relay's directory binding", async () => {
  await using hub = await startHub({ args: ["--strict-identity"] });
  const spool = `${hub.dir}/spool`;
  await relayCall(spool, "alice", "POST", "/v1/sessions", {
    agent_id: "alice",
  });
  const reply = await request(hub.url, "POST", "/v1/messages", {
    from_agent: "alice",
    body: "pretending to be the relay",
  }, {
    "x-arc-relay-agent-dir": "alice",
    "x-relay-agent-dir": "alice",
    "x-relay-agent": "alice",
  });
  assertEquals(reply.status, 403);
  assertStringIncludes(reply.body.error, "'alice'");
});
