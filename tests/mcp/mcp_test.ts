/**
 * `arc mcp` against real hub processes, driven by the MCP SDK's own client
 * over stdio: the handshake, the tool catalogue, every tool's effect as seen
 * over HTTP, hub errors as tool errors, RPC between two servers, a start
 * without a hub, the file relay, deregistration, and the documented host
 * configuration.
 *
 * @module
 */

import {
  assert,
  assertEquals,
  assertNotEquals,
  assertStringIncludes,
} from "../_assert.ts";
import { ENTRY, eventually, type HubLike, startHub } from "../_util.ts";
import { inProcessHub } from "../_harness.ts";
import {
  BRIDGED,
  freePort,
  INITIALIZE,
  LOCAL,
  mcpArgs,
  session,
  startMcp,
  startProxy,
} from "./_mcp.ts";

const READ_TOOLS = [
  "arc_whoami",
  "arc_list_agents",
  "arc_poll_messages",
  "arc_wait_for_events",
  "arc_inbox",
  "arc_list_channels",
  "arc_list_claims",
  "arc_list_locks",
  "arc_list_tasks",
  "arc_list_threads",
  "arc_get_thread",
  "arc_receipts",
  "arc_unacked",
  "arc_search",
];
const WRITE_TOOLS = [
  "arc_rename",
  "arc_post_message",
  "arc_dm",
  "arc_create_channel",
  "arc_rpc_call",
  "arc_rpc_reply",
  "arc_claim",
  "arc_refresh_claim",
  "arc_release_claim",
  "arc_lock",
  "arc_refresh_lock",
  "arc_unlock",
  "arc_complete_task",
  "arc_ack",
  "arc_next_task",
  "arc_request_approval",
];
const DESTRUCTIVE_TOOLS = ["arc_release_claim", "arc_unlock"];
const IDEMPOTENT_TOOLS = [
  "arc_rename",
  "arc_create_channel",
  "arc_claim",
  "arc_refresh_claim",
  "arc_lock",
  "arc_refresh_lock",
  "arc_complete_task",
  "arc_ack",
];
/** The arguments of the six tools the reference adapter has, by name. */
const CLASSIC_ARGS: Record<string, [string[], string[]]> = {
  arc_post_message: [
    ["channel", "body"],
    ["kind", "thread_id", "reply_to", "metadata", "attachments", "to_agent"],
  ],
  arc_poll_messages: [
    [],
    ["timeout", "channel", "thread_id", "since_id", "exclude_self"],
  ],
  arc_dm: [["to_agent", "body"], ["kind", "thread_id"]],
  arc_list_agents: [[], ["capability"]],
  arc_create_channel: [["name"], []],
  arc_rpc_call: [["to_agent", "body"], ["timeout"]],
};

async function post(hub: HubLike, body: Record<string, unknown>) {
  const reply = await hub.api("POST", "/v1/messages", body);
  assertEquals(reply.status, 201, JSON.stringify(reply.body));
  return reply.body.result as { id: number };
}

Deno.test("arc mcp - lists its tools and resources, and every tool acts on the hub", async (t) => {
  await using hub = await inProcessHub();
  await using alice = await startMcp({
    agent: "alice",
    baseUrl: hub.url,
    args: ["--capability", "tests", "--display-name", "Alice"],
  });
  await hub.api("POST", "/v1/sessions", {
    agent_id: "bob",
    capabilities: ["review"],
    replace: true,
  });

  await t.step("handshake: server info and instructions", () => {
    assertEquals(alice.client.getServerVersion()?.name, "arc");
    const instructions = alice.client.getInstructions() ?? "";
    assertStringIncludes(instructions, "arc_whoami");
    assertStringIncludes(instructions, "arc_claim");
    assert(alice.client.getServerCapabilities()?.tools, "tools capability");
    assert(alice.client.getServerCapabilities()?.resources, "resources");
  });

  await t.step("tools/list: names, schemas and annotations", async () => {
    const { tools } = await alice.client.listTools();
    assertEquals(
      tools.map((tool) => tool.name).sort(),
      [...READ_TOOLS, ...WRITE_TOOLS].sort(),
    );
    for (const tool of tools) {
      assert(/^arc_[a-z_]+$/.test(tool.name), tool.name);
      assert((tool.description ?? "").length > 60, `${tool.name} description`);
      assertEquals(tool.inputSchema.type, "object");
      assertEquals(tool.outputSchema?.type, "object", tool.name);
      const a = tool.annotations ?? {};
      assertEquals(a.openWorldHint, false, tool.name);
      assertEquals(a.readOnlyHint, READ_TOOLS.includes(tool.name), tool.name);
      if (!a.readOnlyHint) {
        assertEquals(
          a.destructiveHint,
          DESTRUCTIVE_TOOLS.includes(tool.name),
          tool.name,
        );
        assertEquals(
          a.idempotentHint,
          IDEMPOTENT_TOOLS.includes(tool.name),
          tool.name,
        );
      }
    }
    for (const [name, [required, optional]] of Object.entries(CLASSIC_ARGS)) {
      const tool = tools.find((x) => x.name === name)!;
      const props = Object.keys(tool.inputSchema.properties ?? {});
      for (const arg of [...required, ...optional]) {
        assert(props.includes(arg), `${name} takes ${arg}`);
      }
      assertEquals((tool.inputSchema.required ?? []).sort(), required.sort());
    }
  });

  await t.step(
    "registration: session with capabilities, from now on",
    async () => {
      const me = await alice.call("arc_whoami");
      assertEquals(me.agent_id, "alice");
      assertEquals(me.session.active, true);
      assertEquals(me.session.display_name, "Alice");
      assertEquals(me.session.capabilities, ["tests"]);
      assertEquals(me.hub.via, hub.url);
      assert(me.hub.features.includes("rpc_kinds"));
      // The hub's /mcp serves the tools; this process only bridges.
      assertStringIncludes(alice.stderr(), BRIDGED);
      const agents = await hub.api("GET", "/v1/agents?capability=tests");
      assertEquals(
        agents.body.result.map((s: { agent_id: string }) => s.agent_id),
        [
          "alice",
        ],
      );
    },
  );

  await t.step("agents: list, capability filter, rename", async () => {
    const all = await alice.call("arc_list_agents");
    assertEquals(
      all.agents.map((s: { agent_id: string }) => s.agent_id),
      ["alice", "bob"],
    );
    const reviewers = await alice.call("arc_list_agents", {
      capability: "review",
    });
    assertEquals(reviewers.agents.length, 1);
    assertEquals(reviewers.agents[0].agent_id, "bob");
    const renamed = await alice.call("arc_rename", {
      display_name: "Alice (tests)",
    });
    assertEquals(renamed.session.display_name, "Alice (tests)");
    assertEquals((await session(hub, "alice"))?.display_name, "Alice (tests)");
  });

  await t.step("channels and posts", async () => {
    const created = await alice.call("arc_create_channel", { name: "ops" });
    assertEquals(created.channel.name, "ops");
    const again = await alice.call("arc_create_channel", { name: "ops" });
    assertEquals(again.channel.created_at, created.channel.created_at);
    const channels = await alice.call("arc_list_channels");
    assertEquals(
      channels.channels.map((c: { name: string }) => c.name),
      ["direct", "general", "ops"],
    );
    const posted = await alice.call("arc_post_message", {
      channel: "ops",
      body: "deploying",
      kind: "notice",
      thread_id: "deploy-7",
      metadata: { step: 1 },
      attachments: [{ type: "file_ref", path: "deploy.sh", start_line: 3 }],
    });
    const onHub = await hub.api("GET", "/v1/messages?channel=ops");
    assertEquals(onHub.body.result.length, 1);
    const stored = onHub.body.result[0];
    assertEquals(stored.id, posted.message.id);
    assertEquals(stored.from_agent, "alice");
    assertEquals(stored.kind, "notice");
    assertEquals(stored.thread_id, "deploy-7");
    assertEquals(stored.metadata, { step: 1 });
    assertEquals(stored.attachments, [
      { type: "file_ref", path: "deploy.sh", start_line: 3 },
    ]);
    const dm = await alice.call("arc_dm", {
      to_agent: "bob",
      body: "can you review?",
      thread_id: "deploy-7",
    });
    const inbox = await hub.api("GET", "/v1/inbox/bob");
    assertEquals(inbox.body.result.map((m: { id: number }) => m.id), [
      dm.message.id,
    ]);
    assertEquals(inbox.body.result[0].to_agent, "bob");
  });

  await t.step("messages: errors carry the hub's text", async () => {
    const error = await alice.fail("arc_post_message", {
      channel: "nowhere",
      body: "hello?",
    });
    assertStringIncludes(error, "channel does not exist: nowhere");
    const invalid = await alice.fail("arc_post_message", {
      channel: "general",
      body: "x",
      kind: "shout",
    });
    assertStringIncludes(invalid, "kind");
  });

  await t.step("poll: new messages once, filters keep the rest", async () => {
    // Start from an empty queue: drain what is there.
    await alice.call("arc_poll_messages", { timeout: 0 });
    const general = await post(hub, {
      from_agent: "bob",
      channel: "general",
      body: "hi all",
    });
    const ops = await post(hub, {
      from_agent: "bob",
      channel: "ops",
      body: "ops news",
    });
    const direct = await post(hub, {
      from_agent: "bob",
      to_agent: "alice",
      body: "psst",
    });
    const onlyOps = await alice.call("arc_poll_messages", {
      channel: "ops",
      timeout: 0,
    });
    assertEquals(onlyOps.messages.map((m: { id: number }) => m.id), [ops.id]);
    assertEquals(onlyOps.pending, 2);
    const rest = await alice.call("arc_poll_messages", { timeout: 0 });
    assertEquals(rest.messages.map((m: { id: number }) => m.id), [
      general.id,
      direct.id,
    ]);
    const none = await alice.call("arc_poll_messages", { timeout: 0 });
    assertEquals(none.messages, []);
    const history = await alice.call("arc_poll_messages", {
      since_id: general.id - 1,
      timeout: 0,
    });
    assertEquals(history.messages.map((m: { id: number }) => m.id), [
      general.id,
      ops.id,
      direct.id,
    ]);
    // A long poll returns as soon as a message arrives.
    const started = Date.now();
    const waiting = alice.call("arc_poll_messages", { timeout: 20 });
    await new Promise((r) => setTimeout(r, 300));
    const late = await post(hub, {
      from_agent: "bob",
      channel: "general",
      body: "late",
    });
    const got = await waiting;
    assertEquals(got.messages.map((m: { id: number }) => m.id), [late.id]);
    assert(Date.now() - started < 10_000, "woken early");
    const inbox = await alice.call("arc_inbox");
    assertEquals(inbox.messages.map((m: { id: number }) => m.id), [direct.id]);
  });

  await t.step("wait for events: kinds and sender filters", async () => {
    const waiting = alice.call("arc_wait_for_events", {
      kinds: ["task_request"],
      from_agent: "bob",
      timeout: 20,
    });
    await new Promise((r) => setTimeout(r, 300));
    const chat = await post(hub, {
      from_agent: "bob",
      channel: "general",
      body: "unrelated",
    });
    const request = await post(hub, {
      from_agent: "bob",
      to_agent: "alice",
      kind: "task_request",
      body: "please run the linter",
    });
    const got = await waiting;
    assertEquals(got.timed_out, false);
    assertEquals(got.messages.map((m: { id: number }) => m.id), [request.id]);
    const left = await alice.call("arc_poll_messages", { timeout: 0 });
    assertEquals(left.messages.map((m: { id: number }) => m.id), [chat.id]);
    const nothing = await alice.call("arc_wait_for_events", {
      from_agent: "nobody",
      timeout: 0.3,
    });
    assertEquals(nothing.timed_out, true);

    const reply = await alice.call("arc_rpc_reply", {
      reply_to: request.id,
      body: "lint is clean",
    });
    assertEquals(reply.task_completed, request.id);
    assertEquals(reply.message.kind, "task_result");
    assertEquals(reply.message.to_agent, "bob");
    assertEquals(reply.message.reply_to, request.id);
    const tasks = await hub.api("GET", "/v1/tasks?status=done");
    assert(
      tasks.body.result.some((x: { task_id: number }) =>
        x.task_id === request.id
      ),
      "request done",
    );
    const unknown = await alice.fail("arc_rpc_reply", {
      reply_to: 999_999,
      body: "?",
    });
    assertStringIncludes(unknown, "pass to_agent");
    const timeout = await alice.fail("arc_rpc_call", {
      to_agent: "nobody",
      body: "anyone?",
      timeout: 1,
    });
    assertStringIncludes(timeout, "did not answer request");
    assertStringIncludes(timeout, "reply_to");
  });

  await t.step("claims: claim, contend, refresh, release, list", async () => {
    const mine = await alice.call("arc_claim", {
      key: "task-1",
      thread_id: "deploy-7",
      ttl_sec: 60,
    });
    assertEquals(mine.acquired, true);
    const onHub = await hub.api("GET", "/v1/claims?active_only=true");
    assertEquals(onHub.body.result[0].owner_agent_id, "alice");
    await hub.api("POST", "/v1/claims", {
      owner_agent_id: "bob",
      claim_key: "bob-work",
    });
    const taken = await alice.call("arc_claim", { key: "bob-work" });
    assertEquals(taken.acquired, false);
    assertEquals(taken.claim.owner_agent_id, "bob");
    const refreshed = await alice.call("arc_refresh_claim", {
      key: "task-1",
      ttl_sec: 600,
    });
    assert(refreshed.claim.expires_at > mine.claim.expires_at, "extended");
    const listed = await alice.call("arc_list_claims", {
      thread_id: "deploy-7",
    });
    assertEquals(listed.claims.length, 1);
    const released = await alice.call("arc_release_claim", { key: "task-1" });
    assert(released.claim.released_at, "released");
    const after = await hub.api("GET", "/v1/claims?active_only=true");
    assertEquals(
      after.body.result.map((c: { claim_key: string }) => c.claim_key),
      ["bob-work"],
    );
    const error = await alice.fail("arc_release_claim", { key: "bob-work" });
    assertStringIncludes(error, "claim not found or not owned by agent_id");
    const short = await alice.fail("arc_claim", { key: "x", ttl_sec: 1 });
    assertStringIncludes(short, "ttl_sec");
  });

  await t.step("locks: lock, contend, refresh, unlock, list", async () => {
    const locked = await alice.call("arc_lock", {
      path: "src/app.ts",
      thread_id: "deploy-7",
    });
    assertEquals(locked.acquired, true);
    assertEquals(locked.lock.metadata.thread_id, "deploy-7");
    await hub.api("POST", "/v1/locks", {
      agent_id: "bob",
      file_path: "README.md",
    });
    const busy = await alice.call("arc_lock", { path: "README.md" });
    assertEquals(busy.acquired, false);
    assertEquals(busy.lock.agent_id, "bob");
    const refreshed = await alice.call("arc_refresh_lock", {
      path: "src/app.ts",
      ttl_sec: 900,
    });
    assert(refreshed.lock.expires_at > locked.lock.expires_at, "extended");
    const mine = await alice.call("arc_list_locks", { agent_id: "alice" });
    assertEquals(mine.locks.map((l: { file_path: string }) => l.file_path), [
      "src/app.ts",
    ]);
    await alice.call("arc_unlock", { path: "src/app.ts" });
    const onHub = await hub.api("GET", "/v1/locks?active_only=true");
    assertEquals(
      onHub.body.result.map((l: { file_path: string }) => l.file_path),
      ["README.md"],
    );
    const error = await alice.fail("arc_unlock", { path: "README.md" });
    assertStringIncludes(error, "lock not found or not owned by agent_id");
  });

  await t.step("tasks: subtasks roll up to their parent", async () => {
    const parent = await alice.call("arc_post_message", {
      channel: "general",
      kind: "task",
      body: "ship 1.0",
      thread_id: "release",
    });
    const parentId = parent.message.id;
    const subs = [];
    for (const body of ["changelog", "tag"]) {
      subs.push(
        await alice.call("arc_post_message", {
          channel: "general",
          kind: "task",
          body,
          thread_id: "release",
          parent_task_id: parentId,
        }),
      );
    }
    const open = await alice.call("arc_list_tasks", {
      status: "open",
      thread_id: "release",
    });
    assertEquals(open.tasks.length, 3);
    const children = await alice.call("arc_list_tasks", {
      parent_id: parentId,
    });
    assertEquals(children.tasks.length, 2);
    const first = await alice.call("arc_complete_task", {
      task_id: subs[0].message.id,
    });
    assertEquals(first.parent_completed, false);
    const second = await alice.call("arc_complete_task", {
      task_id: subs[1].message.id,
    });
    assertEquals(second.parent_completed, true);
    const onHub = await hub.api("GET", "/v1/tasks?thread_id=release");
    assert(
      onHub.body.result.every((x: { status: string }) => x.status === "done"),
      "all done",
    );
    const error = await alice.fail("arc_complete_task", { task_id: 999_999 });
    assertStringIncludes(error, "task not found: 999999");
  });

  await t.step("threads: list and read", async () => {
    const threads = await alice.call("arc_list_threads");
    const ids = threads.threads.map((x: { thread_id: string }) => x.thread_id);
    assert(ids.includes("deploy-7") && ids.includes("release"), ids.join());
    const done = await alice.call("arc_list_threads", { status: "completed" });
    assertEquals(
      done.threads.map((x: { thread_id: string }) => x.thread_id),
      ["release"],
    );
    const thread = await alice.call("arc_get_thread", {
      thread_id: "deploy-7",
    });
    assertEquals(thread.thread.thread_id, "deploy-7");
    assertEquals(thread.messages.length, 2); // the notice and the DM
    assertEquals(thread.claims.length, 1);
    assertEquals(thread.locks.length, 1);
    const newest = await alice.call("arc_get_thread", {
      thread_id: "deploy-7",
      message_limit: 1,
    });
    assertEquals(newest.omitted_messages, 1);
    assertEquals(newest.messages[0].to_agent, "bob");
    const error = await alice.fail("arc_get_thread", { thread_id: "nope" });
    assertStringIncludes(error, "thread not found: nope");
  });

  await t.step("resources: hub, agents, threads, guide", async () => {
    const { resources } = await alice.client.listResources();
    const uris = resources.map((r) => r.uri);
    for (
      const uri of [
        "arc://hub-info",
        "arc://agents",
        "arc://threads",
        "arc://guide",
        "arc://threads/release",
      ]
    ) {
      assert(uris.includes(uri), `${uri} in ${uris.join()}`);
    }
    const { resourceTemplates } = await alice.client.listResourceTemplates();
    assertEquals(
      resourceTemplates.map((r) => r.uriTemplate),
      ["arc://threads/{thread_id}"],
    );
    const read = async (uri: string) => {
      const { contents } = await alice.client.readResource({ uri });
      return (contents[0] as { text: string }).text;
    };
    const info = JSON.parse(await read("arc://hub-info"));
    assertEquals(info.agent_id, "alice");
    assertEquals(info.hub.protocol_version, "1");
    const agents = JSON.parse(await read("arc://agents"));
    assertEquals(agents.map((s: { agent_id: string }) => s.agent_id), [
      "alice",
      "bob",
    ]);
    const thread = JSON.parse(await read("arc://threads/release"));
    assertEquals(thread.thread.status, "completed");
    assertStringIncludes(await read("arc://guide"), "arc_lock");
    const completion = await alice.client.complete({
      ref: { type: "ref/resource", uri: "arc://threads/{thread_id}" },
      argument: { name: "thread_id", value: "dep" },
    });
    assertEquals(completion.completion.values, ["deploy-7"]);
  });

  await t.step("closing the host ends the session", async () => {
    const before = await session(hub, "alice");
    assertEquals(before?.active, true);
    await alice.close();
    assertEquals(await session(hub, "alice"), null);
    assertStringIncludes(alice.stderr(), "stdin closed");
  });
});

Deno.test("arc mcp - RPC between two MCP servers", async () => {
  await using hub = await inProcessHub();
  await using lead = await startMcp({ agent: "lead", baseUrl: hub.url });
  await using worker = await startMcp({ agent: "worker", baseUrl: hub.url });
  await lead.call("arc_whoami");
  await worker.call("arc_whoami");

  const serving = (async () => {
    const got = await worker.call("arc_wait_for_events", {
      kinds: ["task_request"],
      timeout: 20,
    });
    assertEquals(got.messages.length, 1);
    const request = got.messages[0];
    assertEquals(request.from_agent, "lead");
    return await worker.call("arc_rpc_reply", {
      reply_to: request.id,
      body: `done: ${request.body}`,
    });
  })();
  const answer = await lead.call("arc_rpc_call", {
    to_agent: "worker",
    body: "count the files",
    timeout: 20,
  });
  const reply = await serving;
  assertEquals(answer.reply.body, "done: count the files");
  assertEquals(answer.reply.from_agent, "worker");
  assertEquals(answer.reply.id, reply.message.id);
  assertEquals(answer.reply.reply_to, answer.request_id);
  assertEquals(answer.reply.metadata.task_completed, answer.request_id);
  const task = await hub.api("GET", "/v1/tasks");
  assertEquals(task.body.result[0].task_id, answer.request_id);
  assertEquals(task.body.result[0].status, "done");
  // The answer was handed to the call, not queued again for the lead.
  const after = await lead.call("arc_poll_messages", { timeout: 0 });
  assertEquals(after.messages, []);
});

Deno.test("arc mcp - starts without a hub and registers once one answers", async () => {
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  await using agent = await startMcp({ agent: "early", baseUrl: url });
  const { tools } = await agent.client.listTools();
  assertEquals(tools.length, READ_TOOLS.length + WRITE_TOOLS.length);
  const { resources } = await agent.client.listResources();
  assert(resources.some((r) => r.uri === "arc://guide"), "static resources");
  for (
    const [name, args] of [
      ["arc_whoami", {}],
      ["arc_post_message", { channel: "general", body: "hello" }],
      ["arc_claim", { key: "k" }],
    ] as const
  ) {
    const error = await agent.fail(name, args);
    assertStringIncludes(error, `No Arc hub answered at ${url}`);
    assertStringIncludes(error, "deno task ensure");
  }
  await using hub = await startHub({ args: ["--port", String(port)] });
  assertEquals(hub.url, url);
  const posted = await agent.call("arc_post_message", {
    channel: "general",
    body: "hello",
  });
  assertEquals(posted.message.from_agent, "early");
  assertEquals((await session(hub, "early"))?.active, true);
  assertStringIncludes(agent.stderr(), "registered");
  // No MCP session at start: the tools are served from the process itself.
  assertStringIncludes(agent.stderr(), LOCAL);
});

Deno.test("arc mcp - says so when its permissions do not cover the hub", async () => {
  const port = freePort();
  // --allow-net=127.0.0.1 does not cover the name localhost.
  await using agent = await startMcp({
    agent: "fenced",
    baseUrl: `http://localhost:${port}`,
  });
  const error = await agent.fail("arc_whoami");
  assertStringIncludes(error, "not allowed to reach the Arc hub");
  assertStringIncludes(error, `--allow-net for localhost:${port}`);
});

Deno.test("arc mcp - keeps an idle agent present, so its claims are not recovered", async () => {
  await using hub = await inProcessHub({ args: ["--presence-ttl", "5"] });
  await using agent = await startMcp({ agent: "idle", baseUrl: hub.url });
  const claim = await agent.call("arc_claim", {
    key: "long-job",
    ttl_sec: 600,
  });
  assertEquals(claim.acquired, true);
  const sessionId = (await session(hub, "idle"))?.session_id;
  const lastSeen = async () => {
    const agents = (await hub.api("GET", "/v1/agents")).body.result;
    const row = agents.find((a: { agent_id: string }) => a.agent_id === "idle");
    return row ? Date.parse(row.last_seen) : 0;
  };
  // Twice four seconds of a five-second TTL without a tool call: each time
  // only the bridge's heartbeat (every third of the TTL, in real time) keeps
  // the session from expiring at the next sweep.
  for (let i = 0; i < 2; i++) {
    await hub.advance(4_000);
    const now = hub.clock.now();
    await eventually(async () => (await lastSeen()) >= now, {
      what: "a heartbeat",
    });
  }
  await hub.advance(4_000);
  const now = await session(hub, "idle");
  assertEquals(now?.active, true);
  assertEquals(now?.session_id, sessionId);
  const claims = await hub.api("GET", "/v1/claims?active_only=true");
  assertEquals(claims.body.result.length, 1);
  const notices = await hub.api("GET", "/v1/messages?channel=general");
  assertEquals(notices.body.result, []);
});

Deno.test("arc mcp - works through the file relay", async () => {
  await using hub = await startHub();
  const spool = `${hub.dir}/spool`;
  await using agent = await startMcp({ agent: "boxed", relay: spool });
  const me = await agent.call("arc_whoami");
  assertEquals(me.agent_id, "boxed");
  assertEquals(me.hub.via, `the relay spool ${spool}`);
  assertStringIncludes(agent.stderr(), LOCAL);
  const posted = await agent.call("arc_post_message", {
    channel: "general",
    body: "from the sandbox",
  });
  const onHub = await hub.api("GET", "/v1/messages?channel=general");
  assertEquals(onHub.body.result.at(-1).id, posted.message.id);
  const waiting = agent.call("arc_poll_messages", { timeout: 15 });
  await new Promise((r) => setTimeout(r, 300));
  const direct = await post(hub, {
    from_agent: "lead",
    to_agent: "boxed",
    body: "hello in there",
  });
  const got = await waiting;
  assertEquals(got.messages.map((m: { id: number }) => m.id), [direct.id]);
  const claim = await agent.call("arc_claim", { key: "sandbox-job" });
  assertEquals(claim.acquired, true);
  const error = await agent.fail("arc_unlock", { path: "nothing" });
  assertStringIncludes(error, "lock not found or not owned by agent_id");
  await agent.close();
  assertEquals(await session(hub, "boxed"), null);
});

Deno.test("arc mcp - stdout carries only protocol frames; SIGTERM and stdin EOF end the session with exit code 0", async () => {
  await using hub = await inProcessHub();
  for (const ending of ["SIGTERM", "EOF"] as const) {
    const agent = `raw-${ending.toLowerCase()}`;
    const child = new Deno.Command(Deno.execPath(), {
      args: mcpArgs({ agent, baseUrl: hub.url }),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(
      new TextEncoder().encode(
        JSON.stringify(INITIALIZE) + "\n",
      ),
    );
    const stdout = child.stdout.pipeThrough(new TextDecoderStream());
    const stderr = new Response(child.stderr).text();
    const chunks: string[] = [];
    const reading = (async () => {
      for await (const chunk of stdout) chunks.push(chunk);
    })();
    await eventually(async () => (await session(hub, agent))?.active, {
      what: `${agent} registered`,
    });
    await eventually(() => Promise.resolve(chunks.join("").includes("\n")), {
      what: "initialize answer",
    });
    if (ending === "SIGTERM") child.kill("SIGTERM");
    else await writer.close();
    const status = await child.status;
    if (ending === "SIGTERM") await writer.close().catch(() => {});
    await reading;
    const log = await stderr;
    assertEquals(status.code, 0, log);
    const lines = chunks.join("").split("\n").filter((l) => l !== "");
    assertEquals(lines.length, 1, lines.join("\n"));
    const frame = JSON.parse(lines[0]!);
    assertEquals(frame.jsonrpc, "2.0");
    assertEquals(frame.id, 1);
    assertEquals(frame.result.serverInfo.name, "arc");
    assertStringIncludes(
      log,
      ending === "SIGTERM" ? "received SIGTERM" : "stdin closed",
    );
    assertEquals(await session(hub, agent), null);
  }
});

Deno.test("arc mcp - SIGTERM while the registration is in flight still ends the session", async () => {
  await using hub = await inProcessHub();
  const agent = "raw-early-sigterm";
  const spawned: { child?: Deno.ChildProcess } = {};
  let log = "";
  const sigtermSeen = Promise.withResolvers<void>();
  // When the host's initialize has reached the hub's /mcp (which registers
  // the agent), the proxy sends SIGTERM and holds the answer until the
  // bridge has acted on the signal, so the session id arrives while it is
  // closing.
  let held = false;
  await using proxy = startProxy(hub.url, async (request) => {
    if (request.method !== "POST" || request.path !== "/mcp" || held) return;
    held = true;
    assertEquals((await session(hub, agent))?.active, true);
    spawned.child!.kill("SIGTERM");
    await sigtermSeen.promise;
  });
  const child = spawned.child = new Deno.Command(Deno.execPath(), {
    args: mcpArgs({ agent, baseUrl: proxy.url }),
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(
    new TextEncoder().encode(JSON.stringify(INITIALIZE) + "\n"),
  );
  const reading = (async () => {
    for await (
      const chunk of child.stderr.pipeThrough(new TextDecoderStream())
    ) {
      log += chunk;
      if (log.includes("received SIGTERM")) sigtermSeen.resolve();
    }
    sigtermSeen.resolve();
  })();
  const status = await child.status;
  await writer.close().catch(() => {});
  await reading;
  assertEquals(status.code, 0, log);
  assertStringIncludes(log, "received SIGTERM");
  assertEquals(
    proxy.seen.map((r) => `${r.method} ${r.path}`),
    ["POST /mcp", "DELETE /mcp"],
  );
  assertEquals(await session(hub, agent), null, log);
});

Deno.test("docs/AGENTS.md - the Claude Code configuration launches the server as written", async () => {
  const doc = await Deno.readTextFile(
    new URL("../../docs/AGENTS.md", import.meta.url),
  );
  const section = doc.slice(doc.indexOf("### Claude Code"));
  const block = section.match(/```json\n([\s\S]*?)\n```/)?.[1];
  assert(block, "a json block in the Claude Code section");
  const config = JSON.parse(block);
  const server = config.mcpServers.arc as {
    command: string;
    args: string[];
    env?: Record<string, string>;
  };
  assertEquals(server.command, "deno");
  assert(server.args.includes("/path/to/arc/main.ts"), server.args.join(" "));
  await using hub = await inProcessHub();
  const args = server.args.map((arg) =>
    arg === "/path/to/arc/main.ts"
      ? ENTRY
      : arg.replace("http://127.0.0.1:6969", hub.url)
  );
  assertNotEquals(args, server.args);
  const agentId = args[args.indexOf("--agent") + 1]!;
  await using agent = await startMcp({
    command: { command: Deno.execPath(), args, env: server.env ?? {} },
  });
  const me = await agent.call("arc_whoami");
  assertEquals(me.agent_id, agentId);
  assertEquals(me.hub.via, hub.url);
  assertEquals((await session(hub, agentId))?.active, true);
});
