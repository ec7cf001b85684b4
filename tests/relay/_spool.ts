/**
 * Helpers that play a sandboxed agent writing raw files into a relay spool.
 *
 * @module
 */

/** Writes `content` to `<spool>/requests/<agentDir>/<id>.json` atomically. */
export async function writeRequest(
  spool: string,
  agentDir: string,
  id: string,
  content: unknown,
): Promise<void> {
  const dir = `${spool}/requests/${agentDir}`;
  await Deno.mkdir(dir, { recursive: true });
  const text = typeof content === "string" ? content : JSON.stringify(content);
  await Deno.writeTextFile(`${dir}/.${id}.tmp`, text);
  await Deno.rename(`${dir}/.${id}.tmp`, `${dir}/${id}.json`);
}

/** Waits for `<spool>/responses/<agentDir>/<id>.json` and parses it. */
export async function readResponse(
  spool: string,
  agentDir: string,
  id: string,
  timeoutMs = 10_000,
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  const path = `${spool}/responses/${agentDir}/${id}.json`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      return JSON.parse(await Deno.readTextFile(path));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no response at ${path} after ${timeoutMs} ms`);
}

/** One request envelope, written and answered. */
export async function relayCall(
  spool: string,
  agent: string,
  method: string,
  path: string,
  body?: Record<string, unknown>,
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  const id = crypto.randomUUID().replaceAll("-", "");
  await writeRequest(spool, agent, id, {
    request_id: id,
    agent_id: agent,
    method,
    path,
    body: body ?? null,
    created_at: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  });
  return await readResponse(spool, agent, id);
}
