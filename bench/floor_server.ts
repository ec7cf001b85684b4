// deno-lint-ignore-file no-console
/**
 * A calibration server for `bench/load.ts`: the least a Deno hub can do.
 *
 * ```sh
 * deno run --allow-net bench/floor_server.ts [--port 0]
 * deno run --allow-net --allow-read --allow-write bench/floor_server.ts --stack FILE
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
 * With `--stack FILE` it is the floor of a hub built on our stack instead
 * (`bench/memory.ts` uses it): the same routes go through a Hono router, and
 * each post is inserted into a `node:sqlite` database at FILE (WAL mode) with
 * one prepared statement. Still no validation, sessions or notifier rules.
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

function flag(name: string): string | undefined {
  const at = Deno.args.indexOf(name);
  return at >= 0 ? Deno.args[at + 1] : undefined;
}

const port = Number(flag("--port") ?? 0);
const stackFile = flag("--stack");
/** Stores one posted message; replaced by an SQLite insert with `--stack`. */
let store = (_message: Record<string, unknown>) => {};

async function handle(req: Request, pathname: string): Promise<Response> {
  switch (pathname) {
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
      store(message);
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
}

async function stackHandler(
  file: string,
): Promise<(req: Request) => Response | Promise<Response>> {
  const { DatabaseSync } = await import("node:sqlite");
  const { Hono } = await import("hono");
  const db = new DatabaseSync(file);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec(
    "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, channel TEXT, body TEXT)",
  );
  const last = db.prepare("SELECT MAX(id) AS id FROM messages").get();
  nextId = Number(last?.["id"] ?? 0) + 1;
  const insert = db.prepare(
    "INSERT INTO messages (id, channel, body) VALUES (?, ?, ?)",
  );
  store = (m) =>
    insert.run(m["id"] as number, String(m["channel"]), String(m["body"]));
  const app = new Hono();
  for (const path of ["/v1/hub-info", "/v1/events", "/v1/stream"]) {
    app.get(path, (c) => handle(c.req.raw, path));
  }
  for (const path of ["/v1/sessions", "/v1/channels", "/v1/messages"]) {
    app.post(path, (c) => handle(c.req.raw, path));
  }
  app.notFound(() => json({ ok: false, error: "not found" }, 404));
  return app.fetch;
}

const handler = stackFile
  ? await stackHandler(stackFile)
  : (req: Request) => handle(req, new URL(req.url).pathname);
const server = Deno.serve(
  { hostname: "127.0.0.1", port, onListen: () => {} },
  handler,
);
console.log(`floor server listening on http://127.0.0.1:${server.addr.port}`);
