/**
 * The client library on a hub with strict identity, over HTTP and over the
 * relay: it keeps the secret from `register()` and sends it on every call
 * and on the event stream, with nothing for its user to do.
 */
import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
  assertStringIncludes,
} from "../../_assert.ts";
import { inProcessHub } from "../../_harness.ts";
import { ArcClient, ArcError } from "../../../src/client/mod.ts";

Deno.test("ArcClient on a strict hub: every call and the stream carry the secret; another client cannot take the agent over", async () => {
  await using hub = await inProcessHub({ args: ["--strict-identity"] });
  await using alice = await ArcClient.quickstart({
    agentId: "alice",
    baseUrl: hub.url,
  });
  await using bob = await ArcClient.quickstart({
    agentId: "bob",
    baseUrl: hub.url,
  });
  assertEquals(alice.secret?.length, 43);

  const controller = new AbortController();
  const streamed: string[] = [];
  const reading = (async () => {
    for await (const m of bob.stream({ signal: controller.signal })) {
      streamed.push(m.body);
      if (streamed.length === 2) break;
    }
  })();
  await alice.post("general", "hello");
  await alice.dm("bob", "psst");
  await reading;
  controller.abort();
  assertEquals(streamed, ["hello", "psst"]);
  assertEquals((await bob.inbox()).map((m) => m.body), ["psst"]);
  assertEquals((await alice.claim("k")).acquired, true);
  assertEquals((await alice.lock("a.ts")).acquired, true);
  await alice.rename("Alice");

  // A second process for alice without her secret is refused...
  const impostor = new ArcClient({ agentId: "alice", baseUrl: hub.url });
  const error = await assertRejects(() => impostor.register());
  assert(error instanceof ArcError);
  assertEquals(error.status, 403);
  assertStringIncludes(error.message, "'alice'");
  // ...one given her secret takes over, rotating it, and the old holder is out.
  const heir = new ArcClient({
    agentId: "alice",
    baseUrl: hub.url,
    secret: alice.secret!,
  });
  await heir.register();
  assertNotEquals(heir.secret, alice.secret);
  const stale = await assertRejects(() => alice.post("general", "still me?"));
  assertEquals((stale as ArcError).status, 403);
  await heir.post("general", "the heir");
  await heir.close();
});

Deno.test("ArcClient over the relay on a strict hub needs no secret in its own directory", async () => {
  await using hub = await inProcessHub({
    args: ["--strict-identity"],
    relay: {},
  });
  await using alice = ArcClient.overRelay({
    agentId: "alice",
    spoolDir: `${hub.dir}/spool`,
  });
  await alice.register();
  await alice.post("general", "through the relay");
  await alice.register(); // replacing its own live session works too
  assertEquals((await alice.claim("k")).acquired, true);
  const seen = await hub.api("GET", "/v1/messages?channel=general");
  assertEquals(seen.body.result.map((m: { body: string }) => m.body), [
    "through the relay",
  ]);
});
