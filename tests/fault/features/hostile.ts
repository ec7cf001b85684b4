/**
 * Hostile input, generated: every endpoint gets bodies and query strings of
 * wrong types, missing and extra fields, huge and negative numbers, ids past
 * 2^53, deep nesting, invalid UTF-8, NUL bytes, long strings, duplicate keys
 * and bodies cut short. The hub must answer each with a status the protocol
 * names for the situation (never a 500, a crash or a hang), stay responsive,
 * and keep its stored state valid. Inputs that once failed live in
 * `tests/fault/corpus/` and are replayed on every run.
 */
import fc from "fast-check";
import { assert, assertEquals } from "../../_assert.ts";
import { startHub, type TestHub } from "../../_util.ts";
import { checkConsistency } from "../_consistency.ts";
import { Query } from "../../../src/hub/params.ts";

/** One generated request. */
interface Probe {
  method: string;
  path: string;
  body?: Uint8Array<ArrayBuffer>;
}

// 403 and 429 are the extensions' refusals (a DM's receipts read by a third
// agent; a post over the rate limit), documented in docs/PROTOCOL.md §3.9.
const ALLOWED = new Set([200, 201, 400, 403, 404, 409, 429]);

const FIELDS: Record<string, string[]> = {
  "/v1/sessions": [
    "agent_id",
    "display_name",
    "capabilities",
    "metadata",
    "replace",
  ],
  "/v1/sessions/fuzz/rename": ["display_name"],
  "/v1/channels": ["name", "created_by", "metadata"],
  "/v1/messages": [
    "from_agent",
    "to_agent",
    "channel",
    "kind",
    "body",
    "attachments",
    "reply_to",
    "thread_id",
    "metadata",
    "parent_task_id",
  ],
  "/v1/claims": [
    "owner_agent_id",
    "claim_key",
    "task_message_id",
    "thread_id",
    "ttl_sec",
    "metadata",
  ],
  "/v1/claims/refresh": ["claim_key", "owner_agent_id", "ttl_sec"],
  "/v1/claims/release": ["claim_key", "agent_id"],
  "/v1/locks": ["agent_id", "file_path", "ttl_sec", "metadata", "arcdeno"],
  "/v1/locks/refresh": ["agent_id", "file_path", "ttl_sec"],
  "/v1/locks/release": ["agent_id", "file_path"],
  "/v1/tasks/1/complete": [],
  "/v1/shutdown/cancel": [],
  "/v1/network": ["allow_remote"],
  "/v1/arcdeno/messages/1/ack": ["agent_id"],
  "/v1/arcdeno/fence/check": ["agent_id", "paths", "fence"],
  "/v1/arcdeno/tasks/1/depends": ["depends_on"],
};

const QUERIES: Record<string, string[]> = {
  "/v1/agents": ["capability", "as"],
  "/v1/channels": [],
  "/v1/hub-info": [],
  "/v1/messages": [
    "channel",
    "thread_id",
    "since_id",
    "limit",
    "timeout",
    "tail",
  ],
  "/v1/events": [
    "agent_id",
    "channel",
    "thread_id",
    "since_id",
    "limit",
    "timeout",
    "exclude_self",
  ],
  "/v1/bootstrap": ["agent_id"],
  "/v1/inbox/fuzz": ["since_id", "limit", "tail"],
  "/v1/threads": [],
  "/v1/threads/fuzz": [],
  "/v1/claims": ["thread_id", "active_only"],
  "/v1/locks": ["agent_id", "active_only"],
  "/v1/tasks": ["parent_id", "status", "channel", "thread_id"],
  "/v1/shutdown": [],
  "/v1/arcdeno/search": [
    "agent_id",
    "q",
    "channel",
    "from_agent",
    "kind",
    "thread_id",
    "since",
    "until",
    "limit",
  ],
  "/v1/arcdeno/unacked": ["agent_id", "all", "limit"],
  "/v1/arcdeno/messages/1/receipts": ["agent_id"],
  "/v1/arcdeno/tasks/ready": ["channel", "assignee"],
  "/v1/arcdeno/tasks/1/depends": [],
};

const encoder = new TextEncoder();

/** Plausible and implausible field values. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(
    "general",
    "direct",
    "chat",
    "task",
    "task_request",
    "task_result",
    "TASK",
    "",
    " ",
  ),
  fc.integer(),
  fc.constantFrom(0, -1, 5, 300, 2 ** 53, 2 ** 53 + 2, -(2 ** 60), 1e308, 0.5),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
    maxKeys: 4,
  }),
  fc.constantFrom(
    [{ type: "text", content: "x" }],
    [{ type: "code" }],
    [{ type: "file_ref", path: "a.ts", start_line: "x" }],
    [{ type: "json", content: { deep: [[[[]]]] } }],
    [1, "two"],
  ),
  fc.nat(5000).map((n) => "x".repeat(n)),
);

/** A JSON object body built from an endpoint's fields, with some missing and some extra. */
const objectBody = (fields: string[]) =>
  fc.tuple(
    fc.subarray(fields),
    fc.array(
      fc.tuple(fields.length ? fc.constantFrom(...fields) : fc.string(), value),
      {
        maxLength: fields.length,
      },
    ),
    fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 2 }),
  ).map(([present, values, extra]) => {
    const body: Record<string, unknown> = { ...extra };
    for (const f of present) body[f] = null;
    for (const [f, v] of values) body[f] = v;
    return JSON.stringify(body);
  });

/** Raw texts that JSON.stringify never produces. */
const rawBody = fc.oneof(
  fc.constantFrom(
    '{"from_agent":"a","body":"x","reply_to":9007199254740993}',
    '{"agent_id":"a","agent_id":{"x":1}}',
    '{"from_agent":"a","body":"nul\\u0000byte"}',
    '{"from_agent":"a\\u0000b","body":"x"}',
    '{"ttl_sec":1e400,"owner_agent_id":"a","claim_key":"k"}',
    '{"limit":-1e-400}',
    "[]",
    "null",
    '"text"',
    "123",
    "",
    "{",
    '{"a":}',
  ),
  fc.nat(200_000).map((n) =>
    '{"metadata":' + "[".repeat(n) + "]".repeat(n) + "}"
  ),
  fc.nat(5_000).map((n) =>
    '{"from_agent":"a","metadata":' + '{"k":'.repeat(n) + "1" + "}".repeat(n) +
    ',"body":"deep"}'
  ),
  fc.string({ maxLength: 200 }),
);

function toBytes(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** Byte-level damage: cut short, or stray invalid UTF-8. */
const damaged = (text: fc.Arbitrary<string>) =>
  fc.tuple(text, fc.nat(), fc.constantFrom("cut", "utf8", "none", "none")).map(
    ([t, at, how]) => {
      const bytes = toBytes(t);
      if (how === "cut") return bytes.slice(0, at % (bytes.length + 1));
      if (how === "utf8") {
        const i = at % (bytes.length + 1);
        return new Uint8Array([
          ...bytes.slice(0, i),
          0xc3,
          0x28,
          0xff,
          ...bytes.slice(i),
        ]);
      }
      return bytes;
    },
  );

const queryValue = fc.oneof(
  fc.constantFrom(
    "0",
    "1",
    "-1",
    "abc",
    "true",
    "yes",
    "",
    "9007199254740993",
    "1e400",
    "nan",
    "inf",
    "0.1",
    "open",
    "done",
    "general",
  ),
  fc.string({ maxLength: 30 }),
);

const postProbe: fc.Arbitrary<Probe> = fc.constantFrom(...Object.keys(FIELDS))
  .chain((path) =>
    damaged(fc.oneof(objectBody(FIELDS[path]!), rawBody)).map((body) => ({
      method: "POST",
      path,
      body,
    }))
  );

/** Whether the hub reads this `timeout` as a wait longer than 0.2 s (by its own parser). */
const longWait = (v: string) => {
  try {
    return new Query(new URLSearchParams({ timeout: v })).timeoutSec() > 0.2;
  } catch {
    return false; // refused with 400: no wait at all
  }
};

const getProbe: fc.Arbitrary<Probe> = fc.constantFrom(...Object.keys(QUERIES))
  .chain((path) =>
    fc.array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(...(QUERIES[path]!.length ? QUERIES[path]! : ["x"])),
          fc.string({ maxLength: 5 }),
        ),
        queryValue,
      ),
      { maxLength: 6 },
    ).map((pairs) => {
      const q = new URLSearchParams();
      for (const [k, v] of pairs) {
        // Long-polls are exercised elsewhere; keep generated waits short
        // ("inf" reads as the longest wait, 60 s, as in the reference).
        q.append(k, k === "timeout" && longWait(v) ? "0.1" : v);
      }
      return { method: "GET", path: `${path}?${q}` };
    })
  );

const deleteProbe: fc.Arbitrary<Probe> = fc.string({ maxLength: 40 }).map((
  id,
) => ({
  method: "DELETE",
  path: `/v1/sessions/${encodeURIComponent(id) || "x"}`,
}));

async function send(
  hub: TestHub,
  probe: Probe,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${hub.url}${probe.path}`, {
    method: probe.method,
    ...(probe.body
      ? { body: probe.body, headers: { "content-type": "application/json" } }
      : {}),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, text: await res.text() };
}

async function expectSound(hub: TestHub, probe: Probe): Promise<void> {
  const { status, text } = await send(hub, probe);
  const described = `${probe.method} ${probe.path} ${
    probe.body ? new TextDecoder().decode(probe.body.slice(0, 300)) : ""
  }`;
  assert(
    ALLOWED.has(status),
    `status ${status} for ${described}: ${text.slice(0, 300)}`,
  );
  const envelope = JSON.parse(text);
  assertEquals(typeof envelope.ok, "boolean", described);
  if (!envelope.ok) assertEquals(typeof envelope.error, "string", described);
}

Deno.test("hostile input: generated requests to every endpoint get protocol statuses, and the store stays valid", async () => {
  await using hub = await startHub();
  // Some state for the generated requests to collide with.
  await hub.api("POST", "/v1/sessions", { agent_id: "fuzz" });
  await hub.api("POST", "/v1/messages", {
    from_agent: "fuzz",
    kind: "task",
    body: "t",
    thread_id: "fuzz",
  });
  for (let batch = 0; batch < 4; batch++) {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(postProbe, postProbe, getProbe, deleteProbe),
        async (probe) => {
          await expectSound(hub, probe);
        },
      ),
      { numRuns: 250, seed: Date.now() + batch, endOnFailure: false },
    );
    const info = await hub.api("GET", "/v1/hub-info");
    assertEquals(info.status, 200);
    assertEquals(checkConsistency(hub.storage), []);
  }
  assert(!/unexpected error/.test(hub.output()), hub.output());
});

Deno.test("hostile input: the corpus of inputs that once failed still gets sound answers", async () => {
  await using hub = await startHub();
  const dir = new URL("../corpus/", import.meta.url);
  let count = 0;
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".json")) continue;
    const item = JSON.parse(await Deno.readTextFile(new URL(entry.name, dir)));
    const body = item.body_base64 !== undefined
      ? Uint8Array.from(atob(item.body_base64), (c) => c.charCodeAt(0))
      : item.body !== undefined
      ? toBytes(item.body)
      : undefined;
    const probe: Probe = {
      method: item.method,
      path: item.path,
      ...(body ? { body } : {}),
    };
    const { status } = await send(hub, probe);
    assert(ALLOWED.has(status), `${entry.name}: status ${status}`);
    if (item.expect_status !== undefined) {
      assertEquals(status, item.expect_status, entry.name);
    }
    count++;
  }
  assert(count > 0, "the corpus is empty");
  assertEquals((await hub.api("GET", "/v1/hub-info")).status, 200);
  assertEquals(checkConsistency(hub.storage), []);
});
