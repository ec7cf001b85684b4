/**
 * `arc relay`: runs only the file relay, forwarding spool requests over HTTP
 * to a hub elsewhere. It shares the relay code the hub runs in-process.
 *
 * @module
 */

import { isAbsolute, join } from "../path.ts";
import { DEFAULTS } from "../protocol.ts";
import { httpDispatch } from "../relay/dispatch.ts";
import { RelayServer } from "../relay/server.ts";
import { toIso } from "../time.ts";
import { intFlag, parseCommand, textFlags, UsageError } from "./args.ts";
import type { Io } from "./io.ts";
import { DEFAULT_URL, resolveConnection } from "./connection.ts";

/** Help text for `arc relay`. */
export const RELAY_HELP =
  `Usage: arc relay [--base-url URL] [--spool-dir DIR] [options]

Serves a file-spool relay for a hub that runs elsewhere: sandboxed agents write
requests under DIR/requests/<agent>/, the relay forwards them to the hub over
HTTP and writes the answers under DIR/responses/<agent>/. A hub started with
'arc serve' already serves its own relay; use this when the agents' shared
folder is on another machine than the hub.

Options:
  --base-url URL          the hub (also ARC_URL; default ${DEFAULT_URL})
  --spool-dir DIR         the spool (default ${DEFAULTS.spoolDir})
  --token TOKEN           bearer token for the hub (also ARC_TOKEN)
  --relay-retention SEC   delete answered files older than SEC seconds
  --quiet                 log only the startup line
  -h, --help              show this help

Example:
  arc relay --base-url http://10.0.0.5:6969 --spool-dir /mnt/shared/.arc-relay
`;

/** Runs the relay until SIGINT or SIGTERM. */
export async function runRelay(args: string[], io: Io): Promise<number> {
  const { out } = io;
  const parsed = parseCommand(args, {
    ...textFlags("base-url", "spool-dir", "token", "relay-retention"),
    quiet: { type: "boolean" },
  }, { help: RELAY_HELP, out });
  if (!parsed) return 0;
  const { values } = parsed;
  const { url: baseUrl, token } = resolveConnection(values);
  const spool = values["spool-dir"] ?? DEFAULTS.spoolDir;
  const spoolDir = isAbsolute(spool) ? spool : join(Deno.cwd(), spool);
  const retention = intFlag("relay-retention", values["relay-retention"]);
  if (retention !== undefined && retention < 1) {
    throw new UsageError("--relay-retention must be at least 1 second");
  }
  const log = values.quiet
    ? () => {}
    : (line: string) => out(`[arc relay ${toIso(Date.now())}] ${line}`);
  const relay = new RelayServer({
    spoolDir,
    dispatch: httpDispatch(baseUrl, token ? { token } : {}),
    log,
    ...(retention !== undefined ? { retentionSec: retention } : {}),
  });
  await relay.start();
  out(`arc relay serving ${spoolDir} for ${baseUrl}`);
  const { promise, resolve } = Promise.withResolvers<void>();
  const stop = () => resolve();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await promise;
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  await relay.close();
  log("stopped");
  return 0;
}
