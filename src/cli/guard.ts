/**
 * `arc guard`: a git pre-commit guard over file reservations. `guard
 * install` writes a pre-commit hook into the current repository that runs
 * `guard check`; `guard check` asks the hub whether any staged path is
 * reserved by another live agent and refuses the commit (exit 1) naming the
 * holder and the pattern. When the hub cannot be reached it warns and lets
 * the commit through.
 *
 * @module
 */

import { basename, dirname, join } from "../path.ts";
import { fileURLToPath } from "node:url";
import { ArcError } from "../client/errors.ts";
import type { PathVerdict, ReservationHolder } from "../client/reservations.ts";
import { intFlag, parseFlags, UsageError } from "./args.ts";
import type { Io } from "./io.ts";
import {
  CONNECTION_FLAGS,
  type ConnectionFlags,
  DEFAULT_URL,
  openClient,
  resolveConnection,
} from "./connection.ts";

/** The line that marks a hook as ours. */
export const HOOK_MARKER = "# arc-guard: installed by 'arc guard install'";

/** Help for `arc guard`. */
export const GUARD_HELP =
  `Usage: arc guard install [--force] [--agent ID] [--base-url URL | --relay DIR] [--warn]
       arc guard check [--agent ID] [--base-url URL | --relay DIR] [--warn] [--timeout SEC]

install  writes .git/hooks/pre-commit (the repository's hooks directory) that
         runs 'arc guard check' with the same arc (this binary, or deno and
         this main.ts) and the flags given here. A hook written by someone
         else is kept unless --force (it is saved as pre-commit.arc-backup).
         Running it again rewrites our own hook.
check    lists the staged paths (git diff --cached --name-only) and asks the
         hub whether another live agent reserves any of them (locks whose
         file_path may be a glob such as src/api/**). If so it names the
         holder, the pattern and the time left and exits 1, refusing the
         commit; with --warn it only warns. When the hub cannot be reached it
         warns and exits 0. Usable in CI too.

  --agent ID        your agent id (also ARC_AGENT; without one, every
                    reservation counts as someone else's)
  --base-url URL    the hub (also ARC_URL; default ${DEFAULT_URL})
  --token TOKEN     bearer token for a remote hub (also ARC_TOKEN; check only)
  --relay DIR       talk through the file relay spool DIR instead of HTTP
                    (not with --base-url)
  --warn            warn about reserved paths but never refuse
  --timeout SEC     give up on the hub after SEC seconds (default 5)
  --force           (install) replace a pre-commit hook that is not ours
  -h, --help        show this help

Examples:
  arc guard install --agent alice
  ARC_AGENT=ci arc guard check --warn
`;

const FLAGS = {
  ...CONNECTION_FLAGS,
  warn: { type: "boolean" },
  timeout: { type: "string" },
  force: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Runs `arc guard install|check`; resolves with the exit code. */
export async function runGuard(args: string[], io: Io): Promise<number> {
  const { out, err } = io;
  const [sub, ...rest] = args;
  const { values } = parseFlags(rest, FLAGS);
  if (sub === undefined || sub === "-h" || sub === "--help" || values.help) {
    out(GUARD_HELP);
    return 0;
  }
  if (sub === "install") return await install(values, io);
  if (sub === "check") return await check(values, err);
  throw new UsageError(
    `unknown guard command '${sub}' (use 'install' or 'check')`,
  );
}

type Values = ConnectionFlags & {
  warn?: boolean | undefined;
  timeout?: string | undefined;
  force?: boolean | undefined;
};

async function git(args: string[]): Promise<string> {
  const result = await new Deno.Command("git", {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    const text = new TextDecoder().decode(result.stderr).trim();
    throw new UsageError(
      `git ${args[0]} failed: ${text || "not a repository?"}`,
    );
  }
  return new TextDecoder().decode(result.stdout);
}

function quote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)
    ? word
    : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** How to run this arc again: the compiled binary, or deno with flags and this main.ts. */
function selfCommand(relay: string | undefined): string[] {
  const exec = Deno.execPath();
  const name = basename(exec).toLowerCase();
  if (name !== "deno" && name !== "deno.exe") return [exec];
  const main = fileURLToPath(Deno.mainModule);
  const config = join(dirname(main), "deno.json");
  const flags = [
    "run",
    "--quiet",
    "--no-prompt",
    "--allow-run=git",
    "--allow-net",
    "--allow-env=ARC_AGENT,ARC_URL,ARC_TOKEN",
  ];
  if (relay) flags.push(`--allow-read=${relay}`, `--allow-write=${relay}`);
  try {
    Deno.statSync(config);
    flags.push("--config", config);
  } catch { /* no config beside main.ts */ }
  return [exec, ...flags, main];
}

async function install(values: Values, io: Io): Promise<number> {
  const { out, err } = io;
  const hooksDir =
    (await git(["rev-parse", "--path-format=absolute", "--git-path", "hooks"]))
      .trim();
  const hook = join(hooksDir, "pre-commit");
  // Refuse now what 'guard check' would refuse at every commit.
  resolveConnection(values);
  const relay = values.relay ? await Deno.realPath(values.relay) : undefined;
  const args = ["guard", "check"];
  if (values.agent) args.push("--agent", values.agent);
  if (values["base-url"]) args.push("--base-url", values["base-url"]);
  if (relay) args.push("--relay", relay);
  if (values.warn) args.push("--warn");
  if (values.timeout) args.push("--timeout", values.timeout);
  const command = [...selfCommand(relay), ...args].map(quote).join(" ");
  const script = `#!/bin/sh\n${HOOK_MARKER}\n` +
    `# Refuses a commit that touches paths another live agent reserves on the Arc hub.\n` +
    `exec ${command}\n`;
  let existing: string | undefined;
  try {
    existing = await Deno.readTextFile(hook);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (existing !== undefined && !existing.includes(HOOK_MARKER)) {
    if (!values.force) {
      err(
        `arc guard: ${hook} exists and is not ours; keep it, or rerun with --force (it is saved as pre-commit.arc-backup)`,
      );
      return 1;
    }
    await Deno.writeTextFile(`${hook}.arc-backup`, existing);
  }
  if (existing === script) {
    out(`arc guard: already installed in ${hook}`);
    return 0;
  }
  await Deno.mkdir(hooksDir, { recursive: true });
  await Deno.writeTextFile(hook, script, { mode: 0o755 });
  await Deno.chmod(hook, 0o755);
  out(`arc guard: installed ${hook}`);
  return 0;
}

function describe(h: ReservationHolder): string {
  return `${h.agent_id} holds '${h.pattern}' (${h.mode}, ${h.expires_in_sec} s left)`;
}

/**
 * Statuses that let a commit through with a warning: no hub answered (0),
 * the relay could not carry the question (597, 598, 599), the hub cannot
 * read its storage now (503), or it has no reservations at all (404).
 * Any other refusal (a bad token, a rate limit, ...) stops the commit.
 */
const FAIL_OPEN = new Set([0, 404, 503, 597, 598, 599]);

async function check(
  values: Values,
  err: (line: string) => void,
): Promise<number> {
  const timeoutSec = intFlag("timeout", values.timeout) ?? 5;
  if (timeoutSec < 1) throw new UsageError("--timeout must be at least 1");
  const staged = (await git(["diff", "--cached", "--name-only", "-z"]))
    .split("\0").filter((p) => p !== "");
  if (!staged.length) return 0;
  const connection = resolveConnection(values);
  // Without an agent id, every reservation counts as someone else's.
  const agentId = connection.agent ?? "anonymous";
  const client = openClient({ ...connection, agent: agentId }, {
    timeoutMs: timeoutSec * 1000,
  });
  let verdicts: PathVerdict[];
  try {
    verdicts = [];
    // The hub takes at most 10,000 paths and 1,000,000 characters a check.
    let chunk: string[] = [];
    let chars = 0;
    for (const path of [...staged, undefined]) {
      if (
        chunk.length &&
        (path === undefined || chunk.length >= 5000 ||
          chars + path.length > 900_000)
      ) {
        verdicts.push(...(await client.checkFence(chunk)).paths);
        chunk = [];
        chars = 0;
      }
      if (path !== undefined) {
        chunk.push(path);
        chars += path.length;
      }
    }
  } catch (error) {
    if (!(error instanceof ArcError)) throw error;
    if (!FAIL_OPEN.has(error.status)) {
      err(`arc guard: the hub refused the check: ${error.message}`);
      return 1;
    }
    err(
      `arc guard: warning: cannot check reservations (${error.message}); commit allowed`,
    );
    return 0;
  } finally {
    await client.close();
  }
  const blocked = verdicts.filter((v) => v.blocked_by.length > 0);
  for (const v of blocked) {
    err(
      `arc guard: ${v.path} is reserved: ${
        v.blocked_by.map(describe).join("; ")
      }`,
    );
  }
  if (!blocked.length) return 0;
  if (values.warn) {
    err(
      `arc guard: warning only (--warn): ${blocked.length} reserved path(s) staged`,
    );
    return 0;
  }
  err(
    `arc guard: commit refused as ${agentId}: ${blocked.length} staged path(s) reserved by other agents (ask them, wait, or unstage)`,
  );
  return 1;
}
