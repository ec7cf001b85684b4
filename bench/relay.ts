// deno-lint-ignore-file no-console
/**
 * Latency and throughput benchmark for the Arc file relay (the spool that
 * sandboxed agents use instead of HTTP).
 *
 * Point it at the spool directory of one or more running hubs; they are
 * measured one after another, never at the same time:
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-net bench/relay.ts \
 *   --spool /tmp/ours/spool --label ours \
 *   --spool /tmp/ref/spool --label reference \
 *   [--samples 200] [--warmup 10] [--jitter-ms 0] [--timeout 5] [--keep] \
 *   [--json]
 * ```
 *
 * The bench acts as a set of agents. Each request is an envelope
 * `{request_id, agent_id, method, path, body, created_at}` written to a temp
 * file in `<spool>/requests/<agent>/` and renamed to `<request_id>.json`; the
 * answer is `<spool>/responses/<agent>/<request_id>.json`. A round trip is the
 * time from just before the rename to the moment the response file has been
 * read and parsed. Responses are detected by a `Deno.watchFs` watcher on the
 * agents' response directories and, as a fallback, by polling every 1 ms,
 * whichever sees the file first, so the figures show the relay's delay rather
 * than the bench's own polling interval.
 *
 * For every spool it measures:
 *
 * 1. **Round trip**: `--samples` sequential `GET /v1/hub-info` requests from
 *    one agent, after `--warmup` uncounted ones. Reports p50/p90/p99/max.
 *    Each request is sent as soon as the previous response is read. Against a
 *    hub that polls the spool on a fixed interval this locks every sample to
 *    the same point of its loop (just after a scan, so a full interval);
 *    `--jitter-ms` adds an untimed random pause before each request so the
 *    samples spread over the interval instead.
 * 2. **Concurrency**: one agent parks in
 *    `GET /v1/events?since_id=<huge>&timeout=10` (a long-poll nothing will
 *    answer for 10 s). Once the hub has claimed that request, 20 other agents
 *    each send one `GET /v1/hub-info` at the same moment. Reports p50/max of
 *    those 20 round trips and how many finished before the parked request.
 *    The parked request is left to time out on the hub, so this phase takes
 *    about 10 s.
 * 3. **Throughput**: 10 agents write 200 `POST /v1/messages` requests (to
 *    channel `general`) at once. Reports the time until every response exists
 *    and requests per second.
 *
 * A spool nobody serves is detected by the first warm-up request, which gives
 * up after `--timeout` seconds; the spool is reported as not served and the
 * bench moves on. Progress goes to stderr; results (a table per spool and a
 * side-by-side table, or with `--json` a single JSON object) go to stdout. The
 * exit code is 1 if any spool failed a phase. The bench removes the agent
 * directories it created unless `--keep` is given.
 *
 * The script uses only web-standard and Deno APIs. It only touches files, so
 * `--allow-read --allow-write` are the permissions it actually uses.
 *
 * @module
 */

const USAGE =
  `usage: deno run --allow-read --allow-write --allow-net bench/relay.ts \\
         --spool DIR [--spool DIR ...] [--label NAME ...] [--samples 200]
         [--warmup 10] [--jitter-ms 0] [--timeout 5] [--keep] [--json]

  --spool DIR     spool directory of a running hub (repeatable; measured in order)
  --label NAME    name for the spool at the same position (repeatable;
                  default: the implementation reported by /v1/hub-info)
  --samples N     sequential round-trip samples (default 200)
  --warmup N      uncounted round trips before the samples (default 10)
  --jitter-ms MS  wait a random 0..MS ms (untimed) before each round trip
                  (default 0: each request follows the previous response)
  --timeout S     seconds to wait for one response before giving up (default 5)
  --keep          leave the bench's request and response files in the spool
  --json          print one JSON object instead of tables
  -h, --help      show this help`;

/** Agents that send one request each while another agent is parked. */
const CONCURRENT_AGENTS = 20;
/** Server-side timeout of the parked long-poll, in seconds. */
const PARK_TIMEOUT_S = 10;
/** Pause after the hub claims the parked request, so it is surely inside the long-poll. */
const PARK_SETTLE_MS = 50;
/** Throughput phase: requests and the agents that write them. */
const THROUGHPUT_REQUESTS = 200;
const THROUGHPUT_AGENTS = 10;
/** Stop the round-trip phase after this many timeouts in a row. */
const MAX_CONSECUTIVE_TIMEOUTS = 3;
/** Poll fallback interval, and how many pending files per directory are probed one by one. */
const POLL_MS = 1;
const POLL_PROBE_LIMIT = 8;
/** A `since_id` no hub will reach: the largest safe integer. */
const HUGE_SINCE_ID = Number.MAX_SAFE_INTEGER;

interface Options {
  spools: string[];
  labels: string[];
  samples: number;
  warmup: number;
  jitterMs: number;
  timeoutMs: number;
  keep: boolean;
  json: boolean;
}

interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

interface RoundTripResult {
  samples: number;
  errors: number;
  timeouts: number;
  latency_ms: LatencySummary | null;
  /** How many of the counted responses the watcher saw before the poll did. */
  seen_by_watch: number;
  first_error: string | null;
}

interface ConcurrencyResult {
  agents: number;
  completed: number;
  errors: number;
  latency_ms: LatencySummary | null;
  finished_before_parked: number;
  parked_round_trip_ms: number | null;
  parked_status: number | null;
  first_error: string | null;
}

interface ThroughputResult {
  requests: number;
  agents: number;
  completed: number;
  errors: number;
  elapsed_ms: number | null;
  requests_per_s: number | null;
  /** Time from the first rename until each response appeared. */
  completion_ms: LatencySummary | null;
  first_error: string | null;
}

interface SpoolResult {
  label: string;
  spool: string;
  implementation: string | null;
  implementation_version: string | null;
  served: boolean;
  ok: boolean;
  error: string | null;
  watch: boolean;
  watch_error: string | null;
  round_trip: RoundTripResult | null;
  round_trip_error: string | null;
  concurrency: ConcurrencyResult | null;
  concurrency_error: string | null;
  throughput: ThroughputResult | null;
  throughput_error: string | null;
}

/** A response envelope as read from the spool. */
interface RelayResponse {
  request_id?: unknown;
  ok?: unknown;
  status?: unknown;
  body?: unknown;
  error?: unknown;
}

interface Arrival {
  response: RelayResponse;
  /** `performance.now()` right after the file was read and parsed. */
  at: number;
  via: "watch" | "poll";
}

// ── Small helpers ──────────────────────────────────────────────────────────

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function summarize(values: number[]): LatencySummary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number =>
    sorted[
      Math.max(
        0,
        Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1),
      )
    ] ?? 0;
  return {
    count: sorted.length,
    p50: round(rank(50)),
    p90: round(rank(90)),
    p99: round(rank(99)),
    max: round(sorted[sorted.length - 1] ?? 0),
    mean: round(sorted.reduce((a, v) => a + v, 0) / sorted.length),
  };
}

/** Why a relay response does not count as a success, or null if it does. */
function responseProblem(r: RelayResponse): string | null {
  const body = r.body as { ok?: unknown; error?: unknown } | null | undefined;
  if (r.ok === true && typeof r.status === "number" && r.status < 300) {
    if (body && typeof body === "object" && body.ok === true) return null;
    return `status ${r.status} but the body is not an {ok:true} envelope`;
  }
  const why = typeof r.error === "string"
    ? r.error
    : typeof body?.error === "string"
    ? body.error
    : "no error text";
  return `status ${String(r.status)}: ${why}`;
}

function absolute(path: string): string {
  const p = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  return p.replace(/\/+$/, "") || "/";
}

// ── Argument parsing ───────────────────────────────────────────────────────

function usageError(message: string): never {
  console.error(`error: ${message}\n\n${USAGE}`);
  Deno.exit(2);
}

function parsePositive(
  name: string,
  raw: string,
  integer: boolean,
  allowZero = false,
): number {
  const v = Number(raw);
  if (
    raw.trim() === "" || !Number.isFinite(v) || v < 0 ||
    (v === 0 && !allowZero) || (integer && !Number.isInteger(v))
  ) {
    usageError(
      `${name} must be a ${allowZero ? "non-negative" : "positive"} ${
        integer ? "integer" : "number"
      }, got "${raw}"`,
    );
  }
  return v;
}

const VALUE_OPTIONS = [
  "--spool",
  "--label",
  "--samples",
  "--warmup",
  "--jitter-ms",
  "--timeout",
];

function parseArgs(args: string[]): Options {
  const opts: Options = {
    spools: [],
    labels: [],
    samples: 200,
    warmup: 10,
    jitterMs: 0,
    timeoutMs: 5000,
    keep: false,
    json: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "-h" || arg === "--help") {
      console.log(USAGE);
      Deno.exit(0);
    }
    if (arg === "--json" || arg === "--keep") {
      opts[arg === "--json" ? "json" : "keep"] = true;
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
      case "--spool":
        if (value === "") usageError("--spool needs a directory");
        opts.spools.push(absolute(value));
        break;
      case "--label":
        opts.labels.push(value);
        break;
      case "--samples":
        opts.samples = parsePositive(name, value, true);
        break;
      case "--warmup":
        opts.warmup = parsePositive(name, value, true, true);
        break;
      case "--jitter-ms":
        opts.jitterMs = parsePositive(name, value, false, true);
        break;
      case "--timeout":
        opts.timeoutMs = parsePositive(name, value, false) * 1000;
        break;
    }
  }
  if (opts.spools.length === 0) usageError("at least one --spool is required");
  if (opts.labels.length > opts.spools.length) {
    usageError("more --label options than --spool options");
  }
  return opts;
}

// ── Response detection ─────────────────────────────────────────────────────

interface Pending {
  dir: string;
  name: string;
  resolve: (arrival: Arrival | null) => void;
}

/**
 * Waits for response files in a fixed set of directories. One `Deno.watchFs`
 * watcher covers them all; a poll loop runs every {@linkcode POLL_MS} ms
 * while anything is pending. Whichever reads a complete response first wins.
 */
class ResponseWatcher {
  readonly watchError: string | null = null;
  #watcher: Deno.FsWatcher | undefined;
  #pending = new Map<string, Pending>();
  #polling = false;
  #closed = false;

  constructor(dirs: string[]) {
    try {
      this.#watcher = Deno.watchFs(dirs, { recursive: false });
    } catch (err) {
      this.watchError = errorText(err);
      return;
    }
    const watcher = this.#watcher;
    (async () => {
      try {
        for await (const event of watcher) {
          for (const path of event.paths) {
            if (this.#pending.has(path)) this.#tryRead(path, "watch");
          }
        }
      } catch {
        // The watcher was closed or failed; the poll loop still runs.
      }
    })();
  }

  /**
   * Registers a response file to wait for. Call before the request is
   * renamed into place. Resolves with null if cancelled.
   */
  expect(dir: string, requestId: string): Promise<Arrival | null> {
    const name = `${requestId}.json`;
    const key = `${dir}/${name}`;
    return new Promise((resolve) => {
      this.#pending.set(key, { dir, name, resolve });
      this.#startPolling();
    });
  }

  /** Gives up on one file (its promise resolves with null). */
  cancel(dir: string, requestId: string): void {
    const key = `${dir}/${requestId}.json`;
    const p = this.#pending.get(key);
    if (!p) return;
    this.#pending.delete(key);
    p.resolve(null);
  }

  cancelAll(): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of all) p.resolve(null);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  close(): void {
    this.#closed = true;
    this.cancelAll();
    try {
      this.#watcher?.close();
    } catch {
      // Already closed.
    }
  }

  async #tryRead(key: string, via: "watch" | "poll"): Promise<void> {
    // Watch and poll may both be reading the same file: the first wins.
    const p = this.#pending.get(key);
    if (!p) return;
    try {
      const text = await Deno.readTextFile(key);
      const parsed = JSON.parse(text) as unknown;
      const at = performance.now();
      if (this.#pending.get(key) !== p) return;
      this.#pending.delete(key);
      p.resolve({
        response: typeof parsed === "object" && parsed !== null
          ? parsed as RelayResponse
          : { ok: false, error: "response file is not a JSON object" },
        at,
        via,
      });
    } catch {
      // Not there yet (or not complete): try again on the next event or tick.
    }
  }

  #startPolling(): void {
    if (this.#polling || this.#closed) return;
    this.#polling = true;
    (async () => {
      while (!this.#closed && this.#pending.size > 0) {
        await sleep(POLL_MS);
        await this.#pollOnce();
      }
      this.#polling = false;
    })();
  }

  async #pollOnce(): Promise<void> {
    const byDir = new Map<string, string[]>();
    for (const [key, p] of this.#pending) {
      const list = byDir.get(p.dir);
      if (list) list.push(key);
      else byDir.set(p.dir, [key]);
    }
    const reads: Promise<void>[] = [];
    for (const [dir, keys] of byDir) {
      if (keys.length <= POLL_PROBE_LIMIT) {
        for (const key of keys) reads.push(this.#tryRead(key, "poll"));
        continue;
      }
      // Many pending files in one directory: one listing instead of many
      // failed opens.
      try {
        for await (const entry of Deno.readDir(dir)) {
          const key = `${dir}/${entry.name}`;
          if (this.#pending.has(key)) reads.push(this.#tryRead(key, "poll"));
        }
      } catch {
        // Directory gone: the requests will time out.
      }
    }
    await Promise.all(reads);
  }
}

// ── Spool access ───────────────────────────────────────────────────────────

interface Prepared {
  agent: string;
  id: string;
  tmp: string;
  final: string;
  responseDir: string;
}

class Spool {
  readonly root: string;
  readonly requests: string;
  readonly responses: string;

  constructor(root: string) {
    this.root = root;
    this.requests = `${root}/requests`;
    this.responses = `${root}/responses`;
  }

  requestDir(agent: string): string {
    return `${this.requests}/${agent}`;
  }

  responseDir(agent: string): string {
    return `${this.responses}/${agent}`;
  }

  async createAgents(agents: string[]): Promise<void> {
    for (const agent of agents) {
      await Deno.mkdir(this.requestDir(agent), { recursive: true });
      await Deno.mkdir(this.responseDir(agent), { recursive: true });
    }
  }

  /** Writes the envelope to a temp file beside its final name; the rename is the send. */
  async prepare(
    agent: string,
    method: string,
    path: string,
    body: Record<string, unknown> | null = null,
  ): Promise<Prepared> {
    const id = randomHex(16);
    const dir = this.requestDir(agent);
    const prepared: Prepared = {
      agent,
      id,
      tmp: `${dir}/.${id}.json.${randomHex(8)}.tmp`,
      final: `${dir}/${id}.json`,
      responseDir: this.responseDir(agent),
    };
    await Deno.writeTextFile(
      prepared.tmp,
      JSON.stringify({
        request_id: id,
        agent_id: agent,
        method,
        path,
        body,
        created_at: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
      }),
    );
    return prepared;
  }

  async removeAgents(agents: string[]): Promise<void> {
    for (const agent of agents) {
      for (const dir of [this.requestDir(agent), this.responseDir(agent)]) {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    }
  }
}

/** A sent request: when it was renamed into place and how it ended. */
interface Sent {
  prepared: Prepared;
  t0: number;
  arrival: Promise<Arrival | null>;
}

/** Registers the response, then renames the request into place. */
async function send(
  watcher: ResponseWatcher,
  prepared: Prepared,
): Promise<Sent> {
  const arrival = watcher.expect(prepared.responseDir, prepared.id);
  const t0 = performance.now();
  try {
    await Deno.rename(prepared.tmp, prepared.final);
  } catch (err) {
    watcher.cancel(prepared.responseDir, prepared.id);
    await Deno.remove(prepared.tmp).catch(() => {});
    throw err;
  }
  return { prepared, t0, arrival };
}

/** Waits for a sent request's response; null after `timeoutMs` from the rename. */
async function settle(
  watcher: ResponseWatcher,
  sent: Sent,
  timeoutMs: number,
): Promise<Arrival | null> {
  const left = Math.max(0, sent.t0 + timeoutMs - performance.now());
  const timer = setTimeout(
    () => watcher.cancel(sent.prepared.responseDir, sent.prepared.id),
    left,
  );
  try {
    return await sent.arrival;
  } finally {
    clearTimeout(timer);
  }
}

// ── Phase 1: sequential round trips ────────────────────────────────────────

async function roundTrips(
  spool: Spool,
  agent: string,
  opts: Options,
  result: SpoolResult,
  progress: (line: string) => void,
): Promise<RoundTripResult> {
  const watcher = new ResponseWatcher([spool.responseDir(agent)]);
  result.watch = watcher.watchError === null;
  result.watch_error = watcher.watchError;
  const latencies: number[] = [];
  const rt: RoundTripResult = {
    samples: opts.samples,
    errors: 0,
    timeouts: 0,
    latency_ms: null,
    seen_by_watch: 0,
    first_error: null,
  };
  // Visible to the caller even if the phase stops early.
  result.round_trip = rt;
  try {
    let consecutiveTimeouts = 0;
    const total = opts.warmup + opts.samples;
    for (let i = 0; i < total; i++) {
      const counted = i >= opts.warmup;
      if (opts.jitterMs > 0 && i > 0) {
        await sleep(Math.random() * opts.jitterMs);
      }
      const prepared = await spool.prepare(agent, "GET", "/v1/hub-info");
      const sent = await send(watcher, prepared);
      const arrival = await settle(watcher, sent, opts.timeoutMs);
      if (arrival === null) {
        const why = `no response to GET /v1/hub-info within ${
          opts.timeoutMs / 1000
        } s`;
        if (i === 0) {
          // Nothing answered the very first request: nobody serves this spool.
          await Deno.remove(prepared.final).catch(() => {});
          result.served = false;
          result.round_trip = null;
          throw new Error(`${why}; is a hub serving this spool?`);
        }
        rt.errors++;
        rt.timeouts++;
        rt.first_error ??= why;
        if (++consecutiveTimeouts >= MAX_CONSECUTIVE_TIMEOUTS) {
          throw new Error(`${why} (${consecutiveTimeouts} times in a row)`);
        }
        continue;
      }
      consecutiveTimeouts = 0;
      result.served = true;
      const problem = responseProblem(arrival.response);
      if (result.implementation === null && problem === null) {
        const info = (arrival.response.body as { result?: unknown }).result as
          | { implementation?: unknown; implementation_version?: unknown }
          | undefined;
        if (typeof info?.implementation === "string") {
          result.implementation = info.implementation;
        }
        if (typeof info?.implementation_version === "string") {
          result.implementation_version = info.implementation_version;
        }
      }
      if (!counted) continue;
      if (problem !== null) {
        rt.errors++;
        rt.first_error ??= problem;
        continue;
      }
      latencies.push(arrival.at - sent.t0);
      if (arrival.via === "watch") rt.seen_by_watch++;
      const done = i - opts.warmup + 1;
      if (done % 50 === 0 && done < opts.samples) {
        progress(`round trip: ${done}/${opts.samples}`);
      }
    }
  } finally {
    watcher.close();
    rt.latency_ms = summarize(latencies);
  }
  return rt;
}

// ── Phase 2: short requests while another agent is parked ──────────────────

async function waitForClaim(path: string, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      await Deno.lstat(path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return true;
    }
    await sleep(POLL_MS);
  }
  return false;
}

async function concurrency(
  spool: Spool,
  parkedAgent: string,
  agents: string[],
  opts: Options,
  progress: (line: string) => void,
): Promise<ConcurrencyResult> {
  const watcher = new ResponseWatcher([
    spool.responseDir(parkedAgent),
    ...agents.map((a) => spool.responseDir(a)),
  ]);
  const res: ConcurrencyResult = {
    agents: agents.length,
    completed: 0,
    errors: 0,
    latency_ms: null,
    finished_before_parked: 0,
    parked_round_trip_ms: null,
    parked_status: null,
    first_error: null,
  };
  try {
    const parkedPrepared = await spool.prepare(
      parkedAgent,
      "GET",
      `/v1/events?agent_id=${
        encodeURIComponent(parkedAgent)
      }&since_id=${HUGE_SINCE_ID}&timeout=${PARK_TIMEOUT_S}`,
    );
    // Written now, so the 20 renames below are the only work while timing.
    const prepared = await Promise.all(
      agents.map((a) => spool.prepare(a, "GET", "/v1/hub-info")),
    );
    const parked = await send(watcher, parkedPrepared);
    if (!await waitForClaim(parkedPrepared.final, opts.timeoutMs)) {
      await Deno.remove(parkedPrepared.final).catch(() => {});
      await Promise.all(
        prepared.map((p) => Deno.remove(p.tmp).catch(() => {})),
      );
      throw new Error(
        `the hub did not claim the parked request within ${
          opts.timeoutMs / 1000
        } s`,
      );
    }
    await sleep(PARK_SETTLE_MS);
    progress(
      `concurrency: one agent parked, sending ${agents.length} requests`,
    );
    // Everything may wait for the parked request on a one-at-a-time relay.
    const budget = PARK_TIMEOUT_S * 1000 + opts.timeoutMs;
    const sent = await Promise.all(prepared.map((p) => send(watcher, p)));
    const arrivals = await Promise.all(
      sent.map((s) => settle(watcher, s, budget)),
    );
    const parkedArrival = await settle(watcher, parked, budget);

    if (parkedArrival) {
      res.parked_round_trip_ms = round(parkedArrival.at - parked.t0);
      res.parked_status = typeof parkedArrival.response.status === "number"
        ? parkedArrival.response.status
        : null;
      const problem = responseProblem(parkedArrival.response);
      if (problem) res.first_error ??= `parked request: ${problem}`;
    } else {
      res.first_error ??= `parked request: no response within ${
        budget / 1000
      } s`;
    }
    const latencies: number[] = [];
    for (const [i, arrival] of arrivals.entries()) {
      if (arrival === null) {
        res.errors++;
        res.first_error ??= `no response within ${budget / 1000} s`;
        continue;
      }
      res.completed++;
      const problem = responseProblem(arrival.response);
      if (problem) {
        res.errors++;
        res.first_error ??= problem;
      }
      latencies.push(arrival.at - sent[i]!.t0);
      if (parkedArrival === null || arrival.at < parkedArrival.at) {
        res.finished_before_parked++;
      }
    }
    res.latency_ms = summarize(latencies);
  } finally {
    watcher.close();
  }
  return res;
}

// ── Phase 3: many requests at once ─────────────────────────────────────────

async function throughput(
  spool: Spool,
  agents: string[],
  opts: Options,
): Promise<ThroughputResult> {
  const watcher = new ResponseWatcher(agents.map((a) => spool.responseDir(a)));
  const res: ThroughputResult = {
    requests: THROUGHPUT_REQUESTS,
    agents: agents.length,
    completed: 0,
    errors: 0,
    elapsed_ms: null,
    requests_per_s: null,
    completion_ms: null,
    first_error: null,
  };
  try {
    const prepared: Prepared[] = [];
    for (let i = 0; i < THROUGHPUT_REQUESTS; i++) {
      const agent = agents[i % agents.length]!;
      prepared.push(
        await spool.prepare(agent, "POST", "/v1/messages", {
          from_agent: agent,
          channel: "general",
          body: `relay bench message ${i + 1}/${THROUGHPUT_REQUESTS}`,
        }),
      );
    }
    const start = performance.now();
    let lastProgress = start;
    const sent = await Promise.all(prepared.map((p) => send(watcher, p)));
    const arrivals = sent.map((s) =>
      s.arrival.then((a) => {
        if (a) lastProgress = Math.max(lastProgress, a.at);
        return a;
      })
    );
    // Give up once no response has arrived for --timeout.
    const stall = setInterval(() => {
      if (performance.now() - lastProgress > opts.timeoutMs) {
        watcher.cancelAll();
      }
    }, 50);
    let results: (Arrival | null)[];
    try {
      results = await Promise.all(arrivals);
    } finally {
      clearInterval(stall);
    }
    const completion: number[] = [];
    let last: number | null = null;
    for (const arrival of results) {
      if (arrival === null) {
        res.errors++;
        res.first_error ??= `stopped waiting after ${
          opts.timeoutMs / 1000
        } s without a new response`;
        continue;
      }
      res.completed++;
      completion.push(arrival.at - start);
      last = Math.max(last ?? 0, arrival.at);
      const problem = responseProblem(arrival.response);
      if (problem) {
        res.errors++;
        res.first_error ??= problem;
      }
    }
    res.completion_ms = summarize(completion);
    if (res.completed === THROUGHPUT_REQUESTS && last !== null) {
      res.elapsed_ms = round(last - start);
      res.requests_per_s = round(
        THROUGHPUT_REQUESTS / ((last - start) / 1000),
        1,
      );
    }
  } finally {
    watcher.close();
  }
  return res;
}

// ── Per-spool driver ───────────────────────────────────────────────────────

async function benchSpool(
  root: string,
  label: string | undefined,
  opts: Options,
): Promise<SpoolResult> {
  const result: SpoolResult = {
    label: label ?? root,
    spool: root,
    implementation: null,
    implementation_version: null,
    served: false,
    ok: false,
    error: null,
    watch: false,
    watch_error: null,
    round_trip: null,
    round_trip_error: null,
    concurrency: null,
    concurrency_error: null,
    throughput: null,
    throughput_error: null,
  };
  const progress = (line: string) =>
    console.error(`[${label ?? root}] ${line}`);
  const spool = new Spool(root);
  const prefix = `relaybench-${randomHex(3)}`;
  const rtAgent = `${prefix}-rt`;
  const parkedAgent = `${prefix}-parked`;
  const concurrentAgents = Array.from(
    { length: CONCURRENT_AGENTS },
    (_, i) => `${prefix}-c${String(i + 1).padStart(2, "0")}`,
  );
  const throughputAgents = Array.from(
    { length: THROUGHPUT_AGENTS },
    (_, i) => `${prefix}-t${String(i + 1).padStart(2, "0")}`,
  );
  const allAgents = [
    rtAgent,
    parkedAgent,
    ...concurrentAgents,
    ...throughputAgents,
  ];

  try {
    const info = await Deno.stat(root).catch(() => undefined);
    if (!info?.isDirectory) {
      throw new Error("spool directory does not exist (is the hub running?)");
    }
    await spool.createAgents(allAgents);
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    progress(`FAILED: ${result.error}`);
    return result;
  }

  try {
    progress(
      `round trip: ${opts.warmup} warm-up + ${opts.samples} samples (agents ${prefix}-*)`,
    );
    try {
      result.round_trip = await roundTrips(
        spool,
        rtAgent,
        opts,
        result,
        progress,
      );
    } catch (err) {
      result.round_trip_error = err instanceof Error
        ? err.message
        : String(err);
    }
    if (result.label === root && result.implementation) {
      result.label = result.implementation;
    }
    if (!result.served) {
      result.error = `not served: ${result.round_trip_error ?? "no response"}`;
      progress(`FAILED: ${result.error}`);
      return result;
    }

    progress(`concurrency: parking one agent for ${PARK_TIMEOUT_S} s`);
    try {
      result.concurrency = await concurrency(
        spool,
        parkedAgent,
        concurrentAgents,
        opts,
        progress,
      );
    } catch (err) {
      result.concurrency_error = err instanceof Error
        ? err.message
        : String(err);
    }

    progress(
      `throughput: ${THROUGHPUT_REQUESTS} posts from ${THROUGHPUT_AGENTS} agents`,
    );
    try {
      result.throughput = await throughput(spool, throughputAgents, opts);
    } catch (err) {
      result.throughput_error = err instanceof Error
        ? err.message
        : String(err);
    }

    result.ok = result.round_trip_error === null &&
      result.round_trip?.errors === 0 &&
      result.concurrency_error === null &&
      result.concurrency?.errors === 0 &&
      result.concurrency.first_error === null &&
      result.throughput_error === null &&
      result.throughput?.errors === 0;
    if (!result.ok) {
      result.error = "some requests failed; see the phase errors";
    }
    progress("done");
    return result;
  } finally {
    if (!opts.keep) await spool.removeAgents(allAgents);
  }
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
    cells
      .map((c, i) =>
        i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)
      )
      .join("  ");
  return [
    line(headers),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map(line),
  ].join("\n");
}

function title(r: SpoolResult): string {
  const impl = r.implementation
    ? ` (${r.implementation}${
      r.implementation_version ? ` ${r.implementation_version}` : ""
    })`
    : "";
  const where = r.label === r.spool ? "" : `: ${r.spool}`;
  return `=== ${r.label}${impl}${where} ===`;
}

function renderSpool(r: SpoolResult, opts: Options): string {
  const parts = [title(r)];
  if (!r.served) {
    parts.push(`FAILED: ${r.error ?? "not served"}`);
    return parts.join("\n");
  }
  if (!r.watch) {
    parts.push(`note: Deno.watchFs failed (${r.watch_error}); polled only`);
  }
  const rt = r.round_trip;
  parts.push(
    "",
    `Round trip, GET /v1/hub-info (${opts.samples} sequential samples after ${opts.warmup} warm-up${
      opts.jitterMs > 0
        ? `, 0..${opts.jitterMs} ms random pause before each`
        : ""
    })`,
    table(
      [
        "samples",
        "errors",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "mean ms",
        "seen by watch",
      ],
      [[
        String(rt?.latency_ms?.count ?? 0),
        String(rt?.errors ?? "-"),
        fmt(rt?.latency_ms?.p50),
        fmt(rt?.latency_ms?.p90),
        fmt(rt?.latency_ms?.p99),
        fmt(rt?.latency_ms?.max),
        fmt(rt?.latency_ms?.mean),
        `${rt?.seen_by_watch ?? 0}/${rt?.latency_ms?.count ?? 0}`,
      ]],
    ),
  );
  if (r.round_trip_error) parts.push(`error: ${r.round_trip_error}`);
  else if (rt?.first_error) parts.push(`first error: ${rt.first_error}`);

  const c = r.concurrency;
  parts.push(
    "",
    `Concurrency: ${CONCURRENT_AGENTS} agents send GET /v1/hub-info at once while one agent is parked in a ${PARK_TIMEOUT_S} s long-poll`,
  );
  if (c) {
    parts.push(
      table(
        [
          "completed",
          "errors",
          "p50 ms",
          "max ms",
          "before parked",
          "parked ms",
        ],
        [[
          `${c.completed}/${c.agents}`,
          String(c.errors),
          fmt(c.latency_ms?.p50),
          fmt(c.latency_ms?.max),
          `${c.finished_before_parked}/${c.agents}`,
          fmt(c.parked_round_trip_ms, 0),
        ]],
      ),
    );
    if (
      c.parked_round_trip_ms !== null &&
      c.parked_round_trip_ms < PARK_TIMEOUT_S * 1000 - 500
    ) {
      parts.push(
        `note: the parked request came back after ${
          fmt(c.parked_round_trip_ms, 0)
        } ms, before its ${PARK_TIMEOUT_S} s timeout`,
      );
    }
    if (c.first_error) parts.push(`first error: ${c.first_error}`);
  }
  if (r.concurrency_error) parts.push(`error: ${r.concurrency_error}`);

  const t = r.throughput;
  parts.push(
    "",
    `Throughput: ${THROUGHPUT_REQUESTS} POST /v1/messages written at once by ${THROUGHPUT_AGENTS} agents`,
  );
  if (t) {
    parts.push(
      table(
        [
          "completed",
          "errors",
          "all done ms",
          "requests/s",
          "p50 done ms",
        ],
        [[
          `${t.completed}/${t.requests}`,
          String(t.errors),
          fmt(t.elapsed_ms, 1),
          fmt(t.requests_per_s, 1),
          fmt(t.completion_ms?.p50, 1),
        ]],
      ),
    );
    if (t.first_error) parts.push(`first error: ${t.first_error}`);
  }
  if (r.throughput_error) parts.push(`error: ${r.throughput_error}`);
  return parts.join("\n");
}

function renderComparison(results: SpoolResult[]): string {
  const pick: [string, (r: SpoolResult) => string][] = [
    ["served", (r) => (r.served ? "yes" : "NO")],
    ["round trip p50 ms", (r) => fmt(r.round_trip?.latency_ms?.p50)],
    ["round trip p90 ms", (r) => fmt(r.round_trip?.latency_ms?.p90)],
    ["round trip p99 ms", (r) => fmt(r.round_trip?.latency_ms?.p99)],
    ["round trip max ms", (r) => fmt(r.round_trip?.latency_ms?.max)],
    ["round trip errors", (r) => String(r.round_trip?.errors ?? "-")],
    [
      "beside parked p50 ms",
      (r) => fmt(r.concurrency?.latency_ms?.p50),
    ],
    [
      "beside parked max ms",
      (r) => fmt(r.concurrency?.latency_ms?.max),
    ],
    [
      "finished before parked",
      (r) =>
        r.concurrency
          ? `${r.concurrency.finished_before_parked}/${r.concurrency.agents}`
          : "-",
    ],
    [
      "throughput requests/s",
      (r) => fmt(r.throughput?.requests_per_s, 1),
    ],
    ["throughput all done ms", (r) => fmt(r.throughput?.elapsed_ms, 1)],
  ];
  return `=== Side by side ===\n${
    table(
      ["metric", ...results.map((r) => r.label)],
      pick.map(([name, f]) => [name, ...results.map(f)]),
    )
  }`;
}

// ── Main ───────────────────────────────────────────────────────────────────

async function main(): Promise<number> {
  const opts = parseArgs(Deno.args);
  const results: SpoolResult[] = [];
  for (const [i, root] of opts.spools.entries()) {
    results.push(await benchSpool(root, opts.labels[i], opts));
  }
  if (opts.json) {
    console.log(JSON.stringify(
      {
        benchmark: "arc-relay",
        generated_at: new Date().toISOString(),
        deno: Deno.version.deno,
        config: {
          samples: opts.samples,
          warmup: opts.warmup,
          jitter_ms: opts.jitterMs,
          timeout_s: opts.timeoutMs / 1000,
          poll_fallback_ms: POLL_MS,
          concurrent_agents: CONCURRENT_AGENTS,
          park_timeout_s: PARK_TIMEOUT_S,
          throughput_requests: THROUGHPUT_REQUESTS,
          throughput_agents: THROUGHPUT_AGENTS,
        },
        spools: results,
      },
      null,
      2,
    ));
  } else {
    console.log(results.map((r) => renderSpool(r, opts)).join("\n\n"));
    if (results.length > 1) console.log(`\n${renderComparison(results)}`);
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await main());
}
