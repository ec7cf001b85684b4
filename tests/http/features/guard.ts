import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { startHub } from "../../_util.ts";

/** Sends one raw HTTP/1.1 request, so any Host header can be set. */
async function raw(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body = "",
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    const lines = [`${method} ${path} HTTP/1.1`, "Connection: close"];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    if (body) {
      lines.push(`Content-Length: ${new TextEncoder().encode(body).length}`);
    }
    await conn.write(
      new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n" + body),
    );
    let text = "";
    const buf = new Uint8Array(65536);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    const status = Number(text.split(" ")[1]);
    return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
  } finally {
    try {
      conn.close();
    } catch { /* closed by the peer */ }
  }
}

Deno.test("access guard: a loopback hub refuses foreign Host names (DNS rebinding) and accepts its own", async () => {
  await using hub = await startHub({
    args: ["--allowed-host", "arc.internal"],
  });
  const port = new URL(hub.url).port;
  for (
    const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      `arc.internal:${port}`,
    ]
  ) {
    const res = await raw(hub.url, "GET", "/v1/channels", { Host: host });
    assertEquals(res.status, 200, host);
  }
  const evil = await raw(hub.url, "GET", "/v1/channels", {
    Host: `evil.example:${port}`,
  });
  assertEquals(evil.status, 403);
  assertStringIncludes(JSON.parse(evil.body).error, "does not name this hub");
  const lanIp = await raw(hub.url, "GET", "/v1/channels", {
    Host: `192.168.1.5:${port}`,
  });
  assertEquals(lanIp.status, 403);
});

Deno.test("access guard: browser requests from other origins are refused, the hub's own page and plain clients are served", async () => {
  await using hub = await startHub();
  const host = new URL(hub.url).host;
  const post = JSON.stringify({ from_agent: "a", body: "x" });
  const foreign = await raw(hub.url, "POST", "/v1/messages", {
    Host: host,
    Origin: "https://evil.example",
    "Content-Type": "text/plain",
  }, post);
  assertEquals(foreign.status, 403);
  assertStringIncludes(JSON.parse(foreign.body).error, "https://evil.example");
  const opaque = await raw(hub.url, "POST", "/v1/messages", {
    Host: host,
    Origin: "null",
  }, post);
  assertEquals(opaque.status, 403);
  const crossSite = await raw(hub.url, "GET", "/v1/messages?channel=general", {
    Host: host,
    "Sec-Fetch-Site": "cross-site",
  });
  assertEquals(crossSite.status, 403);
  // A refusal comes from the first middleware, before any route, and still
  // carries the envelope and the instance header.
  const refused = await fetch(`${hub.url}/v1/hub-info`, {
    headers: { "Sec-Fetch-Site": "cross-site" },
  });
  assertEquals(refused.status, 403);
  assertEquals((await refused.json()).ok, false);
  assert(refused.headers.get("x-arc-instance")?.startsWith("mh1-"));
  const own = await raw(hub.url, "POST", "/v1/messages", {
    Host: host,
    Origin: `http://${host}`,
  }, post);
  assertEquals(own.status, 201);
  const plain = await hub.api("POST", "/v1/messages", {
    from_agent: "a",
    body: "y",
  });
  assertEquals(plain.status, 201);
  const feed = await hub.api("GET", "/v1/messages?channel=general");
  assertEquals(feed.body.result.map((m: { body: string }) => m.body), [
    "x",
    "y",
  ]);
});

Deno.test("access guard: loopback peers need no token even when one is set", async () => {
  await using hub = await startHub({
    args: ["--token", "s3cret-token-0123456789"],
  });
  const res = await hub.api("GET", "/v1/hub-info");
  assertEquals(res.status, 200);
  assertEquals(res.body.result.arcdeno.token_required_for_remote, true);
  assert(
    !JSON.stringify(res.body).includes("s3cret"),
    "hub-info must not reveal the token",
  );
  assert(res.body.result.features.includes("arcdeno:remote_guard"));
});

Deno.test("serve: refuses a short token and a non-loopback bind without --allow-remote", async () => {
  for (
    const [args, message] of [
      [["--token", "short"], "'token' must be at least 16 characters"],
      [["--host", "0.0.0.0"], "Cannot bind 0.0.0.0 without --allow-remote"],
    ] as const
  ) {
    const error = await startHub({ args: [...args] }).then(
      async (h) => {
        await h.stop();
        return "";
      },
      (e: Error) => e.message,
    );
    assertStringIncludes(error, message);
  }
});
