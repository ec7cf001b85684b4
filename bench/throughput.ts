// deno-lint-ignore-file no-console
/**
 * Throughput and wake-up latency benchmark for Arc protocol v1 hubs.
 *
 * Point it at one or more running hubs; they are measured one after another
 * (never at the same time, so they do not compete for CPU):
 *
 * ```sh
 * deno run --allow-net bench/throughput.ts \
 *   --url http://127.0.0.1:7001 --url http://127.0.0.1:7002 \
 *   [--seconds 5] [--samples 200] [--clients 1,8,32] [--park-ms 50] \
 *   [--jitter-ms 0] [--json]
 * ```
 *
 * For every hub it measures:
 *
 * 1. **Post throughput**: N concurrent clients, each a tight loop of
 *    `POST /v1/messages` for `--seconds` seconds. Reports posts/s, the error
 *    count and p50/p99/max latency of successful posts.
 * 2. **Long-poll wake-up**: a waiter parks on
 *    `GET /v1/events?...&timeout=30`; `--park-ms` later a poster posts. The
 *    figure is the time from just before the POST is sent until the waiter's
 *    response has fully arrived. Repeated `--samples` times.
 * 3. **SSE wake-up**: one `GET /v1/stream` connection read incrementally; the
 *    figure is the time from just before the POST is sent until the matching
 *    `data:` event arrives. Repeated `--samples` times.
 *
 * `--jitter-ms` adds a random extra pause before each wake-up post. A hub that
 * polls its database on a fixed interval otherwise shows a latency fixed by
 * the pause rather than by the interval; jitter spreads the samples over it.
 *
 * Every run uses fresh agent ids and a fresh channel (`bench-<random>`), so
 * runs do not see each other's messages. Progress goes to stderr; the result
 * (a table per hub, or with `--json` a single JSON object) goes to stdout.
 * A hub that cannot be reached is reported and skipped; the exit code is 1
 * if any hub failed.
 *
 * The script uses only web-standard and Deno APIs and needs `--allow-net`
 * only.
 *
 * @module
 */

const USAGE =
  `usage: deno run --allow-net bench/throughput.ts --url URL [--url URL ...]
         [--seconds 5] [--samples 200] [--clients 1,8,32] [--park-ms 50]
         [--jitter-ms 0] [--json]

  --url URL        base URL of a running Arc hub (repeatable; measured in order)
  --seconds S      duration of each throughput level (default 5)
  --samples N      wake-up samples for long-poll and for SSE (default 200)
  --clients LIST   comma-separated concurrency levels (default 1,8,32)
  --park-ms MS     pause between parking a waiter and posting (default 50)
  --jitter-ms MS   add a random 0..MS ms to each pause (default 0), so the
                   post lands at a random phase of a polling hub's loop
  --json           print one JSON object instead of tables
  -h, --help       show this help`;

/** Upper bound for a single ordinary request (post, setup call). */
const REQUEST_TIMEOUT_MS = 10_000;
/** Server-side long-poll timeout in seconds, as sent in the query string. */
const LONG_POLL_TIMEOUT_S = 30;
/** Give up on one wake-up sample after this long. */
const SAMPLE_TIMEOUT_MS = (LONG_POLL_TIMEOUT_S + 5) * 1000;
/** Stop a latency phase after this many failed samples in a row. */
const MAX_CONSECUTIVE_FAILURES = 3;

interface Options {
  urls: string[];
  seconds: number;
  samples: number;
  clients: number[];
  parkMs: number;
  jitterMs: number;
  json: boolean;
}

interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

interface ThroughputLevel {
  clients: number;
  elapsed_s: number;
  posts: number;
  errors: number;
  posts_per_s: number;
  latency_ms: LatencySummary | null;
  first_error: string | null;
}

interface WakeupResult {
  requested: number;
  errors: number;
  latency_ms: LatencySummary | null;
  first_error: string | null;
}

interface HubResult {
  url: string;
  implementation: string | null;
  implementation_version: string | null;
  channel: string;
  ok: boolean;
  error: string | null;
  throughput: ThroughputLevel[];
  throughput_error: string | null;
  long_poll: WakeupResult | null;
  long_poll_error: string | null;
  sse: WakeupResult | null;
  sse_error: string | null;
}

interface Hub {
  base: string;
  channel: string;
  poster: string;
  waiter: string;
}

// ── Small helpers ──────────────────────────────────────────────────────────

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === "TimeoutError") return "request timed out";
  if (err instanceof HttpError) return err.message;
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : "";
  const full = `${err.name}: ${err.message}${cause}`;
  if (/connection refused/i.test(full)) {
    return "connection refused (is the hub running?)";
  }
  if (
    /connection closed before message completed|connection reset/i.test(full)
  ) {
    return "connection closed by the hub";
  }
  return full;
}

/** True when the error means nothing is listening / the socket broke. */
function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof TypeError) return true; // fetch network failure
  return err.name === "ConnectionRefused" || err.name === "ConnectionReset";
}

function summarize(values: number[]): LatencySummary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => {
    const idx = Math.min(
      sorted.length - 1,
      Math.ceil((p / 100) * sorted.length) - 1,
    );
    return sorted[Math.max(0, idx)] ?? 0;
  };
  const sum = sorted.reduce((acc, v) => acc + v, 0);
  return {
    count: sorted.length,
    mean: round(sum / sorted.length),
    p50: round(rank(50)),
    p99: round(rank(99)),
    max: round(sorted[sorted.length - 1] ?? 0),
  };
}

function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

// ── Argument parsing ───────────────────────────────────────────────────────

function usageError(message: string): never {
  console.error(`error: ${message}\n\n${USAGE}`);
  Deno.exit(2);
}

function parsePositive(name: string, raw: string, integer: boolean): number {
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    usageError(
      `${name} must be a positive ${
        integer ? "integer" : "number"
      }, got "${raw}"`,
    );
  }
  return v;
}

const VALUE_OPTIONS = [
  "--url",
  "--seconds",
  "--samples",
  "--clients",
  "--park-ms",
  "--jitter-ms",
];

function parseArgs(args: string[]): Options {
  const opts: Options = {
    urls: [],
    seconds: 5,
    samples: 200,
    clients: [1, 8, 32],
    parkMs: 50,
    jitterMs: 0,
    json: false,
  };
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
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (!VALUE_OPTIONS.includes(name)) usageError(`unknown option: ${arg}`);
    let value: string;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = args[i + 1];
      if (next === undefined) usageError(`${name} needs a value`);
      value = next;
      i++;
    }
    switch (name) {
      case "--url": {
        let url: URL;
        try {
          url = new URL(value);
        } catch {
          usageError(`not a valid URL: ${value}`);
        }
        if (url.protocol !== "http:" && url.protocol !== "https:") {
          usageError(`URL must be http(s): ${value}`);
        }
        opts.urls.push(url.href.replace(/\/+$/, ""));
        break;
      }
      case "--seconds":
        opts.seconds = parsePositive(name, value, false);
        break;
      case "--samples":
        opts.samples = parsePositive(name, value, true);
        break;
      case "--park-ms":
        opts.parkMs = parsePositive(name, value, false);
        break;
      case "--jitter-ms": {
        const v = Number(value);
        if (!Number.isFinite(v) || v < 0) {
          usageError(`--jitter-ms must be >= 0, got "${value}"`);
        }
        opts.jitterMs = v;
        break;
      }
      case "--clients":
        opts.clients = value.split(",").filter((s) => s.trim() !== "").map((
          s,
        ) => parsePositive(name, s.trim(), true));
        if (opts.clients.length === 0) {
          usageError("--clients needs at least one level");
        }
        break;
      default:
        usageError(`unknown option: ${arg}`);
    }
  }
  if (opts.urls.length === 0) usageError("at least one --url is required");
  return opts;
}

// ── HTTP ───────────────────────────────────────────────────────────────────

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "HttpError";
  }
}

/** JSON request returning the `result` of an `{ok:true}` envelope. */
async function call(
  base: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<unknown> {
  const init: RequestInit = {
    method,
    signal: AbortSignal.timeout(timeoutMs),
    headers: { accept: "application/json" },
  };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = {
      accept: "application/json",
      "content-type": "application/json",
    };
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(
      res.status,
      `${method} ${path}: HTTP ${res.status}, non-JSON body`,
    );
  }
  const env = parsed as { ok?: unknown; result?: unknown; error?: unknown };
  if (!res.ok || env.ok !== true) {
    const why = typeof env.error === "string" ? env.error : text.slice(0, 200);
    throw new HttpError(
      res.status,
      `${method} ${path}: HTTP ${res.status}: ${why}`,
    );
  }
  return env.result;
}

function messageId(result: unknown): number {
  const id = (result as { id?: unknown } | null)?.id;
  if (typeof id !== "number") {
    throw new Error("message response has no numeric id");
  }
  return id;
}

async function postMessage(hub: Hub, body: string): Promise<number> {
  const result = await call(hub.base, "POST", "/v1/messages", {
    from_agent: hub.poster,
    channel: hub.channel,
    body,
  });
  return messageId(result);
}

// ── Phase 1: post throughput ───────────────────────────────────────────────

async function throughputLevel(
  hub: Hub,
  clients: number,
  seconds: number,
): Promise<ThroughputLevel> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const url = `${hub.base}/v1/messages`;
  const headers = {
    accept: "application/json",
    "content-type": "application/json",
  };
  const start = performance.now();
  const deadline = start + seconds * 1000;

  const worker = async (w: number): Promise<void> => {
    let n = 0;
    while (performance.now() < deadline) {
      const body = JSON.stringify({
        from_agent: hub.poster,
        channel: hub.channel,
        body: `throughput c${clients} w${w} #${n++}`,
      });
      const t0 = performance.now();
      try {
        const res = await fetch(url, {
          method: "POST",
          headers,
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const text = await res.text();
        const t1 = performance.now();
        if (
          res.status >= 200 && res.status < 300 &&
          (JSON.parse(text) as { ok?: unknown }).ok
        ) {
          latencies.push(t1 - t0);
        } else {
          errors++;
          firstError ??= `HTTP ${res.status}: ${text.slice(0, 200)}`;
        }
      } catch (err) {
        errors++;
        firstError ??= describeError(err);
        await sleep(10); // do not spin on a dead hub
      }
    }
  };

  await Promise.all(Array.from({ length: clients }, (_, w) => worker(w)));
  const elapsed = (performance.now() - start) / 1000;
  return {
    clients,
    elapsed_s: round(elapsed),
    posts: latencies.length,
    errors,
    posts_per_s: round(latencies.length / elapsed, 1),
    latency_ms: summarize(latencies),
    first_error: firstError,
  };
}

// ── Phase 2: post → long-poll wake-up ──────────────────────────────────────

async function longPollWakeups(
  hub: Hub,
  samples: number,
  pause: () => number,
  progress: (done: number) => void,
): Promise<WakeupResult> {
  let since = await postMessage(hub, "long-poll baseline");
  const latencies: number[] = [];
  let errors = 0;
  let consecutive = 0;
  let firstError: string | null = null;

  for (let i = 0; i < samples; i++) {
    const query = new URLSearchParams({
      agent_id: hub.waiter,
      since_id: String(since),
      timeout: String(LONG_POLL_TIMEOUT_S),
      channel: hub.channel,
    });
    // The waiter records the moment its response has fully arrived.
    const abort = new AbortController();
    const waiter = (async () => {
      const res = await fetch(`${hub.base}/v1/events?${query}`, {
        headers: { accept: "application/json" },
        signal: AbortSignal.any([
          abort.signal,
          AbortSignal.timeout(SAMPLE_TIMEOUT_MS),
        ]),
      });
      const text = await res.text();
      const arrived = performance.now();
      if (!res.ok) {
        throw new HttpError(
          res.status,
          `events: HTTP ${res.status}: ${text.slice(0, 200)}`,
        );
      }
      const rows = (JSON.parse(text) as { result?: unknown }).result;
      const ids = Array.isArray(rows)
        ? rows.map((r) => (r as { id?: unknown }).id)
        : [];
      return { arrived, ids };
    })();
    // Avoid an unhandled rejection if the waiter fails while we are sleeping.
    waiter.catch(() => {});

    try {
      await sleep(pause());
      const t0 = performance.now();
      const [id, got] = await Promise.all([
        postMessage(hub, `long-poll #${i}`),
        waiter,
      ]);
      since = Math.max(since, id);
      if (!got.ids.includes(id)) {
        throw new Error(
          got.ids.length === 0
            ? "waiter returned no messages (timed out)"
            : `waiter woke without the posted message (${id})`,
        );
      }
      latencies.push(got.arrived - t0);
      consecutive = 0;
    } catch (err) {
      errors++;
      consecutive++;
      firstError ??= describeError(err);
      abort.abort();
      await waiter.catch(() => {});
      if (consecutive >= MAX_CONSECUTIVE_FAILURES) {
        throw new Error(
          `${consecutive} failed samples in a row; last: ${describeError(err)}`,
        );
      }
    }
    progress(i + 1);
  }
  return {
    requested: samples,
    errors,
    latency_ms: summarize(latencies),
    first_error: firstError,
  };
}

// ── Phase 3: post → SSE wake-up ────────────────────────────────────────────

/** Reads one `/v1/stream` response incrementally and timestamps each event. */
class SseListener {
  readonly #controller = new AbortController();
  readonly #arrivals = new Map<number, number>();
  readonly #pending = new Map<number, (arrived: number) => void>();
  #closed: Error | null = null;
  #onClose: Array<(err: Error) => void> = [];

  async open(url: string): Promise<void> {
    const res = await fetch(url, {
      headers: { accept: "text/event-stream" },
      signal: this.#controller.signal,
    });
    const type = res.headers.get("content-type") ?? "";
    if (!res.ok || !res.body || !type.includes("text/event-stream")) {
      const text = await res.text().catch(() => "");
      throw new HttpError(
        res.status,
        `stream: HTTP ${res.status} (${type || "no content-type"}): ${
          text.slice(0, 200)
        }`,
      );
    }
    this.#pump(res.body).catch((err) => this.#close(err));
  }

  async #pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    let data: string[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const now = performance.now();
      buf += value;
      // Split into complete lines; keep a partial line (and a lone trailing
      // CR that may be the first half of CRLF) for the next chunk.
      for (;;) {
        const m = /\r\n|\n|\r(?=[^\n])/.exec(buf);
        if (!m) break;
        const line = buf.slice(0, m.index);
        buf = buf.slice(m.index + m[0].length);
        if (line === "") {
          if (data.length > 0) this.#dispatch(data.join("\n"), now);
          data = [];
        } else if (line.startsWith(":")) {
          // comment / heartbeat
        } else if (line.startsWith("data:")) {
          data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
        }
        // other fields (event:, id:, retry:) are not needed here
      }
    }
    this.#close(new Error("stream ended"));
  }

  #dispatch(payload: string, arrived: number): void {
    let id: unknown;
    try {
      id = (JSON.parse(payload) as { id?: unknown }).id;
    } catch {
      return;
    }
    if (typeof id !== "number") return;
    this.#arrivals.set(id, arrived);
    const resolve = this.#pending.get(id);
    if (resolve) {
      this.#pending.delete(id);
      resolve(arrived);
    }
  }

  #close(err: unknown): void {
    if (this.#closed) return;
    this.#closed = err instanceof Error ? err : new Error(String(err));
    for (const reject of this.#onClose) reject(this.#closed);
    this.#onClose = [];
  }

  /** Resolves with the arrival time of the event carrying message `id`. */
  waitFor(id: number, timeoutMs: number): Promise<number> {
    const seen = this.#arrivals.get(id);
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new Error(`no SSE event for message ${id} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const onClose = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      this.#onClose.push(onClose);
      this.#pending.set(id, (arrived) => {
        clearTimeout(timer);
        this.#onClose = this.#onClose.filter((f) => f !== onClose);
        resolve(arrived);
      });
    });
  }

  close(): void {
    this.#close(new Error("closed by benchmark"));
    this.#controller.abort();
  }
}

async function sseWakeups(
  hub: Hub,
  samples: number,
  pause: () => number,
  progress: (done: number) => void,
): Promise<WakeupResult> {
  const since = await postMessage(hub, "sse baseline");
  const query = new URLSearchParams({
    agent_id: hub.waiter,
    since_id: String(since),
    channels: hub.channel,
  });
  const listener = new SseListener();
  await listener.open(`${hub.base}/v1/stream?${query}`);
  const latencies: number[] = [];
  let errors = 0;
  let consecutive = 0;
  let firstError: string | null = null;
  try {
    await sleep(100); // let the hub settle into its stream loop
    for (let i = 0; i < samples; i++) {
      await sleep(pause());
      try {
        const t0 = performance.now();
        const id = await postMessage(hub, `sse #${i}`);
        const arrived = await listener.waitFor(id, SAMPLE_TIMEOUT_MS);
        latencies.push(arrived - t0);
        consecutive = 0;
      } catch (err) {
        errors++;
        consecutive++;
        firstError ??= describeError(err);
        if (consecutive >= MAX_CONSECUTIVE_FAILURES) {
          throw new Error(
            `${consecutive} failed samples in a row; last: ${
              describeError(err)
            }`,
          );
        }
      }
      progress(i + 1);
    }
  } finally {
    listener.close();
  }
  return {
    requested: samples,
    errors,
    latency_ms: summarize(latencies),
    first_error: firstError,
  };
}

// ── Per-hub driver ─────────────────────────────────────────────────────────

function emptyResult(url: string, channel: string): HubResult {
  return {
    url,
    implementation: null,
    implementation_version: null,
    channel,
    ok: false,
    error: null,
    throughput: [],
    throughput_error: null,
    long_poll: null,
    long_poll_error: null,
    sse: null,
    sse_error: null,
  };
}

async function benchHub(url: string, opts: Options): Promise<HubResult> {
  const suffix = randomSuffix();
  const hub: Hub = {
    base: url,
    channel: `bench-${suffix}`,
    poster: `bench-poster-${suffix}`,
    waiter: `bench-waiter-${suffix}`,
  };
  const out = emptyResult(url, hub.channel);
  const log = (msg: string) => console.error(`[${url}] ${msg}`);

  // Identify the hub; a connection failure here means we skip it entirely.
  try {
    const info = (await call(url, "GET", "/v1/hub-info")) as Record<
      string,
      unknown
    >;
    out.implementation = typeof info.implementation === "string"
      ? info.implementation
      : null;
    out.implementation_version = typeof info.implementation_version === "string"
      ? info.implementation_version
      : null;
  } catch (err) {
    if (!(err instanceof HttpError)) {
      out.error = `cannot reach hub: ${describeError(err)}`;
      log(out.error);
      return out;
    }
    log(`hub-info unavailable (${err.message}); continuing`);
  }
  log(
    `implementation=${out.implementation ?? "unknown"} ${
      out.implementation_version ?? ""
    } channel=${hub.channel}`,
  );

  try {
    for (const agent of [hub.poster, hub.waiter]) {
      await call(url, "POST", "/v1/sessions", {
        agent_id: agent,
        replace: true,
      });
    }
    await call(url, "POST", "/v1/channels", {
      name: hub.channel,
      created_by: hub.poster,
    });
    // Warm-up, not measured: JIT, database pages, connection pool.
    for (let i = 0; i < 50; i++) await postMessage(hub, `warm-up #${i}`);
  } catch (err) {
    out.error = `setup failed: ${describeError(err)}`;
    log(out.error);
    return out;
  }

  try {
    for (const clients of opts.clients) {
      log(`throughput: ${clients} client(s) for ${opts.seconds} s`);
      const level = await throughputLevel(hub, clients, opts.seconds);
      out.throughput.push(level);
      log(
        `  ${level.posts_per_s} posts/s, ${level.errors} errors` +
          (level.first_error ? ` (first: ${level.first_error})` : ""),
      );
    }
  } catch (err) {
    out.throughput_error = describeError(err);
    log(`throughput failed: ${out.throughput_error}`);
  }

  const pause = () => opts.parkMs + Math.random() * opts.jitterMs;
  const ticker = (phase: string) => (done: number) => {
    if (done % 50 === 0 || done === opts.samples) {
      log(`  ${phase}: ${done}/${opts.samples}`);
    }
  };

  log(`long-poll wake-up: ${opts.samples} samples`);
  try {
    out.long_poll = await longPollWakeups(
      hub,
      opts.samples,
      pause,
      ticker("long-poll"),
    );
  } catch (err) {
    out.long_poll_error = describeError(err);
    log(`long-poll failed: ${out.long_poll_error}`);
  }

  log(`SSE wake-up: ${opts.samples} samples`);
  try {
    out.sse = await sseWakeups(hub, opts.samples, pause, ticker("sse"));
  } catch (err) {
    out.sse_error = describeError(err);
    log(`SSE failed: ${out.sse_error}`);
  }

  const phaseErrors = [out.throughput_error, out.long_poll_error, out.sse_error]
    .filter(
      (e): e is string => e !== null,
    );
  out.ok = phaseErrors.length === 0;
  if (!out.ok) out.error = phaseErrors.join("; ");
  return out;
}

// ── Output ─────────────────────────────────────────────────────────────────

function fmt(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined ? "-" : v.toFixed(digits);
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length))
  );
  const line = (cells: string[]) =>
    cells.map((
      c,
      i,
    ) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join(
        "  ",
      );
  return [
    line(headers),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map(line),
  ].join(
    "\n",
  );
}

function hubLabel(r: HubResult): string {
  const impl = r.implementation
    ? `${r.implementation}${
      r.implementation_version ? ` ${r.implementation_version}` : ""
    }`
    : "unknown implementation";
  return `${impl} @ ${r.url}`;
}

function renderHub(r: HubResult, opts: Options): string {
  const parts: string[] = [`=== ${hubLabel(r)} ===`];
  if (
    r.throughput.length === 0 && r.long_poll === null && r.sse === null &&
    r.error
  ) {
    parts.push(`FAILED: ${r.error}`);
    return parts.join("\n");
  }
  parts.push(
    "",
    `Post throughput (${opts.seconds} s per level)`,
    table(
      ["clients", "posts/s", "posts", "errors", "p50 ms", "p99 ms", "max ms"],
      r.throughput.map((t) => [
        String(t.clients),
        fmt(t.posts_per_s, 1),
        String(t.posts),
        String(t.errors),
        fmt(t.latency_ms?.p50),
        fmt(t.latency_ms?.p99),
        fmt(t.latency_ms?.max),
      ]),
    ),
  );
  if (r.throughput_error) parts.push(`throughput error: ${r.throughput_error}`);
  const wake = (
    name: string,
    w: WakeupResult | null,
    err: string | null,
  ): string[] =>
    w
      ? [
        name,
        String(w.latency_ms?.count ?? 0),
        String(w.errors),
        fmt(w.latency_ms?.p50),
        fmt(w.latency_ms?.p99),
        fmt(w.latency_ms?.max),
        fmt(w.latency_ms?.mean),
      ]
      : [name, "0", err ? "failed" : "-", "-", "-", "-", "-"];
  parts.push(
    "",
    `Post -> wake-up latency (${opts.samples} samples, ${opts.parkMs} ms park${
      opts.jitterMs > 0 ? ` + 0..${opts.jitterMs} ms jitter` : ""
    })`,
    table(
      ["path", "samples", "errors", "p50 ms", "p99 ms", "max ms", "mean ms"],
      [
        wake("long-poll /v1/events", r.long_poll, r.long_poll_error),
        wake("SSE /v1/stream", r.sse, r.sse_error),
      ],
    ),
  );
  if (r.long_poll_error) parts.push(`long-poll error: ${r.long_poll_error}`);
  if (r.sse_error) parts.push(`SSE error: ${r.sse_error}`);
  const firsts = [
    ...r.throughput.map((
      t,
    ) => (t.first_error ? `${t.clients} clients: ${t.first_error}` : "")),
    r.long_poll?.first_error ? `long-poll: ${r.long_poll.first_error}` : "",
    r.sse?.first_error ? `SSE: ${r.sse.first_error}` : "",
  ].filter((s) => s !== "");
  if (firsts.length > 0) {
    parts.push(
      "first errors:",
      ...firsts.map((s) => `  ${s}`),
    );
  }
  return parts.join("\n");
}

function renderComparison(results: HubResult[], opts: Options): string {
  const rows: string[][] = [];
  for (const c of opts.clients) {
    rows.push([
      `posts/s @ ${c} client(s)`,
      ...results.map((r) =>
        fmt(r.throughput.find((t) => t.clients === c)?.posts_per_s, 1)
      ),
    ]);
    rows.push([
      `post p99 ms @ ${c}`,
      ...results.map((r) =>
        fmt(r.throughput.find((t) => t.clients === c)?.latency_ms?.p99)
      ),
    ]);
  }
  for (
    const [name, pick] of [
      ["long-poll p50 ms", (r: HubResult) => r.long_poll?.latency_ms?.p50],
      ["long-poll p99 ms", (r: HubResult) => r.long_poll?.latency_ms?.p99],
      ["SSE p50 ms", (r: HubResult) => r.sse?.latency_ms?.p50],
      ["SSE p99 ms", (r: HubResult) => r.sse?.latency_ms?.p99],
    ] as const
  ) {
    rows.push([name, ...results.map((r) => fmt(pick(r)))]);
  }
  const headers = [
    "metric",
    ...results.map((r) => `${r.implementation ?? "?"} (${r.url})`),
  ];
  return `=== Side by side ===\n${table(headers, rows)}`;
}

// ── Main ───────────────────────────────────────────────────────────────────

async function main(): Promise<number> {
  const opts = parseArgs(Deno.args);
  const results: HubResult[] = [];
  for (const url of opts.urls) {
    let r: HubResult;
    try {
      r = await benchHub(url, opts);
    } catch (err) {
      // Should not happen (phases catch their own errors), but never let one
      // hub take the whole run down.
      r = emptyResult(url, "");
      r.error = `${
        isConnectionError(err) ? "connection error" : "unexpected error"
      }: ${describeError(err)}`;
    }
    results.push(r);
  }

  if (opts.json) {
    console.log(JSON.stringify(
      {
        benchmark: "arc-throughput",
        generated_at: new Date().toISOString(),
        deno: Deno.version.deno,
        config: {
          seconds: opts.seconds,
          samples: opts.samples,
          clients: opts.clients,
          park_ms: opts.parkMs,
          jitter_ms: opts.jitterMs,
          long_poll_timeout_s: LONG_POLL_TIMEOUT_S,
        },
        hubs: results,
      },
      null,
      2,
    ));
  } else {
    console.log(results.map((r) => renderHub(r, opts)).join("\n\n"));
    if (results.filter((r) => r.throughput.length > 0).length > 1) {
      console.log(`\n${renderComparison(results, opts)}`);
    }
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await main());
}
