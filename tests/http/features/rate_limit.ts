/**
 * The per-agent post rate limit against in-process hubs (the relay cases and
 * the bad flag: real hub processes): 429 with
 * Retry-After in the header and the envelope, other agents unaffected,
 * posting allowed again after the wait, the limit off with `--rate-limit 0`,
 * and the same 429 through the file relay and the client library.
 */
import { ArcClient, ArcError } from "../../../src/client/mod.ts";
import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { startHub } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { relayCall } from "../../relay/_spool.ts";

const post = (from: string, body: string) => ({
  from_agent: from,
  channel: "general",
  body,
});

Deno.test("rate limit: an agent over it gets 429 with Retry-After in header and envelope, others post on, and it may post again after the wait", async () => {
  await using hub = await inProcessHub({
    args: ["--rate-limit", "1", "--rate-burst", "2"],
  });
  const info = (await hub.api("GET", "/v1/hub-info")).body.result;
  assertEquals(info.arcdeno.rate_limit, { posts_per_sec: 1, burst: 2 });
  assert(info.features.includes("arcdeno:rate_limit"), "feature token");

  for (let i = 0; i < 2; i++) {
    assertEquals(
      (await hub.api("POST", "/v1/messages", post("looper", `${i}`))).status,
      201,
    );
  }
  const refused = await hub.api("POST", "/v1/messages", post("looper", "3"));
  assertEquals(refused.status, 429);
  assertEquals(refused.body.ok, false);
  assertStringIncludes(
    refused.body.error,
    "agent 'looper' is posting too fast",
  );
  const retry = Number(refused.headers.get("retry-after"));
  assert(retry >= 1 && retry <= 2, `Retry-After ${retry}`);
  assertEquals(refused.body.arcdeno.retry_after_sec, retry);
  assertStringIncludes(refused.body.error, `retry after ${retry} s`);
  assert(refused.headers.get("x-arc-instance"), "instance header on a 429");

  // Another agent is not held back by the looper.
  assertEquals(
    (await hub.api("POST", "/v1/messages", post("calm", "hello"))).status,
    201,
  );
  // The refused post was not stored.
  const stored = (await hub.api("GET", "/v1/messages?channel=general")).body
    .result;
  assertEquals(stored.map((m: { body: string }) => m.body), [
    "0",
    "1",
    "hello",
  ]);

  await hub.advance(retry * 1000);
  assertEquals(
    (await hub.api("POST", "/v1/messages", post("looper", "again"))).status,
    201,
  );
});

Deno.test("rate limit: --rate-limit 0 lets one agent post far past the default burst", async () => {
  await using hub = await inProcessHub({ args: ["--rate-limit", "0"] });
  const info = (await hub.api("GET", "/v1/hub-info")).body.result;
  assertEquals(info.arcdeno.rate_limit, null);
  const statuses = new Set<number>();
  for (let i = 0; i < 600; i++) {
    statuses.add(
      (await hub.api("POST", "/v1/messages", post("flood", `${i}`))).status,
    );
  }
  assertEquals([...statuses], [201]);
});

Deno.test("rate limit: the default limit is on and generous", async () => {
  await using hub = await inProcessHub();
  const info = (await hub.api("GET", "/v1/hub-info")).body.result;
  assertEquals(info.arcdeno.rate_limit, { posts_per_sec: 50, burst: 500 });
});

Deno.test("rate limit: a bad --rate-limit stops the hub from starting with a clear message", async () => {
  let error: Error | undefined;
  try {
    await using _hub = await startHub({ args: ["--rate-limit", "fast"] });
  } catch (e) {
    error = e as Error;
  }
  assert(error, "the hub refused to start");
  assertStringIncludes(error.message, "--rate-limit must be a number");
});

Deno.test("rate limit: a post over the limit through the relay is answered 429 with the retry time", async () => {
  await using hub = await startHub({
    args: ["--rate-limit", "0.5", "--rate-burst", "1"],
  });
  const spool = `${hub.dir}/spool`;
  const first = await relayCall(
    spool,
    "boxed",
    "POST",
    "/v1/messages",
    post("boxed", "1"),
  );
  assertEquals(first.status, 201);
  const second = await relayCall(
    spool,
    "boxed",
    "POST",
    "/v1/messages",
    post("boxed", "2"),
  );
  assertEquals(second.status, 429);
  assertEquals(second.ok, false);
  assertStringIncludes(second.error, "posting too fast");
  assertEquals(second.body.arcdeno.retry_after_sec, 2);
});

Deno.test("rate limit: the client throws ArcError with status 429 and retryAfterSec, over HTTP and over the relay", async () => {
  await using hub = await startHub({
    args: ["--rate-limit", "0.5", "--rate-burst", "1"],
  });
  for (
    const client of [
      new ArcClient({ agentId: "http-agent", baseUrl: hub.url }),
      ArcClient.overRelay({
        agentId: "relay-agent",
        spoolDir: `${hub.dir}/spool`,
        timeoutMs: 10_000,
      }),
    ]
  ) {
    await using c = client;
    await c.post("general", "first");
    let caught: unknown;
    try {
      await c.post("general", "second");
    } catch (error) {
      caught = error;
    }
    assert(caught instanceof ArcError, `ArcError, got ${caught}`);
    assertEquals(caught.status, 429);
    assertEquals(caught.retryAfterSec, 2);
    assertStringIncludes(caught.message, "posting too fast");
  }
});
