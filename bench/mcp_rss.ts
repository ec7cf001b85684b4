/**
 * Resident memory of `arc mcp`: starts a hub (or uses `--base-url`), runs
 * `arc mcp` as an MCP host would, sends initialize, tools/list and one tool
 * call (`arc_whoami`) as raw JSON-RPC lines, then reads the server's VmRSS
 * from `/proc/<pid>/status` (Linux only).
 *
 *   deno run -A bench/mcp_rss.ts                  # the HTTP case
 *   deno run -A bench/mcp_rss.ts --relay          # the relay spool (fallback)
 *   deno run -A bench/mcp_rss.ts --no-hub         # no hub answers (fallback)
 *   deno run -A bench/mcp_rss.ts --tools all      # another profile
 *
 * Prints one JSON line: `{case, tools, rss_mb, peak_mb}`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { MAIN, startHub } from "../tests/_util.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "base-url": { type: "string" },
    relay: { type: "boolean" },
    "no-hub": { type: "boolean" },
    tools: { type: "string" },
  },
});

function freeUrl(): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return `http://127.0.0.1:${port}`;
}

const dir = await Deno.makeTempDir({ prefix: "arc-rss-" });
const hub = values["base-url"] === undefined && !values["no-hub"]
  ? await startHub({ dir })
  : undefined;
const url = values["base-url"] ?? hub?.url ?? freeUrl();

const target = values.relay ? ["--relay", `${dir}/spool`] : ["--base-url", url];
const server = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--allow-net=127.0.0.1",
    `--allow-read=${dir}`,
    `--allow-write=${dir}`,
    "--allow-env=ARC_URL,ARC_AGENT,ARC_TOKEN",
    MAIN,
    "mcp",
    "--agent",
    "rss",
    ...target,
    ...(values.tools ? ["--tools", values.tools] : []),
  ],
  stdin: "piped",
  stdout: "piped",
  stderr: "piped",
}).spawn();
void server.stderr.pipeTo(new WritableStream()).catch(() => {});

const writer = server.stdin.getWriter();
const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
let buffered = "";
async function send(message: Record<string, unknown>): Promise<void> {
  await writer.write(
    new TextEncoder().encode(
      JSON.stringify({ jsonrpc: "2.0", ...message }) + "\n",
    ),
  );
}
async function answer(id: number): Promise<Record<string, unknown>> {
  while (true) {
    const end = buffered.indexOf("\n");
    if (end >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      const frame = JSON.parse(line);
      if (frame.id === id) return frame;
      continue;
    }
    const { done, value } = await lines.read();
    if (done) throw new Error("arc mcp closed its stdout");
    buffered += value;
  }
}

await send({
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "rss", version: "1" },
  },
});
await answer(1);
await send({ method: "notifications/initialized" });
await send({ id: 2, method: "tools/list" });
await answer(2);
await send({
  id: 3,
  method: "tools/call",
  params: { name: "arc_whoami", arguments: {} },
});
const call = await answer(3);
// Let the first call's after-effects (digest, heartbeat set-up) settle.
await new Promise((r) => setTimeout(r, 500));

const status = await Deno.readTextFile(`/proc/${server.pid}/status`);
const kb = (field: string) =>
  Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1] ?? NaN);
const result = (call["result"] ?? {}) as { isError?: boolean };
// deno-lint-ignore no-console
console.log(JSON.stringify({
  case: values.relay ? "relay" : values["no-hub"] ? "no-hub" : "http",
  tools: values.tools ?? "default",
  tool_error: result.isError === true,
  rss_mb: Math.round(kb("VmRSS") / 102.4) / 10,
  peak_mb: Math.round(kb("VmHWM") / 102.4) / 10,
}));

await writer.close();
await server.status;
await hub?.stop();
await Deno.remove(dir, { recursive: true }).catch(() => {});
