/**
 * The vendor content of `arc export` / `arc import`: filtered exports carry
 * only the reservations, receipts and dependencies of what they hold, a
 * store whose vendor tables were never created exports and imports, a
 * version 1 export still imports, the approvals audit trail leaves with the
 * whole hub only, and the search index of an imported hub covers every
 * imported message.
 */
import { rules } from "../../store/_rules.ts";
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { SqliteStore } from "../../../src/store/sqlite/store.ts";
import { must } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { arc, content, records, seed, seedVendor } from "../_data.ts";

const VENDOR_TYPES = [
  "lock_holder",
  "fence",
  "receipt",
  "ack_wait",
  "task_dep",
];

/** Runs `arc import` of `file` into the hub directory `dir` (made if missing), which must succeed. */
async function importInto(dir: string, file: string) {
  await Deno.mkdir(dir, { recursive: true });
  const imported = await arc([
    "import",
    "--storage",
    `${dir}/arc.sqlite3`,
    file,
  ]);
  assertEquals(imported.code, 0, imported.stderr);
  return imported;
}

function tables(path: string): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    ).all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

Deno.test("a filtered export carries only the receipts and dependencies of its own messages and tasks", async () => {
  await using hub = await inProcessHub();
  await seed(hub);
  const vendor = await seedVendor(hub);
  // An edge from the plan thread to a task of another thread.
  const deploy = (await hub.api("GET", "/v1/tasks")).body.result.find((
    t: { thread_id: string; parent_task_id: number | null },
  ) => t.thread_id === "deploy-7" && t.parent_task_id === null);
  const edge = await hub.api(
    "POST",
    `/v1/arcdeno/tasks/${vendor.tasks[0]}/depends`,
    { depends_on: [deploy.task_id] },
  );
  assertEquals(edge.status, 200, JSON.stringify(edge.body));

  const plan = records(
    (await arc(["export", "--base-url", hub.url, "--thread-id", "plan-1"]))
      .stdout,
  );
  const planIds = new Set(
    plan.filter((r) => r.type === "message").map((r) => r.id),
  );
  const of = (type: string) => plan.filter((r) => r.type === type);
  assert(of("receipt").length > 0, "receipts of the thread");
  assert(of("receipt").every((r) => planIds.has(r.message_id)));
  assertEquals(
    of("ack_wait").map((r) => r.message_id).sort((a, b) => a - b),
    [...planIds].filter((id) =>
      plan.some((m) =>
        m.type === "message" && m.id === id &&
        (m.to_agent !== null || m.metadata.ack_required)
      )
    ).sort((a, b) => a - b),
  );
  // Only the edges inside the thread; the one to deploy-7 stays behind.
  assertEquals(
    of("task_dep").map((r) => [r.task_id, r.depends_on]),
    [[vendor.tasks[1], vendor.tasks[0]], [vendor.tasks[2], vendor.tasks[1]]],
  );
  // Locks are not part of a thread export, nor their holders and fence.
  assertEquals(of("lock_holder"), []);
  assertEquals(of("fence"), []);
  assertEquals(plan.at(-1).counts.task_dep, 2);

  const ops = records(
    (await arc(["export", "--base-url", hub.url, "--channel", "ops"])).stdout,
  );
  assertEquals(
    ops.filter((r) => VENDOR_TYPES.includes(r.type)),
    [],
    "the ops channel has no vendor rows",
  );

  // The thread restores on its own, its receipts and edges with it.
  const work = await Deno.makeTempDir({ prefix: "arc-vendor-" });
  try {
    const file = `${work}/plan.jsonl`;
    await Deno.writeTextFile(
      file,
      plan.map((r) => JSON.stringify(r)).join("\n") + "\n",
    );
    await importInto(`${work}/r`, file);
    await using restored = await inProcessHub({ dir: `${work}/r` });
    const [left, right] = [await content(hub), await content(restored)];
    assertEquals(right[`receipts:${vendor.dm}`], left[`receipts:${vendor.dm}`]);
    assertEquals(
      right[`receipts:${vendor.broadcast}`],
      left[`receipts:${vendor.broadcast}`],
    );
    assertEquals(
      right[`depends:${vendor.tasks[2]}`],
      left[`depends:${vendor.tasks[2]}`],
    );
    // The first task's edge to deploy-7 was not exported: it is ready here.
    assertEquals(right[`depends:${vendor.tasks[0]}`].arcdeno.depends_on, []);
    assertEquals(left[`depends:${vendor.tasks[0]}`].arcdeno.depends_on, [
      deploy.task_id,
    ]);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("a store whose vendor tables were never created exports, and its import creates them", async () => {
  const work = await Deno.makeTempDir({ prefix: "arc-vendor-" });
  try {
    const source = `${work}/source.sqlite3`;
    const store = SqliteStore.open(source);
    await rules(store).postMessage({
      from_agent: "lead",
      to_agent: null,
      channel: "general",
      kind: "chat",
      body: "from before reservations",
      attachments: [],
      reply_to: null,
      thread_id: null,
      metadata: {},
    }, null);
    await store.close();
    // As a database written by a hub without reservations.
    const db = new DatabaseSync(source);
    db.exec(
      "DROP TABLE arcdeno_lock_holders; DROP TABLE arcdeno_fence; DROP TABLE arcdeno_approvals",
    );
    db.close();
    assert(!tables(source).includes("arcdeno_lock_holders"));
    assert(!tables(source).includes("arcdeno_fence"));
    const exported = await arc(["export", "--storage", source]);
    assertEquals(exported.code, 0, exported.stderr);
    const lines = records(exported.stdout);
    assertEquals(lines.at(-1).counts.lock_holder, 0);
    assertEquals(lines.at(-1).counts.fence, 0);
    assertEquals(lines.at(-1).counts.message, 1);

    const file = `${work}/all.jsonl`;
    await Deno.writeTextFile(file, exported.stdout);
    await Deno.mkdir(`${work}/r`);
    const target = `${work}/r/arc.sqlite3`;
    const imported = await arc(["import", "--storage", target, file]);
    assertEquals(imported.code, 0, imported.stderr);
    for (
      const name of [
        "arcdeno_lock_holders",
        "arcdeno_fence",
        "arcdeno_receipts",
        "arcdeno_ack_waits",
        "arcdeno_task_deps",
        "arcdeno_approvals",
      ]
    ) {
      assert(tables(target).includes(name), `${name} created`);
    }
    await using restored = await inProcessHub({ dir: `${work}/r` });
    const grant = await restored.api("POST", "/v1/locks", {
      agent_id: "lead",
      file_path: "a.ts",
      ttl_sec: 60,
    });
    assertEquals(grant.body.result.arcdeno.fence, 1);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("the approvals audit trail leaves with a whole-hub export and comes back with who and when", async () => {
  await using hub = await inProcessHub();
  await seed(hub);
  const ask = (title: string) =>
    must(hub, "POST", "/v1/arcdeno/approvals", {
      agent_id: "worker",
      title,
      detail: title,
      choices: ["once", "always"],
      metadata: { tool_name: "Bash" },
      timeout_sec: 600,
    });
  const allowed = await ask("Bash: make");
  const denied = await ask("Bash: rm -rf /");
  await ask("Bash: ls");
  await must(hub, "POST", `/v1/arcdeno/approvals/${allowed.id}/decide`, {
    decision: "allow",
    by: "alice",
    choice: "always",
  });
  await must(hub, "POST", `/v1/arcdeno/approvals/${denied.id}/decide`, {
    decision: "deny",
    by: "bob",
    note: "never",
  });
  // waited_sec is derived from the clock: the stored row is compared.
  const list = async (h: typeof hub) =>
    ((await must(h, "GET", "/v1/arcdeno/approvals?limit=100")) as {
      id: string;
      waited_sec?: number;
    }[]).map(({ waited_sec: _, ...row }) => row)
      .sort((a, b) => a.id.localeCompare(b.id));
  const before = await list(hub);
  assertEquals(before.length, 3);

  const all = await arc(["export", "--base-url", hub.url]);
  assertEquals(all.code, 0, all.stderr);
  const lines = records(all.stdout);
  assertEquals(lines.at(-1).counts.approval, 3);
  assertEquals(
    lines.filter((r) => r.type === "approval").map((r) => r.status).sort(),
    ["allowed", "denied", "pending"],
  );
  const thread = records(
    (await arc(["export", "--base-url", hub.url, "--thread-id", "plan-1"]))
      .stdout,
  );
  assertEquals(thread.filter((r) => r.type === "approval"), []);

  const work = await Deno.makeTempDir({ prefix: "arc-vendor-" });
  try {
    const file = `${work}/all.jsonl`;
    await Deno.writeTextFile(file, all.stdout);
    const imported = await importInto(`${work}/r`, file);
    assertStringIncludes(imported.stdout + imported.stderr, "3 approvals");
    await using restored = await inProcessHub({ dir: `${work}/r` });
    assertEquals(await list(restored), before);
    // A line with an unknown outcome is refused with its line number.
    const bad = all.stdout.split("\n").map((line) =>
      line.startsWith('{"type":"approval"')
        ? line.replace('"status":"denied"', '"status":"maybe"')
        : line
    ).join("\n");
    assert(bad !== all.stdout);
    await Deno.writeTextFile(file, bad);
    const refused = await arc([
      "import",
      "--storage",
      `${work}/other.sqlite3`,
      file,
    ]);
    assert(refused.code !== 0, refused.stdout);
    assertStringIncludes(refused.stderr, "approval field 'status' must be");
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("a version 1 export without vendor rows still imports", async () => {
  await using hub = await inProcessHub();
  await seed(hub);
  await seedVendor(hub);
  const lines = records((await arc(["export", "--base-url", hub.url])).stdout);
  const old = lines
    .filter((r) => !VENDOR_TYPES.includes(r.type))
    .map((r) => {
      if (r.type === "header") return { ...r, version: 1 };
      if (r.type !== "end") return r;
      const counts = { ...r.counts };
      for (const type of VENDOR_TYPES) delete counts[type];
      return { ...r, counts };
    });
  const work = await Deno.makeTempDir({ prefix: "arc-vendor-" });
  try {
    const file = `${work}/v1.jsonl`;
    await Deno.writeTextFile(
      file,
      old.map((r) => JSON.stringify(r)).join("\n") + "\n",
    );
    const imported = await importInto(`${work}/r`, file);
    assertStringIncludes(imported.stdout, "42 messages");
    await using restored = await inProcessHub({ dir: `${work}/r` });
    const [left, right] = [await content(hub), await content(restored)];
    assertEquals(right["messages:plans"], left["messages:plans"]);
    assertEquals(right["tasks"], left["tasks"]);
    // Without holder rows the locks read as granted by a hub without fences.
    assert(
      right["locks"].every((l: { arcdeno: { fence: number } }) =>
        l.arcdeno.fence === 0
      ),
    );
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("an imported hub's search index starts over and finds every imported message", async () => {
  await using hub = await inProcessHub();
  await seed(hub);
  await seedVendor(hub);
  const exported = await arc(["export", "--base-url", hub.url]);
  const work = await Deno.makeTempDir({ prefix: "arc-vendor-" });
  try {
    const file = `${work}/all.jsonl`;
    await Deno.writeTextFile(file, exported.stdout);
    const dir = `${work}/r`;
    await Deno.mkdir(dir);
    {
      // The empty target hub builds its (empty) index first.
      await using empty = await inProcessHub({ dir });
      const none = await empty.api(
        "GET",
        "/v1/arcdeno/search?agent_id=lead&q=note",
      );
      assertEquals(none.body.result, []);
    }
    assert(tables(`${dir}/arc.sqlite3`).includes("arcdeno_search_state"));
    await importInto(dir, file);
    const db = new DatabaseSync(`${dir}/arc.sqlite3`, { readOnly: true });
    try {
      assertEquals(
        db.prepare("SELECT * FROM arcdeno_search_state").all(),
        [],
        "no high-water mark survives the import",
      );
    } finally {
      db.close();
    }
    await using restored = await inProcessHub({ dir });
    for (const [q, n] of [["note", 30], ["plan", 5], ["deploy", 2]] as const) {
      const [left, right] = await Promise.all(
        [hub, restored].map(async (h) =>
          (await h.api(
            "GET",
            `/v1/arcdeno/search?agent_id=lead&q=${q}&limit=100`,
          )).body.result.map((m: { id: number }) => m.id).sort()
        ),
      );
      assertEquals(right, left, q);
      assert(right.length >= n, `${q}: ${right.length} hits`);
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
