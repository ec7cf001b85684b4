/**
 * MCP over Streamable HTTP at the hub's `/mcp`, driven by the SDK's own
 * HTTP client with no `arc mcp` process: the handshake and tools, presence
 * that follows the MCP session (DELETE, idle timeout), strict identity, and
 * the access guard in front.
 *
 * @module
 */

import { Client } from "@modelcontextprotocol/sdk/client";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "../../_assert.ts";
import { eventually, type HubLike, request } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { ALL_TOOLS, TOOL_GROUPS } from "../../../src/mcp/profiles.ts";
import { INITIALIZE } from "../../mcp/_mcp.ts";

async function connect(
  hub: HubLike,
  query: string,
  headers: Record<string, string> = {},
) {
  const transport = new StreamableHTTPClientTransport(
    new URL(`${hub.url}/mcp${query}`),
    { requestInit: { headers } },
  );
  const client = new Client({ name: "http-tests", version: "1.0.0" });
  await client.connect(transport);
  return {
    client,
    transport,
    // deno-lint-ignore no-explicit-any
    async call(name: string, args: Record<string, unknown> = {}): Promise<any> {
      const result = await client.callTool({
        name,
        arguments: args,
      }) as CallToolResult;
      if (result.isError) {
        throw new Error(`${name}: ${JSON.stringify(result.content)}`);
      }
      return result.structuredContent;
    },
    [Symbol.asyncDispose]: () => client.close(),
  };
}

async function session(hub: HubLike, agent: string) {
  const boot = await request(
    hub.url,
    "GET",
    `/v1/bootstrap?agent_id=${agent}`,
  );
  return boot.body.result.session as { active: boolean } | null;
}

Deno.test("/mcp - an SDK HTTP client gets the default tools, acts as its agent, and ending the session deregisters it", async () => {
  await using hub = await inProcessHub();
  await using alice = await connect(hub, "?agent=alice&capability=tests");
  assertEquals(alice.client.getServerVersion()?.name, "arc");
  assertStringIncludes(alice.client.getInstructions() ?? "", "'alice'");
  const { tools } = await alice.client.listTools();
  assertEquals(tools.map((t) => t.name).sort(), [...TOOL_GROUPS.core].sort());
  assertEquals((await session(hub, "alice"))?.active, true);

  const me = await alice.call("arc_whoami");
  assertEquals(me.agent_id, "alice");
  assertEquals(me.session.capabilities, ["tests"]);
  const posted = await alice.call("arc_post_message", {
    channel: "general",
    body: "hello over http",
  });
  assertEquals(posted.message.from_agent, "alice");
  const feed = await request(hub.url, "GET", "/v1/messages?channel=general");
  assertEquals(feed.body.result.map((m: { body: string }) => m.body), [
    "hello over http",
  ]);

  // A second agent through the header, with every tool; they talk.
  await using bob = await connect(hub, "", {
    "X-Arc-Agent": "bob",
    "X-Arc-Tools": "all",
  });
  assertEquals(
    (await bob.client.listTools()).tools.map((t) => t.name).sort(),
    [...new Set(ALL_TOOLS)].sort(),
  );
  await bob.call("arc_dm", { to_agent: "alice", body: "hi alice" });
  const got = await alice.call("arc_wait_for_events", { timeout: 5 });
  assertEquals(got.messages.map((m: { body: string }) => m.body), [
    "hi alice",
  ]);
  const claimed = await bob.call("arc_claim", { key: "task-1" });
  assertEquals(claimed.acquired, true);
  const taken = await alice.call("arc_claim", { key: "task-1" });
  assertEquals(taken.acquired, false);
  assertEquals(taken.claim.owner_agent_id, "bob");

  // DELETE ends the MCP session and the agent's session on the hub.
  await bob.transport.terminateSession();
  assertEquals(await session(hub, "bob"), null);
  assertEquals((await session(hub, "alice"))?.active, true);
});

Deno.test("/mcp - names its agent, checks the profile, and sits behind the access guard", async () => {
  await using hub = await inProcessHub();
  const init = INITIALIZE;
  const headers = { accept: "application/json, text/event-stream" };
  const noAgent = await request(hub.url, "POST", "/mcp", init, headers);
  assertEquals(noAgent.status, 400);
  assertEquals(noAgent.body.ok, false);
  assertStringIncludes(noAgent.body.error, "?agent=ID");
  const badTools = await request(
    hub.url,
    "POST",
    "/mcp?agent=a&tools=everything",
    init,
    headers,
  );
  assertEquals(badTools.status, 400);
  assertStringIncludes(badTools.body.error, "everything");
  const foreign = await request(hub.url, "POST", "/mcp?agent=a", init, {
    ...headers,
    origin: "http://evil.example",
  });
  assertEquals(foreign.status, 403);
  assertEquals(await session(hub, "a"), null);
  const stale = await request(hub.url, "POST", "/mcp?agent=a", init, {
    ...headers,
    "mcp-session-id": "no-such-session",
  });
  assertEquals(stale.status, 404);
});

Deno.test("/mcp - strict identity: the session's own registration is its proof; a second session for a live agent is refused", async () => {
  await using hub = await inProcessHub({ args: ["--strict-identity"] });
  await using alice = await connect(hub, "?agent=alice");
  const posted = await alice.call("arc_post_message", {
    channel: "general",
    body: "mine",
  });
  assertEquals(posted.message.from_agent, "alice");
  const error = await assertRejects(() => connect(hub, "?agent=alice"));
  assertStringIncludes(String(error), "alice");
  // The refused session left alice's own alone.
  await alice.call("arc_post_message", { channel: "general", body: "still" });
  const agents = await request(hub.url, "GET", "/v1/agents");
  assertEquals(
    agents.body.result.map((a: { agent_id: string }) => a.agent_id),
    ["alice"],
  );
});

Deno.test("/mcp - a session its client left without a DELETE ends once idle, deregistering its agent", async () => {
  await using hub = await inProcessHub({ args: ["--mcp-idle-timeout", "1"] });
  const gone = await connect(hub, "?agent=gone");
  assertEquals((await session(hub, "gone"))?.active, true);
  // Closing the client drops its streams but sends no DELETE, as a host
  // that crashed would.
  const id = gone.transport.sessionId;
  assert(id, "a session id");
  await gone.client.close();
  // Its streams close on their own time, so the hub's clock moves past the
  // idle timeout on every look: a sweep (every 250 ms) after the last stream
  // closed ends it.
  await eventually(async () => {
    hub.clock.advance(2_000);
    return (await session(hub, "gone")) === null;
  }, { what: "idle session ended", stepMs: 100 });
  const stale = await request(hub.url, "POST", "/mcp", {
    jsonrpc: "2.0",
    id: 2,
    method: "tools/list",
  }, {
    accept: "application/json, text/event-stream",
    "mcp-session-id": id,
  });
  assertEquals(stale.status, 404);
  assertStringIncludes(hub.output(), "idle");
});
