import { assert, assertEquals } from "../../_assert.ts";
import { inProcessHub } from "../../_harness.ts";

/** Parses the Prometheus text format strictly enough to catch malformed output. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("# HELP ")) continue;
    const type = line.match(
      /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/,
    );
    if (type) {
      assert(!types.has(type[1]!), `family ${type[1]} declared twice`);
      types.set(type[1]!, type[2]!);
      continue;
    }
    const m = line.match(
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+]+|NaN|\+Inf|-Inf)$/,
    );
    assert(m, `not a sample line: ${line}`);
    const family = m![1]!.replace(/_(bucket|sum|count)$/, "");
    assert(
      types.has(m![1]!) || types.has(family),
      `sample before its TYPE: ${line}`,
    );
    samples.set(m![1]! + (m![2] ?? ""), Number(m![3]));
  }
  return samples;
}

Deno.test("GET /metrics speaks the Prometheus text format and moves with traffic", async () => {
  await using hub = await inProcessHub();
  const info = await hub.api("GET", "/v1/hub-info");
  assert(info.body.result.features.includes("arcdeno:metrics"));
  const scrape = async () => {
    const res = await fetch(`${hub.url}/metrics`);
    assertEquals(res.status, 200);
    assert(res.headers.get("content-type")?.startsWith("text/plain"));
    return parse(await res.text());
  };
  const before = await scrape();
  assertEquals(before.get("arc_sessions_live"), 0);
  await hub.api("POST", "/v1/sessions", { agent_id: "a" });
  for (let i = 0; i < 3; i++) {
    await hub.api("POST", "/v1/messages", { from_agent: "a", body: `m${i}` });
  }
  await hub.api("POST", "/v1/messages", {
    from_agent: "a",
    channel: "nope",
    body: "x",
  });
  await hub.api("POST", "/v1/claims", { owner_agent_id: "a", claim_key: "k" });
  await hub.api("POST", "/v1/locks", { agent_id: "a", file_path: "f" });
  const since = (await hub.api("GET", "/v1/bootstrap?agent_id=b")).body.result
    .latest_visible_id;
  const waiting = hub.api(
    "GET",
    `/v1/events?agent_id=b&since_id=${since}&timeout=5`,
  );
  await new Promise((r) => setTimeout(r, 200));
  const during = await scrape();
  assertEquals(during.get('arc_waiters{kind="long_poll"}'), 1);
  assertEquals(during.get("arc_messages_posted_total"), 3);
  assertEquals(
    during.get(
      'arc_http_requests_total{route="/v1/messages",method="POST",status="201"}',
    ),
    3,
  );
  assertEquals(
    during.get(
      'arc_http_requests_total{route="/v1/messages",method="POST",status="400"}',
    ),
    1,
  );
  assertEquals(during.get("arc_sessions_live"), 1);
  assertEquals(during.get("arc_claims_active"), 1);
  assertEquals(during.get("arc_locks_active"), 1);
  assert(
    (during.get(
      'arc_http_request_duration_seconds_count{route="/v1/messages"}',
    ) ?? 0) >= 4,
  );
  await hub.api("POST", "/v1/messages", {
    from_agent: "x",
    to_agent: "b",
    body: "wake",
  });
  await waiting;
  const after = await scrape();
  assertEquals(after.get('arc_waiters{kind="long_poll"}'), 0);
  assertEquals(after.get("arc_messages_posted_total"), 4);
});
