/**
 * Validation and normalisation of `POST /v1/messages` bodies (protocol s.6.4,
 * s.5): sender, recipient, channel defaults, kind, body and attachment limits.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import {
  INLINE_ATTACHMENT_TYPES,
  MESSAGE_KINDS,
  REF_ATTACHMENT_TYPES,
} from "../protocol.ts";
import type { Attachment, JsonObject, NewMessage } from "../store/types.ts";
import { isObject, toInt, toStr, truthy } from "./params.ts";

/** The limits a message must fit in. */
export interface MessageLimits {
  maxBodyChars: number;
  maxAttachmentChars: number;
  maxAttachments: number;
}

const KINDS: ReadonlySet<string> = new Set(MESSAGE_KINDS);

/** Turns a request body into a message ready to store, or throws `ValidationError`. */
export function normalizeMessage(
  input: JsonObject,
  limits: MessageLimits,
): NewMessage {
  const from = optionalStr(input["from_agent"], "from_agent")?.trim() ?? "";
  if (!from) throw new ValidationError("from_agent is required");
  const to = optionalStr(input["to_agent"], "to_agent")?.trim() || null;
  const rawChannel = input["channel"];
  const channel =
    (truthy(rawChannel)
      ? toStr(rawChannel, "channel")
      : to
      ? "direct"
      : "general").trim();
  if (!channel) throw new ValidationError("channel must be non-empty");
  const kind = (optionalStr(input["kind"], "kind") ?? "chat").trim()
    .toLowerCase();
  if (!KINDS.has(kind)) {
    throw new ValidationError(
      `unsupported kind: ${kind} (expected one of ${MESSAGE_KINDS.join(", ")})`,
    );
  }
  const body = optionalStr(input["body"], "body") ?? "";
  const list = truthy(input["attachments"]) ? input["attachments"] : [];
  if (!Array.isArray(list)) {
    throw new ValidationError("attachments must be a list");
  }
  if (list.length > limits.maxAttachments) {
    throw new ValidationError(
      `too many attachments: ${list.length} (at most ${limits.maxAttachments})`,
    );
  }
  const attachments = list.map((a) =>
    normalizeAttachment(a, limits.maxAttachmentChars)
  );
  if (!body && attachments.length === 0) {
    throw new ValidationError("body or attachments is required");
  }
  if (body.length > limits.maxBodyChars) {
    throw new ValidationError(
      `body exceeds max size: ${body.length} characters (at most ${limits.maxBodyChars})`,
    );
  }
  const replyTo = input["reply_to"] == null
    ? null
    : toInt(input["reply_to"], "reply_to");
  const threadId = input["thread_id"] == null
    ? null
    : toStr(input["thread_id"], "thread_id");
  const metadata = truthy(input["metadata"]) ? input["metadata"] : {};
  if (!isObject(metadata)) {
    throw new ValidationError("metadata must be a JSON object");
  }
  return {
    from_agent: from,
    to_agent: to,
    channel,
    kind,
    body,
    attachments,
    reply_to: replyTo,
    thread_id: threadId,
    metadata,
  };
}

function optionalStr(value: unknown, name: string): string | undefined {
  return value === undefined || value === null ? undefined : toStr(value, name);
}

/** Validates one attachment and keeps only the fields its type allows. */
export function normalizeAttachment(
  raw: unknown,
  maxChars: number,
): Attachment {
  if (!isObject(raw)) {
    throw new ValidationError("attachments must contain JSON objects");
  }
  const type = raw["type"] == null
    ? ""
    : toStr(raw["type"], "attachment type").trim();
  if (INLINE_ATTACHMENT_TYPES.has(type)) {
    if (!("content" in raw)) {
      throw new ValidationError(`attachment type ${type} requires content`);
    }
    const size = encodedLength(raw["content"]);
    if (size > maxChars) {
      throw new ValidationError(
        `attachment type ${type} exceeds max size: ${size} characters (at most ${maxChars})`,
      );
    }
    const out: Attachment = { type, content: raw["content"] };
    if (type === "code" && raw["language"] != null) {
      out["language"] = toStr(raw["language"], "language");
    }
    return out;
  }
  if (REF_ATTACHMENT_TYPES.has(type)) {
    const path = raw["path"] == null ? "" : toStr(raw["path"], "path").trim();
    if (!path) {
      throw new ValidationError(`attachment type ${type} requires path`);
    }
    const out: Attachment = { type, path };
    for (const key of ["description", "base", "head"]) {
      if (raw[key] != null) out[key] = raw[key];
    }
    for (const key of ["start_line", "end_line"]) {
      if (raw[key] != null) out[key] = toInt(raw[key], key);
    }
    return out;
  }
  throw new ValidationError(
    `unsupported attachment type: ${type} (expected text, json, code, file_ref or diff_ref)`,
  );
}

/**
 * Length of a value's JSON text as the reference measures it: non-ASCII
 * characters count as their `\uXXXX` escapes.
 */
function encodedLength(value: unknown): number {
  const text = JSON.stringify(value) ?? "null";
  let extra = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) extra += 5;
  }
  return text.length + extra;
}
