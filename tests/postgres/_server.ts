/**
 * A private PostgreSQL server for tests that must stop and start the server
 * itself (the shared one named by `ARC_TEST_PG_URL` serves other tests and
 * people, so it is never restarted). The server lives in a temporary data
 * directory, listens on 127.0.0.1 on a free port, trusts local connections,
 * and is stopped and removed on dispose. As root the binaries run as the
 * `postgres` user, since `initdb` refuses to run as root.
 *
 * @module
 */

/** A running (or stopped) private server. */
export interface PrivatePg extends AsyncDisposable {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`. */
  url: string;
  port: number;
  /** Stops the server the way an operator would (`pg_ctl stop -m fast`). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory; waits until it accepts connections. */
  start(): Promise<void>;
}

/** Where the PostgreSQL binaries are, or why they cannot be used. */
export async function findPgBin(): Promise<
  { bin: string } | { missing: string }
> {
  if (await idOf("-u") === 0 && await idOf("-u", "postgres") === undefined) {
    return {
      missing: "running as root and there is no postgres user to run initdb as",
    };
  }
  let versions: string[] = [];
  try {
    versions = [...Deno.readDirSync("/usr/lib/postgresql")]
      .map((e) => e.name)
      .filter((n) => /^\d+$/.test(n))
      .sort((a, b) => Number(b) - Number(a));
  } catch {
    return { missing: "no /usr/lib/postgresql (PostgreSQL is not installed)" };
  }
  for (const version of versions) {
    const bin = `/usr/lib/postgresql/${version}/bin`;
    try {
      Deno.statSync(`${bin}/initdb`);
      Deno.statSync(`${bin}/pg_ctl`);
      return { bin };
    } catch {
      // Try the next version.
    }
  }
  return { missing: "no initdb and pg_ctl under /usr/lib/postgresql/*/bin" };
}

/** A TCP port on 127.0.0.1 nobody listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Registers `fn` as a test that gets a fresh private server, or as an
 * ignored test with the reason printed when the binaries are missing.
 */
export async function privatePgTest(
  name: string,
  fn: (pg: PrivatePg) => Promise<void>,
): Promise<void> {
  const found = await findPgBin();
  if ("missing" in found) {
    // deno-lint-ignore no-console
    console.warn(`skipping '${name}': ${found.missing}`);
    Deno.test({
      name: `${name} (skipped: ${found.missing})`,
      ignore: true,
      fn() {},
    });
    return;
  }
  Deno.test(name, async () => {
    await using pg = await startPrivatePg(found.bin);
    await fn(pg);
  });
}

/** Creates a data directory and starts a server in it. */
export async function startPrivatePg(bin: string): Promise<PrivatePg> {
  const dir = await Deno.makeTempDir({ prefix: "arc-pg-" });
  const asRoot = await idOf("-u") === 0;
  const run = async (tool: string, args: string[]): Promise<void> => {
    const command = asRoot
      ? new Deno.Command("runuser", {
        args: ["-u", "postgres", "--", `${bin}/${tool}`, ...args],
        stdout: "piped",
        stderr: "piped",
      })
      : new Deno.Command(`${bin}/${tool}`, {
        args,
        stdout: "piped",
        stderr: "piped",
      });
    const out = await command.output();
    if (!out.success) {
      const text = new TextDecoder().decode(out.stderr) +
        new TextDecoder().decode(out.stdout);
      throw new Error(`${tool} ${args.join(" ")} failed:\n${text}`);
    }
  };
  const data = `${dir}/data`;
  if (asRoot) {
    const uid = await idOf("-u", "postgres");
    const gid = await idOf("-g", "postgres");
    if (uid === undefined || gid === undefined) {
      throw new Error("cannot find the postgres user (initdb refuses root)");
    }
    await Deno.chown(dir, uid, gid);
  }
  const port = freePort();
  let running = false;
  const start = async () => {
    await run("pg_ctl", [
      "-D",
      data,
      "-l",
      `${dir}/server.log`,
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "-w",
      "-t",
      "30",
      "start",
    ]);
    running = true;
  };
  const stop = async () => {
    await run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
    running = false;
  };
  try {
    await run("initdb", [
      "-D",
      data,
      "-A",
      "trust",
      "-U",
      "postgres",
      "--no-sync",
    ]);
    await start();
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    async [Symbol.asyncDispose]() {
      try {
        if (running) await stop();
      } finally {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  };
}

/** `id -u` / `id -g` of `user` (this process's when omitted), or undefined. */
async function idOf(
  flag: "-u" | "-g",
  user?: string,
): Promise<number | undefined> {
  const out = await new Deno.Command("id", {
    args: user ? [flag, user] : [flag],
    stdout: "piped",
    stderr: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  return out.success && /^\d+$/.test(text) ? Number(text) : undefined;
}
