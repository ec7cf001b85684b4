/**
 * Strict agent identity over HTTP, against in-process hubs (`../_harness.ts`): impersonation
 * is refused with 403 naming the agent, the matching agent succeeds, secrets
 * rotate on replace, are stored only as hashes and never show up in
 * listings; in default mode nothing is refused.
 */
import { DatabaseSync } from "node:sqlite";
import {
  assert,
  assertEquals,
  assertNotEquals,
  assertStringIncludes,
} from "../../_assert.ts";
import { request } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";

const SECRET_HEADER = "X-Arcdeno-Secret";

async function register(
  url: string,
  agent: string,
  headers: HeadersInit = {},
  extra: Record<string, unknown> = {},
) {
  return await request(url, "POST", "/v1/sessions", {
    agent_id: agent,
    ...extra,
  }, headers);
}

function as(secret: string): HeadersInit {
  return { [SECRET_HEADER]: secret };
}

Deno.test("strict identity: hub-info advertises it and POST /v1/sessions returns a 43-character secret", async () => {
  await using hub = await inProcessHub({ args: ["--strict-identity"] });
  const info = await hub.api("GET", "/v1/hub-info");
  assert(info.body.result.features.includes("arcdeno:identity"));
  assertEquals(info.body.result.arcdeno.strict_identity, true);
  const reg = await register(hub.url, "alice");
  assertEquals(reg.status, 201);
  const secret = reg.body.result.arcdeno.secret;
  assertEquals(typeof secret, "string");
  assertEquals(secret.length, 43);
  assertEquals(reg.body.result.agent_id, "alice");
});

Deno.test("strict identity: acting as another agent is refused with 403 naming the agent; its own secret works", async () => {
  await using hub = await inProcessHub({ args: ["--strict-identity"] });
  const alice = (await register(hub.url, "alice")).body.result.arcdeno.secret;
  const mallory = (await register(hub.url, "mallory")).body.result.arcdeno
    .secret;

  const post = (from: string, headers: HeadersInit) =>
    request(hub.url, "POST", "/v1/messages", {
      from_agent: from,
      channel: "general",
      body: "hi",
    }, headers);

  const missing = await post("alice", {});
  assertEquals(missing.status, 403);
  assertStringIncludes(missing.body.error, "'alice'");
  assertStringIncludes(missing.body.error, "no secret was sent");

  const wrong = await post("alice", as(mallory));
  assertEquals(wrong.status, 403);
  assertStringIncludes(wrong.body.error, "'alice'");
  assertStringIncludes(wrong.body.error, "secret sent is wrong");

  const nobody = await post("ghost", as(mallory));
  assertEquals(nobody.status, 403);
  assertStringIncludes(nobody.body.error, "'ghost'");
  assertStringIncludes(nobody.body.error, "no live session");

  assertEquals((await post("alice", as(alice))).status, 201);
  // Authorization: Bearer works too on loopback.
  assertEquals(
    (await post("alice", { authorization: `Bearer ${alice}` })).status,
    201,
  );

  // Every other way of acting as alice is guarded as well.
  const attempts: [string, string, unknown][] = [
    ["GET", "/v1/events?agent_id=alice&timeout=0", undefined],
    ["GET", "/v1/stream?agent_id=alice", undefined],
    ["GET", "/v1/inbox/alice", undefined],
    ["GET", "/v1/bootstrap?agent_id=alice", undefined],
    ["GET", "/v1/agents?as=alice", undefined],
    ["POST", "/v1/sessions/alice/rename", { display_name: "Mallory" }],
    ["POST", "/v1/claims", { owner_agent_id: "alice", claim_key: "k" }],
    ["POST", "/v1/claims/refresh", { owner_agent_id: "alice", claim_key: "k" }],
    ["POST", "/v1/claims/release", { agent_id: "alice", claim_key: "k" }],
    ["POST", "/v1/locks", { agent_id: "alice", file_path: "a.ts" }],
    ["POST", "/v1/locks/refresh", { agent_id: "alice", file_path: "a.ts" }],
    ["POST", "/v1/locks/release", { agent_id: "alice", file_path: "a.ts" }],
    ["POST", "/v1/channels", { name: "ops", created_by: "alice" }],
    ["POST", "/v1/tasks/1/complete", { agent_id: "alice" }],
  ];
  for (const [method, path, body] of attempts) {
    const reply = await request(hub.url, method, path, body, as(mallory));
    assertEquals(reply.status, 403, `${method} ${path}`);
    assert(reply.body.error.includes("'alice'"), `${method} ${path}`);
  }
  // alice's session is intact, and reading public listings needs nothing.
  const agents = await hub.api("GET", "/v1/agents");
  assertEquals(agents.status, 200);
  const aliceRow = agents.body.result.find((a: { agent_id: string }) =>
    a.agent_id === "alice"
  );
  assertEquals(aliceRow.display_name, "alice");
  assertEquals((await hub.api("GET", "/v1/locks?agent_id=alice")).status, 200);
  assertEquals(
    (await hub.api("GET", "/v1/messages?channel=general")).status,
    200,
  );

  // Deleting alice's session by its id is acting as alice.
  const sessionId = aliceRow.session_id;
  const del = await request(
    hub.url,
    "DELETE",
    `/v1/sessions/${sessionId}`,
    undefined,
    as(mallory),
  );
  assertEquals(del.status, 403);
  assertStringIncludes(del.body.error, "'alice'");
  const claim = await request(hub.url, "POST", "/v1/claims", {
    owner_agent_id: "alice",
    claim_key: "k",
  }, as(alice));
  assertEquals(claim.status, 201);
  const ok = await request(
    hub.url,
    "DELETE",
    `/v1/sessions/${sessionId}`,
    undefined,
    as(alice),
  );
  assertEquals(ok.status, 200);
});

Deno.test("strict identity: replacing a live session needs its secret and rotates it", async () => {
  await using hub = await inProcessHub({ args: ["--strict-identity"] });
  const first = (await register(hub.url, "alice")).body.result;
  const s1 = first.arcdeno.secret;

  const plain = await register(hub.url, "alice");
  assertEquals(plain.status, 409); // the protocol's answer without replace

  const hijack = await register(hub.url, "alice", {}, { replace: true });
  assertEquals(hijack.status, 403);
  assertStringIncludes(hijack.body.error, "replace the live session");
  assertStringIncludes(hijack.body.error, "'alice'");
  const guessed = await register(hub.url, "alice", as("x".repeat(43)), {
    replace: true,
  });
  assertEquals(guessed.status, 403);

  const again = await register(hub.url, "alice", as(s1), { replace: true });
  assertEquals(again.status, 201);
  const s2 = again.body.result.arcdeno.secret;
  assertNotEquals(s2, s1);
  assertNotEquals(again.body.result.session_id, first.session_id);

  const post = (secret: string) =>
    request(hub.url, "POST", "/v1/messages", {
      from_agent: "alice",
      channel: "general",
      body: "after rotation",
    }, as(secret));
  const old = await post(s1);
  assertEquals(old.status, 403);
  assertStringIncludes(old.body.error, "secret sent is wrong");
  assertEquals((await post(s2)).status, 201);
});

Deno.test("strict identity: an expired session can be taken over without its secret", async () => {
  await using hub = await inProcessHub({
    args: ["--strict-identity", "--presence-ttl", "5"],
  });
  const old = (await register(hub.url, "alice")).body.result.arcdeno.secret;
  await hub.advance(6_500);
  const taken = await register(hub.url, "alice", {}, { replace: true });
  assertEquals(taken.status, 201);
  const post = await request(hub.url, "POST", "/v1/messages", {
    from_agent: "alice",
    channel: "general",
    body: "mine now",
  }, as(old));
  assertEquals(post.status, 403);
});

Deno.test("strict identity: a remote-style request sends the token in Authorization and the secret in X-Arcdeno-Secret", async () => {
  const token = "t0ken-for-remote-peers-1234";
  await using hub = await inProcessHub({
    args: ["--strict-identity", "--token", token],
  });
  const secret = (await register(hub.url, "alice", {
    authorization: `Bearer ${token}`,
  })).body.result.arcdeno.secret;
  const body = { from_agent: "alice", channel: "general", body: "both" };
  // The token alone is not taken for alice's secret.
  const tokenOnly = await request(hub.url, "POST", "/v1/messages", body, {
    authorization: `Bearer ${token}`,
  });
  assertEquals(tokenOnly.status, 403);
  assertStringIncludes(tokenOnly.body.error, "no secret was sent");
  const both = await request(hub.url, "POST", "/v1/messages", body, {
    authorization: `Bearer ${token}`,
    [SECRET_HEADER]: secret,
  });
  assertEquals(both.status, 201);
});

Deno.test("identity: the secret is stored only as its SHA-256 hash and never shown in listings", async () => {
  await using hub = await inProcessHub({ args: ["--strict-identity"] });
  const reg = (await register(hub.url, "alice")).body.result;
  const secret: string = reg.arcdeno.secret;
  const h = as(secret);
  await request(hub.url, "POST", "/v1/messages", {
    from_agent: "alice",
    channel: "general",
    body: "hello",
  }, h);
  const outputs = await Promise.all([
    request(hub.url, "GET", "/v1/agents", undefined, h),
    request(hub.url, "GET", "/v1/bootstrap?agent_id=alice", undefined, h),
    request(
      hub.url,
      "GET",
      "/v1/events?agent_id=alice&timeout=0",
      undefined,
      h,
    ),
    request(hub.url, "GET", "/v1/threads", undefined, h),
    request(hub.url, "GET", "/v1/hub-info", undefined, h),
    request(hub.url, "GET", "/metrics", undefined, h),
    request(hub.url, "GET", "/", undefined, h),
    request(hub.url, "POST", "/v1/sessions/alice/rename", {
      display_name: "Alice",
    }, h),
  ]);
  for (const reply of outputs) {
    assert(reply.status < 300, `${reply.status}`);
    const text = typeof reply.body === "string"
      ? reply.body
      : JSON.stringify(reply.body);
    assert(!text.includes(secret), "secret leaked into a response");
  }
  assert(!hub.output().includes(secret), "secret leaked into the log");

  const db = new DatabaseSync(hub.storage, { readOnly: true });
  try {
    const rows = db.prepare(
      "SELECT session_id, agent_id, secret_hash FROM arcdeno_session_secrets",
    ).all() as { session_id: string; agent_id: string; secret_hash: string }[];
    assertEquals(rows.length, 1);
    assertEquals(rows[0]!.session_id, reg.session_id);
    assertNotEquals(rows[0]!.secret_hash, secret);
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret)),
    );
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0"))
      .join("");
    assertEquals(rows[0]!.secret_hash, hex);
    // The reference tables keep their columns.
    const columns = db.prepare("PRAGMA table_info(sessions)").all().map((
      c,
    ) => (c as { name: string }).name);
    assertEquals(columns, [
      "session_id",
      "agent_id",
      "display_name",
      "capabilities_json",
      "metadata_json",
      "created_at",
      "last_seen",
      "active",
    ]);
  } finally {
    db.close();
  }
});

Deno.test("identity off (default): anyone may act as anyone, and sessions still carry a secret", async () => {
  await using hub = await inProcessHub();
  const info = await hub.api("GET", "/v1/hub-info");
  assertEquals(info.body.result.arcdeno.strict_identity, false);
  const reg = await register(hub.url, "alice");
  assertEquals(typeof reg.body.result.arcdeno.secret, "string");
  const post = await hub.api("POST", "/v1/messages", {
    from_agent: "alice",
    channel: "general",
    body: "no secret needed",
  });
  assertEquals(post.status, 201);
  const replaced = await hub.api("POST", "/v1/sessions", {
    agent_id: "alice",
    replace: true,
  });
  assertEquals(replaced.status, 201);
});

Deno.test("strict identity: the HTTP export is refused (it holds every DM), while a fence check needs no secret", async () => {
  await using hub = await inProcessHub({ args: ["--strict-identity"] });
  const alice = (await register(hub.url, "alice")).body.result.arcdeno.secret;
  await request(hub.url, "POST", "/v1/messages", {
    from_agent: "alice",
    to_agent: "bob",
    body: "for bob only",
  }, as(alice));
  const res = await fetch(`${hub.url}/v1/arcdeno/export`);
  const text = await res.text();
  assertEquals(res.status, 403);
  assert(!text.includes("for bob only"), text);
  assertStringIncludes(JSON.parse(text).error, "arc export --storage");

  // The git guard asks this for a committer that holds no secret.
  const lock = await request(hub.url, "POST", "/v1/locks", {
    agent_id: "alice",
    file_path: "src/**",
  }, as(alice));
  assertEquals(lock.status, 201);
  const check = await request(hub.url, "POST", "/v1/arcdeno/fence/check", {
    agent_id: "bob",
    paths: ["src/a.ts"],
  });
  assertEquals(check.status, 200);
  assertEquals(check.body.result.allowed, false);
  assertEquals(check.body.result.paths[0].blocked_by[0].agent_id, "alice");
});
