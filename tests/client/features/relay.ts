import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "../../_assert.ts";
import { startHub } from "../../_util.ts";
import { clientContract } from "../_contract.ts";
import {
  ArcClient,
  ArcError,
  RelayTransport,
  safeAgentId,
} from "../../../src/client/mod.ts";

/** Whether this hub serves the file relay (it advertises the `relay` feature). */
const relayAvailable = await (async () => {
  await using hub = await startHub();
  const info = await hub.api("GET", "/v1/hub-info");
  return (info.body?.result?.features ?? []).includes("relay");
})();

clientContract({
  transport: "the file relay",
  ignore: !relayAvailable,
  options: (hub, agentId) => ({
    agentId,
    timeoutMs: 30_000,
    transport: new RelayTransport(agentId, { spoolDir: `${hub.dir}/spool` }),
  }),
});

Deno.test({
  name: "ArcClient.overRelay() - talks to a hub through its spool",
  ignore: !relayAvailable,
  async fn() {
    await using hub = await startHub();
    await using client = ArcClient.overRelay({
      agentId: "sandboxed agent/1",
      spoolDir: `${hub.dir}/spool`,
    });
    const session = await client.register();
    assertEquals(session.agent_id, "sandboxed agent/1");
    const posted = await client.post("general", "hello through files");
    const seen = await hub.api("GET", "/v1/messages?channel=general");
    assertEquals(seen.body.result.map((m: { id: number }) => m.id), [
      posted.id,
    ]);
    const requests = [
      ...Deno.readDirSync(`${hub.dir}/spool/requests/sandboxed_agent_1`),
    ];
    assert(requests.length >= 2, "no request files under the safe agent id");
    // answered responses are taken away by the client
    assertEquals(
      [...Deno.readDirSync(`${hub.dir}/spool/responses/sandboxed_agent_1`)]
        .filter((e) => e.name.endsWith(".json")),
      [],
    );
  },
});

Deno.test("safeAgentId() - keeps safe names and replaces runs of other characters", () => {
  assertEquals(safeAgentId("worker-1.b_c"), "worker-1.b_c");
  assertEquals(safeAgentId("team/reviewer 1"), "team_reviewer_1");
  assertEquals(safeAgentId("ä//ö"), "_");
  assertEquals(safeAgentId("  "), "agent");
  assertEquals(safeAgentId(""), "agent");
  assertEquals(safeAgentId(".."), "agent");
});

Deno.test("RelayTransport - no answer in time is ArcError 598, and the request file is well formed", async () => {
  const spool = await Deno.makeTempDir({ prefix: "arc-spool-" });
  try {
    const client = ArcClient.overRelay({
      agentId: "team/waiter",
      spoolDir: spool,
      timeoutMs: 300,
      pollIntervalMs: 50,
    });
    const started = Date.now();
    const pending = assertRejects(() =>
      client.post("general", "anyone?", { threadId: "t" })
    );
    // Read the request file while the client still waits for an answer.
    const dir = `${spool}/requests/team_waiter`;
    let files: string[] = [];
    while (Date.now() - started < 5_000) {
      files = await Array.fromAsync(Deno.readDir(dir)).then(
        (entries) =>
          entries.map((e) => e.name).filter((n) => !n.startsWith(".")),
        () => [],
      );
      if (files.length) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assertEquals(files.length, 1, `one request file: ${files}`);
    const name = files[0]!;
    assert(/^[0-9a-f]{32}\.json$/.test(name), name);
    const text = await Deno.readTextFile(`${dir}/${name}`);
    const error = await pending;
    assert(error instanceof ArcError, String(error));
    assertEquals(error.status, 598);
    assertStringIncludes(error.message, "timed out");
    assert(Date.now() - started < 5_000, "the timeout did not fire");
    // Given up on and never claimed: the request is withdrawn, no temp files remain.
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), []);

    const request = JSON.parse(text);
    assertEquals(request.request_id, name.slice(0, -5));
    assertEquals(request.agent_id, "team/waiter");
    assertEquals(request.method, "POST");
    assertEquals(request.path, "/v1/messages");
    assertEquals(request.body, {
      from_agent: "team/waiter",
      channel: "general",
      kind: "chat",
      body: "anyone?",
      thread_id: "t",
    });
    assert(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(request.created_at),
      request.created_at,
    );
    assert(
      Deno.statSync(`${spool}/responses/team_waiter`).isDirectory,
      "responses directory not made",
    );

    // A GET carries a null body; read it before the client withdraws it.
    const getting = assertRejects(() => client.listChannels());
    let gets: { path: string; body: unknown }[] = [];
    while (!gets.length) {
      gets = [...Deno.readDirSync(dir)].filter((e) => !e.name.startsWith("."))
        .map((e) => JSON.parse(Deno.readTextFileSync(`${dir}/${e.name}`)));
      await new Promise((r) => setTimeout(r, 10));
    }
    assertEquals(gets.map((r) => [r.path, r.body]), [["/v1/channels", null]]);
    assertEquals(((await getting) as ArcError).status, 598);
  } finally {
    await Deno.remove(spool, { recursive: true });
  }
});

Deno.test("RelayTransport - a spool that cannot be written is ArcError 597", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-spool-" });
  try {
    const file = `${dir}/not-a-directory`;
    await Deno.writeTextFile(file, "");
    const client = ArcClient.overRelay({
      agentId: "blocked",
      spoolDir: `${file}/spool`,
      timeoutMs: 1_000,
    });
    const error = await assertRejects(() => client.hubInfo());
    assert(error instanceof ArcError, String(error));
    assertEquals(error.status, 597);
    assertStringIncludes(error.message, "relay spool write failed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Plays the hub side for one request: waits for the request file and writes
 * `respond(request)` as the response (raw text when it is a string).
 */
async function answerOnce(
  spool: string,
  agentDir: string,
  respond: (request: { request_id: string }) => unknown,
): Promise<void> {
  const dir = `${spool}/requests/${agentDir}`;
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    let entries: Deno.DirEntry[] = [];
    try {
      entries = [...Deno.readDirSync(dir)].filter((e) =>
        e.name.endsWith(".json")
      );
    } catch { /* not made yet */ }
    const entry = entries[0];
    if (entry) {
      const path = `${dir}/${entry.name}`;
      const request = JSON.parse(await Deno.readTextFile(path));
      await Deno.rename(path, path.replace(/\.json$/, ".work"));
      const answer = respond(request);
      const target = `${spool}/responses/${agentDir}/${request.request_id}`;
      await Deno.writeTextFile(
        `${target}.tmp`,
        typeof answer === "string" ? answer : JSON.stringify(answer),
      );
      await Deno.rename(`${target}.tmp`, `${target}.json`);
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("no request arrived");
}

Deno.test("RelayTransport - reads the hub's envelope, and the relay's status when there is none", async () => {
  const spool = await Deno.makeTempDir({ prefix: "arc-spool-" });
  try {
    const relay = new RelayTransport("worker", {
      spoolDir: spool,
      timeoutMs: 5_000,
      // a long poll interval: the answer must come through the file watcher
      pollIntervalMs: 60_000,
    });
    const client = new ArcClient({ agentId: "worker", transport: relay });

    const ok = answerOnce(spool, "worker", (r) => ({
      request_id: r.request_id,
      ok: true,
      status: 200,
      body: { ok: true, result: [{ name: "general" }] },
      completed_at: "2026-01-01T00:00:00Z",
    }));
    const started = Date.now();
    const channels = await client.listChannels();
    await ok;
    assertEquals(channels.map((c) => c.name), ["general"]);
    assert(Date.now() - started < 4_000, "the watcher did not wake the wait");

    const refused = answerOnce(spool, "worker", (r) => ({
      request_id: r.request_id,
      ok: false,
      status: 404,
      body: { ok: false, error: "thread not found: x" },
      completed_at: "2026-01-01T00:00:00Z",
    }));
    const notFound = await assertRejects(() => client.getThread("x"));
    await refused;
    assertEquals((notFound as ArcError).status, 404);
    assertEquals(notFound.message, "thread not found: x");

    const invalid = answerOnce(spool, "worker", (r) => ({
      request_id: r.request_id,
      ok: false,
      status: 400,
      error: "invalid relay request: request path must start with '/'",
      completed_at: "2026-01-01T00:00:00Z",
    }));
    const badRequest = await assertRejects(() => client.hubInfo());
    await invalid;
    assertEquals((badRequest as ArcError).status, 400);
    assertStringIncludes(badRequest.message, "invalid relay request");

    const garbage = answerOnce(spool, "worker", () => "[1, 2");
    const broken = await assertRejects(() => client.hubInfo());
    await garbage;
    assertEquals((broken as ArcError).status, 500);
    assertStringIncludes(broken.message, "invalid response");
  } finally {
    await Deno.remove(spool, { recursive: true });
  }
});

Deno.test("RelayTransport - an aborted signal stops the wait with its reason", async () => {
  const spool = await Deno.makeTempDir({ prefix: "arc-spool-" });
  try {
    const client = ArcClient.overRelay({ agentId: "quitter", spoolDir: spool });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop waiting")), 200);
    const started = Date.now();
    const error = await assertRejects(() =>
      client.poll({ signal: controller.signal })
    );
    assertEquals(error.message, "stop waiting");
    assert(Date.now() - started < 3_000, "the abort was not noticed");
  } finally {
    await Deno.remove(spool, { recursive: true });
  }
});
