import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { eventually, type HubLike, request, startHub } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";

function lock(
  hub: HubLike,
  agent: string,
  path: string,
  extra: Record<string, unknown> = {},
) {
  return hub.api("POST", "/v1/locks", {
    agent_id: agent,
    file_path: path,
    ttl_sec: 60,
    ...extra,
  });
}

const SHARED = { arcdeno: { mode: "shared" } };

Deno.test("POST /v1/locks refuses a path inside another agent's glob, naming holder, pattern and time left", async () => {
  await using hub = await inProcessHub();
  const held = await lock(hub, "alice", "src/api/**");
  assertEquals(held.status, 201);
  assertEquals(held.body.result.arcdeno.mode, "exclusive");
  assert(held.body.result.arcdeno.fence >= 1);

  const denied = await lock(hub, "bob", "src/api/users.ts");
  assertEquals(denied.status, 200);
  assertEquals(denied.body.ok, true);
  assertEquals(denied.body.acquired, false);
  assertEquals(denied.body.result.agent_id, "alice");
  assertEquals(denied.body.result.file_path, "src/api/**");
  const v = denied.body.result.arcdeno;
  assertEquals(v.holder, "alice");
  assertEquals(v.pattern, "src/api/**");
  assert(
    v.expires_in_sec > 50 && v.expires_in_sec <= 60,
    `${v.expires_in_sec}`,
  );
  assertStringIncludes(v.reason, "alice holds 'src/api/**'");

  // A path outside the glob is free.
  assertEquals((await lock(hub, "bob", "src/web/app.ts")).status, 201);
});

Deno.test("POST /v1/locks refuses a glob that covers another agent's path, and pattern against pattern", async () => {
  await using hub = await inProcessHub();
  assertEquals((await lock(hub, "alice", "docs/guide.md")).status, 201);
  const wide = await lock(hub, "bob", "docs/*.md");
  assertEquals(wide.body.acquired, false);
  assertEquals(wide.body.result.arcdeno.holder, "alice");
  assertEquals(wide.body.result.arcdeno.pattern, "docs/guide.md");
  assertEquals((await lock(hub, "bob", "*.md")).status, 201);
  const other = await lock(hub, "carol", "[R]EADME.*");
  assertEquals(other.body.acquired, false);
  assertEquals(other.body.result.arcdeno.pattern, "*.md");
  assertEquals((await lock(hub, "carol", "src/?/x.ts")).status, 201);
  assertEquals((await lock(hub, "dave", "src/*/x.ts")).body.acquired, false);
  assertEquals((await lock(hub, "dave", "src/ab/x.ts")).status, 201);
});

Deno.test("POST /v1/locks lets shared holders overlap, refuses exclusive beside them, and lists every holder", async () => {
  await using hub = await inProcessHub();
  const a = await lock(hub, "alice", "src/**", SHARED);
  assertEquals(a.status, 201);
  assertEquals(a.body.result.arcdeno.mode, "shared");
  const b = await lock(hub, "bob", "src/**", SHARED);
  assertEquals(b.status, 201);
  assert(b.body.result.arcdeno.fence > a.body.result.arcdeno.fence);
  assertEquals((await lock(hub, "carol", "src/lib/*", SHARED)).status, 201);

  const ex = await lock(hub, "dave", "src/lib/x.ts");
  assertEquals(ex.body.acquired, false);
  assertEquals(ex.body.result.arcdeno.mode, "shared");
  const ex2 = await lock(hub, "dave", "docs/**", {
    arcdeno: { mode: "exclusive" },
  });
  assertEquals(ex2.status, 201);
  assertEquals(
    (await lock(hub, "erin", "docs/a", SHARED)).body.acquired,
    false,
  );

  const list = await hub.api("GET", "/v1/locks?active_only=true");
  const seen = list.body.result.map((l: Record<string, unknown>) =>
    `${l.file_path} ${l.agent_id} ${(l.arcdeno as { mode: string }).mode}`
  ).sort();
  assertEquals(seen, [
    "docs/** dave exclusive",
    "src/** alice shared",
    "src/** bob shared",
    "src/lib/* carol shared",
  ]);
  const bobs = await hub.api("GET", "/v1/locks?agent_id=bob");
  assertEquals(bobs.body.result.length, 1);

  // A second shared holder releases through the standard endpoint.
  const released = await hub.api("POST", "/v1/locks/release", {
    agent_id: "bob",
    file_path: "src/**",
  });
  assertEquals(released.status, 200);
  assert(released.body.result.released_at !== null);
  const bad = await lock(hub, "x", "a", { arcdeno: { mode: "both" } });
  assertEquals(bad.status, 400);
});

Deno.test("POST /v1/arcdeno/fence/check refuses a holder whose lease lapsed, before and after another agent takes over", async () => {
  await using hub = await inProcessHub();
  const old = await lock(hub, "alice", "src/**", { ttl_sec: 5 });
  const fence = old.body.result.arcdeno.fence;
  const check = (agent: string, f?: number) =>
    hub.api("POST", "/v1/arcdeno/fence/check", {
      agent_id: agent,
      paths: ["src/a.ts", "README.md"],
      ...(f !== undefined ? { fence: f } : {}),
    });

  const live = await check("alice", fence);
  assertEquals(live.status, 200);
  assertEquals(live.body.result.paths[0].allowed, true);
  assertEquals(live.body.result.paths[1].allowed, false);
  const stranger = await check("bob");
  assertEquals(stranger.body.result.paths[0].allowed, false);
  assertEquals(stranger.body.result.paths[0].blocked_by[0].agent_id, "alice");
  assertStringIncludes(
    stranger.body.result.paths[0].reason,
    "reserved by alice",
  );

  await hub.advance(6500);
  const lapsed = await check("alice", fence);
  assertEquals(lapsed.body.result.allowed, false);
  assertEquals(lapsed.body.result.paths[0].allowed, false);
  assertStringIncludes(lapsed.body.result.paths[0].reason, "lapsed at");

  const taken = await lock(hub, "bob", "src/a.ts");
  assertEquals(taken.status, 201);
  const newFence = taken.body.result.arcdeno.fence;
  assert(newFence > fence);
  const stale = await check("alice", fence);
  assertEquals(stale.body.result.paths[0].allowed, false);
  assertStringIncludes(stale.body.result.paths[0].reason, "reserved by bob");
  const holder = await hub.api("POST", "/v1/arcdeno/fence/check", {
    agent_id: "bob",
    paths: ["src/a.ts"],
    fence: newFence,
  });
  assertEquals(holder.body.result.allowed, true);
  const oldFence = await hub.api("POST", "/v1/arcdeno/fence/check", {
    agent_id: "bob",
    paths: ["src/a.ts"],
    fence,
  });
  assertEquals(oldFence.body.result.allowed, false);
  assertStringIncludes(oldFence.body.result.paths[0].reason, "is stale");

  const invalid = await hub.api("POST", "/v1/arcdeno/fence/check", {
    agent_id: "bob",
    paths: "src/a.ts",
  });
  assertEquals(invalid.status, 400);
  const info = await hub.api("GET", "/v1/hub-info");
  assert(info.body.result.features.includes("arcdeno:reservations"));
});

const REF_DIR = Deno.env.get("ARC_REF_DIR");

Deno.test({
  name:
    "the reference Python client locks and unlocks exact paths beside a shared glob reservation",
  ignore: !REF_DIR,
  async fn() {
    // Two processes on one file: this one stays a real hub process.
    await using hub = await startHub();
    assertEquals((await lock(hub, "sharer", "docs/**", SHARED)).status, 201);
    const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(REF_DIR)})
from arc import ArcClient
c = ArcClient("pyagent", base_url=${JSON.stringify(hub.url)})
got = c.lock("src/main.py", ttl_sec=60)
denied = c.lock("docs/intro.md", ttl_sec=60)
released = c.unlock("src/main.py")
again = c.lock("src/main.py", ttl_sec=60)
print(json.dumps({"got": got, "denied": denied, "released": released, "again": again}))
`;
    const out = await new Deno.Command("python3", {
      args: ["-c", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    const r = JSON.parse(new TextDecoder().decode(out.stdout));
    assertEquals(r.got.agent_id, "pyagent");
    assertEquals(r.got.file_path, "src/main.py");
    assertEquals(r.denied.agent_id, "sharer");
    assert(r.released.released_at !== null);
    assertEquals(r.again.agent_id, "pyagent");
    // The first holder of the shared glob is a plain row of the locks table.
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(hub.storage, { readOnly: true });
    try {
      const row = db.prepare("SELECT agent_id FROM locks WHERE file_path = ?")
        .get("docs/**") as { agent_id: string };
      assertEquals(row.agent_id, "sharer");
    } finally {
      db.close();
    }
  },
});

Deno.test({
  name:
    "a reference hub on the same SQLite file sees a shared glob's first holder as a plain lock, then its heir",
  ignore: !REF_DIR,
  async fn() {
    // Two processes on one file: this one stays a real hub process.
    await using hub = await startHub();
    await lock(hub, "sharer1", "docs/**", SHARED);
    await lock(hub, "sharer2", "docs/**", SHARED);
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const ref = new Deno.Command("python3", {
      args: [
        `${REF_DIR}/arc.py`,
        "--port",
        String(port),
        "--storage",
        hub.storage,
        "--spool-dir",
        `${hub.dir}/refspool`,
        "--quiet",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const base = `http://127.0.0.1:${port}`;
    try {
      await eventually(
        () =>
          request(base, "GET", "/v1/hub-info").then(
            (r) => r.status === 200,
            () => false,
          ),
        { what: "the reference hub" },
      );
      const seen = await request(base, "GET", "/v1/locks?active_only=true");
      assertEquals(
        seen.body.result.map((l: { file_path: string; agent_id: string }) =>
          `${l.file_path} ${l.agent_id}`
        ),
        ["docs/** sharer1"],
      );
      const denied = await request(base, "POST", "/v1/locks", {
        agent_id: "pyagent",
        file_path: "docs/**",
      });
      assertEquals(denied.body.acquired, false);
      assertEquals(denied.body.result.agent_id, "sharer1");
      await hub.api("POST", "/v1/locks/release", {
        agent_id: "sharer1",
        file_path: "docs/**",
      });
      const after = await request(base, "GET", "/v1/locks?active_only=true");
      assertEquals(
        after.body.result.map((l: { agent_id: string }) => l.agent_id),
        ["sharer2"],
      );
    } finally {
      ref.kill("SIGTERM");
      await ref.status;
    }
  },
});

Deno.test("POST /v1/arcdeno/fence/check refuses more than 1,000,000 path characters with 400", async () => {
  await using hub = await inProcessHub();
  const paths = Array.from(
    { length: 300 },
    (_, i) => `${i}/${"x".repeat(4000)}`,
  );
  const check = await hub.api("POST", "/v1/arcdeno/fence/check", {
    agent_id: "bob",
    paths,
  });
  assertEquals(check.status, 400);
  assertStringIncludes(check.body.error, "at most 1000000 characters");
});
