/**
 * Least privilege for the hub process: the Deno flags `ensure` and
 * `deno task start` launch it with, the permissions a running hub drops once
 * it is listening, and the report of what it still holds.
 *
 * @module
 */

import { dirname } from "node:path";

/** Environment variables the hub reads. */
export const HUB_ENV_VARS = ["ARC_TOKEN"] as const;

/** What the hub process must be allowed to touch. */
export interface HubScope {
  host: string;
  port: number;
  storagePath: string;
  spoolDir: string;
}

/**
 * The narrowest `deno run` flags for a hub: net only to its bind address,
 * files only in the storage directory and the spool, env only for the
 * variables it reads, nothing else.
 */
export function hubPermissionFlags(scope: HubScope): string[] {
  const host = scope.host.includes(":") && !scope.host.startsWith("[")
    ? `[${scope.host}]`
    : scope.host;
  const net = scope.port === 0 ? host : `${host}:${scope.port}`;
  const dirs = [...new Set([dirname(scope.storagePath), scope.spoolDir])];
  return [
    `--allow-net=${net}`,
    `--allow-read=${dirs.join(",")}`,
    `--allow-write=${dirs.join(",")}`,
    `--allow-env=${HUB_ENV_VARS.join(",")}`,
  ];
}

const DROPPED = ["run", "ffi", "sys", "env", "net"] as const;

/**
 * Drops the permissions a listening hub never needs again. The listener keeps
 * accepting connections after `net` is gone; what goes is the ability to open
 * new ones. A compiled binary carries broad permissions, so this is what
 * narrows it.
 */
export function dropPermissions(): void {
  for (const name of DROPPED) {
    try {
      Deno.permissions.revokeSync({ name });
    } catch {
      // Not grantable in this runtime: nothing to drop.
    }
  }
}

/**
 * The current state of each permission, for hub-info: `granted` (for
 * everything), `limited` (only for the hub's own directories), or `denied`.
 */
export function permissionReport(
  dirs: readonly string[],
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
