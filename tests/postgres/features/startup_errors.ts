/**
 * `arc serve` on a database it cannot use stops with exit code 1 and one
 * line on stderr that names the problem and the fix: no stack trace, no
 * password.
 */
import { assert, assertEquals } from "../../_assert.ts";
import { serveArgs } from "../../_util.ts";
import { passwordOf, pgTest } from "../_pg.ts";
import { freePort } from "../_server.ts";

/** Runs `serve --database url` to its end and returns its exit code and stderr. */
async function serveOn(url: string): Promise<{ code: number; stderr: string }> {
  const dir = await Deno.makeTempDir({ prefix: "arc-test-" });
  try {
    const u = new URL(url);
    const out = await new Deno.Command(Deno.execPath(), {
      args: serveArgs(dir, `127.0.0.1,${u.hostname}:${u.port || 5432}`, [], [
        "--no-relay",
        "--database",
        url,
      ]),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** One line, no stack frames, the problem and the fix, no secret. */
function assertOneLine(
  stderr: string,
  problem: RegExp,
  fix: RegExp,
  secret = "",
): void {
  const lines = stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, stderr);
  const line = lines[0]!;
  assert(line.startsWith("arc: cannot use the database postgres://"), line);
  assert(!/\bat .*:\d+:\d+/.test(line), `stack frame in: ${line}`);
  assert(problem.test(line), `problem not named: ${line}`);
  assert(fix.test(line), `no fix given: ${line}`);
  if (secret) assert(!line.includes(secret), "the password is shown");
}

pgTest(
  "serve --database with a wrong password: one line, exit 1",
  async (url) => {
    const u = new URL(url);
    u.password = `wrong-${crypto.randomUUID().slice(0, 8)}`;
    const { code, stderr } = await serveOn(u.href);
    assertEquals(code, 1, stderr);
    assertOneLine(
      stderr,
      /refused the password for user '[^']+'/,
      /check the user name and password in the database URL/,
      passwordOf(u.href),
    );
  },
);

pgTest(
  "serve --database naming a missing database: one line, exit 1",
  async (url) => {
    const u = new URL(url);
    const name = `arc_missing_${crypto.randomUUID().slice(0, 8)}`;
    u.pathname = `/${name}`;
    const { code, stderr } = await serveOn(u.href);
    assertEquals(code, 1, stderr);
    assertOneLine(
      stderr,
      new RegExp(`the database '${name}' does not exist`),
      new RegExp(`create it \\(CREATE DATABASE "${name}"`),
      // A password equal to the user name (a dev server) is named anyway.
      passwordOf(url) === decodeURIComponent(u.username) ? "" : passwordOf(url),
    );
  },
);

Deno.test("serve --database on a port where nothing listens: one line, exit 1", async () => {
  const port = freePort();
  const { code, stderr } = await serveOn(
    `postgres://arc:secret-pw@127.0.0.1:${port}/arc`,
  );
  assertEquals(code, 1, stderr);
  assertOneLine(
    stderr,
    new RegExp(`nothing accepts connections at 127\\.0\\.0\\.1:${port}`),
    /start PostgreSQL there, or fix the host and port in the database URL/,
    "secret-pw",
  );
});
