/**
 * Export and import on the PostgreSQL backend: a PostgreSQL hub exports
 * over HTTP and from its database directly, the export restores into an
 * empty PostgreSQL schema and into a SQLite file with identical content,
 * and a database that holds data is refused.
 */
import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { startHub } from "../_util.ts";
import {
  arc,
  assertSameContent,
  content,
  records,
  seed,
  seedVendor,
} from "../cli/_data.ts";
import { freshSchema, pgTest, startPgHubs } from "./_pg.ts";

pgTest(
  "postgres export: a PostgreSQL hub's export restores into PostgreSQL and SQLite with identical content",
  async () => {
    await using fromSchema = freshSchema();
    await using toSchema = freshSchema();
    const [source] = await startPgHubs(1, fromSchema.url);
    await using _source = source!;
    await seed(source!);
    const vendor = await seedVendor(source!);
    const work = await Deno.makeTempDir({ prefix: "arc-pg-export-" });
    try {
      const file = `${work}/all.jsonl`;
      const exported = await arc([
        "export",
        "--base-url",
        source!.url,
        "--out",
        file,
      ]);
      assertEquals(exported.code, 0, exported.stderr);
      const lines = records(await Deno.readTextFile(file));
      assertEquals(lines[0].backend, "postgres");
      assertEquals(lines.at(-1).counts.message, 42);
      const end = lines.at(-1).counts;
      assertEquals(
        [end.lock_holder, end.fence, end.receipt, end.ack_wait, end.task_dep],
        [4, 1, 6, 6, 2],
      );

      // Straight from the database, the same rows.
      const direct = await arc(["export"], {
        env: { ARC_DATABASE_URL: fromSchema.url },
      });
      assertEquals(direct.code, 0, direct.stderr);
      const rows = (text: string) =>
        records(text).filter((r) => r.type !== "header");
      assertEquals(rows(direct.stdout), lines.slice(1));

      const imported = await arc(["import", file], {
        env: { ARC_DATABASE_URL: toSchema.url },
      });
      assertEquals(imported.code, 0, imported.stderr);
      const [restored] = await startPgHubs(1, toSchema.url);
      await using _restored = restored!;
      await assertSameContent(source!, restored!);
      const after = await content(restored!);
      assertEquals(after[`receipts:${vendor.dm}`].acked, true);
      assertEquals(after[`depends:${vendor.tasks[2]}`].arcdeno.depends_on, [
        vendor.tasks[1],
      ]);
      const grant = await restored!.api("POST", "/v1/locks", {
        agent_id: "lead",
        file_path: "src/next.ts",
        ttl_sec: 60,
      });
      assertEquals(grant.body.result.arcdeno.fence, 5);
      const found = await restored!.api(
        "GET",
        "/v1/arcdeno/search?agent_id=lead&q=frozen",
      );
      assertEquals(
        found.body.result.map((m: { id: number }) => m.id),
        [vendor.broadcast],
      );
      const next = await restored!.api("POST", "/v1/messages", {
        from_agent: "lead",
        channel: "general",
        body: "after the restore",
      });
      const maxId = Math.max(
        ...lines.filter((r) => r.type === "message").map((r) => r.id),
      );
      assertEquals(next.body.result.id, maxId + 1);

      // Into a database that now holds data: refused.
      const again = await arc(["import", file], {
        env: { ARC_DATABASE_URL: toSchema.url },
      });
      assertEquals(again.code, 1);
      assertStringIncludes(again.stderr, "it is not empty");

      // Across backends: into a SQLite file.
      await Deno.mkdir(`${work}/sqlite`);
      const toSqlite = await arc([
        "import",
        "--storage",
        `${work}/sqlite/arc.sqlite3`,
        file,
      ]);
      assertEquals(toSqlite.code, 0, toSqlite.stderr);
      await using onSqlite = await startHub({ dir: `${work}/sqlite` });
      await assertSameContent(source!, onSqlite);
      const grantHere = await onSqlite.api("POST", "/v1/locks", {
        agent_id: "lead",
        file_path: "src/next.ts",
        ttl_sec: 60,
      });
      assertEquals(grantHere.body.result.arcdeno.fence, 5);
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
);

pgTest(
  "postgres export: the thread filter holds only that thread",
  async () => {
    await using schema = freshSchema();
    const [hub] = await startPgHubs(1, schema.url);
    await using _hub = hub!;
    await seed(hub!);
    const reply = await fetch(
      `${hub!.url}/v1/arcdeno/export?thread_id=deploy-7`,
    );
    assertEquals(reply.status, 200);
    assertStringIncludes(
      reply.headers.get("content-type") ?? "",
      "application/x-ndjson",
    );
    const rows = records(await reply.text()).slice(1, -1);
    assertEquals(
      rows.filter((r) => r.type !== "channel" && r.thread_id !== "deploy-7"),
      [],
    );
    assertEquals(rows.filter((r) => r.type === "message").length, 4);
  },
);
