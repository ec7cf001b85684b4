/**
 * `arc ensure` on a PostgreSQL URL starts the hub with the URL in its
 * environment, never on its command line, finds it again by the
 * password-less database identity, and `arc stop` stops it.
 */
import { assert, assertEquals } from "../../_assert.ts";
import { ENTRY, ENTRY_FLAGS, request } from "../../_util.ts";
import { freshSchema, passwordOf, pgTest, processArgs } from "../_pg.ts";

async function arc(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", ...ENTRY_FLAGS, ENTRY, ...args],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  return {
    code: out.code,
    text: text + new TextDecoder().decode(out.stderr),
    json: (() => {
      try {
        return JSON.parse(text);
      } catch {
        return undefined;
      }
    })(),
  };
}

pgTest(
  "arc ensure --database passes the URL in the environment and finds the hub by its identity",
  async (url) => {
    await using schema = freshSchema();
    const dir = await Deno.makeTempDir({ prefix: "arc-ensure-pg-" });
    const common = [
      "--storage",
      `${dir}/arc.sqlite3`,
      "--port",
      "0",
      "--no-relay",
    ];
    let pid: number | undefined;
    try {
      const started = await arc([
        "ensure",
        ...common,
        "--database",
        schema.url,
      ]);
      assertEquals(started.code, 0, started.text);
      assertEquals(started.json?.started, true, started.text);
      pid = started.json.pid as number;
      const argv = await processArgs(pid);
      assert(!argv.includes("postgres://"), `no URL on argv: ${argv}`);
      const secret = passwordOf(url);
      if (secret) assert(!argv.includes(secret), "no password on argv");
      assert(
        argv.includes(`--allow-net=127.0.0.1,${new URL(url).hostname}:`),
        argv,
      );
      const info = await request(started.json.url, "GET", "/v1/hub-info");
      assertEquals(info.body.result.arcdeno.backend, "postgres");

      // Found again, by the database it serves, through the environment too.
      const again = await arc(["ensure", ...common], {
        ARC_DATABASE_URL: schema.url,
      });
      assertEquals(again.json?.started, false, again.text);
      assertEquals(again.json?.pid, pid);

      const refused = await arc(["reset", ...common, "--database", schema.url]);
      assertEquals(refused.code, 1);
      if (secret) assert(!refused.text.includes(secret), refused.text);

      const stopped = await arc(["stop", ...common, "--database", schema.url]);
      assertEquals(stopped.json?.stopped, true, stopped.text);
    } finally {
      if (pid !== undefined) {
        try {
          Deno.kill(pid, "SIGTERM"); // still running when the test failed early
        } catch { /* already stopped */ }
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
);
