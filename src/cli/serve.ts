/**
 * `arc serve`: runs the hub in the foreground until SIGINT, SIGTERM or an
 * armed shutdown fires.
 *
 * @module
 */

import { dirname, join } from "../path.ts";
import {
  type HubOptions,
  resolveConfig,
  type ResolvedConfig,
} from "../config.ts";
import { Hub } from "../hub/hub.ts";
import { createApp } from "../http/app.ts";
import { Metrics } from "../http/metrics.ts";
import { serveHub } from "../http/server.ts";
import {
  DEFAULTS,
  RELAY_CONCURRENT_FEATURE,
  RELAY_FEATURE,
  VERSION,
} from "../protocol.ts";
import { inProcessDispatch } from "../relay/dispatch.ts";
import { RelayServer, SpoolConflictError } from "../relay/server.ts";
import { SqliteStore } from "../store/sqlite/store.ts";
import { type Clock, systemClock, toIso } from "../time.ts";
import type { Store } from "../store/types.ts";
import { intFlag, parseFlags, textFlags, UsageError } from "./args.ts";
import type { Io } from "./io.ts";
import { Notifications } from "../hub/notify.ts";
import {
  dropPermissions,
  flagOrEnv,
  hubDirs,
  listenNetEntry,
  notifyNetEntries,
  permissionReport,
  readEnv,
} from "./permissions.ts";

/** Help text for `arc serve`. */
export const SERVE_HELP = `Usage: arc serve [options]

Runs an Arc hub in the foreground. Prints one line when it listens:
  arc listening on http://127.0.0.1:6969 (storage=..., journal_mode=wal, instance=mh1-...)
and stops cleanly on Ctrl-C / SIGTERM.

Options:
  --host HOST                 bind address (default ${DEFAULTS.host}; a non-loopback
                              address also needs --allow-remote)
  --port N                    TCP port, 0 picks a free one (default ${DEFAULTS.port})
  --storage FILE              SQLite database file (default ${DEFAULTS.storage})
  --database URL              run on PostgreSQL instead of SQLite:
                              postgres://user:password@host:port/dbname[?schema=NAME]
                              (also ARC_DATABASE_URL; on the command line the
                              password shows in the process list: prefer the
                              variable or --database-file)
  --database-file FILE        read the PostgreSQL URL from FILE
  --spool-dir DIR             relay spool directory (default ${DEFAULTS.spoolDir})
  --no-relay                  do not serve the file relay
  --relay-retention SEC       delete answered relay files older than SEC seconds
                              (default: keep them)
  --allow-remote              serve peers that are not on this machine
  --token TOKEN               bearer token remote peers must send (also ARC_TOKEN;
                              loopback peers are exempt)
  --allowed-host NAME         a host name this hub answers to besides IP addresses
                              and localhost (repeatable; guards against DNS rebinding)
  --strict-identity           a request that acts as an agent must carry that
                              agent's session secret (X-Arcdeno-Secret), or come
                              through the relay from the agent's own directory
  --log-file FILE             also append every log line to FILE
  --durability normal|full    normal (default): acknowledged writes survive the
                              hub crashing; full: they also survive power loss
                              (fsync on every commit, much slower writes)
  --presence-ttl SEC          seconds of silence before a session expires (default ${DEFAULTS.presenceTtlSec}, at least ${DEFAULTS.minPresenceTtlSec})
  --max-body-chars N          longest message body (default ${DEFAULTS.maxBodyChars})
  --max-attachment-chars N    largest inline attachment, JSON text (default ${DEFAULTS.maxAttachmentChars})
  --max-attachments N         most attachments per message (default ${DEFAULTS.maxAttachments})
  --rate-limit N              posts per second each agent may make, sustained
                              (default ${DEFAULTS.rateLimitPerSec}; fractions allowed; 0 turns the limit off);
                              an agent over it is answered 429 with Retry-After
  --rate-burst N              posts an agent may make at once before the rate
                              applies (default ${DEFAULTS.rateBurst})
  --mcp-idle-timeout SEC      end an MCP session at /mcp (and deregister its
                              agent) after SEC seconds without a request or an
                              open stream (default ${DEFAULTS.mcpIdleSec})
  --notify-url URL            POST the operator's notifications (approval
                              requests and decisions, stalled agents,
                              finished task trees) to this webhook,
                              Slack-compatible JSON; repeatable. The hub may
                              then open connections to these hosts only
  --notify-secret KEY         sign notifications with HMAC-SHA256 in
                              X-Arcdeno-Signature (also ARC_NOTIFY_SECRET)
  --stall-after SEC           show an agent that holds a claim as stalled
                              after SEC seconds with no activity (hook
                              events, posts, claims; default ${DEFAULTS.stallAfterSec})
  --idle-timeout SEC          close a connection that has had no request in
                              progress for SEC seconds: one that never sends
                              a request, or a kept-alive one between requests;
                              long-polls and streams are requests in progress
                              (default ${DEFAULTS.idleTimeoutSec}; 0 keeps idle connections open)
  --retain-days N             prune threads whose tasks are all done and
                              whose newest message is N days old, and
                              received direct messages N days old, after
                              writing them to files (default off)
  --retain-dir DIR            where pruned messages are written (default
                              retained/ beside the storage file; arc-retained/
                              in the working directory with --database)
  --quiet                     log only the startup line
  -h, --help                  show this help

Examples:
  arc serve
  arc serve --port 0 --storage /tmp/team/arc.sqlite3
  arc serve --host 0.0.0.0 --allow-remote
  ARC_DATABASE_URL=postgres://arc:secret@db:5432/arc arc serve --host 0.0.0.0 --allow-remote
`;

/** Everything `serve` reads from its flags. */
export interface ServeFlags extends HubOptions {
  help: boolean;
  /** Serve the file relay. */
  relay: boolean;
  /** Delete answered relay files older than this many seconds. */
  relayRetentionSec?: number;
  /** Append log lines here as well. */
  logFile?: string;
  /** Where the database URL came from, if there is one. */
  databaseSource?: "flag" | "file" | "env";
}

/** Reads `serve` flags into hub options. */
export function parseServeFlags(args: string[]): ServeFlags {
  const { values } = parseFlags(args, {
    ...textFlags("host", "port", "storage", "database", "database-file"),
    ...textFlags("spool-dir"),
    "no-relay": { type: "boolean" },
    "relay-retention": { type: "string" },
    "allow-remote": { type: "boolean" },
    token: { type: "string" },
    "allowed-host": { type: "string", multiple: true },
    "strict-identity": { type: "boolean" },
    ...textFlags("log-file", "durability"),
    quiet: { type: "boolean" },
    ...textFlags("presence-ttl", "max-body-chars", "max-attachment-chars"),
    ...textFlags("max-attachments", "rate-limit", "rate-burst"),
    ...textFlags("mcp-idle-timeout", "stall-after"),
    "notify-url": { type: "string", multiple: true },
    ...textFlags("notify-secret", "retain-days", "retain-dir", "idle-timeout"),
    help: { type: "boolean", short: "h" },
  });
  const options: HubOptions = {};
  const set = <K extends keyof HubOptions>(k: K, v: HubOptions[K]) => {
    if (v !== undefined) options[k] = v;
  };
  set("host", values.host);
  set("port", intFlag("port", values.port));
  set("storage", values.storage);
  const database = databaseUrl(values.database, values["database-file"]);
  set("database", database?.url);
  set("spoolDir", values["spool-dir"]);
  set("allowRemote", values["allow-remote"]);
  set("token", flagOrEnv(values.token, "ARC_TOKEN"));
  set("allowedHosts", values["allowed-host"]);
  set("strictIdentity", values["strict-identity"]);
  set("durability", values.durability as HubOptions["durability"]);
  set("quiet", values.quiet);
  set("presenceTtlSec", intFlag("presence-ttl", values["presence-ttl"]));
  set("maxBodyChars", intFlag("max-body-chars", values["max-body-chars"]));
  set(
    "maxAttachmentChars",
    intFlag("max-attachment-chars", values["max-attachment-chars"]),
  );
  set(
    "maxAttachments",
    intFlag("max-attachments", values["max-attachments"]),
  );
  set("rateLimitPerSec", rateFlag(values["rate-limit"]));
  set("rateBurst", intFlag("rate-burst", values["rate-burst"]));
  set("mcpIdleSec", intFlag("mcp-idle-timeout", values["mcp-idle-timeout"]));
  set("stallAfterSec", intFlag("stall-after", values["stall-after"]));
  set("idleTimeoutSec", intFlag("idle-timeout", values["idle-timeout"]));
  set("notifyUrls", values["notify-url"]);
  set("retainDays", intFlag("retain-days", values["retain-days"]));
  set("retainDir", values["retain-dir"]);
  set("notifySecret", values["notify-secret"] ?? readEnv("ARC_NOTIFY_SECRET"));
  const retention = intFlag("relay-retention", values["relay-retention"]);
  if (retention !== undefined && retention < 1) {
    throw new UsageError("--relay-retention must be at least 1 second");
  }
  return {
    ...options,
    help: values.help ?? false,
    relay: !values["no-relay"],
    ...(values["log-file"] ? { logFile: values["log-file"] } : {}),
    ...(database ? { databaseSource: database.source } : {}),
    ...(retention !== undefined ? { relayRetentionSec: retention } : {}),
  };
}

/** Reads `--rate-limit`: a number of posts per second, fractions allowed. */
function rateFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(value.trim())) {
    throw new UsageError(
      `--rate-limit must be a number of posts per second (0 turns it off), got '${value}'`,
    );
  }
  return Number(value);
}

/** The database URL from `--database`, `--database-file` or `ARC_DATABASE_URL`, in that order. */

function databaseUrl(
  flag: string | undefined,
  file: string | undefined,
): { url: string; source: "flag" | "file" | "env" } | undefined {
  if (flag !== undefined && file !== undefined) {
    throw new UsageError("give --database or --database-file, not both");
  }
  if (flag !== undefined) return { url: flag, source: "flag" };
  if (file !== undefined) {
    let text: string;
    try {
      text = Deno.readTextFileSync(file).trim();
    } catch (error) {
      throw new UsageError(
        `cannot read --database-file ${file}: ${(error as Error).message}`,
      );
    }
    if (!text || text.includes("\n")) {
      throw new UsageError(
        `--database-file ${file} must hold exactly one line: the database URL`,
      );
    }
    return { url: text, source: "file" };
  }
  const env = readEnv("ARC_DATABASE_URL");
  return env ? { url: env, source: "env" } : undefined;
}

/** Runs the hub until it is stopped; resolves with the process exit code. */
export async function runServe(args: string[], io: Io): Promise<number> {
  const print = io.out;
  const options = parseServeFlags(args);
  if (options.help) {
    print(SERVE_HELP);
    return 0;
  }
  const out = options.logFile ? teeToFile(print, options.logFile) : print;
  try {
    return await serve(options, out);
  } catch (error) {
    // Detached hubs have no terminal: the log file must say why they stopped.
    if (options.logFile) out(`arc: ${(error as Error)?.message ?? error}`);
    throw error;
  }
}

/**
 * Opens the store a configuration names: PostgreSQL when it has a database
 * (the driver loads only then), else its SQLite file, with its durability
 * and, for SQLite, a checkpointer every 500 ms under load.
 *
 * @param config the resolved configuration
 * @param options `log` for database connection trouble; `clock` for the
 *   store's time (@default the system clock)
 * @throws {StorageUnavailableError} when the database cannot be reached or opened
 */
export async function openStore(
  config: ResolvedConfig,
  options: { log?: (line: string) => void; clock?: Clock } = {},
): Promise<Store> {
  const clock = options.clock ?? systemClock;
  return config.database
    ? await (await import("../store/postgres/store.ts")).PostgresStore.open(
      config.database,
      {
        clock,
        ...(options.log ? { log: options.log } : {}),
        durability: config.durability,
      },
    )
    : SqliteStore.open(config.storagePath, {
      clock,
      durability: config.durability,
      checkpointMs: 500,
    });
}

async function serve(
  options: ServeFlags,
  out: (line: string) => void,
): Promise<number> {
  const config = resolveConfig(options);
  const log = config.quiet
    ? () => {}
    : (line: string) => out(`[arc ${toIso(Date.now())}] ${line}`);
  // Database connection trouble is reported even with --quiet.
  const warn = (line: string) => out(`[arc ${toIso(Date.now())}] ${line}`);
  if (options.databaseSource === "flag") {
    warn(
      "warning: --database puts the database password in the process list; prefer ARC_DATABASE_URL or --database-file",
    );
  }
  const store = await openStore(config, { log: warn });
  const hub = await Hub.create(config, store, { log });
  // `arc stop` trusts a pidfile only when the hub at its URL reports its pid.
  hub.runtimeInfo["pid"] = Deno.pid;
  const errorLog = (line: string) => out(`[arc] ${line}`);
  const metrics = new Metrics();
  const app = createApp(hub, {
    log: errorLog,
    metrics,
    // The MCP SDK loads on the first /mcp request, not with the hub.
    mcp: async (options) =>
      new (await import("../mcp/http_route.ts")).McpSessions(options),
  });
  let relay: RelayServer | undefined;
  if (options.relay) {
    relay = new RelayServer({
      observe: (seconds) => metrics.relayLatency.observe({}, seconds),
      spoolDir: config.spoolDir,
      dispatch: inProcessDispatch((req, env) => app.fetch(req, env)),
      log,
      storage: { id: hub.instanceId, label: store.info.storagePath },
      // A request file holds one request body plus a small envelope.
      maxFileBytes: config.maxRequestBytes + 65_536,
      ...(options.relayRetentionSec !== undefined
        ? { retentionSec: options.relayRetentionSec }
        : {}),
    });
  }
  let running;
  try {
    running = serveHub(hub, {
      app,
      log: errorLog,
      beforeClose: async () => await relay?.close(),
    });
  } catch (error) {
    await hub.close();
    throw explainListen(error, config.host, config.port);
  }
  if (relay) {
    try {
      await relay.start();
      hub.extraFeatures.add(RELAY_FEATURE);
      const served = relay;
      hub.relayStats = () => served.stats;
      hub.extraFeatures.add(RELAY_CONCURRENT_FEATURE);
    } catch (error) {
      if (error instanceof SpoolConflictError) {
        await running.shutdown();
        throw error;
      }
      out(
        `warning: the file relay could not start on ${config.spoolDir}: ${
          (error as Error).message
        }`,
      );
    }
  }
  hub.onShutdown = () => void running.shutdown();
  if (config.notifyUrls.length) {
    const notify = new Notifications({
      urls: config.notifyUrls,
      secret: config.notifySecret,
      log: errorLog,
    });
    hub.onApproval = (event, a) =>
      notify.send(
        `approval.${event}`,
        event === "created"
          ? `${a.agent_id} asks for approval: ${a.title}`
          : `${a.title} (${a.agent_id}) was ${a.status} by ${
            a.decided_by ?? "the operator"
          }`,
        { approval: a },
      );
    hub.onAgentStalled = (agent, status) =>
      notify.send(
        "agent.stalled",
        `${agent} is stalled: holds ${
          status["claims"]
        } claim(s), no activity since ${
          status["last_activity_at"] ?? "it claimed"
        }`,
        { agent_id: agent, status },
      );
    hub.onTreeFinished = (root) =>
      notify.send(
        "task.tree_finished",
        `task #${root.task_id} in #${root.channel}${
          root.thread_id ? ` (thread ${root.thread_id})` : ""
        } is done, with every subtask`,
        { task: root },
      );
  }
  const pidfile = join(dirname(config.storagePath), PIDFILE_NAME);
  writePidfile(pidfile, running.port, running.url);
  const stop = () => {
    log("signal received, shutting down");
    void running.shutdown();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  // Listening, with the files open: nothing else needs run, ffi, sys, env or
  // new sockets, except those to the database server.
  dropPermissions(
    config.database || config.notifyUrls.length
      ? {
        keepNetExcept: [
          listenNetEntry(config.host, config.port),
          listenNetEntry(config.host, running.port),
        ],
      }
      : {},
  );
  hub.runtimeInfo["permissions"] = permissionReport(
    hubDirs(config),
    [
      ...(config.database ? [config.database.netEntry] : []),
      ...notifyNetEntries(config.notifyUrls),
    ],
  );
  out(
    `arc listening on ${running.url} (storage=${store.info.storagePath}, journal_mode=${store.info.journalMode}, instance=${hub.instanceId}, allow_remote=${config.allowRemote}, relay=${
      hub.extraFeatures.has(RELAY_FEATURE) ? config.spoolDir : "off"
    }, version=${VERSION})`,
  );
  if (!store.info.walMode) {
    out(
      "warning: SQLite is not in WAL mode; several hubs sharing this file may not coordinate correctly",
    );
  }
  if (config.allowRemote) {
    out(
      config.token
        ? "remote access is on: remote peers must send the bearer token"
        : "warning: --allow-remote without --token serves every peer that can reach this address; anyone on the network can act as any agent",
    );
  }
  try {
    await running.finished;
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    removePidfile(pidfile, running.port);
    log("stopped");
  }
  return 0;
}

/** Name of the file beside the storage that tells other commands where the hub listens. */
export const PIDFILE_NAME = ".arc.pid";

function explainListen(error: unknown, host: string, port: number): unknown {
  if (
    error instanceof Deno.errors.NotCapable ||
    error instanceof Deno.errors.PermissionDenied
  ) {
    return new RangeError(
      `Cannot listen on ${host}:${port}: this process is not allowed to (it was started with a narrower --allow-net; local mode only permits the loopback address)`,
      { cause: error },
    );
  }
  if (error instanceof Deno.errors.AddrInUse) {
    return new RangeError(
      `Cannot listen on ${host}:${port}: the address is already in use (another hub? try 'arc ensure' to find it, or --port 0)`,
      { cause: error },
    );
  }
  return error;
}

function teeToFile(
  print: (line: string) => void,
  path: string,
): (line: string) => void {
  return (line) => {
    print(line);
    try {
      Deno.writeTextFileSync(path, line + "\n", { append: true });
    } catch {
      // The log file is a convenience; the hub keeps running without it.
    }
  };
}

function writePidfile(path: string, port: number, url: string): void {
  try {
    Deno.writeTextFileSync(
      path,
      JSON.stringify({ pid: Deno.pid, port, url }),
    );
  } catch {
    // The pidfile only helps discovery; the hub runs without it.
  }
}

function removePidfile(path: string, port: number): void {
  try {
    const info = JSON.parse(Deno.readTextFileSync(path));
    if (info.pid === Deno.pid && info.port === port) Deno.removeSync(path);
  } catch {
    // Already gone or replaced by another hub: leave it.
  }
}
