// A hosted domain's <interface>s on the host. type='network' is resolved to its network's bridge
// at start, as libvirt allocates a network port (the network must exist and run), and the live XML
// says so in <source bridge>. Containers get a veth pair per interface: the plan's "veth" lines
// (made by the supervisor, the inside end in init's network namespace, named from <guest dev> or
// ethN and given the interface's MAC) and, in the child, the inside configuration libvirt's LXC
// driver makes: the link up when the interface has an address or <link state='up'/>, its
// addresses and routes, then lo up.
import { Code, From, beginError } from "../../errors";
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { NetworkList } from "../../objects/network-list";
import { attr, PlanWriter } from "./plan-writer";

/** The interface types a container's veth serves (libvirt's LXC driver: also direct, not here). */
export function vethServes(type: string): bool {
  return type == "network" || type == "bridge" || type == "ethernet";
}

/**
 * Gives each <interface type='network'> of d the bridge of its network (<source bridge>); strict:
 * false with libvirt's error when the network is missing or stopped, else such an interface is left.
 */
export function resolveNetworkSources(list: NetworkList, d: Doc, strict: bool): bool {
  const devices = d.child(d.root, S.devices);
  for (let n = devices == NONE ? NONE : d.child(devices, S.interface_); n != NONE; n = d.nextNamed(n)) {
    if (!d.attrIs(n, S.type, "network")) continue;
    const source = d.child(n, S.source);
    const name = attr(d, source, S.network);
    const net = list.findByName(name);
    if (net === null || !net.active || net.bridge == "") {
      if (!strict) continue;
      if (net === null) beginError(Code.NO_NETWORK, From.NETWORK).str("no network with matching name '" + name + "'");
      else if (!net.active) beginError(Code.OPERATION_INVALID, From.NETWORK).str("network '" + name + "' is not active");
      else beginError(Code.INTERNAL_ERROR, From.NETWORK).str("No bridge name specified");
      return false;
    }
    d.setAttr(source, S.bridge, net.bridge);
  }
  return true;
}

/** An interface's name inside the container: its <guest dev>, else ethK (K counting those without one). */
function guestNames(d: Doc, devices: i32): string[] {
  const names = new Array<string>();
  let k = 0;
  for (let n = d.child(devices, S.interface_); n != NONE; n = d.nextNamed(n)) {
    const dev = attr(d, d.child(n, S.guest), S.dev);
    names.push(dev != "" ? dev : "eth" + (k++).toString());
  }
  return names;
}

/** The supervisor's "veth BRIDGE GUEST MAC" lines (bridge "" for type ethernet), in <interface> order. */
export function writeVethLines(w: PlanWriter, d: Doc): void {
  const devices = d.child(d.root, S.devices);
  if (devices == NONE) return;
  const names = guestNames(d, devices);
  let i = 0;
  for (let n = d.child(devices, S.interface_); n != NONE; n = d.nextNamed(n), i++) {
    const type = attr(d, n, S.type);
    const bridge = type == "ethernet" ? "" : attr(d, d.child(n, S.source), S.bridge);
    w.line(["veth", bridge, names[i], attr(d, d.child(n, S.mac), S.address)]);
  }
}

/** libvirt's prefix for an address given without one: 64 for IPv6, else its class's. */
function defaultPrefix(address: string): string {
  if (address.includes(":")) return "64";
  const first = I32.parseInt(address.split(".")[0]);
  return first < 128 ? "8" : first < 192 ? "16" : "24";
}

/** The child's steps inside the container's network namespace: links up, addresses, routes, lo. */
export function writeGuestNetSteps(w: PlanWriter, d: Doc): void {
  const devices = d.child(d.root, S.devices);
  if (devices == NONE || d.child(devices, S.interface_) == NONE) return;
  const names = guestNames(d, devices);
  let i = 0;
  for (let n = d.child(devices, S.interface_); n != NONE; n = d.nextNamed(n), i++) {
    const ips = d.child(n, S.ip);
    if (ips != NONE || attr(d, d.child(n, S.link), S.state) == "up") w.line(["net-up", names[i]]);
    for (let ip = ips; ip != NONE; ip = d.nextNamed(ip)) {
      const address = attr(d, ip, S.address);
      const prefix = attr(d, ip, S.prefix);
      w.line(["net-address", names[i], address + "/" + (prefix != "" ? prefix : defaultPrefix(address))]);
    }
    for (let r = d.child(n, S.route); r != NONE; r = d.nextNamed(r)) {
      const address = attr(d, r, S.address);
      const prefix = attr(d, r, S.prefix);
      w.line(["net-route", names[i], address + "/" + (prefix != "" ? prefix : "0"), attr(d, r, S.gateway)]);
    }
  }
  w.line(["net-up", "lo"]);
}
