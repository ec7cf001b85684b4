/**
 * The search behaviours every backend must show, run against a real hub
 * process by `tests/http/features/search.ts` (SQLite) and
 * `tests/postgres/search_test.ts` (PostgreSQL).
 *
 * @module
 */

import { assert, assertEquals } from "../_assert.ts";
import type { HubLike } from "../_util.ts";

// deno-lint-ignore no-explicit-any
type Hit = any;

/** Searches as `agent` and returns the status and hits. */
export async function search(
  hub: HubLike,
  agent: string,
  params: Record<string, string | number> = {},
): Promise<{ status: number; hits: Hit[]; error?: string }> {
  const qs = new URLSearchParams({ agent_id: agent });
  for (const [k, v] of Object.entries(params)) qs.set(k, String(v));
  const reply = await hub.api("GET", `/v1/arcdeno/search?${qs}`);
  return {
    status: reply.status,
    hits: reply.body.ok ? reply.body.result : [],
    ...(reply.body.ok ? {} : { error: String(reply.body.error) }),
  };
}

async function post(hub: HubLike, body: Record<string, unknown>) {
  const reply = await hub.api("POST", "/v1/messages", body);
  assertEquals(reply.status, 201, JSON.stringify(reply.body));
  return reply.body.result;
}

/** Registers the shared search tests; `start` opens a fresh hub. */
export function searchCases(
  prefix: string,
  register: (name: string, fn: (hub: HubLike) => Promise<void>) => void,
): void {
  register(
    `${prefix}: finds a message by body, attachment text and thread id, with the message's own shape`,
    async (hub) => {
      await hub.api("POST", "/v1/channels", { name: "ops" });
      const byBody = await post(hub, {
        from_agent: "alice",
        channel: "ops",
        body: "The deploy of the quasar service failed",
      });
      const byCode = await post(hub, {
        from_agent: "alice",
        body: "see the patch",
        attachments: [
          { type: "code", language: "ts", content: "function frobnicate() {}" },
          { type: "file_ref", path: "src/hub/zebra.ts" },
          { type: "json", content: { note: { deep: "xylophone" } } },
        ],
      });
      const byThread = await post(hub, {
        from_agent: "bob",
        body: "status update",
        thread_id: "thr-octopus-7",
      });
      const one = await search(hub, "carol", { q: "quasar" });
      assertEquals(one.status, 200);
      assertEquals(one.hits.map((h: Hit) => h.id), [byBody.id]);
      const hit = one.hits[0];
      // The message exactly as /v1/messages returns it, plus the vendor object.
      const { arcdeno, ...message } = hit;
      const listed = await hub.api("GET", "/v1/messages?channel=ops");
      assertEquals(message, listed.body.result[0]);
      assert(arcdeno.score > 0, "a positive score");
      assert(arcdeno.snippet.includes("quasar"), arcdeno.snippet);
      const [start, end] = arcdeno.highlights[0];
      assertEquals(arcdeno.snippet.slice(start, end).toLowerCase(), "quasar");

      for (
        const q of ["frobnicate", "zebra", "xylophone", "src/hub/zebra.ts"]
      ) {
        const r = await search(hub, "carol", { q });
        assertEquals(r.hits.map((h: Hit) => h.id), [byCode.id], q);
      }
      const t = await search(hub, "carol", { q: "thr-octopus-7" });
      assertEquals(t.hits.map((h: Hit) => h.id), [byThread.id]);
      // Prefix, phrase, OR and exclusion.
      assertEquals(
        (await search(hub, "carol", { q: "frobn*" })).hits.map((h: Hit) =>
          h.id
        ),
        [byCode.id],
      );
      assertEquals(
        (await search(hub, "carol", { q: '"quasar service"' })).hits.length,
        1,
      );
      assertEquals(
        (await search(hub, "carol", { q: '"service quasar"' })).hits.length,
        0,
      );
      assertEquals(
        (await search(hub, "carol", { q: "quasar OR octopus" })).hits
          .map((h: Hit) => h.id).sort(),
        [byBody.id, byThread.id].sort(),
      );
      assertEquals(
        (await search(hub, "carol", { q: "update -octopus" })).hits.length,
        0,
      );
    },
  );

  register(`${prefix}: filters narrow the hits`, async (hub) => {
    await hub.api("POST", "/v1/channels", { name: "ops" });
    const a = await post(hub, {
      from_agent: "alice",
      channel: "ops",
      kind: "task",
      body: "walrus migration",
      thread_id: "t1",
    });
    const b = await post(hub, {
      from_agent: "bob",
      channel: "general",
      body: "walrus lunch",
    });
    const ids = async (params: Record<string, string | number>) =>
      (await search(hub, "carol", { q: "walrus", ...params })).hits.map((
        h: Hit,
      ) => h.id).sort();
    assertEquals(await ids({}), [a.id, b.id].sort());
    assertEquals(await ids({ channel: "ops" }), [a.id]);
    assertEquals(await ids({ from_agent: "bob" }), [b.id]);
    assertEquals(await ids({ kind: "task" }), [a.id]);
    assertEquals(await ids({ thread_id: "t1" }), [a.id]);
    assertEquals((await ids({ limit: 1 })).length, 1);
    assertEquals(
      await ids({ since: "2000-01-01T00:00:00Z" }),
      [a.id, b.id].sort(),
    );
    assertEquals(await ids({ since: "2999-01-01T00:00:00Z" }), []);
    assertEquals(await ids({ until: "2000-01-01" }), []);
    assertEquals(await ids({ until: b.ts }), [a.id, b.id].sort());
    // limit is clamped, never refused for being large.
    assertEquals(
      (await search(hub, "carol", { q: "walrus", limit: 100000 })).status,
      200,
    );
  });

  register(
    `${prefix}: random hostile queries are answered 200 or 400, never 500`,
    async (hub) => {
      await post(hub, {
        from_agent: "alice",
        body: "naïve café — ünïcode, 'quotes' \"double\" back\\slash a:b (x) *",
        attachments: [{ type: "json", content: { k: ["v", 1, null] } }],
      });
      const alphabet = [
        ..."abcXYZ019 \"'*-:^()[]{}&|!<>~+.,;/\\\t\n%_@#$",
        "é",
        "ü",
        "—",
        "中",
        "😀",
        "OR ",
        "AND ",
        "NOT ",
        "NEAR ",
        ":*",
        "<->",
      ];
      let seed = 7;
      const random = () =>
        (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      for (let i = 0; i < 150; i++) {
        const length = 1 + Math.floor(random() * 12);
        let q = "";
        for (let j = 0; j < length; j++) {
          q += alphabet[Math.floor(random() * alphabet.length)];
        }
        const r = await search(hub, "carol", { q });
        assert(
          r.status === 200 || r.status === 400,
          `q=${JSON.stringify(q)} answered ${r.status}: ${r.error}`,
        );
      }
      for (const q of ["café", "cafe", "naïve", "ünïcode", "k", "quotes"]) {
        assertEquals((await search(hub, "carol", { q })).hits.length, 1, q);
      }
    },
  );

  register(`${prefix}: the better match ranks first`, async (hub) => {
    const weak = await post(hub, {
      from_agent: "alice",
      body:
        "a long note about many things: the build, the tests, the docs, the release plan, and one mention of the narwhal at the end",
    });
    const strong = await post(hub, {
      from_agent: "alice",
      body: "narwhal narwhal narwhal",
    });
    const r = await search(hub, "carol", { q: "narwhal" });
    assertEquals(r.hits.map((h: Hit) => h.id), [strong.id, weak.id]);
    assert(r.hits[0].arcdeno.score > r.hits[1].arcdeno.score);
  });

  register(
    `${prefix}: a direct message is found by its two parties and by no one else`,
    async (hub) => {
      const dm = await post(hub, {
        from_agent: "alice",
        to_agent: "bob",
        body: "the secret password is pelican",
      });
      assertEquals(
        (await search(hub, "bob", { q: "pelican" })).hits.map((h: Hit) => h.id),
        [dm.id],
      );
      assertEquals(
        (await search(hub, "alice", { q: "pelican" })).hits.map((h: Hit) =>
          h.id
        ),
        [dm.id],
      );
      assertEquals((await search(hub, "mallory", { q: "pelican" })).hits, []);
      assertEquals(
        (await search(hub, "mallory", { q: "pelican", channel: "direct" }))
          .hits,
        [],
      );
      assertEquals(
        (await search(hub, "operator", { q: "pelican", from_agent: "alice" }))
          .hits,
        [],
      );
    },
  );

  register(
    `${prefix}: malformed queries are a 400 with a reason, never a 500`,
    async (hub) => {
      await post(hub, { from_agent: "alice", body: "anything at all" });
      for (
        const q of [
          "",
          "   ",
          '"unterminated',
          "OR",
          "alpha OR",
          "OR alpha",
          "alpha OR OR beta",
          "-alpha",
          "&& || !!",
          "x".repeat(1001),
        ]
      ) {
        const r = await search(hub, "carol", { q });
        assertEquals(r.status, 400, `q=${JSON.stringify(q)}`);
        assert(r.error && r.error.length > 0);
      }
      // Engine syntax in user text is plain text, not an error.
      for (
        const q of [
          "NEAR(a b)",
          "a AND",
          "col:value",
          "^start",
          "a:* & !b",
          "(unbalanced",
          "x'); DROP TABLE messages; --",
          "back\\slash",
          'pre"quote',
        ]
      ) {
        const r = await search(hub, "carol", { q });
        assertEquals(r.status, 200, `q=${JSON.stringify(q)}: ${r.error}`);
      }
      assertEquals((await search(hub, "carol", {})).status, 400);
      assertEquals(
        (await hub.api("GET", "/v1/arcdeno/search?q=anything")).status,
        400,
      );
      assertEquals(
        (await search(hub, "carol", { q: "a", kind: "bogus" })).status,
        400,
      );
      assertEquals(
        (await search(hub, "carol", { q: "a", since: "yesterday" })).status,
        400,
      );
      assertEquals(
        (await search(hub, "carol", { q: "a", limit: 0 })).status,
        400,
      );
      assertEquals(
        (await search(hub, "carol", { q: "a", limit: "x" })).status,
        400,
      );
      assertEquals(
        (await search(hub, "carol", { q: "anything" })).hits.length,
        1,
      );
    },
  );
}
