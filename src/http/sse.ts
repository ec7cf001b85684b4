/**
 * `GET /v1/stream`: server-sent events for one agent's view. Each message is
 * one event: `id:` is the message id, `data:` the message. A client that
 * reconnects with `Last-Event-ID` (browsers' `EventSource` does so by
 * itself) resumes after that id (vendor feature `arcdeno:sse_resume`). A comment line goes out every heartbeat interval so
 * proxies keep the connection open and a vanished client is noticed. The
 * stream is pulled, so a client that stops reading makes the hub stop
 * producing instead of buffering.
 *
 * @module
 */

import type { FeedOptions, Hub } from "../hub/hub.ts";
import { DEFAULTS } from "../protocol.ts";
import type { Message } from "../hub/types.ts";

const encoder = new TextEncoder();

/** Each message's event text, made once for every stream it goes to. */
const eventText = new WeakMap<Message, string>();

function toEvent(message: Message): string {
  let text = eventText.get(message);
  if (text === undefined) {
    text = `id: ${message.id}\ndata: ${JSON.stringify(message)}\n\n`;
    eventText.set(message, text);
  }
  return text;
}

/**
 * The cursor a stream starts after: the `Last-Event-ID` header when it holds
 * a message id (a reconnect), else `sinceId`.
 */
export function resumeAfter(headers: Headers, sinceId: number): number {
  const last = headers.get("last-event-id")?.trim();
  if (last && /^\d{1,15}$/.test(last)) return Number(last);
  return sinceId;
}

/** Builds the event-stream response; it ends when the client leaves or the hub shuts down. */
export function streamResponse(
  hub: Hub,
  options: FeedOptions,
  requestSignal: AbortSignal,
  heartbeatMs: number = DEFAULTS.sseHeartbeatSec * 1000,
): Response {
  const feed = hub.openFeed(options);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  requestSignal.addEventListener("abort", onAbort, { once: true });
  const finish = () => {
    requestSignal.removeEventListener("abort", onAbort);
    stop.abort();
    feed[Symbol.dispose]();
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(": connected\n\n"));
    },
    async pull(controller) {
      try {
        const rows = await feed.next(heartbeatMs, stop.signal);
        if (hub.notifier.closed || stop.signal.aborted) {
          finish();
          controller.close();
          return;
        }
        const text = rows.length
          ? rows.map(toEvent).join("")
          : ": keepalive\n\n";
        controller.enqueue(encoder.encode(text));
      } catch (error) {
        finish();
        controller.error(error);
      }
    },
    cancel() {
      finish();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    },
  });
}
