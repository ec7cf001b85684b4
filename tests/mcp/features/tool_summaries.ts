/**
 * The text summaries the tool families share (`src/mcp/tools/_shared.ts`):
 * what a model reads before the JSON of a listing or of new messages.
 *
 * @module
 */

import { assertEquals } from "../../_assert.ts";
import type { Message } from "../../../src/client/types.ts";
import {
  clip,
  describeMessages,
  listed,
} from "../../../src/mcp/tools/_shared.ts";

function message(id: number, fields: Partial<Message> = {}): Message {
  return {
    id,
    ts: "2026-04-14T00:00:00Z",
    from_agent: "bob",
    to_agent: null,
    channel: "general",
    kind: "chat",
    body: `message ${id}`,
    attachments: [],
    reply_to: null,
    thread_id: null,
    metadata: {},
    ...fields,
  };
}

Deno.test("listed() - counts the items, names each by its label, and keeps the list as data", () => {
  const claims = [{ key: "task-1", owner: "ann" }, {
    key: "task-2",
    owner: "bo",
  }];
  const outcome = listed("claim", { claims }, (c) => `${c.key} (${c.owner})`);
  assertEquals(outcome.summary, "2 claim(s): task-1 (ann), task-2 (bo).");
  assertEquals(outcome.data, { claims });
  assertEquals(listed("lock", { locks: [] }, String).summary, "0 lock(s).");
});

Deno.test("describeMessages() - one line per message, direct ones marked, past 20 only counted", () => {
  assertEquals(describeMessages([], "alice"), "No new messages.");
  assertEquals(
    describeMessages([
      message(1, { thread_id: "t1", body: "hello\n  world" }),
      message(2, { to_agent: "alice", kind: "task_request" }),
    ], "alice"),
    "2 message(s):\n#1 chat from bob in #general [t1]: hello world\n" +
      "#2 task_request from bob to you: message 2",
  );
  const many = Array.from({ length: 23 }, (_, i) => message(i + 1));
  const lines = describeMessages(many, "alice").split("\n");
  assertEquals(lines.length, 22);
  assertEquals(lines.at(-1), "… and 3 more");
});

Deno.test("clip() - one line, cut at the limit with an ellipsis", () => {
  assertEquals(clip("  a \n b  "), "a b");
  assertEquals(clip("abcdef", 3), "abc…");
});
