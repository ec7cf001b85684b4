/**
 * `arc setup HOST` as a person runs it, and the docs showing the very
 * blocks it writes.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { hostConfig } from "../../../src/cli/host_config.ts";
import { HOSTS } from "../../../src/cli/hook_hosts.ts";
import { arc } from "../_arc.ts";

/** The blocks docs/AGENTS.md shows (agent named after its host, Stop waits 60 s). */
export function documentedParts(host: typeof HOSTS[number]) {
  return hostConfig(host, {
    agent: host,
    baseUrl: "http://127.0.0.1:6969",
    arcCommand: "arc",
    waitSec: 60,
  });
}

/** `arc setup HOST` for agent alice into `dir`, hooks running plain `arc`. */
function setupArgs(dir: string, host: string, ...extra: string[]): string[] {
  return [
    "setup",
    host,
    "--agent",
    "alice",
    "--dir",
    dir,
    "--command",
    "arc",
    ...extra,
  ];
}

Deno.test("arc setup merges into existing files, is idempotent, and --dry-run writes nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-setup-" });
  try {
    await Deno.mkdir(`${dir}/.claude`);
    await Deno.writeTextFile(
      `${dir}/.claude/settings.json`,
      JSON.stringify({
        model: "opus",
        hooks: { Stop: [{ hooks: [{ type: "command", command: "mine" }] }] },
      }),
    );
    await Deno.writeTextFile(
      `${dir}/.mcp.json`,
      JSON.stringify({ mcpServers: { other: { command: "x" } } }),
    );
    const args = setupArgs(dir, "claude", "--wait", "30");
    const dry = await arc([...args, "--dry-run"]);
    assertEquals(dry.code, 0, dry.stderr);
    assertStringIncludes(dry.stdout, ".claude/settings.json: would write");
    assertEquals(
      JSON.parse(await Deno.readTextFile(`${dir}/.claude/settings.json`)).hooks
        .Stop.length,
      1,
    );
    const first = await arc(args);
    assertEquals(first.code, 0, first.stderr);
    const settings = JSON.parse(
      await Deno.readTextFile(`${dir}/.claude/settings.json`),
    );
    assertEquals(settings.model, "opus");
    assertEquals(settings.hooks.Stop.length, 2);
    assertEquals(
      settings.hooks.Stop[1].hooks[0].command,
      "arc hook --host claude --agent alice --base-url http://127.0.0.1:6969 --wait 30",
    );
    assertEquals(settings.hooks.Stop[1].hooks[0].timeout, 40);
    const mcp = JSON.parse(await Deno.readTextFile(`${dir}/.mcp.json`));
    assertEquals(mcp.mcpServers, {
      other: { command: "x" },
      arc: { type: "http", url: "http://127.0.0.1:6969/mcp?agent=alice" },
    });
    const again = await arc(args);
    assertEquals(
      again.stdout.split("\n").filter((l) => l.includes("up to date")).length,
      2,
    );

    // Codex: one TOML table replaced, the rest kept.
    await Deno.mkdir(`${dir}/.codex`);
    await Deno.writeTextFile(
      `${dir}/.codex/config.toml`,
      '[features]\nhooks = true\n\n[mcp_servers.arc]\ncommand = "old"\n\n[mcp_servers.arc.env]\nX = "1"\n\n[other]\na = 1\n',
    );
    const codex = [
      "setup",
      "codex",
      "--agent",
      "cx",
      "--dir",
      dir,
      "--command",
      "arc",
    ];
    assertEquals((await arc(codex)).code, 0);
    assertEquals(
      await Deno.readTextFile(`${dir}/.codex/config.toml`),
      '[features]\nhooks = true\n\n[mcp_servers.arc]\nurl = "http://127.0.0.1:6969/mcp?agent=cx"\ntool_timeout_sec = 120\n\n[other]\na = 1\n',
    );
    assertStringIncludes(
      (await arc(codex)).stdout,
      ".codex/config.toml: up to date",
    );

    const bad = await arc(["setup", "vim", "--agent", "a"]);
    assertEquals(bad.code, 2);
    assertStringIncludes(bad.stderr, "arc setup claude|codex|gemini|cursor");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The PermissionRequest block docs/AGENTS.md shows for `arc setup HOST --approve 120`. */
export function documentedApproval(host: "claude" | "codex") {
  const parts = hostConfig(host, {
    agent: host,
    baseUrl: "http://127.0.0.1:6969",
    arcCommand: "arc",
    approveSec: 120,
  });
  const hooks = parts.find((p) =>
    p.path.endsWith(".json") && p.kind === "json" &&
    "hooks" in p.value
  );
  const value = hooks?.kind === "json" ? hooks.value["hooks"] : undefined;
  return {
    hooks: {
      PermissionRequest:
        (value as Record<string, unknown>)["PermissionRequest"],
    },
  };
}

Deno.test("arc setup --approve writes the PermissionRequest hook that asks the operator, and dropping it removes the hook", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-setup-" });
  try {
    const setup = (host: string, ...extra: string[]) =>
      arc(setupArgs(dir, host, ...extra));
    const read = async (path: string) =>
      JSON.parse(await Deno.readTextFile(`${dir}/${path}`)).hooks;

    const first = await setup("claude", "--approve", "120");
    assertEquals(first.code, 0, first.stderr);
    let hooks = await read(".claude/settings.json");
    assertEquals(hooks.PermissionRequest, [{
      hooks: [{
        type: "command",
        command:
          "arc hook --host claude --agent alice --base-url http://127.0.0.1:6969 --approve 120",
        timeout: 130,
      }],
    }]);
    // Only the permission hook waits for the operator.
    assertEquals(
      hooks.Notification[0].hooks[0].command.includes("--approve"),
      false,
    );
    assertStringIncludes(
      (await setup("claude", "--approve", "120")).stdout,
      ".claude/settings.json: up to date",
    );
    // Run again without --approve: the host prompts as before.
    assertEquals((await setup("claude")).code, 0);
    hooks = await read(".claude/settings.json");
    assertEquals("PermissionRequest" in hooks, false);
    assert("Notification" in hooks);

    // Codex always reports permission prompts; --approve makes it answer them.
    assertEquals((await setup("codex", "--approve", "45")).code, 0);
    const codex = await read(".codex/hooks.json");
    assertEquals(codex.PermissionRequest[0].hooks[0], {
      type: "command",
      command:
        "arc hook --host codex --agent alice --base-url http://127.0.0.1:6969 --approve 45",
      timeout: 55,
    });
    assertEquals((await setup("codex")).code, 0);
    assertEquals(
      (await read(".codex/hooks.json")).PermissionRequest[0].hooks[0].command,
      "arc hook --host codex --agent alice --base-url http://127.0.0.1:6969",
    );

    const gemini = await setup("gemini", "--approve", "60");
    assertEquals(gemini.code, 2);
    assertStringIncludes(gemini.stderr, "--approve needs a host");
    const bad = await setup("claude", "--approve", "soon");
    assertEquals(bad.code, 2);
    assertStringIncludes(bad.stderr, "--approve must be whole seconds");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("docs/AGENTS.md shows exactly the blocks arc setup writes, for every host", async () => {
  const docs = await Deno.readTextFile(
    new URL("../../../docs/AGENTS.md", import.meta.url),
  );
  for (const host of HOSTS) {
    for (const part of documentedParts(host)) {
      const text = part.kind === "json"
        ? JSON.stringify(part.value, null, 2)
        : `[${part.table}]\n${part.body}`.trimEnd();
      assert(
        docs.includes(text),
        `docs/AGENTS.md lacks ${host} ${part.path}:\n${text}`,
      );
    }
  }
  for (const host of ["claude", "codex"] as const) {
    const text = JSON.stringify(documentedApproval(host), null, 2);
    assert(
      docs.includes(text),
      `docs/AGENTS.md lacks ${host}'s --approve block:\n${text}`,
    );
  }
});
