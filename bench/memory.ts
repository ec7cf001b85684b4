// deno-lint-ignore-file no-console
/**
 * Memory and CPU per post of our hub against a floor server, in one run.
 *
 * ```sh
 * deno run -A bench/memory.ts [--posts 20000,100000] [--reference /tmp/ref/arc.py]
 * ```
 *
 * It starts, side by side on fresh throwaway storage, the floor server
 * (`floor_server.ts --stack`: `Deno.serve` + Hono + `node:sqlite`, storing
 * each post with one insert), our hub as `deno task start` and `deno task
 * ensure` run it ("ours": the bundle `deno task build` makes, run from
 * `dist/hub/main.js`), our hub from the sources ("ours-src": `main.ts
 * serve`, as the tests and a developer run it) and, with `--reference`, the
 * reference hub (`python3 arc.py`). `--hubs built` or `--hubs sources` runs
 * only one of ours (the first of them is the one the ratios compare). For
 * each it reads `VmRSS` from `/proc/<pid>/status`:
 *
 * 1. idle: after start-up, `--warmup` requests to `/v1/hub-info` and a
 *    settle period of `--settle-ms` (3 s);
 * 2. after each count of `--posts` (cumulative): the same client posts to
 *    one server at a time (`--clients` requests in flight, keep-alive); RSS
 *    is read right after each server's posts ("busy"), and again once every
 *    server has rested `--rest-ms` (30 s) with no requests ("at rest": the
 *    JavaScript heap takes that long to shrink after a burst).
 *
 * While posting it reads the server's CPU time (`utime + stime` of all its
 * threads, `/proc/<pid>/stat`) before and after, and reports CPU ms per post.
 * It prints a table and the ratios the memory issue set goals for: ours over
 * the floor (idle at most 1.2x, after 20,000 posts at most 1.5x) and our CPU
 * per post over the reference's (at most 1/10). `--json` prints one JSON
 * object instead, `--out FILE` also writes it to FILE.
 *
 * Our hub runs with the flags `arc ensure` gives it (`HUB_RUN_FLAGS`: the V8
 * flags and no code cache); `--no-hub-v8-flags` leaves them out. Extra flags for its `deno run` go in
 * `--hub-deno-flag` (repeatable), e.g. `--hub-deno-flag=--v8-flags=--lite-mode`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { HUB_RUN_FLAGS } from "../src/cli/lifecycle.ts";
import { entryConfigFlags } from "../src/cli/entry.ts";
import {
  cpuMs,
  postOne,
  round,
  type Server,
  sleep,
  startBenchHub,
  startServer,
  stopServer,
  table,
} from "./_util.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    posts: { type: "string", default: "20000" },
    clients: { type: "string", default: "8" },
    warmup: { type: "string", default: "5" },
    "settle-ms": { type: "string", default: "3000" },
    "rest-ms": { type: "string", default: "30000" },
    reference: { type: "string" },
    "hub-deno-flag": { type: "string", multiple: true, default: [] },
    "no-hub-v8-flags": { type: "boolean", default: false },
    hubs: { type: "string", default: "built,sources" },
    json: { type: "boolean", default: false },
    out: { type: "string" },
  },
});

const counts = values.posts.split(",").map(Number);
if (counts.some((n) => !Number.isInteger(n) || n < 0)) {
  throw new RangeError(
    `Cannot post as '--posts' must be counts separated by commas: current value is ${values.posts}`,
  );
}
const clients = Number(values.clients);
const warmup = Number(values.warmup);
const settleMs = Number(values["settle-ms"]);
const restMs = Number(values["rest-ms"]);
const hubFlags = [
  ...(values["no-hub-v8-flags"] ? [] : HUB_RUN_FLAGS),
  ...values["hub-deno-flag"],
];
const root = new URL("..", import.meta.url).pathname;
const hubs = values.hubs.split(",").map((h) => h.trim());
if (!hubs.length || hubs.some((h) => h !== "built" && h !== "sources")) {
  throw new RangeError(
    `Cannot start our hub as '--hubs' must be 'built', 'sources' or both separated by a comma: current value is ${values.hubs}`,
  );
}

interface Figures {
  name: string;
  idle_mb: number | null;
  /** RSS right after each cumulative post count, by count. */
  busy_mb: Record<string, number | null>;
  /** RSS at rest after each cumulative post count, by count. */
  after_mb: Record<string, number | null>;
  cpu_ms_per_post: number | null;
  posts_per_s: number | null;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function rssMb(pid: number): Promise<number | null> {
  try {
    const text = await Deno.readTextFile(`/proc/${pid}/status`);
    const kb = Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? NaN);
    return Number.isFinite(kb) ? round(kb / 1024, 1) : null;
  } catch {
    return null;
  }
}

async function post(
  url: string,
  n: number,
  offset: number,
  client: Deno.HttpClient,
): Promise<void> {
  let next = 0;
  const one = async () => {
    while (next < n) await postOne(url, offset + next++, client);
  };
  await Promise.all(Array.from({ length: Math.max(1, clients) }, one));
}

const dir = await Deno.makeTempDir({ prefix: "arc-mem-" });
// Compile-cache our hub's modules first, so its start-up does not include
// transpiling them (which leaves threads and memory behind).
await new Deno.Command(Deno.execPath(), {
  args: ["cache", "--quiet", "main.ts", "bench/floor_server.ts"],
  cwd: root,
  stdout: "null",
  stderr: "inherit",
}).output();

const servers: Server[] = [];
// One connection pool per server, closed at the end: a hub's graceful
// shutdown would otherwise wait for the pool's idle connections.
const pools = new Map<string, Deno.HttpClient>();
try {
  servers.push(
    await startServer(
      "floor",
      Deno.execPath(),
      [
        "run",
        "--allow-net=127.0.0.1",
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        "bench/floor_server.ts",
        "--stack",
        `${dir}/floor.sqlite3`,
      ],
      /listening on (http:\/\/\S+)/,
      root,
    ),
  );
  if (hubs.includes("built")) {
    const built = await new Deno.Command(Deno.execPath(), {
      args: ["task", "build"],
      cwd: root,
      stdout: "null",
      stderr: "inherit",
    }).output();
    if (!built.success) throw new Error("deno task build failed");
  }
  for (const hub of hubs) {
    const entry = hub === "built"
      ? [...entryConfigFlags(true), "dist/hub/main.js"]
      : ["main.ts"];
    const name = hub === "built" ? "ours" : "ours-src";
    await Deno.mkdir(`${dir}/${name}`);
    servers.push(await startBenchHub(name, hubFlags, entry, dir, root));
  }
  if (values.reference) {
    const port = freePort();
    await Deno.mkdir(`${dir}/ref`);
    servers.push(
      await startServer(
        "reference",
        "python3",
        [
          values.reference,
          "--port",
          String(port),
          "--storage",
          `${dir}/ref/arc.sqlite3`,
          "--spool-dir",
          `${dir}/ref/spool`,
          "--quiet",
        ],
        `http://127.0.0.1:${port}`,
        root,
      ),
    );
  }

  const figures = new Map<string, Figures>();
  for (const s of servers) {
    const client = Deno.createHttpClient({});
    pools.set(s.name, client);
    for (let i = 0; i < warmup; i++) {
      await (await fetch(`${s.url}/v1/hub-info`, { client })).body?.cancel();
    }
    figures.set(s.name, {
      name: s.name,
      idle_mb: null,
      busy_mb: {},
      after_mb: {},
      cpu_ms_per_post: null,
      posts_per_s: null,
    });
  }
  await sleep(settleMs);
  for (const s of servers) figures.get(s.name)!.idle_mb = await rssMb(s.pid);

  let done = 0;
  const cpuTotal = new Map<string, { ms: number; wall: number }>();
  for (const count of counts) {
    const n = count - done;
    for (const s of servers) {
      if (n <= 0) break;
      console.error(`posting ${n} to ${s.name} (${done} → ${count})`);
      const cpu0 = await cpuMs(s.pid);
      const t0 = performance.now();
      await post(s.url, n, done, pools.get(s.name)!);
      const wall = performance.now() - t0;
      const cpu1 = await cpuMs(s.pid);
      figures.get(s.name)!.busy_mb[String(count)] = await rssMb(s.pid);
      const sum = cpuTotal.get(s.name) ?? { ms: 0, wall: 0 };
      sum.ms += (cpu1 ?? NaN) - (cpu0 ?? NaN);
      sum.wall += wall;
      cpuTotal.set(s.name, sum);
    }
    done = Math.max(done, count);
    await sleep(restMs);
    for (const s of servers) {
      figures.get(s.name)!.after_mb[String(count)] = await rssMb(s.pid);
    }
  }
  for (const s of servers) {
    const sum = cpuTotal.get(s.name);
    const f = figures.get(s.name)!;
    if (sum && done > 0 && Number.isFinite(sum.ms)) {
      f.cpu_ms_per_post = round(sum.ms / done, 3);
      f.posts_per_s = round(done / (sum.wall / 1000), 0);
    }
  }

  const floor = figures.get("floor")!;
  // The hub the goals are about: the first of --hubs.
  const ours = figures.get(hubs[0] === "built" ? "ours" : "ours-src")!;
  const ref = figures.get("reference");
  const ratio = (a: number | null | undefined, b: number | null | undefined) =>
    a != null && b != null && b > 0 ? round(a / b, 2) : null;
  const ratios: Record<string, number | null> = {
    idle_vs_floor: ratio(ours.idle_mb, floor.idle_mb),
  };
  for (const count of counts) {
    ratios[`busy_${count}_vs_floor`] = ratio(
      ours.busy_mb[String(count)],
      floor.busy_mb[String(count)],
    );
    ratios[`after_${count}_vs_floor`] = ratio(
      ours.after_mb[String(count)],
      floor.after_mb[String(count)],
    );
  }
  if (ref) {
    ratios["cpu_per_post_vs_reference"] = ratio(
      ours.cpu_ms_per_post,
      ref.cpu_ms_per_post,
    );
  }
  const result = {
    posts: counts,
    clients,
    settle_ms: settleMs,
    rest_ms: restMs,
    hub_deno_flags: hubFlags,
    servers: [...figures.values()],
    ratios,
  };
  if (values.out) {
    await Deno.writeTextFile(values.out, JSON.stringify(result, null, 2));
  }
  if (values.json) {
    console.log(JSON.stringify(result));
  } else {
    const mb = (v: number | null | undefined) => v == null ? "-" : v.toFixed(1);
    console.log(table(
      [
        "server",
        "idle MB",
        ...counts.flatMap((c) => [`${c} busy MB`, `${c} rest MB`]),
        "CPU ms/post",
        "posts/s",
      ],
      [...figures.values()].map((f) => [
        f.name,
        mb(f.idle_mb),
        ...counts.flatMap((c) => [
          mb(f.busy_mb[String(c)]),
          mb(f.after_mb[String(c)]),
        ]),
        f.cpu_ms_per_post == null ? "-" : f.cpu_ms_per_post.toFixed(3),
        f.posts_per_s == null ? "-" : String(f.posts_per_s),
      ]),
    ));
    console.log("");
    const goals: [string, number | null | undefined, number][] = [
      ["idle, ours / floor", ratios["idle_vs_floor"], 1.2],
      [
        "20000 posts at rest, ours / floor",
        ratios["after_20000_vs_floor"],
        1.5,
      ],
      [
        "20000 posts busy, ours / floor",
        ratios["busy_20000_vs_floor"],
        1.5,
      ],
      [
        "CPU per post, ours / reference",
        ratios["cpu_per_post_vs_reference"],
        0.1,
      ],
    ];
    console.log(table(
      ["ratio", "value", "goal", "met"],
      goals.map(([name, v, goal]) => [
        name,
        v == null ? "-" : v.toFixed(2),
        `<= ${goal}`,
        v == null ? "-" : v <= goal ? "yes" : "no",
      ]),
    ));
  }
} finally {
  for (const client of pools.values()) client.close();
  await Promise.all(servers.map(stopServer));
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
