import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { ENTRY, startHub } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { arc as runArc, run as runCommand } from "../_arc.ts";

const GIT_ENV = {
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.com",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.com",
};

/** Runs a program in `cwd` with a git identity set. */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
) {
  return runCommand(cmd, args, { cwd, env: { ...GIT_ENV, ...env } });
}

function arc(args: string[], cwd: string, env: Record<string, string> = {}) {
  return runArc(args, { cwd, env: { ...GIT_ENV, ...env } });
}

async function repo(): Promise<AsyncDisposable & { dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "arc-guard-" });
  await run("git", ["init", "-q"], dir);
  await Deno.mkdir(`${dir}/src`);
  await Deno.mkdir(`${dir}/docs`);
  await Deno.writeTextFile(`${dir}/src/a.ts`, "export {};\n");
  await Deno.writeTextFile(`${dir}/docs/b.md`, "# b\n");
  return {
    dir,
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("guard refuses a commit of a path another agent reserves by glob, and --warn, other paths and a down hub pass", async () => {
  await using hub = await startHub();
  await using r = await repo();
  const held = await hub.api("POST", "/v1/locks", {
    agent_id: "alice",
    file_path: "src/**",
    ttl_sec: 120,
  });
  assertEquals(held.status, 201);

  const installed = await arc(
    ["guard", "install", "--agent", "bob", "--base-url", hub.url],
    r.dir,
  );
  assertEquals(installed.code, 0, installed.stderr);
  const hook = await Deno.readTextFile(`${r.dir}/.git/hooks/pre-commit`);
  assertStringIncludes(hook, ENTRY);
  assertStringIncludes(hook, "guard check --agent bob");
  const again = await arc(
    ["guard", "install", "--agent", "bob", "--base-url", hub.url],
    r.dir,
  );
  assertEquals(again.code, 0);
  assertStringIncludes(again.stdout, "already installed");

  await run("git", ["add", "src/a.ts"], r.dir);
  const refused = await run("git", ["commit", "-qm", "touch a"], r.dir);
  assertEquals(refused.code, 1, refused.stderr);
  assertStringIncludes(
    refused.stderr,
    "src/a.ts is reserved: alice holds 'src/**'",
  );
  assertStringIncludes(refused.stderr, "commit refused as bob");

  const direct = await arc(["guard", "check", "--base-url", hub.url], r.dir, {
    ARC_AGENT: "bob",
  });
  assertEquals(direct.code, 1);
  const warned = await arc(
    ["guard", "check", "--warn", "--agent", "bob", "--base-url", hub.url],
    r.dir,
  );
  assertEquals(warned.code, 0);
  assertStringIncludes(warned.stderr, "alice holds 'src/**'");
  // The holder itself may commit.
  const own = await arc([
    "guard",
    "check",
    "--agent",
    "alice",
    "--base-url",
    hub.url,
  ], r.dir);
  assertEquals(own.code, 0, own.stderr);

  await run("git", ["reset", "-q"], r.dir);
  await run("git", ["add", "docs/b.md"], r.dir);
  const free = await run("git", ["commit", "-qm", "docs"], r.dir);
  assertEquals(free.code, 0, free.stderr);

  await hub.stop();
  await run("git", ["add", "src/a.ts"], r.dir);
  const down = await run("git", ["commit", "-qm", "hub down"], r.dir);
  assertEquals(down.code, 0, down.stderr);
  assertStringIncludes(down.stderr, "cannot check reservations");
  const log = await run("git", ["log", "--oneline"], r.dir);
  assertEquals(log.stdout.trim().split("\n").length, 2);
});

Deno.test("guard check works over the file relay and install keeps a foreign hook unless --force", async () => {
  await using hub = await inProcessHub({ relay: {} });
  await using r = await repo();
  await hub.api("POST", "/v1/locks", {
    agent_id: "alice",
    file_path: "src/*.ts",
    ttl_sec: 120,
    arcdeno: { mode: "shared" },
  });
  await run("git", ["add", "src/a.ts"], r.dir);
  const relayed = await arc(
    ["guard", "check", "--agent", "bob", "--relay", `${hub.dir}/spool`],
    r.dir,
  );
  assertEquals(relayed.code, 1, relayed.stderr);
  assertStringIncludes(relayed.stderr, "alice holds 'src/*.ts' (shared");
  // A shared holder of its own does not block bob.
  const bobShares = await hub.api("POST", "/v1/locks", {
    agent_id: "bob",
    file_path: "src/**",
    ttl_sec: 120,
    arcdeno: { mode: "shared" },
  });
  assertEquals(bobShares.status, 201);
  const shared = await arc(
    ["guard", "check", "--agent", "bob", "--relay", `${hub.dir}/spool`],
    r.dir,
  );
  assertEquals(shared.code, 0, shared.stderr);

  const hookPath = `${r.dir}/.git/hooks/pre-commit`;
  await Deno.writeTextFile(hookPath, "#!/bin/sh\nexit 0\n");
  const kept = await arc(["guard", "install", "--agent", "bob"], r.dir);
  assertEquals(kept.code, 1);
  assertStringIncludes(kept.stderr, "is not ours");
  assertEquals(await Deno.readTextFile(hookPath), "#!/bin/sh\nexit 0\n");
  const forced = await arc(
    [
      "guard",
      "install",
      "--force",
      "--agent",
      "bob",
      "--relay",
      `${hub.dir}/spool`,
    ],
    r.dir,
  );
  assertEquals(forced.code, 0, forced.stderr);
  assertStringIncludes(await Deno.readTextFile(hookPath), "--relay");
  assertEquals(
    await Deno.readTextFile(`${hookPath}.arc-backup`),
    "#!/bin/sh\nexit 0\n",
  );
  assert((await Deno.stat(hookPath)).mode! & 0o100);

  // The hook itself, over the relay: bob shares src/** so his commit passes;
  // once he lets go, alice's reservation refuses the next one.
  const passes = await run("git", ["commit", "-qm", "shared"], r.dir);
  assertEquals(passes.code, 0, passes.stderr);
  assertEquals(passes.stderr, "");
  await hub.api("POST", "/v1/locks/release", {
    agent_id: "bob",
    file_path: "src/**",
  });
  await Deno.writeTextFile(`${r.dir}/src/a.ts`, "export const x = 1;\n");
  await run("git", ["add", "src/a.ts"], r.dir);
  const refused = await run("git", ["commit", "-qm", "alone"], r.dir);
  assertEquals(refused.code, 1, refused.stderr);
  assertStringIncludes(refused.stderr, "alice holds 'src/*.ts'");

  // A spool nobody serves: a warning after --timeout, and the commit may go on.
  await Deno.mkdir(`${r.dir}/.nobody`);
  const unserved = await arc(
    [
      "guard",
      "check",
      "--agent",
      "bob",
      "--relay",
      `${r.dir}/.nobody`,
      "--timeout",
      "1",
    ],
    r.dir,
  );
  assertEquals(unserved.code, 0, unserved.stderr);
  assertStringIncludes(unserved.stderr, "cannot check reservations");
});
