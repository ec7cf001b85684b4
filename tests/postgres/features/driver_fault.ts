/**
 * The PostgreSQL driver (npm:postgres 3.4.9) may write to a connection it
 * already closed from a timer, where no caller can catch it
 * (porsager/postgres#1208). A hub must live through it: the store catches
 * exactly that fault and replaces its pool.
 */
import postgres from "postgres";
import { assert } from "../../_assert.ts";
import { eventually } from "../../_util.ts";
import {
  DRIVER_SCRIPT,
  isDriverWriteFault,
  onDriverWriteFault,
} from "../../../src/store/postgres/conn.ts";
import { PG_URL } from "../_pg.ts";

Deno.test({
  name:
    "onDriverWriteFault() catches the driver's write to a connection whose backend was terminated, and the process lives on",
  ignore: !PG_URL,
  // The driver leaves the lost write's statement and timers behind.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const faults: Error[] = [];
    const stop = onDriverWriteFault((error) => faults.push(error));
    const options = { max: 2, onnotice: () => {} };
    const sql = postgres(PG_URL!, options);
    const killer = postgres(PG_URL!, { ...options, max: 1 });
    try {
      const reserved = await sql.reserve();
      const [row] = await reserved`SELECT pg_backend_pid() AS pid`;
      await killer`SELECT pg_terminate_backend(${row!["pid"]})`;
      // Once the connection has seen the termination, the next statement is
      // written to it from a timer.
      await new Promise((resolve) => setTimeout(resolve, 200));
      reserved`SELECT 1`.catch(() => {});
      await eventually(() => Promise.resolve(faults.length > 0), {
        what: "the driver fault",
      });
      assert(isDriverWriteFault(faults[0]), String(faults[0]?.stack));
      // Other work goes on.
      const [one] = await killer`SELECT 1 AS one`;
      assert(one!["one"] === 1);
    } finally {
      stop();
      await sql.end({ timeout: 0 }).catch(() => {});
      await killer.end({ timeout: 0 }).catch(() => {});
    }
  },
});

Deno.test("isDriverWriteFault() knows only the driver's null-socket write", () => {
  const fault = new TypeError(
    "Cannot read properties of null (reading 'write')",
  );
  fault.stack =
    `TypeError: Cannot read properties of null (reading 'write')\n    at Immediate.nextWrite (file:///cache/npm/postgres/3.4.9/src/connection.js:255:22)`;
  assert(isDriverWriteFault(fault));
  const other = new TypeError(
    "Cannot read properties of null (reading 'write')",
  );
  other.stack =
    `${other.message}\n    at write (file:///app/src/hub/hub.ts:1:1)`;
  assert(!isDriverWriteFault(other));
  assert(!isDriverWriteFault(new Error("reading 'write'")));
  // The built hub is one minified bundle: the driver's functions lose their
  // names and its files become one chunk (the script DRIVER_SCRIPT names).
  assert(DRIVER_SCRIPT !== undefined);
  const bundled = new TypeError(
    "Cannot read properties of null (reading 'write')",
  );
  bundled.stack =
    `${bundled.message}\n    at Immediate.qt (${DRIVER_SCRIPT}:90:15909)\n    at Immediate.callback (ext:deno_node/internal/timers.mjs:4:3069)`;
  assert(isDriverWriteFault(bundled), bundled.stack);
  // Thrown by our code, with the driver only further down the stack.
  const ours = new TypeError(bundled.message);
  ours.stack =
    `${ours.message}\n    at write (file:///app/src/hub/hub.ts:1:1)\n    at Immediate.qt (${DRIVER_SCRIPT}:90:15909)`;
  assert(!isDriverWriteFault(ours));
});
