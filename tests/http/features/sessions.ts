import { assert, assertEquals } from "../../_assert.ts";
import { inProcessHub } from "../../_harness.ts";

Deno.test("POST /v1/sessions creates, collides with 409 and replaces", async () => {
  await using hub = await inProcessHub();
  const created = await hub.api("POST", "/v1/sessions", {
    agent_id: "alice",
    capabilities: ["review", 7],
  });
  assertEquals(created.status, 201);
  assertEquals(created.body.ok, true);
  assertEquals(created.body.result.agent_id, "alice");
  assertEquals(created.body.result.display_name, "alice");
  assertEquals(created.body.result.capabilities, ["review", "7"]);
  assertEquals(created.body.result.active, true);
  assertEquals(created.headers.get("x-arc-instance")?.startsWith("mh1-"), true);

  const clash = await hub.api("POST", "/v1/sessions", { agent_id: "alice" });
  assertEquals(clash.status, 409);
  assertEquals(clash.body, {
    ok: false,
    error: "agent_id already has an active session",
  });

  const replaced = await hub.api("POST", "/v1/sessions", {
    agent_id: "alice",
    display_name: "Alice",
    replace: true,
  });
  assertEquals(replaced.status, 201);
  assert(replaced.body.result.session_id !== created.body.result.session_id);

  const agents = await hub.api("GET", "/v1/agents");
  assertEquals(
    agents.body.result.map((a: { display_name: string }) => a.display_name),
    ["Alice"],
  );

  const missing = await hub.api("POST", "/v1/sessions", { display_name: "x" });
  assertEquals(missing.status, 400);
  assertEquals(missing.body.error, "agent_id is required");
});
