/**
 * @module
 * Wire-conformance comparison between two Arc protocol v1 hubs.
 *
 * Replays one fixed, state-building request script against hub A and hub B
 * (both must start from fresh, empty databases) and compares the answers
 * step by step: HTTP status, the response envelope (`ok`, `acquired`,
 * `parent_completed`, ...) and the `result` payload, recursively (key sets,
 * JSON types, array lengths and element shapes, and scalar values).
 *
 * Values that legitimately differ between two hubs are normalised before the
 * comparison: timestamps only have to be RFC 3339 UTC strings ending in `Z`,
 * session ids only have to be strings, `remaining_sec` only has to be an
 * integer, and in `GET /v1/hub-info` the instance id only has to match the
 * `X-Arc-Instance` header, `features` (the eight standard tokens) and
 * `message_kinds` are compared as sets, and other keys and vendor feature
 * tokens are only reported as information. Claim and lock lists are compared
 * in key order, since their order is not normative. Error texts and the prose
 * of system notices are printed side by side but never count as a mismatch.
 * Message and task ids are compared exactly, since both hubs start from empty.
 *
 * Usage:
 *
 * ```sh
 * deno run --allow-net bench/conformance.ts \
 *   --a http://127.0.0.1:7101 --b http://127.0.0.1:7102 [--json]
 * ```
 *
 * Exit status: 0 when every step matches, 1 when at least one step differs,
 * 2 on usage errors or when a hub is unreachable or not fresh.
 */
// deno-lint-ignore-file no-console

/** Any JSON value. */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** A JSON object. */
type JsonObject = { [k: string]: Json };

/** One scripted request. */
interface Step {
  /** Short dotted name, e.g. `claims.acquire.other`. */
  name: string;
  method: "GET" | "POST" | "DELETE";
  /** Request path and query; `{{var}}` is replaced by a saved value. */
  path: string;
  /** JSON body; a string that is exactly `{{var}}` becomes the saved value. */
  body?: Json;
  /** Raw body bytes, sent as-is with a JSON content type. */
  raw?: string | Uint8Array<ArrayBuffer>;
  /** Status the reference hub is known to answer (sanity note only). */
  expect: number;
  /** Variables to save from the response envelope: name → dotted path. */
  save?: Record<string, string>;
  /** Sort an array `result` by this key before comparing. */
  sortBy?: string;
  /** Apply the hub-info normalisation to `result`. */
  hubInfo?: boolean;
}

/** What one hub answered to one step. */
interface Reply {
  status: number;
  /** Parsed JSON body, or undefined if the body was not JSON. */
  json: Json | undefined;
  /** Raw body text (shortened) when it was not JSON, or a transport error. */
  text: string;
  contentType: string;
  instanceHeader: string | null;
  /** Substituted path actually requested. */
  path: string;
}

/** Comparison outcome of one step. */
interface StepReport {
  index: number;
  name: string;
  method: string;
  path: string;
  statusA: number;
  statusB: number;
  match: boolean;
  diffs: string[];
  info: string[];
}

// ---------------------------------------------------------------------------
// Normalisation rules

/** Keys whose values are timestamps: compared by format, not by value. */
const TIMESTAMP_KEYS = new Set([
  "ts",
  "created_at",
  "last_seen",
  "claimed_at",
  "expires_at",
  "released_at",
  "locked_at",
  "completed_at",
  "latest_message_ts",
]);

/** Keys whose values are opaque or time-dependent: compared by type only. */
const TYPE_ONLY_KEYS = new Set(["session_id", "remaining_sec"]);

/** The eight hub-info keys every v1 hub must emit (PROTOCOL §6.3). */
const HUB_INFO_KEYS = new Set([
  "instance_id",
  "protocol_version",
  "default_channel",
  "max_body_chars",
  "max_attachment_chars",
  "max_attachments",
  "features",
  "message_kinds",
]);

/** The eight normative feature tokens (PROTOCOL §6.3). */
const FEATURE_TOKENS = new Set([
  "sse",
  "relay",
  "long_poll_keepalive",
  "subtask_rollup",
  "rpc_kinds",
  "capability_filter",
  "shutdown_control",
  "session_rename",
]);

const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** How a value is compared. */
type Rule = "exact" | "timestamp" | "type" | "text";

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function jsonType(v: Json | undefined): string {
  if (v === undefined) return "absent";
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function short(v: Json | undefined, max = 60): string {
  if (v === undefined) return "absent";
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

function ruleFor(
  key: string,
  parentA: JsonObject,
  parentB: JsonObject,
  depth: number,
): Rule {
  if (depth === 0 && key === "error") return "text";
  if (TIMESTAMP_KEYS.has(key)) return "timestamp";
  if (TYPE_ONLY_KEYS.has(key)) return "type";
  // The prose of hub-generated notices (rollup, shutdown) is free text.
  if (
    key === "body" &&
    parentA["from_agent"] === "system" && parentB["from_agent"] === "system"
  ) {
    return "text";
  }
  return "exact";
}

function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return base === "" ? key : `${base}.${key}`;
}

/** Recursively compares two normalised JSON values. */
function compareValues(
  a: Json | undefined,
  b: Json | undefined,
  path: string,
  rule: Rule,
  depth: number,
  diffs: string[],
  info: string[],
): void {
  const ta = jsonType(a);
  const tb = jsonType(b);
  const where = path === "" ? "(body)" : path;
  if (ta !== tb) {
    diffs.push(`${where}: ${ta} ${short(a, 40)} vs ${tb} ${short(b, 40)}`);
    return;
  }
  if (rule === "type") return;
  if (rule === "timestamp") {
    if (typeof a === "string" && typeof b === "string") {
      const okA = UTC_TIMESTAMP.test(a);
      const okB = UTC_TIMESTAMP.test(b);
      if (okA !== okB) {
        diffs.push(
          `${where}: UTC timestamp format ${okA ? "ok" : "bad"} ${
            short(a)
          } vs ${okB ? "ok" : "bad"} ${short(b)}`,
        );
      }
    }
    return;
  }
  if (rule === "text") {
    if (a !== b && path !== "error") {
      info.push(`${where} text differs: A=${short(a, 200)} B=${short(b, 200)}`);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      diffs.push(`${where}: array length ${a.length} vs ${b.length}`);
    }
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      compareValues(
        a[i],
        b[i],
        joinPath(path, i),
        "exact",
        depth + 1,
        diffs,
        info,
      );
    }
    return;
  }
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const childPath = joinPath(path, k);
      if (k === "arcdeno" && !((k in a) && (k in b))) {
        // Vendor details of one hub (the `arcdeno` object), not the contract.
        info.push(`${childPath}: vendor object on one side only`);
        continue;
      }
      if (!(k in a)) {
        diffs.push(`${childPath}: only in B (${short(b[k], 40)})`);
        continue;
      }
      if (!(k in b)) {
        diffs.push(`${childPath}: only in A (${short(a[k], 40)})`);
        continue;
      }
      compareValues(
        a[k],
        b[k],
        childPath,
        ruleFor(k, a, b, depth),
        depth + 1,
        diffs,
        info,
      );
    }
    return;
  }
  if (a !== b) diffs.push(`${where}: ${short(a)} vs ${short(b)}`);
}

/** Per-step normalisation of one side's envelope, before comparing. */
function normaliseEnvelope(
  step: Step,
  reply: Reply,
  side: "A" | "B",
  info: string[],
): Json | undefined {
  const env = reply.json;
  if (!isObject(env)) return env;
  const out: JsonObject = { ...env };
  const result = out["result"];
  if (step.sortBy !== undefined && Array.isArray(result)) {
    const key = step.sortBy;
    out["result"] = [...result].sort((x, y) => {
      const kx = isObject(x) ? String(x[key]) : "";
      const ky = isObject(y) ? String(y[key]) : "";
      return kx < ky ? -1 : kx > ky ? 1 : 0;
    });
  }
  if (step.hubInfo && isObject(result)) {
    const r: JsonObject = {};
    const extraKeys: string[] = [];
    for (const [k, v] of Object.entries(result)) {
      if (HUB_INFO_KEYS.has(k)) r[k] = v;
      else extraKeys.push(k);
    }
    if (extraKeys.length > 0) {
      info.push(
        `hub-info extra keys ignored on ${side}: ${extraKeys.join(", ")}`,
      );
    }
    const features = r["features"];
    if (Array.isArray(features)) {
      const extra = features.filter((f) =>
        !(typeof f === "string" && FEATURE_TOKENS.has(f))
      );
      if (extra.length > 0) {
        info.push(
          `hub-info extra features ignored on ${side}: ${short(extra, 200)}`,
        );
      }
      // Compared as a set: each standard token becomes a key.
      const tokens: JsonObject = {};
      for (const f of features) {
        if (typeof f === "string" && FEATURE_TOKENS.has(f)) tokens[f] = true;
      }
      r["features"] = tokens;
    }
    const kinds = r["message_kinds"];
    if (Array.isArray(kinds)) r["message_kinds"] = [...kinds].sort();
    const instance = r["instance_id"];
    if (typeof instance === "string") {
      r["instance_id"] = instance !== "" && instance === reply.instanceHeader
        ? "<matches X-Arc-Instance>"
        : `<differs from X-Arc-Instance: ${instance} / ${reply.instanceHeader}>`;
    }
    out["result"] = r;
  }
  return out;
}

/** Compares the two replies to one step. */
function compareStep(
  index: number,
  step: Step,
  a: Reply,
  b: Reply,
  samePath: boolean,
): StepReport {
  const diffs: string[] = [];
  const info: string[] = [];
  if (a.status !== b.status) diffs.push(`status: ${a.status} vs ${b.status}`);
  if (a.json === undefined || b.json === undefined) {
    if (a.json === undefined) {
      info.push(`A body is not JSON: ${short(a.text, 200)}`);
    }
    if (b.json === undefined) {
      info.push(`B body is not JSON: ${short(b.text, 200)}`);
    }
    if ((a.json === undefined) !== (b.json === undefined)) {
      diffs.push(
        `body: ${a.json === undefined ? "non-JSON" : "JSON"} vs ${
          b.json === undefined ? "non-JSON" : "JSON"
        }`,
      );
    }
  } else {
    const na = normaliseEnvelope(step, a, "A", info);
    const nb = normaliseEnvelope(step, b, "B", info);
    compareValues(na, nb, "", "exact", 0, diffs, info);
    const errA = isObject(a.json) ? a.json["error"] : undefined;
    const errB = isObject(b.json) ? b.json["error"] : undefined;
    if (errA !== undefined || errB !== undefined) {
      info.push(
        errA === errB
          ? `error (same text): ${short(errA, 200)}`
          : `error A=${short(errA, 200)} | B=${short(errB, 200)}`,
      );
    }
  }
  const jsonA = a.contentType.includes("application/json");
  const jsonB = b.contentType.includes("application/json");
  if (jsonA !== jsonB) {
    diffs.push(
      `header content-type: ${short(a.contentType)} vs ${short(b.contentType)}`,
    );
  }
  if ((a.instanceHeader === null) !== (b.instanceHeader === null)) {
    diffs.push(
      `header X-Arc-Instance: ${
        a.instanceHeader === null ? "absent" : "present"
      } vs ${b.instanceHeader === null ? "absent" : "present"}`,
    );
  }
  if (a.status !== step.expect) {
    info.push(
      `note: A answered ${a.status}, the script expects ${step.expect}`,
    );
  }
  return {
    index,
    name: step.name,
    method: step.method,
    path: samePath
      ? a.path
      : step.path.replaceAll("{{", "{").replaceAll("}}", "}"),
    statusA: a.status,
    statusB: b.status,
    match: diffs.length === 0,
    diffs,
    info,
  };
}

// ---------------------------------------------------------------------------
// Transport

type Vars = Map<string, Json>;

function substString(s: string, vars: Vars): string {
  return s.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    const v = vars.get(name);
    if (v === undefined) return `{{${name}:unset}}`;
    return typeof v === "string" ? v : JSON.stringify(v);
  });
}

function substJson(v: Json, vars: Vars): Json {
  if (typeof v === "string") {
    const whole = /^\{\{(\w+)\}\}$/.exec(v);
    if (whole !== null) {
      const name = whole[1] ?? "";
      const saved = vars.get(name);
      return saved === undefined ? v : saved;
    }
    return substString(v, vars);
  }
  if (Array.isArray(v)) return v.map((x) => substJson(x, vars));
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = substJson(x, vars);
    return out;
  }
  return v;
}

function lookup(v: Json | undefined, dotted: string): Json | undefined {
  let cur: Json | undefined = v;
  for (const part of dotted.split(".")) {
    if (Array.isArray(cur) && /^\d+$/.test(part)) cur = cur[Number(part)];
    else if (isObject(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

async function send(base: string, step: Step, vars: Vars): Promise<Reply> {
  const path = substString(step.path, vars);
  const headers: Record<string, string> = {};
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (step.raw !== undefined) {
    body = step.raw;
    headers["content-type"] = "application/json";
  } else if (step.body !== undefined) {
    body = JSON.stringify(substJson(step.body, vars));
    headers["content-type"] = "application/json";
  }
  try {
    const res = await fetch(base + path, {
      method: step.method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let json: Json | undefined;
    try {
      json = JSON.parse(text) as Json;
    } catch {
      json = undefined;
    }
    const reply: Reply = {
      status: res.status,
      json,
      text: json === undefined ? text.slice(0, 300) : "",
      contentType: res.headers.get("content-type") ?? "",
      instanceHeader: res.headers.get("x-arc-instance"),
      path,
    };
    for (const [name, dotted] of Object.entries(step.save ?? {})) {
      const v = lookup(json, dotted);
      if (v !== undefined) vars.set(name, v);
    }
    return reply;
  } catch (e) {
    return {
      status: 0,
      json: undefined,
      text: `transport error: ${e instanceof Error ? e.message : String(e)}`,
      contentType: "",
      instanceHeader: null,
      path,
    };
  }
}

// ---------------------------------------------------------------------------
// The script

function get(
  name: string,
  path: string,
  expect: number,
  extra: Partial<Step> = {},
): Step {
  return { name, method: "GET", path, expect, ...extra };
}

function post(
  name: string,
  path: string,
  body: Json,
  expect: number,
  extra: Partial<Step> = {},
): Step {
  return { name, method: "POST", path, body, expect, ...extra };
}

function msg(
  name: string,
  body: JsonObject,
  expect: number,
  extra: Partial<Step> = {},
): Step {
  return post(name, "/v1/messages", body, expect, extra);
}

const enc = new TextEncoder();

/** Builds the full request script, in state-building order. */
function buildScript(): Step[] {
  const manyAttachments: Json[] = [];
  for (let i = 0; i < 33; i++) {
    manyAttachments.push({ type: "text", content: `a${i}` });
  }
  const invalidUtf8 = new Uint8Array([
    ...enc.encode('{"from_agent":"alice","body":"'),
    0xff,
    0xfe,
    ...enc.encode('"}'),
  ]);
  return [
    // Hub info and channels
    get("hub-info", "/v1/hub-info", 200, { hubInfo: true }),
    get("channels.list.initial", "/v1/channels", 200),
    post("channels.create.new", "/v1/channels", {
      name: "builds",
      created_by: "alice",
      metadata: { purpose: "ci" },
    }, 201),
    post("channels.create.existing", "/v1/channels", {
      name: "builds",
      created_by: "bob",
    }, 200),
    post("channels.create.missing-name", "/v1/channels", {
      created_by: "alice",
    }, 400),
    post("channels.create.bad-metadata", "/v1/channels", {
      name: "x",
      metadata: "nope",
    }, 400),
    get("channels.list.after", "/v1/channels", 200),

    // Sessions
    post("sessions.create.alice", "/v1/sessions", {
      agent_id: "alice",
      display_name: "Alice",
      capabilities: ["review", "build"],
      metadata: { team: "core" },
    }, 201),
    post("sessions.create.bob", "/v1/sessions", {
      agent_id: "bob",
      capabilities: ["build"],
    }, 201),
    post("sessions.create.carol", "/v1/sessions", { agent_id: "carol" }, 201),
    post(
      "sessions.create.collision",
      "/v1/sessions",
      { agent_id: "alice" },
      409,
    ),
    post(
      "sessions.create.replace",
      "/v1/sessions",
      {
        agent_id: "alice",
        display_name: "Alice 2",
        capabilities: ["review"],
        replace: true,
      },
      201,
      { save: { sid_alice: "result.session_id" } },
    ),
    post(
      "sessions.create.missing-agent",
      "/v1/sessions",
      { display_name: "x" },
      400,
    ),
    post(
      "sessions.create.blank-agent",
      "/v1/sessions",
      { agent_id: "   " },
      400,
    ),
    post("sessions.create.bad-capabilities", "/v1/sessions", {
      agent_id: "dave",
      capabilities: "review",
    }, 400),
    post("sessions.rename.ok", "/v1/sessions/bob/rename", {
      display_name: "Bob the Builder",
    }, 200),
    post("sessions.rename.64-chars", "/v1/sessions/bob/rename", {
      display_name: "b".repeat(64),
    }, 200),
    post("sessions.rename.empty", "/v1/sessions/bob/rename", {
      display_name: "",
    }, 400),
    post("sessions.rename.blank", "/v1/sessions/bob/rename", {
      display_name: "   ",
    }, 400),
    post("sessions.rename.65-chars", "/v1/sessions/bob/rename", {
      display_name: "b".repeat(65),
    }, 400),
    post("sessions.rename.missing", "/v1/sessions/bob/rename", {}, 400),
    post("sessions.rename.unknown-agent", "/v1/sessions/nobody/rename", {
      display_name: "N",
    }, 404),
    post("sessions.create.temp", "/v1/sessions", { agent_id: "temp" }, 201, {
      save: { sid_temp: "result.session_id" },
    }),
    {
      name: "sessions.delete.ok",
      method: "DELETE",
      path: "/v1/sessions/{{sid_temp}}",
      expect: 200,
    },
    {
      name: "sessions.delete.again",
      method: "DELETE",
      path: "/v1/sessions/{{sid_temp}}",
      expect: 404,
    },
    {
      name: "sessions.delete.unknown",
      method: "DELETE",
      path: "/v1/sessions/no-such-session",
      expect: 404,
    },

    // Agents
    get("agents.list", "/v1/agents", 200),
    get("agents.capability.review", "/v1/agents?capability=review", 200),
    get("agents.capability.build", "/v1/agents?capability=build", 200),
    get("agents.capability.none", "/v1/agents?capability=nothing", 200),
    get("agents.as", "/v1/agents?as=carol", 200),

    // Messages: posting
    msg(
      "messages.post.chat",
      { from_agent: "alice", channel: "general", body: "hello all" },
      201,
      {
        save: { m_hello: "result.id" },
      },
    ),
    msg("messages.post.default-channel", {
      from_agent: "carol",
      body: "defaults to general",
    }, 201),
    msg("messages.post.thread", {
      from_agent: "bob",
      channel: "builds",
      body: "build 1 started",
      thread_id: "th-1",
      metadata: { build: 1 },
    }, 201),
    msg(
      "messages.post.dm",
      { from_agent: "alice", to_agent: "bob", body: "psst" },
      201,
      {
        save: { m_dm: "result.id" },
      },
    ),
    msg("messages.post.dm-thread", {
      from_agent: "alice",
      to_agent: "bob",
      body: "private note on th-1",
      thread_id: "th-1",
    }, 201),
    msg("messages.post.dm-label-channel", {
      from_agent: "bob",
      to_agent: "alice",
      channel: "not-a-channel",
      body: "label channel",
    }, 201),
    msg("messages.post.kind-uppercase", {
      from_agent: "bob",
      channel: "general",
      kind: "NOTICE",
      body: "deploy soon",
    }, 201),
    msg("messages.post.reply", {
      from_agent: "carol",
      channel: "general",
      body: "hi alice",
      reply_to: "{{m_hello}}",
    }, 201),
    msg("messages.post.kind-unsupported", {
      from_agent: "bob",
      kind: "bogus",
      body: "x",
    }, 400),
    msg("messages.post.missing-from", { channel: "general", body: "x" }, 400),
    msg("messages.post.no-body-no-attachments", {
      from_agent: "bob",
      channel: "general",
    }, 400),
    msg("messages.post.att-text", {
      from_agent: "alice",
      channel: "builds",
      attachments: [{ type: "text", content: "plain text" }],
    }, 201),
    msg("messages.post.att-json", {
      from_agent: "alice",
      channel: "builds",
      body: "json attached",
      attachments: [{ type: "json", content: { a: 1, b: [true, null] } }],
    }, 201),
    msg("messages.post.att-code", {
      from_agent: "alice",
      channel: "builds",
      body: "code attached",
      attachments: [{
        type: "code",
        content: "print('hi')",
        language: "python",
      }],
    }, 201),
    msg("messages.post.att-file-ref", {
      from_agent: "alice",
      channel: "builds",
      body: "file ref",
      attachments: [{
        type: "file_ref",
        path: "src/main.ts",
        description: "entry point",
        start_line: 1,
        end_line: 20,
      }],
    }, 201),
    msg("messages.post.att-diff-ref", {
      from_agent: "alice",
      channel: "builds",
      body: "diff ref",
      attachments: [{
        type: "diff_ref",
        path: "src/store.ts",
        description: "store change",
        base: "main",
        head: "feature",
        start_line: 5,
        end_line: 9,
      }],
    }, 201),
    msg("messages.post.att-bad-type", {
      from_agent: "alice",
      body: "x",
      attachments: [{ type: "image", content: "x" }],
    }, 400),
    msg("messages.post.att-missing-content", {
      from_agent: "alice",
      body: "x",
      attachments: [{ type: "text" }],
    }, 400),
    msg("messages.post.att-missing-path", {
      from_agent: "alice",
      body: "x",
      attachments: [{ type: "file_ref", description: "no path" }],
    }, 400),
    msg("messages.post.att-not-list", {
      from_agent: "alice",
      body: "x",
      attachments: { type: "text", content: "x" },
    }, 400),
    msg("messages.post.att-too-many", {
      from_agent: "alice",
      body: "x",
      attachments: manyAttachments,
    }, 400),
    msg("messages.post.body-too-long", {
      from_agent: "alice",
      body: "x".repeat(128_001),
    }, 400),
    msg("messages.post.reply-to-non-int", {
      from_agent: "alice",
      body: "x",
      reply_to: "abc",
    }, 400),
    msg("messages.post.metadata-non-object", {
      from_agent: "alice",
      body: "x",
      metadata: "nope",
    }, 400),
    msg("messages.post.unknown-channel", {
      from_agent: "alice",
      channel: "nope",
      body: "x",
    }, 400),
    msg("messages.post.parent-task-unknown", {
      from_agent: "alice",
      channel: "builds",
      kind: "task",
      body: "x",
      parent_task_id: 999_999,
    }, 400),

    // Messages: reading
    get("messages.read.channel", "/v1/messages?channel=general", 200),
    get("messages.read.thread", "/v1/messages?thread_id=th-1", 200),
    get(
      "messages.read.channel-and-thread",
      "/v1/messages?channel=builds&thread_id=th-1",
      200,
    ),
    get(
      "messages.read.other-channel-thread",
      "/v1/messages?channel=general&thread_id=th-1",
      200,
    ),
    get(
      "messages.read.since-id",
      "/v1/messages?channel=general&since_id={{m_hello}}",
      200,
    ),
    get("messages.read.limit-1", "/v1/messages?channel=builds&limit=1", 200),
    get(
      "messages.read.limit-clamp",
      "/v1/messages?channel=builds&limit=1000",
      200,
    ),
    get("messages.read.limit-0", "/v1/messages?channel=general&limit=0", 400),
    get(
      "messages.read.limit-abc",
      "/v1/messages?channel=general&limit=abc",
      400,
    ),
    get(
      "messages.read.since-negative",
      "/v1/messages?channel=general&since_id=-1",
      400,
    ),
    get(
      "messages.read.since-abc",
      "/v1/messages?channel=general&since_id=abc",
      400,
    ),
    get(
      "messages.read.tail",
      "/v1/messages?channel=builds&tail=true&limit=2",
      200,
    ),
    get(
      "messages.read.tail-thread",
      "/v1/messages?thread_id=th-1&tail=1&limit=1",
      200,
    ),
    get("messages.read.no-channel-no-thread", "/v1/messages", 400),
    get("messages.read.unknown-channel", "/v1/messages?channel=nope", 404),
    get("messages.read.direct-excluded", "/v1/messages?channel=direct", 200),

    // Events
    get("events.recipient", "/v1/events?agent_id=bob", 200),
    get("events.non-recipient", "/v1/events?agent_id=carol", 200),
    get(
      "events.exclude-self",
      "/v1/events?agent_id=alice&exclude_self=true",
      200,
    ),
    get("events.channel", "/v1/events?agent_id=bob&channel=builds", 200),
    get("events.thread", "/v1/events?agent_id=bob&thread_id=th-1", 200),
    get(
      "events.since-limit",
      "/v1/events?agent_id=bob&since_id={{m_dm}}&limit=2",
      200,
    ),
    get(
      "events.long-poll-empty",
      "/v1/events?agent_id=bob&since_id=100000&timeout=1",
      200,
    ),
    get("events.timeout-abc", "/v1/events?agent_id=bob&timeout=abc", 400),
    get("events.missing-agent", "/v1/events", 400),
    get("events.unknown-channel", "/v1/events?agent_id=bob&channel=nope", 404),
    get("events.since-abc", "/v1/events?agent_id=bob&since_id=abc", 400),

    // Inbox and bootstrap
    get("inbox.bob", "/v1/inbox/bob", 200),
    get("inbox.bob.tail", "/v1/inbox/bob?tail=true&limit=1", 200),
    get("inbox.bob.since", "/v1/inbox/bob?since_id={{m_dm}}", 200),
    get("inbox.carol.empty", "/v1/inbox/carol", 200),
    get("inbox.limit-0", "/v1/inbox/bob?limit=0", 400),
    get("bootstrap.bob", "/v1/bootstrap?agent_id=bob", 200),
    get("bootstrap.carol", "/v1/bootstrap?agent_id=carol", 200),
    get("bootstrap.unknown-agent", "/v1/bootstrap?agent_id=nobody", 200),
    get("bootstrap.missing-agent", "/v1/bootstrap", 400),

    // Claims
    post("claims.acquire", "/v1/claims", {
      owner_agent_id: "alice",
      claim_key: "claim-1",
      thread_id: "th-1",
      ttl_sec: 300,
      metadata: { note: "mine" },
    }, 201),
    post("claims.acquire.other-owner", "/v1/claims", {
      owner_agent_id: "bob",
      claim_key: "claim-1",
    }, 200),
    post("claims.acquire.same-owner", "/v1/claims", {
      owner_agent_id: "alice",
      claim_key: "claim-1",
      thread_id: "th-1",
      ttl_sec: 600,
    }, 201),
    post("claims.acquire.derived-key", "/v1/claims", {
      owner_agent_id: "bob",
      task_message_id: "{{m_hello}}",
      thread_id: "th-claims",
    }, 201),
    post("claims.acquire.no-key", "/v1/claims", { owner_agent_id: "bob" }, 400),
    post(
      "claims.acquire.missing-owner",
      "/v1/claims",
      { claim_key: "claim-x" },
      400,
    ),
    post("claims.acquire.ttl-4", "/v1/claims", {
      owner_agent_id: "bob",
      claim_key: "claim-x",
      ttl_sec: 4,
    }, 400),
    post("claims.acquire.ttl-abc", "/v1/claims", {
      owner_agent_id: "bob",
      claim_key: "claim-x",
      ttl_sec: "abc",
    }, 400),
    post("claims.refresh", "/v1/claims/refresh", {
      claim_key: "claim-1",
      owner_agent_id: "alice",
      ttl_sec: 120,
    }, 200),
    post("claims.refresh.other-owner", "/v1/claims/refresh", {
      claim_key: "claim-1",
      owner_agent_id: "bob",
    }, 404),
    post("claims.refresh.unknown", "/v1/claims/refresh", {
      claim_key: "claim-none",
      owner_agent_id: "alice",
    }, 404),
    post("claims.refresh.ttl-4", "/v1/claims/refresh", {
      claim_key: "claim-1",
      owner_agent_id: "alice",
      ttl_sec: 4,
    }, 400),
    get("claims.list.thread", "/v1/claims?thread_id=th-1", 200),
    post("claims.release.other-owner", "/v1/claims/release", {
      claim_key: "claim-1",
      agent_id: "bob",
    }, 404),
    post("claims.release", "/v1/claims/release", {
      claim_key: "claim-1",
      agent_id: "alice",
    }, 200),
    post("claims.release.again", "/v1/claims/release", {
      claim_key: "claim-1",
      agent_id: "alice",
    }, 404),
    post("claims.release.missing-agent", "/v1/claims/release", {
      claim_key: "claim-1",
    }, 400),
    post("claims.refresh.released", "/v1/claims/refresh", {
      claim_key: "claim-1",
      owner_agent_id: "alice",
    }, 404),
    get("claims.list.all", "/v1/claims", 200, { sortBy: "claim_key" }),
    get("claims.list.active", "/v1/claims?active_only=true", 200, {
      sortBy: "claim_key",
    }),
    get(
      "claims.list.thread-active",
      "/v1/claims?thread_id=th-1&active_only=1",
      200,
    ),
    post("claims.acquire.after-release", "/v1/claims", {
      owner_agent_id: "bob",
      claim_key: "claim-1",
      thread_id: "th-1",
    }, 201),

    // Locks
    post("locks.acquire", "/v1/locks", {
      agent_id: "alice",
      file_path: "src/main.ts",
      ttl_sec: 300,
      metadata: { thread_id: "th-1" },
    }, 201),
    post("locks.acquire.other-owner", "/v1/locks", {
      agent_id: "bob",
      file_path: "src/main.ts",
    }, 200),
    post("locks.acquire.same-owner", "/v1/locks", {
      agent_id: "alice",
      file_path: "src/main.ts",
      ttl_sec: 600,
    }, 201),
    post("locks.acquire.second", "/v1/locks", {
      agent_id: "bob",
      file_path: "src/other.ts",
    }, 201),
    post("locks.acquire.missing-path", "/v1/locks", { agent_id: "bob" }, 400),
    post(
      "locks.acquire.missing-agent",
      "/v1/locks",
      { file_path: "src/x.ts" },
      400,
    ),
    post("locks.acquire.ttl-4", "/v1/locks", {
      agent_id: "bob",
      file_path: "src/x.ts",
      ttl_sec: 4,
    }, 400),
    post("locks.refresh", "/v1/locks/refresh", {
      agent_id: "alice",
      file_path: "src/main.ts",
      ttl_sec: 120,
    }, 200),
    post("locks.refresh.other-owner", "/v1/locks/refresh", {
      agent_id: "bob",
      file_path: "src/main.ts",
    }, 404),
    post("locks.refresh.unknown", "/v1/locks/refresh", {
      agent_id: "alice",
      file_path: "nope.ts",
    }, 404),
    get("locks.list.agent", "/v1/locks?agent_id=alice", 200),
    post("locks.release.other-owner", "/v1/locks/release", {
      agent_id: "bob",
      file_path: "src/main.ts",
    }, 404),
    post("locks.release", "/v1/locks/release", {
      agent_id: "bob",
      file_path: "src/other.ts",
    }, 200),
    post("locks.release.again", "/v1/locks/release", {
      agent_id: "bob",
      file_path: "src/other.ts",
    }, 404),
    post(
      "locks.release.missing-path",
      "/v1/locks/release",
      { agent_id: "bob" },
      400,
    ),
    get("locks.list.all", "/v1/locks", 200, { sortBy: "file_path" }),
    get("locks.list.active", "/v1/locks?active_only=true", 200, {
      sortBy: "file_path",
    }),
    get(
      "locks.list.agent-active",
      "/v1/locks?agent_id=bob&active_only=yes",
      200,
    ),

    // Threads
    get("threads.list", "/v1/threads", 200),
    get("threads.detail", "/v1/threads/th-1", 200),
    get("threads.detail.claims-only", "/v1/threads/th-claims", 200),
    get("threads.detail.unknown", "/v1/threads/no-such-thread", 404),

    // Tasks
    msg(
      "tasks.post.task",
      {
        from_agent: "alice",
        channel: "builds",
        kind: "task",
        body: "compile the thing",
        thread_id: "th-2",
      },
      201,
      { save: { t_main: "result.id" } },
    ),
    msg(
      "tasks.post.task-request",
      {
        from_agent: "alice",
        to_agent: "bob",
        kind: "task_request",
        body: "please review",
        thread_id: "th-rpc",
      },
      201,
      { save: { t_rpc: "result.id" } },
    ),
    msg(
      "tasks.post.parent",
      {
        from_agent: "alice",
        channel: "builds",
        kind: "task",
        body: "parent task",
        thread_id: "th-3",
      },
      201,
      { save: { t_parent: "result.id" } },
    ),
    msg(
      "tasks.post.subtask-1",
      {
        from_agent: "alice",
        channel: "builds",
        kind: "task",
        body: "subtask one",
        thread_id: "th-3",
        parent_task_id: "{{t_parent}}",
      },
      201,
      { save: { t_sub1: "result.id" } },
    ),
    msg(
      "tasks.post.subtask-2",
      {
        from_agent: "bob",
        channel: "builds",
        kind: "task",
        body: "subtask two",
        thread_id: "th-3",
        parent_task_id: "{{t_parent}}",
      },
      201,
      { save: { t_sub2: "result.id" } },
    ),
    msg("tasks.post.parent-task-non-int", {
      from_agent: "alice",
      channel: "builds",
      kind: "task",
      body: "x",
      parent_task_id: "abc",
    }, 400),
    get("tasks.list.all", "/v1/tasks", 200),
    get("tasks.list.parent", "/v1/tasks?parent_id={{t_parent}}", 200),
    get("tasks.list.status-open", "/v1/tasks?status=open", 200),
    get("tasks.list.channel", "/v1/tasks?channel=direct", 200),
    get("tasks.list.thread", "/v1/tasks?thread_id=th-2", 200),
    get("tasks.list.status-bogus", "/v1/tasks?status=bogus", 400),
    get("tasks.list.parent-abc", "/v1/tasks?parent_id=abc", 400),
    post("tasks.complete", "/v1/tasks/{{t_main}}/complete", {}, 200),
    post("tasks.complete.again", "/v1/tasks/{{t_main}}/complete", {}, 200),
    post("tasks.complete.unknown", "/v1/tasks/999999/complete", {}, 404),
    post("tasks.complete.subtask-1", "/v1/tasks/{{t_sub1}}/complete", {}, 200),
    post(
      "tasks.complete.subtask-2-rollup",
      "/v1/tasks/{{t_sub2}}/complete",
      {},
      200,
    ),
    get(
      "tasks.rollup.notice",
      "/v1/messages?channel=builds&tail=true&limit=1",
      200,
    ),
    get("tasks.rollup.parent-done", "/v1/tasks?thread_id=th-3", 200),
    msg("tasks.post.task-result", {
      from_agent: "bob",
      to_agent: "alice",
      kind: "task_result",
      body: "looks good",
      reply_to: "{{t_rpc}}",
      thread_id: "th-rpc",
    }, 201),
    msg("tasks.post.task-result-again", {
      from_agent: "bob",
      to_agent: "alice",
      kind: "task_result",
      body: "still good",
      reply_to: "{{t_rpc}}",
    }, 201),
    msg("tasks.post.task-result-non-request", {
      from_agent: "bob",
      channel: "builds",
      kind: "task_result",
      body: "not a request",
      reply_to: "{{t_main}}",
    }, 201),
    get("tasks.list.status-done", "/v1/tasks?status=done", 200),
    get("threads.list.after-tasks", "/v1/threads", 200),
    get("threads.detail.rollup", "/v1/threads/th-3", 200),
    get("threads.detail.rpc", "/v1/threads/th-rpc", 200),

    // Shutdown and network admin surface
    get("shutdown.status.none", "/v1/shutdown", 200),
    post("shutdown.cancel.none", "/v1/shutdown/cancel", {}, 400),
    post("shutdown.arm.too-long", "/v1/shutdown", { delay_sec: 4000 }, 400),
    post("shutdown.arm.negative", "/v1/shutdown", { delay_sec: -1 }, 400),
    post("shutdown.arm", "/v1/shutdown", { delay_sec: 3600 }, 200),
    get("shutdown.status.pending", "/v1/shutdown", 200),
    post("shutdown.cancel", "/v1/shutdown/cancel", {}, 200),
    post("shutdown.arm.first", "/v1/shutdown", { delay_sec: 3600 }, 200),
    post("shutdown.arm.second", "/v1/shutdown", { delay_sec: 3600 }, 400),
    post("shutdown.cancel.final", "/v1/shutdown/cancel", {}, 200),
    get("shutdown.status.after", "/v1/shutdown", 200),
    get(
      "shutdown.notices",
      "/v1/messages?channel=general&tail=true&limit=4",
      200,
    ),
    post("network.allow-remote-on-loopback", "/v1/network", {
      allow_remote: true,
    }, 400),
    post(
      "network.allow-remote-false",
      "/v1/network",
      { allow_remote: false },
      200,
    ),

    // Generic error handling
    get("errors.unknown-route", "/v1/nope", 404),
    post("errors.unknown-route-post", "/v1/nope", {}, 404),
    post("errors.complete-non-numeric", "/v1/tasks/abc/complete", {}, 404),
    {
      name: "errors.malformed-json",
      method: "POST",
      path: "/v1/messages",
      raw: '{"from_agent": "alice", "body": ',
      expect: 400,
    },
    {
      name: "errors.json-array-body",
      method: "POST",
      path: "/v1/messages",
      raw: '[{"from_agent": "alice", "body": "x"}]',
      expect: 400,
    },
    {
      name: "errors.invalid-utf8",
      method: "POST",
      path: "/v1/messages",
      raw: invalidUtf8,
      expect: 400,
    },

    // Final state
    get("final.events.alice", "/v1/events?agent_id=alice", 200),
    get("final.agents", "/v1/agents", 200),
    get("final.bootstrap.alice", "/v1/bootstrap?agent_id=alice", 200),
  ];
}

// ---------------------------------------------------------------------------
// Driver

interface Options {
  a: string;
  b: string;
  json: boolean;
}

const USAGE = "usage: deno run --allow-net bench/conformance.ts " +
  "--a http://127.0.0.1:7101 --b http://127.0.0.1:7102 [--json]";

function parseArgs(args: string[]): Options | string {
  let a = "";
  let b = "";
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const eq = arg.indexOf("=");
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => inline ?? args[++i] ?? "";
    if (flag === "--a") a = value();
    else if (flag === "--b") b = value();
    else if (flag === "--json") json = true;
    else if (flag === "--help" || flag === "-h") return USAGE;
    else return `unknown argument: ${arg}\n${USAGE}`;
  }
  if (a === "" || b === "") return USAGE;
  return { a: a.replace(/\/+$/, ""), b: b.replace(/\/+$/, ""), json };
}

/** Checks that a hub answers and holds no state; returns a problem or null. */
async function freshnessProblem(base: string): Promise<string | null> {
  const vars: Vars = new Map();
  const boot = await send(
    base,
    get("preflight", "/v1/bootstrap?agent_id=conformance-probe", 200),
    vars,
  );
  if (boot.status === 0) return boot.text;
  const result = lookup(boot.json, "result");
  if (boot.status !== 200 || !isObject(result)) {
    return `GET /v1/bootstrap answered ${boot.status} ${
      short(boot.json ?? boot.text, 120)
    }`;
  }
  const latest = result["latest_visible_id"];
  const live = result["live_agents"];
  if (latest !== 0) return `not fresh: latest_visible_id is ${short(latest)}`;
  if (Array.isArray(live) && live.length > 0) {
    return `not fresh: ${live.length} live session(s)`;
  }
  const channels = await send(
    base,
    get("preflight", "/v1/channels", 200),
    vars,
  );
  const list = lookup(channels.json, "result");
  if (Array.isArray(list)) {
    const names = list.map((c) => (isObject(c) ? String(c["name"]) : "?"));
    const extra = names.filter((n) => n !== "general" && n !== "direct");
    if (extra.length > 0) {
      return `not fresh: extra channels ${extra.join(", ")}`;
    }
  }
  const claims = await send(base, get("preflight", "/v1/claims", 200), vars);
  const locks = await send(base, get("preflight", "/v1/locks", 200), vars);
  for (const [what, reply] of [["claims", claims], ["locks", locks]] as const) {
    const rows = lookup(reply.json, "result");
    if (Array.isArray(rows) && rows.length > 0) {
      return `not fresh: ${rows.length} ${what}`;
    }
  }
  return null;
}

function formatLine(
  r: StepReport,
  nameWidth: number,
  pathWidth: number,
): string {
  const idx = String(r.index).padStart(3, " ");
  const req = `${r.method} ${r.path}`;
  const verdict = r.match
    ? "OK"
    : `MISMATCH ${r.diffs.slice(0, 8).join("; ")}${
      r.diffs.length > 8 ? `; (+${r.diffs.length - 8} more)` : ""
    }`;
  return `${idx} ${r.name.padEnd(nameWidth)} ${
    req.padEnd(pathWidth)
  } ${r.statusA}/${r.statusB} ${verdict}`;
}

async function main(): Promise<number> {
  const opts = parseArgs(Deno.args);
  if (typeof opts === "string") {
    console.error(opts);
    return 2;
  }
  for (const [label, base] of [["A", opts.a], ["B", opts.b]] as const) {
    const problem = await freshnessProblem(base);
    if (problem !== null) {
      console.error(`hub ${label} (${base}): ${problem}`);
      return 2;
    }
  }
  const script = buildScript();
  const varsA: Vars = new Map();
  const varsB: Vars = new Map();
  const reports: StepReport[] = [];
  const nameWidth = Math.max(...script.map((s) => s.name.length));
  const pathWidth = 52;
  if (!opts.json) console.log(`A = ${opts.a}\nB = ${opts.b}`);
  for (const [i, step] of script.entries()) {
    const a = await send(opts.a, step, varsA);
    const b = await send(opts.b, step, varsB);
    const report = compareStep(i + 1, step, a, b, a.path === b.path);
    reports.push(report);
    if (!opts.json) {
      console.log(formatLine(report, nameWidth, pathWidth));
      for (const line of report.info) console.log(`      info: ${line}`);
    }
  }
  const mismatches = reports.filter((r) => !r.match).length;
  const summary = `${reports.length} steps, ${mismatches} mismatches`;
  if (opts.json) {
    console.log(
      JSON.stringify(
        { a: opts.a, b: opts.b, steps: reports, summary },
        null,
        2,
      ),
    );
  } else {
    console.log(summary);
  }
  return mismatches > 0 ? 1 : 0;
}

if (import.meta.main) {
  Deno.exit(await main());
}
