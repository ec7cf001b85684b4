/**
 * Tool profiles: what each one lists, and what that costs a model's context
 * (the JSON of the `tools/list` result plus the instructions, in
 * characters), measured through `arc mcp` with the SDK's stdio client.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { inProcessHub } from "../../_harness.ts";
import { ALL_TOOLS, TOOL_GROUPS } from "../../../src/mcp/profiles.ts";
import { BRIDGED, startMcp } from "../_mcp.ts";
import { ENTRY, ENTRY_FLAGS } from "../../_util.ts";

/** The default profile's budget for the tool list plus instructions. */
const DEFAULT_BUDGET = 16_000;

Deno.test("arc mcp --tools - each profile lists its tools; the default stays under 16,000 characters", async () => {
  await using hub = await inProcessHub();
  const sizes: Record<string, number> = {};
  const profiles: [string, string | null, readonly string[]][] = [
    ["default", null, TOOL_GROUPS.core],
    ["core", "core", TOOL_GROUPS.core],
    ["leases", "leases", [...TOOL_GROUPS.core, ...TOOL_GROUPS.leases]],
    ["tasks", "tasks", [...TOOL_GROUPS.core, ...TOOL_GROUPS.tasks]],
    ["messages", "messages", [...TOOL_GROUPS.core, ...TOOL_GROUPS.messages]],
    ["all", "all", ALL_TOOLS],
    ["list", "leases,arc_search,get_thread", [
      ...TOOL_GROUPS.core,
      ...TOOL_GROUPS.leases,
      "arc_search",
      "arc_get_thread",
    ]],
  ];
  for (const [label, tools, expected] of profiles) {
    await using agent = await startMcp({
      agent: `p-${label}`,
      baseUrl: hub.url,
      tools,
    });
    const list = await agent.client.listTools();
    assertEquals(
      list.tools.map((t) => t.name).sort(),
      [...expected].sort(),
      label,
    );
    const instructions = agent.client.getInstructions() ?? "";
    sizes[label] = JSON.stringify(list).length + instructions.length;
    if (label !== "all") assertStringIncludes(instructions, "'all'");
    // Every listed tool works with the compact schemas the client checks.
    const me = await agent.call("arc_whoami");
    assertEquals(me.agent_id, `p-${label}`);
    assertStringIncludes(agent.stderr(), BRIDGED);
  }
  // deno-lint-ignore no-console
  console.log("tool list + instructions, characters:", sizes);
  assert(
    sizes["default"]! < DEFAULT_BUDGET,
    `default profile is ${sizes["default"]} characters`,
  );
  assert(sizes["core"]! < sizes["leases"]! && sizes["leases"]! < sizes["all"]!);
});

Deno.test("arc mcp --tools - an unknown profile is a usage error naming the profiles", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...ENTRY_FLAGS,
      ENTRY,
      "mcp",
      "--agent",
      "x",
      "--tools",
      "everything",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 2);
  const text = new TextDecoder().decode(out.stderr);
  assertStringIncludes(text, "everything");
  assertStringIncludes(text, "core, leases, tasks, messages, all");
});
