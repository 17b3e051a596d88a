// The host steps that start and stop a virtual network on a node, as plan lines the host carries
// out in order (src/drivers/network/host-steps.ts): libvirt's networkStartNetworkVirtual and
// networkShutdownNetworkVirtual for the forward modes that make their own bridge (none, nat,
// route, open). Forward mode bridge and the device pools need no host step.
//
// Start: routes-free, bridge, mtu, forward delay and STP, the bridge's IPv6 settings, firewall,
// addresses, up, routes, forwarding, dnsmasq's files, dnsmasq. Stop (also what a destroy after
// a crashed start runs, so every step there tolerates what is already gone): dnsmasq stopped,
// bridge down, firewall removed, bridge deleted, dnsmasq killed if still there, files removed.
import { ByteBuf } from "../util/bytes";
import { Doc } from "../xml/dom";
import { S } from "../xml/names.gen";
import { copyIntoDoc } from "../xml/parser";
import { PlanWriter } from "../drivers/hosted/plan-writer";
import { formatIp, IpAddress, parseIp, samePrefix } from "./addresses";
import { attr, checkedBridge, checkedMode, checkedName, checkNetwork, children, effectivePrefix, has, unsigned } from "./network-xml";
import { conf, dhcpHosts, dnsHosts, dnsmasqConfig, dnsmasqNeeded, hostsFilesBase } from "./dnsmasq-config";
import { buildRules } from "./firewall-rules";
import { writeFirewall } from "./nft-script";
import { FirewallForm } from "../abi/enums.gen";

const firewall = new ByteBuf(2048);

/** The checked network's firewall script in `form` (APPLY or REMOVE) as a plan line; nothing for a network without one (open). */
function firewallLine(plan: PlanWriter, verb: string, form: i32): bool {
  firewall.clear();
  if (checkedMode() == "open") return true;
  if (!buildRules() || !writeFirewall(firewall, form)) return false;
  if (firewall.length > 0) plan.line([verb, text(firewall)]);
  return true;
}

const doc = new Doc();
const address = new IpAddress();
const other = new IpAddress();

/** Whether a forward mode makes a bridge of its own (the steps below apply to it). */
export function makesBridge(mode: string): bool {
  return mode == "none" || mode == "nat" || mode == "route" || mode == "open";
}

/** Its configuration, pid and lease files under stateDir, named after the network (the hosts files: hostsFilesBase). */
function fileBase(stateDir: string, name: string): string {
  return stateDir + "/" + name;
}

/** Checks a stored definition into the parse state; false with libvirt's error. */
function load(def: string): bool {
  return checkNetwork(doc, copyIntoDoc(doc, String.UTF8.encode(def)));
}

/** The start steps of network `name`'s live definition `def`; false with libvirt's error. */
export function writeStartPlan(out: ByteBuf, def: string, name: string, stateDir: string): bool {
  const base = fileBase(stateDir, name);
  // dnsmasqConfig checks the definition (leaving its parse state for the steps below) and writes
  // its files, none for a network that makes no bridge
  if (!dnsmasqConfig(doc, copyIntoDoc(doc, String.UTF8.encode(def)), stateDir, base + ".pid")) return false;
  const mode = checkedMode();
  if (!makesBridge(mode)) return true;
  const plan = new PlanWriter(out);
  const bridge = checkedBridge();
  const root = doc.root;
  const ips = children(root, S.ip);
  const routesFree = ["routes-free"];
  for (let i = 0; i < ips.length; i++) {
    parseIp(attr(ips[i], S.address), address);
    if (address.family == 4) routesFree.push(formatIp(address) + "/" + effectivePrefix(ips[i], address).toString());
  }
  if (routesFree.length > 1) plan.line(routesFree);
  plan.line(["bridge", bridge, attr(doc.child(root, S.mac), S.address)]);
  const mtu = unsigned(attr(doc.child(root, S.mtu), S.size));
  if (mtu > 0) plan.line(["mtu", bridge, mtu.toString()]);
  const bridgeElement = doc.child(root, S.bridge);
  const delay = unsigned(attr(bridgeElement, S.delay));
  // the kernel counts the forward delay in hundredths of a second; the delay before STP, as libvirt
  plan.line(["bridge-delay", bridge, (delay > 0 ? delay * 100 : 0).toString()]);
  plan.line(["bridge-stp", bridge, attr(bridgeElement, S.stp) == "off" ? "0" : "1"]);
  let hasV4 = false;
  let hasV6 = false;
  for (let i = 0; i < ips.length; i++) {
    parseIp(attr(ips[i], S.address), address);
    if (address.family == 4) hasV4 = true;
    else hasV6 = true;
  }
  // a host without IPv6 has no such files: the three are skipped together
  plan.line(["write-ipv6", bridge, hasV6 ? "0" : "1"]);
  if (!firewallLine(plan, "firewall", FirewallForm.APPLY)) return false;
  for (let i = 0; i < ips.length; i++) {
    parseIp(attr(ips[i], S.address), address);
    plan.line(["address", bridge, formatIp(address) + "/" + effectivePrefix(ips[i], address).toString()]);
  }
  plan.line(["up", bridge]);
  const routes = children(root, S.route);
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i];
    if (!has(r, S.gateway)) continue;
    parseIp(attr(r, S.address), address);
    const prefix = effectivePrefix(r, address);
    plan.line(["route", bridge, formatIp(address) + "/" + prefix.toString(), attr(r, S.gateway), has(r, S.metric) ? attr(r, S.metric) : "1"]);
  }
  if (mode != "none") {
    if (hasV4) plan.line(["forward", "/proc/sys/net/ipv4/ip_forward"]);
    if (hasV6) plan.line(["forward", "/proc/sys/net/ipv6/conf/all/forwarding"]);
  }
  if (dnsmasqNeeded()) {
    plan.line(["file", base + ".conf", text(conf)]);
    const hosts = hostsFilesBase(stateDir, name);
    plan.line(["file", hosts + ".hostsfile", text(dhcpHosts)]);
    plan.line(["file", hosts + ".addnhosts", text(dnsHosts)]);
    plan.line(["dnsmasq", base + ".conf", base + ".pid", base + ".leases", bridge]);
  }
  return true;
}

/** The stop steps of the live definition `def` (tolerant of what is gone); false with libvirt's error. */
export function writeStopPlan(out: ByteBuf, def: string, stateDir: string): bool {
  if (!load(def)) return false;
  if (!makesBridge(checkedMode())) return true;
  const plan = new PlanWriter(out);
  const bridge = checkedBridge();
  const name = checkedName();
  const base = fileBase(stateDir, name);
  const hosts = hostsFilesBase(stateDir, name);
  plan.line(["stop", base + ".pid"]);
  plan.line(["down", bridge]);
  if (!firewallLine(plan, "firewall-remove", FirewallForm.REMOVE)) return false;
  plan.line(["delete", bridge]);
  plan.line(["kill", base + ".pid"]);
  plan.line(["remove", base + ".conf", hosts + ".hostsfile", hosts + ".addnhosts", base + ".pid"]);
  return true;
}

/**
 * The bridge of another active network whose IPv4 subnet overlaps one of `def`'s, or "": libvirt
 * only finds a subnet routed exactly so on the host (routes-free); virtkit also refuses a subnet
 * that overlaps another running network's.
 */
export function overlappingBridge(def: string, otherDef: string): string {
  if (!load(otherDef)) return "";
  const otherBridge = checkedBridge();
  const otherIps = children(doc.root, S.ip);
  const subnets = new Array<string>();
  const prefixes = new Array<i32>();
  for (let i = 0; i < otherIps.length; i++) {
    if (!parseIp(attr(otherIps[i], S.address), other) || other.family != 4) continue;
    subnets.push(formatIp(other));
    prefixes.push(effectivePrefix(otherIps[i], other));
  }
  if (!load(def)) return "";
  const ips = children(doc.root, S.ip);
  for (let i = 0; i < ips.length; i++) {
    if (!parseIp(attr(ips[i], S.address), address) || address.family != 4) continue;
    const prefix = effectivePrefix(ips[i], address);
    for (let k = 0; k < subnets.length; k++) {
      parseIp(subnets[k], other);
      // two subnets overlap when the shorter prefix holds both
      if (samePrefix(address, other, prefix < prefixes[k] ? prefix : prefixes[k])) return otherBridge;
    }
  }
  return "";
}

function text(b: ByteBuf): string {
  return String.UTF8.decodeUnsafe(b.ptr, <usize>b.length);
}
