/** `arc post --to` warns on stderr when the recipient is unknown or expired. */

import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { inProcessHub } from "../../_harness.ts";
import { arc } from "../_arc.ts";

Deno.test("post --to warns on stderr for an unknown or expired recipient, and still posts", async () => {
  await using hub = await inProcessHub({ args: ["--presence-ttl", "5"] });
  const post = (to: string, body: string) =>
    arc(["post", "--base-url", hub.url, "--agent", "alice", "--to", to, body]);

  const ghost = await post("ghost", "anyone there?");
  assertEquals(ghost.code, 0, ghost.stderr);
  assertStringIncludes(ghost.stderr, "never seen agent 'ghost'");
  const stored = JSON.parse(ghost.stdout);
  assertEquals(stored.arcdeno, { recipient: "unknown" });
  const inbox = await hub.api("GET", "/v1/inbox/ghost");
  assertEquals(inbox.body.result[0].body, "anyone there?");

  await hub.api("POST", "/v1/sessions", { agent_id: "bob" });
  const live = await post("bob", "hi bob");
  assertEquals(live.code, 0, live.stderr);
  assert(!live.stderr.includes("warning"), live.stderr);

  await hub.advance(6500);
  const expired = await post("bob", "still there?");
  assertEquals(expired.code, 0, expired.stderr);
  assertStringIncludes(expired.stderr, "'bob' has no live session (expired)");
});
