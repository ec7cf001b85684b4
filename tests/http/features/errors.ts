/**
 * `respondToError()`, the one place a thrown error becomes the
 * `{ok: false, error}` response: a Request in, the Response checked, no
 * socket.
 */
import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import {
  ConflictError,
  ForbiddenError,
  IdExhaustedError,
  NotFoundError,
  RateLimitedError,
  StorageUnavailableError,
  UnauthorizedError,
  ValidationError,
} from "../../../src/errors.ts";
import { respondToError } from "../../../src/http/errors.ts";

const REQUEST = new Request("http://127.0.0.1:6969/v1/claims?x=1", {
  method: "POST",
});

function answer(error: unknown, logged: string[] = []): Response {
  return respondToError(error, REQUEST, {
    instanceId: "inst-1",
    log: (line) => logged.push(line),
  });
}

Deno.test("respondToError() answers each hub error class with its status, the envelope and X-Arc-Instance", async () => {
  const cases: [Error, number][] = [
    [new ValidationError("bad field"), 400],
    [new UnauthorizedError("who are you"), 401],
    [new ForbiddenError("not for you"), 403],
    [new NotFoundError("no such thing"), 404],
    [new ConflictError("taken"), 409],
    [new RateLimitedError("slow down", 3), 429],
    [new IdExhaustedError("ids used up"), 500],
    [new StorageUnavailableError("disk full"), 503],
  ];
  for (const [error, status] of cases) {
    const logged: string[] = [];
    const res = answer(error, logged);
    assertEquals(res.status, status, error.name);
    assertEquals(res.headers.get("x-arc-instance"), "inst-1", error.name);
    assertStringIncludes(
      res.headers.get("content-type") ?? "",
      "application/json",
    );
    const body = await res.json();
    assertEquals(body.ok, false, error.name);
    assertEquals(body.error, error.message, error.name);
    assertEquals(logged, [], `${error.name} is expected, not logged`);
  }
});

Deno.test("respondToError() adds www-authenticate to a 401 and retry-after to a 429, and nothing else elsewhere", async () => {
  const unauthorized = answer(new UnauthorizedError("send the token"));
  assertEquals(
    unauthorized.headers.get("www-authenticate"),
    'Bearer realm="arc"',
  );
  assertEquals(unauthorized.headers.get("retry-after"), null);
  assertEquals(await unauthorized.json(), {
    ok: false,
    error: "send the token",
  });

  const limited = answer(new RateLimitedError("posting too fast", 7));
  assertEquals(limited.headers.get("retry-after"), "7");
  assertEquals(limited.headers.get("www-authenticate"), null);
  assertEquals(await limited.json(), {
    ok: false,
    error: "posting too fast",
    arcdeno: { retry_after_sec: 7 },
  });

  const conflict = answer(new ConflictError("taken"));
  assertEquals(conflict.headers.get("www-authenticate"), null);
  assertEquals(conflict.headers.get("retry-after"), null);
});

Deno.test("respondToError() answers a RangeError with 400 and anything unknown with a plain, logged 500", async () => {
  const deep = answer(new RangeError("Maximum call stack size exceeded"));
  assertEquals(deep.status, 400);
  assertEquals(
    (await deep.json()).error,
    "request could not be processed: Maximum call stack size exceeded",
  );

  const logged: string[] = [];
  const bug = answer(new TypeError("secret detail"), logged);
  assertEquals(bug.status, 500);
  assertEquals(bug.headers.get("x-arc-instance"), "inst-1");
  assertEquals(await bug.json(), { ok: false, error: "internal error" });
  assertEquals(logged.length, 1);
  assert(
    logged[0]!.startsWith("unexpected error on POST /v1/claims: TypeError"),
    logged[0],
  );

  const thrownString = answer("not an Error", logged);
  assertEquals(thrownString.status, 500);
  assertEquals(logged.length, 2);
});
