/**
 * One spool, one storage: hubs on the same database may share a relay
 * spool, a hub on another database refuses it, and a dead owner is taken
 * over.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { eventually, must, startHub } from "../_util.ts";
import { relayCall } from "./_spool.ts";

const OWNERS = ".relay-owners";

Deno.test("relay: a hub on another storage refuses a spool a live hub serves, naming it; a hub on the same storage shares it", async () => {
  await using first = await startHub();
  const spool = `${first.dir}/spool`;
  // Same directory, same spool, another database file.
  const refused = await startHub({
    dir: first.dir,
    args: ["--storage", `${first.dir}/other.sqlite3`],
  }).then(
    async (hub) => {
      await hub.stop();
      return "started";
    },
    (error: Error) => error.message,
  );
  const line = refused.split("\n").find((l) => l.startsWith("arc: ")) ?? "";
  assertStringIncludes(line, `Cannot serve the relay spool ${spool}`);
  assertStringIncludes(line, first.storage);
  assertStringIncludes(line, "--spool-dir");
  assertStringIncludes(refused, "hub exited (1)");
  // A second hub on the first one's database shares the spool.
  await using second = await startHub({ dir: first.dir });
  assertStringIncludes(second.output(), `relay=${spool}`);
  assertEquals(
    [...Deno.readDirSync(`${spool}/${OWNERS}`)].length,
    2,
    "one record per live relay",
  );
  for (let i = 0; i < 6; i++) {
    const res = await relayCall(spool, "ann", "POST", "/v1/messages", {
      from_agent: "ann",
      body: `shared ${i}`,
    });
    assertEquals(res.status, 201);
  }
  const stored = await must(
    first,
    "GET",
    "/v1/messages?channel=general&limit=50",
  );
  assertEquals(
    stored.filter((m: { body: string }) => m.body.startsWith("shared")).length,
    6,
  );
});

Deno.test("relay: a spool whose owner on another storage went silent is taken over", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-relay-owner-" });
  try {
    const owners = `${dir}/spool/${OWNERS}`;
    await Deno.mkdir(owners, { recursive: true });
    await Deno.writeTextFile(
      `${owners}/dead.json`,
      JSON.stringify({
        id: "dead",
        pid: 1,
        at: Date.now() - 3_600_000,
        storage_id: "mh1-elsewhere",
        storage: "/elsewhere/arc.sqlite3",
      }),
    );
    await using hub = await startHub({ dir });
    assertStringIncludes(hub.output(), `relay=${dir}/spool`);
    const names = [...Deno.readDirSync(owners)].map((e) => e.name);
    assertEquals(names.includes("dead.json"), false);
    assertEquals(names.length, 1);
    assertEquals(
      (await relayCall(`${dir}/spool`, "a", "GET", "/v1/channels")).status,
      200,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("relay: a running relay that finds a live owner of another storage leaves the spool to it", async () => {
  await using hub = await startHub();
  const owners = `${hub.dir}/spool/${OWNERS}`;
  const write = () =>
    Deno.writeTextFile(
      `${owners}/newcomer.json`,
      JSON.stringify({
        id: "newcomer",
        pid: 1,
        at: Date.now(),
        storage_id: "mh1-elsewhere",
        storage: "/elsewhere/arc.sqlite3",
      }),
    );
  await write();
  await eventually(
    async () => {
      await write(); // keep the newcomer's heartbeat fresh
      return hub.output().includes(
        "relay stopped: Cannot serve the relay spool",
      );
    },
    { what: "the relay to stop", stepMs: 200 },
  );
  assertStringIncludes(hub.output(), "/elsewhere/arc.sqlite3");
  const mine = [...Deno.readDirSync(owners)].map((e) => e.name);
  assert(!mine.some((n) => n !== "newcomer.json"), `left: ${mine}`);
});
