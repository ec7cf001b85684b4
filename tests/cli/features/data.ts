/**
 * `arc export`, `arc import` and `arc backup` against real hub processes
 * and real SQLite files.
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { SqliteStore } from "../../../src/store/sqlite/store.ts";
import { inProcessHub } from "../../_harness.ts";
import {
  arc,
  assertSameContent,
  content,
  records,
  seed,
  seedVendor,
} from "../_data.ts";
import { hashSecret } from "../../../src/hub/identity.ts";

Deno.test("arc export then arc import gives a hub with identical content, ids and timestamps", async () => {
  await using source = await inProcessHub();
  await seed(source);
  const vendor = await seedVendor(source);
  // A session's secret stays behind: only its hash is stored, and neither leaves.
  const auditor = await source.api("POST", "/v1/sessions", {
    agent_id: "auditor",
  });
  const secret: string = auditor.body.result.arcdeno.secret;
  const work = await Deno.makeTempDir({ prefix: "arc-export-" });
  try {
    const file = `${work}/all.jsonl`;
    const exported = await arc([
      "export",
      "--base-url",
      source.url,
      "--out",
      file,
    ]);
    assertEquals(exported.code, 0, exported.stderr);
    assertStringIncludes(exported.stderr, "42 messages");
    const text = await Deno.readTextFile(file);
    assert(!text.includes(secret), "no session secret in the export");
    assert(!text.includes(await hashSecret(secret)), "no secret hash either");
    const lines = records(text);
    const header = lines[0];
    assertEquals(header.type, "header");
    assertEquals(header.format, "arcdeno-export");
    assertEquals(header.version, 2);
    const info = (await source.api("GET", "/v1/hub-info")).body.result;
    assertEquals(header.instance_id, info.instance_id);
    assert(info.features.includes("arcdeno:export"), "feature token");
    const end = lines.at(-1);
    assertEquals(end.type, "end");
    assertEquals(end.counts, {
      channel: 5,
      session: 3,
      message: 42,
      task: 5,
      claim: 2,
      lock: 3,
      lock_holder: 4,
      fence: 1,
      receipt: 6,
      ack_wait: 6,
      task_dep: 2,
      approval: 0,
    });
    assertEquals(lines.find((r) => r.type === "fence").value, 4);
    assertEquals(
      lines.filter((r) => r.type === "lock_holder").map((
        r,
      ) => [r.file_path, r.agent_id, r.mode, r.fence, r.primary]),
      [
        ["docs/**", "lead", "shared", 2, true],
        ["docs/**", "worker", "shared", 3, false],
        ["src/deploy.ts", "worker", "exclusive", 1, true],
        ["src/plan.ts", "lead", "exclusive", 4, true],
      ],
    );
    const messageIds = lines.filter((r) => r.type === "message").map((r) =>
      r.id
    );
    assertEquals(messageIds, [...messageIds].sort((a, b) => a - b));

    const target = `${work}/restored`;
    await Deno.mkdir(target);
    const imported = await arc([
      "import",
      "--storage",
      `${target}/arc.sqlite3`,
      file,
    ]);
    assertEquals(imported.code, 0, imported.stderr);
    assertStringIncludes(
      imported.stdout,
      "imported 5 channels, 3 sessions, 42 messages",
    );
    assertStringIncludes(imported.stdout, "4 lock_holders, 1 fences");

    await using restored = await inProcessHub({ dir: target });
    await assertSameContent(source, restored);
    const after = await content(restored);
    assertEquals(after[`receipts:${vendor.dm}`].acked, true);
    assertEquals(after[`depends:${vendor.tasks[2]}`].arcdeno.depends_on, [
      vendor.tasks[1],
    ]);
    assertEquals(
      after["locks"].map((
        l: { agent_id: string; released_at: string | null; arcdeno: unknown },
      ) => [l.agent_id, l.released_at === null, l.arcdeno])
        // deno-lint-ignore no-explicit-any
        .sort((x: any, y: any) => x[2].fence - y[2].fence),
      [
        ["worker", true, { mode: "exclusive", fence: 1 }],
        ["lead", true, { mode: "shared", fence: 2 }],
        ["worker", true, { mode: "shared", fence: 3 }],
        ["lead", false, { mode: "exclusive", fence: 4 }],
      ],
    );
    // The fence counter goes on where the source hub's stopped.
    const grant = await restored.api("POST", "/v1/locks", {
      agent_id: "lead",
      file_path: "src/next.ts",
      ttl_sec: 60,
    });
    assertEquals(grant.body.result.arcdeno.fence, 5);
    // The search index is rebuilt: every restored message is found.
    const found = await restored.api(
      "GET",
      "/v1/arcdeno/search?agent_id=lead&q=frozen",
    );
    assertEquals(
      found.body.result.map((m: { id: number }) => m.id),
      [vendor.broadcast],
    );
    const notes = await restored.api(
      "GET",
      "/v1/arcdeno/search?agent_id=lead&q=note&limit=100",
    );
    assertEquals(notes.body.result.length, 30);
    // Sessions come back inactive: agents register again.
    assertEquals((await restored.api("GET", "/v1/agents")).body.result, []);
    // Cursors stay valid: the next id follows the restored ones.
    const next = await restored.api("POST", "/v1/messages", {
      from_agent: "lead",
      channel: "general",
      body: "after the restore",
    });
    assertEquals(next.body.result.id, Math.max(...messageIds) + 1);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("arc export --storage reads a hub file directly and matches the HTTP export", async () => {
  await using hub = await inProcessHub();
  await seed(hub);
  const viaHttp = await arc(["export", "--base-url", hub.url]);
  const direct = await arc(["export", "--storage", hub.storage]);
  assertEquals(direct.code, 0, direct.stderr);
  const strip = (text: string) =>
    records(text).map((r) =>
      r.type === "header" ? { ...r, exported_at: 0 } : r
    );
  assertEquals(strip(direct.stdout), strip(viaHttp.stdout));
});

Deno.test("arc export --channel and --thread-id hold only that channel or thread", async () => {
  await using hub = await inProcessHub();
  await seed(hub);
  const ops = records(
    (await arc(["export", "--base-url", hub.url, "--channel", "ops"])).stdout,
  );
  assertEquals(ops[0].filter, { channel: "ops" });
  const opsRows = ops.slice(1, -1);
  assertEquals(
    opsRows.filter((r) => r.type === "channel").map((r) => r.name),
    ["ops"],
  );
  assert(
    opsRows.every((r) => r.type !== "channel" ? r.channel === "ops" : true),
    "only ops rows",
  );
  // The task, its subtask, the artifact and the rollup notice.
  assertEquals(opsRows.filter((r) => r.type === "message").length, 4);
  assertEquals(opsRows.filter((r) => r.type === "task").length, 2);
  assertEquals(ops.at(-1).counts.message, 4);

  const thread = records(
    (await arc(["export", "--base-url", hub.url, "--thread-id", "chat-1"]))
      .stdout,
  );
  const threadRows = thread.slice(1, -1);
  assertEquals(threadRows.map((r) => [r.type, r.name ?? r.body]), [
    ["channel", "general"],
    ["message", "lunch?"],
  ]);

  const deploy = records(
    (await arc(["export", "--base-url", hub.url, "--thread-id", "deploy-7"]))
      .stdout,
  ).slice(1, -1);
  assert(
    deploy.every((r) => r.type === "channel" || r.thread_id === "deploy-7"),
    "only deploy-7 rows",
  );
  assertEquals(
    deploy.filter((r) => r.type === "claim").map((r) => r.claim_key),
    [
      "deploy-7/build",
    ],
  );

  // A filtered export restores on its own.
  const work = await Deno.makeTempDir({ prefix: "arc-export-" });
  try {
    const file = `${work}/ops.jsonl`;
    assertEquals(
      (await arc([
        "export",
        "--base-url",
        hub.url,
        "--channel",
        "ops",
        "--out",
        file,
      ])).code,
      0,
    );
    assertEquals(
      (await arc(["import", "--storage", `${work}/r/arc.sqlite3`, file])).code,
      0,
    );
    await using restored = await inProcessHub({ dir: `${work}/r` });
    const [left, right] = [await content(hub), await content(restored)];
    assertEquals(right["messages:ops"], left["messages:ops"]);
    assertEquals(
      right["thread:deploy-7"].messages,
      left["thread:deploy-7"].messages,
    );
    assertEquals(right["messages:general"], []);
  } finally {
    await Deno.remove(work, { recursive: true });
  }

  const unknown = await arc([
    "export",
    "--base-url",
    hub.url,
    "--channel",
    "nope",
  ]);
  assertEquals(unknown.code, 1);
  assertStringIncludes(unknown.stderr, "channel not found: nope (HTTP 404)");
  const both = await hub.api(
    "GET",
    "/v1/arcdeno/export?channel=ops&thread_id=x",
  );
  assertEquals(both.status, 400);
  assertStringIncludes(both.body.error, "not both");
});

Deno.test("arc import refuses a hub that is not empty and leaves it untouched", async () => {
  await using hub = await inProcessHub();
  await seed(hub);
  const exported = await arc(["export", "--base-url", hub.url]);
  const work = await Deno.makeTempDir({ prefix: "arc-import-" });
  try {
    const file = `${work}/all.jsonl`;
    await Deno.writeTextFile(file, exported.stdout);
    await using other = await inProcessHub();
    await other.api("POST", "/v1/messages", {
      from_agent: "someone",
      channel: "general",
      body: "already here",
    });
    const before = await content(other);
    const refused = await arc(["import", "--storage", other.storage, file]);
    assertEquals(refused.code, 1);
    assertStringIncludes(
      refused.stderr,
      "it is not empty (it holds 1 messages",
    );
    assertStringIncludes(refused.stderr, "only restores into a new, empty hub");
    assertEquals(await content(other), before);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("arc import refuses a cut-off or malformed export and writes nothing", async () => {
  await using hub = await inProcessHub();
  await seed(hub);
  const lines = (await arc(["export", "--base-url", hub.url])).stdout.trimEnd()
    .split("\n");
  const work = await Deno.makeTempDir({ prefix: "arc-import-" });
  try {
    const target = `${work}/arc.sqlite3`;
    await Deno.writeTextFile(
      `${work}/cut.jsonl`,
      lines.slice(0, -5).join("\n"),
    );
    const cut = await arc(["import", "--storage", target, `${work}/cut.jsonl`]);
    assertEquals(cut.code, 1, cut.stdout + cut.stderr);
    assertStringIncludes(cut.stderr, "ends early");

    const broken = [...lines];
    const at = broken.findIndex((l) => l.startsWith('{"type":"message"'));
    broken[at] = broken[at]!.replace(/"body":"[^"]*"/, '"body":42');
    await Deno.writeTextFile(`${work}/bad.jsonl`, broken.join("\n"));
    const bad = await arc(["import", "--storage", target, `${work}/bad.jsonl`]);
    assertEquals(bad.code, 1, bad.stdout + bad.stderr);
    assertStringIncludes(
      bad.stderr,
      `line ${at + 1}: message field 'body' must be string, got 42`,
    );

    await Deno.writeTextFile(`${work}/other.jsonl`, '{"hello":1}\n');
    const other = await arc([
      "import",
      "--storage",
      target,
      `${work}/other.jsonl`,
    ]);
    assertEquals(other.code, 1, other.stdout + other.stderr);
    assertStringIncludes(other.stderr, "line 1: unknown record type");

    // Nothing was written by the failed attempts: the full export still fits.
    await Deno.writeTextFile(`${work}/all.jsonl`, lines.join("\n"));
    const good = await arc([
      "import",
      "--storage",
      target,
      `${work}/all.jsonl`,
    ]);
    assertEquals(good.code, 0, good.stderr);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("arc backup copies a hub under write load: the copy passes integrity_check and holds every acknowledged message", async () => {
  await using hub = await inProcessHub({ args: ["--rate-limit", "0"] });
  const acknowledged: number[] = [];
  let stop = false;
  const writer = async (n: number) => {
    for (let i = 0; !stop; i++) {
      const r = await hub.api("POST", "/v1/messages", {
        from_agent: `writer-${n}`,
        channel: "general",
        body: `writer ${n} post ${i} ${"x".repeat(200)}`,
      });
      assertEquals(r.status, 201);
      acknowledged.push(r.body.result.id);
    }
  };
  const writers = [0, 1, 2, 3].map(writer);
  try {
    while (acknowledged.length < 400) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const beforeBackup = [...acknowledged];
    const copy = `${hub.dir}/copy/backup.sqlite3`;
    await Deno.mkdir(`${hub.dir}/copy`);
    const run = await arc(["backup", "--storage", hub.storage, "--out", copy]);
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(run.stdout, "integrity ok");
    const afterBackup = acknowledged.length;
    stop = true;
    await Promise.all(writers);
    assert(
      afterBackup > beforeBackup.length,
      "writes went on during the backup",
    );

    const db = new DatabaseSync(copy, { readOnly: true });
    try {
      const check = db.prepare("PRAGMA integrity_check").get() as Record<
        string,
        unknown
      >;
      assertEquals(Object.values(check)[0], "ok");
      const ids = new Set(
        (db.prepare("SELECT id FROM messages").all() as { id: number }[]).map((
          r,
        ) => r.id),
      );
      const missing = beforeBackup.filter((id) => !ids.has(id));
      assertEquals(missing, []);
    } finally {
      db.close();
    }
    // The copy serves as a hub of its own.
    await using served = await inProcessHub({
      dir: `${hub.dir}/copy`,
      args: ["--storage", copy],
    });
    const first = await served.api(
      "GET",
      "/v1/messages?channel=general&limit=1",
    );
    assertEquals(first.body.result[0].id, 1);
  } finally {
    stop = true;
    await Promise.allSettled(writers);
  }

  const again = await arc([
    "backup",
    "--storage",
    hub.storage,
    "--out",
    `${hub.dir}/copy/backup.sqlite3`,
  ]);
  assertEquals(again.code, 1);
  assertStringIncludes(again.stderr, "the file exists");
  const pg = await arc([
    "backup",
    "--database",
    "postgres://u@localhost/db",
    "--out",
    "x",
  ]);
  assertEquals(pg.code, 1);
  assertStringIncludes(pg.stderr, "pg_dump");
});

Deno.test("arc backup into a missing or wrong folder says what is wrong with the destination", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-backup-dest-" });
  try {
    const storage = `${dir}/arc.sqlite3`;
    await SqliteStore.open(storage).close();
    const missing = await arc([
      "backup",
      "--storage",
      storage,
      "--out",
      `${dir}/no-such-folder/copy.sqlite3`,
    ]);
    assertEquals(missing.code, 1);
    assertEquals(missing.stderr.trim().split("\n").length, 1, missing.stderr);
    assertStringIncludes(
      missing.stderr,
      `the folder ${dir}/no-such-folder does not exist`,
    );
    assert(!missing.stderr.includes(`back up ${storage}`), missing.stderr);

    await Deno.writeTextFile(`${dir}/plain-file`, "");
    const notFolder = await arc([
      "backup",
      "--storage",
      storage,
      "--out",
      `${dir}/plain-file/copy.sqlite3`,
    ]);
    assertEquals(notFolder.code, 1);
    assertStringIncludes(
      notFolder.stderr,
      `${dir}/plain-file is not a folder`,
    );
    // Nothing was written and the source is intact.
    assertEquals(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      ["arc.sqlite3", "plain-file"],
    );
    const ok = await arc([
      "backup",
      "--storage",
      storage,
      "--out",
      `${dir}/copy.sqlite3`,
    ]);
    assertEquals(ok.code, 0, ok.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("arc export and arc import report progress on stderr for long work", async () => {
  const work = await Deno.makeTempDir({ prefix: "arc-progress-" });
  try {
    const source = `${work}/source.sqlite3`;
    await SqliteStore.open(source).close();
    const db = new DatabaseSync(source);
    try {
      db.exec("BEGIN");
      const insert = db.prepare(
        `INSERT INTO messages (ts, from_agent, channel, kind, body)
         VALUES ('2026-04-14T17:00:00Z', 'bulk', 'general', 'chat', ?)`,
      );
      for (let i = 0; i < 12_000; i++) insert.run(`row ${i}`);
      db.exec("COMMIT");
    } finally {
      db.close();
    }
    const file = `${work}/big.jsonl`;
    const exported = await arc(["export", "--storage", source, "--out", file]);
    assertEquals(exported.code, 0, exported.stderr);
    assertStringIncludes(exported.stderr, "exported 10000 records...");
    assertStringIncludes(exported.stderr, "12000 messages");
    const imported = await arc([
      "import",
      "--storage",
      `${work}/target.sqlite3`,
      file,
    ]);
    assertEquals(imported.code, 0, imported.stderr);
    assertStringIncludes(imported.stderr, "imported 10000 rows");
    assertStringIncludes(imported.stdout, "12000 messages");
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
