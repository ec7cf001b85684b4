/**
 * Runs `arc` (and other programs) as real processes for the CLI tests.
 *
 * @module
 */

import { ENTRY, ENTRY_FLAGS } from "../_util.ts";

/** Output of one command run. */
export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Where and with which extra environment a command runs. */
export interface RunOptions {
  /** Working directory. @default this process's */
  cwd?: string;
  /** Variables added to the inherited environment. @default {} */
  env?: Record<string, string>;
}

/** Runs a program to its end with stdin closed and collects its output. */
export async function run(
  cmd: string,
  args: string[],
  options: RunOptions = {},
): Promise<CommandRun> {
  const out = await new Deno.Command(cmd, {
    args,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: options.env ?? {},
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/** Runs `arc <args>` ({@linkcode ENTRY}) with full permissions. */
export function arc(
  args: string[],
  options: RunOptions = {},
): Promise<CommandRun> {
  return run(
    Deno.execPath(),
    ["run", "-A", ...ENTRY_FLAGS, ENTRY, ...args],
    options,
  );
}

/**
 * The `deno` arguments of `arc hook`, with the permissions documented for the
 * hosts: loopback, and the state directory only.
 */
export function hookArgs(args: string[]): string[] {
  return [
    "run",
    "--allow-net=127.0.0.1",
    "--allow-read=.arc-hook",
    "--allow-write=.arc-hook",
    ...ENTRY_FLAGS,
    ENTRY,
    "hook",
    ...args,
  ];
}

/** Runs `arc hook` as a host does: its hook JSON on stdin. */
export function spawnHook(
  args: string[],
  cwd: string,
  stdin: unknown,
): Promise<CommandRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: hookArgs(args),
    cwd,
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const done = (async () => {
    await writer.write(new TextEncoder().encode(JSON.stringify(stdin)));
    await writer.close();
    const out = await child.output();
    const decoder = new TextDecoder();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout).trim(),
      stderr: decoder.decode(out.stderr),
    };
  })();
  return done;
}

/** Runs `fn` in a fresh temp directory, removed afterwards. */
export async function withDir(
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "arc-hook-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
