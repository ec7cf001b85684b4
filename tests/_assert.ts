/**
 * The few assertions the tests use. JSR's `@std/assert` is not reachable
 * from every build machine, so these are written here.
 *
 * @module
 */

/** Thrown when an assertion fails. */
export class AssertionError extends Error {
  override name = "AssertionError";
}

/** Asserts that `value` is truthy. */
export function assert(
  value: unknown,
  message = "expected a truthy value",
): asserts value {
  if (!value) throw new AssertionError(message);
}

/** Asserts deep equality of JSON-like values. */
export function assertEquals<T>(
  actual: T,
  expected: T,
  message?: string,
): void {
  if (!equal(actual, expected)) {
    throw new AssertionError(
      `${message ? message + ": " : ""}values differ\n  actual:   ${
        show(actual)
      }\n  expected: ${show(expected)}`,
    );
  }
}

/** Asserts that two values differ. */
export function assertNotEquals<T>(
  actual: T,
  expected: T,
  message?: string,
): void {
  if (equal(actual, expected)) {
    throw new AssertionError(
      `${message ? message + ": " : ""}values are equal: ${show(actual)}`,
    );
  }
}

/** Asserts that `text` contains `part`. */
export function assertStringIncludes(text: string, part: string): void {
  if (!String(text).includes(part)) {
    throw new AssertionError(`expected ${show(text)} to include ${show(part)}`);
  }
}

/** Asserts that `fn` rejects, and returns the error. */
export async function assertRejects(
  fn: () => Promise<unknown>,
): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new AssertionError("expected the call to reject");
}

function show(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (
    typeof a !== "object" || typeof b !== "object" || a === null || b === null
  ) {
    return false;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    Object.hasOwn(b as object, k) &&
    equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
  );
}
