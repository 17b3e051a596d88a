// Virtual networks on a node's host for real (lxc:///, kvm:/// share them): a bridge with its
// addresses, virtkit's nftables rules, dnsmasq answering DHCP, and nothing left after destroy or
// after a start that died half way. These tests make bridges and firewall rules, so they run only
// inside the `npm run test:vm` guest, on links and addresses they make in namespaces they make.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorNumber, openConnection, VirtError, type Connection, type Network } from "../../src/index.js";
import { needsRoot, needsTestVm, testIf } from "../support/gated.js";
import { instanceFile, lxcTestNode } from "../support/hosted.js";
import { runCli } from "../support/cli.js";

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

// ---- containers on networks ------------------------------------------------------------------------

const lxcRun = join(base, "run", "lxc");

/** busybox where a container sees it (the test's own folder; the guest's /run is not the container's). */
function busybox(): string {
  const copy = join(base, "busybox");
  if (!existsSync(copy)) execFileSync("cp", [existsSync("/run/busybox") ? "/run/busybox" : tool("busybox"), copy]);
  return copy;
}

/** A udhcpc script: the link up, then the lease's address and default route on it. */
function dhcpScript(bb: string): string {
  const script = join(base, "dhcp-config.sh");
  writeFileSync(
    script,
    `#!${bb} sh\ncase "$1" in\ndeconfig) ${bb} ip link set "$interface" up ;;\nbound|renew) ${bb} ip addr add "$ip/$mask" dev "$interface"; [ -n "$router" ] && ${bb} ip route add default via "$router" ;;\nesac\nexit 0\n`,
  );
  chmodSync(script, 0o755);
  return script;
}

/** A container whose init asks for a lease (with its name as DHCP hostname) and then waits, or only waits. */
function container(name: string, interfaces: string, dhcp: boolean): string {
  const bb = busybox();
  const program = dhcp ? `${bb} udhcpc -i eth0 -f -q -t 20 -T 1 -s ${dhcpScript(bb)} -x hostname:${name}; exec ${bb} sleep 100000` : `exec ${bb} sleep 100000`;
  return `<domain type='lxc'><name>${name}</name><memory unit='MiB'>64</memory><os><type>exe</type><init>${bb}</init><initarg>sh</initarg><initarg>-c</initarg><initarg>${program}</initarg></os><devices>${interfaces}</devices></domain>`;
}

/** A command in a container's network namespace (from the host: its tools, its view of the container's links). */
function inNetns(name: string, command: string): ReturnType<typeof sh> {
  const init = /^init (\d+)$/m.exec(readFileSync(instanceFile(lxcRun, name, "status"), "utf8"))?.[1];
  return sh(`nsenter --net=/proc/${init}/ns/net ${command}`);
}

/** Waits (at most 60 s: DHCP under emulation is slow) until the container's eth0 has an IPv4 address; the address. */
async function addressOf(name: string): Promise<string> {
  for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const m = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(inNetns(name, `${busybox()} ip -4 addr show dev eth0`).stdout);
    if (m) return m[1];
  }
  return "none";
}

/** Waits (at most 30 s) until every port of the bridge forwards: with STP on, a new port listens and learns first. */
async function portsForwarding(bridge: string): Promise<boolean> {
  for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const ports = readdirSync(`/sys/class/net/${bridge}/brif`);
    if (ports.length > 0 && ports.every((p) => readFileSync(`/sys/class/net/${bridge}/brif/${p}/state`, "utf8").trim() === "3")) return true;
  }
  return false;
}

inGuest.serial("containers on a NAT network: veths on its bridge, leases from its dnsmasq, each other's names, and nothing left", async (t) => {
  const c = await conn(t);
  const net = await c.networkDefineXML(NAT("lan", 160).replace("<forward", "<domain name='lan'/><forward"));
  await net.create();
  const bridge = await net.getBridgeName();
  const doms = [];
  for (const [name, mac] of [["ca", "52:54:00:bb:00:01"], ["cb", "52:54:00:bb:00:02"]]) {
    const dom = await c.createXML(container(name, `<interface type='network'><mac address='${mac}'/><source network='lan'/></interface>`, true), 0);
    t.teardown(() => dom.destroy().catch(() => undefined));
    doms.push(dom);
  }
  const [a, b] = [await addressOf("ca"), await addressOf("cb")];
  t.regex(a, /^192\.168\.160\.1\d\d$/);
  t.regex(b, /^192\.168\.160\.1\d\d$/);
  const live = await doms[0].getXMLDesc(0);
  t.regex(live, new RegExp(`<source network='lan' bridge='${bridge}'/>`), "the live XML names the network's bridge");
  const hostEnd = /<target dev='(vnet\d+)'\/>/.exec(live)?.[1] ?? "";
  t.is(readFileSync(`/sys/class/net/${hostEnd}/master/uevent`, "utf8").match(/INTERFACE=(\S+)/)?.[1], bridge, "the outside end is on the bridge");
  t.regex(inNetns("ca", `${busybox()} ip link show eth0`).stdout, /link\/ether 52:54:00:bb:00:01/, "the inside end has the interface's MAC");

  t.deepEqual(
    (await net.getDHCPLeases()).map((l) => [l.mac, l.ipaddr, l.hostname]).sort(),
    [
      ["52:54:00:bb:00:01", a, "ca"],
      ["52:54:00:bb:00:02", b, "cb"],
    ],
  );
  t.deepEqual(await doms[0].interfaceAddresses(0 /* LEASE */), [{ name: hostEnd, hwaddr: "52:54:00:bb:00:01", addrs: [{ type: 0, addr: a, prefix: 24 }] }], "domifaddr --source lease");
  t.true(await portsForwarding(bridge), "the bridge's ports forward");
  t.is(inNetns("ca", `${busybox()} ping -c 1 -W 5 ${b}`).status, 0, "one container reaches the other");
  const counted = await doms[0].interfaceStats(hostEnd);
  t.true(counted.tx_packets > 0 && counted.rx_packets > 0, "domifstat counts the container's traffic (as the container sees it)");
  t.is(inNetns("cb", `${busybox()} ping -c 1 -W 5 192.168.160.1`).status, 0, "and the bridge");
  t.regex(inNetns("ca", `${busybox()} nslookup cb 192.168.160.1`).stdout, new RegExp(`Address:? *(1: )?${b.replace(/\./g, "\\.")}`), "dnsmasq answers the other's name");

  // destroyed under its containers: their links stay, off any bridge, until they restart (libvirt's behaviour)
  await net.destroy();
  t.false(linkExists(bridge));
  t.true(linkExists(hostEnd), "the container's veth stays");
  await net.create();
  t.true(linkExists(bridge), "started again");
  t.false(existsSync(`/sys/class/net/${hostEnd}/master`), "the running container's veth stays off the new bridge");
  await doms[1].destroy(); // (transient: it goes)
  doms[1] = await c.createXML(container("cb", "<interface type='network'><mac address='52:54:00:bb:00:02'/><source network='lan'/></interface>", false), 0); // started again: plugged in again
  const again = /<target dev='(vnet\d+)'\/>/.exec(await doms[1].getXMLDesc(0))?.[1] ?? "";
  t.true(existsSync(`/sys/class/net/${again}/master`), "a container started again is on the new bridge");
  for (const dom of doms) await dom.destroy();
  t.false(linkExists(hostEnd), "a veth goes with its container");
  await net.destroy();
  t.false(linkExists(bridge), "no bridge left");
  t.false(dnsmasqRunning("lan"), "no dnsmasq left");
  t.notRegex(nftTable(), new RegExp(`net_${bridge}_`), "no rule left");
});

inGuest.serial("at boot autostart networks start before autostart domains; a network outlives the process that started it", async (t) => {
  const c = await conn(t);
  const net = await c.networkDefineXML(NAT("boot", 163));
  await net.setAutostart(true);
  const dom = await c.defineXML(container("cboot", "<interface type='network'><source network='boot'/></interface>", false));
  t.teardown(() => dom.undefine().catch(() => undefined));
  await dom.setAutostart(true);
  // another process starts the network and ends; its bridge and dnsmasq go on
  const starter = join(base, "start-boot.mts");
  writeFileSync(starter, `import { openConnection } from ${JSON.stringify(join(import.meta.dirname, "../../src/index.js"))};\nconst c = await openConnection("lxc:///system");\nawait (await c.networkLookupByName("boot")).create();\nawait c.close();\n`);
  const started = spawnSync(process.execPath, ["--import", "tsx", starter], { encoding: "utf8" });
  t.is(started.status, 0, started.stderr);
  t.true(await net.isActive());
  t.true(dnsmasqRunning("boot"), "its dnsmasq outlived it");
  await net.destroy();
  // a host boot: a fresh run directory (the configuration stays); the first connection autostarts
  const run = process.env.VIRTKIT_RUN_DIR;
  process.env.VIRTKIT_RUN_DIR = join(base, "run-after-boot");
  try {
    const booted = await openConnection("lxc:///system");
    t.teardown(async () => {
      await (await booted.lookupByName("cboot")).destroy().catch(() => undefined);
      await (await booted.networkLookupByName("boot")).destroy().catch(() => undefined);
      await booted.close();
    });
    t.true(await (await booted.networkLookupByName("boot")).isActive(), "the network autostarted");
    t.true(await (await booted.lookupByName("cboot")).isActive(), "and the container on it after it");
    await (await booted.lookupByName("cboot")).destroy();
    await (await booted.networkLookupByName("boot")).destroy();
  } finally {
    process.env.VIRTKIT_RUN_DIR = run;
  }
});

inGuest.serial("an isolated network: its containers reach each other, not what lies beyond the host", async (t) => {
  const c = await conn(t);
  const iso = await c.networkCreateXML("<network><name>iso</name><ip address='192.168.161.1' prefix='24'/></network>");
  const bridge = await iso.getBridgeName();
  // beyond the host: an address in a namespace of the test's own, routed through the host
  t.teardown(() => void sh("ip netns del vkbeyond; ip link del vkbeyondh"));
  t.is(sh("ip netns add vkbeyond && ip link add vkbeyondh type veth peer name vkbeyondc && ip link set vkbeyondc netns vkbeyond && ip address add 10.77.0.1/24 dev vkbeyondh && ip link set vkbeyondh up && ip netns exec vkbeyond ip address add 10.77.0.2/24 dev vkbeyondc && ip netns exec vkbeyond ip link set vkbeyondc up && ip netns exec vkbeyond ip route add default via 10.77.0.1").status, 0);
  const statics: [string, string][] = [["ia", "192.168.161.10"], ["ib", "192.168.161.11"]];
  for (const [name, ip] of statics) {
    const dom = await c.createXML(container(name, `<interface type='network'><source network='iso'/><ip address='${ip}' prefix='24'/><route family='ipv4' address='0.0.0.0' prefix='0' gateway='192.168.161.1'/></interface>`, false), 0);
    t.teardown(() => dom.destroy().catch(() => undefined));
  }
  t.regex(inNetns("ia", `${busybox()} ip -4 addr show dev eth0`).stdout, /inet 192\.168\.161\.10\/24/, "the static address from <ip>");
  t.regex(inNetns("ia", `${busybox()} ip route`).stdout, /default via 192\.168\.161\.1 dev eth0/, "the route from <route>");
  t.true(await portsForwarding(bridge), "the bridge's ports forward");
  t.is(inNetns("ia", `${busybox()} ping -c 1 -W 5 192.168.161.11`).status, 0, "the containers reach each other");
  t.not(inNetns("ia", `${busybox()} ping -c 1 -W 2 10.77.0.2`).status, 0, "nothing is forwarded out of an isolated network");
  await iso.destroy();
  t.false(linkExists(bridge));
});

inGuest.serial("an interface on a stopped or unknown network fails the start with libvirt's error, leaving nothing", async (t) => {
  const c = await conn(t);
  const off = await c.networkDefineXML(NAT("off", 162));
  t.teardown(() => off.undefine().catch(() => undefined));
  const e1 = await t.throwsAsync(c.createXML(container("cz", "<interface type='network'><source network='off'/></interface>", false), 0));
  t.is(e1?.message, "Requested operation is not valid: network 'off' is not active");
  const e2 = await t.throwsAsync(c.createXML(container("cz", "<interface type='network'><source network='nowhere'/></interface>", false), 0));
  t.is(e2?.message, "Network not found: no network with matching name 'nowhere'");
  const e3 = await t.throwsAsync(c.createXML(container("cz", "<interface type='bridge'><source bridge='vknobridge'/></interface>", false), 0));
  t.regex(e3?.message ?? "", /^internal error: guest failed to start: veth eth0: No such device$/);
  t.deepEqual(await c.listAllDomains(0), []);
  t.is(sh("ls /sys/class/net | grep -c '^vnet'").stdout.trim(), "0", "no veth left");
});

inGuest.serial("routed and open networks forward, with and without rules; a host bridge's network puts containers on that bridge", async (t) => {
  const c = await conn(t);
  const routed = await c.networkCreateXML("<network><name>routed</name><forward mode='route'/><ip address='192.168.164.1' prefix='24'/></network>");
  const routedBridge = await routed.getBridgeName();
  t.regex(nftTable(), new RegExp(`chain net_${routedBridge}_output`), "a routed network has libvirt's rules");
  t.notRegex(nftTable(), new RegExp(`chain net_${routedBridge}_nat`), "and no NAT");
  t.is(readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim(), "1");
  await routed.destroy();
  const open = await c.networkCreateXML("<network><name>open</name><forward mode='open'/><ip address='192.168.165.1' prefix='24'/></network>");
  const openBridge = await open.getBridgeName();
  t.true(linkExists(openBridge));
  t.notRegex(nftTable(), new RegExp(`net_${openBridge}_`), "an open network has no rules");
  await open.destroy();
  t.false(linkExists(openBridge));

  // forward mode bridge: the host's own bridge, which the network neither makes nor removes
  t.teardown(() => void sh("ip link del vkhostbr"));
  t.is(sh("ip link add vkhostbr type bridge && ip link set vkhostbr up").status, 0);
  const hostBridge = await c.networkCreateXML("<network><name>hostbr</name><forward mode='bridge'/><bridge name='vkhostbr'/></network>");
  const dom = await c.createXML(container("chb", "<interface type='network'><mac address='52:54:00:cc:00:01'/><source network='hostbr'/></interface>", false), 0);
  t.teardown(() => dom.destroy().catch(() => undefined));
  const hostEnd = /<target dev='(vnet\d+)'\/>/.exec(await dom.getXMLDesc(0))?.[1] ?? "";
  t.regex(sh(`${tool("ip")} -o link show master vkhostbr`).stdout, new RegExp(`${hostEnd}`), "the container's veth is on the host's bridge");
  const listed = await runCli(["-c", "lxc:///system", "domiflist chb"]);
  t.is(listed.stdout, ` Interface   Type      Source   Model   MAC\n${"-".repeat(59)}\n ${hostEnd.padEnd(11)} network   hostbr   -       52:54:00:cc:00:01\n\n`, "domiflist, as virsh prints it");
  await dom.destroy();
  await hostBridge.destroy();
  t.true(linkExists("vkhostbr"), "the host's bridge stays");
});
