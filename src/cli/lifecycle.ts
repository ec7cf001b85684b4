/**
 * `arc ensure`, `arc stop` and `arc reset`: find the hub for a storage file
 * (through the pidfile beside it, searched upward from the working directory
 * and from the storage directory, or at host:port), start one in the
 * background with the narrowest permissions, stop it, or wipe its database.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveConfig, type ResolvedConfig } from "../config.ts";
import { formatHost } from "../http/server.ts";
import { intFlag, UsageError } from "./args.ts";
import { hubPermissionFlags } from "./permissions.ts";
import { parseServeFlags, PIDFILE_NAME, SERVE_HELP } from "./serve.ts";

/** What a pidfile says. */
export interface PidInfo {
  pid: number;
  port: number;
  url: string;
  path: string;
}

/** Name of the log file `ensure` keeps beside the storage. */
export const LOG_NAME = "arc.log";

const MAIN = new URL("../../main.ts", import.meta.url);
const CONFIG = new URL("../../deno.json", import.meta.url);

/** Reads a pidfile; undefined when missing or unreadable. */
export function readPidfile(path: string): PidInfo | undefined {
  try {
    const v = JSON.parse(Deno.readTextFileSync(path));
    if (
      Number.isInteger(v.pid) && Number.isInteger(v.port) &&
      typeof v.url === "string"
    ) return { pid: v.pid, port: v.port, url: v.url, path };
  } catch {
    // Missing, unreadable or not ours.
  }
  return undefined;
}

/** Pidfile locations to try: the working directory and its parents, then the storage directory and its parents. */
export function pidfileCandidates(storagePath: string, cwd = Deno.cwd()) {
  const out: string[] = [];
  for (const start of [cwd, dirname(storagePath)]) {
    let dir = start;
    while (true) {
      const candidate = join(dir, PIDFILE_NAME);
      if (!out.includes(candidate)) out.push(candidate);
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return out;
}

/**
 * Asks `url` for its hub-info.
 *
 * @returns the storage path the hub reports (`""` when it reports none), or
 * undefined when no hub answers
 */
export async function probe(
  url: string,
  timeoutMs = 2000,
): Promise<string | undefined> {
  try {
    const res = await fetch(`${url}/v1/hub-info`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await res.json().catch(() => undefined);
    if (!res.ok || body?.ok !== true) return undefined;
    return String(body.result?.storage_path ?? "");
  } catch {
    return undefined;
  }
}

/**
 * Finds a running hub for this storage or address. With `strict` (the
 * storage was named explicitly), only a hub serving that very file counts;
 * otherwise the nearest hub found upward from the working directory does, so
 * agents in a project's subdirectories find the project's hub.
 */
export async function findHub(
  config: ResolvedConfig,
  strict: boolean,
): Promise<{ url: string; pid?: PidInfo } | undefined> {
  // A hub on PostgreSQL reports the password-less database URL as its storage.
  const storage = config.database?.label ?? config.storagePath;
  const matches = (reported: string | undefined) =>
    !strict || reported === storage;
  for (const path of pidfileCandidates(config.storagePath)) {
    const info = readPidfile(path);
    if (info && matches(await probe(info.url))) {
      return { url: info.url, pid: info };
    }
  }
  if (config.port !== 0) {
    const url = `http://${formatHost(config.host)}:${config.port}`;
    if (matches(await probe(url))) return { url };
  }
  return undefined;
}

/** Help text for `arc ensure`. */
export const ENSURE_HELP = `Usage: arc ensure [serve options] [--timeout SEC]

Makes sure a hub runs for this storage file: if one already answers (found
through the .arc.pid file beside the storage, or at --host/--port), prints its
URL; otherwise starts 'arc serve' in the background with the narrowest Deno
permissions, waits until it answers, and prints
  {"running": true, "started": true, "url": "...", "pid": 1234, "log": ".../arc.log"}
If the hub cannot start, prints the reason and the last lines of its log and
exits 1.

Options: every 'arc serve' option, plus
  --timeout SEC   how long to wait for the hub to answer (default 60)

Examples:
  arc ensure
  arc ensure --storage /tmp/team/arc.sqlite3 --port 7000
  ARC_TOKEN=... arc ensure --host 0.0.0.0 --allow-remote
`;

/** `arc ensure`. */
export async function runEnsure(
  args: string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const rest = [...args];
  let timeoutSec = 60;
  const at = rest.findIndex((a) =>
    a === "--timeout" || a.startsWith("--timeout=")
  );
  if (at >= 0) {
    const arg = rest[at]!;
    const value = arg.includes("=")
      ? arg.slice(arg.indexOf("=") + 1)
      : rest[at + 1];
    rest.splice(at, arg.includes("=") ? 1 : 2);
    timeoutSec = intFlag("timeout", value) ?? 60;
    if (timeoutSec < 1) throw new UsageError("--timeout must be at least 1");
  }
  const options = parseServeFlags(rest);
  if (options.help) {
    out(ENSURE_HELP + "\n" + SERVE_HELP);
    return 0;
  }
  const config = resolveConfig(options);
  const found = await findHub(
    config,
    options.storage !== undefined || options.database !== undefined,
  );
  if (found) {
    out(JSON.stringify(
      {
        running: true,
        started: false,
        url: found.url,
        ...(found.pid ? { pid: found.pid.pid } : {}),
      },
      null,
      2,
    ));
    return 0;
  }
  if (config.allowRemote && !config.token) {
    err(
      "warning: starting a hub open to the network without a token: anyone who can reach it can act as any agent (set ARC_TOKEN or --token)",
    );
  }
  const logPath = join(dirname(config.storagePath), LOG_NAME);
  const pidPath = join(dirname(config.storagePath), PIDFILE_NAME);
  // The token and the database URL travel in the environment, never on the
  // command line (where the process list would show them).
  const serveArgs = ["--token", "--database", "--database-file"].reduce(
    stripFlag,
    rest,
  );
  const command = Deno.build.standalone
    ? [Deno.execPath(), "serve", ...serveArgs, "--log-file", logPath]
    : [
      Deno.execPath(),
      "run",
      `--config=${fileURLToPath(CONFIG)}`,
      "--no-prompt",
      ...hubPermissionFlags(config),
      fileURLToPath(MAIN),
      "serve",
      ...serveArgs,
      "--log-file",
      logPath,
    ];
  const env: Record<string, string> = {};
  if (config.token) env["ARC_TOKEN"] = config.token;
  if (options.database !== undefined) {
    env["ARC_DATABASE_URL"] = options.database;
  }
  const child = new Deno.Command(command[0]!, {
    args: command.slice(1),
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
    env,
  }).spawn();
  child.unref();
  let exited: Deno.CommandStatus | undefined;
  child.status.then((s) => exited = s);
  const deadline = Date.now() + timeoutSec * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    if (exited) {
      return fail(out, {
        running: false,
        started: true,
        pid: child.pid,
        exit_code: exited.code,
        error: `the hub exited with code ${exited.code} before answering`,
        log: logPath,
        log_tail: tail(logPath, 20),
      });
    }
    const info = readPidfile(pidPath);
    if (info?.pid === child.pid && await probe(info.url) !== undefined) {
      out(JSON.stringify(
        {
          running: true,
          started: true,
          url: info.url,
          pid: child.pid,
          log: logPath,
        },
        null,
        2,
      ));
      return 0;
    }
  }
  try {
    child.kill("SIGTERM");
  } catch {
    // Already gone.
  }
  return fail(out, {
    running: false,
    started: true,
    pid: child.pid,
    error: `the hub did not answer within ${timeoutSec} s (stopped it)`,
    log: logPath,
    log_tail: tail(logPath, 20),
  });
}

function fail(out: (line: string) => void, result: object): number {
  out(JSON.stringify(result, null, 2));
  return 1;
}

function stripFlag(args: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === name) i++;
    else if (!a.startsWith(`${name}=`)) out.push(a);
  }
  return out;
}

/** The last `n` lines of a text file, or [] when it cannot be read. */
export function tail(path: string, n: number): string[] {
  try {
    return Deno.readTextFileSync(path).trimEnd().split("\n").slice(-n);
  } catch {
    return [];
  }
}

/** Help text for `arc stop` and `arc reset`. */
export const STOP_HELP =
  `Usage: arc stop [--storage FILE] [--host HOST] [--port N]
       arc reset [--storage FILE] [--host HOST] [--port N]

stop:  finds the hub for this storage (its .arc.pid file, or --host/--port),
       sends it SIGTERM, waits for it to exit and removes the pidfile.
       Exits 1 when no hub runs.
reset: stops the hub if one runs, then deletes the database and its -wal and
       -shm files, and says what it removed.

Examples:
  arc stop
  arc reset --storage /tmp/team/arc.sqlite3
`;

function stopOptions(args: string[]) {
  const options = parseServeFlags(args);
  return {
    config: resolveConfig(options),
    help: options.help,
    strict: options.storage !== undefined || options.database !== undefined,
  };
}

/** Stops a found hub; the result says what happened. */
async function stopHub(
  config: ResolvedConfig,
  strict: boolean,
): Promise<Record<string, unknown>> {
  const found = await findHub(config, strict);
  if (!found) {
    return {
      stopped: false,
      error:
        `no running hub found for ${config.storagePath} (looked for ${PIDFILE_NAME} files and at ${
          config.port ? `${config.host}:${config.port}` : "no fixed port"
        })`,
    };
  }
  if (!found.pid) {
    return {
      stopped: false,
      url: found.url,
      error:
        `a hub answers at ${found.url} but no ${PIDFILE_NAME} names its process; stop it where it runs`,
    };
  }
  const { pid, path } = found.pid;
  try {
    Deno.kill(pid, "SIGTERM");
  } catch (error) {
    return {
      stopped: false,
      pid,
      url: found.url,
      error: `could not signal process ${pid}: ${(error as Error).message}`,
    };
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (!readPidfile(path) && await probe(found.url, 500) === undefined) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (await probe(found.url, 500) !== undefined) {
    return {
      stopped: false,
      pid,
      url: found.url,
      error: `process ${pid} did not stop within 15 s`,
    };
  }
  await Deno.remove(path).catch(() => {});
  return { stopped: true, pid, url: found.url };
}

/** `arc stop`. */
export async function runStop(
  args: string[],
  out: (line: string) => void,
): Promise<number> {
  const { config, help, strict } = stopOptions(args);
  if (help) {
    out(STOP_HELP);
    return 0;
  }
  const result = await stopHub(config, strict);
  out(JSON.stringify(result, null, 2));
  return result["stopped"] ? 0 : 1;
}

/** `arc reset`. */
export async function runReset(
  args: string[],
  out: (line: string) => void,
): Promise<number> {
  const { config, help, strict } = stopOptions(args);
  if (help) {
    out(STOP_HELP);
    return 0;
  }
  if (config.database) {
    out(JSON.stringify(
      {
        reset: false,
        error:
          `reset only deletes SQLite files; to wipe ${config.database.label}, stop its hubs and drop the schema or database with PostgreSQL's own tools`,
      },
      null,
      2,
    ));
    return 1;
  }
  let stopped: Record<string, unknown> | undefined;
  if (await findHub(config, strict)) {
    stopped = await stopHub(config, strict);
    if (!stopped["stopped"]) {
      out(JSON.stringify(
        {
          reset: false,
          error: `could not stop the running hub: ${stopped["error"]}`,
        },
        null,
        2,
      ));
      return 1;
    }
  }
  const removed: string[] = [];
  for (const suffix of ["", "-wal", "-shm"]) {
    const path = config.storagePath + suffix;
    try {
      Deno.removeSync(path);
      removed.push(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        out(JSON.stringify(
          {
            reset: false,
            removed,
            error: `could not remove ${path}: ${(error as Error).message}`,
          },
          null,
          2,
        ));
        return 1;
      }
    }
  }
  out(JSON.stringify(
    {
      reset: true,
      ...(stopped ? { stopped_pid: stopped["pid"] } : {}),
      removed,
      ...(removed.length ? {} : { note: "there was no database to remove" }),
    },
    null,
    2,
  ));
  return 0;
}
