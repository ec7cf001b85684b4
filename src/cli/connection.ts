/**
 * Where a command finds its hub and who it acts as, resolved once for every
 * command the same way: a flag wins over its environment variable, which
 * wins over the default.
 *
 * | what   | flag                  | environment | default                  |
 * | ------ | --------------------- | ----------- | ------------------------ |
 * | agent  | `--agent`             | `ARC_AGENT` | none                     |
 * | hub    | `--base-url` (`--url`) | `ARC_URL`  | `http://127.0.0.1:6969`  |
 * | token  | `--token`             | `ARC_TOKEN` | none                     |
 * | relay  | `--relay`             | none        | none (HTTP)              |
 *
 * `connect` then makes the client, carrying the agent's session secret on a
 * hub with strict identity.
 *
 * @module
 */

import { ArcClient } from "../client/client.ts";
import { DEFAULTS } from "../protocol.ts";
import { textFlags, UsageError } from "./args.ts";
import { type EnvReader, flagOrEnv, readEnv } from "./permissions.ts";
import { readSecret, secretsPath, writeSecret } from "./secrets.ts";

/** The hub a command talks to when neither `--base-url` nor `ARC_URL` names one. */
export const DEFAULT_URL = `http://127.0.0.1:${DEFAULTS.port}`;

/** The connection flags, for `parseFlags`. */
export const CONNECTION_FLAGS = {
  ...textFlags("agent", "base-url", "token", "relay"),
} as const;

/** The connection flags as parsed; a command may take only some of them. */
export interface ConnectionFlags {
  agent?: string | undefined;
  "base-url"?: string | undefined;
  /** `arc export`'s other name for `--base-url`. */
  url?: string | undefined;
  token?: string | undefined;
  relay?: string | undefined;
}

export { type EnvReader, flagOrEnv } from "./permissions.ts";

/** Options for {@linkcode resolveConnection}. */
export interface ResolveOptions {
  /** Whether the command refuses to run without an agent id. @default "optional" */
  agent?: "required" | "optional";
  /** Where environment variables come from. @default the process environment */
  env?: EnvReader;
}

/** What a command connects with, every field resolved. */
export interface ResolvedConnection {
  /** The agent id, trimmed; undefined when neither flag nor variable gives one. */
  agent: string | undefined;
  /** The hub's URL without trailing slashes (checked unless `relay` is set). */
  url: string;
  /** Where `url` came from. */
  urlFrom: "flag" | "env" | "default";
  /** The bearer token, when one is given. */
  token: string | undefined;
  /** The relay spool directory, when the command talks through the relay. */
  relay: string | undefined;
}

/**
 * Resolves agent, hub URL, token and relay from a command's flags and the
 * environment (flag, then variable, then default).
 *
 * @throws {UsageError} when a required agent id is missing, when both
 * `--base-url` and `--relay` are given, or when the URL is not http(s)
 */

export function resolveConnection(
  values: ConnectionFlags,
  options: ResolveOptions & { agent: "required" },
): ResolvedConnection & { agent: string };
export function resolveConnection(
  values: ConnectionFlags,
  options?: ResolveOptions,
): ResolvedConnection;

export function resolveConnection(
  values: ConnectionFlags,
  options: ResolveOptions = {},
): ResolvedConnection {
  const env = options.env ?? readEnv;
  const agent = flagOrEnv(values.agent, "ARC_AGENT", env)?.trim() || undefined;
  if (options.agent === "required" && agent === undefined) {
    throw new UsageError("--agent is required (or set ARC_AGENT)");
  }
  const urlFlag = values["base-url"] ?? values.url;
  const relay = values.relay || undefined;
  if (relay !== undefined && urlFlag !== undefined) {
    throw new UsageError("give --base-url or --relay, not both");
  }
  const fromEnv = urlFlag === undefined
    ? flagOrEnv(undefined, "ARC_URL", env)
    : undefined;
  const urlFrom = urlFlag !== undefined
    ? "flag"
    : fromEnv !== undefined
    ? "env"
    : "default";
  const url = (urlFlag ?? fromEnv ?? DEFAULT_URL).trim().replace(/\/+$/, "");
  // Over the relay the URL is not used: a stray ARC_URL must not stop it.
  if (
    relay === undefined &&
    (!/^https?:\/\/[^/]/i.test(url) || !URL.canParse(url))
  ) {
    const name = urlFrom === "env" ? "ARC_URL" : "--base-url";
    throw new UsageError(
      `${name} must be an http(s) URL such as ${DEFAULT_URL}: current value is '${
        urlFlag ?? fromEnv
      }'`,
    );
  }
  return {
    agent,
    url,
    urlFrom,
    token: flagOrEnv(values.token, "ARC_TOKEN", env),
    relay,
  };
}

/** Options for {@linkcode openClient} and {@linkcode connect}. */
export interface ClientOptions {
  /** The client's default wait. @default the client's (15 s over HTTP, 30 s over the relay) */
  timeoutMs?: number;
}

/**
 * A client for the resolved connection, over the relay or HTTP; sends nothing.
 *
 * @throws {UsageError} when no agent id was resolved
 */

export function openClient(
  connection: ResolvedConnection,
  options: ClientOptions & { secret?: string | undefined } = {},
): ArcClient {
  const agentId = connection.agent;
  if (agentId === undefined) {
    throw new UsageError("--agent is required (or set ARC_AGENT)");
  }
  const timeout = options.timeoutMs ? { timeoutMs: options.timeoutMs } : {};
  if (connection.relay !== undefined) {
    // The relay's spool directory is the credential: no secret needed.
    return ArcClient.overRelay({
      agentId,
      spoolDir: connection.relay,
      ...timeout,
    });
  }
  return new ArcClient({
    agentId,
    baseUrl: connection.url,
    ...timeout,
    ...(connection.token ? { token: connection.token } : {}),
    ...(options.secret ? { secret: options.secret } : {}),
  });
}

/** A client, plus where its secret is saved after registering (strict hubs only). */
export interface Connection {
  client: ArcClient;
  save?: (secret: string) => Promise<void>;
}

/**
 * A client for the resolved connection that, on a hub with strict identity,
 * carries the agent's session secret: `ARC_SECRET`, else the one kept in the
 * secrets file (`~/.arc/secrets.json`, or `ARC_SECRETS_FILE`), where `save`
 * keeps the next one. Asks the hub for its info (over HTTP only).
 *
 * @throws {ArcError} when the hub cannot be asked
 */

export async function connect(
  connection: ResolvedConnection,
  options: ClientOptions = {},
): Promise<Connection> {
  const client = openClient(connection, options);
  if (connection.relay !== undefined) return { client };
  const info = await client.hubInfo();
  if (info.arcdeno?.["strict_identity"] !== true) return { client };
  const path = secretsPath();
  const key = { instanceId: info.instance_id, agentId: client.agentId };
  const secret = readEnv("ARC_SECRET") ??
    (path ? await readSecret(path, key) : undefined);
  return {
    client: secret ? openClient(connection, { ...options, secret }) : client,
    ...(path ? { save: (s: string) => writeSecret(path, key, s) } : {}),
  };
}
