/**
 * The per-user secrets file of the agent commands (`arc post`, `arc poll`,
 * `arc whoami`). Each command is its own process, yet on a hub with strict
 * identity a command that re-registers an agent must send the secret of the
 * agent's live session. So after registering, a command writes the new
 * secret to a JSON file only the user can read (mode 0600, in a 0700
 * directory), keyed by the hub's instance id and the agent id, and the next
 * command reads it from there. `ARC_SECRET`, when set, is sent instead of
 * the stored secret (for an agent whose secret came from elsewhere).
 *
 * The file is `ARC_SECRETS_FILE`, or `~/.arc/secrets.json`. It is only
 * touched when the hub runs with strict identity.
 *
 * @module
 */

import { dirname, join } from "../path.ts";
import { readEnv } from "./permissions.ts";

/** The file's shape: `{ "hubs": { "<instance id>": { "<agent>": "<secret>" } } }`. */
interface SecretsFile {
  hubs: Record<string, Record<string, string>>;
}

/** Where the secrets file is, or undefined when no home directory is known. */
export function secretsPath(): string | undefined {
  const explicit = readEnv("ARC_SECRETS_FILE");
  if (explicit) return explicit;
  const home = readEnv("HOME") ?? readEnv("USERPROFILE");
  return home ? join(home, ".arc", "secrets.json") : undefined;
}

async function load(path: string): Promise<SecretsFile> {
  try {
    const value = JSON.parse(await Deno.readTextFile(path));
    if (
      typeof value === "object" && value !== null &&
      typeof value.hubs === "object" && value.hubs !== null
    ) return value as SecretsFile;
  } catch {
    // missing or unreadable: start afresh
  }
  return { hubs: {} };
}

/** The stored secret of `agentId` on the hub `instanceId`, if any. */

export async function readSecret(
  path: string,
  key: { instanceId: string; agentId: string },
): Promise<string | undefined> {
  const secret = (await load(path)).hubs[key.instanceId]?.[key.agentId];
  return typeof secret === "string" && secret ? secret : undefined;
}

/**
 * Stores `secret` for `agentId` on the hub `instanceId`, replacing the old
 * one; the file is rewritten atomically with mode 0600.
 */

export async function writeSecret(
  path: string,
  key: { instanceId: string; agentId: string },
  secret: string,
): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const file = await load(path);
  (file.hubs[key.instanceId] ??= {})[key.agentId] = secret;
  const temp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(temp, JSON.stringify(file, null, 2) + "\n", {
      mode: 0o600,
      createNew: true,
    });
    if (Deno.build.os !== "windows") await Deno.chmod(temp, 0o600);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
