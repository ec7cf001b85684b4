/**
 * How every Arc tool is registered: it connects to the hub first, answers
 * with a one-line summary plus the structured result (session secrets
 * removed), and turns a failure into an `isError` result carrying the hub's
 * message.
 *
 * @module
 */

import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp";
import type {
  ShapeOutput,
  ZodRawShapeCompat,
} from "@modelcontextprotocol/sdk/server/zod-compat";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol";
import type {
  CallToolResult,
  ServerNotification,
  ServerRequest,
  ToolAnnotations,
} from "@modelcontextprotocol/sdk/types";
import type { HubConnection } from "./connection.ts";
import type { ListedTool } from "./listing.ts";
import { withoutSecrets } from "./redact.ts";
import { shownMessageIds } from "./digest.ts";

/** Most ids one surfaced report carries (the hub's limit). */
const MAX_SURFACED = 100;

/** What the SDK hands a tool call besides its arguments. */
export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What a tool's body produces: a one-line summary and the structured result. */
export interface Outcome {
  summary: string;
  data: Record<string, unknown>;
}

/** One tool: its description, schemas, annotations and body. */
export interface ToolSpec<
  I extends ZodRawShapeCompat,
  O extends ZodRawShapeCompat,
> {
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  run: (args: ShapeOutput<I>, extra: Extra) => Promise<Outcome>;
}

/** A tool that only reads. */
export const READ: ToolAnnotations = {
  readOnlyHint: true,
  openWorldHint: false,
};
/** A tool that writes. */
export const WRITE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: false,
};
/** A tool that writes, to the same effect when repeated. */
export const IDEMPOTENT: ToolAnnotations = { ...WRITE, idempotentHint: true };
/** A tool that writes and may undo others' work. */
export const DESTRUCTIVE: ToolAnnotations = { ...WRITE, destructiveHint: true };

/** The tools a server offers (its profile) and those registered so far. */
export class ToolCatalog {
  /** The tool names to register; others are skipped. */
  readonly enabled: ReadonlySet<string>;
  /** The registered tools, in order, for the listing. */
  readonly tools: ListedTool[] = [];

  constructor(enabled: ReadonlySet<string>) {
    this.enabled = enabled;
  }
}

/** Registers one tool (see {@linkcode toolRegistrar}). */
export type Tool = ReturnType<typeof toolRegistrar>;

/** A family of tools: registers each of its tools through `tool`. */
export type ToolFamily = (tool: Tool, conn: HubConnection) => void;

/**
 * Returns `tool(name, spec)`, which registers one tool on `server` when
 * `catalog` enables it.
 */
export function toolRegistrar(
  server: McpServer,
  conn: HubConnection,
  catalog: ToolCatalog,
): <I extends ZodRawShapeCompat, O extends ZodRawShapeCompat>(
  name: string,
  spec: ToolSpec<I, O>,
) => void {
  return function tool<
    I extends ZodRawShapeCompat,
    O extends ZodRawShapeCompat,
  >(name: string, spec: ToolSpec<I, O>): void {
    if (!catalog.enabled.has(name)) return;
    catalog.tools.push({
      name,
      title: spec.title,
      description: spec.description,
      input: spec.input,
      output: spec.output,
      annotations: spec.annotations,
    });
    server.registerTool(
      name,
      {
        title: spec.title,
        description: spec.description,
        inputSchema: spec.input,
        outputSchema: spec.output,
        annotations: spec.annotations,
      },
      (async (args: ShapeOutput<I>, extra: Extra): Promise<CallToolResult> => {
        try {
          await conn.connect();
          const { summary, data: raw } = await spec.run(args, extra);
          // Session secrets are for the server, never for the model.
          const data = withoutSecrets(raw);
          // News for the agent rides on every result (unless opted out).
          const digest = await conn.digest?.next(conn.signal).catch(() =>
            undefined
          );
          // Receipts: what this result puts in front of the model is
          // `surfaced` for its senders (a hub without it just says 404).
          const shown = shownMessageIds(
            data,
            conn.options.agentId,
            digest ? conn.digest?.lastReported : [],
          );
          if (shown.length) {
            await conn.client.surfaced(shown.slice(0, MAX_SURFACED))
              .catch(() => {});
          }
          return {
            content: [{
              type: "text",
              text: `${summary}\n${JSON.stringify(data)}`,
            }, ...(digest ? [{ type: "text" as const, text: digest }] : [])],
            structuredContent: data,
          };
        } catch (error) {
          conn.failed(error);
          return {
            content: [{ type: "text", text: conn.describe(error) }],
            isError: true,
          };
        }
      }) as Parameters<McpServer["registerTool"]>[2],
    );
  };
}
