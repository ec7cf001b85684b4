/**
 * Test helpers: start a real hub process on a free port with its own SQLite
 * file in a temporary directory, talk to it over real HTTP, and clean up with
 * `await using`.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { bundleIsFresh } from "../src/cli/build.ts";
import { entryConfigFlags } from "../src/cli/entry.ts";

/** Path of `main.ts`. */
export const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

/** The project's deno.json, so a child resolves imports from any directory. */
export const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));

const BUNDLE = fileURLToPath(new URL("../dist/hub/main.js", import.meta.url));

/**
 * True when the processes tests start run the built hub: `dist/hub/main.js`
 * (what `deno task start` runs; `deno task test` builds it first) is newer
 * than every source. A test file run on its own after an edit, with no
 * build, runs the sources instead, so an edit is never tested stale.
 */
export const BUILT: boolean = await bundleIsFresh(
  fileURLToPath(new URL("..", import.meta.url)),
);

/**
 * What tests start as `arc`: the built hub when it is fresh, else `main.ts`.
 * Pass {@linkcode ENTRY_FLAGS} before it.
 */
export const ENTRY: string = BUILT ? BUNDLE : MAIN;

/**
 * The `deno run` flags {@linkcode ENTRY} runs with, from any working
 * directory: for the bundle no configuration and its one unstable setting,
 * as `arc ensure` starts it; none for the sources (Deno finds the project's
 * deno.json beside main.ts).
 */
export const ENTRY_FLAGS: readonly string[] = BUILT
  ? entryConfigFlags(true)
  : [];

/** A parsed HTTP exchange. */
export interface Reply {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
  headers: Headers;
}

/** Options for {@linkcode startHub}. */
export interface StartHubOptions {
  /** Extra `serve` flags. */
  args?: string[];
  /** Reuse this directory (and its database) instead of a new temp dir. */
  dir?: string;
  /** Keep the directory when the hub is disposed. */
  keepDir?: boolean;
  /** The `--allow-net` value the hub runs with. @default "127.0.0.1" */
  allowNet?: string;
  /**
   * Run on this PostgreSQL URL instead of the SQLite file: it is handed over
   * in `ARC_DATABASE_URL` (never argv) and the database's host:port is added
   * to `--allow-net`.
   */
  database?: string;
}

/**
 * What a test talks to: a hub process ({@linkcode startHub}) or a hub in the
 * test process (`inProcessHub` in `./_harness.ts`).
 */
export interface HubLike {
  /** Base URL (the in-process hub starts listening on first use). */
  readonly url: string;
  dir: string;
  storage: string;
  /** Everything the hub logged so far. */
  output: () => string;
  /** Sends a request (with extra headers) and parses the JSON reply. */
  api(
    method: string,
    path: string,
    body?: unknown,
    headers?: HeadersInit,
  ): Promise<Reply>;
}

/** A running hub process. */
export interface TestHub extends HubLike, AsyncDisposable {
  url: string;
  process: Deno.ChildProcess;
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/** The SQLite file of a test hub whose directory is `dir`. */
export function hubStorage(dir: string): string {
  return `${dir}/arc.sqlite3`;
}

/**
 * The `deno` arguments of `arc serve --port 0` ({@linkcode ENTRY}) on
 * {@linkcode hubStorage}`(dir)`, reading and writing `dir` only, reaching `allowNet`,
 * with `perms` (more permission flags) and `args` (more serve flags).
 */
export function serveArgs(
  dir: string,
  allowNet: string,
  perms: string[],
  args: string[],
): string[] {
  return [
    "run",
    `--allow-net=${allowNet}`,
    ...perms,
    `--allow-read=${dir}`,
    `--allow-write=${dir}`,
    ...ENTRY_FLAGS,
    ENTRY,
    "serve",
    "--port",
    "0",
    "--storage",
    hubStorage(dir),
    ...args,
  ];
}

/** Starts `arc serve --port 0` ({@linkcode ENTRY}) with narrow permissions and waits for its startup line. */
export async function startHub(
  options: StartHubOptions = {},
): Promise<TestHub> {
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "arc-test-" });
  const storage = hubStorage(dir);
  let allowNet = options.allowNet ?? "127.0.0.1";
  const dbArgs: string[] = [];
  const env: Record<string, string> = {};
  if (options.database !== undefined) {
    const db = new URL(options.database);
    allowNet += `,${db.hostname}:${db.port || 5432}`;
    dbArgs.push("--allow-env=ARC_DATABASE_URL");
    env["ARC_DATABASE_URL"] = options.database;
  }
  const command = new Deno.Command(Deno.execPath(), {
    args: serveArgs(dir, allowNet, dbArgs, [
      "--spool-dir",
      `${dir}/spool`,
      ...(options.args ?? []),
    ]),
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env,
  });
  const process = command.spawn();
  let log = "";
  const decoder = new TextDecoder();
  let resolveUrl: (url: string) => void;
  let rejectUrl: (error: Error) => void;
  const urlPromise = new Promise<string>((res, rej) => {
    resolveUrl = res;
    rejectUrl = rej;
  });
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      log += decoder.decode(chunk, { stream: true });
      const match = log.match(/arc listening on (http:\/\/[^\s]+)/);
      if (match) resolveUrl(match[1]!);
    }
  };
  const pumps = Promise.all([pump(process.stdout), pump(process.stderr)]);
  const status = process.status;
  // The exit can be seen before the last of the output is read: report it
  // with everything the process wrote.
  status.then(async (s) => {
    await pumps;
    rejectUrl(new Error(`hub exited (${s.code}):\n${log}`));
  });
  const timer = setTimeout(
    () => rejectUrl(new Error(`hub did not start in 20 s:\n${log}`)),
    20_000,
  );
  let url: string;
  try {
    url = await urlPromise;
  } catch (error) {
    if (!options.dir) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
  let stopped: Promise<number> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      try {
        process.kill("SIGTERM");
      } catch { /* already gone */ }
      const s = await status;
      await pumps;
      return s.code;
    })();
    return stopped;
  };
  return {
    url,
    dir,
    storage,
    process,
    output: () => log,
    api: (method, path, body, headers) =>
      request(url, method, path, body, headers),
    stop,
    async kill() {
      try {
        process.kill("SIGKILL");
      } catch { /* already gone */ }
      await status;
      await pumps;
      stopped ??= Promise.resolve(137);
    },
    async [Symbol.asyncDispose]() {
      await stop();
      if (!options.keepDir && !options.dir) {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  };
}

/** One JSON request to a hub. */
export async function request(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: HeadersInit = {},
): Promise<Reply> {
  return await exchange(
    (init) => fetch(`${base}${path}`, init),
    method,
    body,
    headers,
  );
}

/**
 * Sends a JSON body (strings and bytes as they are) through `send` and parses
 * the reply; `send` is `fetch` for a process, `app.request` in-process.
 */
export async function exchange(
  send: (init: RequestInit) => Promise<Response>,
  method: string,
  body?: unknown,
  headers: HeadersInit = {},
): Promise<Reply> {
  const init: RequestInit = { method, headers: new Headers(headers) };
  if (body !== undefined) {
    init.body = typeof body === "string"
      ? body
      : body instanceof Uint8Array
      ? new Uint8Array(body)
      : JSON.stringify(body);
    (init.headers as Headers).set("content-type", "application/json");
  }
  const res = await send(init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Sends a request and fails loudly unless the hub answered 2xx. */
export async function must(
  hub: HubLike,
  method: string,
  path: string,
  body?: unknown,
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  const reply = await hub.api(method, path, body);
  if (reply.status >= 300 || reply.body?.ok !== true) {
    throw new Error(
      `${method} ${path} answered ${reply.status}: ${
        JSON.stringify(reply.body)
      }`,
    );
  }
  return reply.body.result;
}

/** Polls `fn` until it returns a truthy value or the time runs out. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  { timeoutMs = 10_000, stepMs = 50, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Opens an SSE stream and yields parsed `data:` events and comment lines. */
export async function openStream(
  url: string,
  signal: AbortSignal,
): Promise<
  {
    response: Response;
    // deno-lint-ignore no-explicit-any
    next(): Promise<{ data?: any; comment?: string } | undefined>;
  }
> {
  const response = await fetch(url, { signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream())
    .getReader();
  let buffer = "";
  return {
    response,
    async next() {
      while (true) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(":")) return { comment: block.slice(1).trim() };
          const data = block.split("\n").filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5).trim()).join("\n");
          return { data: JSON.parse(data) };
        }
        const { done, value } = await reader.read();
        if (done) return undefined;
        buffer += value;
      }
    },
  };
}
