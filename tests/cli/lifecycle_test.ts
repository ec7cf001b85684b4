import { dirname } from "node:path";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { BUILT, ENTRY, ENTRY_FLAGS, MAIN } from "../_util.ts";
import { createNetns, type Netns, netnsUnavailable } from "../_netns.ts";
import { hubPermissionFlags } from "../../src/cli/permissions.ts";
import { HUB_RUN_FLAGS, HUB_V8_FLAGS } from "../../src/cli/lifecycle.ts";
import { run } from "./_arc.ts";

/** Where and how a lifecycle command runs. */
interface CliOptions {
  /** Working directory. */
  cwd: string;
  /** Run inside this network namespace. @default the test's own */
  ns?: Netns;
  /** Variables added to the environment. @default {} */
  env?: Record<string, string>;
}

/** Runs `deno <args>` (in a namespace when asked) and parses a JSON answer. */
async function deno(args: string[], options: CliOptions) {
  const cmd = [Deno.execPath(), ...args];
  const full = options.ns ? options.ns.exec(cmd) : cmd;
  const out = await run(full[0]!, full.slice(1), {
    cwd: options.cwd,
    env: options.env ?? {},
  });
  let json;
  try {
    json = JSON.parse(out.stdout);
  } catch { /* not JSON */ }
  return { ...out, json };
}

/**
 * Runs `arc` ({@linkcode ENTRY}: the bundle `deno task ensure` runs when it is
 * up to date, else `main.ts`) with full permissions, as `deno task ensure`
 * does, and parses a JSON answer.
 */
function arc(
  args: string[],
  cwd: string,
  options: Omit<CliOptions, "cwd"> = {},
) {
  return deno(["run", "-A", ...ENTRY_FLAGS, ENTRY, ...args], {
    ...options,
    cwd,
  });
}

/** Runs `deno task <args>` in a project directory, exactly as the README shows. */
function task(
  args: string[],
  cwd: string,
  options: Omit<CliOptions, "cwd"> = {},
) {
  return deno(["task", ...args], { ...options, cwd });
}

/**
 * A temporary project directory holding a copy of the repository's
 * deno.json, main.ts and sources, as a user's checkout does: its tasks run
 * there and keep their data there. (Copies, not links: Deno checks a
 * linked module's real path against the hub's narrow --allow-read.)
 *
 * With `built`, the copy is a checkout that has been built: the repository's
 * bundle, when it is up to date ({@linkcode BUILT}), is copied after the
 * sources, so the copy's `deno task build` finds it up to date instead of
 * bundling again (about 2 s of CPU; the bundling itself is the built-hub
 * test's subject).
 */
async function project(options: { built?: boolean } = {}): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "arc-project-" });
  const root = dirname(MAIN);
  const names = ["deno.json", "deno.lock", "main.ts", "src", "dashboard"];
  const copy = await run("cp", [
    "-R",
    ...names.map((n) => `${root}/${n}`),
    dir,
  ]);
  assertEquals(copy.code, 0, copy.stderr);
  if (options.built && BUILT) {
    await Deno.mkdir(`${dir}/dist`);
    const bundle = await run("cp", ["-R", `${root}/dist/hub`, `${dir}/dist`]);
    assertEquals(bundle.code, 0, bundle.stderr);
  }
  return dir;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** `ps` columns for a process; "" when it is gone. */
function ps(pid: number, column: "stat" | "args"): string {
  const out = new Deno.Command("ps", {
    args: ["-o", `${column}=`, "-p", String(pid)],
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  return new TextDecoder().decode(out.stdout).trim();
}

/** True while the process runs (an exited child not yet reaped counts as gone). */
function alive(pid: number): boolean {
  const stat = ps(pid, "stat");
  return stat !== "" && !stat.startsWith("Z");
}

/** Ends a hub a test started, if it still runs (cleanup only). */
function killHub(pid: unknown): void {
  if (typeof pid === "number" && pid > 1 && alive(pid)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* gone meanwhile */ }
  }
}

const NETNS_SKIP = await netnsUnavailable();
if (NETNS_SKIP) {
  // deno-lint-ignore no-console
  console.warn(
    `lifecycle_test: ${NETNS_SKIP}; the LAN-address test is skipped and the default-port test runs only if 6969 is free`,
  );
}

/** Why the default port cannot be used outside a namespace, or "". */
function defaultPortBusy(): string {
  try {
    Deno.listen({ hostname: "127.0.0.1", port: 6969 }).close();
    return "";
  } catch {
    return "port 6969 is taken on this machine and no private network namespace is available";
  }
}

Deno.test("ensure starts a narrow-permission hub once, stop stops it, reset wipes its database", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-ensure-" });
  const port = freePort();
  const flags = [
    "--port",
    String(port),
    "--storage",
    `${dir}/data/arc.sqlite3`,
  ];
  try {
    const first = await arc(["ensure", ...flags], dir);
    assertEquals(first.code, 0, first.stdout + first.stderr);
    assertEquals(first.json.running, true);
    assertEquals(first.json.started, true);
    assertEquals(first.json.url, `http://127.0.0.1:${port}`);
    const pid = first.json.pid;
    assert(alive(pid), `hub ${pid} is not running`);
    const cmdline = ps(pid, "args").split(" ");
    assert(
      cmdline.includes(`--allow-net=127.0.0.1:${port}`),
      cmdline.join(" "),
    );
    assert(cmdline.includes(HUB_V8_FLAGS), cmdline.join(" "));
    assert(
      !cmdline.some((a) =>
        a === "-A" || a.startsWith("--allow-run") || a.startsWith("--allow-all")
      ),
    );
    // The storage directory and the spool (relative to the working directory).
    assert(
      cmdline.includes(`--allow-write=${dir}/data,${dir}/.arc-relay`),
      cmdline.join(" "),
    );

    const second = await arc(["ensure", ...flags], dir);
    assertEquals(second.code, 0);
    assertEquals(second.json.started, false);
    assertEquals(second.json.pid, pid);

    // Found from a subdirectory through the pidfile, without the port.
    await Deno.mkdir(`${dir}/data/sub`);
    const nested = await arc([
      "ensure",
      "--storage",
      `${dir}/data/arc.sqlite3`,
      "--port",
      "1",
    ], `${dir}/data/sub`);
    assertEquals(nested.json.url, `http://127.0.0.1:${port}`);
    // A different storage named explicitly is not served by that hub: ensure starts its own.
    const otherPort = freePort();
    const other = await arc([
      "ensure",
      "--storage",
      `${dir}/other/arc.sqlite3`,
      "--port",
      String(otherPort),
    ], `${dir}/data/sub`);
    assertEquals(other.json.started, true, other.stdout);
    assertEquals(other.json.url, `http://127.0.0.1:${otherPort}`);
    const stopOther = await arc([
      "stop",
      "--storage",
      `${dir}/other/arc.sqlite3`,
    ], `${dir}/data/sub`);
    assertEquals(stopOther.json.pid, other.json.pid);

    const info = await (await fetch(`http://127.0.0.1:${port}/v1/hub-info`))
      .json();
    assertEquals(info.result.arcdeno.permissions, {
      net: "denied",
      env: "denied",
      run: "denied",
      ffi: "denied",
      sys: "denied",
      read: "limited",
      write: "limited",
    });
    await fetch(`http://127.0.0.1:${port}/v1/messages`, {
      method: "POST",
      body: JSON.stringify({ from_agent: "a", body: "kept" }),
    }).then((r) => r.body?.cancel());

    const stop = await arc(["stop", ...flags], dir);
    assertEquals(stop.code, 0, stop.stdout);
    assertEquals(stop.json.stopped, true);
    assertEquals(stop.json.pid, pid);
    assert(!alive(pid), "the hub process is gone");
    assert(!Deno.statSync(`${dir}/data`).isFile);
    assertEquals(
      [...Deno.readDirSync(`${dir}/data`)].some((e) => e.name === ".arc.pid"),
      false,
    );
    assertStringIncludes(
      Deno.readTextFileSync(`${dir}/data/arc.log`),
      "arc listening on",
    );

    const again = await arc(["stop", ...flags], dir);
    assertEquals(again.code, 1);
    assertStringIncludes(again.json.error, "no running hub found");

    await arc(["ensure", ...flags], dir);
    const reset = await arc(["reset", ...flags], dir);
    assertEquals(reset.code, 0, reset.stdout);
    assertEquals(reset.json.reset, true);
    assert(reset.json.removed.includes(`${dir}/data/arc.sqlite3`));
    assertEquals(
      [...Deno.readDirSync(`${dir}/data`)].some((e) =>
        e.name.startsWith("arc.sqlite3")
      ),
      false,
    );
    const empty = await arc(["reset", ...flags], dir);
    assertEquals(empty.json.note, "there was no database to remove");
  } finally {
    await arc(["stop", ...flags], dir);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ensure returns at once with the exit code and log lines when the hub cannot start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-ensure-fail-" });
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (blocker.addr as Deno.NetAddr).port;
  try {
    const t0 = performance.now();
    const res = await arc([
      "ensure",
      "--port",
      String(port),
      "--storage",
      `${dir}/arc.sqlite3`,
    ], dir);
    const elapsed = performance.now() - t0;
    assertEquals(res.code, 1);
    assertEquals(res.json.running, false);
    assertEquals(res.json.exit_code, 1);
    assert(
      res.json.log_tail.some((l: string) => l.includes("already in use")),
      res.stdout,
    );
    assert(elapsed < 20_000, `took ${elapsed} ms`);
  } finally {
    blocker.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("local-mode permissions: no storage outside the allowed directory, no listening beyond loopback", async () => {
  const allowed = await Deno.makeTempDir({ prefix: "arc-allowed-" });
  const outside = await Deno.makeTempDir({ prefix: "arc-outside-" });
  const port = freePort();
  const run = async (storage: string, extra: string[]) => {
    const flags = hubPermissionFlags({
      host: "127.0.0.1",
      port,
      storagePath: `${allowed}/arc.sqlite3`,
      spoolDir: `${allowed}/spool`,
    });
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...ENTRY_FLAGS,
        "--no-prompt",
        ...flags,
        ENTRY,
        "serve",
        "--storage",
        storage,
        "--spool-dir",
        `${allowed}/spool`,
        ...extra,
      ],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).output();
    return {
      code: out.code,
      text: new TextDecoder().decode(out.stderr) +
        new TextDecoder().decode(out.stdout),
    };
  };
  try {
    const escape = await run(`${outside}/arc.sqlite3`, [
      "--port",
      String(port),
    ]);
    assertEquals(escape.code, 1);
    assertStringIncludes(escape.text, "not allowed to read and write there");
    assertEquals([...Deno.readDirSync(outside)].length, 0);

    const wide = await run(`${allowed}/arc.sqlite3`, [
      "--host",
      "0.0.0.0",
      "--allow-remote",
      "--port",
      String(port),
    ]);
    assertEquals(wide.code, 1);
    assertStringIncludes(
      wide.text,
      `Cannot listen on 0.0.0.0:${port}: this process is not allowed`,
    );
  } finally {
    await Deno.remove(allowed, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("command line: help, version, unknown flags and bad values", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const cmd of [
        ["--help"],
        ["serve", "--help"],
        ["ensure", "--help"],
        ["stop", "--help"],
        ["reset", "--help"],
        ["relay", "--help"],
      ]
    ) {
      const res = await arc(cmd, dir);
      assertEquals(res.code, 0, cmd.join(" "));
      assertStringIncludes(res.stdout, "Usage");
    }
    const version = await arc(["--version"], dir);
    assert(/^arc-deno \d+\.\d+\.\d+/.test(version.stdout), version.stdout);
    const bogus = await arc(["serve", "--bogus"], dir);
    assertEquals(bogus.code, 2);
    assertStringIncludes(bogus.stderr, "--bogus");
    assertEquals(bogus.stderr.trim().split("\n").length, 1);
    const badPort = await arc(["serve", "--port", "abc"], dir);
    assertEquals(badPort.code, 2);
    assertStringIncludes(badPort.stderr, "--port must be a whole number");
    const range = await arc(["serve", "--port", "70000"], dir);
    assertEquals(range.code, 1);
    assertStringIncludes(
      range.stderr,
      "'port' must be an integer from 0 to 65535",
    );
    const unknown = await arc(["frobnicate"], dir);
    assertEquals(unknown.code, 2);
    assertStringIncludes(unknown.stderr, "unknown command 'frobnicate'");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const README_SKIP = NETNS_SKIP ? defaultPortBusy() : "";
if (README_SKIP) {
  // deno-lint-ignore no-console
  console.warn(`lifecycle_test: README test skipped: ${README_SKIP}`);
}

Deno.test({
  name:
    "deno task ensure, stop and reset work exactly as the README shows, on the default port",
  ignore: README_SKIP !== "",
  async fn() {
    const dir = await project({ built: true });
    // A namespace of our own: 6969 there is free whatever runs on this machine.
    await using ns = NETNS_SKIP ? undefined : await createNetns();
    const opts = ns ? { ns } : {};
    let pid: unknown;
    try {
      const first = await task(["ensure"], dir, opts);
      assertEquals(first.code, 0, first.stdout + first.stderr);
      assertEquals(first.json.started, true, first.stdout);
      assertEquals(first.json.running, true);
      assertEquals(first.json.url, "http://127.0.0.1:6969");
      pid = first.json.pid;
      assert(alive(first.json.pid), first.stdout);
      assert(Deno.statSync(`${dir}/arc.sqlite3`).isFile);

      const second = await task(["ensure"], dir, opts);
      assertEquals(second.json.started, false, second.stdout);
      assertEquals(second.json.pid, first.json.pid);

      const stop = await task(["stop"], dir, opts);
      assertEquals(stop.code, 0, stop.stdout);
      assertEquals(stop.json.stopped, true);
      assertEquals(stop.json.pid, first.json.pid);
      assert(!alive(first.json.pid));
      const stopAgain = await task(["stop"], dir, opts);
      assertEquals(stopAgain.code, 1);
      assertStringIncludes(stopAgain.json.error, "no running hub found");

      const third = await task(["ensure"], dir, opts);
      assertEquals(third.json.started, true, third.stdout);
      pid = third.json.pid;
      const reset = await task(["reset"], dir, opts);
      assertEquals(reset.code, 0, reset.stdout);
      assertEquals(reset.json.stopped_pid, third.json.pid);
      assert(reset.json.removed.includes(`${dir}/arc.sqlite3`), reset.stdout);
      assert(!alive(third.json.pid));
      const empty = await task(["reset"], dir, opts);
      assertEquals(empty.code, 0, empty.stdout);
      assertEquals(empty.json.note, "there was no database to remove");
    } finally {
      killHub(pid);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("deno task ensure/stop/reset with --port and with --storage: a port where nothing answers is no hub", async () => {
  const dir = await project({ built: true });
  const port = String(freePort());
  const pids: unknown[] = [];
  try {
    // Nothing answers at the port: ensure must start a hub, not report one.
    const plain = await task(["ensure", "--port", port], dir);
    assertEquals(plain.code, 0, plain.stdout + plain.stderr);
    assertEquals(plain.json.started, true, plain.stdout);
    pids.push(plain.json.pid);
    assertEquals(plain.json.url, `http://127.0.0.1:${port}`);
    // Found again through the pidfile in the project directory, no flags needed.
    const stop = await task(["stop"], dir);
    assertEquals(stop.json.stopped, true, stop.stdout);
    assertEquals(stop.json.pid, plain.json.pid);

    const withStorage = ["--storage", "data/arc.sqlite3"];
    const started = await task(["ensure", ...withStorage, "--port", port], dir);
    assertEquals(started.json.started, true, started.stdout);
    pids.push(started.json.pid);
    assert(Deno.statSync(`${dir}/data/arc.sqlite3`).isFile);
    const found = await task(["ensure", ...withStorage], dir);
    assertEquals(found.json.started, false, found.stdout);
    assertEquals(found.json.pid, started.json.pid);
    const reset = await task(["reset", ...withStorage], dir);
    assertEquals(reset.code, 0, reset.stdout);
    assertEquals(reset.json.stopped_pid, started.json.pid);
    assertEquals(reset.json.removed, [`${dir}/data/arc.sqlite3`]);

    // No hub at the port any more: reset deletes the first database.
    const resetPlain = await task(["reset", "--port", port], dir);
    assertEquals(resetPlain.code, 0, resetPlain.stdout);
    assertEquals(resetPlain.json.reset, true);
    assertEquals(resetPlain.json.removed, [`${dir}/arc.sqlite3`]);
  } finally {
    pids.forEach(killHub);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a stale pidfile is not trusted: ensure starts a new hub after kill -9, stop never signals a process that is not the hub", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arc-stale-" });
  const port = String(freePort());
  const storage = `${dir}/arc.sqlite3`;
  const pids: unknown[] = [];
  const sleeper = new Deno.Command("sleep", { args: ["300"] }).spawn();
  try {
    const first = await arc(
      ["ensure", "--storage", storage, "--port", port],
      dir,
    );
    assertEquals(first.json.started, true, first.stdout);
    pids.push(first.json.pid);
    Deno.kill(first.json.pid, "SIGKILL");
    while (alive(first.json.pid)) await new Promise((r) => setTimeout(r, 20));
    const stale = JSON.parse(Deno.readTextFileSync(`${dir}/.arc.pid`));
    assertEquals(stale.pid, first.json.pid);

    const stop = await arc(["stop", "--storage", storage], dir);
    assertEquals(stop.code, 1, stop.stdout);
    assertStringIncludes(
      stop.json.error,
      `process ${first.json.pid} is not running`,
    );

    const second = await arc(["ensure", "--port", port], dir);
    assertEquals(second.code, 0, second.stdout);
    assertEquals(second.json.started, true, second.stdout);
    pids.push(second.json.pid);
    assert(second.json.pid !== first.json.pid);

    // The pidfile now names a live process that is not the hub (as when the
    // hub's pid was reused), while the hub answers at its URL.
    Deno.writeTextFileSync(
      `${dir}/.arc.pid`,
      JSON.stringify({
        pid: sleeper.pid,
        port: Number(port),
        url: `http://127.0.0.1:${port}`,
      }),
    );
    for (
      const args of [["stop", "--storage", storage], ["stop", "--port", port]]
    ) {
      const refused = await arc(args, dir);
      assertEquals(refused.code, 1, refused.stdout);
      assertStringIncludes(refused.json.error, `process ${sleeper.pid}`);
      assertStringIncludes(refused.json.error, `${second.json.pid}`);
      assert(alive(sleeper.pid), "the unrelated process was signalled");
      assert(alive(second.json.pid), "the hub was signalled");
    }
    const reset = await arc(["reset", "--storage", storage], dir);
    assertEquals(reset.code, 1, reset.stdout);
    assert(alive(sleeper.pid));
    assert(Deno.statSync(storage).isFile, "reset deleted a live hub's file");
  } finally {
    sleeper.kill("SIGKILL");
    await sleeper.status;
    pids.forEach(killHub);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "ensure and stop a hub on a LAN address with --allow-remote and a token",
  ignore: NETNS_SKIP !== "",
  async fn() {
    const address = `10.213.${1 + Math.floor(Math.random() * 250)}.1`;
    await using ns = await createNetns({ address });
    const dir = await Deno.makeTempDir({ prefix: "arc-lan-" });
    const token = "lan-test-token-0123456789";
    const flags = [
      "--host",
      address,
      "--allow-remote",
      "--storage",
      `${dir}/arc.sqlite3`,
    ];
    let pid: unknown;
    try {
      const first = await arc(
        ["ensure", ...flags, "--token", token, "--timeout", "10"],
        dir,
        { ns },
      );
      assertEquals(first.code, 0, first.stdout + first.stderr);
      assertEquals(first.json.started, true);
      assertEquals(first.json.url, `http://${address}:6969`);
      pid = first.json.pid;
      const again = await arc(["ensure", ...flags], dir, {
        ns,
        env: { ARC_TOKEN: token },
      });
      assertEquals(again.json.started, false, again.stdout);
      assertEquals(again.json.pid, first.json.pid);

      // Without the token nobody can tell who answers: no second hub starts.
      const blind = await arc(["ensure", ...flags], dir, { ns });
      assertEquals(blind.code, 1, blind.stdout);
      assertEquals(blind.json.started, false);
      assertStringIncludes(blind.json.error, "ARC_TOKEN");

      const noToken = await arc(["stop", ...flags], dir, { ns });
      assertEquals(noToken.code, 1, noToken.stdout);
      assertStringIncludes(noToken.json.error, "ARC_TOKEN");
      assert(alive(first.json.pid));

      const stop = await arc(["stop", ...flags, "--token", token], dir, {
        ns,
      });
      assertEquals(stop.code, 0, stop.stdout);
      assertEquals(stop.json.stopped, true);
      assertEquals(stop.json.pid, first.json.pid);
      assert(!alive(first.json.pid));
    } finally {
      killHub(pid);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the built hub: deno task build bundles it; it serves, shows the dashboard, and ensure from it starts the bundle with no configuration file", async () => {
  const dir = await project();
  let pid: unknown;
  try {
    const built = await task(["build"], dir);
    assertEquals(built.code, 0, built.stdout + built.stderr);
    assertStringIncludes(built.stderr, "bundled into");
    const entry = `${dir}/dist/hub/main.js`;
    const first = Deno.statSync(entry).mtime?.getTime();
    // Built again with no source changed: nothing is done.
    const again = await task(["build"], dir);
    assertEquals(again.code, 0, again.stdout + again.stderr);
    assertStringIncludes(again.stderr, "is up to date");
    assertEquals(Deno.statSync(entry).mtime?.getTime(), first);
    // A source newer than the bundle: built afresh, in place.
    const later = new Date(Date.now() + 2000);
    Deno.utimeSync(`${dir}/src/protocol.ts`, later, later);
    const rebuilt = await task(["build"], dir);
    assertStringIncludes(rebuilt.stderr, "bundled into");
    assert(Deno.statSync(entry).mtime!.getTime() > first!);
    assertEquals(
      [...Deno.readDirSync(`${dir}/dist`)].map((e) => e.name),
      ["hub"],
      "no build directory is left behind",
    );
    // The bundle carries its packages: it runs from a directory without
    // deno.json, with no configuration file at all.
    const elsewhere = await Deno.makeTempDir({ prefix: "arc-built-" });
    const bundled = (args: string[]) =>
      deno([
        "run",
        "--no-config",
        "--unstable-no-legacy-abort",
        "-A",
        entry,
        ...args,
      ], { cwd: elsewhere });
    const help = await bundled(["mcp", "--help"]);
    assertEquals(help.code, 0, help.stderr);
    assertStringIncludes(help.stdout, "Usage: arc mcp");

    const port = freePort();
    const started = await bundled([
      "ensure",
      "--port",
      String(port),
      "--storage",
      `${elsewhere}/arc.sqlite3`,
    ]);
    assertEquals(started.code, 0, started.stdout + started.stderr);
    assertEquals(started.json.started, true, started.stdout);
    pid = started.json.pid;
    const cmdline = ps(pid as number, "args").split(" ");
    assert(cmdline.includes(entry), cmdline.join(" "));
    assert(cmdline.includes("--no-config"), cmdline.join(" "));
    for (const flag of HUB_RUN_FLAGS) {
      assert(cmdline.includes(flag), cmdline.join(" "));
    }

    const url = started.json.url;
    const posted = await fetch(`${url}/v1/messages`, {
      method: "POST",
      body: JSON.stringify({ from_agent: "built", body: "from the bundle" }),
    });
    assertEquals(posted.status, 201);
    assertEquals((await posted.json()).result.body, "from the bundle");
    const page = await fetch(`${url}/`);
    assertEquals(page.status, 200);
    const html = await page.text();
    assertStringIncludes(html, "<!DOCTYPE html>");
    assertStringIncludes(html, "script-src 'sha256-");

    const stop = await bundled([
      "stop",
      "--storage",
      `${elsewhere}/arc.sqlite3`,
    ]);
    assertEquals(stop.code, 0, stop.stdout + stop.stderr);
    assertEquals(stop.json.pid, pid);
    assert(!alive(pid as number));
    await Deno.remove(elsewhere, { recursive: true });
  } finally {
    killHub(pid);
    await Deno.remove(dir, { recursive: true });
  }
});
