// deno-lint-ignore-file no-console
/**
 * Dead, slow and silent peers: what a hub does with clients that misbehave.
 *
 * ```sh
 * deno run -A bench/peers.ts --url http://127.0.0.1:7001 \
 *   [--url http://127.0.0.1:7002] [--pid PID ...] [--streams 50] \
 *   [--reap-timeout 60] [--slow-messages 6000] [--slow-body 8000] \
 *   [--idle 1000] [--idle-seconds 120] [--out FILE] [--json]
 * ```
 *
 * Hubs are measured one after another. For each hub, three phases:
 *
 * 1. **Dead streams on a quiet channel.** `--streams` SSE streams subscribe to
 *    a fresh channel nobody posts in (`channels=<it>`). Once all are open, the
 *    bench closes its ends of the sockets, as a killed agent's kernel would,
 *    and watches the hub's open file descriptors (`/proc/<pid>/fd`) and its
 *    sockets in CLOSE-WAIT (`ss`) until they are back to where they were, or
 *    `--reap-timeout` seconds pass. A hub that sends a heartbeat finds out at
 *    its next write at the latest; a hub that only writes when there is news
 *    never does on a quiet channel.
 * 2. **A stream that stops reading.** One SSE stream (all channels) reads its
 *    headers and then nothing more, while `--slow-messages` messages of
 *    `--slow-body` characters are posted to `general`, in two equal batches.
 *    Before that, a control batch of half as many is posted with no stream
 *    open, so growth that has nothing to do with the stuck reader (SQLite's
 *    cache, the allocator) can be told apart. The bench samples the hub's RSS
 *    throughout and reports it before, after each batch and at the peak, with the bytes the kernel holds for that
 *    connection (`ss` Send-Q on the hub's side, Recv-Q on the client's). Then
 *    it reads the stream again and counts how many of the messages arrive.
 * 3. **Connections that never send a request.** `--idle` TCP connections are
 *    opened and left silent. The bench reports how many the hub accepted, its
 *    fds/RSS/threads before and with them, the median of 20
 *    `GET /v1/hub-info` probes and of 10 post → long-poll wake-ups before and
 *    with them, and, over `--idle-seconds`, when (if ever) the hub closed them.
 *
 * The hub's pid comes from `--pid` or from `ss -ltnp`; reading another
 * process's `/proc` needs `-A`.
 *
 * @module
 */

import {
  callJson,
  connectTcp,
  describe,
  fdCount,
  findPid,
  percentile,
  procStats,
  randomSuffix,
  rawRequest,
  requestBytes,
  round,
  sleep,
  table,
  type Target,
  targetOf,
  writeAll,
} from "./_util.ts";

const USAGE = `usage: deno run -A bench/peers.ts --url URL [--url URL ...]
         [--pid PID ...] [--streams 50] [--reap-timeout 60]
         [--slow-messages 6000] [--slow-body 8000] [--idle 1000]
         [--idle-seconds 120] [--skip dead,slow,idle] [--out FILE] [--json]

  --url URL           base URL of a running hub (repeatable; measured in order)
  --pid PID           its process id (default: found with ss -ltnp)
  --streams N         dead streams in phase 1 (default 50)
  --reap-timeout S    how long to wait for the hub to let go of them (default 60)
  --slow-messages N   messages posted past the stuck reader (default 6000)
  --slow-body N       characters per message body (default 8000)
  --idle N            silent connections in phase 3 (default 1000)
  --idle-seconds S    how long to watch them (default 120)
  --skip LIST         phases to leave out: dead, slow, idle
  --out FILE          also write the JSON result to FILE
  --json              print one JSON object instead of tables
  -h, --help          show this help`;

interface Options {
  urls: string[];
  pids: (number | undefined)[];
  streams: number;
  reapTimeoutS: number;
  slowMessages: number;
  slowBody: number;
  idle: number;
  idleSeconds: number;
  skip: Set<string>;
  out: string | undefined;
  json: boolean;
}

const decoder = new TextDecoder();

// ── shared bits ─────────────────────────────────────────────────────────

async function closeWaitCount(port: number): Promise<number | null> {
  try {
    const out = await new Deno.Command("ss", {
      args: ["-Htn", "state", "close-wait", `( sport = :${port} )`],
      stdout: "piped",
      stderr: "null",
    }).output();
    return decoder.decode(out.stdout).split("\n").filter((l) => l.trim())
      .length;
  } catch {
    return null;
  }
}

/** Send-Q / Recv-Q of the socket pair between the hub port and a client port. */
async function queues(
  hubPort: number,
  clientPort: number,
): Promise<{ hub_send_q: number; client_recv_q: number } | null> {
  try {
    const out = await new Deno.Command("ss", {
      args: [
        "-Htn",
        `( sport = :${hubPort} and dport = :${clientPort} ) or ( sport = :${clientPort} and dport = :${hubPort} )`,
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    let hub = 0;
    let client = 0;
    for (const line of decoder.decode(out.stdout).split("\n")) {
      const f = line.trim().split(/\s+/);
      if (f.length < 5) continue;
      const recvQ = Number(f[1]);
      const sendQ = Number(f[2]);
      if ((f[3] ?? "").endsWith(`:${hubPort}`)) hub = sendQ;
      else client = recvQ;
    }
    return { hub_send_q: hub, client_recv_q: client };
  } catch {
    return null;
  }
}

/** Opens an SSE stream and reads only its response headers. */
async function openStream(
  t: Target,
  path: string,
): Promise<{ conn: Deno.TcpConn; rest: string }> {
  const conn = await connectTcp(t, 15_000);
  await writeAll(conn, requestBytes(t, "GET", path));
  const chunk = new Uint8Array(4096);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(chunk);
    if (n === null) throw new Error("stream closed before its headers");
    text += decoder.decode(chunk.subarray(0, n));
  }
  const status = Number(text.split(" ")[1]);
  if (status !== 200) throw new Error(`stream: HTTP ${status}`);
  return { conn, rest: text.slice(text.indexOf("\r\n\r\n") + 4) };
}

async function post(t: Target, channel: string, body: string): Promise<number> {
  const r = await callJson(t, "POST", "/v1/messages", {
    from_agent: "peers-poster",
    channel,
    body,
  }) as { id: number };
  return r.id;
}

async function probeMedian(t: Target, n = 20): Promise<number | null> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    try {
      const r = await rawRequest(t, "GET", "/v1/hub-info", undefined, 5000);
      if (r.status === 200) times.push(performance.now() - t0);
    } catch { /* counted as missing */ }
  }
  const p = percentile(times, 50);
  return p === null ? null : round(p, 3);
}

/** Median of `n` post → long-poll wake-ups for a fresh agent. */
async function wakeMedian(t: Target, n = 10): Promise<number | null> {
  const agent = `peers-waiter-${randomSuffix()}`;
  let since = await post(t, "general", "wake baseline");
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const waiter = rawRequest(
      t,
      "GET",
      `/v1/events?agent_id=${agent}&since_id=${since}&timeout=30`,
      undefined,
      35_000,
    ).then((r) => ({ r, at: performance.now() }));
    waiter.catch(() => {});
    await sleep(50 + Math.random() * 250);
    const t0 = performance.now();
    try {
      const id = await post(t, "general", `wake ${i}`);
      const { r, at } = await waiter;
      if (r.status === 200 && r.body.includes(String(id))) {
        times.push(at - t0);
      }
      since = id;
    } catch { /* missing sample */ }
  }
  const p = percentile(times, 50);
  return p === null ? null : round(p, 2);
}

// ── phase 1: dead streams ──────────────────────────────────────────────

interface DeadResult {
  streams: number;
  reap_timeout_s: number;
  opened: number;
  fds_before: number | null;
  fds_open: number | null;
  close_wait_after_close: number | null;
  /** Seconds from closing until the hub's fds were back (null: never, within the timeout). */
  reaped_after_s: number | null;
  fds_at_end: number | null;
  timeline: { t_s: number; fds: number | null; close_wait: number | null }[];
  error: string | null;
}

async function deadStreams(
  t: Target,
  pid: number | undefined,
  opts: Options,
  log: (s: string) => void,
): Promise<DeadResult> {
  const channel = `quiet-${randomSuffix()}`;
  const r: DeadResult = {
    streams: opts.streams,
    reap_timeout_s: opts.reapTimeoutS,
    opened: 0,
    fds_before: null,
    fds_open: null,
    close_wait_after_close: null,
    reaped_after_s: null,
    fds_at_end: null,
    timeline: [],
    error: null,
  };
  try {
    await callJson(t, "POST", "/v1/channels", {
      name: channel,
      created_by: "peers",
    });
    await sleep(500);
    r.fds_before = await fdCount(pid);
    const conns: Deno.TcpConn[] = [];
    for (let i = 0; i < opts.streams; i++) {
      const s = await openStream(
        t,
        `/v1/stream?agent_id=peers-dead-${i}&channels=${channel}&since_id=0`,
      );
      conns.push(s.conn);
    }
    r.opened = conns.length;
    await sleep(1000);
    r.fds_open = await fdCount(pid);
    log(
      `  ${r.opened} streams open on ${channel}; hub fds ${r.fds_before} -> ${r.fds_open}; closing them`,
    );
    const t0 = performance.now();
    for (const c of conns) c.close();
    await sleep(300);
    r.close_wait_after_close = await closeWaitCount(t.port);
    while (performance.now() - t0 < opts.reapTimeoutS * 1000) {
      const fds = await fdCount(pid);
      const cw = await closeWaitCount(t.port);
      const ts = round((performance.now() - t0) / 1000, 1);
      const last = r.timeline.at(-1);
      if (!last || last.fds !== fds || last.close_wait !== cw) {
        r.timeline.push({ t_s: ts, fds, close_wait: cw });
      }
      if (fds !== null && r.fds_before !== null && fds <= r.fds_before + 1) {
        r.reaped_after_s = ts;
        break;
      }
      await sleep(250);
    }
    r.fds_at_end = await fdCount(pid);
    log(
      `  reaped after ${
        r.reaped_after_s ?? `more than ${opts.reapTimeoutS}`
      } s (fds now ${r.fds_at_end})`,
    );
  } catch (err) {
    r.error = describe(err);
    log(`  failed: ${r.error}`);
  }
  return r;
}

// ── phase 2: a stream that stops reading ───────────────────────────────

interface SlowResult {
  messages: number;
  body_chars: number;
  rss_before_mb: number | null;
  /** After a first batch posted with no stream open, for comparison. */
  rss_after_control_mb: number | null;
  rss_stuck_open_mb: number | null;
  rss_after_batch1_mb: number | null;
  rss_after_batch2_mb: number | null;
  rss_peak_mb: number | null;
  kernel_queues: { hub_send_q: number; client_recv_q: number } | null;
  post_seconds: number | null;
  delivered_after_resume: number | null;
  drain_seconds: number | null;
  error: string | null;
}

async function slowReader(
  t: Target,
  pid: number | undefined,
  opts: Options,
  log: (s: string) => void,
): Promise<SlowResult> {
  const r: SlowResult = {
    messages: opts.slowMessages,
    body_chars: opts.slowBody,
    rss_before_mb: null,
    rss_after_control_mb: null,
    rss_stuck_open_mb: null,
    rss_after_batch1_mb: null,
    rss_after_batch2_mb: null,
    rss_peak_mb: null,
    kernel_queues: null,
    post_seconds: null,
    delivered_after_resume: null,
    drain_seconds: null,
    error: null,
  };
  let peak = 0;
  const sampler = setInterval(async () => {
    const s = await procStats(pid);
    if (s && s.rssMb > peak) peak = s.rssMb;
  }, 200);
  let conn: Deno.TcpConn | undefined;
  try {
    const tag = randomSuffix();
    const body = `slow ${tag} ` + "x".repeat(Math.max(0, opts.slowBody - 12));
    const third = Math.floor(opts.slowMessages / 2);
    let lastId = 0;
    const postBatch = async (count: number) => {
      let left = count;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (left > 0) {
          left--;
          const id = await post(t, "general", body);
          if (id > lastId) lastId = id;
        }
      }));
      await sleep(2000);
      return (await procStats(pid))?.rssMb ?? null;
    };
    r.rss_before_mb = (await procStats(pid))?.rssMb ?? null;
    peak = r.rss_before_mb ?? 0;
    // Control: the same traffic with nobody stuck, so growth that has
    // nothing to do with the stuck reader (caches, allocator) shows here.
    r.rss_after_control_mb = await postBatch(third);
    log(
      `  control batch of ${third} (no stream open): RSS ${r.rss_before_mb} -> ${r.rss_after_control_mb} MB`,
    );
    const since = await post(t, "general", `slow baseline ${tag}`);
    const s = await openStream(
      t,
      `/v1/stream?agent_id=peers-slow-${tag}&since_id=${since}`,
    );
    conn = s.conn;
    const clientPort = (conn.localAddr as Deno.NetAddr).port;
    await sleep(500);
    r.rss_stuck_open_mb = (await procStats(pid))?.rssMb ?? null;
    const t0 = performance.now();
    lastId = since;
    r.rss_after_batch1_mb = await postBatch(third);
    log(`  stuck reader, batch 1 of ${third}: RSS ${r.rss_after_batch1_mb} MB`);
    r.rss_after_batch2_mb = await postBatch(opts.slowMessages - third);
    log(
      `  stuck reader, batch 2 of ${
        opts.slowMessages - third
      }: RSS ${r.rss_after_batch2_mb} MB`,
    );
    r.post_seconds = round((performance.now() - t0) / 1000, 1);
    r.kernel_queues = await queues(t.port, clientPort);
    log(
      `  posted ${opts.slowMessages} messages in ${r.post_seconds} s; kernel queues ${
        JSON.stringify(r.kernel_queues)
      }`,
    );
    // Resume reading and count what arrives.
    const d0 = performance.now();
    const chunk = new Uint8Array(256 * 1024);
    const re = new RegExp(`data: \\{"id":\\s*(\\d+)`, "g");
    const seen = new Set<number>();
    let partial = s.rest;
    const deadline = d0 + 120_000;
    let readerDone = false;
    const reader = (async () => {
      while (!readerDone) {
        const n = await conn!.read(chunk);
        if (n === null) break;
        partial += decoder.decode(chunk.subarray(0, n), { stream: true });
        const cut = partial.lastIndexOf("\n");
        if (cut >= 0) {
          for (const m of partial.slice(0, cut).matchAll(re)) {
            const id = Number(m[1]);
            if (id > since && id <= lastId) seen.add(id);
          }
          partial = partial.slice(cut + 1);
        }
        if (seen.size >= opts.slowMessages) break;
      }
    })().catch(() => {});
    while (seen.size < opts.slowMessages && performance.now() < deadline) {
      await Promise.race([reader, sleep(250)]);
      if (seen.size >= opts.slowMessages) break;
    }
    readerDone = true;
    r.delivered_after_resume = seen.size;
    r.drain_seconds = round((performance.now() - d0) / 1000, 1);
    log(
      `  after resuming: ${seen.size}/${opts.slowMessages} delivered in ${r.drain_seconds} s`,
    );
  } catch (err) {
    r.error = describe(err);
    log(`  failed: ${r.error}`);
  } finally {
    clearInterval(sampler);
    r.rss_peak_mb = peak || null;
    try {
      conn?.close();
    } catch { /* closed */ }
  }
  return r;
}

// ── phase 3: connections that never send a request ─────────────────────

interface IdleResult {
  idle: number;
  connected: number;
  connect_failures: number;
  first_connect_error: string | null;
  connect_seconds: number | null;
  fds_before: number | null;
  fds_with_idle: number | null;
  rss_before_mb: number | null;
  rss_with_idle_mb: number | null;
  threads_before: number | null;
  threads_with_idle: number | null;
  probe_p50_before_ms: number | null;
  probe_p50_with_idle_ms: number | null;
  wake_p50_before_ms: number | null;
  wake_p50_with_idle_ms: number | null;
  watched_s: number;
  closed_by_hub: number;
  first_close_s: number | null;
  median_close_s: number | null;
  last_close_s: number | null;
  error: string | null;
}

async function idleConnections(
  t: Target,
  pid: number | undefined,
  opts: Options,
  log: (s: string) => void,
): Promise<IdleResult> {
  const r: IdleResult = {
    idle: opts.idle,
    connected: 0,
    connect_failures: 0,
    first_connect_error: null,
    connect_seconds: null,
    fds_before: null,
    fds_with_idle: null,
    rss_before_mb: null,
    rss_with_idle_mb: null,
    threads_before: null,
    threads_with_idle: null,
    probe_p50_before_ms: null,
    probe_p50_with_idle_ms: null,
    wake_p50_before_ms: null,
    wake_p50_with_idle_ms: null,
    watched_s: opts.idleSeconds,
    closed_by_hub: 0,
    first_close_s: null,
    median_close_s: null,
    last_close_s: null,
    error: null,
  };
  const conns: Deno.TcpConn[] = [];
  try {
    r.fds_before = await fdCount(pid);
    const before = await procStats(pid);
    r.rss_before_mb = before?.rssMb ?? null;
    r.threads_before = before?.threads ?? null;
    r.probe_p50_before_ms = await probeMedian(t);
    r.wake_p50_before_ms = await wakeMedian(t);
    log(
      `  before: probe p50 ${r.probe_p50_before_ms} ms, wake-up p50 ${r.wake_p50_before_ms} ms; opening ${opts.idle} silent connections`,
    );
    const t0 = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: opts.idle }, () => connectTcp(t, 20_000)),
    );
    for (const res of results) {
      if (res.status === "fulfilled") conns.push(res.value);
      else {
        r.connect_failures++;
        r.first_connect_error ??= describe(res.reason);
      }
    }
    r.connected = conns.length;
    r.connect_seconds = round((performance.now() - t0) / 1000, 2);
    const opened = performance.now();
    const closedAt: number[] = [];
    let stopping = false;
    const buf = new Uint8Array(1024);
    for (const c of conns) {
      (async () => {
        try {
          while ((await c.read(buf)) !== null) { /* the hub said something */ }
        } catch { /* reset or closed by us */ }
        if (!stopping) closedAt.push((performance.now() - opened) / 1000);
      })();
    }
    await sleep(2000);
    r.fds_with_idle = await fdCount(pid);
    const withIdle = await procStats(pid);
    r.rss_with_idle_mb = withIdle?.rssMb ?? null;
    r.threads_with_idle = withIdle?.threads ?? null;
    r.probe_p50_with_idle_ms = await probeMedian(t);
    r.wake_p50_with_idle_ms = await wakeMedian(t);
    log(
      `  ${r.connected} connected in ${r.connect_seconds} s; fds ${r.fds_before} -> ${r.fds_with_idle}, RSS ${r.rss_before_mb} -> ${r.rss_with_idle_mb} MB; probe p50 ${r.probe_p50_with_idle_ms} ms, wake-up p50 ${r.wake_p50_with_idle_ms} ms`,
    );
    log(`  watching them for ${opts.idleSeconds} s`);
    while (
      performance.now() - opened < opts.idleSeconds * 1000 &&
      closedAt.length < conns.length
    ) {
      await sleep(500);
    }
    stopping = true;
    closedAt.sort((a, b) => a - b);
    r.closed_by_hub = closedAt.length;
    r.first_close_s = closedAt.length ? round(closedAt[0]!, 1) : null;
    r.median_close_s = closedAt.length
      ? round(percentile(closedAt, 50)!, 1)
      : null;
    r.last_close_s = closedAt.length ? round(closedAt.at(-1)!, 1) : null;
    log(
      `  the hub closed ${r.closed_by_hub}/${r.connected} (first ${r.first_close_s} s, median ${r.median_close_s} s)`,
    );
  } catch (err) {
    r.error = describe(err);
    log(`  failed: ${r.error}`);
  } finally {
    for (const c of conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
  }
  await sleep(2000);
  return r;
}

// ── main ────────────────────────────────────────────────────────────────

interface HubResult {
  url: string;
  pid: number | null;
  implementation: string | null;
  dead: DeadResult | null;
  slow: SlowResult | null;
  idle: IdleResult | null;
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
    dead: null,
    slow: null,
    idle: null,
    error: null,
  };
  try {
    const info = await callJson(t, "GET", "/v1/hub-info") as Record<
      string,
      unknown
    >;
    out.implementation = String(info.implementation ?? "unknown");
  } catch (err) {
    out.error = `cannot reach hub: ${describe(err)}`;
    log(out.error);
    return out;
  }
  log(`${out.implementation}, pid ${pid ?? "unknown"}`);
  if (!opts.skip.has("dead")) {
    log(`phase 1: ${opts.streams} streams on a quiet channel vanish`);
    out.dead = await deadStreams(t, pid, opts, log);
  }
  if (!opts.skip.has("slow")) {
    log(
      `phase 2: a stream stops reading while ${opts.slowMessages} messages are posted`,
    );
    out.slow = await slowReader(t, pid, opts, log);
  }
  if (!opts.skip.has("idle")) {
    log(`phase 3: ${opts.idle} connections that never send a request`);
    out.idle = await idleConnections(t, pid, opts, log);
  }
  return out;
}

function v(x: number | string | null | undefined): string {
  return x === null || x === undefined ? "-" : String(x);
}

function render(results: HubResult[]): string {
  const names = results.map((h) => h.implementation ?? h.url);
  const rows: [string, (h: HubResult) => string][] = [
    ["dead streams opened", (h) => v(h.dead?.opened)],
    [
      "  hub fds before / with streams",
      (h) => `${v(h.dead?.fds_before)} / ${v(h.dead?.fds_open)}`,
    ],
    [
      "  sockets in CLOSE-WAIT 0.3 s after close",
      (h) => v(h.dead?.close_wait_after_close),
    ],
    [
      "  reaped after (s)",
      (h) =>
        h.dead
          ? v(
            h.dead.reaped_after_s ??
              `not within ${h.dead.reap_timeout_s}`,
          )
          : "-",
    ],
    ["stuck reader: RSS before (MB)", (h) => v(h.slow?.rss_before_mb)],
    [
      "  RSS after control batch, no stream (MB)",
      (h) => v(h.slow?.rss_after_control_mb),
    ],
    [
      "  RSS after batch 1 / batch 2 (MB)",
      (h) =>
        `${v(h.slow?.rss_after_batch1_mb)} / ${v(h.slow?.rss_after_batch2_mb)}`,
    ],
    ["  RSS peak (MB)", (h) => v(h.slow?.rss_peak_mb)],
    [
      "  kernel bytes: hub Send-Q / client Recv-Q",
      (h) =>
        h.slow?.kernel_queues
          ? `${h.slow.kernel_queues.hub_send_q} / ${h.slow.kernel_queues.client_recv_q}`
          : "-",
    ],
    [
      "  delivered after resuming",
      (h) =>
        h.slow
          ? `${v(h.slow.delivered_after_resume)}/${h.slow.messages} in ${
            v(h.slow.drain_seconds)
          } s`
          : "-",
    ],
    [
      "silent connections accepted",
      (h) =>
        h.idle
          ? `${h.idle.connected}/${h.idle.idle} in ${
            v(h.idle.connect_seconds)
          } s`
          : "-",
    ],
    [
      "  hub fds before / with",
      (h) => `${v(h.idle?.fds_before)} / ${v(h.idle?.fds_with_idle)}`,
    ],
    [
      "  hub RSS before / with (MB)",
      (h) => `${v(h.idle?.rss_before_mb)} / ${v(h.idle?.rss_with_idle_mb)}`,
    ],
    [
      "  hub threads before / with",
      (h) => `${v(h.idle?.threads_before)} / ${v(h.idle?.threads_with_idle)}`,
    ],
    [
      "  hub-info p50 before / with (ms)",
      (h) =>
        `${v(h.idle?.probe_p50_before_ms)} / ${
          v(h.idle?.probe_p50_with_idle_ms)
        }`,
    ],
    [
      "  wake-up p50 before / with (ms)",
      (h) =>
        `${v(h.idle?.wake_p50_before_ms)} / ${
          v(h.idle?.wake_p50_with_idle_ms)
        }`,
    ],
    [
      "  closed by the hub",
      (h) =>
        h.idle
          ? `${h.idle.closed_by_hub}/${h.idle.connected} within ${h.idle.watched_s} s` +
            (h.idle.closed_by_hub
              ? ` (first ${v(h.idle.first_close_s)} s, median ${
                v(h.idle.median_close_s)
              } s)`
              : "")
          : "-",
    ],
  ];
  const parts = [
    table(["", ...names], rows.map(([name, f]) => [name, ...results.map(f)])),
  ];
  for (const h of results) {
    if (h.error) parts.push(`${h.url}: FAILED: ${h.error}`);
    for (
      const [phase, e] of [["dead", h.dead?.error], ["slow", h.slow?.error], [
        "idle",
        h.idle?.error,
      ]]
    ) {
      if (e) parts.push(`${h.implementation ?? h.url} ${phase}: ${e}`);
    }
    if (h.dead) {
      parts.push(
        `${
          h.implementation ?? h.url
        } dead-stream timeline (s: fds, close-wait): ` +
          h.dead.timeline.map((p) =>
            `${p.t_s}: ${v(p.fds)}, ${v(p.close_wait)}`
          ).join("; "),
      );
    }
    if (h.idle?.first_connect_error) {
      parts.push(
        `${
          h.implementation ?? h.url
        } idle connect failures: ${h.idle.connect_failures} (${h.idle.first_connect_error})`,
      );
    }
  }
  return parts.join("\n");
}

function usageError(message: string): never {
  console.error(`error: ${message}\n\n${USAGE}`);
  Deno.exit(2);
}

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    usageError(`${name} must be a positive integer, got "${raw}"`);
  }
  return n;
}

function parseArgs(args: string[]): Options {
  const opts: Options = {
    urls: [],
    pids: [],
    streams: 50,
    reapTimeoutS: 60,
    slowMessages: 6000,
    slowBody: 8000,
    idle: 1000,
    idleSeconds: 120,
    skip: new Set(),
    out: undefined,
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
      case "--streams":
        opts.streams = positiveInt(name, value);
        break;
      case "--reap-timeout":
        opts.reapTimeoutS = positiveInt(name, value);
        break;
      case "--slow-messages":
        opts.slowMessages = positiveInt(name, value);
        break;
      case "--slow-body":
        opts.slowBody = positiveInt(name, value);
        break;
      case "--idle":
        opts.idle = positiveInt(name, value);
        break;
      case "--idle-seconds":
        opts.idleSeconds = positiveInt(name, value);
        break;
      case "--skip":
        for (const p of value.split(",").map((s) => s.trim()).filter(Boolean)) {
          if (!["dead", "slow", "idle"].includes(p)) {
            usageError(`--skip takes dead, slow and idle, got "${p}"`);
          }
          opts.skip.add(p);
        }
        break;
      case "--out":
        opts.out = value;
        break;
      default:
        usageError(`unknown option: ${arg}`);
    }
  }
  if (opts.urls.length === 0) usageError("at least one --url is required");
  return opts;
}

async function main(): Promise<number> {
  const opts = parseArgs(Deno.args);
  const results: HubResult[] = [];
  for (const [i, url] of opts.urls.entries()) {
    results.push(await benchHub(url, opts.pids[i], opts));
  }
  const json = {
    benchmark: "arc-peers",
    generated_at: new Date().toISOString(),
    deno: Deno.version.deno,
    config: {
      streams: opts.streams,
      reap_timeout_s: opts.reapTimeoutS,
      slow_messages: opts.slowMessages,
      slow_body: opts.slowBody,
      idle: opts.idle,
      idle_seconds: opts.idleSeconds,
      skip: [...opts.skip],
    },
    hubs: results,
  };
  if (opts.out) {
    await Deno.writeTextFile(opts.out, JSON.stringify(json, null, 2) + "\n");
  }
  if (opts.json) console.log(JSON.stringify(json, null, 2));
  else console.log(render(results));
  return results.every((h) => !h.error) ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await main());
}
