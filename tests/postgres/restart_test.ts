/**
 * Two hubs on a private PostgreSQL server that is really stopped and
 * started again (`pg_ctl stop -m fast`, then start): while it is down every
 * post answers 503 in the protocol envelope at once; once it accepts
 * connections, posts succeed within 5 s; every acknowledged post is there
 * afterwards; a post on one hub wakes a long-poll on the other again; and
 * the hubs still stop promptly.
 */
import { assert, assertEquals } from "../_assert.ts";
import { eventually, request, type TestHub } from "../_util.ts";
import { generalMessages, startPgHubs, stopAll } from "./_pg.ts";
import { privatePgTest } from "./_server.ts";

/** One post as an agent would make it, with when it was sent and answered. */
interface Outcome {
  hub: number;
  sentAt: number;
  answeredAt: number;
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** Posts on `hub` one after another until `stop()` says so. */
function poster(
  hubs: TestHub[],
  h: number,
  outcomes: Outcome[],
  acknowledged: Map<number, string>,
  stop: () => boolean,
): Promise<void> {
  return (async () => {
    for (let i = 0; !stop(); i++) {
      const body = `hub${h}-${i}`;
      const sentAt = performance.now();
      const reply = await request(hubs[h]!.url, "POST", "/v1/messages", {
        from_agent: `poster-${h}`,
        body,
      }).catch((error) => ({ status: 0, body: String(error) }));
      outcomes.push({
        hub: h,
        sentAt,
        answeredAt: performance.now(),
        status: reply.status,
        body: reply.body,
      });
      if (reply.status === 201) acknowledged.set(reply.body.result.id, body);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
}

await privatePgTest(
  "postgres restart under 2 hubs: 503 at once while down, writes within 5 s after, nothing acknowledged lost, wake-ups across hubs",
  async (pg) => {
    const hubs = await startPgHubs(2, pg.url);
    let done = false;
    let posters: Promise<void>[] = [];
    try {
      const outcomes: Outcome[] = [];
      const acknowledged = new Map<number, string>();
      posters = [0, 1].map((h) =>
        poster(hubs, h, outcomes, acknowledged, () => done)
      );
      await eventually(() => Promise.resolve(acknowledged.size >= 10), {
        what: "posts before the restart",
      });

      const stopping = performance.now();
      await pg.stop();
      const stopped = performance.now();
      // Every hub has answered posts sent after the server was gone.
      const downAnswers = () =>
        outcomes.filter((o) => o.sentAt > stopped && o.status !== 201);
      await eventually(
        () =>
          Promise.resolve(
            [0, 1].every((h) =>
              downAnswers().filter((o) => o.hub === h).length >= 5
            ),
          ),
        { what: "503 answers while the server is down" },
      );
      const starting = performance.now();
      await pg.start();
      const started = performance.now();
      await eventually(
        () =>
          Promise.resolve(
            [0, 1].every((h) =>
              outcomes.some((o) =>
                o.hub === h && o.sentAt > started && o.status === 201
              )
            ),
          ),
        { timeoutMs: 20_000, what: "posts succeeding after the restart" },
      ).catch((error) => {
        // Say why: a hub that died says so in its log.
        throw new Error(
          `${(error as Error).message}\n${
            hubs.map((hub, h) => `hub ${h}:\n${hub.output()}`).join("\n")
          }`,
        );
      });
      done = true;
      await Promise.all(posters);

      // While down: 503 in the protocol envelope, with a clear text, at once.
      const down = outcomes.filter((o) =>
        o.sentAt > stopped && o.answeredAt < starting
      );
      assert(down.length >= 10, `${down.length} posts while down`);
      for (const o of down) {
        assertEquals(o.status, 503, JSON.stringify(o.body));
        assertEquals(o.body.ok, false);
        assert(/^storage unavailable: /.test(o.body.error), o.body.error);
      }
      for (const h of [0, 1]) {
        assert(
          down.some((o) =>
            o.hub === h &&
            /is not reachable .*reconnects by itself, retry in a moment$/
              .test(o.body.error)
          ),
          JSON.stringify(down.filter((o) => o.hub === h).map((o) => o.body)),
        );
      }
      const slowestDown = Math.max(...down.map((o) => o.answeredAt - o.sentAt));
      assert(slowestDown < 1000, `a post took ${slowestDown} ms while down`);
      const first503 = Math.min(
        ...outcomes.filter((o) => o.status === 503).map((o) => o.answeredAt),
      );
      // After the start: the first success on each hub comes within 5 s.
      const recovery = Math.max(
        ...[0, 1].map((h) =>
          Math.min(
            ...outcomes.filter((o) =>
              o.hub === h && o.status === 201 && o.answeredAt > started
            ).map((o) => o.answeredAt),
          ) - started
        ),
      );
      assert(recovery < 5000, `posts succeeded ${recovery} ms after start`);
      // Nothing hung: no post waited anywhere near a client's timeout.
      const slowest = Math.max(
        ...outcomes.map((o) => o.answeredAt - o.sentAt),
      );
      assert(slowest < 5000, `a post took ${slowest} ms`);
      assert(
        outcomes.every((o) => o.status === 201 || o.status === 503),
        JSON.stringify(outcomes.filter((o) => ![201, 503].includes(o.status))),
      );

      // Every acknowledged post is stored, seen from either hub.
      for (const hub of hubs) {
        const stored = await generalMessages(hub);
        for (const [id, body] of acknowledged) {
          assertEquals(stored.get(id), body, `acknowledged post ${id}`);
        }
      }

      // A post on hub 0 wakes a long-poll on hub 1 again.
      const since = Math.max(...acknowledged.keys());
      const woke = performance.now();
      const poll = hubs[1]!.api(
        "GET",
        `/v1/events?agent_id=watcher&since_id=${since}&timeout=20`,
      );
      await new Promise((r) => setTimeout(r, 200));
      const late = await hubs[0]!.api("POST", "/v1/messages", {
        from_agent: "late",
        body: "after the restart",
      });
      assertEquals(late.status, 201);
      const polled = await poll;
      assertEquals(
        polled.body.result.map((m: { id: number }) => m.id),
        [late.body.result.id],
      );
      const wake = performance.now() - woke;
      assert(wake < 8000, `woken after ${wake} ms, not by the poll's timeout`);

      for (const hub of hubs) {
        assert(/database unreachable/.test(hub.output()), hub.output());
        assert(/database reachable again/.test(hub.output()), hub.output());
      }
      // Each stops within its 5 s shutdown allowance, though the pool the
      // reconnect replaced may still be draining.
      const stopping2 = performance.now();
      assertEquals(await Promise.all(hubs.map((hub) => hub.stop())), [0, 0]);
      const stopMs = performance.now() - stopping2;
      assert(stopMs < 7000, `the hubs took ${stopMs} ms to stop`);
      // deno-lint-ignore no-console
      console.log(
        `restart figures: first 503 ${
          (first503 - stopping).toFixed(0)
        } ms after the stop began (pg_ctl stop took ${
          (stopped - stopping).toFixed(0)
        } ms), slowest 503 while down ${
          slowestDown.toFixed(0)
        } ms, writes again ${
          recovery.toFixed(0)
        } ms after the server accepted connections, ${acknowledged.size} posts acknowledged, none lost, hubs stopped in ${
          stopMs.toFixed(0)
        } ms`,
      );
    } finally {
      done = true;
      await Promise.all(posters);
      await stopAll(hubs);
    }
  },
);
