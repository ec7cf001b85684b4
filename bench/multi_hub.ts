// deno-lint-ignore-file no-console
/**
 * Runs `bench/throughput.ts` against three set-ups, one after another, and
 * tears everything down afterwards:
 *
 * 1. one hub on SQLite (a fresh file in a temporary directory);
 * 2. one hub on PostgreSQL (a fresh schema);
 * 3. N hubs (default 3) on one PostgreSQL schema behind nginx, which
 *    load-balances them with the configuration {@linkcode nginxConfig} writes
 *    (the same one `docs/DEPLOY.md` shows).
 *
 * ```sh
 * deno run --allow-all bench/multi_hub.ts \
 *   --database postgres://user:password@127.0.0.1:5432/dbname \
 *   [--hubs 3] [--rounds 1] [--nginx /usr/sbin/nginx] \
 *   [--durability normal|full] \
 *   [-- throughput options, e.g. --seconds 5 --samples 200 --clients 1,8,32]
 * ```
 *
 * With `--rounds N` the three set-ups are measured N times, interleaved
 * (1, 2, 3, 1, 2, 3, ...), so a machine that is busy with something else for
 * a while does not skew one set-up only.
 *
 * The database URL may also come from `ARC_DATABASE_URL` or
 * `ARC_TEST_PG_URL`. The script creates its own schemas (`arc_bench_*`) and
 * drops them at the end. Hubs run with a bearer token (`ARC_TOKEN`), as a
 * deployment would; nginx and the benchmark reach them over loopback, which
 * the token does not apply to, so the figures are the same either way.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import postgres from "postgres";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const THROUGHPUT = fileURLToPath(new URL("./throughput.ts", import.meta.url));

const USAGE =
  `usage: deno run --allow-all bench/multi_hub.ts --database URL [--hubs 3]
         [--rounds 1] [--nginx PATH] [--durability normal|full]
         [-- throughput options]`;

/** What {@linkcode nginxConfig} needs. */
export interface NginxSite {
  /** Address nginx listens on, e.g. `127.0.0.1:8080` or `0.0.0.0:443`. */
  listen: string;
  /** Hub addresses, e.g. `10.0.0.11:6969`. */
  hubs: string[];
  /** Directory for nginx's pid file, logs and temporary files. */
  prefix: string;
}

/**
 * The nginx configuration that load-balances Arc hubs. Long-polls and SSE
 * streams hold a request open for up to a minute or more, so requests go to
 * the hub with the fewest open ones, responses are not buffered (an SSE event
 * must pass at once), and read timeouts outlast the longest wait. A POST is
 * never retried on another hub once sent (nginx's default for non-idempotent
 * requests), so a post cannot land twice.
 */
export function nginxConfig(site: NginxSite): string {
  const servers = site.hubs.map((h) =>
    `    server ${h} max_fails=1 fail_timeout=5s;`
  ).join("\n");
  return `worker_processes auto;
pid ${site.prefix}/nginx.pid;
error_log ${site.prefix}/error.log warn;

events {
  worker_connections 4096;
}

http {
  access_log off;
  client_body_temp_path ${site.prefix}/client_body;
  proxy_temp_path ${site.prefix}/proxy;
  fastcgi_temp_path ${site.prefix}/fastcgi;
  uwsgi_temp_path ${site.prefix}/uwsgi;
  scgi_temp_path ${site.prefix}/scgi;

  upstream arc_hubs {
    # Long-polls and streams stay open: balance by open requests.
    least_conn;
${servers}
    keepalive 64;
  }

  server {
    listen ${site.listen};
    # A message body may be large (the hub's own limit is the real one).
    client_max_body_size 16m;

    location / {
      proxy_pass http://arc_hubs;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # The hub checks Host (and Origin against it): pass the client's own.
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      # SSE events and long-poll answers go out as soon as the hub writes them.
      proxy_buffering off;
      proxy_cache off;
      # Longer than any long-poll (60 s) or gap between SSE heartbeats (15 s).
      proxy_read_timeout 120s;
      proxy_send_timeout 120s;
      # Another hub takes over when one is down; a sent POST is not retried.
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 3;
    }
  }
}
`;
}

interface Options {
  database: string;
  hubs: number;
  rounds: number;
  nginx: string;
  durability: string;
  passThrough: string[];
}

function parseOptions(args: string[]): Options {
  const at = args.indexOf("--");
  const own = at >= 0 ? args.slice(0, at) : args;
  const passThrough = at >= 0 ? args.slice(at + 1) : [];
  const value = (name: string): string | undefined => {
    const i = own.indexOf(name);
    return i >= 0 ? own[i + 1] : undefined;
  };
  if (own.includes("-h") || own.includes("--help")) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const database = value("--database") ?? Deno.env.get("ARC_DATABASE_URL") ??
    Deno.env.get("ARC_TEST_PG_URL");
  if (!database) {
    console.error(`error: a PostgreSQL URL is required\n\n${USAGE}`);
    Deno.exit(2);
  }
  const hubs = Number(value("--hubs") ?? 3);
  if (!Number.isInteger(hubs) || hubs < 1) {
    console.error("error: --hubs must be a positive integer");
    Deno.exit(2);
  }
  const rounds = Number(value("--rounds") ?? 1);
  if (!Number.isInteger(rounds) || rounds < 1) {
    console.error("error: --rounds must be a positive integer");
    Deno.exit(2);
  }
  return {
    database,
    hubs,
    rounds,
    nginx: value("--nginx") ?? "nginx",
    durability: value("--durability") ?? "normal",
    passThrough,
  };
}

/** A hub child process. */
interface HubProcess {
  url: string;
  child: Deno.ChildProcess;
  dir: string;
}

async function startHub(
  label: string,
  options: { database?: string; durability: string; token: string },
): Promise<HubProcess> {
  const dir = await Deno.makeTempDir({ prefix: `arc-bench-${label}-` });
  const net = ["127.0.0.1"];
  const env: Record<string, string> = { ARC_TOKEN: options.token };
  if (options.database) {
    const u = new URL(options.database);
    net.push(`${u.hostname}:${u.port || 5432}`);
    env["ARC_DATABASE_URL"] = options.database;
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--allow-net=${net.join(",")}`,
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      "--allow-env=ARC_TOKEN,ARC_DATABASE_URL",
      MAIN,
      "serve",
      "--port",
      "0",
      "--storage",
      `${dir}/arc.sqlite3`,
      "--no-relay",
      "--quiet",
      "--rate-limit",
      "0",
      "--durability",
      options.durability,
    ],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`hub ${label} exited before listening:\n${text}`);
    text += value;
    const match = text.match(/arc listening on (http:\/\/\S+)/);
    if (match) {
      // Keep draining so the hub never blocks on a full pipe.
      (async () => {
        while (!(await reader.read()).done) { /* drain */ }
      })().catch(() => {});
      return { url: match[1]!, child, dir };
    }
  }
}

async function stopHub(hub: HubProcess): Promise<void> {
  try {
    hub.child.kill("SIGTERM");
  } catch { /* already gone */ }
  await hub.child.status;
  await Deno.remove(hub.dir, { recursive: true }).catch(() => {});
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function waitFor(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set("schema", schema);
  return u.href;
}

async function main(): Promise<number> {
  const options = parseOptions(Deno.args);
  const token = crypto.randomUUID().replaceAll("-", "");
  const run = crypto.randomUUID().replaceAll("-", "").slice(0, 10);
  const schemas = [`arc_bench_single_${run}`, `arc_bench_multi_${run}`];
  const admin = postgres(options.database, { max: 1, onnotice: () => {} });
  const hubs: HubProcess[] = [];
  let nginx: Deno.ChildProcess | undefined;
  const nginxDir = await Deno.makeTempDir({ prefix: "arc-bench-nginx-" });
  try {
    console.error("starting 1 hub on SQLite");
    const sqlite = await startHub("sqlite", { ...options, token });
    hubs.push(sqlite);
    console.error("starting 1 hub on PostgreSQL");
    const single = await startHub("pg1", {
      ...options,
      token,
      database: withSchema(options.database, schemas[0]!),
    });
    hubs.push(single);
    console.error(
      `starting ${options.hubs} hubs on one PostgreSQL schema, together`,
    );
    const multi = await Promise.all(
      Array.from(
        { length: options.hubs },
        (_, i) =>
          startHub(`pg${options.hubs}-${i}`, {
            ...options,
            token,
            database: withSchema(options.database, schemas[1]!),
          }),
      ),
    );
    hubs.push(...multi);
    const port = freePort();
    const config = nginxConfig({
      listen: `127.0.0.1:${port}`,
      hubs: multi.map((h) => new URL(h.url).host),
      prefix: nginxDir,
    });
    await Deno.writeTextFile(`${nginxDir}/nginx.conf`, config);
    nginx = new Deno.Command(options.nginx, {
      args: [
        "-p",
        nginxDir,
        "-c",
        `${nginxDir}/nginx.conf`,
        "-g",
        "daemon off;",
      ],
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    const balanced = `http://127.0.0.1:${port}`;
    await waitFor(`${balanced}/v1/hub-info`);
    console.error(
      `nginx on ${balanced} balances ${multi.map((h) => h.url).join(", ")}`,
    );
    console.log(`# set-ups
#   ${sqlite.url}  1 hub, SQLite
#   ${single.url}  1 hub, PostgreSQL
#   ${balanced}  ${options.hubs} hubs, PostgreSQL, behind nginx
# durability=${options.durability}, cores=${navigator.hardwareConcurrency}
`);
    const bench = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        THROUGHPUT,
        ...Array.from(
          { length: options.rounds },
          () => ["--url", sqlite.url, "--url", single.url, "--url", balanced],
        ).flat(),
        ...options.passThrough,
      ],
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn().status;
    return bench.code;
  } finally {
    if (nginx) {
      try {
        nginx.kill("SIGQUIT");
      } catch { /* gone */ }
      await nginx.status;
    }
    await Promise.all(hubs.map(stopHub));
    for (const schema of schemas) {
      await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(
        (e) => console.error(`could not drop ${schema}: ${e.message}`),
      );
    }
    await admin.end({ timeout: 5 });
    await Deno.remove(nginxDir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) Deno.exit(await main());
