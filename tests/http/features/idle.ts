/**
 * Slow and silent clients: a connection with no request in progress is
 * closed after `--idle-timeout`, while long-polls, streams and ordinary
 * clients keep working.
 */
import { assert, assertEquals } from "../../_assert.ts";
import { must, openStream, startHub } from "../../_util.ts";

/** Resolves with the milliseconds until the hub closes `conn`, or rejects after `limitMs`. */
function closedWithin(conn: Deno.Conn, limitMs: number): Promise<number> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`still open after ${limitMs} ms`)),
      limitMs,
    );
  });
  const closed = (async () => {
    const buf = new Uint8Array(4096);
    // A silent connection gets no answer at all: the first read ends it.
    while ((await conn.read(buf).catch(() => null)) !== null) { /* drain */ }
    return performance.now() - started;
  })();
  return Promise.race([closed, deadline]).finally(() => clearTimeout(timer));
}

Deno.test("serve --idle-timeout: silent connections are closed while a long-poll, a stream and a client keep working", async () => {
  await using hub = await startHub({ args: ["--idle-timeout", "1"] });
  const { hostname, port } = new URL(hub.url);
  await must(hub, "POST", "/v1/sessions", { agent_id: "alice" });
  await must(hub, "POST", "/v1/sessions", { agent_id: "bob" });
  const controller = new AbortController();
  const stream = await openStream(
    `${hub.url}/v1/stream?agent_id=bob&since_id=0`,
    controller.signal,
  );
  // A long-poll that outlasts the idle timeout.
  const poll = hub.api("GET", "/v1/events?agent_id=bob&since_id=0&timeout=8");
  const silent = await Promise.all(
    Array.from(
      { length: 50 },
      () => Deno.connect({ hostname, port: Number(port) }),
    ),
  );
  try {
    const times = await Promise.all(silent.map((c) => closedWithin(c, 8000)));
    assert(
      times.every((ms) => ms >= 900),
      `closed too early: ${Math.min(...times)} ms`,
    );
    // The stream and the long-poll were quiet for longer than the timeout.
    await must(hub, "POST", "/v1/messages", {
      from_agent: "alice",
      to_agent: "bob",
      body: "still there?",
    });
    const polled = await poll;
    assertEquals(polled.status, 200);
    assertEquals(polled.body.result.map((m: { body: string }) => m.body), [
      "still there?",
    ]);
    let event = await stream.next();
    while (event?.comment !== undefined) event = await stream.next();
    assertEquals(event?.data?.body, "still there?");
  } finally {
    controller.abort();
    for (const c of silent) {
      try {
        c.close();
      } catch { /* closed by the hub */ }
    }
  }
});

Deno.test("serve --idle-timeout: a client dribbling its headers is closed at the timeout, not kept alive by each byte", async () => {
  await using hub = await startHub({ args: ["--idle-timeout", "1"] });
  const { hostname, port } = new URL(hub.url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const head = `GET /v1/hub-info HTTP/1.1\r\nHost: ${hostname}:${port}\r\n`;
  let dribbling = true;
  const dribble = (async () => {
    for (let i = 0; dribbling && i < head.length; i++) {
      await conn.write(new TextEncoder().encode(head[i]!)).catch(() => {
        dribbling = false;
      });
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    const ms = await closedWithin(conn, 4000);
    assert(ms >= 900, `closed too early: ${ms} ms`);
  } finally {
    dribbling = false;
    await dribble;
    try {
      conn.close();
    } catch { /* closed by the hub */ }
  }
  // Other clients are served as before.
  assertEquals((await hub.api("GET", "/v1/hub-info")).status, 200);
});
