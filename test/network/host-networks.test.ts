// Virtual networks on a node's host for real (lxc:///, kvm:/// share them): a bridge with its
// addresses, virtkit's nftables rules, dnsmasq answering DHCP, and nothing left after destroy or
// after a start that died half way. These tests make bridges and firewall rules, so they run only
// inside the `npm run test:vm` guest, on links and addresses they make in namespaces they make.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { ErrorNumber, openConnection, VirtError, type Connection, type Network } from "../../src/index.js";
import { needsRoot, needsTestVm, testIf } from "../support/gated.js";
import { lxcTestNode } from "../support/hosted.js";

const inGuest = testIf(needsRoot("bridges, nftables") ?? needsTestVm("bridges, addresses, firewall rules"));
const { base } = lxcTestNode("virtkit-net-test");
const netRun = join(base, "run", "network");

const NAT = (name: string, third: number, bridge = "") =>
  `<network><name>${name}</name>${bridge ? `<bridge name='${bridge}'/>` : ""}<forward mode='nat'/><ip address='192.168.${third}.1' netmask='255.255.255.0'><dhcp><range start='192.168.${third}.100' end='192.168.${third}.199'/></dhcp></ip></network>`;

const sh = (cmd: string) => spawnSync("sh", ["-c", cmd], { encoding: "utf8" });
/** A system tool by its path (under npm, PATH's node_modules/.bin has a JavaScript `nft`). */
const tool = (name: string) => ["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map((d) => join(d, name)).find(existsSync) ?? name;
const linkExists = (name: string) => existsSync(`/sys/class/net/${name}`);
const nftTable = () => sh(`${tool("nft")} list table ip virtkit_network`).stdout;
// ("[c]" keeps pgrep from finding the shell that runs it, whose command line holds the pattern)
const dnsmasqRunning = (name: string) => sh(`pgrep -f '[c]onf-file=${netRun}/${name}.conf'`).stdout.trim() !== "";

async function conn(t: import("ava").ExecutionContext): Promise<Connection> {
  const c = await openConnection("lxc:///system");
  t.teardown(async () => {
    for (const n of await c.listAllNetworks(0)) {
      const net = await c.networkLookupByName(n.name);
      if (n.active) await net.destroy().catch(() => undefined);
      if (n.persistent) await net.undefine().catch(() => undefined);
    }
    await c.close();
  });
  return c;
}

/** A DHCP client in a namespace of the test's own, on a veth whose other end is on `bridge`: the address it was given. */
function dhcpClient(t: import("ava").ExecutionContext, bridge: string, ns: string, mac: string): string {
  t.teardown(() => void sh(`ip netns del ${ns}; ip link del ${ns}h`));
  const setup = sh(`ip netns add ${ns} && ip link add ${ns}h type veth peer name ${ns}c && ip link set ${ns}c netns ${ns} && ip link set ${ns}h master ${bridge} up && ip netns exec ${ns} ip link set ${ns}c address ${mac} up`);
  t.is(setup.status, 0, setup.stderr);
  // busybox's udhcpc (the test:vm guest has busybox): ask once, print the lease, keep nothing
  const script = join(base, "udhcpc.sh");
  if (!existsSync(script)) execFileSync("sh", ["-c", `printf '#!/bin/sh\\n[ "$1" = bound ] && echo "LEASE $ip"\\nexit 0\\n' > ${script} && chmod +x ${script}`]);
  const busybox = existsSync("/run/busybox") ? "/run/busybox" : "busybox";
  const answer = sh(`ip netns exec ${ns} ${busybox} udhcpc -i ${ns}c -n -q -f -t 5 -T 3 -s ${script}`);
  return /LEASE (\S+)/.exec(answer.stdout)?.[1] ?? `no lease: ${answer.stdout}${answer.stderr}`;
}

inGuest.serial("a NAT network starts with its bridge, addresses, rules and dnsmasq, gives leases, and destroy leaves nothing", async (t) => {
  const c = await conn(t);
  const net = await c.networkDefineXML(NAT("natnet", 150));
  const bridge = await net.getBridgeName();
  t.regex(bridge, /^virbr\d+$/);
  await net.create();
  t.true(await net.isActive());
  t.regex(sh(`ip -o -4 address show dev ${bridge}`).stdout, /inet 192\.168\.150\.1\/24 brd 192\.168\.150\.255/);
  t.is(readFileSync(`/sys/class/net/${bridge}/bridge/stp_state`, "utf8").trim(), "1");
  t.is(readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim(), "1");
  t.regex(nftTable(), new RegExp(`chain net_${bridge}_nat`));
  t.true(dnsmasqRunning("natnet"), "dnsmasq runs with the network's configuration");
  const xml = await net.getXMLDesc();
  t.regex(xml, new RegExp(`<bridge name='${bridge}' stp='on' delay='0'/>\\n  <mac address='52:54:00(:[0-9a-f]{2}){3}'/>`));

  t.regex(dhcpClient(t, bridge, "vkc1", "52:54:00:aa:00:01"), /^192\.168\.150\.1\d\d$/);
  const leases = await net.getDHCPLeases();
  t.deepEqual(
    leases.map((l) => [l.mac, l.iface, l.prefix, l.type]),
    [["52:54:00:aa:00:01", bridge, 24, 0]],
  );

  // a DHCP host entry added live reaches the running dnsmasq
  await net.update(3, 4, -1, "<host mac='52:54:00:aa:00:02' name='fixed' ip='192.168.150.42'/>");
  t.is(readFileSync(join(netRun, "natnet.hostsfile"), "utf8"), "52:54:00:aa:00:02,192.168.150.42,fixed\n");
  t.is(dhcpClient(t, bridge, "vkc2", "52:54:00:aa:00:02"), "192.168.150.42");

  await net.destroy();
  t.false(linkExists(bridge), "the bridge is gone");
  t.false(dnsmasqRunning("natnet"), "dnsmasq is gone");
  t.notRegex(nftTable(), new RegExp(`net_${bridge}_`), "its rules are gone");
  for (const file of ["conf", "hostsfile", "addnhosts", "pid", "xml", "stop"]) t.false(existsSync(join(netRun, `natnet.${file}`)), file);
  await net.create(); // again, from its configuration
  t.true(linkExists(bridge));
  await net.destroy();
});

inGuest.serial("bad input and a busy host: libvirt's errors, and nothing half made", async (t) => {
  const c = await conn(t);
  // a link of the bridge's name already on the host
  t.teardown(() => void sh("ip link del vkbusy"));
  t.is(sh("ip link add vkbusy type bridge").status, 0);
  const busy = await c.networkDefineXML(NAT("busy", 151, "vkbusy"));
  const e1 = await t.throwsAsync(busy.create());
  t.is(e1?.message, "error creating bridge interface vkbusy: File exists");
  t.false(await busy.isActive());
  t.false(existsSync(join(netRun, "busy.stop")));

  // two networks whose subnets overlap
  const first = await c.networkDefineXML(NAT("first", 152));
  await first.create();
  const wide = await c.networkDefineXML(`<network><name>wide</name><forward mode='nat'/><ip address='192.168.0.1' prefix='16'/></network>`);
  const e2 = await t.throwsAsync(wide.create());
  t.is(e2?.message, `internal error: Network is already in use by interface ${await first.getBridgeName()}`);
  t.false(linkExists(await wide.getBridgeName()), "no bridge made");

  // a bridge name another network has
  const e3 = await t.throwsAsync(c.networkDefineXML(NAT("twin", 153, await first.getBridgeName())));
  t.is(e3?.message, `internal error: bridge name '${await first.getBridgeName()}' already in use.`);
  // a DHCP range outside the subnet
  const e4 = await t.throwsAsync(c.networkDefineXML(NAT("out", 154).replace("192.168.154.199", "192.168.155.9")));
  t.regex(e4?.message ?? "", /^internal error: range 192\.168\.154\.100 - 192\.168\.155\.9 is not entirely within network 192\.168\.154\.1\/24$/);

  // no dnsmasq on PATH: the start fails at its last step and undoes the others
  const bin = join(base, "bin-without-dnsmasq");
  mkdirSync(bin, { recursive: true });
  for (const name of ["ip", "nft"]) if (!existsSync(join(bin, name))) symlinkSync(tool(name), join(bin, name));
  const path = process.env.PATH;
  const lonely = await c.networkDefineXML(NAT("lonely", 155));
  const lonelyBridge = await lonely.getBridgeName();
  process.env.PATH = bin;
  try {
    const e5 = (await t.throwsAsync(lonely.create(), { instanceOf: VirtError })) as VirtError | undefined;
    t.is(e5?.code, ErrorNumber.VIR_ERR_SYSTEM_ERROR);
    t.is(e5?.message, "Unable to find 'dnsmasq' binary in $PATH: No such file or directory");
  } finally {
    process.env.PATH = path;
  }
  t.false(linkExists(lonelyBridge), "its bridge was removed");
  t.notRegex(nftTable(), new RegExp(`net_${lonelyBridge}_`), "its rules were removed");
  rmSync(bin, { recursive: true, force: true });
});

inGuest.serial("a start whose process died half way is undone by the next change; networks are the node's, not the process's", async (t) => {
  const c = await conn(t);
  const net: Network = await c.networkDefineXML(NAT("orphan", 156));
  await net.create();
  const bridge = await net.getBridgeName();
  // what a start that died after its steps leaves: the steps' results and its stop file, no live definition
  rmSync(join(netRun, "orphan.xml"));
  const other = await openConnection("lxc:///system");
  t.teardown(() => other.close());
  t.false(await (await other.networkLookupByName("orphan")).isActive(), "another process sees it stopped");
  await (await other.networkDefineXML(NAT("bystander", 157))).undefine(); // any change undoes it first
  t.false(linkExists(bridge), "its bridge is gone");
  t.false(dnsmasqRunning("orphan"), "its dnsmasq is gone");
  t.notRegex(nftTable(), new RegExp(`net_${bridge}_`));
  await net.create();
  t.true(await (await other.networkLookupByName("orphan")).isActive(), "a start in one process shows in another");
  await net.destroy();
});
