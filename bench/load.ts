// deno-lint-ignore-file no-console
/**
 * Many agents held on one hub at once: long-polls and SSE streams.
 *
 * ```sh
 * deno run -A bench/load.ts \
 *   --url http://127.0.0.1:7001 [--url http://127.0.0.1:7002] \
 *   [--pid P ...] [--agents 1000] [--sweep 10,100,250,500,1000] [--rounds 1] \
 *   [--probes 20] [--out load.json] [--json]
 * ```
 *
 * For every hub (one after another, never at the same time) and every agent
 * count N of the sweep, the bench:
 *
 * 1. registers 2N fresh agents with `POST /v1/sessions` (skip with
 *    `--no-sessions`) and posts one baseline message to `general`, whose id
 *    becomes `since_id`;
 * 2. opens, all at once, N long-polls
 *    `GET /v1/events?agent_id=…&since_id=<baseline>&timeout=30` and N SSE
 *    streams `GET /v1/stream?agent_id=…&since_id=<baseline>`, each on its own
 *    TCP connection (raw HTTP/1.1 over `Deno.connect`, so no pool can share a
 *    socket). "Connected" means, for a long-poll, the request has been written
 *    (and is not yet answered); for a stream, its response headers arrived;
 * 3. waits `--settle-ms`, then sends `--probes` sequential
 *    `GET /v1/hub-info` requests, each on a fresh connection, and reads the
 *    hub's VmRSS, thread count and open file descriptors from `/proc/<pid>`;
 * 4. posts one broadcast to `general` and times, from just before the POST is
 *    written, how long until every long-poll response carrying that message
 *    has fully arrived and every stream has delivered its `data:` event;
 * 5. closes everything, posts two more messages (so a hub that only notices
 *    dead streams when it writes to them gets the chance) and waits for the
 *    hub's descriptor count to settle before the next level.
 *
 * Every step has a deadline (`--connect-timeout`, `--deliver-timeout`), so a
 * hub that cannot take the load is reported with what failed and how, not
 * waited on forever. The hub's pid comes from `--pid` (one per `--url`, in
 * order) or from `ss -ltnp` for the URL's port; without it the memory columns
 * stay empty.
 *
 * Results go to stdout as tables (or one JSON object with `--json`); `--out`
 * also writes the JSON to a file, which `bench/plot.ts` turns into a chart.
 *
 * @module
 */

const USAGE = `usage: deno run -A bench/load.ts
         --url URL [--url URL ...] [--pid PID ...] [--agents 1000]
         [--sweep 10,100,250,500,1000] [--rounds 1] [--probes 20]
         [--settle-ms 1000] [--linger-ms 0] [--connect-timeout 15]
         [--deliver-timeout 15]
         [--no-sessions] [--out FILE] [--json]

  --url URL            base URL of a running hub (repeatable; measured in order)
  --pid PID            process id of the hub at the same position (default:
                       found with ss -ltnp from the URL's port)
  --agents N           the count the targets are judged at (default 1000); it
                       is always part of the sweep
  --sweep LIST         agent counts to measure, each meaning N long-polls plus
                       N streams (default 10,100,250,500,1000, capped at --agents)
  --rounds R           repeat every count R times; tables show the median
  --probes N           hub-info probes while the agents are held (default 20)
  --settle-ms MS       pause between "all connected" and the probes (default 1000)
  --linger-ms MS       keep everything open this long after the broadcast
                       (default 0; handy when profiling the hub)
  --connect-timeout S  give up on connecting after S seconds (default 15)
  --deliver-timeout S  give up waiting for the broadcast after S seconds (default 15)
  --no-sessions        do not register the agents with POST /v1/sessions first
  --out FILE           also write the JSON result to FILE
  --json               print one JSON object instead of tables
  -h, --help           show this help`;

/** Targets from the issue. */
const TARGET = {
  connectMs: 2000,
  broadcastMs: 250,
  probeMs: 5,
  rssMb: 150,
};

const LONG_POLL_TIMEOUT_S = 30;
const PROBE_TIMEOUT_MS = 3000;
const CONTROL_TIMEOUT_MS = 15_000;

interface Options {
  urls: string[];
  pids: (number | undefined)[];
  agents: number;
  sweep: number[];
  rounds: number;
  probes: number;
  settleMs: number;
  lingerMs: number;
  connectTimeoutMs: number;
  deliverTimeoutMs: number;
  sessions: boolean;
  out: string | undefined;
  json: boolean;
}

// ── small helpers ───────────────────────────────────────────────────────

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

function median(values: (number | null)[]): number | null {
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

async function postBroadcast(t: Target, body: string): Promise<number> {
  const result = await callJson(t, "POST", "/v1/messages", {
    from_agent: "load-poster",
    channel: "general",
    body,
  }) as { id?: unknown };
  if (typeof result?.id !== "number") throw new Error("post returned no id");
  return result.id;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(
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

// ── one level: N long-polls + N streams ────────────────────────────────

interface LevelResult {
  agents: number;
  round: number;
  long_polls: number;
  streams: number;
  connected_long_polls: number;
  connected_streams: number;
  connect_failures: number;
  first_connect_error: string | null;
  /** Start until the last long-poll request was written / last stream's headers arrived. */
  connect_ms: number | null;
  long_poll_connect_ms: number | null;
  stream_connect_ms: number | null;
  /** Long-polls that came back before the broadcast (they were not held). */
  answered_early: number;
  first_early_answer: string | null;
  probe_ms_p50: number | null;
  probe_ms_max: number | null;
  probe_failures: number;
  first_probe_error: string | null;
  rss_idle_mb: number | null;
  rss_held_mb: number | null;
  rss_peak_mb: number | null;
  threads_held: number | null;
  fds_idle: number | null;
  fds_held: number | null;
  post_ms: number | null;
  /** Post until the last held agent had the message. */
  broadcast_all_ms: number | null;
  broadcast_p50_ms: number | null;
  long_poll_all_ms: number | null;
  stream_all_ms: number | null;
  reached: number;
  held: number;
  missed_reasons: Record<string, number>;
  broadcast_cpu_ms: number | null;
  /** The machine's 1-minute load average at the broadcast (other work competing). */
  loadavg: number | null;
  cleanup_ms: number | null;
  error: string | null;
}

async function loadAverage(): Promise<number | null> {
  try {
    return Number((await Deno.readTextFile("/proc/loadavg")).split(" ")[0]);
  } catch {
    return null;
  }
}

async function runLevel(
  t: Target,
  pid: number | undefined,
  n: number,
  roundNo: number,
  opts: Options,
  log: (line: string) => void,
): Promise<LevelResult> {
  const tag = randomSuffix();
  const lpIds = Array.from({ length: n }, (_, k) => `load-${tag}-lp${k}`);
  const ssIds = Array.from({ length: n }, (_, k) => `load-${tag}-ss${k}`);
  const r: LevelResult = {
    agents: n,
    round: roundNo,
    long_polls: n,
    streams: n,
    connected_long_polls: 0,
    connected_streams: 0,
    connect_failures: 0,
    first_connect_error: null,
    connect_ms: null,
    long_poll_connect_ms: null,
    stream_connect_ms: null,
    answered_early: 0,
    first_early_answer: null,
    probe_ms_p50: null,
    probe_ms_max: null,
    probe_failures: 0,
    first_probe_error: null,
    rss_idle_mb: null,
    rss_held_mb: null,
    rss_peak_mb: null,
    threads_held: null,
    fds_idle: null,
    fds_held: null,
    post_ms: null,
    broadcast_all_ms: null,
    broadcast_p50_ms: null,
    long_poll_all_ms: null,
    stream_all_ms: null,
    reached: 0,
    held: 0,
    missed_reasons: {},
    broadcast_cpu_ms: null,
    loadavg: null,
    cleanup_ms: null,
    error: null,
  };

  if (opts.sessions) {
    log(`  registering ${2 * n} agents`);
    await pool([...lpIds, ...ssIds], 4, async (agent) => {
      await callJson(t, "POST", "/v1/sessions", {
        agent_id: agent,
        replace: true,
      });
    });
  }
  const since = await postBroadcast(t, `load baseline ${tag}`);
  r.rss_idle_mb = (await procStats(pid))?.rssMb ?? null;
  r.fds_idle = await fdCount(pid);

  let peak = r.rss_idle_mb ?? 0;
  const sampler = setInterval(async () => {
    const s = await procStats(pid);
    if (s && s.rssMb > peak) peak = s.rssMb;
  }, 100);

  const longPolls: LongPoll[] = [];
  const streams: Stream[] = [];
  try {
    log(`  opening ${n} long-polls and ${n} streams`);
    const t0 = performance.now();
    for (let k = 0; k < n; k++) {
      longPolls.push(
        new LongPoll(
          t,
          `/v1/events?agent_id=${
            lpIds[k]
          }&since_id=${since}&timeout=${LONG_POLL_TIMEOUT_S}`,
          opts.connectTimeoutMs,
        ),
      );
      streams.push(
        new Stream(
          t,
          `/v1/stream?agent_id=${ssIds[k]}&since_id=${since}`,
          opts.connectTimeoutMs,
        ),
      );
    }
    let connectTimer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      connectTimer = setTimeout(resolve, opts.connectTimeoutMs + 500);
    });
    await Promise.race([
      Promise.all([
        ...longPolls.map((a) => a.ready),
        ...streams.map((a) => a.ready),
      ]),
      deadline,
    ]);
    clearTimeout(connectTimer);
    const lpAt = longPolls.map((a) => a.connectedAt).filter(Number.isFinite);
    const ssAt = streams.map((a) => a.connectedAt).filter(Number.isFinite);
    r.connected_long_polls = lpAt.length;
    r.connected_streams = ssAt.length;
    r.connect_failures = 2 * n - lpAt.length - ssAt.length;
    r.first_connect_error = [...longPolls, ...streams].find((a) =>
      !Number.isFinite(a.connectedAt) && a.error
    )?.error ?? (r.connect_failures > 0 ? "not connected in time" : null);
    const maxOf = (xs: number[]) =>
      xs.length ? round(Math.max(...xs) - t0) : null;
    r.long_poll_connect_ms = maxOf(lpAt);
    r.stream_connect_ms = maxOf(ssAt);
    r.connect_ms = maxOf([...lpAt, ...ssAt]);
    log(
      `  connected ${lpAt.length}/${n} long-polls, ${ssAt.length}/${n} streams in ${r.connect_ms} ms`,
    );

    await sleep(opts.settleMs);

    // Probes while everything is held.
    const probeTimes: number[] = [];
    for (let i = 0; i < opts.probes; i++) {
      const p0 = performance.now();
      try {
        const res = await rawRequest(
          t,
          "GET",
          "/v1/hub-info",
          undefined,
          PROBE_TIMEOUT_MS,
        );
        if (res.status !== 200) {
          throw new Error(`HTTP ${res.status}`);
        }
        probeTimes.push(performance.now() - p0);
      } catch (err) {
        r.probe_failures++;
        r.first_probe_error ??= describe(err);
      }
    }
    r.probe_ms_p50 = probeTimes.length
      ? round(percentile(probeTimes, 50)!, 3)
      : null;
    r.probe_ms_max = probeTimes.length
      ? round(Math.max(...probeTimes), 3)
      : null;
    const held = await procStats(pid);
    r.rss_held_mb = held?.rssMb ?? null;
    r.threads_held = held?.threads ?? null;
    r.fds_held = await fdCount(pid);

    const early = longPolls.filter((a) =>
      Number.isFinite(a.answeredAt)
    );
    r.answered_early = early.length;
    r.first_early_answer = early[0]
      ? (early[0].error ??
        `HTTP ${early[0].status} with ${early[0].ids.length} message(s)`)
      : null;

    // The broadcast.
    const heldLp = longPolls.filter((a) =>
      Number.isFinite(a.connectedAt) && !Number.isFinite(a.answeredAt)
    );
    const heldSs = streams.filter((a) =>
      Number.isFinite(a.connectedAt) && a.error === null
    );
    r.held = heldLp.length + heldSs.length;
    log(
      `  probes p50 ${r.probe_ms_p50} ms; RSS ${r.rss_held_mb} MB; broadcasting to ${r.held} held agents`,
    );
    r.loadavg = await loadAverage();
    const cpu0 = await cpuMs(pid);
    const tb = performance.now();
    const id = await postBroadcast(t, `load broadcast ${tag}`);
    r.post_ms = round(performance.now() - tb);
    const lpTimeout = new Promise<void>((resolve) =>
      setTimeout(resolve, opts.deliverTimeoutMs)
    );
    const lpTimes = await Promise.all(heldLp.map(async (a) => {
      await Promise.race([a.done, lpTimeout]);
      if (!Number.isFinite(a.answeredAt)) {
        bump(r.missed_reasons, "long-poll: no answer in time");
        return NaN;
      }
      if (!a.ids.includes(id)) {
        bump(
          r.missed_reasons,
          `long-poll: ${
            a.error ??
              `answered without the message (${a.ids.length} message(s))`
          }`,
        );
        return NaN;
      }
      return a.answeredAt - tb;
    }));
    const ssTimes = await Promise.all(heldSs.map(async (a) => {
      const at = await a.waitFor(
        id,
        Math.max(1, opts.deliverTimeoutMs - (performance.now() - tb)),
      );
      if (!Number.isFinite(at)) {
        bump(r.missed_reasons, `stream: ${a.error ?? "no event in time"}`);
        return NaN;
      }
      return at - tb;
    }));
    const cpu1 = await cpuMs(pid);
    r.broadcast_cpu_ms = cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null;
    const okLp = lpTimes.filter(Number.isFinite);
    const okSs = ssTimes.filter(Number.isFinite);
    const all = [...okLp, ...okSs];
    r.reached = all.length;
    r.broadcast_all_ms = all.length ? round(Math.max(...all)) : null;
    r.broadcast_p50_ms = all.length ? round(percentile(all, 50)!) : null;
    r.long_poll_all_ms = okLp.length ? round(Math.max(...okLp)) : null;
    r.stream_all_ms = okSs.length ? round(Math.max(...okSs)) : null;
    log(
      `  broadcast reached ${r.reached}/${
        2 * n
      } (all in ${r.broadcast_all_ms} ms, p50 ${r.broadcast_p50_ms} ms)`,
    );
    if (opts.lingerMs > 0) await sleep(opts.lingerMs);
  } catch (err) {
    r.error = describe(err);
    log(`  level failed: ${r.error}`);
  } finally {
    clearInterval(sampler);
    r.rss_peak_mb = peak || null;
    for (const a of longPolls) a.close();
    for (const a of streams) a.close();
  }

  // Let the hub let go: two posts give a hub that only notices a dead stream
  // when a write fails two chances to fail; then wait for its fds to settle.
  const c0 = performance.now();
  try {
    await postBroadcast(t, `load cleanup 1 ${tag}`);
    await sleep(700);
    await postBroadcast(t, `load cleanup 2 ${tag}`);
  } catch (err) {
    log(`  cleanup post failed: ${describe(err)}`);
  }
  if (pid !== undefined && r.fds_idle !== null) {
    while (performance.now() - c0 < 30_000) {
      const fds = await fdCount(pid);
      if (fds !== null && fds <= r.fds_idle + 4) {
        r.cleanup_ms = round(performance.now() - c0, 0);
        break;
      }
      await sleep(250);
    }
    if (r.cleanup_ms === null) {
      log(`  hub still holds ${await fdCount(pid)} fds 30 s after the level`);
    }
  }
  return r;
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

// ── per hub ─────────────────────────────────────────────────────────────

interface HubResult {
  url: string;
  pid: number | null;
  implementation: string | null;
  implementation_version: string | null;
  levels: LevelResult[];
  error: string | null;
}

async function benchHub(
  url: string,
  pidOpt: number | undefined,
  opts: Options,
): Promise<HubResult> {
  const t = targetOf(url);
  const log = (line: string) => console.error(`[${url}] ${line}`);
  const pid = pidOpt ?? await findPid(t.port);
  const out: HubResult = {
    url,
    pid: pid ?? null,
    implementation: null,
    implementation_version: null,
    levels: [],
    error: null,
  };
  try {
    const info = await callJson(t, "GET", "/v1/hub-info") as Record<
      string,
      unknown
    >;
    out.implementation = String(info.implementation ?? "unknown");
    out.implementation_version = String(info.implementation_version ?? "");
  } catch (err) {
    out.error = `cannot reach hub: ${describe(err)}`;
    log(out.error);
    return out;
  }
  log(
    `${out.implementation} ${out.implementation_version}, pid ${
      pid ?? "unknown (memory not measured)"
    }`,
  );
  if (pid !== undefined && (await procStats(pid)) === null) {
    log(
      `cannot read /proc/${pid}/status (Deno needs -A to read another process's /proc files); memory not measured`,
    );
  }
  for (const n of opts.sweep) {
    for (let roundNo = 1; roundNo <= opts.rounds; roundNo++) {
      log(`${n} long-polls + ${n} streams, round ${roundNo}/${opts.rounds}`);
      try {
        out.levels.push(await runLevel(t, pid, n, roundNo, opts, log));
      } catch (err) {
        log(`  level failed: ${describe(err)}`);
        const failed = emptyLevel(n, roundNo);
        failed.error = describe(err);
        out.levels.push(failed);
      }
    }
  }
  return out;
}

function emptyLevel(n: number, roundNo: number): LevelResult {
  return {
    agents: n,
    round: roundNo,
    long_polls: n,
    streams: n,
    connected_long_polls: 0,
    connected_streams: 0,
    connect_failures: 0,
    first_connect_error: null,
    connect_ms: null,
    long_poll_connect_ms: null,
    stream_connect_ms: null,
    answered_early: 0,
    first_early_answer: null,
    probe_ms_p50: null,
    probe_ms_max: null,
    probe_failures: 0,
    first_probe_error: null,
    rss_idle_mb: null,
    rss_held_mb: null,
    rss_peak_mb: null,
    threads_held: null,
    fds_idle: null,
    fds_held: null,
    post_ms: null,
    broadcast_all_ms: null,
    broadcast_p50_ms: null,
    long_poll_all_ms: null,
    stream_all_ms: null,
    reached: 0,
    held: 0,
    missed_reasons: {},
    broadcast_cpu_ms: null,
    loadavg: null,
    cleanup_ms: null,
    error: null,
  };
}

// ── summaries ───────────────────────────────────────────────────────────

/** Median over the rounds of one count; counts of failures are summed. */
interface Summary {
  agents: number;
  rounds: number;
  connect_ms: number | null;
  connected: string;
  probe_ms_p50: number | null;
  rss_held_mb: number | null;
  rss_peak_mb: number | null;
  threads_held: number | null;
  fds_held: number | null;
  broadcast_all_ms: number | null;
  broadcast_p50_ms: number | null;
  long_poll_all_ms: number | null;
  stream_all_ms: number | null;
  reached: string;
  broadcast_cpu_ms: number | null;
  loadavg: number | null;
  complete: boolean;
  notes: string[];
}

function summarize(levels: LevelResult[]): Summary[] {
  const counts = [...new Set(levels.map((l) => l.agents))];
  return counts.map((n) => {
    const ls = levels.filter((l) => l.agents === n);
    const pick = (f: (l: LevelResult) => number | null) => median(ls.map(f));
    const connected = ls.map((l) =>
      `${l.connected_long_polls + l.connected_streams}/${2 * n}`
    );
    const reached = ls.map((l) => `${l.reached}/${2 * n}`);
    const complete = ls.every((l) =>
      l.error === null && l.reached === 2 * n && l.connect_failures === 0
    );
    const notes = new Set<string>();
    for (const l of ls) {
      if (l.error) notes.add(`error: ${l.error}`);
      if (l.first_connect_error) {
        notes.add(
          `${l.connect_failures} not connected (${l.first_connect_error})`,
        );
      }
      if (l.answered_early) {
        notes.add(
          `${l.answered_early} long-polls answered before the broadcast (${l.first_early_answer})`,
        );
      }
      if (l.probe_failures) {
        notes.add(`${l.probe_failures} probes failed (${l.first_probe_error})`);
      }
      for (const [why, c] of Object.entries(l.missed_reasons)) {
        notes.add(`${c} missed: ${why}`);
      }
    }
    return {
      agents: n,
      rounds: ls.length,
      connect_ms: pick((l) => l.connect_ms),
      connected: connected.join(" "),
      probe_ms_p50: pick((l) => l.probe_ms_p50),
      rss_held_mb: pick((l) => l.rss_held_mb),
      rss_peak_mb: pick((l) => l.rss_peak_mb),
      threads_held: pick((l) => l.threads_held),
      fds_held: pick((l) => l.fds_held),
      broadcast_all_ms: pick((l) => l.broadcast_all_ms),
      broadcast_p50_ms: pick((l) => l.broadcast_p50_ms),
      long_poll_all_ms: pick((l) => l.long_poll_all_ms),
      stream_all_ms: pick((l) => l.stream_all_ms),
      reached: reached.join(" "),
      broadcast_cpu_ms: pick((l) => l.broadcast_cpu_ms),
      loadavg: pick((l) => l.loadavg),
      complete,
      notes: [...notes],
    };
  });
}

function fmt(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined ? "-" : v.toFixed(digits);
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

function label(h: HubResult): string {
  return `${h.implementation ?? "?"} ${
    h.implementation_version ?? ""
  } @ ${h.url}`
    .replace(/\s+@/, " @");
}

function verdict(value: number | null, limit: number, complete: boolean) {
  if (value === null || !complete) return "NOT MET";
  return value <= limit ? "met" : "NOT MET";
}

function targetRows(s: Summary | undefined): string[][] {
  if (!s) return [];
  return [
    [
      `all ${2 * s.agents} connected (<= ${TARGET.connectMs} ms)`,
      `${fmt(s.connect_ms, 0)} ms (${s.connected})`,
      verdict(
        s.connect_ms,
        TARGET.connectMs,
        s.connected.split(" ").every((c) =>
          c === `${2 * s.agents}/${2 * s.agents}`
        ),
      ),
    ],
    [
      `broadcast reaches all (<= ${TARGET.broadcastMs} ms)`,
      `${fmt(s.broadcast_all_ms, 1)} ms (${s.reached})`,
      verdict(s.broadcast_all_ms, TARGET.broadcastMs, s.complete),
    ],
    [
      `hub-info probe p50 (< ${TARGET.probeMs} ms)`,
      `${fmt(s.probe_ms_p50, 2)} ms`,
      verdict(s.probe_ms_p50, TARGET.probeMs, s.probe_ms_p50 !== null),
    ],
    [
      `hub RSS while held (< ${TARGET.rssMb} MB)`,
      `${fmt(s.rss_held_mb, 1)} MB`,
      verdict(s.rss_held_mb, TARGET.rssMb, s.rss_held_mb !== null),
    ],
  ];
}

function render(results: HubResult[], opts: Options): string {
  const parts: string[] = [];
  for (const h of results) {
    parts.push(`=== ${label(h)} (pid ${h.pid ?? "?"}) ===`);
    if (h.error) {
      parts.push(`FAILED: ${h.error}`, "");
      continue;
    }
    const sums = summarize(h.levels);
    parts.push(
      table(
        [
          "agents",
          "connect ms",
          "connected",
          "probe p50",
          "RSS MB",
          "peak MB",
          "threads",
          "fds",
          "bcast all ms",
          "bcast p50",
          "LP all",
          "SSE all",
          "reached",
          "CPU ms",
          "load",
        ],
        sums.map((s) => [
          `${s.agents}+${s.agents}`,
          fmt(s.connect_ms, 0),
          s.connected,
          fmt(s.probe_ms_p50, 2),
          fmt(s.rss_held_mb),
          fmt(s.rss_peak_mb),
          fmt(s.threads_held, 0),
          fmt(s.fds_held, 0),
          fmt(s.broadcast_all_ms),
          fmt(s.broadcast_p50_ms),
          fmt(s.long_poll_all_ms),
          fmt(s.stream_all_ms),
          s.reached,
          fmt(s.broadcast_cpu_ms, 0),
          fmt(s.loadavg, 1),
        ]),
      ),
    );
    for (const s of sums) {
      for (const note of s.notes) parts.push(`  ${s.agents}: ${note}`);
    }
    parts.push("");
  }
  const judged = results.filter((h) => !h.error);
  if (judged.length > 0) {
    const rows: string[][] = [];
    const per = judged.map((h) =>
      targetRows(summarize(h.levels).find((s) => s.agents === opts.agents))
    );
    const names = per.find((p) => p.length > 0)?.map((r) => r[0] ?? "") ?? [];
    names.forEach((name, i) => {
      rows.push([
        name,
        ...per.flatMap((p) => [p[i]?.[1] ?? "-", p[i]?.[2] ?? "-"]),
      ]);
    });
    parts.push(
      `=== Targets at ${opts.agents} long-polls + ${opts.agents} streams (median of ${opts.rounds} round(s)) ===`,
      table(
        [
          "target",
          ...judged.flatMap((h) => [h.implementation ?? h.url, "verdict"]),
        ],
        rows,
      ),
    );
  }
  return parts.join("\n");
}

// ── arguments and main ─────────────────────────────────────────────────

function usageError(message: string): never {
  console.error(`error: ${message}\n\n${USAGE}`);
  Deno.exit(2);
}

function positiveInt(name: string, raw: string): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v <= 0) {
    usageError(`${name} must be a positive integer, got "${raw}"`);
  }
  return v;
}

function parseArgs(args: string[]): Options {
  const opts: Options = {
    urls: [],
    pids: [],
    agents: 1000,
    sweep: [],
    rounds: 1,
    probes: 20,
    settleMs: 1000,
    lingerMs: 0,
    connectTimeoutMs: 15_000,
    deliverTimeoutMs: 15_000,
    sessions: true,
    out: undefined,
    json: false,
  };
  let sweep: number[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "-h" || arg === "--help") {
      console.log(USAGE);
      Deno.exit(0);
    }
    if (arg === "--json") {
      opts.json = true;
      continue;
    }
    if (arg === "--no-sessions") {
      opts.sessions = false;
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      const next = args[i + 1];
      if (next === undefined) usageError(`${name} needs a value`);
      value = next;
      i++;
    }
    switch (name) {
      case "--url":
        try {
          opts.urls.push(new URL(value).href.replace(/\/+$/, ""));
        } catch {
          usageError(`not a valid URL: ${value}`);
        }
        break;
      case "--pid":
        opts.pids.push(positiveInt(name, value));
        break;
      case "--agents":
        opts.agents = positiveInt(name, value);
        break;
      case "--sweep":
        sweep = value.split(",").filter((s) => s.trim()).map((s) =>
          positiveInt(name, s.trim())
        );
        break;
      case "--rounds":
        opts.rounds = positiveInt(name, value);
        break;
      case "--probes":
        opts.probes = positiveInt(name, value);
        break;
      case "--settle-ms":
        opts.settleMs = positiveInt(name, value);
        break;
      case "--linger-ms":
        opts.lingerMs = positiveInt(name, value);
        break;
      case "--connect-timeout":
        opts.connectTimeoutMs = positiveInt(name, value) * 1000;
        break;
      case "--deliver-timeout":
        opts.deliverTimeoutMs = positiveInt(name, value) * 1000;
        break;
      case "--out":
        opts.out = value;
        break;
      default:
        usageError(`unknown option: ${arg}`);
    }
  }
  if (opts.urls.length === 0) usageError("at least one --url is required");
  const base = sweep ??
    [10, 100, 250, 500, 1000].filter((n) => n < opts.agents);
  opts.sweep = [...new Set([...base, opts.agents])].sort((a, b) => a - b);
  return opts;
}

async function main(): Promise<number> {
  const opts = parseArgs(Deno.args);
  const results: HubResult[] = [];
  for (const [i, url] of opts.urls.entries()) {
    results.push(await benchHub(url, opts.pids[i], opts));
  }
  const json = {
    benchmark: "arc-load",
    generated_at: new Date().toISOString(),
    deno: Deno.version.deno,
    config: {
      agents: opts.agents,
      sweep: opts.sweep,
      rounds: opts.rounds,
      probes: opts.probes,
      settle_ms: opts.settleMs,
      connect_timeout_ms: opts.connectTimeoutMs,
      deliver_timeout_ms: opts.deliverTimeoutMs,
      sessions: opts.sessions,
      targets: TARGET,
    },
    hubs: results.map((h) => ({ ...h, summary: summarize(h.levels) })),
  };
  if (opts.out) {
    await Deno.writeTextFile(opts.out, JSON.stringify(json, null, 2) + "\n");
  }
  if (opts.json) console.log(JSON.stringify(json, null, 2));
  else console.log(render(results, opts));
  return results.every((h) => !h.error) ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await main());
}
