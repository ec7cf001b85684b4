import { assert, assertEquals, assertRejects } from "../../_assert.ts";
import {
  ArcClient,
  type ArcClientOptions,
  ArcError,
  RelayTransport,
} from "../../../src/client/mod.ts";
import type { HubLike } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";

const transports: [
  string,
  (hub: HubLike, agentId: string) => ArcClientOptions,
][] = [
  ["HTTP", (hub, agentId) => ({ agentId, baseUrl: hub.url })],
  ["the file relay", (hub, agentId) => ({
    agentId,
    timeoutMs: 30_000,
    transport: new RelayTransport(agentId, { spoolDir: `${hub.dir}/spool` }),
  })],
];

for (const [name, options] of transports) {
  Deno.test(`ArcClient.search() over ${name} - finds, filters and keeps DMs private`, async () => {
    await using hub = await inProcessHub({ relay: {} });
    await using alice = new ArcClient(options(hub, "alice"));
    await using bob = new ArcClient(options(hub, "bob"));
    await using carol = new ArcClient(options(hub, "carol"));
    const note = await alice.post("general", "the gazelle build is green", {
      attachments: [{ type: "text", content: "log of the okapi run" }],
    });
    const dm = await alice.dm("bob", "private gazelle plans");
    const hits = await carol.search("gazelle");
    assertEquals(hits.map((h) => h.id), [note.id]);
    assert(hits[0]!.arcdeno.snippet.includes("gazelle"));
    assertEquals((await carol.search("okapi")).map((h) => h.id), [note.id]);
    assertEquals(
      (await bob.search("gazelle", { limit: 10 })).map((h) => h.id).sort(),
      [note.id, dm.id].sort(),
    );
    assertEquals(
      (await bob.search("gazelle", { channel: "direct" })).map((h) => h.id),
      [dm.id],
    );
    assertEquals(
      await carol.search("gazelle", {
        since: new Date(Date.now() + 86_400_000),
      }),
      [],
    );
    const error = await assertRejects(() => carol.search('"open quote'));
    assert(error instanceof ArcError);
    assertEquals(error.status, 400);
  });
}
