/**
 * Least privilege for the hub process: the Deno flags `ensure` and
 * `deno task start` launch it with, the permissions a running hub drops once
 * it is listening, and the report of what it still holds.
 *
 * @module
 */

import { dirname } from "../path.ts";

/** Environment variables the hub reads. */
export const HUB_ENV_VARS = [
  "ARC_TOKEN",
  "ARC_DATABASE_URL",
  "ARC_NOTIFY_SECRET",
] as const;

/** What the hub process must be allowed to touch. */
export interface HubScope {
  host: string;
  port: number;
  storagePath: string;
  spoolDir: string;
  /** The PostgreSQL server, when the hub runs on one. */
  database?: { netEntry: string } | undefined;
  /** Webhooks the operator's notifications go to. */
  notifyUrls?: readonly string[];
  /** Retention (`--retain-days`): when on, the hub writes into `retainDir`. */
  retainDays?: number | undefined;
  retainDir?: string;
}

/** The directories a hub reads and writes: the storage's, the spool, and the retain directory when retention is on. */
export function hubDirs(scope: HubScope): string[] {
  return [
    ...new Set([
      dirname(scope.storagePath),
      scope.spoolDir,
      ...(scope.retainDays !== undefined && scope.retainDir
        ? [scope.retainDir]
        : []),
    ]),
  ];
}

/** The `--allow-net` entries (host:port) of notification webhooks. */
export function notifyNetEntries(urls: readonly string[]): string[] {
  return [
    ...new Set(urls.map((raw) => {
      const url = new URL(raw);
      const port = url.port || (url.protocol === "https:" ? "443" : "80");
      return `${url.hostname}:${port}`;
    })),
  ];
}

/** The `--allow-net` entry for the hub's own listening address (any port when `port` is 0). */
export function listenNetEntry(host: string, port: number): string {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return port === 0 ? h : `${h}:${port}`;
}

/**
 * The narrowest `deno run` flags for a hub: net only to its bind address
 * (and the database server's host:port when it has one), files only in the
 * storage directory, the spool and the retain directory, env only for the variables it reads,
 * nothing else.
 */
export function hubPermissionFlags(scope: HubScope): string[] {
  const net = [
    listenNetEntry(scope.host, scope.port),
    ...(scope.database ? [scope.database.netEntry] : []),
    ...notifyNetEntries(scope.notifyUrls ?? []),
  ].join(",");
  const dirs = hubDirs(scope);
  return [
    `--allow-net=${net}`,
    `--allow-read=${dirs.join(",")}`,
    `--allow-write=${dirs.join(",")}`,
    `--allow-env=${HUB_ENV_VARS.join(",")}`,
  ];
}

const DROPPED = ["run", "ffi", "sys", "env", "net"] as const;

/** Options for {@linkcode dropPermissions}. */
export interface DropOptions {
  /**
   * The hub talks to a database server: keep `net`, dropping only the
   * listening address's own entries (exact `--allow-net` entries, e.g.
   * `127.0.0.1` and `127.0.0.1:6969`), so what remains is the database's
   * host:port. With a blanket `--allow-net` nothing narrower can be kept.
   * @default undefined (drop `net` entirely)
   */
  keepNetExcept?: string[];
}

/**
 * Drops the permissions a listening hub never needs again. The listener keeps
 * accepting connections after `net` is gone; what goes is the ability to open
 * new ones. A compiled binary carries broad permissions, so this is what
 * narrows it.
 */
export function dropPermissions(options: DropOptions = {}): void {
  for (const name of DROPPED) {
    try {
      if (name === "net" && options.keepNetExcept) {
        for (const host of options.keepNetExcept) {
          Deno.permissions.revokeSync({ name, host });
        }
      } else Deno.permissions.revokeSync({ name });
    } catch {
      // Not grantable in this runtime: nothing to drop.
    }
  }
}

/**
 * The current state of each permission, for hub-info: `granted` (for
 * everything), `limited` (only for the hub's own directories, or for net
 * only the `netHosts`, e.g. the database server), or `denied`.
 */

export function permissionReport(
  dirs: readonly string[],
  netHosts: readonly string[] = [],
): Record<string, string> {
  const state = (d: Deno.PermissionDescriptor) => {
    try {
      return Deno.permissions.querySync(d).state;
    } catch {
      return "unknown";
    }
  };
  const report: Record<string, string> = {};
  for (const name of ["net", "env", "run", "ffi", "sys"] as const) {
    const s = state({ name });
    // Without a terminal, "prompt" is a refusal.
    report[name] = s === "prompt" ? "denied" : s;
  }
  // Net kept for the database server only.
  if (
    report["net"] === "denied" && netHosts.length > 0 &&
    netHosts.every((host) => state({ name: "net", host }) === "granted")
  ) report["net"] = "limited";
  for (const name of ["read", "write"] as const) {
    if (state({ name }) === "granted") report[name] = "granted";
    else if (dirs.every((path) => state({ name, path }) === "granted")) {
      report[name] = "limited";
    } else report[name] = "denied";
  }
  return report;
}

/** Reads an environment variable, treating "not allowed" as unset. */
export function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** Reads an environment variable; by default the process's, "not allowed" counting as unset. */
export type EnvReader = (name: string) => string | undefined;

/**
 * The value of a flag, else of its environment variable; an empty value
 * counts as unset. (Here rather than in `connection.ts`, so `arc serve`
 * does not load the client library with it.)
 */
export function flagOrEnv(
  flag: string | undefined,
  variable: string,
  env: EnvReader = readEnv,
): string | undefined {
  const value = flag ?? env(variable);
  return value === "" ? undefined : value;
}
