/**
 * Delivery receipts (`arcdeno:receipts`) through every read path of an
 * in-process hub (the relay case: a real hub process): long-poll of a channel, events, inbox, the SSE stream and the
 * file relay; acknowledgements, who may read receipts, the unacked list and
 * the unknown/expired recipient flag.
 */

import { assert, assertEquals } from "../../_assert.ts";
import { eventually, type HubLike, openStream, startHub } from "../../_util.ts";
import { inProcessHub } from "../../_harness.ts";
import { relayCall } from "../../relay/_spool.ts";

async function dm(hub: HubLike, from: string, to: string, body: string) {
  const r = await hub.api("POST", "/v1/messages", {
    from_agent: from,
    to_agent: to,
    body,
  });
  assertEquals(r.status, 201);
  return r.body.result;
}

async function receipts(hub: HubLike, id: number, as: string) {
  return await hub.api(
    "GET",
    `/v1/arcdeno/messages/${id}/receipts?agent_id=${as}`,
  );
}

async function states(hub: HubLike, id: number, as = "alice") {
  const r = await receipts(hub, id, as);
  assertEquals(r.status, 200, JSON.stringify(r.body));
  return Object.fromEntries(
    // deno-lint-ignore no-explicit-any
    r.body.result.receipts.map((x: any) => [x.agent_id, x.state]),
  );
}

async function ack(hub: HubLike, id: number, agent: string) {
  return await hub.api("POST", `/v1/arcdeno/messages/${id}/ack`, {
    agent_id: agent,
  });
}

Deno.test("receipts: a DM goes delivered then acked through events, inbox, SSE and a channel poll", async () => {
  await using hub = await inProcessHub();
  const info = await hub.api("GET", "/v1/hub-info");
  assert(info.body.result.features.includes("arcdeno:receipts"));
  for (const a of ["alice", "bob", "carol"]) {
    await hub.api("POST", "/v1/sessions", { agent_id: a });
  }

  // events
  const m1 = await dm(hub, "alice", "bob", "one");
  assertEquals(m1.arcdeno, undefined, "a live recipient carries no flag");
  assertEquals(await states(hub, m1.id), {});
  const ev = await hub.api("GET", "/v1/events?agent_id=bob&since_id=0");
  assertEquals(ev.body.result.length, 1);
  assertEquals(await states(hub, m1.id), { bob: "delivered" });
  assertEquals((await ack(hub, m1.id, "bob")).status, 200);
  assertEquals(await states(hub, m1.id), { bob: "acked" });

  // inbox
  const m2 = await dm(hub, "alice", "carol", "two");
  await hub.api("GET", `/v1/inbox/carol?since_id=${m1.id}`);
  assertEquals(await states(hub, m2.id), { carol: "delivered" });
  const acked = await ack(hub, m2.id, "carol");
  assertEquals(acked.body.result.receipt.state, "acked");
  assert(acked.body.result.receipt.acked_at);

  // SSE
  const controller = new AbortController();
  const stream = await openStream(
    `${hub.url}/v1/stream?agent_id=bob&since_id=${m2.id}`,
    controller.signal,
  );
  const m3 = await dm(hub, "alice", "bob", "three");
  let got;
  do got = await stream.next(); while (got && got.data?.id !== m3.id);
  controller.abort();
  await stream.response.body?.cancel().catch(() => {});
  assertEquals(
    await eventually(async () => {
      const s = await states(hub, m3.id);
      return s["bob"] ? s : undefined;
    }),
    { bob: "delivered" },
  );
  await ack(hub, m3.id, "bob");
  assertEquals(await states(hub, m3.id), { bob: "acked" });

  // A channel message with ack_required, read by a channel long-poll that says who reads.
  const m4 = (await hub.api("POST", "/v1/messages", {
    from_agent: "alice",
    channel: "general",
    body: "all hands: confirm",
    metadata: { ack_required: true },
  })).body.result;
  const plain = (await hub.api("POST", "/v1/messages", {
    from_agent: "alice",
    channel: "general",
    body: "no receipts for me",
  })).body.result;
  await hub.api(
    "GET",
    `/v1/messages?channel=general&since_id=${m3.id}&agent_id=bob`,
  );
  await hub.api("GET", `/v1/events?agent_id=carol&since_id=${m3.id}`);
  await hub.api("GET", `/v1/events?agent_id=alice&since_id=${m3.id}`);
  assertEquals(await states(hub, m4.id, "carol"), {
    bob: "delivered",
    carol: "delivered",
  });
  await ack(hub, m4.id, "carol");
  assertEquals(await states(hub, m4.id, "bob"), {
    bob: "delivered",
    carol: "acked",
  });
  const p = await receipts(hub, plain.id, "bob");
  assertEquals(p.body.result.tracked, false);
  assertEquals(p.body.result.receipts, []);
  assertEquals((await ack(hub, plain.id, "bob")).status, 400);
  assertEquals((await ack(hub, m4.id, "alice")).status, 400);
});

Deno.test("receipts: a third agent can neither read nor ack the receipts of a DM it is not party to", async () => {
  await using hub = await inProcessHub();
  const m = await dm(hub, "alice", "bob", "secret plan");
  await hub.api("GET", "/v1/inbox/bob");
  const snoop = await receipts(hub, m.id, "mallory");
  assertEquals(snoop.status, 403);
  assert(!JSON.stringify(snoop.body).includes("secret plan"));
  assertEquals((await ack(hub, m.id, "mallory")).status, 403);
  assertEquals((await receipts(hub, m.id, "bob")).status, 200);
  assertEquals((await receipts(hub, m.id, "alice")).status, 200);
  assertEquals(
    (await hub.api("GET", `/v1/arcdeno/messages/${m.id}/receipts`)).status,
    400,
  );
  assertEquals((await receipts(hub, 999_999, "bob")).status, 404);
  assertEquals((await ack(hub, 999_999, "bob")).status, 404);
  assertEquals(
    (await hub.api("POST", `/v1/arcdeno/messages/${m.id}/ack`, {})).status,
    400,
  );
  // The operator's list shows who waits on whom, never the DM's body.
  const all = await hub.api("GET", "/v1/arcdeno/unacked?all=1");
  assertEquals(all.body.result.length, 1);
  assertEquals(all.body.result[0].to_agent, "bob");
  assert(!JSON.stringify(all.body).includes("secret plan"));
  assertEquals((await hub.api("GET", "/v1/arcdeno/unacked")).status, 400);
});

Deno.test("receipts: the unacked list gives the sender its waiting messages with age and overdue", async () => {
  await using hub = await inProcessHub();
  await hub.api("POST", "/v1/sessions", { agent_id: "bob" });
  const slow = (await hub.api("POST", "/v1/messages", {
    from_agent: "alice",
    to_agent: "bob",
    kind: "task_request",
    body: "review #12",
    metadata: { arcdeno: { ack_within_sec: 1 } },
  })).body.result;
  const fine = await dm(hub, "alice", "bob", "fyi");
  await dm(hub, "carol", "bob", "not alice's");
  await hub.advance(2200);
  const list = await hub.api("GET", "/v1/arcdeno/unacked?agent_id=alice");
  assertEquals(list.status, 200);
  // deno-lint-ignore no-explicit-any
  const rows = list.body.result as any[];
  assertEquals(rows.map((r) => r.message_id), [slow.id, fine.id]);
  assertEquals(rows[0].body, "review #12");
  assert(rows[0].age_sec >= 2, `age ${rows[0].age_sec}`);
  assertEquals(rows[0].ack_within_sec, 1);
  assertEquals(rows[0].overdue, true);
  assertEquals(rows[1].overdue, false);
  assertEquals(rows[1].ack_within_sec, 300);
  assertEquals(rows[0].delivered_to, []);
  await hub.api("GET", "/v1/inbox/bob");
  await ack(hub, slow.id, "bob");
  const after = await hub.api("GET", "/v1/arcdeno/unacked?agent_id=alice");
  // deno-lint-ignore no-explicit-any
  assertEquals(after.body.result.map((r: any) => r.message_id), [fine.id]);
  assertEquals(after.body.result[0].delivered_to, ["bob"]);
});

Deno.test("receipts: a DM to an unknown or expired agent succeeds and says so", async () => {
  await using hub = await inProcessHub({ args: ["--presence-ttl", "5"] });
  const unknown = await dm(hub, "alice", "ghost", "anyone?");
  assertEquals(unknown.arcdeno, { recipient: "unknown" });
  assertEquals(unknown.body, "anyone?");
  await hub.api("POST", "/v1/sessions", { agent_id: "sleepy" });
  const live = await dm(hub, "alice", "sleepy", "awake?");
  assertEquals(live.arcdeno, undefined);
  await hub.advance(6500);
  const expired = await dm(hub, "alice", "sleepy", "still there?");
  assertEquals(expired.arcdeno, { recipient: "expired" });
  // Reading does not carry the vendor field: it belongs to the post result.
  const inbox = await hub.api("GET", "/v1/inbox/sleepy");
  // deno-lint-ignore no-explicit-any
  assert(inbox.body.result.every((m: any) => m.arcdeno === undefined));
});

Deno.test("receipts: the relay marks delivery and takes acknowledgements", async () => {
  await using hub = await startHub();
  const spool = `${hub.dir}/spool`;
  await relayCall(spool, "bob", "POST", "/v1/sessions", { agent_id: "bob" });
  const m = await dm(hub, "alice", "bob", "via files");
  const read = await relayCall(
    spool,
    "bob",
    "GET",
    "/v1/events?agent_id=bob&since_id=0",
  );
  assertEquals(read.body.result.length, 1);
  assertEquals(await states(hub, m.id), { bob: "delivered" });
  const done = await relayCall(
    spool,
    "bob",
    "POST",
    `/v1/arcdeno/messages/${m.id}/ack`,
    { agent_id: "bob" },
  );
  assertEquals(done.status, 200);
  assertEquals(await states(hub, m.id), { bob: "acked" });
});
