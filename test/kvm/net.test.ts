// kvm:/// guests on the network, for real: two guests with virtio NICs on one bridge (or on a
// virtkit network, <interface type='network'>), in a network
// namespace this test creates (net-guests.ts runs the scenario there, inside the test:vm guest),
// ping each other and the host, and move 64 MiB over TCP with a checksum; the host side of each
// tap counts their traffic (domifstat), the host's ARP table finds their addresses (domifaddr
// --source arp), the live XML names their taps, and the taps go with the domains.
import test, { type ExecutionContext } from "ava";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { kvmTestNode } from "../support/hosted.js";
import { needsRoot, testIf } from "../support/gated.js";
import { cannotBootReason } from "./guest.js";

/** Taps and bridges, tried in a namespace of their own (test:vm's kernel loads tun and bridge). */
const tapsAndBridges = spawnSync("unshare", ["--net", "sh", "-c", "test -c /dev/net/tun && ip link add vkprobe0 type bridge"], { stdio: "ignore" }).status === 0 ? undefined : "needs tun and bridge in the kernel and ip(8): npm run test:kvm has them";
const netGuestTest = testIf(needsRoot("kvm:///system's state and processes, taps and bridges") ?? cannotBootReason ?? tapsAndBridges);
const { base } = kvmTestNode("virtkit-kvm-net");
test.after.always(() => rmSync(base, { recursive: true, force: true }));

const MIB = Number(process.env.VIRTKIT_KVM_NET_MIB ?? 64);
const scenario = fileURLToPath(new URL("net-guests.ts", import.meta.url));

/** Runs net-guests.ts in a network namespace of its own: its RESULT, or undefined (the test failed, saying why). */
function runScenario(t: ExecutionContext, env: Record<string, string>): Record<string, any> | undefined {
  const run = spawnSync("unshare", ["--net", "--", process.execPath, "--import", "tsx", scenario], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 1_500_000 });
  const line = run.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) {
    t.fail(`the scenario failed (exit ${run.status}): ${run.stderr.slice(-3000)}\n${run.stdout.slice(-2000)}`);
    return undefined;
  }
  const r = JSON.parse(line.slice("RESULT ".length));
  t.teardown(() => {
    if (!t.passed) t.log(`the guests' consoles' ends:\n${r.consoles.join("\n----\n")}`);
  });
  return r;
}

netGuestTest.serial("two guests on a bridge ping each other and move 64 MiB over TCP intact through vhost-net; each tap counts its guest's traffic", (t) => {
  const r = runScenario(t, { VIRTKIT_KVM_NET_DRIVER: "vhost" });
  if (!r) return;
  t.is(r.vhostOwners, 2, "each VMM's rings are served by a vhost-net worker");
  t.log(`${MIB} MiB guest to guest in ${r.seconds.toFixed(1)} s (${(MIB / r.seconds).toFixed(1)} MiB/s, nested KVM under QEMU TCG)`);
  t.deepEqual(r.up, [["52:54:00:00:00:01", "1500"], ["52:54:00:00:00:02", "1500"]], "each guest's NIC has its <mac>");
  t.is(r.pings, 3);
  t.truthy(r.sent);
  t.is(r.received, r.sent, "every byte arrived, in order");
  t.deepEqual(r.tapNames, ["vnet0", "vnet1"], "the live XML names the taps the kernel numbered");
  t.regex(r.bridgePorts, /vnet0.*master vkbr0[\s\S]*vnet1.*master vkbr0/);
  const [s1, s2] = r.stats;
  t.true(s1.tx_bytes >= MIB << 20, "the sender's tap took what its guest sent");
  t.true(s2.rx_bytes >= MIB << 20, "the receiver's tap gave its guest what it received");
  t.true(s1.rx_packets > 0 && s2.tx_packets > 0, "and the acknowledgements the other way");
  t.deepEqual(r.statsByMac.tx_bytes >= s1.tx_bytes, true, "found by MAC too");
  t.deepEqual(r.arp, [{ name: "vnet0", hwaddr: "52:54:00:00:00:01", addrs: [{ type: 0, addr: "10.0.0.1", prefix: 0 }] }]);
  t.is(r.domiflist, ` Interface   Type     Source   Model    MAC\n${"-".repeat(59)}\n vnet0       bridge   vkbr0    virtio   52:54:00:00:00:01\n\n`);
  t.regex(r.domifstat, /^vnet0 rx_bytes \d+\nvnet0 rx_packets \d+\nvnet0 rx_errs 0\nvnet0 rx_drop \d+\nvnet0 tx_bytes \d+\nvnet0 tx_packets \d+\nvnet0 tx_errs 0\nvnet0 tx_drop \d+\n\n$/);
  t.is(r.domifaddr, ` Name       MAC address          Protocol     Address\n${"-".repeat(79)}\n vnet0      52:54:00:00:00:01    ipv4         10.0.0.1/0\n\n`);
  t.deepEqual(r.tapsLeft, [], "the taps went with the domains");
});

netGuestTest.serial("on a virtual network, with <driver name='qemu'> (the VMM serves the rings itself): 16 MiB over TCP intact", (t) => {
  const r = runScenario(t, { VIRTKIT_KVM_NET_DRIVER: "qemu", VIRTKIT_KVM_NET_MIB: "16", VIRTKIT_KVM_NET_NETWORK: "1" });
  if (!r) return;
  t.is(r.source, "<source network='kvmnet' bridge='vkbr0'/>", "the live XML names the network's bridge");
  t.regex(r.bridgePorts, /vnet0.*master vkbr0[\s\S]*vnet1.*master vkbr0/, "the taps are on it");
  t.log(`16 MiB guest to guest in ${r.seconds.toFixed(1)} s without vhost-net`);
  t.is(r.vhostOwners, 0);
  t.truthy(r.sent);
  t.is(r.received, r.sent, "every byte arrived, in order");
  t.true(r.stats[0].tx_bytes >= 16 << 20);
});
