import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "../../_assert.ts";
import { startHub } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { clientContract } from "../_contract.ts";
import {
  ArcClient,
  ArcError,
  type FetchFunction,
  HttpTransport,
  type Message,
} from "../../../src/client/mod.ts";

clientContract({
  transport: "HTTP",
  options: (hub, agentId) => ({ agentId, baseUrl: hub.url }),
});

/** A port nothing listens on (it was free a moment ago). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("ArcClient - constructor and sinceId validate their input", () => {
  let error: unknown;
  try {
    new ArcClient({ agentId: " " });
  } catch (e) {
    error = e;
  }
  assert(error instanceof TypeError, "empty agentId accepted");
  for (
    const bad of [
      { agentId: "a", baseUrl: "ftp://x" },
      { agentId: "a", baseUrl: "127.0.0.1:6969" },
    ]
  ) {
    try {
      new ArcClient(bad);
      throw new Error(`accepted ${bad.baseUrl}`);
    } catch (e) {
      assert(e instanceof TypeError, String(e));
    }
  }
  try {
    new ArcClient({ agentId: "a", timeoutMs: 0 });
    throw new Error("accepted timeoutMs 0");
  } catch (e) {
    assert(e instanceof RangeError, String(e));
  }
  const client = new ArcClient({ agentId: "a" });
  client.sinceId = 42;
  assertEquals(client.sinceId, 42);
  for (const bad of [-1, 1.5, Number.NaN]) {
    try {
      client.sinceId = bad;
      throw new Error(`accepted ${bad}`);
    } catch (e) {
      assert(e instanceof RangeError, String(e));
    }
  }
});

Deno.test("HttpTransport - sends the bearer token and JSON through the fetch it was given", async () => {
  await using hub = await inProcessHub();
  const seen: Request[] = [];
  const recording: FetchFunction = (input, init) => {
    const request = new Request(input, init);
    seen.push(request.clone());
    return fetch(request);
  };
  const client = new ArcClient({
    agentId: "secretive",
    baseUrl: `${hub.url}/`,
    token: "s3cret-token",
    fetch: recording,
  });
  const session = await client.register();
  await client.hubInfo();
  await client.close();
  assertEquals(
    seen.map((r) => `${r.method} ${new URL(r.url).pathname}`),
    [
      "POST /v1/sessions",
      "GET /v1/hub-info",
      `DELETE /v1/sessions/${session.session_id}`,
    ],
  );
  for (const request of seen) {
    assertEquals(request.headers.get("authorization"), "Bearer s3cret-token");
  }
  assertEquals(seen[0]!.headers.get("content-type"), "application/json");
  assertEquals(await seen[0]!.json(), { agent_id: "secretive", replace: true });
  assertEquals(seen[1]!.headers.get("content-type"), null);
});

Deno.test("HttpTransport - an unreachable hub is ArcError status 0", async () => {
  const client = new ArcClient({
    agentId: "lonely",
    baseUrl: `http://127.0.0.1:${freePort()}`,
    timeoutMs: 5_000,
  });
  const error = await assertRejects(() => client.hubInfo());
  assert(error instanceof ArcError, String(error));
  assertEquals(error.status, 0);
  assertStringIncludes(error.message, "could not reach the hub");
  assert(error.cause !== undefined, "the cause is kept");
  await client.close(); // nothing registered: nothing to do
});

Deno.test("HttpTransport - a hub that never answers times out with ArcError status 0", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  try {
    const client = new ArcClient({
      agentId: "patient",
      baseUrl: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
      timeoutMs: 300,
    });
    const started = Date.now();
    const error = await assertRejects(() => client.listChannels());
    assert(error instanceof ArcError, String(error));
    assertEquals(error.status, 0);
    assertStringIncludes(error.message, "timed out after 300 ms");
    assert(Date.now() - started < 5_000, "the timeout did not fire");
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
  }
});

Deno.test("HttpTransport - a hub that stalls in the middle of its answer times out with ArcError status 0", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      held.push(conn);
      const head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n" +
        'content-length: 100\r\n\r\n{"ok": true, "res';
      conn.write(new TextEncoder().encode(head)).catch(() => {});
    }
  })();
  try {
    const client = new ArcClient({
      agentId: "patient",
      baseUrl: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
      timeoutMs: 300,
    });
    const error = await assertRejects(() => client.listChannels());
    assert(error instanceof ArcError, String(error));
    assertEquals(error.status, 0);
    assertStringIncludes(error.message, "timed out after 300 ms");
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
  }
});

Deno.test("HttpTransport - an answer that is not an envelope is ArcError with the HTTP status", async () => {
  const proxy: FetchFunction = () =>
    Promise.resolve(
      new Response("<html>502 Bad Gateway</html>", {
        status: 502,
        headers: { "content-type": "text/html" },
      }),
    );
  const client = new ArcClient({ agentId: "behind-proxy", fetch: proxy });
  const error = await assertRejects(() => client.listThreads());
  assert(error instanceof ArcError, String(error));
  assertEquals(error.status, 502);
  assertStringIncludes(error.message, "502 Bad Gateway");
});

Deno.test("ArcClient - poll() stretches the request timeout past the long-poll wait", async () => {
  await using hub = await inProcessHub();
  const client = new ArcClient({
    agentId: "sleepy",
    baseUrl: hub.url,
    timeoutMs: 500,
  });
  await client.register();
  const started = Date.now();
  assertEquals(await client.poll({ timeoutSec: 1.5 }), []);
  assert(Date.now() - started >= 1_400, "the hub did not wait");
  await client.close();
});

Deno.test("ArcClient - poll() stops waiting when its signal aborts", async () => {
  await using hub = await inProcessHub();
  await using client = new ArcClient({ agentId: "quitter", baseUrl: hub.url });
  await client.register();
  const controller = new AbortController();
  const waiting = client.poll({ timeoutSec: 30, signal: controller.signal });
  setTimeout(() => controller.abort(new Error("enough")), 200);
  const error = await assertRejects(() => waiting);
  assertEquals(error.message, "enough");
});

Deno.test("ArcClient - stream() reconnects after the hub restarts on the same port and resumes from the last id", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-client-restart-" });
  const port = freePort();
  const args = ["--port", String(port)];
  try {
    let hub = await startHub({ dir, args });
    const url = hub.url;
    assertEquals(url, `http://127.0.0.1:${port}`);
    const watcher = new ArcClient({ agentId: "watcher", baseUrl: url });
    const talker = new ArcClient({ agentId: "talker", baseUrl: url });
    await watcher.register();
    await watcher.bootstrap();
    await talker.register();

    const controller = new AbortController();
    const received: Message[] = [];
    let notify = () => {};
    const reading = (async () => {
      for await (const m of watcher.stream({ signal: controller.signal })) {
        received.push(m);
        notify();
      }
    })();
    const until = (count: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${received.length} of ${count}`)),
          15_000,
        );
        notify = () => {
          if (received.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        };
        notify();
      });
    try {
      const first = await talker.post("general", "before the restart");
      await until(1);

      assertEquals(await hub.stop(), 0);
      hub = await startHub({ dir, args });
      assertEquals(hub.url, url);
      const second = await talker.post("general", "after the restart");
      const third = await talker.post("general", "and once more");
      await until(3);
      assertEquals(received.map((m) => m.id), [first.id, second.id, third.id]);
      assertEquals(watcher.sinceId, third.id);
    } finally {
      controller.abort();
      await reading;
      await watcher.close();
      await talker.close();
      await hub[Symbol.asyncDispose]();
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("ArcClient - stream() starts from the present of a different database behind the same address", async () => {
  const dirs = [
    await Deno.makeTempDir({ prefix: "arc-client-a-" }),
    await Deno.makeTempDir({ prefix: "arc-client-b-" }),
  ];
  const port = freePort();
  const args = ["--port", String(port)];
  try {
    let hub = await startHub({ dir: dirs[0]!, args });
    const watcher = new ArcClient({ agentId: "watcher", baseUrl: hub.url });
    const talker = new ArcClient({ agentId: "talker", baseUrl: hub.url });
    await talker.register();
    for (let i = 0; i < 30; i++) await talker.post("general", `old ${i}`);
    const controller = new AbortController();
    const received: Message[] = [];
    const reading = (async () => {
      for await (const m of watcher.stream({ signal: controller.signal })) {
        received.push(m);
      }
    })();
    try {
      const last = await talker.post("general", "last on the first hub");
      const until = async (
        what: () => boolean,
        post?: () => Promise<unknown>,
      ) => {
        const deadline = Date.now() + 15_000;
        while (!what()) {
          if (Date.now() > deadline) throw new Error("timed out");
          await post?.();
          await new Promise((r) => setTimeout(r, 200));
        }
      };
      await until(() => received.at(-1)?.id === last.id);
      const before = received.length;

      await hub.stop();
      hub = await startHub({ dir: dirs[1]!, args });
      await talker.register();
      // A fresh database numbers from 1 again: without noticing the new
      // X-Arc-Instance the stream would skip everything up to id 31.
      let pings = 0;
      await until(
        () => received.length > before,
        () => talker.post("general", `ping ${++pings}`),
      );
      assert(pings < 20, `took ${pings} pings`);
      const fresh = received.slice(before);
      assertStringIncludes(fresh[0]!.body, "ping");
      assert(fresh[0]!.id < last.id, "not from the new database");
    } finally {
      controller.abort();
      await reading;
      await watcher.close();
      await talker.close();
      await hub[Symbol.asyncDispose]();
    }
  } finally {
    for (const dir of dirs) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
});

Deno.test("ArcClient - close() swallows errors when the hub is gone", async () => {
  const hub = await inProcessHub();
  try {
    const client = new ArcClient({
      agentId: "leaver",
      baseUrl: hub.url,
      timeoutMs: 2_000,
    });
    await client.register();
    await hub[Symbol.asyncDispose]();
    await client.close();
    assertEquals(client.sessionId, undefined);
  } finally {
    await hub[Symbol.asyncDispose]();
  }
});

Deno.test("HttpTransport - request() hands back error envelopes instead of throwing", async () => {
  await using hub = await inProcessHub();
  const http = new HttpTransport({ baseUrl: hub.url });
  assertEquals(http.baseUrl, hub.url);
  const { status, envelope } = await http.request("GET", "/v1/threads/none");
  assertEquals(status, 404);
  assertEquals(envelope.ok, false);
  const created = await http.request("POST", "/v1/channels", {
    body: { name: "raw" },
  });
  assertEquals(created.status, 201);
  assert(created.envelope.ok, "not ok");
});

Deno.test("package export - a consumer importing @arc/hub gets the client API", async () => {
  await using hub = await inProcessHub();
  const fixture = new URL("../fixture_consumer/", import.meta.url);
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-lock",
      "--config",
      new URL("deno.json", fixture).pathname,
      "--allow-net=127.0.0.1",
      new URL("main.ts", fixture).pathname,
      hub.url,
    ],
    cwd: fixture.pathname,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assertEquals(output.code, 0, stderr);
  const report = JSON.parse(new TextDecoder().decode(output.stdout));
  // "@arc/hub" resolved through deno.json "exports" to the client entry point
  assertEquals(
    report.url,
    new URL("../../../src/client/mod.ts", import.meta.url).href,
  );
  assertEquals(report.exports, [
    "ArcClient",
    "ArcError",
    "HttpTransport",
    "RelayTransport",
    "RpcError",
    "safeAgentId",
  ]);
  assertEquals(report.body, "hello from a consumer");
  assertEquals(report.status, 404);
});
