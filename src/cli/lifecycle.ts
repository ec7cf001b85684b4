/**
 * `arc ensure`, `arc stop` and `arc reset`: find the hub for a storage file
 * (through the pidfile beside it, searched upward from the working directory
 * and from the storage directory, or at host:port), start one in the
 * background with the narrowest permissions, stop it, or wipe its database.
 *
 * A pidfile is trusted only when its process exists and the hub answering at
 * its URL reports that very process id (`arcdeno.pid` in hub-info): a stale
 * file left by a killed hub, whose pid the system may since have given to
 * another process, never gets anything signalled.
 *
 * @module
 */

import { dirname, join } from "../path.ts";
import { fileURLToPath } from "node:url";
import { ENTRY, entryConfigFlags } from "./entry.ts";
import { resolveConfig, type ResolvedConfig } from "../config.ts";
import { formatHost } from "../http/server.ts";
import { intFlag, UsageError } from "./args.ts";
import type { Io } from "./io.ts";
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

/**
 * V8 flags a started hub runs with. A young generation of 1 MB semi-spaces
 * (V8's default grows to 16 MB) keeps a hub under load about 40 MB smaller;
 * optimizing no further than Maglev (`--max-opt=2`: TurboFan, whose code and
 * work memory a busy hub otherwise pages in, never runs) another 3 to 7 MB;
 * and compiling on the main thread (`--no-concurrent-recompilation`: no
 * compiler thread with its own `malloc` arena) another 4 to 10 MB. None of
 * the three had a measured cost in CPU per post, throughput or wake-up
 * latency (docs/PERFORMANCE.md, "Memory").
 */
export const HUB_V8_FLAGS =
  "--v8-flags=--max-semi-space-size=1,--max-opt=2,--no-concurrent-recompilation";

/**
 * Every `deno run` flag a started hub gets besides its permissions: the V8
 * flags, and no V8 code cache (holding the cache costs an idle hub about
 * 1 MB; compiling without it adds about 10 ms to its start).
 */
export const HUB_RUN_FLAGS: readonly string[] = [
  "--no-code-cache",
  HUB_V8_FLAGS,
];

/** Reads a pidfile; undefined when missing or unreadable. */
export function readPidfile(path: string): PidInfo | undefined {
  try {
    const v = JSON.parse(Deno.readTextFileSync(path));
    if (
      Number.isInteger(v.pid) && v.pid > 1 && Number.isInteger(v.port) &&
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

/** What a hub reports about itself in its hub-info. */
export interface HubReport {
  /** The storage it serves (`""` when it reports none). */
  storage: string;
  /** Its process id (`arcdeno.pid`), when it reports one. */
  pid: number | undefined;
}

/** A hub answered but refused to say who it is (401/403): the text says why. */
export interface Refusal {
  refused: string;
}

/** Options for {@linkcode probe}. */
export interface ProbeOptions {
  /** Bearer token to send: a hub on a LAN address sees even its own machine as a remote peer. @default none */
  token?: string | undefined;
  /** How long to wait for an answer. @default 2000 */
  timeoutMs?: number;
}

/**
 * Asks `url` for its hub-info.
 *
 * @returns what the hub reports, a refusal when it answered 401 or 403, or
 * undefined when no hub answers
 */

export async function probe(
  url: string,
  options: ProbeOptions = {},
): Promise<HubReport | Refusal | undefined> {
  try {
    const res = await fetch(`${url}/v1/hub-info`, {
      signal: AbortSignal.timeout(options.timeoutMs ?? 2000),
      ...(options.token
        ? { headers: { authorization: `Bearer ${options.token}` } }
        : {}),
    });
    const body = await res.json().catch(() => undefined);
    if ((res.status === 401 || res.status === 403) && body?.ok === false) {
      return { refused: String(body.error) };
    }
    if (!res.ok || body?.ok !== true) return undefined;
    const pid = body.result?.arcdeno?.pid;
    return {
      storage: String(body.result?.storage_path ?? ""),
      pid: Number.isInteger(pid) ? pid : undefined,
    };
  } catch {
    return undefined;
  }
}

/** Whether a process with this id runs (signal 0 checks without delivering anything). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    Deno.kill(pid, 0);
  } catch (error) {
    // PermissionDenied: it exists but belongs to another user.
    if (error instanceof Deno.errors.NotFound) return false;
  }
  // A process that has exited but is not yet reaped (a zombie) still takes
  // signal 0; on Linux its state says so.
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.charAt(stat.lastIndexOf(")") + 2);
    return state !== "Z" && state !== "X";
  } catch (error) {
    return !(error instanceof Deno.errors.NotFound &&
      Deno.build.os === "linux");
  }
}

/** A hub found for a storage or address. */
export interface FoundHub {
  url: string;
  /** The pidfile naming its process, checked against the hub itself. */
  pid?: PidInfo;
}

/** The outcome of {@linkcode findHub}. */
export interface HubSearch {
  hub?: FoundHub;
  /** A hub answers at this URL (host:port) but would not say who it is. */
  refused?: string;
  /** Why pidfiles were passed over, or why a hub that answered could not be checked. */
  notes: string[];
}

const TOKEN_HINT =
  "give the hub's token with ARC_TOKEN or --token so it can be checked";

/**
 * Checks a pidfile against the hub it names: it is trusted only when the
 * process exists and the hub answering at the pidfile's URL reports that
 * process id.
 *
 * @returns the report of a hub answering at the pidfile's URL, if any, and a
 * note saying why the pidfile is not trusted, if it is not
 */

async function checkPidfile(
  info: PidInfo,
  token: string | undefined,
): Promise<{ report?: HubReport; note?: string }> {
  const answer = await probe(info.url, { token });
  const names = `${info.path} names process ${info.pid}`;
  if (answer && "refused" in answer) {
    return {
      note:
        `${names}, but the hub at ${info.url} refused to say who it is (${answer.refused}); ${TOKEN_HINT}`,
    };
  }
  if (!processAlive(info.pid)) {
    return {
      ...(answer ? { report: answer } : {}),
      note:
        `${info.path} is stale: process ${info.pid} is not running (a killed hub leaves its pidfile behind; the next hub replaces it)`,
    };
  }
  if (answer === undefined) {
    return { note: `${names}, but no hub answers at ${info.url}` };
  }
  if (answer.pid !== info.pid) {
    return {
      report: answer,
      note: `${names}, but the hub at ${info.url} ${
        answer.pid === undefined
          ? "does not report its process id"
          : `is process ${answer.pid}`
      }: the pidfile is stale, so nothing is signalled`,
    };
  }
  return { report: answer };
}

/**
 * Finds a running hub for this storage or address. With `strict` (the
 * storage was named explicitly), only a hub serving that very file counts;
 * otherwise the nearest hub found upward from the working directory does, so
 * agents in a project's subdirectories find the project's hub. The result
 * carries a pidfile only when the pidfile's process is the hub at its URL; a
 * hub found at an untrusted pidfile's URL or only at host:port comes without
 * one (and so is never signalled).
 */

export async function findHub(
  config: ResolvedConfig,
  strict: boolean,
): Promise<HubSearch> {
  // A hub on PostgreSQL reports the password-less database URL as its storage.
  const storage = config.database?.label ?? config.storagePath;
  const serves = (report: HubReport | undefined) =>
    report !== undefined && (!strict || report.storage === storage);
  const notes: string[] = [];
  for (const path of pidfileCandidates(config.storagePath)) {
    const info = readPidfile(path);
    if (!info) continue;
    const { report, note } = await checkPidfile(info, config.token);
    if (note) notes.push(note);
    if (serves(report)) {
      return {
        hub: note ? { url: info.url } : { url: info.url, pid: info },
        notes,
      };
    }
  }
  if (config.port !== 0) {
    const url = `http://${formatHost(config.host)}:${config.port}`;
    const answer = await probe(url, { token: config.token });
    if (answer && "refused" in answer) {
      return {
        refused: url,
        notes: [
          ...notes,
          `a hub answers at ${url} but refused to say who it is (${answer.refused}); ${TOKEN_HINT}`,
        ],
      };
    }
    if (serves(answer)) return { hub: { url }, notes };
  }
  return { notes };
}

/** Help text for `arc ensure`. */
export const ENSURE_HELP = `Usage: arc ensure [serve options] [--timeout SEC]

Makes sure a hub runs for this storage file: if one already answers (found
through the .arc.pid file beside the storage, or at --host/--port), prints its
URL; otherwise starts 'arc serve' in the background with the narrowest Deno
permissions, waits until it answers (sending the token, if there is one), and
prints
  {"running": true, "started": true, "url": "...", "pid": 1234, "log": ".../arc.log"}
If the hub cannot start, prints the reason and the last lines of its log and
exits 1. A .arc.pid file counts only when its process runs and is the hub that
answers at its URL: after a crash, ensure starts a new hub.

Options: every 'arc serve' option, plus
  --timeout SEC   how long to wait for the hub to answer (default 60)

Examples:
  arc ensure
  arc ensure --storage /tmp/team/arc.sqlite3 --port 7000
  ARC_TOKEN=... arc ensure --host 0.0.0.0 --allow-remote
  ARC_TOKEN=... arc ensure --host 192.168.1.20 --allow-remote
`;

/** `arc ensure`. */
export async function runEnsure(args: string[], io: Io): Promise<number> {
  const { out, err } = io;
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
  const { hub: found, refused, notes } = await findHub(
    config,
    options.storage !== undefined || options.database !== undefined,
  );
  if (found) {
    return printResult(out, {
      running: true,
      started: false,
      url: found.url,
      ...(found.pid ? { pid: found.pid.pid } : {}),
    }, 0);
  }
  if (refused) {
    // Starting another hub on that address could only fail.
    return printResult(out, {
      running: false,
      started: false,
      url: refused,
      error: notes.at(-1),
    });
  }
  if (config.allowRemote && !config.token) {
    err(
      "warning: starting a hub open to the network without a token: anyone who can reach it can act as any agent (set ARC_TOKEN or --token)",
    );
  }
  const logPath = join(dirname(config.storagePath), LOG_NAME);
  const pidPath = join(dirname(config.storagePath), PIDFILE_NAME);
  // The token, the database URL and the notify secret travel in the
  // environment, never on the command line (where the process list would
  // show them).
  const serveArgs = [
    "--token",
    "--database",
    "--database-file",
    "--notify-secret",
  ].reduce(
    stripFlag,
    rest,
  );
  const command = Deno.build.standalone
    ? [Deno.execPath(), "serve", ...serveArgs, "--log-file", logPath]
    : [
      Deno.execPath(),
      "run",
      ...entryConfigFlags(),
      "--no-prompt",
      ...HUB_RUN_FLAGS,
      ...hubPermissionFlags(config),
      fileURLToPath(ENTRY),
      "serve",
      ...serveArgs,
      "--log-file",
      logPath,
    ];
  const env: Record<string, string> = {};
  if (config.token) env["ARC_TOKEN"] = config.token;
  if (config.notifySecret) env["ARC_NOTIFY_SECRET"] = config.notifySecret;
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
      return printResult(out, {
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
    if (
      info?.pid === child.pid &&
      reports(await probe(info.url, { token: config.token }), child.pid)
    ) {
      return printResult(out, {
        running: true,
        started: true,
        url: info.url,
        pid: child.pid,
        log: logPath,
      }, 0);
    }
  }
  try {
    child.kill("SIGTERM");
  } catch {
    // Already gone.
  }
  return printResult(out, {
    running: false,
    started: true,
    pid: child.pid,
    error: `the hub did not answer within ${timeoutSec} s (stopped it)`,
    log: logPath,
    log_tail: tail(logPath, 20),
  });
}

/** Prints a command's result as JSON and gives its exit code (1 unless given). */

function printResult(
  out: (line: string) => void,
  result: object,
  code = 1,
): number {
  out(JSON.stringify(result, null, 2));
  return code;
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
  `Usage: arc stop [--storage FILE] [--host HOST] [--port N] [--token TOKEN]
       arc reset [--storage FILE] [--host HOST] [--port N] [--token TOKEN]

stop:  finds the hub for this storage (its .arc.pid file, or --host/--port),
       sends it SIGTERM, waits for it to exit and removes the pidfile.
       A pidfile is trusted only when its process runs and is the hub that
       answers at its URL; nothing else is ever signalled. Exits 1 when no
       such hub runs, saying why each pidfile found was passed over.
reset: stops the hub if one runs, then deletes the database and its -wal and
       -shm files, and says what it removed.

A hub bound to a LAN address needs its token (--token or ARC_TOKEN) to be
recognised, since this machine is a remote peer there.

Examples:
  arc stop
  arc reset --storage /tmp/team/arc.sqlite3
  ARC_TOKEN=... arc stop --storage /srv/arc/arc.sqlite3
`;

/** The options of `stop` and `reset`; undefined after printing the help. */
function stopOptions(args: string[], out: (line: string) => void) {
  const options = parseServeFlags(args);
  if (options.help) {
    out(STOP_HELP);
    return undefined;
  }
  return {
    config: resolveConfig(options),
    strict: options.storage !== undefined || options.database !== undefined,
  };
}

/** True when a probe's answer is a hub reporting process `pid`. */
function reports(answer: HubReport | Refusal | undefined, pid: number) {
  return answer !== undefined && "pid" in answer && answer.pid === pid;
}

/** Why no hub could be stopped, with the notes of the search. */
function explain(error: string, notes: string[]): string {
  return [error, ...notes].join("; ");
}

/** Stops the hub a search found; the result says what happened. */

async function stopHub(
  config: ResolvedConfig,
  search: HubSearch,
): Promise<Record<string, unknown>> {
  const found = search.hub;
  if (!found) {
    return {
      stopped: false,
      ...(search.refused ? { url: search.refused } : {}),
      error: explain(
        `no running hub found for ${config.storagePath} (looked for ${PIDFILE_NAME} files and at ${
          config.port ? `${config.host}:${config.port}` : "no fixed port"
        })`,
        search.notes,
      ),
    };
  }
  if (!found.pid) {
    return {
      stopped: false,
      url: found.url,
      error: explain(
        `a hub answers at ${found.url} but no ${PIDFILE_NAME} names its process; stop it where it runs`,
        search.notes,
      ),
    };
  }
  const { pid, path } = found.pid;
  const token = config.token;
  try {
    // Checked by findHub just now: the hub at the pidfile's URL is this process.
    Deno.kill(pid, "SIGTERM");
  } catch (error) {
    return {
      stopped: false,
      pid,
      url: found.url,
      error: `could not signal process ${pid}: ${(error as Error).message}`,
    };
  }
  const running = async () =>
    processAlive(pid) &&
    reports(await probe(found.url, { token, timeoutMs: 500 }), pid);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) break;
    if (readPidfile(path)?.pid !== pid && !await running()) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (await running()) {
    return {
      stopped: false,
      pid,
      url: found.url,
      error: `process ${pid} did not stop within 15 s`,
    };
  }
  // A hub that died before removing its pidfile leaves it; a new hub's stays.
  if (readPidfile(path)?.pid === pid) await Deno.remove(path).catch(() => {});
  return { stopped: true, pid, url: found.url };
}

/** `arc stop`. */
export async function runStop(args: string[], io: Io): Promise<number> {
  const { out } = io;
  const options = stopOptions(args, out);
  if (!options) return 0;
  const { config, strict } = options;
  const result = await stopHub(config, await findHub(config, strict));
  return printResult(out, result, result["stopped"] ? 0 : 1);
}

/** `arc reset`. */
export async function runReset(args: string[], io: Io): Promise<number> {
  const { out } = io;
  const options = stopOptions(args, out);
  if (!options) return 0;
  const { config, strict } = options;
  if (config.database) {
    return printResult(out, {
      reset: false,
      error:
        `reset only deletes SQLite files; to wipe ${config.database.label}, stop its hubs and drop the schema or database with PostgreSQL's own tools`,
    });
  }
  let stopped: Record<string, unknown> | undefined;
  const search = await findHub(config, strict);
  if (search.hub || search.refused) {
    // A hub that may serve this file must be stopped first.
    stopped = await stopHub(config, search);
    if (!stopped["stopped"]) {
      return printResult(out, {
        reset: false,
        error: `could not stop the running hub: ${stopped["error"]}`,
      });
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
        return printResult(out, {
          reset: false,
          removed,
          error: `could not remove ${path}: ${(error as Error).message}`,
        });
      }
    }
  }
  return printResult(out, {
    reset: true,
    ...(stopped ? { stopped_pid: stopped["pid"] } : {}),
    removed,
    ...(removed.length ? {} : { note: "there was no database to remove" }),
  }, 0);
}
