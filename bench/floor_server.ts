// deno-lint-ignore-file no-console
/**
 * A calibration server for `bench/load.ts`: the least a Deno hub can do.
 *
 * ```sh
 * deno run --allow-net bench/floor_server.ts [--port 0]
 * ```
 *
 * It speaks just enough of the protocol for `load.ts` and `throughput.ts`:
 * sessions and channels (accepted and forgotten), posts, long-polls on
 * `/v1/events`, SSE on `/v1/stream` and `/v1/hub-info`. It has no database,
 * no router and no validation, and a post wakes every waiter with the message
 * it already holds in memory. Run a bench against it on the same machine to
 * see how much of a figure comes from `Deno.serve`, the kernel and the bench
 * client itself, and how much from the hub. It is not a hub, and nothing is
 * stored.
 *
 * @module
 */

const encoder = new TextEncoder();
let nextId = 1;
let waiters: ((message: Record<string, unknown>) => void)[] = [];

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function nextMessage(): Promise<Record<string, unknown>> {
  return new Promise((resolve) => waiters.push(resolve));
}

const portArg = Deno.args.indexOf("--port");
const port = portArg >= 0 ? Number(Deno.args[portArg + 1]) : 0;

const server = Deno.serve(
  { hostname: "127.0.0.1", port, onListen: () => {} },
  async (req) => {
    const url = new URL(req.url);
    switch (url.pathname) {
      case "/v1/hub-info":
        return json({
          ok: true,
          result: {
            implementation: "floor-server",
            implementation_version: "0",
          },
        });
      case "/v1/sessions":
      case "/v1/channels":
        await req.body?.cancel();
        return json({ ok: true, result: {} }, 201);
      case "/v1/messages": {
        const body = await req.json() as Record<string, unknown>;
        const message = { id: nextId++, ...body };
        const wake = waiters;
        waiters = [];
        for (const w of wake) w(message);
        return json({ ok: true, result: message }, 201);
      }
      case "/v1/events":
        return json({ ok: true, result: [await nextMessage()] });
      case "/v1/stream": {
        let gone = false;
        req.signal.addEventListener("abort", () => (gone = true));
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(encoder.encode(": connected\n\n"));
          },
          async pull(controller) {
            const message = await nextMessage();
            if (gone) return controller.close();
            controller.enqueue(
              encoder.encode(`data: ${JSON.stringify(message)}\n\n`),
            );
          },
        });
        return new Response(body, {
          headers: { "content-type": "text/event-stream" },
        });
      }
      default:
        return json({ ok: false, error: "not found" }, 404);
    }
  },
);
console.log(`floor server listening on http://127.0.0.1:${server.addr.port}`);
