/** Runs a benchmark script with `-A` and returns its exit status and output. */
export async function runBench(
  script: string,
  args: string[],
): Promise<{ success: boolean; stdout: string; stderr: string }> {
  const path = new URL(`../../bench/${script}`, import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", path, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    success: out.success,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr),
  };
}
