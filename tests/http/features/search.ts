import { assert, assertEquals } from "../../_assert.ts";
import { eventually, type HubLike, startHub } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { search, searchCases } from "../_search_cases.ts";

searchCases("search (sqlite)", (name, fn) =>
  Deno.test(name, async () => {
    await using hub = await inProcessHub();
    await fn(hub);
  }));

Deno.test("search: hub-info advertises the feature", async () => {
  await using hub = await inProcessHub();
  const info = (await hub.api("GET", "/v1/hub-info")).body.result;
  assert(info.features.includes("arcdeno:search"));
  assertEquals(info.arcdeno.search_max_limit, 100);
});

/** Inserts a row exactly as the reference hub's INSERT does, from another process. */
async function insertAsReference(
  storage: string,
  row: { from: string; body: string; to?: string; attachments?: unknown[] },
): Promise<number> {
  const script = `
import json, sqlite3, sys
from datetime import datetime, timezone
db = sqlite3.connect(sys.argv[1], timeout=5)
now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
cur = db.execute("INSERT INTO messages(ts,from_agent,to_agent,channel,kind,body,"
    "attachments_json,reply_to,thread_id,metadata_json) VALUES(?,?,?,?,?,?,?,?,?,?)",
    (now, sys.argv[2], sys.argv[4] or None, "direct" if sys.argv[4] else "general", "chat",
     sys.argv[3], json.dumps(json.loads(sys.argv[5])), None, None, json.dumps({})))
db.commit()
print(cur.lastrowid)
`;
  const out = await new Deno.Command("python3", {
    args: [
      "-c",
      script,
      storage,
      row.from,
      row.body,
      row.to ?? "",
      JSON.stringify(row.attachments ?? []),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  return Number(new TextDecoder().decode(out.stdout).trim());
}

async function ids(hub: HubLike, agent: string, q: string): Promise<number[]> {
  const r = await search(hub, agent, { q });
  assertEquals(r.status, 200, r.error);
  return r.hits.map((h: { id: number }) => h.id);
}

Deno.test(
  "search: messages written into the same file by another process are found, after the index existed",
  async () => {
    await using hub = await startHub();
    // Build the index first, so the new row must be caught up incrementally.
    await hub.api("POST", "/v1/messages", {
      from_agent: "alice",
      body: "before the outsider",
    });
    assertEquals((await ids(hub, "carol", "outsider")).length, 1);
    const id = await insertAsReference(hub.storage, {
      from: "refbot",
      body: "hello from the mongoose",
      attachments: [{ type: "text", content: "capybara notes" }],
    });
    const dm = await insertAsReference(hub.storage, {
      from: "refbot",
      to: "bob",
      body: "private mongoose",
    });
    assertEquals(await ids(hub, "carol", "mongoose"), [id]);
    assertEquals(await ids(hub, "carol", "capybara"), [id]);
    assertEquals((await ids(hub, "bob", "mongoose")).sort(), [id, dm].sort());
    // Our own posts after the outsider's keep being indexed.
    const ours = (await hub.api("POST", "/v1/messages", {
      from_agent: "alice",
      body: "mongoose again",
    })).body.result.id;
    assertEquals(
      (await ids(hub, "carol", "mongoose")).sort(),
      [id, ours].sort(),
    );
  },
);

Deno.test(
  "search: two hubs on one file index every message exactly once",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "arc-search-" });
    await using _cleanup = {
      [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
    };
    await using a = await startHub({ dir, keepDir: true });
    await using b = await startHub({ dir, keepDir: true });
    for (let i = 0; i < 30; i++) {
      await (i % 2 ? a : b).api("POST", "/v1/messages", {
        from_agent: "alice",
        body: `heron number ${i}`,
      });
    }
    const [ra, rb] = await Promise.all([
      search(a, "carol", { q: "heron", limit: 100 }),
      search(b, "carol", { q: "heron", limit: 100 }),
    ]);
    assertEquals(ra.hits.length, 30);
    assertEquals(rb.hits.length, 30);
    assertEquals(new Set(ra.hits.map((h: { id: number }) => h.id)).size, 30);
  },
);

const REF_DIR = Deno.env.get("ARC_REF_DIR");

Deno.test({
  name:
    "search: messages posted by the reference hub on the same file are found",
  ignore: !REF_DIR,
  async fn() {
    await using hub = await startHub();
    await hub.api("POST", "/v1/messages", {
      from_agent: "alice",
      body: "ours first",
    });
    assertEquals((await ids(hub, "carol", "ours")).length, 1);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const ref = new Deno.Command("python3", {
      args: [
        `${REF_DIR}/arc.py`,
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--storage",
        hub.storage,
        "--spool-dir",
        `${hub.dir}/ref-relay`,
        "--quiet",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      const base = `http://127.0.0.1:${port}`;
      await eventually(async () => {
        try {
          return (await fetch(`${base}/v1/hub-info`).then((r) => r.json())).ok;
        } catch {
          return false;
        }
      }, { what: "the reference hub" });
      const posted = await fetch(`${base}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          from_agent: "refbot",
          body: "posted through the reference: armadillo",
          attachments: [{ type: "code", content: "def pangolin(): pass" }],
        }),
      }).then((r) => r.json());
      assert(posted.ok, JSON.stringify(posted));
      assertEquals(await ids(hub, "carol", "armadillo"), [posted.result.id]);
      assertEquals(await ids(hub, "carol", "pangolin"), [posted.result.id]);
      // The reference keeps serving the file with our index in it.
      const read = await fetch(`${base}/v1/messages?channel=general`).then((
        r,
      ) => r.json());
      assertEquals(read.result.length, 2);
    } finally {
      ref.kill("SIGTERM");
      await ref.status;
    }
  },
});
