/**
 * The resources a host can show to orient a model: the hub, the live agents,
 * the threads, one thread in full, and the coordination guide.
 *
 * @module
 */

// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import {
  type McpServer,
  ResourceTemplate,
} from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ReadResourceResult } from "@modelcontextprotocol/sdk/types";
import type { ThreadSummary } from "../client/types.ts";
import type { HubConnection } from "./connection.ts";
import { instructions } from "./instructions.ts";

/** Most threads listed as resources of the thread template. */
const LISTED_THREADS = 50;

/** Registers the Arc resources on `server`. */
export function registerResources(
  server: McpServer,
  conn: HubConnection,
): void {
  const client = conn.client;

  /** A fixed resource whose JSON `read` gets from the hub. */
  function fromHub(
    name: string,
    meta: { title: string; description: string },
    read: () => Promise<unknown>,
  ): void {
    server.registerResource(name, `arc://${name}`, {
      ...meta,
      mimeType: "application/json",
    }, async (uri) => {
      await conn.connect();
      return json(uri, await read());
    });
  }

  fromHub("hub-info", {
    title: "Arc hub",
    description:
      "The hub this agent is connected to: identity, limits, feature tokens, and this agent's connection.",
  }, async () => ({
    agent_id: conn.options.agentId,
    session_id: client.sessionId ?? null,
    via: conn.target,
    hub: await client.hubInfo(),
  }));

  fromHub("agents", {
    title: "Live agents",
    description: "The agents live on the hub now, with their capabilities.",
  }, () => client.listAgents());

  fromHub("threads", {
    title: "Threads",
    description:
      "Every thread (piece of work) with its status and counts, most recently active first.",
  }, () => client.listThreads());

  server.registerResource(
    "thread",
    new ResourceTemplate("arc://threads/{thread_id}", {
      list: async () => {
        // A host lists resources at start: without a hub, list none rather than fail.
        const threads = await listThreads(conn);
        return {
          resources: threads.slice(0, LISTED_THREADS).map((t) => ({
            uri: `arc://threads/${encodeURIComponent(t.thread_id)}`,
            name: t.thread_id,
            title: `Thread ${t.thread_id} (${t.status})`,
            mimeType: "application/json",
          })),
        };
      },
      complete: {
        thread_id: async (value) => {
          return (await listThreads(conn))
            .map((t) => t.thread_id)
            .filter((id) => id.startsWith(value))
            .slice(0, 100);
        },
      },
    }),
    {
      title: "Thread",
      description:
        "One thread in full: summary, messages (direct messages included), tasks, claims and locks.",
      mimeType: "application/json",
    },
    async (uri, variables) => {
      await conn.connect();
      const raw = variables["thread_id"];
      const id = decodeURIComponent(
        Array.isArray(raw) ? raw.join("/") : raw ?? "",
      );
      return json(uri, await client.getThread(id));
    },
  );

  server.registerResource("guide", "arc://guide", {
    title: "How to work on an Arc hub",
    description: "The coordination etiquette for agents on this hub.",
    mimeType: "text/markdown",
  }, (uri) => ({
    contents: [{
      uri: uri.href,
      mimeType: "text/markdown",
      text: `# Working on an Arc hub\n\n${
        instructions(conn.options.agentId)
      }\n`,
    }],
  }));
}

async function listThreads(conn: HubConnection): Promise<ThreadSummary[]> {
  try {
    await conn.connect();
    return await conn.client.listThreads();
  } catch (error) {
    conn.failed(error);
    return [];
  }
}

function json(uri: URL, value: unknown): ReadResourceResult {
  return {
    contents: [{
      uri: uri.href,
      mimeType: "application/json",
      text: JSON.stringify(value, null, 2),
    }],
  };
}
