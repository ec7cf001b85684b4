/**
 * A small reader for `text/event-stream` bodies: yields the data of each
 * event and skips comment lines (`: connected`, `: keepalive`).
 *
 * @module
 */

/** Yields the `data` of each event in `body`; ends when the body ends or `signal` aborts. */
export async function* readEventData(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<string, void, undefined> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  // Cancelling settles a pending read at once, whatever the body's source does.
  const onAbort = () => void reader.cancel().catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) onAbort();
  let buffer = "";
  let data: string[] = [];
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += value;
      while (true) {
        const end = buffer.search(/\r\n|\r|\n/);
        if (end < 0) break;
        // A lone "\r" at the end may be the first half of "\r\n": wait for more.
        if (buffer[end] === "\r" && end === buffer.length - 1) break;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(
          buffer.startsWith("\r\n", end) ? end + 2 : end + 1,
        );
        if (line === "") {
          if (data.length) yield data.join("\n");
          data = [];
        } else if (line.startsWith("data:")) {
          const value = line.slice(5);
          data.push(value.startsWith(" ") ? value.slice(1) : value);
        }
        // comments (":...") and other fields (event:, id:, retry:) are ignored
      }
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    await reader.cancel().catch(() => {});
  }
}
