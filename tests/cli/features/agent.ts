import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { eventually, startHub } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { arc } from "../_arc.ts";

Deno.test("post, poll and whoami act as an agent over HTTP, with flags or ARC_URL/ARC_AGENT", async () => {
  await using hub = await inProcessHub();
  const posted = await arc([
    "post",
    "--base-url",
    hub.url,
    "--agent",
    "alice",
    "hello",
    "team",
  ]);
  assertEquals(posted.code, 0, posted.stderr);
  const message = JSON.parse(posted.stdout);
  assertEquals(message.body, "hello team");
  assertEquals(message.channel, "general");

  const dm = await arc([
    "post",
    "--to",
    "bob",
    "--kind",
    "TASK_REQUEST",
    "--thread-id",
    "t1",
    "review please",
  ], {
    env: {
      ARC_URL: hub.url,
      ARC_AGENT: "alice",
    },
  });
  assertEquals(dm.code, 0, dm.stderr);
  assertEquals(JSON.parse(dm.stdout).to_agent, "bob");
  assertEquals(JSON.parse(dm.stdout).kind, "task_request");

  const polled = await arc([
    "poll",
    "--base-url",
    hub.url,
    "--agent",
    "bob",
    "--since-id",
    "0",
    "--timeout",
    "0",
  ]);
  assertEquals(polled.code, 0, polled.stderr);
  const lines = polled.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(lines.map((m) => m.body), ["hello team", "review please"]);

  // Without --since-id it waits for what comes next.
  const waiting = arc([
    "poll",
    "--base-url",
    hub.url,
    "--agent",
    "bob",
    "--timeout",
    "20",
  ]);
  await eventually(() => Promise.resolve(hub.hub.waiting.longPolls === 1), {
    what: "arc poll to wait",
  });
  await hub.api("POST", "/v1/messages", { from_agent: "carol", body: "fresh" });
  const next = await waiting;
  assertEquals(next.stdout.trim().split("\n").map((l) => JSON.parse(l).body), [
    "fresh",
  ]);

  const who = await arc(["whoami", "--base-url", hub.url, "--agent", "bob"]);
  assertEquals(who.code, 0);
  const boot = JSON.parse(who.stdout);
  assertEquals(boot.agent_id, "bob");
  assertEquals(boot.session.agent_id, "bob");
  assert(boot.latest_visible_id >= 3);
});

Deno.test("agent commands: hub errors print 'arc error:' and exit 1; usage errors exit 2", async () => {
  await using hub = await inProcessHub();
  const bad = await arc([
    "post",
    "--base-url",
    hub.url,
    "--agent",
    "a",
    "--channel",
    "nope",
    "x",
  ]);
  assertEquals(bad.code, 1);
  assertEquals(
    bad.stderr.trim(),
    "arc error: channel does not exist: nope (create it with POST /v1/channels)",
  );
  const down = await arc([
    "whoami",
    "--base-url",
    "http://127.0.0.1:9",
    "--agent",
    "a",
  ]);
  assertEquals(down.code, 1);
  assertStringIncludes(down.stderr, "arc error:");
  const noAgent = await arc(["whoami", "--base-url", hub.url]);
  assertEquals(noAgent.code, 2);
  assertStringIncludes(noAgent.stderr, "--agent is required");
  const noBody = await arc(["post", "--base-url", hub.url, "--agent", "a"]);
  assertEquals(noBody.code, 2);
  const badKind = await arc([
    "post",
    "--base-url",
    hub.url,
    "--agent",
    "a",
    "--kind",
    "shout",
    "x",
  ]);
  assertEquals(badKind.code, 2);
  assertStringIncludes(badKind.stderr, "--kind must be one of");
  for (const cmd of ["post", "poll", "whoami"]) {
    const help = await arc([cmd, "--help"]);
    assertEquals(help.code, 0);
    assertStringIncludes(help.stdout, `Usage: arc ${cmd}`);
  }
});

Deno.test("post and poll work through the file relay with --relay", async () => {
  await using hub = await startHub();
  const spool = `${hub.dir}/spool`;
  const posted = await arc([
    "post",
    "--relay",
    spool,
    "--agent",
    "sandboxed",
    "from the sandbox",
  ]);
  assertEquals(posted.code, 0, posted.stderr);
  const seen = await hub.api("GET", "/v1/messages?channel=general");
  assertEquals(seen.body.result[0].from_agent, "sandboxed");
  const polled = await arc([
    "poll",
    "--relay",
    spool,
    "--agent",
    "other",
    "--since-id",
    "0",
    "--timeout",
    "0",
  ]);
  assertEquals(
    polled.stdout.trim().split("\n").map((l) => JSON.parse(l).body),
    ["from the sandbox"],
  );
});
