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

import {
  callJson,
  cpuMs,
  describe,
  fdCount,
  findPid,
  LongPoll,
  median,
  percentile,
  pool,
  postBroadcast,
  procStats,
  randomSuffix,
  rawRequest,
  round,
  sleep,
  Stream,
  table,
  type Target,
  targetOf,
} from "./_util.ts";

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
