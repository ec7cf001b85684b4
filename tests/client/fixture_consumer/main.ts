/**
 * A consumer of the published package: it imports `@arc/hub`, which its
 * `deno.json` links to this repository, so the name resolves through the
 * package's `exports` exactly as it would for a user.
 *
 * Usage: deno run --config deno.json --allow-net=127.0.0.1 main.ts <hub url>
 *
 * @module
 */

import * as arc from "@arc/hub";

const [baseUrl = "http://127.0.0.1:6969"] = Deno.args;
await using client = await arc.ArcClient.quickstart({
  agentId: "consumer",
  baseUrl,
});
const message = await client.post("general", "hello from a consumer");
let status = -1;
try {
  await client.getThread("no-such-thread");
} catch (error) {
  if (error instanceof arc.ArcError) status = error.status;
}
// deno-lint-ignore no-console
console.log(JSON.stringify({
  exports: Object.keys(arc).sort(),
  url: import.meta.resolve("@arc/hub"),
  body: message.body,
  status,
}));
