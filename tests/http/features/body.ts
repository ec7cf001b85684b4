import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "../../_assert.ts";
import { readJsonObject } from "../../../src/http/body.ts";
import { ValidationError } from "../../../src/errors.ts";

function post(body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request("http://hub/v1/messages", {
    method: "POST",
    body,
    headers,
  });
}

function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      // Two chunks, so the reader has to join them.
      controller.enqueue(bytes.slice(0, 3));
      controller.enqueue(bytes.slice(3));
      controller.close();
    },
  });
}

Deno.test("readJsonObject() reads a body of declared length whole", async () => {
  const text = '{"body":"hi","n":1}';
  assertEquals(
    await readJsonObject(post(text, { "content-length": "19" }), 100),
    { body: "hi", n: 1 },
  );
});

Deno.test("readJsonObject() reads a streamed body of undeclared length", async () => {
  assertEquals(await readJsonObject(post(streamOf('{"a":[1,2]}')), 100), {
    a: [1, 2],
  });
});

Deno.test("readJsonObject() refuses a body over the limit however its length is told", async () => {
  const big = JSON.stringify({ body: "x".repeat(200) });
  for (
    const req of [
      post(big, { "content-length": String(big.length) }),
      post(streamOf(big)),
      // An in-process request (relay, MCP) whose header understates its body.
      post(big, { "content-length": "10" }),
    ]
  ) {
    const error = await assertRejects(() => readJsonObject(req, 100));
    assert(error instanceof ValidationError);
    assertStringIncludes(error.message, "request body exceeds max size");
  }
});
