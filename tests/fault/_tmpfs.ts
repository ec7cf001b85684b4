/**
 * A small tmpfs for the fault tests that fill a disk. Mounting needs root;
 * where that is impossible the tests are skipped, saying why.
 *
 * @module
 */

import { assert } from "../_assert.ts";

/** Runs a command quietly and tells whether it succeeded. */
export async function sh(...cmd: string[]): Promise<boolean> {
  const out = await new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    stdout: "null",
    stderr: "null",
  }).output();
  return out.success;
}

/** A mount point, and why a tmpfs cannot be mounted there ("" when it can). */
export interface Tmpfs {
  mountPoint: string;
  skip: string;
}

/** Makes a mount point and tries a 4 MiB tmpfs on it once; warns under `name` when it cannot. */
export async function probeTmpfs(name: string): Promise<Tmpfs> {
  const mountPoint = await Deno.makeTempDir({ prefix: "arc-tmpfs-" });
  let skip = "";
  if (!(await mount(mountPoint))) {
    skip = "cannot mount a tmpfs here (needs root)";
    await Deno.remove(mountPoint).catch(() => {});
  } else {
    await sh("umount", mountPoint);
  }
  if (skip) {
    // deno-lint-ignore no-console
    console.warn(`${name}: skipped: ${skip}`);
  }
  return { mountPoint, skip };
}

/** Mounts the tmpfs, runs `fn`, then unmounts it and removes the mount point. */
export async function withTmpfs(
  mountPoint: string,
  fn: () => Promise<void>,
): Promise<void> {
  assert(await mount(mountPoint), "mounting the tmpfs failed");
  try {
    await fn();
  } finally {
    await sh("umount", "-l", mountPoint);
    await Deno.remove(mountPoint, { recursive: true }).catch(() => {});
  }
}

/** Fills the file system with one file and returns its path. */
export async function fillDisk(mountPoint: string): Promise<string> {
  const filler = `${mountPoint}/filler`;
  await sh("sh", "-c", `dd if=/dev/zero of=${filler} bs=64k 2>/dev/null; true`);
  return filler;
}

function mount(mountPoint: string): Promise<boolean> {
  return sh("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint);
}
