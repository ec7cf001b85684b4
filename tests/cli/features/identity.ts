/**
 * The agent commands on a hub with strict identity: each command is its own
 * process, and the secrets file carries the agent's secret from one to the
 * next, while a user without it is refused.
 */
import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { inProcessHub } from "../../_harness.ts";
import { arc } from "../_arc.ts";

Deno.test("post, poll and whoami keep the agent's secret in a 0600 secrets file between runs on a strict hub", async () => {
  await using hub = await inProcessHub({ args: ["--strict-identity"] });
  const file = `${hub.dir}/home/secrets.json`;
  const env = { ARC_URL: hub.url, ARC_AGENT: "alice", ARC_SECRETS_FILE: file };

  const first = await arc(["post", "first"], { env });
  assertEquals(first.code, 0, first.stderr);
  const stored = JSON.parse(await Deno.readTextFile(file));
  const instance = (await hub.api("GET", "/v1/hub-info")).body.result
    .instance_id;
  const s1 = stored.hubs[instance].alice;
  assertEquals(typeof s1, "string");
  if (Deno.build.os !== "windows") {
    assertEquals((await Deno.stat(file)).mode! & 0o777, 0o600);
  }

  // alice's session is live: the second process must prove it is alice.
  const second = await arc(["post", "second"], { env });
  assertEquals(second.code, 0, second.stderr);
  const s2 = JSON.parse(await Deno.readTextFile(file)).hubs[instance].alice;
  assert(s2 !== s1, "the secret rotates with every registration");
  const who = await arc(["whoami"], { env });
  assertEquals(who.code, 0, who.stderr);
  assertEquals(JSON.parse(who.stdout).agent_id, "alice");
  const polled = await arc(["poll", "--since-id", "0", "--timeout", "0"], {
    env: {
      ...env,
      ARC_AGENT: "bob",
    },
  });
  assertEquals(polled.code, 0, polled.stderr);
  assertEquals(
    polled.stdout.trim().split("\n").map((l) => JSON.parse(l).body),
    ["first", "second"],
  );

  // Another user (another secrets file) cannot post as alice while she is live.
  const mallory = await arc(["post", "I am alice"], {
    env: {
      ...env,
      ARC_SECRETS_FILE: `${hub.dir}/mallory/secrets.json`,
    },
  });
  assertEquals(mallory.code, 1);
  assertStringIncludes(mallory.stderr, "'alice'");
  assertStringIncludes(mallory.stderr, "strict identity");
  // ARC_SECRET overrides the file.
  const explicit = await arc(["post", "third"], {
    env: {
      ...env,
      ARC_SECRETS_FILE: `${hub.dir}/other/secrets.json`,
      ARC_SECRET: (await Deno.readTextFile(file)).match(
        /"alice": "([^"]+)"/,
      )![1]!,
    },
  });
  assertEquals(explicit.code, 0, explicit.stderr);
});

Deno.test("the agent commands write no secrets file for a hub without strict identity", async () => {
  await using hub = await inProcessHub();
  const file = `${hub.dir}/home/secrets.json`;
  const posted = await arc(["post", "hello"], {
    env: {
      ARC_URL: hub.url,
      ARC_AGENT: "alice",
      ARC_SECRETS_FILE: file,
    },
  });
  assertEquals(posted.code, 0, posted.stderr);
  const exists = await Deno.stat(file).then(() => true, () => false);
  assertEquals(exists, false);
});
