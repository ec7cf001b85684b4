/**
 * Private Linux network namespaces for tests that need an address or a port
 * nobody else can hold: a fresh namespace has only its own loopback, so even
 * the default port 6969 is free inside it. Needs root and `ip netns`; tests
 * skip, saying why, where that is impossible.
 *
 * @module
 */

/** Runs a command to its end; throws with its stderr when it fails, unless `allowFail`. */
export async function sh(cmd: string[], allowFail = false): Promise<string> {
  const out = await new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success && !allowFail) {
    throw new Error(
      `${cmd.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return text;
}

/** A short random tag for names that must not collide with parallel tests. */
export function netnsTag(): string {
  return Math.random().toString(36).slice(2, 7);
}

/** Why network namespaces cannot be used here, or "" when they can. */
export async function netnsUnavailable(): Promise<string> {
  const probe = `arcprobe${netnsTag()}`;
  try {
    await sh(["ip", "netns", "add", probe]);
    await sh(["ip", "netns", "del", probe]);
    return "";
  } catch (error) {
    return `network namespaces are not available here (${
      (error as Error).message.split("\n")[0]
    })`;
  }
}

/** A namespace of our own; deleted on dispose. */
export interface Netns extends AsyncDisposable {
  name: string;
  /** `cmd` prefixed so that it runs inside the namespace. */
  exec(cmd: string[]): string[];
}

/**
 * Creates a namespace with loopback up and, when `address` is given (an
 * IPv4 address, e.g. `10.213.7.1`), an interface inside it holding that
 * address: a LAN address that exists only in this namespace.
 */
export async function createNetns(
  options: { address?: string } = {},
): Promise<Netns> {
  const name = `arc${netnsTag()}`;
  const exec = (cmd: string[]) => ["ip", "netns", "exec", name, ...cmd];
  await sh(["ip", "netns", "add", name]);
  try {
    await sh(exec(["ip", "link", "set", "lo", "up"]));
    if (options.address) {
      // A veth pair with both ends inside: the kernel may lack "dummy".
      await sh(
        exec([
          "ip",
          "link",
          "add",
          "lan0",
          "type",
          "veth",
          "peer",
          "name",
          "lan1",
        ]),
      );
      await sh(
        exec(["ip", "addr", "add", `${options.address}/24`, "dev", "lan0"]),
      );
      await sh(exec(["ip", "link", "set", "lan0", "up"]));
      await sh(exec(["ip", "link", "set", "lan1", "up"]));
    }
  } catch (error) {
    await sh(["ip", "netns", "del", name], true);
    throw error;
  }
  return {
    name,
    exec,
    async [Symbol.asyncDispose]() {
      await sh(["ip", "netns", "del", name], true);
    },
  };
}

/** A LAN of two: this machine's end of a veth pair and a namespace at the other end. */
export interface LanPair extends AsyncDisposable {
  /** The namespace playing the other machine. */
  ns: Netns;
  /** This machine's address on the pair (not loopback: a hub sees it as a LAN peer). */
  hostIp: string;
  /** The other machine's address. */
  peerIp: string;
}

/**
 * Joins a new namespace to this one with a veth pair on a private /24 of
 * its own, so a test has a LAN that exists only for it: traffic to either
 * address stays on this machine.
 */
export async function createLanPair(): Promise<LanPair> {
  const octet = 1 + Math.floor(Math.random() * 250);
  const hostIp = `10.213.${octet}.1`;
  const peerIp = `10.213.${octet}.2`;
  const tag = netnsTag();
  const [vHost, vPeer] = [`av${tag}`, `ap${tag}`];
  const ns = await createNetns();
  try {
    await sh([
      "ip",
      "link",
      "add",
      vHost,
      "type",
      "veth",
      "peer",
      "name",
      vPeer,
    ]);
    await sh(["ip", "link", "set", vPeer, "netns", ns.name]);
    await sh(["ip", "addr", "add", `${hostIp}/24`, "dev", vHost]);
    await sh(["ip", "link", "set", vHost, "up"]);
    await sh(ns.exec(["ip", "addr", "add", `${peerIp}/24`, "dev", vPeer]));
    await sh(ns.exec(["ip", "link", "set", vPeer, "up"]));
  } catch (error) {
    await sh(["ip", "link", "del", vHost], true);
    await ns[Symbol.asyncDispose]();
    throw error;
  }
  return {
    ns,
    hostIp,
    peerIp,
    async [Symbol.asyncDispose]() {
      await ns[Symbol.asyncDispose]();
      await sh(["ip", "link", "del", vHost], true);
    },
  };
}
