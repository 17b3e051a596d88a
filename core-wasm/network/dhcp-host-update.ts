// virNetworkUpdate of the IP_DHCP_HOST section: a <host> added (first or last), modified or deleted
// in a definition's <ip><dhcp>, with libvirt's matching rules and words. A definition is
// canonical XML; the change is made on its parsed document and written back canonical.
import { ByteBuf } from "../util/bytes";
import { NetworkUpdateCommand } from "../abi/enums.gen";
import { Code, From, beginError } from "../errors";
import { Doc, NONE } from "../xml/dom";
import { S } from "../xml/names.gen";
import { attr } from "../drivers/hosted/plan-writer";
import { IpAddress, compareIp, parseIp } from "./addresses";
import { checkDhcpHost, checkedName, checkNetwork, dhcpHostTag, formatMac, NETWORK_XML_INACTIVE, writeNetwork } from "./network-xml";
import { copyIntoDoc } from "../xml/parser";

const network = new Doc();
const parentAddress = new IpAddress();
const wanted = new IpAddress();
const existing = new IpAddress();

/**
 * `def` with `host` (the root of `hostDoc`, already checked to be a <host>) applied by `command`
 * under the <ip> at `parentIndex` (-1: the first IPv4 one with DHCP, else the first IPv4 one);
 * null with libvirt's error.
 */
export function updateDhcpHost(def: string, hostDoc: Doc, command: i32, parentIndex: i32): string | null {
  if (!checkNetwork(network, copyIntoDoc(network, String.UTF8.encode(def)))) return null;
  const name = checkedName();
  const ip = parentIp(parentIndex, name);
  if (ip == NONE) return null;
  parseIp(attr(network, ip, S.address), parentAddress);
  const host = importHost(hostDoc, hostDoc.root);
  if (!checkDhcpHost(host, parentAddress, command == NetworkUpdateCommand.DELETE)) return null;
  const hasIp = network.hasAttr(host, S.ip);
  if (hasIp) parseIp(attr(network, host, S.ip), wanted);
  if (hasIp && wanted.family != parentAddress.family) {
    return refused("the address family of a host entry IP must match the address family of the dhcp element's parent");
  }
  let dhcp = network.child(ip, S.dhcp);
  if (dhcp == NONE) dhcp = network.addElement(ip, S.dhcp);
  if (command == NetworkUpdateCommand.ADD_FIRST || command == NetworkUpdateCommand.ADD_LAST) {
    for (let h = network.child(dhcp, S.host); h != NONE; h = network.nextNamed(h)) {
      if (clashes(h, host, hasIp)) return refused("there is an existing dhcp host entry in network '" + name + "' that matches \"" + dhcpHostTag(host) + "/>\"");
    }
    const first = network.child(dhcp, S.host);
    if (command == NetworkUpdateCommand.ADD_FIRST && first != NONE) network.insertBefore(dhcp, host, first);
    else network.appendChild(dhcp, host);
  } else if (command == NetworkUpdateCommand.MODIFY) {
    let found = NONE;
    for (let h = network.child(dhcp, S.host); h != NONE && found == NONE; h = network.nextNamed(h)) if (clashes(h, host, hasIp)) found = h;
    if (found == NONE) {
      const mac = network.hasAttr(host, S.mac) ? attr(network, host, S.mac) : "unknown";
      const hostName = network.hasAttr(host, S.name) ? attr(network, host, S.name) : "(null)";
      return refused("couldn't locate an existing dhcp host entry with \"mac='" + mac + "'\" \"name='" + hostName + "'\" \"ip='" + attr(network, host, S.ip) + "'\" in network '" + name + "'");
    }
    network.insertBefore(dhcp, host, found);
    network.remove(found);
  } else if (command == NetworkUpdateCommand.DELETE) {
    let found = NONE;
    for (let h = network.child(dhcp, S.host); h != NONE && found == NONE; h = network.nextNamed(h)) if (matchesAll(h, host, hasIp)) found = h;
    if (found == NONE) return refused("couldn't locate a matching dhcp host entry in network '" + name + "'");
    network.remove(found);
  } else {
    beginError(Code.NO_SUPPORT, From.NETWORK).str("unrecognized network update command code " + command.toString());
    return null;
  }
  const out = new ByteBuf(4096);
  writeNetwork(out, NETWORK_XML_INACTIVE);
  return String.UTF8.decodeUnsafe(out.ptr, <usize>out.length);
}

/** The <ip> an update goes under, or NONE with libvirt's error. */
function parentIp(parentIndex: i32, name: string): i32 {
  const root = network.root;
  if (parentIndex >= 0) {
    let ip = network.child(root, S.ip);
    for (let i = 0; i < parentIndex && ip != NONE; i++) ip = network.nextNamed(ip);
    if (ip == NONE) refused("couldn't update dhcp host entry - no <ip> element found at index " + parentIndex.toString() + " in network '" + name + "'");
    return ip;
  }
  let firstV4 = NONE;
  for (let ip = network.child(root, S.ip); ip != NONE; ip = network.nextNamed(ip)) {
    if (!parseIp(attr(network, ip, S.address), parentAddress) || parentAddress.family != 4) continue;
    const dhcp = network.child(ip, S.dhcp);
    if (dhcp != NONE && (network.child(dhcp, S.range) != NONE || network.child(dhcp, S.host) != NONE)) return ip;
    if (firstV4 == NONE) firstV4 = ip;
  }
  if (firstV4 == NONE) refused("couldn't update dhcp host entry - no <ip family='ipv4'> element found in network '" + name + "'");
  return firstV4;
}

/** A copy of the update's <host> (and its <lease>) in the network's document. */
function importHost(from: Doc, source: i32): i32 {
  const host = network.newElement(S.host);
  copyAttrs(from, source, host, [S.mac, S.id, S.name, S.ip]);
  const lease = from.child(source, S.lease);
  if (lease != NONE) copyAttrs(from, lease, network.addElement(host, S.lease), [S.expiry, S.unit]);
  return host;
}

function copyAttrs(from: Doc, source: i32, target: i32, names: i32[]): void {
  for (let i = 0; i < names.length; i++) if (from.hasAttr(source, names[i])) network.setAttr(target, names[i], attr(from, source, names[i]));
}

/** Whether entry h shares the update's MAC, its name or its address (what add refuses and modify replaces). */
function clashes(h: i32, host: i32, hasIp: bool): bool {
  if (sameMac(h, host) || sameName(h, host)) return true;
  return hasIp && sameIp(h);
}

/** Whether entry h has every attribute a delete names. */
function matchesAll(h: i32, host: i32, hasIp: bool): bool {
  if (network.hasAttr(host, S.mac) && !sameMac(h, host)) return false;
  if (network.hasAttr(host, S.name) && !sameName(h, host)) return false;
  return !hasIp || sameIp(h);
}

function sameMac(h: i32, host: i32): bool {
  return network.hasAttr(h, S.mac) && network.hasAttr(host, S.mac) && formatMac(attr(network, h, S.mac)) == formatMac(attr(network, host, S.mac));
}

function sameName(h: i32, host: i32): bool {
  return network.hasAttr(host, S.name) && network.hasAttr(h, S.name) && attr(network, h, S.name) == attr(network, host, S.name);
}

/** Whether entry h has the update's address (in `wanted`). */
function sameIp(h: i32): bool {
  return network.hasAttr(h, S.ip) && parseIp(attr(network, h, S.ip), existing) && existing.family == wanted.family && compareIp(existing, wanted) == 0;
}

function refused(message: string): string | null {
  beginError(Code.OPERATION_INVALID, From.NETWORK).str(message);
  return null;
}
