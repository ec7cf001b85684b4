import { type CommandRun, run } from "../cli/_arc.ts";

/** Runs a benchmark script with `-A` to its end and collects its output. */
export function runBench(script: string, args: string[]): Promise<CommandRun> {
  const path = new URL(`../../bench/${script}`, import.meta.url).pathname;
  return run(Deno.execPath(), ["run", "-A", path, ...args]);
}
