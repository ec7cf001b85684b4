import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { startHub } from "../_util.ts";
import { inProcessHub } from "../_harness.ts";
import { search, searchCases } from "../http/_search_cases.ts";
import { freshSchema, pgTest, recycledSchema, withPgHubs } from "./_pg.ts";

searchCases("search (postgres)", (name, fn) =>
  pgTest(name, async () => {
    await using schema = recycledSchema();
    await using hub = await inProcessHub({ args: ["--database", schema.url] });
    await fn(hub);
  }));

pgTest(
  "search (postgres): a message posted through one hub is found through another at once",
  () =>
    withPgHubs(2, async (hubs, schema) => {
      const [a, b] = hubs as [typeof hubs[0], typeof hubs[0]];
      const posted = await a.api("POST", "/v1/messages", {
        from_agent: "alice",
        body: "the wombat has landed",
      });
      const r = await search(b, "carol", { q: "wombat" });
      assertEquals(r.hits.map((h: { id: number }) => h.id), [
        posted.body.result.id,
      ]);
      // The search can use the GIN index over the stored documents.
      const plan = await schema.admin.begin(async (tx) => {
        await tx.unsafe("SET LOCAL enable_seqscan = off");
        return await tx.unsafe(
          `EXPLAIN SELECT id FROM arcdeno_search_docs
           WHERE doc @@ phraseto_tsquery('simple', 'wombat')`,
        );
      });
      const text = plan.map((r) => String(r["QUERY PLAN"])).join("\n");
      assertStringIncludes(text, "arcdeno_search_docs_gin");
    }),
);

pgTest(
  "search (postgres): a message too large for one tsvector is still stored and found by its head",
  async () => {
    await using schema = recycledSchema();
    await using hub = await inProcessHub({ args: ["--database", schema.url] });
    let n = 0;
    const words = (chars: number) => {
      let text = "";
      while (text.length < chars - 12) text += `w${(n++).toString(36)} `;
      return text;
    };
    const posted = await hub.api("POST", "/v1/messages", {
      from_agent: "alice",
      body: `kookaburra ${words(120_000)}`,
      attachments: Array.from(
        { length: 5 },
        () => ({ type: "text", content: words(250_000) }),
      ),
    });
    assertEquals(posted.status, 201, JSON.stringify(posted.body).slice(0, 300));
    const r = await search(hub, "carol", { q: "kookaburra" });
    assertEquals(r.hits.map((h: { id: number }) => h.id), [
      posted.body.result.id,
    ]);
  },
);

pgTest(
  "search (postgres): messages stored before the index existed, or by another writer, are found",
  async () => {
    await using schema = freshSchema();
    {
      await using hub = await startHub({ database: schema.url });
      await hub.api("POST", "/v1/messages", {
        from_agent: "alice",
        body: "an early heron",
      });
    }
    // As if the database came from a hub without search: no trigger, no documents.
    await schema.admin.unsafe(
      "DROP TRIGGER arcdeno_search_index ON messages; TRUNCATE arcdeno_search_docs",
    );
    await schema.admin.unsafe(
      `INSERT INTO messages (id, ts, from_agent, channel, kind, body)
       VALUES (nextval('arc_message_id_seq'), '2026-01-01T00:00:00Z', 'old', 'general', 'chat', 'a stored heron')`,
    );
    await using hub = await startHub({ database: schema.url });
    assertEquals((await search(hub, "carol", { q: "heron" })).hits.length, 2);
    // Another writer on the database, straight into the table.
    await schema.admin.unsafe(
      `INSERT INTO messages (id, ts, from_agent, channel, kind, body)
       VALUES (nextval('arc_message_id_seq'), '2026-01-01T00:00:01Z', 'other', 'general', 'chat', 'a late heron')`,
    );
    assertEquals((await search(hub, "carol", { q: "heron" })).hits.length, 3);
  },
);
