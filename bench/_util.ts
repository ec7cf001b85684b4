/**
 * Helpers shared by the benchmarks (`load.ts`, `peers.ts`, `read_cost.ts`,
 * `memory.ts`, `cpu_ab.ts`): timing and statistics, servers started and
 * stopped for a run, hand-written HTTP/1.1 over
 * `Deno.connect` (so no connection pool can share a socket), long-poll and
 * stream clients, and the hub's process figures from `/proc`.
 *
 * @module
 */

/** Default deadline of a control request (registration, posts), in ms. */
const CONTROL_TIMEOUT_MS = 15_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
  );
  return sorted[idx] ?? null;
}

export function median(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  return percentile(v, 50);
}

export function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return `${err.name}: ${err.message}`;
}

export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

// ── raw HTTP/1.1 over one TCP connection ───────────────────────────────

export interface Target {
  hostname: string;
  port: number;
  host: string;
}

export function targetOf(url: string): Target {
  const u = new URL(url);
  return {
    hostname: u.hostname.replace(/^\[|\]$/g, ""),
    port: Number(u.port || (u.protocol === "https:" ? 443 : 80)),
    host: u.host,
  };
}

export function requestBytes(
  t: Target,
  method: string,
  path: string,
  body?: string,
): Uint8Array {
  const payload = body === undefined ? new Uint8Array() : encoder.encode(body);
  let head =
    `${method} ${path} HTTP/1.1\r\nHost: ${t.host}\r\nAccept: */*\r\nConnection: close\r\n`;
  if (body !== undefined) {
    head +=
      `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n`;
  }
  const headBytes = encoder.encode(head + "\r\n");
  const out = new Uint8Array(headBytes.length + payload.length);
  out.set(headBytes);
  out.set(payload, headBytes.length);
  return out;
}

export async function writeAll(
  conn: Deno.Conn,
  data: Uint8Array,
): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

/** Connects with a deadline; a connection that completes late is closed. */
export async function connectTcp(
  t: Target,
  timeoutMs: number,
): Promise<Deno.TcpConn> {
  const pending = Deno.connect({ hostname: t.hostname, port: t.port });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TimeoutError(`connect timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([pending, timeout]);
  } catch (err) {
    pending.then((c) => c.close(), () => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function findHeaderEnd(buf: Uint8Array): number {
  for (let i = 3; i < buf.length; i++) {
    if (
      buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 &&
      buf[i - 3] === 13
    ) return i + 1;
  }
  return -1;
}

export interface Head {
  status: number;
  headers: Map<string, string>;
}

function parseHead(bytes: Uint8Array): Head {
  const lines = decoder.decode(bytes).split("\r\n");
  const status = Number((lines[0] ?? "").split(" ")[1]);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) {
      headers.set(
        line.slice(0, i).trim().toLowerCase(),
        line.slice(i + 1).trim(),
      );
    }
  }
  return { status, headers };
}

/** Decodes a chunked body; `done` once the last chunk has arrived. */
function dechunk(buf: Uint8Array): { done: boolean; body: Uint8Array } {
  const parts: Uint8Array[] = [];
  let off = 0;
  while (true) {
    let eol = -1;
    for (let i = off; i + 1 < buf.length; i++) {
      if (buf[i] === 13 && buf[i + 1] === 10) {
        eol = i;
        break;
      }
    }
    if (eol < 0) break;
    const size = parseInt(decoder.decode(buf.subarray(off, eol)), 16);
    if (!Number.isFinite(size)) break;
    if (size === 0) {
      return { done: true, body: parts.reduce(concat, new Uint8Array()) };
    }
    if (eol + 2 + size + 2 > buf.length) break;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    off = eol + 2 + size + 2;
  }
  return { done: false, body: parts.reduce(concat, new Uint8Array()) };
}

export interface RawResponse extends Head {
  body: string;
}

/** Reads one whole response (content-length, chunked or until EOF). */
export async function readResponse(conn: Deno.Conn): Promise<RawResponse> {
  let buf: Uint8Array<ArrayBuffer> = new Uint8Array();
  const chunk = new Uint8Array(64 * 1024);
  let head: Head | undefined;
  let bodyStart = -1;
  while (true) {
    const n = await conn.read(chunk);
    if (n !== null) buf = concat(buf, chunk.subarray(0, n));
    if (!head) {
      const end = findHeaderEnd(buf);
      if (end >= 0) {
        head = parseHead(buf.subarray(0, end));
        bodyStart = end;
      }
    }
    if (head) {
      const rest = buf.subarray(bodyStart);
      const length = head.headers.get("content-length");
      if (length !== undefined && rest.length >= Number(length)) {
        return {
          ...head,
          body: decoder.decode(rest.subarray(0, Number(length))),
        };
      }
      if (/chunked/i.test(head.headers.get("transfer-encoding") ?? "")) {
        const d = dechunk(rest);
        if (d.done) return { ...head, body: decoder.decode(d.body) };
      }
      if (n === null) return { ...head, body: decoder.decode(rest) };
    }
    if (n === null) throw new Error("connection closed before the response");
  }
}

/** One request on a fresh connection, with a deadline for the whole exchange. */
export async function rawRequest(
  t: Target,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = CONTROL_TIMEOUT_MS,
): Promise<RawResponse> {
  const started = performance.now();
  const conn = await connectTcp(t, timeoutMs);
  const left = Math.max(1, timeoutMs - (performance.now() - started));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      conn.close();
    } catch { /* already closed */ }
  }, left);
  try {
    await writeAll(
      conn,
      requestBytes(
        t,
        method,
        path,
        body === undefined ? undefined : JSON.stringify(body),
      ),
    );
    return await readResponse(conn);
  } catch (err) {
    if (timedOut) {
      throw new TimeoutError(
        `${method} ${path} timed out after ${timeoutMs} ms`,
      );
    }
    throw err;
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* already closed */ }
  }
}

export async function callJson(
  t: Target,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const res = await rawRequest(t, method, path, body);
  let env: { ok?: unknown; result?: unknown; error?: unknown };
  try {
    env = JSON.parse(res.body);
  } catch {
    throw new Error(`${method} ${path}: HTTP ${res.status}, non-JSON body`);
  }
  if (res.status >= 300 || env.ok !== true) {
    throw new Error(
      `${method} ${path}: HTTP ${res.status}: ${String(env.error ?? res.body)}`,
    );
  }
  return env.result;
}

export async function postBroadcast(t: Target, body: string): Promise<number> {
  const result = await callJson(t, "POST", "/v1/messages", {
    from_agent: "load-poster",
    channel: "general",
    body,
  }) as { id?: unknown };
  if (typeof result?.id !== "number") throw new Error("post returned no id");
  return result.id;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
}

/** The message ids in a JSON text, whatever the separators. */
function idsIn(text: string, prefix = ""): number[] {
  const re = new RegExp(`${prefix}\\{"id":\\s*(\\d+)`, "g");
  return [...text.matchAll(re)].map((m) => Number(m[1]));
}

// ── held agents ─────────────────────────────────────────────────────────

/** A long-poll parked on its own connection. */
export class LongPoll {
  connectedAt = NaN;
  answeredAt = NaN;
  status = 0;
  ids: number[] = [];
  error: string | null = null;
  readonly ready: Promise<boolean>;
  readonly done: Promise<void>;
  #conn: Deno.TcpConn | undefined;
  #closed = false;

  constructor(t: Target, path: string, connectTimeoutMs: number) {
    let markReady: (ok: boolean) => void = () => {};
    this.ready = new Promise((resolve) => (markReady = resolve));
    this.done = (async () => {
      try {
        const conn = await connectTcp(t, connectTimeoutMs);
        this.#conn = conn;
        if (this.#closed) throw new Error("closed by the bench");
        await writeAll(conn, requestBytes(t, "GET", path));
        this.connectedAt = performance.now();
        markReady(true);
        const res = await readResponse(conn);
        this.answeredAt = performance.now();
        this.status = res.status;
        this.ids = idsIn(res.body);
        if (res.status !== 200) {
          this.error = `HTTP ${res.status}: ${res.body.slice(0, 120)}`;
        }
      } catch (err) {
        if (!this.#closed) this.error ??= describe(err);
      } finally {
        markReady(false);
        this.close();
      }
    })();
  }

  close(): void {
    this.#closed = true;
    try {
      this.#conn?.close();
    } catch { /* already closed */ }
  }
}

/** An SSE stream read as it arrives; remembers when each message id was seen. */
export class Stream {
  connectedAt = NaN;
  error: string | null = null;
  readonly ready: Promise<boolean>;
  readonly seen = new Map<number, number>();
  #conn: Deno.TcpConn | undefined;
  #closed = false;
  #waiters = new Map<number, () => void>();

  constructor(t: Target, path: string, connectTimeoutMs: number) {
    let markReady: (ok: boolean) => void = () => {};
    this.ready = new Promise((resolve) => (markReady = resolve));
    (async () => {
      try {
        const conn = await connectTcp(t, connectTimeoutMs);
        this.#conn = conn;
        if (this.#closed) throw new Error("closed by the bench");
        await writeAll(conn, requestBytes(t, "GET", path));
        const chunk = new Uint8Array(16 * 1024);
        let buf: Uint8Array<ArrayBuffer> = new Uint8Array();
        let end = -1;
        while (end < 0) {
          const n = await conn.read(chunk);
          if (n === null) throw new Error("stream closed before its headers");
          buf = concat(buf, chunk.subarray(0, n));
          end = findHeaderEnd(buf);
        }
        const head = parseHead(buf.subarray(0, end));
        if (head.status !== 200) throw new Error(`HTTP ${head.status}`);
        this.connectedAt = performance.now();
        markReady(true);
        let partial = decoder.decode(buf.subarray(end), { stream: true });
        partial = this.#lines(partial);
        while (true) {
          const n = await conn.read(chunk);
          if (n === null) {
            if (!this.#closed) this.error ??= "stream ended by the hub";
            break;
          }
          partial = this.#lines(
            partial + decoder.decode(chunk.subarray(0, n), { stream: true }),
          );
        }
      } catch (err) {
        if (!this.#closed) this.error ??= describe(err);
      } finally {
        markReady(false);
        this.close();
        for (const wake of this.#waiters.values()) wake();
      }
    })();
  }

  /** Records the ids of complete `data:` lines; returns the unfinished tail. */
  #lines(text: string): string {
    const cut = text.lastIndexOf("\n");
    if (cut < 0) return text;
    const now = performance.now();
    for (const id of idsIn(text.slice(0, cut), "data: ")) {
      if (!this.seen.has(id)) this.seen.set(id, now);
      this.#waiters.get(id)?.();
    }
    return text.slice(cut + 1);
  }

  /** Resolves with the arrival time of message `id`, or NaN. */
  waitFor(id: number, timeoutMs: number): Promise<number> {
    const have = this.seen.get(id);
    if (have !== undefined) return Promise.resolve(have);
    if (this.#closed) return Promise.resolve(NaN);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(), timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.#waiters.delete(id);
        resolve(this.seen.get(id) ?? NaN);
      };
      this.#waiters.set(id, finish);
    });
  }

  close(): void {
    this.#closed = true;
    try {
      this.#conn?.close();
    } catch { /* already closed */ }
  }
}

// ── the hub process ─────────────────────────────────────────────────────

export interface ProcStats {
  rssMb: number;
  threads: number;
}

export async function procStats(
  pid: number | undefined,
): Promise<ProcStats | null> {
  if (pid === undefined) return null;
  try {
    const text = await Deno.readTextFile(`/proc/${pid}/status`);
    const kb = Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? NaN);
    const threads = Number(/Threads:\s+(\d+)/.exec(text)?.[1] ?? NaN);
    return { rssMb: round(kb / 1024, 1), threads };
  } catch {
    return null;
  }
}

export async function fdCount(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    let n = 0;
    for await (const _ of Deno.readDir(`/proc/${pid}/fd`)) n++;
    return n;
  } catch {
    return null;
  }
}

/** utime + stime of the process in milliseconds (assumes CLK_TCK = 100). */
export async function cpuMs(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const text = await Deno.readTextFile(`/proc/${pid}/stat`);
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

export async function findPid(port: number): Promise<number | undefined> {
  try {
    const out = await new Deno.Command("ss", {
      args: ["-Hltnp", `sport = :${port}`],
      stdout: "piped",
      stderr: "null",
    }).output();
    const m = /pid=(\d+)/.exec(decoder.decode(out.stdout));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** A server under measurement, started by {@linkcode startServer}. */
export interface Server {
  name: string;
  url: string;
  pid: number;
  child: Deno.ChildProcess;
  log: () => string;
}

/**
 * Starts `cmd args` in `cwd`; the URL comes from the first group of `ready`
 * matched in its output, or is `ready` itself. Resolves once the server
 * answers `GET /v1/hub-info`.
 */
export async function startServer(
  name: string,
  cmd: string,
  args: string[],
  ready: RegExp | string,
  cwd: string,
): Promise<Server> {
  const child = new Deno.Command(cmd, {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  const decoder = new TextDecoder();
  let found: (url: string) => void;
  const urlPromise = new Promise<string>((resolve) => (found = resolve));
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      log += decoder.decode(chunk, { stream: true });
      const m = typeof ready === "string" ? null : ready.exec(log);
      if (m) found(m[1]!);
    }
  };
  void pump(child.stdout);
  void pump(child.stderr);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const url = typeof ready === "string" ? ready : await Promise.race([
    urlPromise,
    child.status.then((s) => {
      throw new Error(`${name} exited (${s.code}):\n${log}`);
    }),
    new Promise<never>((_, reject) =>
      timer = setTimeout(
        () => reject(new Error(`${name} did not start in 30 s:\n${log}`)),
        30_000,
      )
    ),
  ]).finally(() => clearTimeout(timer));
  const server = { name, url, pid: child.pid, child, log: () => log };
  // Ready means answering, not just listening.
  for (let i = 0; i < 300; i++) {
    try {
      const res = await fetch(`${url}/v1/hub-info`);
      await res.body?.cancel();
      if (res.ok) return server;
    } catch { /* not up yet */ }
    await sleep(100);
  }
  throw new Error(`${name} did not answer at ${url}:\n${log}`);
}

/**
 * Starts our hub as a benchmark runs it: `deno run flags entry serve` in
 * `cwd` on port 0, storage and spool under `dir/name` (which must exist), the
 * network on loopback only, rate limit off, presence kept for an hour.
 */
export function startBenchHub(
  name: string,
  flags: readonly string[],
  entry: readonly string[],
  dir: string,
  cwd: string,
): Promise<Server> {
  return startServer(
    name,
    Deno.execPath(),
    [
      "run",
      ...flags,
      "--allow-net=127.0.0.1",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      ...entry,
      "serve",
      ...["--port", "0", "--quiet"],
      ...["--storage", `${dir}/${name}/arc.sqlite3`],
      ...["--spool-dir", `${dir}/${name}/spool`],
      ...["--presence-ttl", "3600", "--rate-limit", "0"],
    ],
    /arc listening on (http:\/\/\S+)/,
    cwd,
  );
}

/** Stops a server started by {@linkcode startServer} and waits for it to exit. */
export async function stopServer(server: Server): Promise<void> {
  try {
    server.child.kill("SIGTERM");
  } catch { /* already gone */ }
  await server.child.status;
}

/** Posts one broadcast as `bench-<i % 8>` to `general`; throws unless it is stored. */
export async function postOne(
  url: string,
  i: number,
  client: Deno.HttpClient,
): Promise<void> {
  const res = await fetch(`${url}/v1/messages`, {
    client,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      from_agent: `bench-${i % 8}`,
      channel: "general",
      body: `memory bench message ${i}`,
    }),
  });
  const text = await res.text();
  if (res.status !== 201 && res.status !== 200) {
    throw new Error(`POST /v1/messages: HTTP ${res.status}: ${text}`);
  }
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length))
  );
  const line = (cells: string[]) =>
    cells.map((c, i) =>
      i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)
    ).join("  ");
  return [
    line(headers),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map(line),
  ].join("\n");
}
