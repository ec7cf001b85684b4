/**
 * Measures the full-text index catch-up: fills a fresh SQLite file with N
 * messages written straight into the reference's `messages` table (as
 * another hub process would, so our index knows nothing of them), starts a
 * hub on it, runs the first search and, meanwhile, times small requests
 * (`GET /v1/hub-info` and `POST /v1/messages`) every 20 ms to show how
 * long the catch-up holds other requests up. A second search then shows
 * the cost once the index is current.
 *
 *     deno run -A bench/search_catchup.ts [--messages 100000]
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";

const args = Deno.args;
const n = Number(args[args.indexOf("--messages") + 1] ?? 0) || 100_000;
const main = fileURLToPath(new URL("../main.ts", import.meta.url));
const dir = await Deno.makeTempDir({ prefix: "arc-search-bench-" });
const storage = `${dir}/arc.sqlite3`;

// Let the hub create its schema, then fill the table behind its back.
async function serve(): Promise<{ url: string; child: Deno.ChildProcess }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, "serve", "--port", "0", "--storage", storage],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/http:\/\/[\d.]+:\d+/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`hub exited: ${text}`);
    text += value;
  }
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return { url: text.match(/http:\/\/[\d.]+:\d+/)![0], child };
}

let hub = await serve();
hub.child.kill("SIGTERM");
await hub.child.status;

const words = [
  "deploy",
  "build",
  "review",
  "merge",
  "schema",
  "index",
  "latency",
  "queue",
  "worker",
  "claim",
  "lock",
  "thread",
  "rollback",
  "metrics",
  "budget",
];
const db = new DatabaseSync(storage);
db.exec("BEGIN");
const insert = db.prepare(
  `INSERT INTO messages(ts,from_agent,to_agent,channel,kind,body,attachments_json,reply_to,thread_id,metadata_json)
   VALUES(?,?,NULL,'general','chat',?,?,NULL,?,'{}')`,
);
for (let i = 0; i < n; i++) {
  const body = Array.from(
    { length: 30 },
    (_, j) => words[(i * 7 + j * 13) % words.length],
  ).join(" ") + ` item${i}`;
  const attachments = i % 10 === 0
    ? JSON.stringify([{ type: "code", content: `function f${i}() {}` }])
    : "[]";
  insert.run(
    "2026-01-01T00:00:00Z",
    `agent${i % 20}`,
    body,
    attachments,
    i % 50 === 0 ? `thread-${i}` : null,
  );
}
db.exec("COMMIT");
db.close();

hub = await serve();
const url = hub.url;
const samples: number[] = [];
const slow: string[] = [];
let searchStarted = 0;
let stop = false;
const prober = (async () => {
  let i = 0;
  while (!stop) {
    const t0 = performance.now();
    if (i++ % 2) await (await fetch(`${url}/v1/hub-info`)).body?.cancel();
    else {
      await (await fetch(`${url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ from_agent: "probe", body: `probe ${i}` }),
      })).body?.cancel();
    }
    const ms = performance.now() - t0;
    samples.push(ms);
    if (ms > 50) {
      slow.push(
        `${i % 2 ? "GET" : "POST"} at ${(t0 - searchStarted).toFixed(0)} ms: ${
          ms.toFixed(0)
        } ms`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
})();
await new Promise((r) => setTimeout(r, 200));
const t0 = performance.now();
searchStarted = t0;
const first = await (await fetch(
  `${url}/v1/arcdeno/search?agent_id=bench&q=item${n - 1}`,
)).json();
const firstMs = performance.now() - t0;
stop = true;
await prober;
const t1 = performance.now();
const second = await (await fetch(
  `${url}/v1/arcdeno/search?agent_id=bench&q=deploy%20rollback&limit=20`,
)).json();
const secondMs = performance.now() - t1;
hub.child.kill("SIGTERM");
await hub.child.status;
await Deno.remove(dir, { recursive: true });

samples.sort((a, b) => a - b);
const pct = (p: number) =>
  samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
// deno-lint-ignore no-console
console.log(
  [
    `messages indexed on the first search: ${n}`,
    `first search (catch-up included): ${
      firstMs.toFixed(0)
    } ms, hits ${first.result?.length}`,
    `other requests during catch-up: ${samples.length}, p50 ${
      pct(0.5).toFixed(1)
    } ms, p99 ${pct(0.99).toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms`,
    `second search ("deploy rollback", index current): ${
      secondMs.toFixed(0)
    } ms, hits ${second.result?.length}`,
    `requests slower than 50 ms (time from the search's start): ${
      slow.join("; ") || "none"
    }`,
  ].join("\n"),
);
