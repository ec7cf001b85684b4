/**
 * Reads a POST body as one JSON object, refusing oversized bodies before
 * reading them whole (by `Content-Length`, or by counting bytes as they
 * stream in when the length is not declared).
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { isObject } from "../hub/params.ts";
import type { JsonObject } from "../protocol.ts";

/**
 * Parses the request body: UTF-8, valid JSON, an object. An empty body reads as `{}`.
 *
 * @throws {ValidationError} for every way the body can be wrong
 */
export async function readJsonObject(
  req: Request,
  maxBytes: number,
): Promise<JsonObject> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    await req.body?.cancel().catch(() => {});
    throw tooLarge(maxBytes);
  }
  // A declared length within the limit: read the body whole, in one step
  // (the server holds a client to its length; in-process requests are
  // checked after reading). `req.body` stays untouched on this path: once
  // asked for it, Deno builds a stream and reads the body through it, which
  // cost a small post more than the rest of reading and parsing it.
  let bytes: Uint8Array;
  if (declared !== null && /^\d+$/.test(declared)) {
    bytes = new Uint8Array(await req.arrayBuffer());
  } else {
    if (!req.body) return {};
    bytes = await readCounted(req.body, maxBytes);
  }
  if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
  if (bytes.byteLength === 0) return {};
  // The lenient decoder is a faster path through Deno; it turns a byte that
  // is not UTF-8 into U+FFFD, so a body that decodes to one is decoded again
  // by the strict one, which tells a real U+FFFD from a broken byte.
  let text = LENIENT_UTF8.decode(bytes);
  if (text.includes("\uFFFD")) {
    try {
      text = UTF8.decode(bytes);
    } catch {
      throw new ValidationError("request body must be valid UTF-8");
    }
  }
  if (tooDeep(text)) {
    throw new ValidationError(
      `request body is nested too deeply (at most ${MAX_DEPTH} levels of arrays and objects)`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(
      `malformed JSON: ${(error as Error).message}`,
    );
  }
  if (!isObject(value)) {
    throw new ValidationError("request body must be a JSON object");
  }
  return value;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const LENIENT_UTF8 = new TextDecoder("utf-8", { ignoreBOM: false });

/** Reads a body of undeclared length, refusing it once it passes `maxBytes`. */
async function readCounted(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Deepest nesting of arrays and objects a body may have. */
export const MAX_DEPTH = 64;

/**
 * Whether JSON text nests arrays and objects deeper than `MAX_DEPTH`. A text
 * with at most that many `[` and `{` in all cannot, and counting them is
 * quicker than reading it character by character.
 */
function tooDeep(text: string): boolean {
  let opening = 0;
  for (const c of ["[", "{"]) {
    for (let at = text.indexOf(c); at >= 0; at = text.indexOf(c, at + 1)) {
      if (++opening > MAX_DEPTH) return scanDepth(text) > MAX_DEPTH;
    }
  }
  return false;
}

/** The deepest nesting of `[` and `{` in JSON text, read character by character. */
function scanDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

function tooLarge(maxBytes: number): ValidationError {
  return new ValidationError(
    `request body exceeds max size (${maxBytes} bytes; see max_body_chars, max_attachment_chars and max_attachments in /v1/hub-info)`,
  );
}
