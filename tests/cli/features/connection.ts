/**
 * The one resolver of agent, hub URL, token and relay (flag, then
 * environment, then default), in a table, and the commands that use it
 * agreeing on it as real processes.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { inProcessHub } from "../../_harness.ts";
import { UsageError } from "../../../src/cli/args.ts";
import {
  type ConnectionFlags,
  DEFAULT_URL,
  resolveConnection,
  type ResolvedConnection,
} from "../../../src/cli/connection.ts";
import { arc } from "../_arc.ts";

const ENV = {
  ARC_AGENT: "env-agent",
  ARC_URL: "http://10.0.0.5:6969",
  ARC_TOKEN: "env-token",
};

const cases: [
  string,
  ConnectionFlags,
  Record<string, string>,
  Partial<ResolvedConnection>,
][] = [
  ["defaults", {}, {}, {
    agent: undefined,
    url: DEFAULT_URL,
    urlFrom: "default",
    token: undefined,
    relay: undefined,
  }],
  ["environment over defaults", {}, ENV, {
    agent: "env-agent",
    url: "http://10.0.0.5:6969",
    urlFrom: "env",
    token: "env-token",
  }],
  [
    "flags over environment",
    {
      agent: "flag-agent",
      "base-url": "http://127.0.0.1:7000/",
      token: "flag-token",
    },
    ENV,
    {
      agent: "flag-agent",
      url: "http://127.0.0.1:7000",
      urlFrom: "flag",
      token: "flag-token",
    },
  ],
  ["--url names the hub like --base-url", { url: "https://hub.example" }, ENV, {
    url: "https://hub.example",
    urlFrom: "flag",
  }],
  [
    "agent ids are trimmed; empty values count as unset",
    {
      agent: "  bob ",
      token: "",
    },
    { ARC_TOKEN: "" },
    { agent: "bob", token: undefined },
  ],
  [
    "an empty --agent falls back to nothing, not to ARC_AGENT's absence",
    {
      agent: "  ",
    },
    {},
    { agent: undefined },
  ],
  ["the relay ignores a bad ARC_URL", { relay: "/spool" }, {
    ARC_URL: "not a url",
  }, { relay: "/spool", urlFrom: "env" }],
];

for (const [name, flags, env, expected] of cases) {
  Deno.test(`resolveConnection(): ${name}`, () => {
    const resolved = resolveConnection(flags, { env: (v) => env[v] });
    for (const [key, value] of Object.entries(expected)) {
      assertEquals(resolved[key as keyof ResolvedConnection], value, key);
    }
  });
}

const refusals: [string, ConnectionFlags, Record<string, string>, string][] = [
  [
    "a missing required agent",
    {},
    {},
    "--agent is required (or set ARC_AGENT)",
  ],
  [
    "--base-url with --relay",
    { agent: "a", "base-url": DEFAULT_URL, relay: "/spool" },
    {},
    "give --base-url or --relay, not both",
  ],
  [
    "a --base-url that is not http(s)",
    { agent: "a", "base-url": "ftp://hub" },
    {},
    "--base-url must be an http(s) URL such as http://127.0.0.1:6969: current value is 'ftp://hub'",
  ],
  [
    "an ARC_URL that is not a URL, naming the variable",
    { agent: "a" },
    { ARC_URL: "localhost:6969" },
    "ARC_URL must be an http(s) URL",
  ],
];

for (const [name, flags, env, message] of refusals) {
  Deno.test(`resolveConnection() refuses ${name}`, () => {
    let error: unknown;
    try {
      resolveConnection(flags, { agent: "required", env: (v) => env[v] });
    } catch (thrown) {
      error = thrown;
    }
    assert(error instanceof UsageError, `expected a UsageError: ${error}`);
    assertStringIncludes(error.message, message);
  });
}

Deno.test("every agent command refuses a bad ARC_URL and --base-url with --relay the same way, exit 2", async () => {
  const commands = [
    ["post", "hi"],
    ["poll", "--timeout", "0"],
    ["whoami"],
    ["search", "x"],
    ["mcp"],
    ["hook", "--host", "claude"],
    ["setup", "claude", "--dry-run"],
    ["relay"],
    ["export"],
  ];
  for (const args of commands) {
    const bad = await arc(args, {
      env: { ARC_AGENT: "alice", ARC_URL: "localhost:6969" },
    });
    assertEquals(bad.code, 2, `${args[0]}: ${bad.stderr}`);
    assertEquals(
      bad.stderr.trim(),
      "arc: ARC_URL must be an http(s) URL such as http://127.0.0.1:6969: current value is 'localhost:6969'",
      args[0],
    );
  }
  for (const args of [["post", "hi"], ["whoami"], ["search", "x"], ["mcp"]]) {
    const both = await arc([
      ...args,
      "--agent",
      "a",
      "--base-url",
      DEFAULT_URL,
      "--relay",
      "/tmp",
    ]);
    assertEquals(both.code, 2, args[0]);
    assertEquals(
      both.stderr.trim(),
      "arc: give --base-url or --relay, not both",
    );
  }
});

Deno.test("agent commands and setup take the agent and hub from ARC_AGENT and ARC_URL, flags winning", async () => {
  await using hub = await inProcessHub();
  const env = { ARC_AGENT: "carol", ARC_URL: hub.url };
  const who = await arc(["whoami"], { env });
  assertEquals(who.code, 0, who.stderr);
  assertEquals(JSON.parse(who.stdout).agent_id, "carol");
  const flagged = await arc(["whoami", "--agent", "dave"], { env });
  assertEquals(flagged.code, 0, flagged.stderr);
  assertEquals(JSON.parse(flagged.stdout).agent_id, "dave");

  const dir = await Deno.makeTempDir({ prefix: "arc-connection-" });
  try {
    const setup = await arc(
      ["setup", "claude", "--dir", dir, "--command", "arc", "--dry-run"],
      { env },
    );
    assertEquals(setup.code, 0, setup.stderr);
    assertStringIncludes(
      setup.stdout,
      `arc hook --host claude --agent carol --base-url ${hub.url}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
