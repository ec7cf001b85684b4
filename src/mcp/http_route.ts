/**
 * MCP over Streamable HTTP at the hub's `/mcp`, on the official SDK's
 * web-standard transport, so an MCP host connects with no `arc mcp` process
 * of its own. Each MCP session is one agent's session on the hub: the agent
 * (`?agent=ID` or `X-Arc-Agent`) is registered when the session is
 * initialised, kept present while the session lives, and deregistered when
 * the client deletes the session, when it stays idle too long, or when the
 * hub stops. Tool calls go through the hub's own application in-process
 * (the same routes, rules and strict identity as any HTTP client); the
 * access guard has already checked the `/mcp` request itself.
 *
 * The hub imports this module on the first `/mcp` request only, so a hub
 * nobody reaches over MCP never loads the SDK.
 *
 * @module
 */

// @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp";
import { ArcError } from "../client/errors.ts";
import type { FetchFunction } from "../client/http_transport.ts";
import { ConflictError, ValidationError } from "../errors.ts";
import { HubConnection } from "./connection.ts";
import { createArcMcpServer } from "./server.ts";
import { resolveTools } from "./profiles.ts";
import { errorResponse } from "../http/errors.ts";

/** The header that names the agent of a new MCP session. */
export const AGENT_HEADER = "X-Arc-Agent";
/** The header that names the tool profile of a new MCP session. */
export const TOOLS_HEADER = "X-Arc-Tools";

/** Options for {@linkcode McpSessions}. */
export interface McpSessionsOptions {
  /** The hub application's own handler: tool calls run through it. */
  fetch: FetchFunction;
  /** Where registrations and failures are logged. */
  log: (line: string) => void;
  /**
   * Milliseconds a session may go without a request (and with no stream
   * open) before it is closed and its agent deregistered.
   *
   * @default 1_800_000 (30 minutes)
   */
  idleMs?: number;
  /** Where idle time is read, in epoch ms. @default Date.now (the app passes the hub's clock) */
  now?: () => number;
  /**
   * Most MCP sessions open at once.
   *
   * @default 1000
   */
  maxSessions?: number;
  /**
   * Largest request body, in bytes.
   *
   * @default 1_048_576
   */
  maxRequestBytes?: number;
}

interface Session {
  agentId: string;
  conn: HubConnection;
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  lastSeen: number;
  open: number;
}

/** The MCP sessions of one hub. */
export class McpSessions {
  #options: McpSessionsOptions;
  #sessions = new Map<string, Session>();
  #pending = 0;
  #idleMs: number;
  #sweeper: ReturnType<typeof setInterval>;
  #closed = false;

  constructor(options: McpSessionsOptions) {
    this.#options = options;
    this.#idleMs = options.idleMs ?? 1_800_000;
    this.#sweeper = setInterval(
      () => this.#sweep(),
      Math.max(50, Math.min(this.#idleMs / 4, 30_000)),
    );
    Deno.unrefTimer(this.#sweeper);
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /** Open MCP sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Answers one `/mcp` request (POST, GET or DELETE). */
  async handle(req: Request): Promise<Response> {
    if (this.#closed) {
      return errorResponse(503, "the hub is shutting down");
    }
    const id = req.headers.get("mcp-session-id");
    if (id === null) return await this.#initialize(req);
    const session = this.#sessions.get(id);
    if (session === undefined) {
      // The MCP client starts a new session when it sees 404.
      return rpcError(404, -32001, "session not found: initialize again");
    }
    const named = agentOf(req);
    if (named !== undefined && named !== session.agentId) {
      throw new ValidationError(
        `this MCP session acts as '${session.agentId}', not '${named}'`,
      );
    }
    session.lastSeen = this.#now();
    session.open++;
    let response: Response;
    try {
      response = await session.transport.handleRequest(req);
    } catch (error) {
      this.#release(session);
      throw error;
    }
    return this.#track(session, response);
  }

  /** Closes every session, deregistering its agent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    await Promise.all(
      [...this.#sessions.keys()].map((id) => this.#end(id, "the hub stops")),
    );
  }

  async #initialize(req: Request): Promise<Response> {
    if (req.method !== "POST") {
      return rpcError(
        400,
        -32000,
        "no MCP session: POST an initialize request first",
      );
    }
    const body = await readJson(req, this.#options.maxRequestBytes);
    if (!isInitialize(body)) {
      return rpcError(
        400,
        -32000,
        "no MCP session: the first request must be initialize (without an Mcp-Session-Id header it starts a session)",
      );
    }
    const agentId = agentOf(req);
    if (agentId === undefined) {
      throw new ValidationError(
        `name the agent: /mcp?agent=ID or the ${AGENT_HEADER} header`,
      );
    }
    const url = new URL(req.url);
    const tools = url.searchParams.get("tools") ??
      req.headers.get(TOOLS_HEADER) ?? undefined;
    try {
      resolveTools(tools);
    } catch (error) {
      throw new ValidationError((error as Error).message);
    }
    const max = this.#options.maxSessions ?? 1000;
    if (this.#sessions.size + this.#pending >= max) {
      throw new ConflictError(
        `too many MCP sessions open (${max}); close one first`,
      );
    }
    const conn = new HubConnection({
      agentId,
      baseUrl: url.origin,
      fetch: this.#options.fetch,
      log: this.#options.log,
      ...sessionOptions(url),
    });
    this.#pending++;
    try {
      try {
        await conn.connect();
      } catch (error) {
        await conn.close();
        // Refused like a second registration would be (strict identity).
        const status = error instanceof ArcError && error.status >= 400 &&
            error.status < 600
          ? error.status
          : 503;
        return errorResponse(
          status,
          `cannot start an MCP session for agent '${agentId}': ${
            (error as Error).message
          }`,
        );
      }
      const server = createArcMcpServer(conn, {
        ...(tools !== undefined ? { tools } : {}),
      });
      let session: Session | undefined;
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        onsessioninitialized: (id) => {
          session = {
            agentId,
            conn,
            server,
            transport,
            lastSeen: this.#now(),
            open: 1,
          };
          this.#sessions.set(id, session);
        },
        onsessionclosed: (id) => void this.#end(id, "the client ended it"),
      });
      await server.connect(transport);
      const response = await transport.handleRequest(req, {
        parsedBody: body,
      });
      if (session === undefined) {
        await conn.close();
        await server.close().catch(() => {});
        return response;
      }
      return this.#track(session, response);
    } finally {
      this.#pending--;
    }
  }

  /** Counts a streamed response as open until its body ends or is cancelled. */
  #track(session: Session, response: Response): Response {
    if (response.body === null) {
      this.#release(session);
      return response;
    }
    const reader = response.body.getReader();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.#release(session);
    };
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          const { done, value } = await reader.read();
          if (done) {
            end();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          end();
          controller.error(error);
        }
      },
      cancel: async (reason) => {
        end();
        await reader.cancel(reason);
      },
    });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }

  #release(session: Session): void {
    session.open = Math.max(0, session.open - 1);
    session.lastSeen = this.#now();
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, session] of this.#sessions) {
      if (session.open === 0 && now - session.lastSeen > this.#idleMs) {
        void this.#end(id, "it was idle");
      }
    }
  }

  async #end(id: string, why: string): Promise<void> {
    const session = this.#sessions.get(id);
    if (session === undefined) return;
    this.#sessions.delete(id);
    this.#options.log(
      `mcp: session of '${session.agentId}' ended (${why}); deregistering`,
    );
    await session.conn.close();
    await session.server.close().catch(() => {});
  }
}

function agentOf(req: Request): string | undefined {
  const named = new URL(req.url).searchParams.get("agent") ??
    req.headers.get(AGENT_HEADER);
  return named?.trim() || undefined;
}

/** The agent's session options from the query: `display_name`, `capability` (repeatable), `digest=0`. */
function sessionOptions(
  url: URL,
): { displayName?: string; capabilities?: string[]; digest: boolean } {
  const name = url.searchParams.get("display_name")?.trim();
  const capabilities = url.searchParams.getAll("capability").map((c) =>
    c.trim()
  ).filter(Boolean);
  return {
    ...(name ? { displayName: name } : {}),
    ...(capabilities.length ? { capabilities } : {}),
    digest: url.searchParams.get("digest") !== "0",
  };
}

async function readJson(
  req: Request,
  maxBytes = 1_048_576,
): Promise<unknown> {
  const length = Number(req.headers.get("content-length") ?? "0");
  if (length > maxBytes) {
    throw new ValidationError(`request body over ${maxBytes} bytes`);
  }
  const text = await req.text();
  if (text.length > maxBytes) {
    throw new ValidationError(`request body over ${maxBytes} bytes`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError("request body is not JSON");
  }
}

function isInitialize(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) =>
    m !== null && typeof m === "object" &&
    (m as Record<string, unknown>)["method"] === "initialize"
  );
}

function rpcError(status: number, code: number, message: string): Response {
  return Response.json(
    { jsonrpc: "2.0", error: { code, message }, id: null },
    { status },
  );
}
