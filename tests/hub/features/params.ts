import { assert, assertEquals, AssertionError } from "../../_assert.ts";
import { ValidationError } from "../../../src/errors.ts";
import {
  checkTtl,
  isObject,
  Query,
  readFields,
  toInt,
  toStr,
  truthy,
} from "../../../src/hub/params.ts";
import { DEFAULTS } from "../../../src/protocol.ts";

const MAX = Number.MAX_SAFE_INTEGER;

/** Asserts that `fn` throws a ValidationError with exactly `message`. */
function assertInvalid(fn: () => unknown, message: string): void {
  try {
    fn();
  } catch (error) {
    assert(error instanceof ValidationError, `got ${error}`);
    assertEquals(error.message, message);
    return;
  }
  throw new AssertionError(`expected ValidationError: ${message}`);
}

function query(text: string): Query {
  return new Query(new URLSearchParams(text));
}

// ── toInt ──────────────────────────────────────────────────────────

Deno.test("toInt() reads integers, truncates floats, and maps booleans to 1 and 0", () => {
  assertEquals(toInt(42, "n"), 42);
  assertEquals(toInt(-7, "n"), -7);
  assertEquals(toInt(5.9, "n"), 5);
  assertEquals(toInt(-5.9, "n"), -5);
  assertEquals(toInt(true, "n"), 1);
  assertEquals(toInt(false, "n"), 0);
  assertEquals(toInt(MAX, "n"), MAX);
  assertEquals(toInt(-MAX, "n"), -MAX);
});

Deno.test("toInt() reads decimal strings with a sign and surrounding spaces", () => {
  assertEquals(toInt("42", "n"), 42);
  assertEquals(toInt(" 42 ", "n"), 42);
  assertEquals(toInt("+7", "n"), 7);
  assertEquals(toInt("-3", "n"), -3);
  assertEquals(toInt("007", "n"), 7);
  assertEquals(toInt(String(MAX), "n"), MAX);
});

Deno.test("toInt() refuses non-integers with '<name> must be an integer'", () => {
  for (
    const value of [
      "1.5",
      "",
      " ",
      "abc",
      "1e3",
      "0x10",
      "- 1",
      null,
      undefined,
      NaN,
      Infinity,
      -Infinity,
      [],
      [1],
      {},
    ]
  ) {
    assertInvalid(() => toInt(value, "ttl_sec"), "ttl_sec must be an integer");
  }
});

Deno.test("toInt() refuses integers beyond 2^53 − 1 with the allowed range", () => {
  const message = `n must be an integer between -${MAX} and ${MAX}`;
  assertInvalid(() => toInt(MAX + 1, "n"), message);
  assertInvalid(() => toInt(-MAX - 1, "n"), message);
  assertInvalid(() => toInt(1e300, "n"), message);
  assertInvalid(() => toInt("9007199254740992", "n"), message);
  assertInvalid(() => toInt("-99999999999999999999", "n"), message);
});

// ── toStr ──────────────────────────────────────────────────────────

Deno.test("toStr() keeps strings as sent and writes out numbers and booleans", () => {
  assertEquals(toStr("x", "s"), "x");
  assertEquals(toStr("  padded ", "s"), "  padded ");
  assertEquals(toStr("", "s"), "");
  assertEquals(toStr(3, "s"), "3");
  assertEquals(toStr(1.5, "s"), "1.5");
  assertEquals(toStr(true, "s"), "True");
  assertEquals(toStr(false, "s"), "False");
});

Deno.test("toStr() refuses structures and null with '<name> must be a string'", () => {
  for (const value of [null, undefined, [], ["a"], {}, { a: 1 }]) {
    assertInvalid(() => toStr(value, "body"), "body must be a string");
  }
});

// ── truthy and isObject ────────────────────────────────────────────

Deno.test("truthy() treats false, 0, empty text, null and empty containers as false", () => {
  for (const value of [false, 0, -0, NaN, "", null, undefined, [], {}]) {
    assertEquals(truthy(value), false, JSON.stringify(value));
  }
  for (const value of [true, 1, -1, "0", "false", " ", [0], { a: 0 }]) {
    assertEquals(truthy(value), true, JSON.stringify(value));
  }
});

Deno.test("isObject() accepts plain objects only", () => {
  assertEquals(isObject({}), true);
  assertEquals(isObject({ a: 1 }), true);
  assertEquals(isObject([]), false);
  assertEquals(isObject(null), false);
  assertEquals(isObject("x"), false);
  assertEquals(isObject(1), false);
});

// ── readFields ─────────────────────────────────────────────────────

Deno.test("readFields() reads each kind of field and trims strings", () => {
  const checked: number[] = [];
  const f = readFields({
    name: "  alice  ",
    count: "12",
    meta: { a: 1 },
    tags: ["x"],
    flag: "yes",
    extra: "ignored",
  }, {
    name: { type: "string", required: true },
    count: { type: "int", check: (v) => checked.push(v) },
    meta: { type: "object" },
    tags: { type: "list" },
    flag: { type: "bool" },
  });
  assertEquals(f, {
    name: "alice",
    count: 12,
    meta: { a: 1 },
    tags: ["x"],
    flag: true,
  });
  assertEquals(checked, [12]);
});

Deno.test("readFields() leaves null and missing optional fields out", () => {
  const f = readFields({ a: null }, {
    a: { type: "string" },
    b: { type: "int" },
    c: { type: "object" },
    d: { type: "list" },
    e: { type: "bool" },
  });
  assertEquals(f, {});
  assertEquals(Object.keys(f), []);
});

Deno.test("readFields() keeps a blank optional string as empty", () => {
  assertEquals(readFields({ s: "   " }, { s: { type: "string" } }), { s: "" });
});

Deno.test("readFields() writes out numbers and booleans sent for strings", () => {
  assertEquals(
    readFields({ s: 7, t: false }, {
      s: { type: "string" },
      t: { type: "string" },
    }),
    { s: "7", t: "False" },
  );
});

Deno.test("readFields() refuses missing, null and blank required fields with '<name> is required'", () => {
  const spec = { agent_id: { type: "string", required: true } } as const;
  assertInvalid(() => readFields({}, spec), "agent_id is required");
  assertInvalid(
    () => readFields({ agent_id: null }, spec),
    "agent_id is required",
  );
  assertInvalid(
    () => readFields({ agent_id: "  " }, spec),
    "agent_id is required",
  );
  assertInvalid(
    () => readFields({}, { n: { type: "int", required: true } }),
    "n is required",
  );
  assertInvalid(
    () => readFields({}, { o: { type: "object", required: true } }),
    "o is required",
  );
});

Deno.test("readFields() refuses wrongly typed fields with a message naming the field", () => {
  assertInvalid(
    () => readFields({ m: [] }, { m: { type: "object" } }),
    "m must be a JSON object",
  );
  assertInvalid(
    () => readFields({ m: "x" }, { m: { type: "object" } }),
    "m must be a JSON object",
  );
  assertInvalid(
    () => readFields({ l: {} }, { l: { type: "list" } }),
    "l must be a list",
  );
  assertInvalid(
    () => readFields({ l: "a,b" }, { l: { type: "list" } }),
    "l must be a list",
  );
  assertInvalid(
    () => readFields({ n: "1.5" }, { n: { type: "int" } }),
    "n must be an integer",
  );
  assertInvalid(
    () => readFields({ s: { a: 1 } }, { s: { type: "string" } }),
    "s must be a string",
  );
});

Deno.test("readFields() reports the first bad field in spec order", () => {
  assertInvalid(
    () =>
      readFields({ b: "x", a: [] }, {
        a: { type: "object" },
        b: { type: "int" },
      }),
    "a must be a JSON object",
  );
});

Deno.test("readFields() runs an int field's check and lets its error through", () => {
  assertInvalid(
    () =>
      readFields({ ttl_sec: 1 }, { ttl_sec: { type: "int", check: checkTtl } }),
    `ttl_sec must be at least ${DEFAULTS.minTtlSec}`,
  );
});

Deno.test("readFields() reads bool fields by JSON truthiness", () => {
  const spec = { b: { type: "bool" } } as const;
  assertEquals(readFields({ b: 0 }, spec), { b: false });
  assertEquals(readFields({ b: "" }, spec), { b: false });
  assertEquals(readFields({ b: [] }, spec), { b: false });
  assertEquals(readFields({ b: "no" }, spec), { b: true });
  assertEquals(readFields({ b: 1 }, spec), { b: true });
});

// ── checkTtl ───────────────────────────────────────────────────────

Deno.test("checkTtl() accepts 5 s up to ten years and names the bound it breaks", () => {
  checkTtl(DEFAULTS.minTtlSec);
  checkTtl(DEFAULTS.maxTtlSec);
  assertInvalid(() => checkTtl(4), "ttl_sec must be at least 5");
  assertInvalid(() => checkTtl(-1), "ttl_sec must be at least 5");
  assertInvalid(
    () => checkTtl(DEFAULTS.maxTtlSec + 1),
    "ttl_sec must be at most 315360000 (ten years)",
  );
});

// ── Query ──────────────────────────────────────────────────────────

Deno.test("Query.get() ignores blank values and returns the first non-blank one", () => {
  assertEquals(query("a=x").get("a"), "x");
  assertEquals(query("a=x&a=y").get("a"), "x");
  assertEquals(query("a=&a=y&a=z").get("a"), "y");
  assertEquals(query("a=&a=").get("a"), undefined);
  assertEquals(query("a").get("a"), undefined);
  assertEquals(query("").get("a"), undefined);
  assertEquals(query("a=%20").get("a"), " ", "a space is not blank");
});

Deno.test("Query.flag() is true for true, 1 or yes in any case", () => {
  for (const value of ["true", "TRUE", "True", "1", "yes", "YES", "Yes"]) {
    assertEquals(query(`f=${value}`).flag("f"), true, value);
  }
  for (const value of ["false", "0", "no", "y", "on", "2", "truthy", " 1"]) {
    assertEquals(
      query(`f=${encodeURIComponent(value)}`).flag("f"),
      false,
      value,
    );
  }
  assertEquals(query("").flag("f"), false);
  assertEquals(query("f=").flag("f"), false);
  assertEquals(query("f=&f=yes").flag("f"), true, "blank values are skipped");
  assertEquals(query("f=no&f=yes").flag("f"), false, "the first value wins");
  assertEquals(query("f=yes&f=no").flag("f"), true, "the first value wins");
});

Deno.test("Query.sinceId() reads a non-negative integer, 0 when absent or blank", () => {
  assertEquals(query("").sinceId(), 0);
  assertEquals(query("since_id=").sinceId(), 0);
  assertEquals(query("since_id=0").sinceId(), 0);
  assertEquals(query("since_id=5").sinceId(), 5);
  assertEquals(query("since_id=+5").sinceId(), 5);
  assertEquals(query("since_id=%207%20").sinceId(), 7);
  assertEquals(query("since_id=&since_id=3&since_id=9").sinceId(), 3);
  assertEquals(query(`since_id=${MAX}`).sinceId(), MAX);
});

Deno.test("Query.sinceId() refuses bad values with a message for each rule", () => {
  for (const value of ["abc", "1.5", "1e3", "0x10", "%20"]) {
    assertInvalid(
      () => query(`since_id=${value}`).sinceId(),
      "since_id must be an integer",
    );
  }
  assertInvalid(() => query("since_id=-1").sinceId(), "since_id must be >= 0");
  assertInvalid(
    () => query("since_id=9007199254740992").sinceId(),
    `since_id must be at most ${MAX}`,
  );
  assertInvalid(
    () => query("since_id=abc&since_id=5").sinceId(),
    "since_id must be an integer",
  );
});

Deno.test("Query.limit() defaults to 100 and clamps to the cap", () => {
  assertEquals(query("").limit(500), DEFAULTS.defaultQueryLimit);
  assertEquals(query("limit=").limit(500), DEFAULTS.defaultQueryLimit);
  assertEquals(query("").limit(50), 50, "the default never passes the cap");
  assertEquals(query("limit=1").limit(500), 1);
  assertEquals(query("limit=250").limit(500), 250);
  assertEquals(query("limit=501").limit(500), 500);
  assertEquals(query("limit=99999999999999999999").limit(500), 500);
  assertEquals(query("limit=%2B7").limit(500), 7);
  assertEquals(query("limit=&limit=3").limit(500), 3);
});

Deno.test("Query.limit() refuses non-integers and values below 1", () => {
  for (const value of ["abc", "1.5", "1e2", "ten"]) {
    assertInvalid(
      () => query(`limit=${value}`).limit(500),
      "limit must be an integer",
    );
  }
  for (const value of ["0", "-1", "-0"]) {
    assertInvalid(
      () => query(`limit=${value}`).limit(500),
      "limit must be at least 1",
    );
  }
});

Deno.test("Query.timeoutSec() reads seconds with fractions, clamped to 0..60", () => {
  assertEquals(query("").timeoutSec(), 0);
  assertEquals(query("timeout=").timeoutSec(), 0);
  assertEquals(query("timeout=0").timeoutSec(), 0);
  assertEquals(query("timeout=2.5").timeoutSec(), 2.5);
  assertEquals(query("timeout=%2030%20").timeoutSec(), 30);
  assertEquals(query("timeout=60").timeoutSec(), 60);
  assertEquals(query("timeout=61").timeoutSec(), DEFAULTS.maxTimeoutSec);
  assertEquals(query("timeout=1e9").timeoutSec(), 60);
  assertEquals(query("timeout=-3").timeoutSec(), 0);
  assertEquals(query("timeout=&timeout=5").timeoutSec(), 5);
});

Deno.test("Query.timeoutSec() counts inf as 60 and -inf as 0, in any case", () => {
  for (const value of ["inf", "INF", "Inf", "%2Binf", "infinity", "Infinity"]) {
    assertEquals(query(`timeout=${value}`).timeoutSec(), 60, value);
  }
  for (const value of ["-inf", "-INF", "-infinity", "-Infinity"]) {
    assertEquals(query(`timeout=${value}`).timeoutSec(), 0, value);
  }
});

Deno.test("Query.timeoutSec() refuses what is not a number", () => {
  for (const value of ["abc", "nan", "NaN", "5s", "%20", "1,5", "infinite"]) {
    assertInvalid(
      () => query(`timeout=${value}`).timeoutSec(),
      "timeout must be a number",
    );
  }
});
