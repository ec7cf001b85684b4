/**
 * What a tool result says when no hub answers: one text for the MCP server
 * in this process and for the bridge to the hub's `/mcp`, so a model reads
 * the same advice whichever runs.
 *
 * @module
 */

/** Where an `arc mcp` process reaches its hub, and as whom. */
export interface HubAddress {
  /** The agent the process acts as. */
  agentId: string;
  /** The hub's URL (ignored when `relayDir` is set). */
  baseUrl: string;
  /** The relay spool, when the process talks through files. */
  relayDir?: string;
}

/** The hub's address in words: its URL, or the relay spool. */
export function hubTarget(address: HubAddress): string {
  return address.relayDir !== undefined
    ? `the relay spool ${address.relayDir}`
    : address.baseUrl;
}

/**
 * Advice for a model when the hub did not answer: how to start one, or which
 * permission the process lacks when `denied` (Deno refused the request).
 */
export function unreachableAdvice(
  address: HubAddress,
  detail: string,
  denied: boolean,
): string {
  const target = hubTarget(address);
  if (denied) {
    const grant = address.relayDir !== undefined
      ? `--allow-read and --allow-write on ${address.relayDir}`
      : `--allow-net for ${new URL(address.baseUrl).host}`;
    return `This server is not allowed to reach the Arc hub at ${target} (${detail}). Give it ${grant} in the host's MCP configuration and restart it.`;
  }
  const start = address.relayDir !== undefined
    ? `The request stays in the spool and may still run when a hub picks it up. Start a hub that serves this spool ('deno task ensure' in the directory that holds it, or 'arc serve --spool-dir ${address.relayDir}')`
    : `Start one with 'deno task ensure' in the Arc checkout (or 'arc ensure' with the compiled binary)`;
  return `No Arc hub answered at ${target} (${detail}). ${start}, then call the tool again: this server registers agent '${address.agentId}' on the next call.`;
}

/** True when Deno refused an operation for want of a permission. */
export function isPermissionError(error: unknown): boolean {
  return error instanceof Deno.errors.NotCapable ||
    error instanceof Deno.errors.PermissionDenied;
}
