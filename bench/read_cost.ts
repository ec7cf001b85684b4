// deno-lint-ignore-file no-console
/**
 * Read cost against history size: is a read as cheap with 100k messages as
 * with 10k?
 *
 * ```sh
 * deno run -A bench/read_cost.ts --url http://127.0.0.1:7001 \
 *   [--url http://127.0.0.1:7002] [--sizes 10000,100000] [--repeats 21] \
 *   [--seed direct|http] [--threads 100] [--out FILE] [--json]
 * ```
 *
 * Give it hubs with fresh, throwaway databases. For every hub (one after
 * another) and every size, the bench first tops the hub's history up to that
 * many messages, then times three reads, each once cold (the first request
 * after seeding) and then `--repeats` times in a row:
 *
 * - `GET /v1/events?agent_id=x&since_id=0` (the default limit),
 * - `GET /v1/bootstrap?agent_id=x`,
 * - `GET /v1/threads`.
 *
 * The history looks like a busy team's: 40 % of messages in `general`, the
 * rest over five more channels; one in ten is a direct message to one of 50
 * agents; half belong to one of `--threads` threads (a fixed number, so
 * `GET /v1/threads` returns the same amount of data at every size); one in
 * twenty is a task (with its task row, every other one done) and one in fifty
 * an artifact.
 *
 * Seeding: with `--seed direct` (the default) the rows are inserted straight
 * into the database file the hub names in `GET /v1/hub-info` (its
 * `storage_path`), through `node:sqlite`, in large transactions. Both hubs use
 * the same tables, and SQLite in WAL mode lets another process write while
 * the hub runs, exactly as several hub processes sharing one file do. With
 * `--seed http` every message is posted with `POST /v1/messages` (16 at a
 * time) instead, which works against any hub but takes minutes for 100k.
 *
 * Requests go through `fetch`, one at a time, so a keep-alive hub reuses its
 * connection and a hub that closes after every response pays a TCP handshake
 * per read (the same at every size). Results: a table per hub with the
 * median, p90 and cold time per read and size, and the growth factor from the
 * smallest to the largest size. `--json` prints one JSON object instead;
 * `--out` also writes it to a file.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

const USAGE = `usage: deno run -A bench/read_cost.ts --url URL [--url URL ...]
         [--sizes 10000,100000] [--repeats 21] [--seed direct|http]
         [--threads 100] [--out FILE] [--json]

  --url URL        base URL of a running hub with a throwaway database
                   (repeatable; measured in order)
  --sizes LIST     history sizes to measure at, ascending (default 10000,100000)
  --repeats N      timed requests per read and size, after one cold request
                   (default 21)
  --seed MODE      direct: insert rows into the hub's SQLite file (default);
                   http: post every message through the API
  --threads N      number of distinct threads in the history (default 100)
  --out FILE       also write the JSON result to FILE
  --json           print one JSON object instead of tables
  -h, --help       show this help`;

/** A read counts as flat when the largest size costs at most this factor more. */
const FLAT_FACTOR = 1.5;
const CHANNELS = ["bench-c0", "bench-c1", "bench-c2", "bench-c3", "bench-c4"];
const REQUEST_TIMEOUT_MS = 60_000;

interface Options {
  urls: string[];
  sizes: number[];
  repeats: number;
  seed: "direct" | "http";
  threads: number;
  out: string | undefined;
  json: boolean;
}

interface Read {
  name: string;
  path: string;
}

const READS: Read[] = [
  { name: "events since_id=0", path: "/v1/events?agent_id=x&since_id=0" },
  { name: "bootstrap", path: "/v1/bootstrap?agent_id=x" },
  { name: "threads", path: "/v1/threads" },
];

interface Timing {
  read: string;
  size: number;
  cold_ms: number;
  p50_ms: number;
  p90_ms: number;
  min_ms: number;
  items: number | null;
  bytes: number;
  errors: number;
}

interface HubResult {
  url: string;
  implementation: string | null;
  storage_path: string | null;
  seed: string;
  seeding: { size: number; added: number; seconds: number }[];
  timings: Timing[];
  error: string | null;
}

// ── helpers ─────────────────────────────────────────────────────────────

function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
  );
  return sorted[idx] ?? NaN;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

async function call(
  base: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(base + path, {
    method,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    headers: body === undefined
      ? { accept: "application/json" }
      : { accept: "application/json", "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const env = JSON.parse(text) as { ok?: unknown; result?: unknown };
  if (!res.ok || env.ok !== true) {
    throw new Error(
      `${method} ${path}: HTTP ${res.status}: ${text.slice(0, 200)}`,
    );
  }
  return env.result;
}

/** Message number `i` (1-based) of the synthetic history. */
function synthetic(i: number, threads: number) {
  const dm = i % 10 === 3;
  const kind = i % 20 === 0 ? "task" : i % 50 === 7 ? "artifact" : "chat";
  return {
    from_agent: `agent-${i % 37}`,
    to_agent: dm ? `agent-${i % 50}` : null,
    channel: dm
      ? "direct"
      : i % 5 < 2
      ? "general"
      : CHANNELS[i % 5] ?? "general",
    kind,
    body: `synthetic message ${i}: ` +
      "the quick brown fox jumps over the lazy dog. ".repeat(4),
    thread_id: i % 2 === 0 ? `thread-${(i / 2) % threads}` : null,
    taskDone: kind === "task" && i % 40 === 0,
  };
}

function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(
    ".000Z",
    "Z",
  );
}

// ── seeding ─────────────────────────────────────────────────────────────

function countDirect(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const row = db.prepare("SELECT COUNT(*) AS n FROM messages").get() as {
      n: number;
    };
    return Number(row.n);
  } finally {
    db.close();
  }
}

/** Inserts messages `from+1 .. to` straight into the database file. */
function seedDirect(path: string, from: number, to: number, threads: number) {
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA busy_timeout = 30000");
    const now = Date.now();
    const insertChannel = db.prepare(
      "INSERT OR IGNORE INTO channels (name, created_at, created_by, metadata_json) VALUES (?, ?, 'read-cost', '{}')",
    );
    const insertMessage = db.prepare(
      `INSERT INTO messages (ts, from_agent, to_agent, channel, kind, body,
         attachments_json, reply_to, thread_id, metadata_json)
       VALUES (?, ?, ?, ?, ?, ?, '[]', NULL, ?, '{}')`,
    );
    const insertTask = db.prepare(
      "INSERT OR IGNORE INTO tasks (task_id, parent_task_id, channel, thread_id, status, created_at, completed_at) VALUES (?, NULL, ?, ?, ?, ?, ?)",
    );
    const batch = 5000;
    for (let start = from + 1; start <= to; start += batch) {
      const end = Math.min(to, start + batch - 1);
      db.exec("BEGIN IMMEDIATE");
      try {
        for (const c of CHANNELS) insertChannel.run(c, isoSeconds(now));
        for (let i = start; i <= end; i++) {
          const m = synthetic(i, threads);
          // Spread the history over the last few days.
          const ts = isoSeconds(now - (to - i) * 1000);
          const r = insertMessage.run(
            ts,
            m.from_agent,
            m.to_agent,
            m.channel,
            m.kind,
            m.body,
            m.thread_id,
          );
          if (m.kind === "task") {
            insertTask.run(
              Number(r.lastInsertRowid),
              m.channel,
              m.thread_id,
              m.taskDone ? "done" : "open",
              ts,
              m.taskDone ? ts : null,
            );
          }
        }
        db.exec("COMMIT");
      } catch (err) {
        db.exec("ROLLBACK");
        throw err;
      }
    }
  } finally {
    db.close();
  }
}

async function seedHttp(
  base: string,
  from: number,
  to: number,
  threads: number,
): Promise<void> {
  for (const c of CHANNELS) {
    await call(base, "POST", "/v1/channels", {
      name: c,
      created_by: "read-cost",
    });
  }
  let next = from + 1;
  const worker = async () => {
    while (next <= to) {
      const m = synthetic(next++, threads);
      await call(base, "POST", "/v1/messages", {
        from_agent: m.from_agent,
        ...(m.to_agent ? { to_agent: m.to_agent } : { channel: m.channel }),
        kind: m.kind,
        body: m.body,
        ...(m.thread_id ? { thread_id: m.thread_id } : {}),
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

// ── timing ──────────────────────────────────────────────────────────────

async function timeOnce(
  base: string,
  path: string,
): Promise<{ ms: number; items: number | null; bytes: number }> {
  const t0 = performance.now();
  const res = await fetch(base + path, {
    headers: { accept: "application/json" },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  const result = (JSON.parse(text) as { result?: unknown }).result;
  return {
    ms,
    items: Array.isArray(result) ? result.length : null,
    bytes: text.length,
  };
}

async function timeRead(
  base: string,
  read: Read,
  size: number,
  repeats: number,
): Promise<Timing> {
  const cold = await timeOnce(base, read.path);
  const times: number[] = [];
  let errors = 0;
  for (let i = 0; i < repeats; i++) {
    try {
      times.push((await timeOnce(base, read.path)).ms);
    } catch {
      errors++;
    }
  }
  return {
    read: read.name,
    size,
    cold_ms: round(cold.ms),
    p50_ms: round(percentile(times, 50)),
    p90_ms: round(percentile(times, 90)),
    min_ms: round(Math.min(...times)),
    items: cold.items,
    bytes: cold.bytes,
    errors,
  };
}

async function benchHub(url: string, opts: Options): Promise<HubResult> {
  const log = (line: string) => console.error(`[${url}] ${line}`);
  const out: HubResult = {
    url,
    implementation: null,
    storage_path: null,
    seed: opts.seed,
    seeding: [],
    timings: [],
    error: null,
  };
  try {
    const info = await call(url, "GET", "/v1/hub-info") as Record<
      string,
      unknown
    >;
    out.implementation = String(info.implementation ?? "unknown");
    out.storage_path = typeof info.storage_path === "string"
      ? info.storage_path
      : null;
    log(`${out.implementation}, storage ${out.storage_path}`);
    let have: number;
    if (opts.seed === "direct") {
      if (!out.storage_path) throw new Error("hub-info has no storage_path");
      have = countDirect(out.storage_path);
    } else {
      // A fresh hub: the newest id is the number of messages it holds.
      const r = await call(url, "GET", "/v1/bootstrap?agent_id=read-cost") as {
        latest_visible_id?: number;
      };
      have = Number(r.latest_visible_id ?? 0);
    }
    for (const size of opts.sizes) {
      if (have < size) {
        log(`seeding ${size - have} messages (${opts.seed})`);
        const t0 = performance.now();
        if (opts.seed === "direct") {
          seedDirect(out.storage_path!, have, size, opts.threads);
        } else await seedHttp(url, have, size, opts.threads);
        out.seeding.push({
          size,
          added: size - have,
          seconds: round((performance.now() - t0) / 1000, 1),
        });
        have = size;
      } else if (have > size) {
        log(`hub already holds ${have} messages (more than ${size})`);
      }
      for (const read of READS) {
        const t = await timeRead(url, read, have, opts.repeats);
        out.timings.push(t);
        log(
          `  ${have} msgs  ${read.name}: p50 ${t.p50_ms} ms, cold ${t.cold_ms} ms, ${t.bytes} bytes`,
        );
      }
    }
  } catch (err) {
    out.error = describe(err);
    log(`failed: ${out.error}`);
  }
  return out;
}

// ── output ──────────────────────────────────────────────────────────────

function table(headers: string[], rows: string[][]): string {
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

interface Growth {
  read: string;
  from_size: number;
  to_size: number;
  from_p50_ms: number;
  to_p50_ms: number;
  factor: number;
  flat: boolean;
}

function growth(h: HubResult): Growth[] {
  const sizes = [...new Set(h.timings.map((t) => t.size))].sort((a, b) =>
    a - b
  );
  if (sizes.length < 2) return [];
  const lo = sizes[0]!;
  const hi = sizes[sizes.length - 1]!;
  return READS.flatMap((r) => {
    const a = h.timings.find((t) => t.read === r.name && t.size === lo);
    const b = h.timings.find((t) => t.read === r.name && t.size === hi);
    if (!a || !b) return [];
    const factor = round(b.p50_ms / a.p50_ms, 2);
    return [{
      read: r.name,
      from_size: lo,
      to_size: hi,
      from_p50_ms: a.p50_ms,
      to_p50_ms: b.p50_ms,
      factor,
      flat: factor <= FLAT_FACTOR,
    }];
  });
}

function render(results: HubResult[]): string {
  const parts: string[] = [];
  for (const h of results) {
    parts.push(
      `=== ${h.implementation ?? "?"} @ ${h.url} (seed: ${h.seed}) ===`,
    );
    if (h.error) parts.push(`FAILED: ${h.error}`);
    parts.push(
      table(
        [
          "read",
          "messages",
          "p50 ms",
          "p90 ms",
          "min ms",
          "cold ms",
          "items",
          "bytes",
        ],
        h.timings.map((t) => [
          t.read,
          String(t.size),
          t.p50_ms.toFixed(2),
          t.p90_ms.toFixed(2),
          t.min_ms.toFixed(2),
          t.cold_ms.toFixed(2),
          t.items === null ? "-" : String(t.items),
          String(t.bytes),
        ]),
      ),
    );
    for (const s of h.seeding) {
      parts.push(
        `seeded ${s.added} messages up to ${s.size} in ${s.seconds} s`,
      );
    }
    parts.push("");
  }
  const rows: string[][] = [];
  const per = results.map(growth);
  for (const r of READS) {
    rows.push([
      r.name,
      ...per.map((g) => {
        const x = g.find((y) => y.read === r.name);
        return x
          ? `${x.from_p50_ms.toFixed(2)} -> ${x.to_p50_ms.toFixed(2)} ms (x${
            x.factor.toFixed(2)
          }, ${x.flat ? "flat" : "GROWS"})`
          : "-";
      }),
    ]);
  }
  const sizes = results.flatMap((h) => h.timings.map((t) => t.size));
  parts.push(
    `=== Growth of the median from ${Math.min(...sizes)} to ${
      Math.max(...sizes)
    } messages (flat = at most x${FLAT_FACTOR}) ===`,
    table(
      ["read", ...results.map((h) => h.implementation ?? h.url)],
      rows,
    ),
  );
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
    sizes: [10_000, 100_000],
    repeats: 21,
    seed: "direct",
    threads: 100,
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
      case "--sizes":
        opts.sizes = value.split(",").filter((s) => s.trim()).map((s) =>
          positiveInt(name, s.trim())
        ).sort((a, b) => a - b);
        break;
      case "--repeats":
        opts.repeats = positiveInt(name, value);
        break;
      case "--threads":
        opts.threads = positiveInt(name, value);
        break;
      case "--seed":
        if (value !== "direct" && value !== "http") {
          usageError(`--seed must be direct or http, got "${value}"`);
        }
        opts.seed = value;
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
  for (const url of opts.urls) results.push(await benchHub(url, opts));
  const json = {
    benchmark: "arc-read-cost",
    generated_at: new Date().toISOString(),
    deno: Deno.version.deno,
    config: {
      sizes: opts.sizes,
      repeats: opts.repeats,
      seed: opts.seed,
      threads: opts.threads,
      flat_factor: FLAT_FACTOR,
    },
    hubs: results.map((h) => ({ ...h, growth: growth(h) })),
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
