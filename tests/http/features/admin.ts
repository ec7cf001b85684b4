import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { eventually, startHub } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";

Deno.test("/v1/shutdown arms, reports, cancels and fires with notices", async () => {
  await using hub = await startHub({ keepDir: true });
  assertEquals((await hub.api("GET", "/v1/shutdown")).body, {
    ok: true,
    result: null,
  });
  const nothing = await hub.api("POST", "/v1/shutdown/cancel", {});
  assertEquals(nothing.status, 400);
  assertEquals(nothing.body.error, "no shutdown pending");
  assertEquals(
    (await hub.api("POST", "/v1/shutdown", { delay_sec: 3601 })).status,
    400,
  );
  assertEquals(
    (await hub.api("POST", "/v1/shutdown", { delay_sec: -1 })).status,
    400,
  );

  const armed = await hub.api("POST", "/v1/shutdown", { delay_sec: 3600 });
  assertEquals(armed.status, 200);
  assertEquals(armed.body.result.status, "shutdown_initiated");
  assertEquals(armed.body.result.delay_sec, 3600);
  const status = await hub.api("GET", "/v1/shutdown");
  assert(status.body.result.remaining_sec > 3500);
  const again = await hub.api("POST", "/v1/shutdown", {});
  assertEquals(again.status, 400);
  assertEquals(again.body.error, "shutdown already pending");
  const cancelled = await hub.api("POST", "/v1/shutdown/cancel", {});
  assertEquals(cancelled.body.result, { status: "shutdown_cancelled" });
  assertEquals((await hub.api("GET", "/v1/shutdown")).body.result, null);

  // A waiting long-poll is answered when the hub goes down.
  const waiting = hub.api(
    "GET",
    "/v1/events?agent_id=z&since_id=1000&timeout=30",
  );
  await hub.api("POST", "/v1/shutdown", { delay_sec: 1 });
  const code = await eventually(async () => {
    const s = await Promise.race([
      hub.process.status,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 100)),
    ]);
    return s ? { code: s.code } : undefined;
  }, { timeoutMs: 10_000, what: "the hub to exit" });
  assertEquals(code.code, 0);
  const answered = await waiting;
  assertEquals(answered.status, 200);

  await using restarted = await startHub({ dir: hub.dir });
  const feed = await restarted.api("GET", "/v1/messages?channel=general");
  const bodies = feed.body.result.map((m: { body: string }) => m.body);
  assertEquals(bodies, [
    "Hub shutdown initiated. Shutting down in 3600 seconds.",
    "Hub shutdown cancelled.",
    "Hub shutdown initiated. Shutting down in 1 seconds.",
    "Hub is shutting down now.",
  ]);
  assertEquals(feed.body.result[3].metadata, { shutdown: true, final: true });
  await restarted.stop();
  await Deno.remove(hub.dir, { recursive: true });
});

Deno.test("POST /v1/network refuses remote access on a loopback bind", async () => {
  await using hub = await inProcessHub();
  const on = await hub.api("POST", "/v1/network", { allow_remote: true });
  assertEquals(on.status, 400);
  assertStringIncludes(on.body.error, "cannot enable remote access");
  const off = await hub.api("POST", "/v1/network", { allow_remote: false });
  assertEquals(off.body, {
    ok: true,
    result: { allow_remote: false, listen_host: "127.0.0.1" },
  });
  const info = await hub.api("GET", "/v1/hub-info");
  assertEquals(info.body.result.allow_remote, false);
});
