import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "../../_assert.ts";
import type { HubLike } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import {
  runSmokeAgent,
  SMOKE_AGENT_HELP,
} from "../../../src/cli/smoke_agent.ts";
import { UsageError } from "../../../src/cli/args.ts";

const REFERENCE = "/tmp/ref/arc.py";
const referenceAvailable = await (async () => {
  try {
    await Deno.stat(REFERENCE);
    const { success } = await new Deno.Command("python3", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
})();

type Role = "smoke-a" | "smoke-b" | "smoke-c";

/** Runs one of our roles in-process; resolves to its exit code and output. */
async function ours(
  role: Role,
  args: string[],
): Promise<{ code: number; output: string[] }> {
  const output: string[] = [];
  const code = await runSmokeAgent(
    ["--role", role, "--timeout-sec", "60", ...args],
    { out: (line) => output.push(line), err: (line) => output.push(line) },
  );
  return { code, output };
}

/** Runs one of the reference implementation's roles as a child process. */
async function reference(
  role: Role,
  hub: HubLike,
): Promise<{ code: number; output: string[] }> {
  const result = await new Deno.Command("python3", {
    args: [
      REFERENCE,
      "smoke-agent",
      "--role",
      role,
      "--transport",
      "http",
      "--base-url",
      hub.url,
      "--timeout-sec",
      "60",
      "--poll-interval-sec",
      "0.2",
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(result.stdout) +
    new TextDecoder().decode(result.stderr);
  return { code: result.code, output: text.split("\n").filter(Boolean) };
}

/** Checks the thread the three roles leave behind. */
async function assertSmokeThread(hub: HubLike): Promise<void> {
  const thread = await hub.api("GET", "/v1/threads/smoke-relay-001");
  assertEquals(thread.status, 200);
  const messages: { from_agent: string; kind: string; body: string }[] =
    thread.body.result.messages;
  const line = (m: { from_agent: string; kind: string }) =>
    `${m.from_agent} ${m.kind}`;
  const lines = messages.map(line);
  for (
    const expected of [
      "smoke-a task",
      "smoke-b artifact",
      "smoke-c notice",
      "smoke-b notice",
      "smoke-a notice",
    ]
  ) {
    assert(lines.includes(expected), `missing ${expected} in ${lines}`);
  }
  assertEquals(lines[0], "smoke-a task");
  const verified = messages.find((m) => line(m) === "smoke-c notice")!;
  assert(
    /verified .*\((released|held by smoke-b)\)$/.test(verified.body),
    verified.body,
  );
  assertEquals(thread.body.result.claims.length, 1);
  assertEquals(thread.body.result.claims[0].claim_key, "smoke-claim-001");
  assert(thread.body.result.claims[0].released_at !== null, "claim held");
}

Deno.test("runSmokeAgent() - the three roles pass together over HTTP", async () => {
  await using hub = await inProcessHub();
  const http = ["--transport", "http", "--base-url", hub.url];
  // start the waiting roles first, smoke-a last
  const [c, b, a] = await Promise.all([
    ours("smoke-c", http),
    ours("smoke-b", http),
    ours("smoke-a", http),
  ]);
  for (const [role, run] of [["a", a], ["b", b], ["c", c]] as const) {
    assertEquals(run.code, 0, `smoke-${role}: ${run.output.join("\n")}`);
    assertStringIncludes(run.output.at(-1)!, "passed (http)");
  }
  await assertSmokeThread(hub);
  // every role ended its session
  assertEquals((await hub.api("GET", "/v1/agents")).body.result, []);
});

Deno.test({
  name:
    "runSmokeAgent() - the three roles pass over a mix of the relay and HTTP",
  async fn() {
    await using hub = await inProcessHub({ relay: {} });
    const info = await hub.api("GET", "/v1/hub-info");
    assert(
      info.body.result.features.includes("relay"),
      "the hub serves the relay",
    );
    const relay = ["--transport", "relay", "--relay-dir", `${hub.dir}/spool`];
    const http = ["--transport", "http", "--base-url", hub.url];
    const [a, b, c] = await Promise.all([
      ours("smoke-a", http),
      ours("smoke-b", relay),
      ours("smoke-c", relay),
    ]);
    assertEquals(a.code, 0, a.output.join("\n"));
    assertEquals(b.code, 0, b.output.join("\n"));
    assertEquals(c.code, 0, c.output.join("\n"));
    assertStringIncludes(b.output.at(-1)!, "passed (relay)");
    await assertSmokeThread(hub);
  },
});

Deno.test({
  name:
    "runSmokeAgent() - our smoke-a passes with the reference smoke-b and smoke-c",
  ignore: !referenceAvailable,
  async fn() {
    await using hub = await inProcessHub();
    const [b, c, a] = await Promise.all([
      reference("smoke-b", hub),
      reference("smoke-c", hub),
      ours("smoke-a", ["--transport", "http", "--base-url", hub.url]),
    ]);
    assertEquals(b.code, 0, b.output.join("\n"));
    assertEquals(c.code, 0, c.output.join("\n"));
    assertEquals(a.code, 0, a.output.join("\n"));
    await assertSmokeThread(hub);
  },
});

Deno.test({
  name:
    "runSmokeAgent() - our smoke-b and smoke-c pass with the reference smoke-a",
  ignore: !referenceAvailable,
  async fn() {
    await using hub = await inProcessHub();
    const http = ["--transport", "http", "--base-url", hub.url];
    const [b, c, a] = await Promise.all([
      ours("smoke-b", http),
      ours("smoke-c", http),
      reference("smoke-a", hub),
    ]);
    assertEquals(b.code, 0, b.output.join("\n"));
    assertEquals(c.code, 0, c.output.join("\n"));
    assertEquals(a.code, 0, a.output.join("\n"));
    await assertSmokeThread(hub);
  },
});

Deno.test("runSmokeAgent() - a role that waits in vain fails with 1 and says why", async () => {
  await using hub = await inProcessHub();
  const started = Date.now();
  const output: string[] = [];
  const code = await runSmokeAgent(
    [
      "--role",
      "smoke-b",
      "--transport",
      "http",
      "--base-url",
      hub.url,
      "--thread-id",
      "lonely",
      "--timeout-sec",
      "1",
    ],
    { out: (line) => output.push(line), err: (line) => output.push(line) },
  );
  assertEquals(code, 1);
  assertStringIncludes(output.at(-1)!, "Smoke test failed (smoke-b)");
  assertStringIncludes(output.at(-1)!, "timed out waiting for smoke-a's task");
  assert(Date.now() - started < 10_000, "the timeout was not kept");
});

Deno.test("runSmokeAgent() - an unreachable hub fails with 1 and names the step", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const output: string[] = [];
  const code = await runSmokeAgent(
    [
      "--role=smoke-a",
      "--transport=http",
      `--base-url=http://127.0.0.1:${port}`,
    ],
    { out: (line) => output.push(line), err: (line) => output.push(line) },
  );
  assertEquals(code, 1);
  assertStringIncludes(output.join("\n"), "open session failed");
});

Deno.test("runSmokeAgent() - --help prints the usage; bad flags are one-line usage errors", async () => {
  const output: string[] = [];
  assertEquals(
    await runSmokeAgent(["--help"], {
      out: (l) => output.push(l),
      err: () => {},
    }),
    0,
  );
  assertEquals(output, [SMOKE_AGENT_HELP]);
  for (
    const [args, text] of [
      [["--role", "smoke-a", "--transport", "http", "--bogus"], "--bogus"],
      [["--transport", "http"], "--role is required"],
      [["--role", "smoke-d", "--transport", "http"], "smoke-d"],
      [["--role", "smoke-a"], "--transport is required"],
      [["--role", "smoke-a", "--transport", "carrier-pigeon"], "http or relay"],
      [
        ["--role", "smoke-a", "--transport", "http", "--timeout-sec", "soon"],
        "--timeout-sec",
      ],
      [
        ["--role", "smoke-a", "--transport", "http", "--base-url", "nowhere"],
        "baseUrl",
      ],
    ] as const
  ) {
    const error = await assertRejects(() =>
      runSmokeAgent([...args], { out: () => {}, err: () => {} })
    );
    assert(error instanceof UsageError, `${args}: ${error}`);
    assertStringIncludes(error.message, text);
    assert(!error.message.includes("\n"), error.message);
  }
});
