/**
 * Command-line parsing with one-line errors for unknown flags and bad
 * values. The parser is our own small one: it follows `node:util`
 * `parseArgs` in strict mode (whose result types it keeps), because loading
 * `node:util` at run time pulls in much of Deno's Node compatibility layer
 * (with `node:path`, about 1.5 MB of a hub's memory; see docs/PERFORMANCE.md),
 * and JSR's `@std/cli` is not reachable from every build machine.
 *
 * The rules: `--name value` and `--name=value` (the `=` form takes any value,
 * empty or starting with a dash); `-x value`, `-xvalue` and grouped switches
 * such as `-hq` for one-letter `short` names; a repeated flag overrides the
 * earlier one unless it is `multiple` (then the values are collected in
 * order); `--` ends the flags; a lone `-` is a positional argument.
 *
 * @module
 */

import type { parseArgs, ParseArgsConfig } from "node:util";

/** A refusal to run, printed as one line with exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The flags a command takes, as `node:util` `parseArgs` describes them. */
type Flags = NonNullable<ParseArgsConfig["options"]>;

/** What {@linkcode parseFlags} returns: `parseArgs`' own result type for `T`. */
export type ParsedFlags<T extends Flags> = ReturnType<
  typeof parseArgs<
    { args: string[]; options: T; strict: true; allowPositionals: boolean }
  >
>;

/** Parses `args` against `options`; unknown flags and missing values become {@linkcode UsageError}. */
export function parseFlags<T extends Flags>(
  args: string[],
  options: T,
  allowPositionals = false,
): ParsedFlags<T> {
  const values: Record<string, string | boolean | (string | boolean)[]> = Object
    .create(null);
  const positionals: string[] = [];
  const own = (name: string) =>
    Object.hasOwn(options, name) ? options[name] : undefined;
  const byShort = new Map<string, string>();
  for (const [name, option] of Object.entries(options)) {
    if (option.short !== undefined) byShort.set(option.short, name);
  }
  /** Sets flag `name`, written as `raw`, to `value` (undefined: none given). */
  const set = (raw: string, name: string, value: string | undefined) => {
    const option = own(name);
    if (option === undefined) throw new UsageError(unknown(raw));
    if (option.type === "string" && value === undefined) {
      throw new UsageError(`Option '${raw}' needs a value: ${raw} <value>`);
    }
    if (option.type === "boolean" && value !== undefined) {
      throw new UsageError(`Option '${raw}' does not take a value`);
    }
    const found = value ?? true;
    const list = values[name];
    if (!option.multiple) values[name] = found;
    else if (Array.isArray(list)) list.push(found);
    else values[name] = [found];
  };
  const positional = (arg: string) => {
    if (!allowPositionals) {
      throw new UsageError(
        `Unexpected argument '${arg}': this command takes no positional arguments`,
      );
    }
    positionals.push(arg);
  };
  /** The value after flag `name` at `index`, if it takes one and one follows. */
  const valueAfter = (raw: string, name: string, index: number) => {
    if (own(name)?.type !== "string") return undefined;
    const value = args[index + 1];
    if (value !== undefined && value.length > 1 && value.startsWith("-")) {
      throw new UsageError(
        `Option '${raw}' is followed by '${value}', which looks like a flag: give its value first, or write --${name}=${value} if '${value}' is the value`,
      );
    }
    return value;
  };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === "--") {
      args.slice(index + 1).forEach(positional);
      break;
    } else if (arg.startsWith("--")) {
      const equals = arg.indexOf("=");
      if (equals > 2) {
        const raw = arg.slice(0, equals);
        set(raw, raw.slice(2), arg.slice(equals + 1));
      } else {
        const value = valueAfter(arg, arg.slice(2), index);
        if (value !== undefined) index++;
        set(arg, arg.slice(2), value);
      }
    } else if (arg.startsWith("-") && arg.length > 1) {
      // `-h`, `-p value`, `-pvalue`, or switches grouped as in `-hq`.
      for (let at = 1; at < arg.length; at++) {
        const raw = `-${arg[at]}`;
        const name = byShort.get(arg[at]!);
        if (name === undefined) throw new UsageError(unknown(raw));
        if (own(name)!.type === "boolean") {
          set(raw, name, undefined);
        } else if (at < arg.length - 1) {
          set(raw, name, arg.slice(at + 1));
          break;
        } else {
          const value = valueAfter(raw, name, index);
          if (value !== undefined) index++;
          set(raw, name, value);
        }
      }
    } else {
      positional(arg);
    }
  }
  return { values, positionals } as ParsedFlags<T>;
}

function unknown(raw: string): string {
  return `Unknown option '${raw}' (run the command with --help to see its options)`;
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
export function parseCommand<T extends Flags>(
  args: string[],
  options: T,
  command: CommandOptions,
) {
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
