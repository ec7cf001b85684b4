/**
 * Command-line parsing on `node:util` `parseArgs` (JSR's `@std/cli` is not
 * reachable from every build machine), with one-line errors for unknown
 * flags and bad values.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

/** A refusal to run, printed as one line with exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Parses `args` against `options`; unknown flags and missing values become {@linkcode UsageError}. */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    const text = (error as Error).message.split("\n")[0] ?? String(error);
    throw new UsageError(text.replace(/\. To specify a positional.*$/, ""));
  }
}

/** Reads an integer flag value. */

export function intFlag(
  name: string,
  value: string | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) {
    throw new UsageError(`--${name} must be a whole number, got '${value}'`);
  }
  return Number(value);
}

/** Reads a flag of whole seconds from 0 to `max`. */

export function secondsFlag(
  name: string,
  value: string | undefined,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > max) {
    throw new UsageError(
      `--${name} must be whole seconds from 0 to ${max}: current value is '${value}'`,
    );
  }
  return seconds;
}

/** Flags that take a value (`--name value`), by name, for {@linkcode parseFlags}. */
export function textFlags<const K extends string>(
  ...names: K[]
): { [P in K]: { type: "string" } } {
  return Object.fromEntries(names.map((n) => [n, { type: "string" }])) as {
    [P in K]: { type: "string" };
  };
}

/** Switches (`--name`), by name, for {@linkcode parseFlags}. */
export function switchFlags<const K extends string>(
  ...names: K[]
): { [P in K]: { type: "boolean" } } {
  return Object.fromEntries(names.map((n) => [n, { type: "boolean" }])) as {
    [P in K]: { type: "boolean" };
  };
}

/** The `-h`/`--help` flag every command takes. */
const HELP_FLAG = { help: { type: "boolean", short: "h" } } as const;

/** Options for {@linkcode parseCommand}. */
export interface CommandOptions {
  /** The command's help text, printed for `-h`/`--help`. */
  help: string;
  /** Where the help goes. */
  out: (line: string) => void;
  /** Whether the command takes positional arguments. @default false */
  positionals?: boolean;
}

/**
 * Parses a command's flags (plus `-h`/`--help`) like {@linkcode parseFlags};
 * with `--help` it prints the help and returns undefined, so the command
 * returns 0.
 */
export function parseCommand<
  T extends NonNullable<ParseArgsConfig["options"]>,
>(args: string[], options: T, command: CommandOptions) {
  const parsed = parseFlags(
    args,
    { ...options, ...HELP_FLAG },
    command.positionals ?? false,
  );
  if ((parsed.values as { help?: boolean }).help) {
    command.out(command.help);
    return undefined;
  }
  return parsed;
}
