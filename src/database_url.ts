/**
 * Reads a PostgreSQL connection URL into what the hub needs from it: where to
 * connect, the password-less identity every hub on the same database shares
 * (it names the database in hub-info and feeds the instance id), and the
 * secrets to scrub from any text that could reach a log or a client.
 *
 * @module
 */

/** A parsed `postgres://` URL. */
export interface DatabaseTarget {
  /** The URL to hand the driver: the given one without Arc's own `schema` parameter. */
  url: string;
  /** Host name or address, IPv6 without brackets. */
  host: string;
  port: number;
  database: string;
  user: string;
  /** Schema that holds Arc's tables; undefined means the server's default (`public`). */
  schema: string | undefined;
  /** `postgres://host:port/dbname` (plus `?schema=NAME`): no user, no password. */
  label: string;
  /** The `--allow-net` entry that reaches the server, e.g. `db.internal:5432`. */
  netEntry: string;
  /** Text that must never be shown: the password, raw and URL-encoded. */
  secrets: string[];
}

/** Default PostgreSQL port. */
export const DEFAULT_PG_PORT = 5432;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Parses a database URL. Errors never repeat the URL, which may hold a
 * password.
 *
 * @param text `postgres://user:password@host:port/dbname[?schema=NAME&...]`
 * @returns the target
 * @throws {RangeError} when the URL is not a usable PostgreSQL URL
 */
export function parseDatabaseUrl(text: string): DatabaseTarget {
  const fail = (why: string): never => {
    throw new RangeError(`Cannot use the database URL: ${why}`);
  };
  const trimmed = text.trim();
  if (!trimmed) fail("it is empty");
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return fail(
      "it is not a URL of the form postgres://user:password@host:port/dbname",
    );
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    fail(
      `the scheme must be postgres:// or postgresql://, not ${url.protocol}//`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (!host) fail("it names no host");
  if (host.includes(",")) fail("several hosts in one URL are not supported");
  const port = url.port ? Number(url.port) : DEFAULT_PG_PORT;
  let database = "";
  try {
    database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  } catch {
    fail("the database name is not valid percent-encoding");
  }
  if (!database || database.includes("/")) {
    fail("it names no database (\u2026/dbname at the end of the path)");
  }
  let user = "";
  let password = "";
  try {
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    fail("the user or password is not valid percent-encoding");
  }
  if (!user) fail("it names no user (postgres://user:password@host/dbname)");
  const schemaParam = url.searchParams.get("schema");
  let schema: string | undefined;
  if (schemaParam !== null) {
    if (!SCHEMA_NAME.test(schemaParam)) {
      fail(
        "'schema' must be a lower-case identifier (letters, digits, underscores)",
      );
    }
    schema = schemaParam;
    url.searchParams.delete("schema");
  }
  const hostPart = host.includes(":") ? `[${host}]` : host;
  const label = `postgres://${hostPart}:${port}/${
    encodeURIComponent(database)
  }${schema ? `?schema=${schema}` : ""}`;
  const secrets = [...new Set([password, url.password])].filter((s) =>
    s.length > 0
  );
  return {
    url: url.href,
    host,
    port,
    database,
    user,
    schema,
    label,
    netEntry: `${hostPart}:${port}`,
    secrets,
  };
}

/**
 * Replaces every secret in `text` with `***`.
 *
 * @param text any text that may quote a connection string
 * @param secrets from {@linkcode DatabaseTarget.secrets}
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("***");
  return out;
}
