/**
 * Remote peers for real: a network namespace joined to this one by a veth
 * pair plays another machine on the LAN. Needs root and `ip netns`; the test
 * is skipped, saying why, where that is impossible.
 */
import { assertEquals, assertStringIncludes } from "../../_assert.ts";
import { startHub } from "../../_util.ts";
import { createLanPair, netnsUnavailable, sh } from "../../_netns.ts";

let skip = await netnsUnavailable();
if (!skip && !(await sh(["sh", "-c", "command -v curl"], true)).trim()) {
  skip = "curl is not installed";
}
if (skip) {
  // deno-lint-ignore no-console
  console.warn(`remote_test: skipped: ${skip}`);
}

Deno.test({
  name:
    "access guard: a peer on another host is refused while remote access is off, needs the token, and is served with it",
  ignore: skip !== "",
  async fn() {
    await using lan = await createLanPair();
    const { hostIp, ns } = lan;
    const token = "remote-test-token-0123456789";
    await using hub = await startHub({
      allowNet: "0.0.0.0",
      args: ["--host", "0.0.0.0", "--allow-remote", "--token", token],
    });
    const port = new URL(hub.url).port;
    const fromPeer = async (auth?: string) => {
      const out = await sh([
        ...ns.exec([]),
        "curl",
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--max-time",
        "5",
        ...(auth ? ["-H", `Authorization: Bearer ${auth}`] : []),
        `http://${hostIp}:${port}/v1/channels`,
      ], true);
      return Number(out.trim());
    };
    assertEquals(await fromPeer(), 401);
    const refusal = (await sh([
      ...ns.exec([]),
      "curl",
      "-s",
      "-D",
      "-",
      "-o",
      "/dev/null",
      "--max-time",
      "5",
      `http://${hostIp}:${port}/v1/channels`,
    ], true)).toLowerCase();
    assertStringIncludes(refusal, 'www-authenticate: bearer realm="arc"');
    assertStringIncludes(refusal, "x-arc-instance: mh1-");
    assertEquals(await fromPeer("wrong-token-0123456789"), 401);
    assertEquals(await fromPeer(token), 200);
    // Loopback peers need no token.
    assertEquals((await hub.api("GET", "/v1/channels")).status, 200);

    // Turning remote access off closes the door per request, even with the token.
    const off = await hub.api("POST", "/v1/network", { allow_remote: false });
    assertEquals(off.body.result, {
      allow_remote: false,
      listen_host: "0.0.0.0",
    });
    assertEquals(await fromPeer(token), 403);
    assertEquals((await hub.api("GET", "/v1/channels")).status, 200);
    const on = await hub.api("POST", "/v1/network", { allow_remote: true });
    assertEquals(on.body.result.allow_remote, true);
    assertEquals(await fromPeer(token), 200);
  },
});
