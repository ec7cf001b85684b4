import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { MAIN } from "../_util.ts";
import { hubPermissionFlags } from "../../src/cli/permissions.ts";
import { arc as runArc, CONFIG } from "./_arc.ts";

/** Runs `main.ts` with full permissions (as `deno task ensure` does) and parses a JSON answer. */
async function arc(args: string[], cwd: string) {
  const out = await runArc(args, { cwd });
  let json;
  try {
    json = JSON.parse(out.stdout);
  } catch { /* not JSON */ }
  return { ...out, json };
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
        `--config=${CONFIG}`,
        "--no-prompt",
        ...flags,
        MAIN,
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
