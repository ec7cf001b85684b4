/**
 * Strict agent identity on PostgreSQL, across two hub processes on one
 * database: a secret issued by one hub is honoured by the other, stored only
 * as its hash in the vendor table, and impersonation is refused on both.
 */
import {
  assertEquals,
  assertNotEquals,
  assertStringIncludes,
} from "../../_assert.ts";
import { request } from "../../_util.ts";
import { pgTest, withPgHubs } from "../_pg.ts";

pgTest(
  "postgres hubs with strict identity share secrets and refuse impersonation",
  () =>
    withPgHubs(2, async (hubs, schema) => {
      const [a, b] = hubs as [typeof hubs[0], typeof hubs[0]];
      const reg = await a.api("POST", "/v1/sessions", { agent_id: "alice" });
      assertEquals(reg.status, 201);
      const secret: string = reg.body.result.arcdeno.secret;
      const body = { from_agent: "alice", channel: "general", body: "hi" };

      const forged = await request(b.url, "POST", "/v1/messages", body);
      assertEquals(forged.status, 403);
      assertStringIncludes(forged.body.error, "'alice'");
      const ok = await request(b.url, "POST", "/v1/messages", body, {
        "X-Arcdeno-Secret": secret,
      });
      assertEquals(ok.status, 201);

      const hijack = await request(b.url, "POST", "/v1/sessions", {
        agent_id: "alice",
        replace: true,
      });
      assertEquals(hijack.status, 403);

      const rows = await schema.admin.unsafe(
        "SELECT session_id, secret_hash FROM arcdeno_session_secrets",
      );
      assertEquals(rows.length, 1);
      assertEquals(rows[0]!["session_id"], reg.body.result.session_id);
      assertNotEquals(rows[0]!["secret_hash"], secret);
      assertEquals(String(rows[0]!["secret_hash"]).length, 64);
    }, { args: ["--strict-identity"] }),
);
