/**
 * The bridge of `arc mcp` to the hub's `/mcp`: what it loads (no npm
 * package, no hub code), the Streamable HTTP requests it makes, a hub that
 * restarts under it, and an idle host whose session the hub keeps.
 *
 * @module
 */

import { pathToFileURL } from "node:url";
import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { MAIN, startHub } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import {
  BRIDGED,
  freePort,
  mcpArgs,
  type ProxiedRequest,
  session,
  startMcp,
  startProxy,
} from "../_mcp.ts";

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

/** The modules `from` loads when it runs (static code imports, transitively) and the dynamic imports among them. */
function closure(modules: Map<string, InfoModule>, from: string) {
  const loaded = new Set<string>();
  const dynamic = new Set<string>();
  const visit = (specifier: string) => {
    if (loaded.has(specifier)) return;
    loaded.add(specifier);
    for (const dep of modules.get(specifier)?.dependencies ?? []) {
      const target = dep.code?.specifier;
      if (target === undefined) continue; // a type-only import
      if (dep.isDynamic) dynamic.add(target);
      else visit(target);
    }
  };
  visit(from);
  return { loaded, dynamic };
}

Deno.test("arc mcp bridge - main.ts and the bridge load no npm package and no hub code; only the fallback does", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", MAIN],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: InfoModule[];
  };
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const src = (path: string) =>
    new URL(`../../../src/${path}`, import.meta.url).href;
  const entry = closure(modules, pathToFileURL(MAIN).href);
  const mcp = closure(modules, src("cli/mcp.ts"));
  assert(entry.dynamic.has(src("cli/mcp.ts")), "main.ts imports cli/mcp.ts");
  const bridge = new Set([...entry.loaded, ...mcp.loaded]);
  for (const path of ["mcp/bridge.ts", "mcp/stdio.ts", "client/_sse.ts"]) {
    assert(bridge.has(src(path)), `the bridge loads ${path}`);
  }
  const heavy = [...bridge].filter((s) =>
    !s.startsWith("file:") && !s.startsWith("node:") ||
    /\/src\/(hub|store|http|relay)\//.test(s) || s === "node:sqlite"
  );
  assertEquals(heavy, []);
  // Its one way to the SDK is the fallback, imported when it is needed.
  assertEquals([...mcp.dynamic], [src("mcp/local.ts")]);
  const local = closure(modules, src("mcp/local.ts"));
  assert(
    [...local.loaded].some((s) => s.includes("@modelcontextprotocol/sdk")),
    "the fallback loads the SDK (so this analysis sees npm imports)",
  );
});

Deno.test("arc mcp bridge - serves a host with npm turned off (deno run --no-npm)", async () => {
  await using hub = await inProcessHub();
  const args = mcpArgs({ agent: "light", baseUrl: hub.url, tools: null });
  args.splice(1, 0, "--no-npm");
  await using agent = await startMcp({
    command: { command: Deno.execPath(), args },
  });
  const me = await agent.call("arc_whoami");
  assertEquals(me.agent_id, "light");
  const posted = await agent.call("arc_post_message", {
    channel: "general",
    body: "no npm here",
  });
  assertEquals(posted.message.from_agent, "light");
  assertStringIncludes(agent.stderr(), BRIDGED);
});

Deno.test("arc mcp bridge - speaks Streamable HTTP: Accept, session id, protocol version, token, a GET stream, DELETE at the end", async () => {
  await using hub = await inProcessHub();
  await using proxy = startProxy(hub.url);
  const agent = await startMcp({
    agent: "wired",
    baseUrl: proxy.url,
    tools: "leases",
    args: ["--token", "t0ken", "--display-name", "Wired", "--no-digest"],
  });
  const me = await agent.call("arc_whoami");
  assertEquals(me.session.display_name, "Wired");
  await agent.close();
  assertEquals(await session(hub, "wired"), null);

  const mcp = proxy.seen.filter((r) => r.path === "/mcp");
  assertEquals(mcp.length, proxy.seen.length, "nothing but /mcp");
  const body = (r: ProxiedRequest) => JSON.parse(r.body || "null");
  const [init, ...later] = mcp;
  assert(init, "an initialize");
  assertEquals(init.method, "POST");
  assertEquals(body(init).method, "initialize");
  assertEquals(init.headers.get("mcp-session-id"), null);
  // The agent and its session options ride on the endpoint's query.
  assertEquals(init.query.get("agent"), "wired");
  assertEquals(init.query.get("tools"), "leases");
  assertEquals(init.query.get("display_name"), "Wired");
  assertEquals(init.query.get("digest"), "0");
  const steps = later.map((r) =>
    r.method === "POST" ? `POST ${body(r).method}` : r.method
  );
  for (
    const step of [
      "POST notifications/initialized",
      "POST tools/list",
      "POST tools/call",
      "GET",
    ]
  ) {
    assert(steps.includes(step), `${step} in ${steps.join(", ")}`);
  }
  assertEquals(steps.at(-1), "DELETE");
  const ids = new Set(later.map((r) => r.headers.get("mcp-session-id")));
  assertEquals(ids.size, 1);
  assert(!ids.has(null), "a session id on every later request");
  for (const r of mcp) {
    assertEquals(r.headers.get("authorization"), "Bearer t0ken");
    const accept = r.headers.get("accept") ?? "";
    assertStringIncludes(accept, "text/event-stream");
    if (r.method === "POST") assertStringIncludes(accept, "application/json");
  }
  for (const r of later) {
    assertEquals(
      r.headers.get("mcp-protocol-version"),
      body(init).params.protocolVersion,
    );
  }
});

Deno.test("arc mcp bridge - a hub that restarts: calls say no hub answers, then a new MCP session registers the agent again", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-bridge-" });
  const port = String(freePort());
  let hub = await startHub({ dir, args: ["--port", port] });
  try {
    await using agent = await startMcp({ agent: "steady", baseUrl: hub.url });
    assertEquals((await agent.call("arc_whoami")).agent_id, "steady");
    await hub.stop();
    const error = await agent.fail("arc_whoami");
    assertStringIncludes(error, `No Arc hub answered at ${hub.url}`);
    assertStringIncludes(error, "deno task ensure");
    hub = await startHub({ dir, args: ["--port", port] });
    const posted = await agent.call("arc_post_message", {
      channel: "general",
      body: "back again",
    });
    assertEquals(posted.message.from_agent, "steady");
    assertEquals((await session(hub, "steady"))?.active, true);
    assertStringIncludes(agent.stderr(), "registered again");
  } finally {
    await hub.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("arc mcp bridge - an idle host keeps its session: the open GET stream stops the hub's idle timeout", async () => {
  await using hub = await inProcessHub({ args: ["--mcp-idle-timeout", "1"] });
  await using agent = await startMcp({ agent: "quiet", baseUrl: hub.url });
  const before = await session(hub, "quiet");
  assertEquals(before?.active, true);
  // Three idle timeouts on the hub's clock with no request from the host,
  // then two of its idle sweeps (every 250 ms): nothing to wait on, since the
  // point is that nothing happens.
  hub.clock.advance(3_000);
  await new Promise((r) => setTimeout(r, 600));
  const after = await session(hub, "quiet");
  assertEquals(after?.session_id, before?.session_id);
  assertEquals((await agent.call("arc_whoami")).agent_id, "quiet");
  assert(!agent.stderr().includes("registered again"), agent.stderr());
  assert(!hub.output().includes("idle"), hub.output());
});
