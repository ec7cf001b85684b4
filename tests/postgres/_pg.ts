/**
 * PostgreSQL test helpers. The tests run against a real server named by
 * `ARC_TEST_PG_URL` (CI creates a throwaway role and database and exports
 * it); each test works in a schema of its own, dropped afterwards. Without
 * the variable every PostgreSQL test is registered as ignored and the reason
 * is printed once.
 *
 * @module
 */

import postgres from "postgres";
import { startHub, type TestHub } from "../_util.ts";
import { PostgresStore } from "../../src/store/postgres/store.ts";
import type { Clock } from "../../src/time.ts";

/** The server the tests use, or undefined when none was given. */
export const PG_URL: string | undefined = Deno.env.get("ARC_TEST_PG_URL") ||
  undefined;

let told = false;

/**
 * Registers `fn` as a test, or as an ignored test with the reason printed
 * when `ARC_TEST_PG_URL` is unset.
 */
export function pgTest(name: string, fn: (url: string) => Promise<void>): void {
  if (!PG_URL) {
    if (!told) {
      told = true;
      // deno-lint-ignore no-console
      console.warn(
        "skipping the PostgreSQL tests: ARC_TEST_PG_URL is not set (e.g. postgres://user:password@127.0.0.1:5432/dbname)",
      );
    }
    Deno.test({
      name: `${name} (skipped: ARC_TEST_PG_URL is not set)`,
      ignore: true,
      fn() {},
    });
    return;
  }
  const url = PG_URL;
  Deno.test(name, () => fn(url));
}

/** A schema of its own on the test server; dropped on dispose. */
export interface TestSchema extends AsyncDisposable {
  /** The test server's URL with `?schema=NAME`. */
  url: string;
  name: string;
  /** An admin client on the same database (search_path set to the schema). */
  admin: postgres.Sql;
}

/** A new, unused schema name. */
function schemaName(): string {
  return `arc_t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
}

/** `base` with `?schema=NAME`. */
function schemaUrl(base: string, name: string): string {
  const url = new URL(base);
  url.searchParams.set("schema", name);
  return url.href;
}

/** Creates a fresh, empty schema name on the test server (the store creates the schema itself). */
export function freshSchema(base: string = PG_URL ?? ""): TestSchema {
  const name = schemaName();
  const url = schemaUrl(base, name);
  const admin = schemaAdmin(base, name);
  return {
    url,
    name,
    admin,
    async [Symbol.asyncDispose]() {
      try {
        await admin.unsafe(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}

/** Migrated, emptied schemas that {@linkcode recycledSchema} hands on within this file. */
const spareSchemas: string[] = [];
/** Every schema {@linkcode recycledSchema} made in this file. */
const recycledNames = new Set<string>();

/**
 * A schema for a test that migrates it through a store or hub and changes
 * rows only: one an earlier test of this file emptied, when there is one,
 * else a fresh name. A fresh schema costs its migration and a DROP (about
 * 0.15 s of CPU between the server and the client); a used one is emptied
 * instead (every row but the schema version, sequences restarted), so the
 * next test still starts from the state a fresh schema has, with the
 * idempotent part of the migration run again when it opens. On dispose the
 * schema is emptied and handed on (not when it cannot be emptied); all of
 * them are dropped after the file's last test. Tests that change the
 * schema itself (its version, tables or indexes) or need it not to exist
 * take {@linkcode freshSchema}.
 */
export function recycledSchema(): TestSchema {
  const base = PG_URL ?? "";
  const name = takeSpare();
  const admin = schemaAdmin(base, name);
  return {
    url: schemaUrl(base, name),
    name,
    admin,
    async [Symbol.asyncDispose]() {
      try {
        await emptySchema(admin, name);
        spareSchemas.push(name);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}

if (PG_URL) {
  Deno.test.afterAll(async () => {
    if (!recycledNames.size) return;
    const sql = postgres(PG_URL, { max: 1, onnotice: () => {} });
    try {
      for (const name of recycledNames) {
        await sql.unsafe(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      }
    } finally {
      recycledNames.clear();
      spareSchemas.length = 0;
      await sql.end({ timeout: 5 });
    }
  });
}

/** A spare schema's name, or a new one (then dropped after the file's last test). */
function takeSpare(): string {
  const spare = spareSchemas.pop();
  if (spare) return spare;
  const name = schemaName();
  recycledNames.add(name);
  return name;
}

/** An admin client on the test server with `search_path` set to schema `name`. */
function schemaAdmin(base: string, name: string): postgres.Sql {
  return postgres(base, {
    max: 2,
    onnotice: () => {},
    connection: { search_path: name },
  });
}

/**
 * Opens a store ({@linkcode PostgresStore}, pool of 2, on `clock`) on a
 * schema of its own from the same spares as {@linkcode recycledSchema};
 * `cleanup` empties the schema through the store's own connection (or one of
 * its own when the test closed the store), closes the store and hands the
 * schema on.
 */
export async function openRecycledStore(
  clock: Clock,
): Promise<{ store: PostgresStore; cleanup(): Promise<void> }> {
  const base = PG_URL ?? "";
  const name = takeSpare();
  const store = await PostgresStore.open(schemaUrl(base, name), {
    clock,
    poolSize: 2,
  });
  return {
    store,
    cleanup: async () => {
      try {
        await emptySchema(store.connection, name);
      } catch {
        // The test closed the store itself: empty it on a connection of
        // our own.
        const sql = postgres(base, { max: 1, onnotice: () => {} });
        try {
          await emptySchema(sql, name);
        } finally {
          await sql.end({ timeout: 5 });
        }
      } finally {
        await store.close();
      }
      spareSchemas.push(name);
    },
  };
}

/** Deletes every row but the schema version and restarts the message ids. */
async function emptySchema(sql: postgres.Sql, name: string): Promise<void> {
  const tables = await sql<{ tablename: string }[]>`
    SELECT tablename FROM pg_tables
    WHERE schemaname = ${name} AND tablename <> 'arc_schema_version'`;
  await sql.begin(async (tx) => {
    for (const { tablename } of tables) {
      await tx.unsafe(`DELETE FROM ${name}.${tablename}`);
    }
    const sequences = await tx<{ sequencename: string }[]>`
      SELECT sequencename FROM pg_sequences WHERE schemaname = ${name}`;
    for (const { sequencename } of sequences) {
      await tx.unsafe(`ALTER SEQUENCE ${name}.${sequencename} RESTART`);
    }
  });
}

/** Host and port of a database URL, as an `--allow-net` entry. */
export function netEntry(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}`;
}

/** Starts `n` hub processes on one database URL, all at once. */
export async function startPgHubs(
  n: number,
  database: string,
  args: string[] = [],
): Promise<TestHub[]> {
  const started = await Promise.allSettled(
    Array.from({ length: n }, () => startHub({ database, args })),
  );
  const hubs = started.flatMap((r) =>
    r.status === "fulfilled" ? [r.value] : []
  );
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    for (const hub of hubs) await hub[Symbol.asyncDispose]();
    throw (failed as PromiseRejectedResult).reason;
  }
  return hubs;
}

/** Stops every hub (whatever state it is in) and removes its directory. */
export async function stopAll(hubs: readonly TestHub[]): Promise<void> {
  await Promise.all(hubs.map((hub) => hub[Symbol.asyncDispose]()));
}

/**
 * Runs `fn` with `n` hubs on one schema of their own
 * ({@linkcode recycledSchema}, started with `args`), then stops them and
 * empties the schema.
 */
export async function withPgHubs(
  n: number,
  fn: (hubs: TestHub[], schema: TestSchema) => Promise<void>,
  options: { args?: string[] } = {},
): Promise<void> {
  await using schema = recycledSchema();
  const hubs = await startPgHubs(n, schema.url, options.args ?? []);
  try {
    await fn(hubs, schema);
  } finally {
    await stopAll(hubs);
  }
}

/** Every message in `general`, id to body, read page by page through `hub`. */
export async function generalMessages(
  hub: TestHub,
): Promise<Map<number, string>> {
  const stored = new Map<number, string>();
  let cursor = 0;
  while (true) {
    const page = await hub.api(
      "GET",
      `/v1/messages?channel=general&since_id=${cursor}&limit=500`,
    );
    if (page.status !== 200) {
      throw new Error(`reading messages answered ${page.status}`);
    }
    if (!page.body.result.length) return stored;
    for (const m of page.body.result) {
      stored.set(m.id, m.body);
      cursor = m.id;
    }
  }
}

/** The password in a database URL ("" when it has none). */
export function passwordOf(url: string): string {
  return decodeURIComponent(new URL(url).password);
}

/**
 * The command line of a running process, as the process list shows it to
 * every user of the machine (`/proc/PID/cmdline`, or `ps` where Deno may not
 * read /proc).
 */
export async function processArgs(pid: number): Promise<string> {
  try {
    return await Deno.readTextFile(`/proc/${pid}/cmdline`);
  } catch {
    const out = await new Deno.Command("ps", {
      args: ["-ww", "-o", "args=", "-p", String(pid)],
      stdout: "piped",
      stderr: "null",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    if (!out.success || !text) {
      throw new Error(`cannot read the command line of process ${pid}`);
    }
    return text;
  }
}
