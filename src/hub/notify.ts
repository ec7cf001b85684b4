/**
 * Outbound notifications for the operator (`serve --notify-url`): each event
 * is POSTed as JSON to every configured webhook, Slack-compatible (`text`)
 * with structured fields beside it (`event`, `arcdeno`), signed with
 * HMAC-SHA256 over the raw body (`X-Arcdeno-Signature: sha256=<hex>`) when a
 * secret is set, and retried with exponential backoff. The queue is bounded:
 * when the receivers fall behind, the oldest deliveries are dropped (and
 * logged), never the hub's own work.
 *
 * @module
 */

/** Options for {@linkcode Notifications}. */
export interface NotifyOptions {
  /** Webhook URLs, each gets every event. */
  urls: readonly string[];
  /** HMAC-SHA256 key; unsigned without one. @default none */
  secret?: string | undefined;
  /** Attempts per delivery. @default 5 */
  attempts?: number;
  /** First retry delay; doubles each time. @default 500 */
  backoffMs?: number;
  /** Deliveries kept waiting at most. @default 1000 */
  maxQueue?: number;
  /** Time one attempt may take. @default 10000 */
  timeoutMs?: number;
  /** Where failures are reported. @default nothing */
  log?: (line: string) => void;
}

interface Delivery {
  url: string;
  body: string;
  event: string;
}

/** The signature header value for `body` under `secret`. */
export async function signBody(secret: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, enc.encode(body)),
  );
  return `sha256=${
    Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")
  }`;
}

/** A bounded, retrying webhook sender. */
export class Notifications implements AsyncDisposable {
  #options: Required<Omit<NotifyOptions, "secret">> & { secret?: string };
  #queue: Delivery[] = [];
  #running: Promise<void> | undefined;
  #stop = new AbortController();
  /** Deliveries given up on (after every attempt, or dropped from a full queue). */
  failed = 0;
  /** Deliveries a receiver accepted. */
  sent = 0;

  constructor(options: NotifyOptions) {
    this.#options = {
      urls: options.urls,
      attempts: options.attempts ?? 5,
      backoffMs: options.backoffMs ?? 500,
      maxQueue: options.maxQueue ?? 1000,
      timeoutMs: options.timeoutMs ?? 10_000,
      log: options.log ?? (() => {}),
      ...(options.secret ? { secret: options.secret } : {}),
    };
  }

  /** Queues one event for every webhook; `text` is what chat apps show. */
  send(event: string, text: string, fields: Record<string, unknown>): void {
    if (this.#stop.signal.aborted) return;
    const body = JSON.stringify({ text, event, arcdeno: fields });
    for (const url of this.#options.urls) {
      this.#queue.push({ url, body, event });
      if (this.#queue.length > this.#options.maxQueue) {
        const dropped = this.#queue.shift()!;
        this.failed++;
        this.#options.log(
          `notification dropped (queue full): ${dropped.event} to ${dropped.url}`,
        );
      }
    }
    this.#running ??= this.#drain().finally(() => this.#running = undefined);
  }

  /** Resolves once the queue is empty (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length && !this.#stop.signal.aborted) {
      await this.#deliver(this.#queue.shift()!);
    }
  }

  async #deliver(d: Delivery): Promise<void> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-arcdeno-event": d.event,
    };
    if (this.#options.secret) {
      headers["x-arcdeno-signature"] = await signBody(
        this.#options.secret,
        d.body,
      );
    }
    let delay = this.#options.backoffMs;
    for (let attempt = 1; attempt <= this.#options.attempts; attempt++) {
      try {
        const res = await fetch(d.url, {
          method: "POST",
          headers,
          body: d.body,
          signal: AbortSignal.any([
            this.#stop.signal,
            AbortSignal.timeout(this.#options.timeoutMs),
          ]),
        });
        await res.body?.cancel();
        if (res.ok) {
          this.sent++;
          return;
        }
        // A 4xx other than 408/429 will not change by retrying.
        if (res.status < 500 && res.status !== 408 && res.status !== 429) {
          attempt = this.#options.attempts;
        }
        this.#options.log(
          `notification ${d.event} to ${d.url} answered ${res.status}`,
        );
      } catch (error) {
        if (this.#stop.signal.aborted) return;
        this.#options.log(
          `notification ${d.event} to ${d.url} failed: ${error}`,
        );
      }
      if (attempt < this.#options.attempts) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.#stop.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve();
          }, { once: true });
        });
        delay *= 2;
        if (this.#stop.signal.aborted) return;
      }
    }
    this.failed++;
  }

  /** Stops sending; what is still queued is dropped. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#stop.abort();
    this.#queue = [];
    await this.idle();
  }
}
