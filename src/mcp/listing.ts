/**
 * The `tools/list` answer, compacted. A host puts every listed tool into each
 * model's context, so the JSON Schemas drop what carries no meaning: the
 * `$schema` line, the safe-integer bounds zod writes on every integer, the
 * "keys are strings" and "extra keys allowed" defaults, and single-type
 * unions with null; a hub row inside a result (a message, a session, a
 * claim) is named by its fields rather than spelled out. Tool calls and
 * their results are still checked against the full zod schemas on the
 * server.
 *
 * @module
 */

import { z } from "zod";
import type { ZodRawShapeCompat } from "@modelcontextprotocol/sdk/server/zod-compat";
import type { Tool, ToolAnnotations } from "@modelcontextprotocol/sdk/types";

/** What the listing needs of one registered tool. */
export interface ListedTool {
  name: string;
  title: string;
  description: string;
  input: ZodRawShapeCompat;
  output: ZodRawShapeCompat;
  annotations: ToolAnnotations;
}

type Json = Record<string, unknown>;

/** The tool definitions of `tools`, with compact schemas. */
export function listTools(tools: readonly ListedTool[]): Tool[] {
  return tools.map((tool) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: toSchema(tool.input, "input") as Tool["inputSchema"],
    outputSchema: toSchema(tool.output, "output") as Tool["outputSchema"],
    annotations: tool.annotations,
  }));
}

function toSchema(shape: ZodRawShapeCompat, io: "input" | "output"): Json {
  const schema = z.toJSONSchema(
    z.object(shape as z.ZodRawShape),
    { target: "draft-7", io, unrepresentable: "any" },
  ) as Json;
  delete schema["$schema"];
  const compact = compactSchema(schema) as Json;
  if (io === "output") {
    // A hub row inside a result is named by its fields, not spelled out.
    const properties = (compact["properties"] ?? {}) as Record<string, Json>;
    for (const [key, property] of Object.entries(properties)) {
      properties[key] = summarize(property) as Json;
    }
  }
  return compact;
}

/**
 * `schema` with every object in it replaced by `{type: "object"}` and a
 * description listing its fields (`?` marks one that may be null).
 */
export function summarize(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(summarize);
  if (schema === null || typeof schema !== "object") return schema;
  const json = schema as Json;
  const properties = json["properties"] as Record<string, Json> | undefined;
  if (json["type"] === "object" && properties !== undefined) {
    const fields = Object.entries(properties).map(([name, field]) =>
      Array.isArray(field["type"]) && field["type"].includes("null")
        ? `${name}?`
        : name
    ).join(", ");
    const description = json["description"];
    return {
      type: "object",
      description: typeof description === "string"
        ? `${description} Fields: ${fields}.`
        : `Fields: ${fields}.`,
    };
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(json)) out[key] = summarize(value);
  return out;
}

/** `schema` without the parts that say nothing (see the module comment). */
export function compactSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(compactSchema);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    if (key === "minimum" && value === Number.MIN_SAFE_INTEGER) continue;
    if (key === "maximum" && value === Number.MAX_SAFE_INTEGER) continue;
    if (key === "propertyNames" && isStringType(value)) continue;
    if (key === "additionalProperties" && isEmpty(value)) continue;
    out[key] = compactSchema(value);
  }
  // {anyOf: [{type: T}, {type: "null"}]} says {type: [T, "null"]}.
  const anyOf = out["anyOf"];
  if (
    Array.isArray(anyOf) && anyOf.length === 2 &&
    anyOf.every((s) => isPlainType(s))
  ) {
    const types = anyOf.map((s) => (s as Json)["type"] as string);
    if (types.includes("null")) {
      delete out["anyOf"];
      out["type"] = types;
    }
  }
  return out;
}

function isEmpty(value: unknown): boolean {
  return value !== null && typeof value === "object" &&
    Object.keys(value).length === 0;
}

function isStringType(value: unknown): boolean {
  return isPlainType(value) && (value as Json)["type"] === "string";
}

function isPlainType(value: unknown): boolean {
  return value !== null && typeof value === "object" &&
    Object.keys(value).length === 1 &&
    typeof (value as Json)["type"] === "string";
}
