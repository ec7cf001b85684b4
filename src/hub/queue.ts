/**
 * The work queue's request handling (`arcdeno:work_queue`): reading
 * `POST /v1/arcdeno/tasks/next` and the queue status, and the vendor fields
 * (`arcdeno.agent_id`, `arcdeno.generation`) other requests may carry. The
 * rules are units in `./units/queue.ts`.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { DEFAULTS, VENDOR } from "../protocol.ts";
import type { JsonObject } from "../store/types.ts";
import type { Hub } from "./hub.ts";
import { checkTtl, isObject, type Query, readFields, toStr } from "./params.ts";
import { nextTask, queueStatus } from "./units/queue.ts";

/** The request header that carries the caller's generation. */
export const GENERATION_HEADER = "x-arcdeno-generation";

function toGeneration(value: unknown): number {
  const n = typeof value === "string" && /^[0-9]+$/.test(value.trim())
    ? Number(value)
    : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) {
    throw new ValidationError(
      `arcdeno.generation must be a positive integer: got ${
        JSON.stringify(value)
      }`,
    );
  }
  return n;
}

/** `arcdeno.agent_id` and `arcdeno.generation` of a request body; throws `ValidationError` on a bad value. */
export function vendorFields(
  body: JsonObject,
): { agentId: string | null; generation: number | undefined } {
  const v = body[VENDOR];
  if (v === undefined || v === null) {
    return { agentId: null, generation: undefined };
  }
  if (!isObject(v)) throw new ValidationError(`${VENDOR} must be an object`);
  const agent = v["agent_id"];
  if (agent !== undefined && (typeof agent !== "string" || !agent.trim())) {
    throw new ValidationError("arcdeno.agent_id must be a non-empty string");
  }
  return {
    agentId: typeof agent === "string" ? agent.trim() : null,
    generation: v["generation"] === undefined || v["generation"] === null
      ? undefined
      : toGeneration(v["generation"]),
  };
}

/** The body with the `X-Arcdeno-Generation` header folded into `arcdeno.generation` (the body's own value wins). */
export function withGenerationHeader(
  body: JsonObject,
  header: string | null | undefined,
): JsonObject {
  if (header === null || header === undefined || header === "") return body;
  const v = isObject(body[VENDOR]) ? body[VENDOR] as JsonObject : {};
  if (v["generation"] !== undefined) return body;
  return { ...body, [VENDOR]: { ...v, generation: toGeneration(header) } };
}

/** `POST /v1/arcdeno/tasks/next`: the handed-out task and its claim, or null. */
export async function takeNextTask(
  hub: Hub,
  body: JsonObject,
): Promise<JsonObject | null> {
  const f = readFields(body, {
    agent_id: { type: "string", required: true },
    capabilities: { type: "list" },
    channel: { type: "string" },
    thread_id: { type: "string" },
    ttl_sec: { type: "int", check: checkTtl },
  });
  const agentId = f.agent_id.trim();
  if (!agentId) throw new ValidationError("agent_id must not be empty");
  const { generation } = vendorFields(body);
  const handout = await hub.store.run(() =>
    nextTask({
      agent_id: agentId,
      capabilities: f.capabilities === undefined
        ? null
        : f.capabilities.map((c) => toStr(c, "capabilities")),
      channel: f.channel || null,
      thread_id: f.thread_id || null,
      ttl_sec: f.ttl_sec ?? DEFAULTS.defaultTtlSec,
      ...(generation !== undefined ? { generation } : {}),
    })
  );
  return handout ? { task: handout.task, claim: handout.claim } : null;
}

/** `GET /v1/arcdeno/queue?channel=`: queue depth and who holds which task. */
export async function getQueueStatus(
  hub: Hub,
  query: Query,
): Promise<JsonObject> {
  const channel = query.get("channel") || null;
  const status = await hub.store.read(() => queueStatus(channel));
  return { ...status };
}
