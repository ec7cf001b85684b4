/**
 * `GET /metrics` in the Prometheus text format (Arc for Deno extension):
 * requests by route and status with latency histograms, messages posted,
 * waiters held, relay queue depth and latency, live sessions, active claims
 * and locks, storage faults, and the process's memory.
 *
 * @module
 */

/** Latency buckets, in seconds. */
const BUCKETS = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  5,
  30,
  60,
];

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) =>
    `${k}="${
      v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
    }"`
  );
  return parts.length ? `{${parts.join(",")}}` : "";
}

type CounterEntry = { labels: Labels; value: number };
type HistogramEntry = {
  labels: Labels;
  buckets: number[];
  sum: number;
  count: number;
};

/** A counter family keyed by its label values. */
class Counter {
  readonly values = new Map<string, CounterEntry>();
  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels).value += by;
  }
  /** The series for `labels`, created at 0. */
  entry(labels: Labels): CounterEntry {
    const key = labelText(labels);
    let entry = this.values.get(key);
    if (!entry) this.values.set(key, entry = { labels, value: 0 });
    return entry;
  }
}

/** A histogram family keyed by its label values. */
class Histogram {
  readonly values = new Map<string, HistogramEntry>();
  observe(labels: Labels, seconds: number): void {
    observeInto(this.entry(labels), seconds);
  }
  /** The series for `labels`, created empty. */
  entry(labels: Labels): HistogramEntry {
    const key = labelText(labels);
    let entry = this.values.get(key);
    if (!entry) {
      this.values.set(
        key,
        entry = { labels, buckets: BUCKETS.map(() => 0), sum: 0, count: 0 },
      );
    }
    return entry;
  }
}

function observeInto(entry: HistogramEntry, seconds: number): void {
  for (let i = 0; i < BUCKETS.length; i++) {
    if (seconds <= BUCKETS[i]!) entry.buckets[i]!++;
  }
  entry.sum += seconds;
  entry.count++;
}

/** Values read at scrape time. */
export interface Gauges {
  longPolls: number;
  streams: number;
  liveSessions: number;
  activeClaims: number;
  activeLocks: number;
  relay?: {
    queued: number;
    inFlight: number;
    processed: number;
    failed: number;
  };
}

/** The hub's metrics registry. */
export class Metrics {
  readonly requests = new Counter();
  readonly latency = new Histogram();
  readonly posted = new Counter();
  readonly storageErrors = new Counter();
  readonly relayLatency = new Histogram();
  /** The series one request updates, by method, status and route. */
  #series = new Map<
    string,
    { count: CounterEntry; latency: HistogramEntry }
  >();

  /** Records one answered HTTP request. */
  request(
    route: string,
    method: string,
    status: number,
    seconds: number,
  ): void {
    // Routes are patterns, so there are few keys; building label text on
    // every request cost more than the rest of the bookkeeping.
    const key = `${method} ${status} ${route}`;
    let series = this.#series.get(key);
    if (!series) {
      series = {
        count: this.requests.entry({ route, method, status: String(status) }),
        latency: this.latency.entry({ route }),
      };
      this.#series.set(key, series);
    }
    series.count.value++;
    observeInto(series.latency, seconds);
    if (status === 503) this.storageErrors.inc();
  }

  /** Renders every family in the Prometheus text format. */
  render(gauges: Gauges): string {
    const out: string[] = [];
    const counter = (name: string, help: string, c: Counter) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      if (c.values.size === 0) out.push(`${name} 0`);
      for (const { labels, value } of c.values.values()) {
        out.push(`${name}${labelText(labels)} ${value}`);
      }
    };
    const histogram = (name: string, help: string, h: Histogram) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      for (const { labels, buckets, sum, count } of h.values.values()) {
        BUCKETS.forEach((b, i) =>
          out.push(
            `${name}_bucket${labelText({ ...labels, le: String(b) })} ${
              buckets[i]
            }`,
          )
        );
        out.push(
          `${name}_bucket${labelText({ ...labels, le: "+Inf" })} ${count}`,
        );
        out.push(`${name}_sum${labelText(labels)} ${sum}`);
        out.push(`${name}_count${labelText(labels)} ${count}`);
      }
    };
    const gauge = (name: string, help: string, samples: [Labels, number][]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      for (const [labels, value] of samples) {
        out.push(`${name}${labelText(labels)} ${value}`);
      }
    };
    counter(
      "arc_http_requests_total",
      "HTTP requests answered, by route, method and status.",
      this.requests,
    );
    histogram(
      "arc_http_request_duration_seconds",
      "Time to answer HTTP requests, by route (long-polls and streams included).",
      this.latency,
    );
    counter(
      "arc_messages_posted_total",
      "Messages committed through this hub process.",
      this.posted,
    );
    counter(
      "arc_storage_unavailable_total",
      "Requests refused because the storage could not take a write (503).",
      this.storageErrors,
    );
    const memory = Deno.memoryUsage();
    gauge("process_resident_memory_bytes", "Resident memory of the hub.", [[
      {},
      memory.rss,
    ]]);
    gauge(
      "arc_js_heap_bytes",
      "The JavaScript heap: reserved (total) and in use (used).",
      [[{ kind: "total" }, memory.heapTotal], [
        { kind: "used" },
        memory.heapUsed,
      ]],
    );
    gauge("arc_waiters", "Requests waiting for messages right now.", [
      [{ kind: "long_poll" }, gauges.longPolls],
      [{ kind: "sse" }, gauges.streams],
    ]);
    gauge("arc_sessions_live", "Active agent sessions.", [[
      {},
      gauges.liveSessions,
    ]]);
    gauge("arc_claims_active", "Claims held and not expired.", [[
      {},
      gauges.activeClaims,
    ]]);
    gauge("arc_locks_active", "File locks held and not expired.", [[
      {},
      gauges.activeLocks,
    ]]);
    if (gauges.relay) {
      gauge(
        "arc_relay_queue_depth",
        "Relay requests found but not yet dispatched.",
        [[{}, gauges.relay.queued]],
      );
      gauge("arc_relay_in_flight", "Relay requests being dispatched.", [[
        {},
        gauges.relay.inFlight,
      ]]);
      out.push(
        "# HELP arc_relay_requests_total Relay requests answered since start, by outcome.",
        "# TYPE arc_relay_requests_total counter",
        `arc_relay_requests_total{outcome="processed"} ${gauges.relay.processed}`,
        `arc_relay_requests_total{outcome="failed"} ${gauges.relay.failed}`,
      );
      histogram(
        "arc_relay_request_duration_seconds",
        "Time from claiming a relay request to writing its answer.",
        this.relayLatency,
      );
    }
    return out.join("\n") + "\n";
  }
}
