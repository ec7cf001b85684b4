import { assert, assertEquals, assertRejects } from "../../_assert.ts";
import { RateLimitedError } from "../../../src/errors.ts";
import { RateLimiter } from "../../../src/hub/rate_limit.ts";

function refused(limiter: RateLimiter, agent: string): RateLimitedError {
  try {
    limiter.take(agent);
  } catch (error) {
    assert(error instanceof RateLimitedError, `got ${error}`);
    return error;
  }
  throw new Error(`${agent} was not refused`);
}

Deno.test("RateLimiter.take() allows a burst, then refuses with the seconds until the next token", () => {
  let now = 1_000_000;
  const limiter = new RateLimiter({ perSec: 0.25, burst: 3, now: () => now });
  for (let i = 0; i < 3; i++) limiter.take("a");
  const error = refused(limiter, "a");
  assertEquals(error.retryAfterSec, 4);
  // Other agents have buckets of their own.
  limiter.take("b");
  now += 3_000;
  assertEquals(refused(limiter, "a").retryAfterSec, 1);
  now += 1_000;
  limiter.take("a");
  assertEquals(refused(limiter, "a").retryAfterSec, 4);
});

Deno.test("RateLimiter.take() refills at the rate but never beyond the burst", () => {
  let now = 0;
  const limiter = new RateLimiter({ perSec: 10, burst: 5, now: () => now });
  for (let i = 0; i < 5; i++) limiter.take("a");
  now += 60_000;
  for (let i = 0; i < 5; i++) limiter.take("a");
  assertEquals(refused(limiter, "a").retryAfterSec, 1);
});

Deno.test("RateLimiter with perSec 0 is off and describes itself as null", async () => {
  const limiter = new RateLimiter({ perSec: 0, burst: 1 });
  for (let i = 0; i < 10_000; i++) limiter.take("a");
  assertEquals(limiter.describe(), null);
  assertEquals(
    new RateLimiter({ perSec: 2, burst: 7 }).describe(),
    { posts_per_sec: 2, burst: 7 },
  );
  await assertRejects(() =>
    Promise.resolve().then(() => {
      const strict = new RateLimiter({ perSec: 1, burst: 1 });
      strict.take("x");
      strict.take("x");
    })
  );
});
