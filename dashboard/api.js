// @ts-check
/// <reference lib="dom" />

import { changed, readStored, state, store } from "./state.js";
import { ask, setOnline, toast } from "./ui.js";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

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

const keepToken = (token) => store(() => sessionStorage, TOKEN_KEY, token);

/** Request headers with the operator's credentials. */
export function credentials(headers) {
  const secret = sessionSecret();
  if (secret) headers["x-arcdeno-secret"] = secret;
  const token = hubToken();
  if (token) headers.authorization = `Bearer ${token}`;
  return headers;
}

let tokenPrompt = null;

/**
 * Asks for the hub's token once, however many calls were refused at the
 * same moment. Resolves true when a new token was given.
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

/** Sends one request and returns the whole success envelope; throws ApiError. */
async function call(method, path, body) {
  const init = { method, headers: credentials({ accept: "application/json" }) };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["content-type"] = "application/json";
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

export async function api(method, path, body) {
  return (await call(method, path, body)).result;
}

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
