import postgres from "postgres";
import { assert, assertEquals } from "../../_assert.ts";
import {
  explainOpenError,
  isConnectionLoss,
} from "../../../src/store/postgres/conn.ts";
import { parseDatabaseUrl } from "../../../src/database_url.ts";

const target = parseDatabaseUrl("postgres://arc:s3cret@db.internal:6543/team");

/** A server error, as the driver reports one. */
function serverError(code: string, message: string): Error {
  // The driver builds its server errors from the fields the server sent.
  const Server = postgres.PostgresError as unknown as new (
    fields: { code: string; message: string },
  ) => Error;
  return new Server({ code, message });
}

/** An error shaped as the driver's socket errors are. */
function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.5:6543`), { code });
}

Deno.test("explainOpenError() names the problem and the fix in one line", () => {
  const cases: [Error, RegExp][] = [
    [
      serverError("28P01", 'password authentication failed for user "arc"'),
      /refused the password for user 'arc'; check the user name and password/,
    ],
    [
      serverError("3D000", 'database "team" does not exist'),
      /the database 'team' does not exist on db\.internal:6543; create it/,
    ],
    [
      serverError("28000", "no pg_hba.conf entry for host, no encryption"),
      /requires an encrypted connection .*\?sslmode=require/,
    ],
    [
      serverError("42501", "permission denied for database team"),
      /may not create Arc's tables .*grant it CREATE/,
    ],
    [
      socketError("ECONNREFUSED"),
      /nothing accepts connections at db\.internal:6543; start PostgreSQL there/,
    ],
    [
      socketError("ENOTFOUND"),
      /the host name 'db\.internal' cannot be resolved; fix the host/,
    ],
    [socketError("CONNECT_TIMEOUT"), /no answer from db\.internal:6543/],
  ];
  for (const [error, expected] of cases) {
    const line = explainOpenError(error, target, error.message);
    assert(line !== undefined, error.message);
    assert(
      line.startsWith(
        "cannot use the database postgres://db.internal:6543/team:",
      ),
      line,
    );
    assert(expected.test(line), line);
    assert(!line.includes("\n") && !line.includes("s3cret"), line);
  }
});

Deno.test("explainOpenError() leaves errors that are not about the connection alone", () => {
  assertEquals(
    explainOpenError(serverError("42P01", "no such table"), target, ""),
    undefined,
  );
  assertEquals(explainOpenError(new Error("boom"), target, "boom"), undefined);
});

Deno.test("isConnectionLoss() tells lost connections from other failures", () => {
  assert(isConnectionLoss(serverError("57P01", "terminating connection")));
  assert(isConnectionLoss(serverError("57P03", "starting up")));
  assert(isConnectionLoss(serverError("08006", "connection failure")));
  assert(isConnectionLoss(socketError("ECONNREFUSED")));
  assert(isConnectionLoss(socketError("CONNECTION_CLOSED")));
  assert(!isConnectionLoss(serverError("55P03", "lock timeout")));
  assert(!isConnectionLoss(serverError("23505", "duplicate key")));
  // Our own ending of a replaced pool is not a sign of trouble.
  assert(!isConnectionLoss(socketError("CONNECTION_DESTROYED")));
  assert(!isConnectionLoss(new Error("boom")));
});
