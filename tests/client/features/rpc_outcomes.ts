/**
 * RPC outcomes, progress and cancellation through the client against a real
 * hub process: failures and refusals reject at once, cancellation reaches
 * the callee's handler, a callee whose session ends rejects the call, and
 * progress arrives in order.
 */
import { assert, assertEquals, assertRejects } from "../../_assert.ts";
import type { HubLike } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { ArcClient, type Message, RpcError } from "../../../src/client/mod.ts";

async function agents(hub: HubLike) {
  const lead = new ArcClient({ agentId: "lead", baseUrl: hub.url });
  const worker = new ArcClient({ agentId: "worker", baseUrl: hub.url });
  await lead.register();
  await worker.register();
  return { lead, worker };
}

/** The worker's next task_request. */
async function nextRequest(worker: ArcClient): Promise<Message> {
  while (true) {
    for (const m of await worker.poll({ timeoutSec: 10 })) {
      if (m.kind === "task_request") return m;
    }
  }
}

Deno.test("ArcClient.call() rejects at once with the callee's reason when it fails or rejects", async () => {
  await using hub = await inProcessHub();
  const { lead, worker } = await agents(hub);
  try {
    for (const outcome of ["failed", "rejected"] as const) {
      const serving = (async () => {
        const request = await nextRequest(worker);
        if (outcome === "failed") await worker.fail(request, "disk full");
        else await worker.reject(request, "not my job");
      })();
      const started = Date.now();
      const error = await assertRejects(() =>
        lead.call("worker", "build", { timeoutMs: 20_000 })
      );
      await serving;
      assert(error instanceof RpcError, String(error));
      assertEquals(error.outcome, outcome);
      assertEquals(
        error.reason,
        outcome === "failed" ? "disk full" : "not my job",
      );
      assertEquals(error.result?.kind, "task_result");
      assert(Date.now() - started < 5_000, "waited for the timeout");
      // The hub completed the request as for any result.
      const task = (await lead.listTasks({})).find((t) =>
        t.task_id === error.requestId
      );
      assertEquals(task?.status, "done");
    }
    // A handler that throws fails the request with its message.
    const serving = (async () => {
      await worker.handle(await nextRequest(worker), () => {
        throw new Error("tests are red");
      });
    })();
    const error = await assertRejects(() =>
      lead.call("worker", "test", { timeoutMs: 20_000 })
    );
    await serving;
    assert(error instanceof RpcError);
    assertEquals([error.outcome, error.reason], ["failed", "tests are red"]);
  } finally {
    await lead.close();
    await worker.close();
  }
});

Deno.test("ArcClient.call() delivers progress in order, then the answer", async () => {
  await using hub = await inProcessHub();
  const { lead, worker } = await agents(hub);
  try {
    const serving = (async () => {
      await worker.handle(
        await nextRequest(worker),
        async (_request, { progress }) => {
          for (let step = 1; step <= 5; step++) {
            await progress(`step ${step}`);
          }
          return "done";
        },
      );
    })();
    const seen: string[] = [];
    const answer = await lead.call("worker", "long job", {
      timeoutMs: 20_000,
      onProgress: (update) => seen.push(update.body),
    });
    await serving;
    assertEquals(seen, ["step 1", "step 2", "step 3", "step 4", "step 5"]);
    assertEquals(answer.body, "done");
  } finally {
    await lead.close();
    await worker.close();
  }
});

Deno.test("ArcClient.call() cancelled by its signal aborts the callee's handler", async () => {
  await using hub = await inProcessHub();
  const { lead, worker } = await agents(hub);
  try {
    let handlerSawAbort: unknown;
    const serving = (async () => {
      return await worker.handle(
        await nextRequest(worker),
        async (_request, { signal, progress }) => {
          await progress("working");
          await new Promise<void>((resolve) => {
            signal.addEventListener("abort", () => resolve(), { once: true });
          });
          handlerSawAbort = signal.reason;
          return "too late";
        },
      );
    })();
    const controller = new AbortController();
    const call = lead.call("worker", "long job", {
      timeoutMs: 20_000,
      signal: controller.signal,
      onProgress: () => controller.abort(new Error("changed my mind")),
    });
    const error = await assertRejects(() => call);
    assertEquals((error as Error).message, "changed my mind");
    const result = await serving;
    assert(handlerSawAbort instanceof RpcError);
    assertEquals(handlerSawAbort.outcome, "cancelled");
    assertEquals(handlerSawAbort.reason, "changed my mind");
    assertEquals(
      (result.metadata["arcdeno"] as Record<string, unknown>)["outcome"],
      "cancelled",
    );
  } finally {
    await lead.close();
    await worker.close();
  }
});

Deno.test("ArcClient.call() rejects promptly when the callee deletes its session", async () => {
  await using hub = await inProcessHub();
  const { lead, worker } = await agents(hub);
  try {
    const leaving = (async () => {
      await nextRequest(worker);
      await worker.close();
    })();
    const started = Date.now();
    const error = await assertRejects(() =>
      lead.call("worker", "build", { timeoutMs: 30_000, calleeCheckMs: 200 })
    );
    await leaving;
    assert(error instanceof RpcError, String(error));
    assertEquals(error.outcome, "callee_gone");
    assert(Date.now() - started < 5_000, "noticed too late");
  } finally {
    await lead.close();
  }
});

Deno.test("ArcClient.call() rejects when the callee's presence expires", async () => {
  await using hub = await inProcessHub({ args: ["--presence-ttl", "5"] });
  const { lead, worker } = await agents(hub);
  try {
    // The worker reads the request, then falls silent.
    const reading = nextRequest(worker);
    const started = Date.now();
    const rejected = assertRejects(() =>
      lead.call("worker", "build", { timeoutMs: 30_000, calleeCheckMs: 250 })
    );
    await reading;
    // Past the TTL: the sweep expires the silent worker.
    await hub.advance(6_000);
    const error = await rejected;
    assert(error instanceof RpcError, String(error));
    assertEquals(error.outcome, "callee_gone");
    const took = Date.now() - started;
    assert(took < 12_000, `noticed after ${took} ms`);
  } finally {
    await lead.close();
  }
});
