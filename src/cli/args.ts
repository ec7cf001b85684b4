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
