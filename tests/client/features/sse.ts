import { assertEquals } from "../../_assert.ts";
import { readEventData } from "../../../src/client/_sse.ts";

function body(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return ReadableStream.from(chunks.map((c) => encoder.encode(c)));
}

async function read(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const events: string[] = [];
  for await (const data of readEventData(stream)) events.push(data);
  return events;
}

Deno.test("readEventData() - yields data events and skips comments and other fields", async () => {
  assertEquals(
    await read(body(
      ": connected\n\n",
      'data: {"id":1}\n\n',
      ": keepalive\n\nevent: ignored\nid: 7\nretry: 10\n",
      'data: {"id":2}\n\n',
    )),
    ['{"id":1}', '{"id":2}'],
  );
});

Deno.test("readEventData() - joins data lines, splits chunks anywhere and accepts CRLF and CR", async () => {
  assertEquals(
    await read(body(
      "da",
      "ta: a\r",
      "\ndata:b\r\n\r",
      "\ndata: c\r\rdata: d\n",
      "\n",
    )),
    ["a\nb", "c", "d"],
  );
});

Deno.test("readEventData() - drops an unfinished event at the end of the body", async () => {
  assertEquals(await read(body("data: 1\n\ndata: 2\n")), ["1"]);
});
