// What the core decides for a network on a node's host (lxc:///, kvm:///): the bridge name and
// MAC libvirt's network driver assigns at define, and the steps that start and stop it
// (core-wasm/network/host-plan.ts), in libvirt's order. Nothing here touches the host.
import test from "ava";
import { Core, coreModule } from "../../src/host/core.js";
import { nodeCoreImports } from "../../src/host/core-imports.js";
import { decodeLines } from "../../src/drivers/hosted/plan-lines.js";

const core = new Core(coreModule(), nodeCoreImports);
const STATE = "/run/virtkit/network";
const NAT = `<network><name>nat</name><forward mode='nat'/><ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/><host mac='52:54:00:00:00:01' name='a' ip='192.168.122.9'/></dhcp></ip></network>`;

function node(devices: string[] = []): number {
  const handle = core.hostedNodeOpen("kvm", "/run/virtkit/kvm", "/var/lib/virtkit/kvm/dump", "");
  core.networkClear(handle, devices.join("\t"));
  return handle;
}

const verbs = (plan: string) => decodeLines(plan).map((l) => l[0]);

test("a defined network gets the first free virbrN (not another network's, not a host interface's) and a 52:54:00 MAC", (t) => {
  const h = node(["virbr0", "eth0"]);
  const first = core.networkDefine(h, NAT);
  const xml = core.networkXML(h, first, 1);
  t.regex(xml, /<bridge name='virbr1' stp='on' delay='0'\/>\n {2}<mac address='52:54:00(:[0-9a-f]{2}){3}'\/>/);
  const second = core.networkDefine(h, NAT.replace("<name>nat</name>", "<name>iso</name>").replace("<forward mode='nat'/>", ""));
  t.regex(core.networkXML(h, second, 1), /<bridge name='virbr2'/);
  t.is(core.networkXML(h, core.networkDefine(h, xml), 1), xml, "a redefinition keeps its bridge and MAC");
  const taken = t.throws(() => core.networkDefine(h, "<network><name>x</name><bridge name='virbr1'/></network>"));
  t.is(taken?.message, "internal error: bridge name 'virbr1' already in use.");
});

test("starting a NAT network: libvirt's steps in its order; stopping undoes them, dnsmasq first", (t) => {
  const h = node();
  const net = core.networkDefine(h, NAT);
  const start = decodeLines(core.networkStartPlan(h, net, STATE, false));
  t.deepEqual(start.map((l) => l[0]), ["routes-free", "bridge", "bridge-delay", "bridge-stp", "write-ipv6", "firewall", "address", "up", "forward", "file", "file", "file", "dnsmasq"]);
  t.deepEqual(start[0], ["routes-free", "192.168.122.1/24"]);
  t.deepEqual(start[6], ["address", "virbr0", "192.168.122.1/24"]);
  t.deepEqual(start[8], ["forward", "/proc/sys/net/ipv4/ip_forward"]);
  t.regex(start[5][1], /^add table ip virtkit_network\n/);
  t.regex(start[9][2], /^interface=virbr0$/m);
  t.deepEqual(start[10], ["file", `${STATE}/nat.hostsfile`, "52:54:00:00:00:01,192.168.122.9,a\n"]);
  t.deepEqual(start[12], ["dnsmasq", `${STATE}/nat.conf`, `${STATE}/nat.pid`, `${STATE}/nat.leases`, "virbr0"]);
  t.deepEqual(verbs(core.networkStopPlan(h, net, STATE)), ["stop", "down", "firewall-remove", "delete", "kill", "remove"]);
});

test("an isolated network turns no forwarding on; an open one has no firewall; a host bridge needs no step", (t) => {
  const h = node();
  const isolated = core.networkDefine(h, NAT.replace("<forward mode='nat'/>", ""));
  t.false(core.networkStartPlan(h, isolated, STATE, false).includes("ip_forward"));
  const open = core.networkDefine(h, NAT.replace("<name>nat</name>", "<name>open</name>").replace("nat'/>", "open'/>"));
  t.false(verbs(core.networkStartPlan(h, open, STATE, false)).includes("firewall"));
  const bridged = core.networkDefine(h, "<network><name>br</name><forward mode='bridge'/><bridge name='br0'/></network>");
  t.is(core.networkStartPlan(h, bridged, STATE, false), "", "a host bridge needs no step");
});

test("a running network refuses a second start, and another whose subnet overlaps its own", (t) => {
  const h = node();
  const net = core.networkDefine(h, NAT);
  core.networkOp(h, net, 1); // running
  t.throws(() => core.networkStartPlan(h, net, STATE, false), { message: "Requested operation is not valid: network is already active" });
  const wide = core.networkCreateXML(h, "<network><name>wide</name><ip address='192.168.0.1' prefix='16'/></network>");
  const e = t.throws(() => core.networkStartPlan(h, wide, STATE, true));
  t.is(e?.message, "internal error: Network is already in use by interface virbr0");
  const apart = core.networkCreateXML(h, "<network><name>apart</name><ip address='10.9.0.1' prefix='24'/></network>");
  t.true(verbs(core.networkStartPlan(h, apart, STATE, true)).includes("bridge"));
});

test("the hosts files are written, and removed, where the configuration names them, a name with quotes included", (t) => {
  const h = node();
  const net = core.networkDefine(h, NAT.replace("<name>nat</name>", "<name>a\"b&amp;c</name>"));
  const start = decodeLines(core.networkStartPlan(h, net, STATE, false));
  const conf = start.find((l) => l[0] === "file" && l[1].endsWith(".conf"))![2];
  const named = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(conf)![1];
  const written = start.filter((l) => l[0] === "file").map((l) => l[1]);
  t.true(written.includes(named("dhcp-hostsfile")), "the DHCP hosts file");
  t.true(written.includes(named("addn-hosts")), "the DNS hosts file");
  const removed = decodeLines(core.networkStopPlan(h, net, STATE)).find((l) => l[0] === "remove")!;
  t.true(removed.includes(named("dhcp-hostsfile")) && removed.includes(named("addn-hosts")));
});
