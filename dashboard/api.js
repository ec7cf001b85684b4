// @ts-check
/// <reference lib="dom" />

/**
 * Calls to the hub: credentials (the operator's session secret, the hub's
 * access token), the JSON envelope, and the hub's clock and instance id as its
 * answers report them.
 *
 * @module
 */

import { readStored, state, store } from "./state.js";
import { ask, setOnline, toast } from "./ui.js";

/** A refused or failed call to the hub, with its HTTP status (0: unreachable). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * Follows the hub's clock and notices when it serves another database.
 *
 * @param {Response} res
 */
export function noteResponse(res) {
  const date = Date.parse(res.headers.get("date") ?? "");
  if (Number.isFinite(date)) {
    const skew = date - Date.now();
    if (Math.abs(skew - state.skewMs) > 2000) state.skewMs = skew;
  }
  const instance = res.headers.get("x-arc-instance");
  if (instance) {
    if (state.instance && state.instance !== instance) instanceChanged();
    state.instance = instance;
  }
}

/**
 * The operator session's secret (hubs with strict identity): sent with every
 * request, never shown. It lives in this origin's localStorage so a reload
 * or a second tab can still act as the operator (and take over the session
 * when it registers again); it is useless once the session has expired.
 */
const SECRET_KEY = "arc.operator.secret";

const sessionSecret = () => readStored(() => localStorage, SECRET_KEY);

// Storage off: the page keeps working until it reloads.
/** @param {string} secret */
export const keepSecret = (secret) =>
  store(() => localStorage, SECRET_KEY, secret);

/**
 * The hub's access token, for a hub reached from another machine with
 * --token on: the page itself is served without it, and the operator types
 * it when the hub first answers 401. It is kept in this tab's
 * sessionStorage only (gone when the tab closes) and sent as
 * `Authorization: Bearer` on every call, the stream included.
 */
const TOKEN_KEY = "arc.hub.token";

const hubToken = () => readStored(() => sessionStorage, TOKEN_KEY);

/** @param {string} token */
const keepToken = (token) => store(() => sessionStorage, TOKEN_KEY, token);

/**
 * Request headers with the operator's credentials.
 *
 * @param {Record<string, string>} headers
 */
export function credentials(headers) {
  const secret = sessionSecret();
  if (secret) headers["x-arcdeno-secret"] = secret;
  const token = hubToken();
  if (token) headers.authorization = `Bearer ${token}`;
  return headers;
}

/** @type {Promise<boolean> | null} */
let tokenPrompt = null;

/**
 * Asks for the hub's token once, however many calls were refused at the
 * same moment. Resolves true when a new token was given.
 *
 * @param {string} reason
 * @returns {Promise<boolean>}
 */
export function askToken(reason) {
  tokenPrompt ??= ask({
    title: "This hub needs its access token",
    text: hubToken()
      ? `The hub refused the token: ${reason}. Type the token it was started with.`
      : "The hub was started with --token. Type that token; this tab keeps it until it closes.",
    type: "password",
    ok: "Connect",
  }).then((value) => {
    tokenPrompt = null;
    const token = value?.trim();
    if (!token) return false;
    keepToken(token);
    return true;
  });
  return tokenPrompt;
}

/**
 * Sends one request and returns the whole success envelope; throws ApiError.
 *
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<{ ok: true, result?: any }>}
 */
async function call(method, path, body) {
  const headers = credentials({ accept: "application/json" });
  /** @type {RequestInit} */
  const init = { method, headers };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    setOnline(false);
    throw new ApiError(0, "the hub cannot be reached");
  }
  setOnline(true);
  noteResponse(res);
  let envelope;
  try {
    envelope = await res.json();
  } catch {
    throw new ApiError(
      res.status,
      `unexpected answer from the hub (HTTP ${res.status})`,
    );
  }
  if (!envelope || envelope.ok !== true) {
    const error = envelope && typeof envelope.error === "string"
      ? envelope.error
      : `HTTP ${res.status}`;
    if (res.status === 401 && await askToken(error)) {
      return await call(method, path, body);
    }
    throw new ApiError(res.status, error);
  }
  return envelope;
}

/**
 * Sends one request and returns its result, which the caller types by what
 * the route answers; throws ApiError.
 *
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  return (await call(method, path, body)).result;
}

/**
 * `base` with the set params as a query string.
 *
 * @param {string} base
 * @param {Record<string, unknown>} params
 */
export function query(base, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

let instanceNoticeShown = false;

function instanceChanged() {
  if (instanceNoticeShown) return;
  instanceNoticeShown = true;
  toast(
    "This hub now serves a different database (its instance id changed). Reload the page to start afresh.",
    "error",
    0,
  );
}
