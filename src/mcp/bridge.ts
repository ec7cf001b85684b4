/**
 * The stdio <-> Streamable HTTP bridge of `arc mcp`: each JSON-RPC message an
 * MCP host writes to stdin is POSTed to the hub's `/mcp`, and every message
 * the hub answers with (a JSON body or an SSE stream) goes to stdout as one
 * line. The hub runs the MCP server itself (tools, resources, the digest,
 * presence, strict identity); this process only carries messages, so it
 * loads no MCP SDK, no zod and no hub code.
 *
 * The bridge follows the Streamable HTTP transport of the MCP specification
 * (2025-06-18) as a client: `Accept: application/json, text/event-stream` on
 * every POST, the `Mcp-Session-Id` the hub returns on initialize (and the
 * negotiated `MCP-Protocol-Version`) on every later request, a GET stream for
 * messages the hub starts itself, a new session when the hub answers 404 for
 * the old one (a restarted hub), and a DELETE of the session at the end,
 * which deregisters the agent.
 *
 * @module
 */

import { readEventData } from "../client/_sse.ts";
import { delay, describe } from "../client/_util.ts";
import {
  type HubAddress,
  isPermissionError,
  unreachableAdvice,
} from "./advice.ts";

/** Options for {@linkcode McpBridge}. */
export interface McpBridgeOptions extends HubAddress {
  /** The tool profile (`?tools=`); the hub's default when unset. */
  tools?: string;
  /** Bearer token for a remote hub. */
  token?: string;
  /** Display name for the agent's session. */
  displayName?: string;
  /** Capabilities for the agent's session. */
  capabilities?: string[];
  /**
   * Append a digest of new direct messages and mentions to tool results.
   *
   * @default true
   */
  digest?: boolean;
  /** Writes one message to the host (stdout). */
  send: (message: unknown) => Promise<void>;
  /** Where log lines go (stderr; never stdout). */
  log: (line: string) => void;
  /** The `fetch` requests go through. @default {globalThis.fetch} */
  fetch?: typeof fetch;
}

/**
 * What became of the host's first initialize: the hub opened an MCP session
 * (`bridged`), or it did not (no hub answered, no `/mcp`, a refusal), and
 * the tools must be served from this process (`fallback`).
 */
export type BridgeOutcome = "bridged" | "fallback";

type Json = Record<string, unknown>;
type RequestId = string | number;

/** What every POST accepts, as the transport requires. */
const ACCEPT = "application/json, text/event-stream";
/** How long closing waits for the hub to end the session. */
const CLOSE_GRACE_MS = 3_000;
/** First and longest wait before the GET stream is opened again. */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/** One agent's MCP session on the hub's `/mcp`, carried over stdio. */
export class McpBridge {
  #options: McpBridgeOptions;
  #url: string;
  #fetch: typeof fetch;
  #abort = new AbortController();
  #started = false;
  #closing = false;
  #sessionId: string | undefined;
  #protocolVersion: string | undefined;
  /** The host's initialize request, replayed when the hub loses the session. */
  #initialize: Json | undefined;
  /** Whether the host sent `notifications/initialized` (replayed too). */
  #initialized = false;
  #opening: Promise<BridgeOutcome> | undefined;
  #reopening: Promise<string | undefined> | undefined;
  #lastFailure: string | undefined;
  #listening: Promise<void> | undefined;
  #replays = 0;

  constructor(options: McpBridgeOptions) {
    this.#options = options;
    const url = new URL(`${options.baseUrl.replace(/\/+$/, "")}/mcp`);
    url.searchParams.set("agent", options.agentId);
    if (options.tools !== undefined) {
      url.searchParams.set("tools", options.tools);
    }
    if (options.displayName !== undefined) {
      url.searchParams.set("display_name", options.displayName);
    }
    for (const capability of options.capabilities ?? []) {
      url.searchParams.append("capability", capability);
    }
    if (options.digest === false) url.searchParams.set("digest", "0");
    this.#url = url.href;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** The hub's MCP endpoint, for messages. */
  get endpoint(): string {
    return `${this.#options.baseUrl.replace(/\/+$/, "")}/mcp`;
  }

  /**
   * Forwards one line the host wrote. The first initialize is answered before
   * this resolves (and says whether the hub took the session); requests are
   * sent and answered in the background, while notifications and responses
   * are sent before the next line, so the hub sees them in order.
   */
  async receive(line: string): Promise<BridgeOutcome> {
    if (this.#closing) return "bridged";
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      await this.#options.send({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32700, message: "Parse error: a line is not JSON" },
      });
      return "bridged";
    }
    const messages = Array.isArray(parsed) ? parsed : [parsed];
    const requests = messages.filter(isRequest);
    if (!this.#started) {
      const init = requests.find((m) => m["method"] === "initialize");
      if (init !== undefined) {
        this.#started = true;
        this.#initialize = init;
        this.#opening = this.#open(parsed, requests);
        return await this.#opening;
      }
    }
    if (messages.some((m) => isObject(m) && m["method"] === INITIALIZED)) {
      this.#initialized = true;
    }
    const forwarding = this.#forward(parsed, requests);
    if (requests.length === 0) await forwarding;
    return "bridged";
  }

  /**
   * Ends the MCP session on the hub (which deregisters the agent), waiting a
   * few seconds at most, then drops every request still open. An initialize
   * still in flight is waited for, so the session it opens is ended too.
   */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) =>
      timer = setTimeout(resolve, CLOSE_GRACE_MS)
    );
    const ending = (async () => {
      await this.#opening;
      await this.#reopening;
      const id = this.#sessionId;
      this.#sessionId = undefined;
      if (id === undefined) return;
      const response = await this.#fetch(this.#url, {
        method: "DELETE",
        headers: this.#headers(id),
      });
      await response.body?.cancel();
      if (!response.ok && response.status !== 404) {
        this.#options.log(
          `arc mcp: the hub did not end the MCP session (HTTP ${response.status})`,
        );
      }
    })().catch((error) =>
      this.#options.log(
        `arc mcp: could not end the MCP session: ${describe(error)}`,
      )
    );
    await Promise.race([ending, grace]);
    clearTimeout(timer);
    this.#abort.abort();
    await this.#listening;
  }

  /** POSTs the host's first initialize; the hub's answer decides the outcome. */
  async #open(body: unknown, requests: Json[]): Promise<BridgeOutcome> {
    let response: Response;
    try {
      response = await this.#post(body, undefined);
    } catch (error) {
      this.#options.log(
        `arc mcp: no hub answered at ${this.endpoint} (${
          describe(error)
        }); serving the tools from this process`,
      );
      return "fallback";
    }
    const id = response.headers.get("mcp-session-id");
    if (!response.ok || id === null) {
      this.#options.log(
        `arc mcp: ${this.endpoint} opened no MCP session (HTTP ${response.status}: ${await reasonOf(
          response,
        )}); serving the tools from this process`,
      );
      return "fallback";
    }
    this.#sessionId = id;
    this.#options.log(
      `arc mcp: agent '${this.#options.agentId}' registered on ${this.#options.baseUrl} by its MCP session at ${this.endpoint}`,
    );
    await this.#relay(response, requests);
    if (!this.#closing) this.#listening = this.#listen();
    return "bridged";
  }

  /** POSTs one message (or batch) in the session, opening a new one if the hub lost it. */
  async #forward(body: unknown, requests: Json[], retry = true): Promise<void> {
    const id = await this.#session();
    if (id === undefined) {
      await this.#fail(requests, this.#lastFailure ?? "no MCP session");
      return;
    }
    let response: Response;
    try {
      response = await this.#post(body, id);
    } catch (error) {
      await this.#fail(requests, this.#unreachable(error));
      return;
    }
    if (response.status === 404 && retry) {
      // The hub forgot the session (it restarted, or it ended an idle one).
      await response.body?.cancel();
      if (this.#sessionId === id) this.#sessionId = undefined;
      return await this.#forward(body, requests, false);
    }
    await this.#relay(response, requests);
  }

  /** The session id, after opening a new session when the old one is lost. */
  async #session(): Promise<string | undefined> {
    await this.#opening;
    if (this.#sessionId !== undefined) return this.#sessionId;
    if (this.#closing) return undefined;
    if (this.#initialize === undefined) {
      this.#lastFailure = "no MCP session: send initialize first";
      return undefined;
    }
    this.#reopening ??= this.#reopen().finally(() => {
      this.#reopening = undefined;
    });
    return await this.#reopening;
  }

  /** Replays the host's initialize (and initialized) for a new session. */
  async #reopen(): Promise<string | undefined> {
    const request = {
      ...this.#initialize,
      id: `arc-bridge-${++this.#replays}`,
    };
    let response: Response;
    try {
      response = await this.#post(request, undefined);
    } catch (error) {
      this.#lastFailure = this.#unreachable(error);
      return undefined;
    }
    const id = response.headers.get("mcp-session-id");
    if (!response.ok || id === null) {
      this.#lastFailure =
        `Arc hub error (HTTP ${response.status}): ${await reasonOf(
          response,
        )}`;
      return undefined;
    }
    try {
      for await (const message of messagesOf(response, this.#abort.signal)) {
        if (message["id"] === request.id) this.#noteVersion(message);
      }
      if (this.#initialized) {
        const done = await this.#post(
          { jsonrpc: "2.0", method: INITIALIZED },
          id,
        );
        await done.body?.cancel();
      }
    } catch (error) {
      this.#lastFailure = this.#unreachable(error);
      return undefined;
    }
    this.#sessionId = id;
    this.#options.log(
      `arc mcp: the hub had lost the MCP session; agent '${this.#options.agentId}' registered again at ${this.endpoint}`,
    );
    return id;
  }

  /**
   * Writes the messages of one answer to the host, then answers each request
   * the hub left unanswered with an error, so the host never waits forever.
   */
  async #relay(response: Response, requests: Json[]): Promise<void> {
    if (!response.ok) {
      const reason = await reasonOf(response);
      if (requests.length === 0) {
        this.#options.log(
          `arc mcp: the hub refused a message (HTTP ${response.status}): ${reason}`,
        );
      }
      await this.#fail(
        requests,
        `Arc hub error (HTTP ${response.status}): ${reason}`,
      );
      return;
    }
    const open = new Set<RequestId>(requests.map((r) => r["id"] as RequestId));
    try {
      for await (const message of messagesOf(response, this.#abort.signal)) {
        const id = message["id"] as RequestId | undefined;
        if (id !== undefined && !("method" in message)) {
          open.delete(id);
          if (id === this.#initialize?.["id"]) this.#noteVersion(message);
        }
        await this.#options.send(message);
      }
    } catch (error) {
      if (this.#closing) return;
      this.#options.log(`arc mcp: an answer broke off: ${describe(error)}`);
    }
    await this.#fail(
      requests.filter((r) => open.has(r["id"] as RequestId)),
      "The hub closed the answer before it was complete (its MCP session may have ended); call again.",
    );
  }

  /**
   * Holds the GET stream the hub sends its own messages on. While it is
   * open the hub keeps the session (and the agent's presence) however long
   * the host stays idle; when it breaks, it is opened again.
   */
  async #listen(): Promise<void> {
    let wait = RETRY_MIN_MS;
    const signal = this.#abort.signal;
    while (!this.#closing) {
      const id = await this.#session();
      let response: Response | undefined;
      if (id !== undefined) {
        const headers = this.#headers(id);
        headers.set("accept", "text/event-stream");
        response = await this.#fetch(this.#url, { headers, signal })
          .catch(() => undefined);
      }
      if (this.#closing) {
        await response?.body?.cancel().catch(() => {});
        return;
      }
      if (response?.status === 405) {
        // The hub sends nothing unasked.
        await response.body?.cancel();
        return;
      }
      if (response?.status === 404 && this.#sessionId === id) {
        this.#sessionId = undefined;
      }
      if (response?.ok && response.body !== null) {
        wait = RETRY_MIN_MS;
        try {
          for await (const data of readEventData(response.body, signal)) {
            for (const message of parseMessages(data)) {
              await this.#options.send(message);
            }
          }
        } catch {
          // the stream broke off; open it again
        }
      } else {
        await response?.body?.cancel().catch(() => {});
      }
      if (this.#closing) return;
      await delay(wait, signal).catch(() => {});
      wait = Math.min(wait * 2, RETRY_MAX_MS);
    }
  }

  #post(body: unknown, sessionId: string | undefined): Promise<Response> {
    const headers = this.#headers(sessionId);
    headers.set("content-type", "application/json");
    return this.#fetch(this.#url, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal: this.#abort.signal,
    });
  }

  #headers(sessionId: string | undefined): Headers {
    const headers = new Headers({ accept: ACCEPT });
    if (this.#options.token) {
      headers.set("authorization", `Bearer ${this.#options.token}`);
    }
    if (sessionId !== undefined) {
      headers.set("mcp-session-id", sessionId);
      if (this.#protocolVersion !== undefined) {
        headers.set("mcp-protocol-version", this.#protocolVersion);
      }
    }
    return headers;
  }

  #noteVersion(message: Json): void {
    const result = message["result"];
    if (isObject(result) && typeof result["protocolVersion"] === "string") {
      this.#protocolVersion = result["protocolVersion"];
    }
  }

  #unreachable(error: unknown): string {
    return unreachableAdvice(
      this.#options,
      `could not reach the hub at ${this.#options.baseUrl}: ${describe(error)}`,
      isPermissionError(error),
    );
  }

  /**
   * Answers `requests` with `text`: a tool call gets an error result the
   * model reads (as the tools in this process answer), anything else a
   * JSON-RPC error.
   */
  async #fail(requests: Json[], text: string): Promise<void> {
    if (this.#closing) return;
    for (const request of requests) {
      await this.#options.send(
        request["method"] === "tools/call"
          ? {
            jsonrpc: "2.0",
            id: request["id"],
            result: { content: [{ type: "text", text }], isError: true },
          }
          : {
            jsonrpc: "2.0",
            id: request["id"],
            error: { code: -32603, message: text },
          },
      );
    }
  }
}

const INITIALIZED = "notifications/initialized";

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isRequest(value: unknown): value is Json {
  return isObject(value) && typeof value["method"] === "string" &&
    "id" in value;
}

/** The JSON-RPC messages in one piece of JSON (a message or a batch). */
function parseMessages(text: string): Json[] {
  if (text.trim() === "") return [];
  try {
    const parsed = JSON.parse(text);
    return (Array.isArray(parsed) ? parsed : [parsed]).filter(isObject);
  } catch {
    return [];
  }
}

/** The messages of an answer: a JSON body, or the events of an SSE stream. */
async function* messagesOf(
  response: Response,
  signal: AbortSignal,
): AsyncGenerator<Json> {
  if (response.body === null || response.status === 202) {
    await response.body?.cancel();
    return;
  }
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("text/event-stream")) {
    for await (const data of readEventData(response.body, signal)) {
      yield* parseMessages(data);
    }
  } else {
    yield* parseMessages(await response.text());
  }
}

/** The hub's reason for a refusal: a JSON-RPC error, an Arc envelope, or the text. */
async function reasonOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    if (isObject(body)) {
      const error = body["error"];
      if (typeof error === "string") return error;
      if (isObject(error) && typeof error["message"] === "string") {
        return error["message"];
      }
    }
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 200) || response.statusText || "no reason";
}
