// Network XML in, libvirt-canonical network XML out (libvirt's virNetworkDefParse and
// virNetworkDefFormat): the checks run in libvirt's parse order, so a document with several
// problems fails with the error libvirt reports; the output is written in libvirt's fixed order,
// with its defaults (the forward device as the pool's first interface, STP on and no delay for
// bridges the network makes, lease units) and without what libvirt does not keep.
import { ByteBuf } from "../util/bytes";
import { Code, From, beginError, failBare } from "../errors";
import { Doc, NONE } from "../xml/dom";
import { S } from "../xml/names.gen";
import { parseDocument } from "../xml/parser";
import { internString, symbolText } from "../xml/symbols";
import { attr as attrOf, text } from "../drivers/hosted/plan-writer";
import { writeElement, WriterOptions } from "../xml/writer";
import { formatUUID, generateUUID, parseUUID, uuidBytes } from "../domain/values";
import { classfulPrefix, compareIp, formatIp, hostBitsAre, IpAddress, maskPrefix, parseIp, samePrefix } from "./addresses";

/** virNetworkXMLFlags: the persistent definition (no run-time connection counts, no PF's derived pool). */
export const NETWORK_XML_INACTIVE = 1;
const DNSMASQ_NS = "http://libvirt.org/schemas/network/dnsmasq/1.0";
const FORWARD_MODES = ["none", "nat", "route", "open", "bridge", "private", "vepa", "passthrough", "hostdev"];
const metadataOptions = new WriterOptions();
metadataOptions.libxmlChildren = S.metadata;

let d: Doc = new Doc();
let name = "";
let mode = "none";
/** The forward pool's interfaces (dev names), or its PCI addresses as "dddd:bb:ss.f", and the PF. */
const poolDevs = new Array<string>();
const poolAddresses = new Array<i32>();
let pf = "";
/** The dnsmasq namespace's prefix on this document ("" when it declares none). */
let dnsmasqPrefix = "";

// ---- values (of the document last checked: the dnsmasq configuration reads them too) -----------

/** Whether element n (NONE allowed) has attribute `attr`. */
export function has(n: i32, attr: i32): bool {
  return n != NONE && d.attr(n, attr) != NONE;
}

/** Attribute `a` of element n of the document being checked ("" when absent). */
export function attr(n: i32, a: i32): string {
  return attrOf(d, n, a);
}

/** The element's text ("" when absent). */
export function textOf(n: i32): string {
  return text(d, n);
}

/** Element n's children named childName, in document order (none when n is NONE). */
export function children(n: i32, childName: i32): i32[] {
  const out = new Array<i32>();
  for (let c = n == NONE ? NONE : d.child(n, childName); c != NONE; c = d.nextNamed(c)) out.push(c);
  return out;
}

/** A non-negative decimal (libvirt's unsigned parsers), or -1. */
export function unsigned(s: string): i64 {
  if (s.length == 0 || s.length > 19) return -1;
  let v: i64 = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** A C-style number (decimal, 0x hex, 0 octal), as libvirt's base-0 parsers take PCI address parts; -1 when not one. */
function cNumber(s: string): i64 {
  if (s.length == 0) return -1;
  let base = 10;
  let i = 0;
  if (s.length > 2 && s.charCodeAt(0) == 48 && (s.charCodeAt(1) == 120 || s.charCodeAt(1) == 88)) {
    base = 16;
    i = 2;
  } else if (s.length > 1 && s.charCodeAt(0) == 48) {
    base = 8;
    i = 1;
  }
  let v: i64 = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : 99;
    if (digit >= base) return -1;
    v = v * base + digit;
    if (v > 0xffffffff) return -1;
  }
  return v;
}

function isMac(s: string): bool {
  const parts = s.split(":");
  if (parts.length != 6) return false;
  for (let i = 0; i < 6; i++) {
    const p = parts[i];
    if (p.length < 1 || p.length > 2) return false;
    for (let k = 0; k < p.length; k++) {
      const c = p.charCodeAt(k);
      if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
    }
  }
  return true;
}

function macIsMulticast(s: string): bool {
  return (<i32>I32.parseInt(s.split(":")[0], 16) & 1) == 1;
}

/** The MAC with two lower-case hex digits per byte (virMacAddrFormat). */
export function formatMac(s: string): string {
  const parts = s.split(":");
  let out = "";
  for (let i = 0; i < 6; i++) {
    const v = <i32>I32.parseInt(parts[i], 16);
    out += (i > 0 ? ":" : "") + (v < 16 ? "0" : "") + v.toString(16);
  }
  return out;
}

// ---- errors ----------------------------------------------------------------------------------------

/** Records libvirt's error (code, the network domain, the message) and returns false. */
function failNetwork(code: i32, message: string): bool {
  beginError(code, From.NETWORK).str(message);
  return false;
}

function xmlError(message: string): bool {
  return failNetwork(Code.XML_ERROR, message);
}

function unsupported(message: string): bool {
  return failNetwork(Code.CONFIG_UNSUPPORTED, message);
}

function internal(message: string): bool {
  return failNetwork(Code.INTERNAL_ERROR, message);
}

/** VIR_ERR_XML_DETAIL: the message alone, no prefix. */
function detail(message: string): bool {
  return failNetwork(Code.XML_DETAIL, message);
}

function invalidAttr(a: string, element: string, value: string): bool {
  return xmlError("Invalid value for attribute '" + a + "' in element '" + element + "': '" + value + "'.");
}

/** A yes/no attribute (absent is fine). */
function checkYesNo(n: i32, a: i32, aName: string, element: string): bool {
  if (!has(n, a)) return true;
  const v = attr(n, a);
  return v == "yes" || v == "no" ? true : invalidAttr(aName, element, v);
}

// ---- parse checks, in libvirt's order ---------------------------------------------------------------

/** Parses and checks the network document in `doc` (len input bytes); false with libvirt's error. */
export function checkNetwork(doc: Doc, len: i32): bool {
  d = doc;
  if (!parseDocument(d, len, "(network_definition)")) return false;
  const root = d.root;
  if (d.nameOf(root) != S.network) return xmlError("expecting root element of 'network', not '" + symbolText(d.nameOf(root)) + "'");
  const nameNode = d.child(root, S.name);
  name = textOf(nameNode);
  if (name == "") return failBare(Code.NO_NAME, From.NETWORK, "missing name information");
  if (name.indexOf("/") >= 0) return detail("invalid char in name: /");
  const uuid = d.child(root, S.uuid);
  if (uuid != NONE && textOf(uuid) != "") {
    const t = d.textNode(uuid);
    if (!parseUUID(d.buf, d.valOffOf(t), d.valLenOf(t))) return internal("malformed uuid element");
  } else generateUUID();
  if (textOf(d.child(root, S.title)).indexOf("\n") >= 0) return xmlError("Network title can't contain newlines");
  if (has(root, S.ipv6) && attr(root, S.ipv6) != "yes" && attr(root, S.ipv6) != "no") return xmlError("Invalid ipv6 setting '" + attr(root, S.ipv6) + "' in network '" + name + "'");
  if (!checkYesNo(root, S.trustGuestRxFilters, "trustGuestRxFilters", "network")) return false;
  const domain = d.child(root, S.domain);
  if (!checkYesNo(domain, S.localOnly, "localOnly", "domain") || !checkYesNo(domain, S.register, "register", "domain")) return false;
  if (attr(domain, S.register) == "yes" && attr(domain, S.localOnly) != "yes") {
    return unsupported("attribute 'register=yes' in <domain> element requires 'localOnly=yes' in network " + name);
  }
  if (!checkVlan(d.child(root, S.vlan))) return false;
  if (!checkYesNo(d.child(root, S.port), S.isolated, "isolated", "port")) return false;
  if (!checkBridge(d.child(root, S.bridge))) return false;
  const mac = d.child(root, S.mac);
  if (has(mac, S.address)) {
    const m = attr(mac, S.address);
    if (!isMac(m)) return xmlError("Invalid bridge mac address '" + m + "' in network '" + name + "'");
    if (macIsMulticast(m)) return xmlError("Invalid multicast bridge mac address '" + m + "' in network '" + name + "'");
  }
  const mtu = d.child(root, S.mtu);
  if (has(mtu, S.size) && unsigned(attr(mtu, S.size)) < 0) return xmlError("Invalid mtu size '" + attr(mtu, S.size) + "' in network '" + name + "'");
  if (!checkDns(d.child(root, S.dns))) return false;
  const virtualport = d.child(root, S.virtualport);
  if (virtualport != NONE && !has(virtualport, S.type)) return xmlError("missing required virtualport type");
  const portgroups = children(root, S.portgroup);
  for (let i = 0; i < portgroups.length; i++) {
    if (!has(portgroups[i], S.name)) return xmlError("Missing required name attribute in portgroup");
    if (!checkVlan(d.child(portgroups[i], S.vlan))) return false;
  }
  const ips = children(root, S.ip);
  for (let i = 0; i < ips.length; i++) if (!checkIp(ips[i])) return false;
  if (!checkRoutes(children(root, S.route), ips)) return false;
  if (!checkForward(d.child(root, S.forward))) return false;
  if (!checkModeRules(ips)) return false;
  return checkDnsmasqOptions();
}

function checkVlan(vlan: i32): bool {
  if (vlan == NONE) return true;
  const tags = children(vlan, S.tag);
  if (tags.length == 0) return xmlError("missing tag id - each <vlan> must have at least one <tag id='n'/> subelement");
  let natives = 0;
  for (let i = 0; i < tags.length; i++) {
    const id = attr(tags[i], S.id);
    if (!has(tags[i], S.id)) return xmlError("Missing required attribute 'id' in element 'tag'");
    const v = unsigned(id);
    if (v < 0) return xmlError("Invalid value for attribute 'id' in element 'tag': '" + id + "'. Expected non-negative integer value");
    if (v > 4095) return xmlError("vlan tag id " + v.toString() + " too large (maximum 4095)");
    if (has(tags[i], S.nativeMode)) {
      const m = attr(tags[i], S.nativeMode);
      if (m != "tagged" && m != "untagged") return invalidAttr("nativeMode", "tag", m);
      if (++natives > 1) return xmlError("duplicate native vlan setting");
    }
  }
  const trunk = attr(vlan, S.trunk).toLowerCase();
  if (has(vlan, S.trunk) && trunk != "yes") {
    if (trunk != "no") return xmlError("invalid \"trunk='" + attr(vlan, S.trunk) + "'\" in <vlan> - must be yes or no");
    if (tags.length > 1) return xmlError("invalid \"trunk='" + attr(vlan, S.trunk) + "'\" in <vlan> - trunk='yes' is required for more than one vlan tag");
    if (natives > 0) return xmlError("invalid configuration in <vlan> - \"trunk='no'\" is not allowed with a native vlan id");
  }
  return true;
}

function checkBridge(bridge: i32): bool {
  if (bridge == NONE) return true;
  if (has(bridge, S.delay) && unsigned(attr(bridge, S.delay)) < 0) return xmlError("Invalid delay value in network '" + name + "'");
  if (has(bridge, S.macTableManager)) {
    const m = attr(bridge, S.macTableManager);
    if (m != "kernel" && m != "libvirt") return xmlError("Invalid macTableManager setting '" + m + "' in network '" + name + "'");
  }
  return true;
}

const ip = new IpAddress();
const other = new IpAddress();

function checkDns(dns: i32): bool {
  if (dns == NONE) return true;
  if (!checkYesNo(dns, S.enable, "enable", "dns") || !checkYesNo(dns, S.forwardPlainNames, "forwardPlainNames", "dns")) return false;
  const forwarders = children(dns, S.forwarder);
  for (let i = 0; i < forwarders.length; i++) {
    const f = forwarders[i];
    if (has(f, S.addr) && !parseIp(attr(f, S.addr), ip)) return xmlError("Invalid forwarder IP address '" + attr(f, S.addr) + "' in network '" + name + "'");
    if (!has(f, S.addr) && !has(f, S.domain)) return xmlError("Invalid forwarder element, must contain at least one of addr or domain");
  }
  const hosts = children(dns, S.host);
  for (let i = 0; i < hosts.length; i++) {
    const h = hosts[i];
    const names = children(h, S.hostname);
    if (names.length == 0 || textOf(names[0]) == "") return detail("Missing hostname in network '" + name + "' DNS HOST record");
    if (!has(h, S.ip)) return detail("Missing IP address in network '" + name + "' DNS HOST record");
    if (!parseIp(attr(h, S.ip), ip)) return detail("Invalid IP address in network '" + name + "' DNS HOST record");
  }
  const srvs = children(dns, S.srv);
  for (let i = 0; i < srvs.length; i++) if (!checkSrv(srvs[i])) return false;
  const txts = children(dns, S.txt);
  for (let i = 0; i < txts.length; i++) {
    const t = txts[i];
    if (!has(t, S.name)) return detail("missing required name attribute in DNS TXT record of network " + name);
    const txtName = attr(t, S.name);
    if (txtName.indexOf(" ") >= 0 || txtName.indexOf(",") >= 0) return detail("prohibited character in DNS TXT record name '" + txtName + "' of network " + name);
    if (!has(t, S.value)) return detail("missing required value attribute in DNS TXT record named '" + txtName + "' of network " + name);
  }
  if (attr(dns, S.enable) == "no" && forwarders.length + hosts.length + srvs.length + txts.length > 0) return xmlError("Extra data in disabled network '" + name + "'");
  return true;
}

function checkSrv(srv: i32): bool {
  if (!has(srv, S.service)) return detail("missing required service attribute in DNS SRV record of network '" + name + "'");
  const service = attr(srv, S.service);
  if (service.length > 482) return detail("service attribute '" + service + "' in network '" + name + "' is too long, limit is 482 bytes");
  if (!onlyChars(service, "_+/*-")) return detail("invalid character in service attribute '" + service + "' in DNS SRV record of network '" + name + "'");
  if (!has(srv, S.protocol)) return detail("missing required protocol attribute in DNS SRV record '" + service + "' of network '" + name + "'");
  if (!onlyChars(attr(srv, S.protocol), "+/-")) return detail("invalid character in protocol attribute '" + attr(srv, S.protocol) + "' in DNS SRV record of network '" + name + "'");
  const target = has(srv, S.target);
  const checks = [S.port, S.priority, S.weight];
  const names = ["port", "priority", "weight"];
  for (let i = 0; i < 3; i++) {
    if (!has(srv, checks[i])) continue;
    if (!target) return detail("DNS SRV " + names[i] + " attribute not permitted without target for service '" + service + "' in network '" + name + "'");
    const v = unsigned(attr(srv, checks[i]));
    if (i == 0 && (v < 1 || v > 65535)) return detail("invalid DNS SRV port attribute for service '" + service + "' in network '" + name + "'");
    if (i == 1 && (v < 0 || v > 65535)) return detail("Invalid DNS SRV priority attribute for service '" + service + "' in network '" + name + "'");
    if (i == 2 && (v < 0 || v > 65535)) return detail("invalid DNS SRV weight attribute for service '" + service + "' in network '" + name + "'");
  }
  return true;
}

/** Letters, digits and the given extra characters only. */
function onlyChars(s: string, extra: string): bool {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) continue;
    if (extra.indexOf(s.charAt(i)) < 0) return false;
  }
  return true;
}

/** The prefix libvirt uses for an <ip>'s subnet: its prefix, else its netmask's, else the classful one (-1: none). */
export function effectivePrefix(n: i32, address: IpAddress): i32 {
  const p = unsigned(attr(n, S.prefix));
  if (p > 0) return <i32>p;
  if (has(n, S.netmask)) {
    const mask = new IpAddress();
    return parseIp(attr(n, S.netmask), mask) ? maskPrefix(mask) : -1;
  }
  return classfulPrefix(address);
}

function checkIp(n: i32): bool {
  const address = attr(n, S.address);
  if (address == "") return xmlError("Missing required address attribute in network '" + name + "'");
  const a = new IpAddress();
  if (!parseIp(address, a)) return xmlError("Invalid address '" + address + "' in network '" + name + "'");
  const mask = new IpAddress();
  const netmask = attr(n, S.netmask);
  if (netmask != "" && !parseIp(netmask, mask)) return xmlError("Invalid netmask '" + netmask + "' in network '" + name + "'");
  const prefixText = attr(n, S.prefix);
  const prefix = has(n, S.prefix) ? unsigned(prefixText) : 0;
  if (prefix < 0) return xmlError("Invalid value for attribute 'prefix' in element 'ip': '" + prefixText + "'. Expected non-negative integer value");
  if (!checkYesNo(n, S.localPtr, "localPtr", "ip")) return false;
  const family = attr(n, S.family);
  if (family == "" || family == "ipv4") {
    if (a.family != 4) return unsupported((family == "" ? "no" : "ipv4") + " family specified for non-IPv4 address '" + address + "' in network '" + name + "'");
    if (netmask != "" && mask.family != 4) return unsupported("Invalid netmask '" + netmask + "' for address '" + address + "' in network '" + name + "' (both must be IPv4)");
    if (netmask != "" && prefix > 0) return unsupported("Network '" + name + "' IP address cannot have both a prefix and a netmask");
    if (netmask == "" && prefix > 32) return unsupported("Invalid IPv4 prefix '" + prefix.toString() + "' in network '" + name + "'");
  } else if (family == "ipv6") {
    if (a.family != 6) return unsupported("Family 'ipv6' specified for non-IPv6 address '" + address + "' in network '" + name + "'");
    if (netmask != "") return unsupported("netmask not allowed for IPv6 address '" + address + "' in network '" + name + "'");
    if (prefix > 128) return unsupported("Invalid IPv6 prefix '" + prefix.toString() + "' in network '" + name + "'");
  } else return xmlError("Unrecognized family '" + family + "' in network '" + name + "'");
  const dhcp = d.child(n, S.dhcp);
  if (dhcp != NONE && !checkDhcp(dhcp, a, effectivePrefix(n, a))) return false;
  if (d.child(n, S.tftp) != NONE && a.family != 4) return unsupported("Unsupported <tftp> element in an IPv6 element in network '" + name + "'");
  return true;
}

function checkDhcp(dhcp: i32, network: IpAddress, prefix: i32): bool {
  const ranges = children(dhcp, S.range);
  const start = new IpAddress();
  const end = new IpAddress();
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i];
    if (!has(r, S.start)) return xmlError("Missing 'start' attribute in dhcp range for network '" + name + "'");
    if (!parseIp(attr(r, S.start), start)) return badAddress(attr(r, S.start));
    if (!has(r, S.end)) return xmlError("Missing 'end' attribute in dhcp range for network '" + name + "'");
    if (!parseIp(attr(r, S.end), end)) return badAddress(attr(r, S.end));
    if (!checkRange(start, end, network, prefix)) return false;
    if (!checkLease(d.child(r, S.lease))) return false;
  }
  const hosts = children(dhcp, S.host);
  for (let i = 0; i < hosts.length; i++) if (!checkDhcpHost(hosts[i], network, false)) return false;
  const bootp = d.child(dhcp, S.bootp);
  if (bootp != NONE && network.family == 4) {
    if (!has(bootp, S.file)) return xmlError("Missing required attribute 'file' in element 'bootp'");
    if (has(bootp, S.server) && !parseIp(attr(bootp, S.server), other)) return badAddress(attr(bootp, S.server));
  }
  return true;
}

function badAddress(s: string): bool {
  return failNetwork(Code.SYSTEM_ERROR, "Cannot parse socket address '" + s + "': Name or service not known");
}

/** virSocketAddrCheckNetmask and the range checks libvirt makes of a DHCP range (or a NAT range, without a network). */
function checkRange(start: IpAddress, end: IpAddress, network: IpAddress | null, prefix: i32): bool {
  const s = formatIp(start);
  const e = formatIp(end);
  if (start.family != end.family) return internal("mismatch of address family in range " + s + " - " + e);
  if (network !== null) {
    const n = formatIp(network);
    if (start.family != network.family) return internal("mismatch of address family in range " + s + " - " + e + " for network " + n);
    if (prefix < 0 || prefix > start.byteCount * 8) return internal("bad prefix " + prefix.toString() + " for network " + n + " when checking range " + s + " - " + e);
    if (!samePrefix(start, network, prefix) || !samePrefix(end, network, prefix)) return internal("range " + s + " - " + e + " is not entirely within network " + n + "/" + prefix.toString());
    if (start.family == 4 && hostBitsAre(start, prefix, false)) return internal("start of range " + s + " - " + e + " in network " + n + "/" + prefix.toString() + " is the network address");
    if (start.family == 4 && hostBitsAre(end, prefix, true)) return internal("end of range " + s + " - " + e + " in network " + n + "/" + prefix.toString() + " is the broadcast address");
  }
  if (start.family == 4) {
    if (start.bytes[0] != end.bytes[0] || start.bytes[1] != end.bytes[1]) return internal("range " + s + " - " + e + " is too large (> 65535)");
    if (compareIp(start, end) > 0) return internal("range " + s + " - " + e + " is reversed ");
  } else {
    for (let i = 0; i < 14; i++) if (start.bytes[i] != end.bytes[i]) return internal("range " + s + " - " + e + " is too large (> 65535)");
    if (compareIp(start, end) > 0) return internal("range " + s + " - " + e + " start larger than end");
  }
  return true;
}

function checkLease(lease: i32): bool {
  if (lease == NONE || !has(lease, S.expiry)) return true;
  const expiry = unsigned(attr(lease, S.expiry));
  if (expiry < 0) return xmlError("Invalid value for attribute 'expiry' in element 'lease': '" + attr(lease, S.expiry) + "'. Expected non-negative integer value");
  const unit = has(lease, S.unit) ? attr(lease, S.unit) : "minutes";
  if (unit != "seconds" && unit != "minutes" && unit != "hours") return invalidAttr("unit", "lease", unit);
  if (expiry > 0 && ((unit == "seconds" && expiry < 120) || (unit == "minutes" && expiry < 2))) return unsupported("The minimum lease time should be greater than 2 minutes");
  return true;
}

/**
 * Checks a DHCP <host> (element h of the checked network's document) for an <ip> of `network`'s
 * family; `partial` (what a delete names) asks only for one of mac, name and ip.
 */
export function checkDhcpHost(h: i32, network: IpAddress, partial: bool): bool {
  const mac = attr(h, S.mac);
  if (has(h, S.mac)) {
    if (network.family == 6) return xmlError("Invalid to specify MAC address '" + mac + "' in network '" + name + "' IPv6 static host definition");
    if (!isMac(mac)) return xmlError("Cannot parse MAC address '" + mac + "' in network '" + name + "'");
    if (macIsMulticast(mac)) return xmlError("expected unicast mac address, found multicast '" + mac + "' in network '" + name + "'");
  }
  const id = attr(h, S.id);
  for (let i = 0; i < id.length; i++) {
    if (id.charAt(i) != ":" && !isHexDigit(id.charCodeAt(i))) return xmlError("Invalid character '" + id.charAt(i) + "' in id '" + id + "' of network '" + name + "'");
  }
  const hostName = attr(h, S.name);
  if (has(h, S.name) && (hostName.length == 0 || !onlyChars(hostName.charAt(0), ""))) return xmlError("Cannot use host name '" + hostName + "' in network '" + name + "'");
  if (has(h, S.ip) && !parseIp(attr(h, S.ip), ip)) return xmlError("Invalid IP address in static host definition for network '" + name + "'");
  if (partial) {
    // libvirt's message ends in a space
    if (!has(h, S.mac) && !has(h, S.name) && !has(h, S.ip)) return xmlError("At least one of name, mac, or ip attribute must be specified for static host definition in network '" + name + "' ");
  } else {
    if (network.family == 6 && !has(h, S.id) && !has(h, S.name)) return xmlError("Static host definition in IPv6 network '" + name + "' must have id or name attribute");
    if (network.family == 4 && !has(h, S.mac) && !has(h, S.name)) return xmlError("Static host definition in IPv4 network '" + name + "' must have mac or name attribute");
    if (!has(h, S.ip)) return xmlError("Missing IP address in static host definition for network '" + name + "'");
  }
  return checkLease(d.child(h, S.lease));
}

function isHexDigit(c: i32): bool {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function checkRoutes(routes: i32[], ips: i32[]): bool {
  const address = new IpAddress();
  const gateway = new IpAddress();
  const mask = new IpAddress();
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i];
    const where = name + ": ";
    const a = attr(r, S.address);
    const g = attr(r, S.gateway);
    if (!has(r, S.address)) return xmlError(where + "Missing required address attribute in route definition");
    if (!has(r, S.gateway)) return xmlError(where + "Missing required gateway attribute in route definition");
    if (!parseIp(a, address)) return xmlError(where + "Bad network address '" + a + "' in route definition");
    if (!parseIp(g, gateway)) return xmlError(where + "Bad gateway address '" + g + "' in route definition");
    const family = attr(r, S.family);
    const prefix = has(r, S.prefix) ? unsigned(attr(r, S.prefix)) : 0;
    if (prefix < 0) return xmlError("Invalid value for attribute 'prefix' in element 'route': '" + attr(r, S.prefix) + "'. Expected non-negative integer value");
    let bits = <i32>prefix;
    if (family == "" || family == "ipv4") {
      const said = family == "" ? "No family" : "IPv4 family";
      if (address.family != 4) return xmlError(where + said + " specified for non-IPv4 address '" + a + "' in route definition");
      if (gateway.family != 4) return xmlError(where + said + " specified for non-IPv4 gateway '" + a + "' in route definition");
      if (has(r, S.netmask)) {
        if (!parseIp(attr(r, S.netmask), mask)) return xmlError(where + "Bad netmask address '" + attr(r, S.netmask) + "' in route definition");
        if (mask.family != 4) return xmlError(where + "Invalid netmask '" + attr(r, S.netmask) + "' for address '" + a + "' (both must be IPv4)");
        if (prefix > 0) return xmlError(where + "Route definition cannot have both a prefix and a netmask");
        bits = maskPrefix(mask);
      }
      if (prefix > 32) return xmlError(where + "Invalid prefix " + prefix.toString() + " specified in route definition, must be 0 - 32");
    } else if (family == "ipv6") {
      if (address.family != 6) return xmlError(where + "ipv6 family specified for non-IPv6 address '" + a + "' in route definition");
      if (has(r, S.netmask)) return xmlError(where + "Specifying netmask invalid for IPv6 address '" + a + "' in route definition");
      if (gateway.family != 6) return xmlError(where + "ipv6 specified for non-IPv6 gateway address '" + g + "' in route definition");
      if (prefix > 128) return xmlError(where + "Invalid prefix " + prefix.toString() + " specified in route definition, must be 0 - 128");
    } else return xmlError(where + "Unrecognized family '" + family + "' in route definition");
    if (has(r, S.metric)) {
      const metric = unsigned(attr(r, S.metric));
      if (metric == 0) return xmlError("Invalid value for attribute 'metric' in element 'route': Zero is not permitted");
      if (metric < 0) return xmlError("Invalid value for attribute 'metric' in element 'route': '" + attr(r, S.metric) + "'. Expected non-negative integer value");
    }
    if (bits < 0 || !hostBitsAre(address, bits, false)) return xmlError(where + "Address '" + a + "' in route definition is not a network address");
  }
  // each gateway must be in one of the network's subnets
  for (let i = 0; i < routes.length; i++) {
    parseIp(attr(routes[i], S.gateway), gateway);
    let reachable = false;
    for (let k = 0; k < ips.length && !reachable; k++) {
      if (!parseIp(attr(ips[k], S.address), address) || address.family != gateway.family) continue;
      const p = effectivePrefix(ips[k], address);
      reachable = p >= 0 && samePrefix(address, gateway, p);
    }
    if (!reachable) return unsupported("unreachable static route gateway '" + attr(routes[i], S.gateway) + "' specified for network '" + name + "'");
  }
  return true;
}

function checkForward(forward: i32): bool {
  poolDevs.length = 0;
  poolAddresses.length = 0;
  pf = "";
  mode = forward == NONE ? "none" : has(forward, S.mode) ? attr(forward, S.mode) : "nat";
  if (forward == NONE) return true;
  if (!FORWARD_MODES.includes(mode)) return unsupported("unknown forwarding type '" + mode + "'");
  const driver = d.child(forward, S.driver);
  if (has(driver, S.name)) {
    const dn = attr(driver, S.name);
    if (dn != "kvm" && dn != "vfio" && dn != "xen") return invalidAttr("name", "driver", dn);
  }
  const nats = children(forward, S.nat);
  if (nats.length > 1) return xmlError("Only one <nat> element is allowed in <forward> of network " + name);
  if (nats.length == 1 && !checkNat(nats[0])) return false;
  const interfaces = children(forward, S.interface_);
  const addresses = children(forward, S.address);
  const pfs = children(forward, S.pf);
  const dev = attr(forward, S.dev);
  if (dev != "" && (addresses.length > 0 || pfs.length > 0)) {
    return xmlError("the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements are present in network " + name);
  }
  if (interfaces.length > 0 || dev != "") {
    if (dev != "") poolDevs.push(dev);
    for (let i = 0; i < interfaces.length; i++) {
      if (!has(interfaces[i], S.dev)) return xmlError("Missing required dev attribute in <forward> <interface> element of network " + name);
      const idev = attr(interfaces[i], S.dev);
      if (i == 0 && dev != "") {
        if (idev != dev) return xmlError("<forward dev='" + dev + "'> must match first <interface dev='" + idev + "'/> in network " + name);
        continue;
      }
      if (poolDevs.includes(idev)) return xmlError("interface '" + idev + "' can only be listed once in network " + name);
      poolDevs.push(idev);
    }
  } else if (addresses.length > 0) {
    for (let i = 0; i < addresses.length; i++) if (!checkPciAddress(addresses[i])) return false;
  } else if (pfs.length > 0) {
    if (pfs.length > 1) return xmlError("Only one <pf> element is allowed in <forward> of network " + name);
    if (!has(pfs[0], S.dev)) return xmlError("Missing required dev attribute in <pf> element of network '" + name + "'");
    pf = attr(pfs[0], S.dev);
  }
  return true;
}

function checkNat(nat: i32): bool {
  if (mode != "nat") return xmlError("The <nat> element can only be used when <forward> 'mode' is 'nat' in network " + name);
  if (!checkYesNo(nat, S.ipv6, "ipv6", "nat")) return false;
  const addresses = children(nat, S.address);
  if (addresses.length > 1) return xmlError("Only one <address> element is allowed in <nat> in <forward> in network " + name);
  if (addresses.length == 1) {
    const a = addresses[0];
    const start = new IpAddress();
    const end = new IpAddress();
    if (!has(a, S.start)) return xmlError("missing 'start' attribute in <address> element in <nat> in <forward> in network " + name);
    if (!has(a, S.end)) return xmlError("missing 'end' attribute in <address> element in <nat> in <forward> in network " + name);
    if (!parseIp(attr(a, S.start), start) || start.family != 4) return xmlError("Bad ipv4 start address '" + attr(a, S.start) + "' in <nat> in <forward> in network '" + name + "'");
    if (!parseIp(attr(a, S.end), end) || end.family != 4) return xmlError("Bad ipv4 end address '" + attr(a, S.end) + "' in <nat> in <forward> in network '" + name + "'");
    if (!checkRange(start, end, null, 0)) return false;
  }
  const ports = children(nat, S.port);
  if (ports.length > 1) return xmlError("Only one <port> element is allowed in <nat> in <forward> in network " + name);
  if (ports.length == 1) {
    const start = unsigned(attr(ports[0], S.start));
    const end = unsigned(attr(ports[0], S.end));
    if (start < 0 || start > 65535) return detail("Missing or invalid 'start' attribute in <port> in <nat> in <forward> in network " + name);
    if (end < start || end > 65535) return detail("Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network " + name);
  }
  return true;
}

function checkPciAddress(a: i32): bool {
  if (!has(a, S.type)) return xmlError("missing address type in network " + name);
  const type = attr(a, S.type);
  if (type == "none" || type == "netdev") return xmlError("unsupported address type '" + type + "' in network " + name);
  if (type != "pci") return unsupported("unknown address type '" + type + "' in network " + name);
  const domain = cNumber(attr(a, S.domain));
  const bus = cNumber(attr(a, S.bus));
  const slot = cNumber(attr(a, S.slot));
  const fn = cNumber(attr(a, S.function_));
  if (bus > 0xff) return xmlError("Invalid PCI address bus='0x" + bus.toString(16) + "', must be <= 0xFF");
  if (slot > 0x1f) return xmlError("Invalid PCI address slot='0x" + slot.toString(16) + "', must be <= 0x1F");
  if (fn > 7) return xmlError("Invalid PCI address function=0x" + fn.toString(16) + ", must be <= 7");
  const key = <i32>((max<i64>(domain, 0) << 16) | (max<i64>(bus, 0) << 8) | (max<i64>(slot, 0) << 3) | max<i64>(fn, 0));
  if (poolAddresses.includes(key)) {
    return xmlError("PCI device '" + hex(max<i64>(domain, 0), 4) + ":" + hex(max<i64>(bus, 0), 2) + ":" + hex(max<i64>(slot, 0), 2) + "." + max<i64>(fn, 0).toString(16) + "' can only be listed once in network " + name);
  }
  poolAddresses.push(key);
  return true;
}

function hex(v: i64, width: i32): string {
  let s = v.toString(16);
  while (s.length < width) s = "0" + s;
  return s;
}

/** What each forward mode allows (libvirt's parse-time checks). */
function checkModeRules(ips: i32[]): bool {
  const root = d.root;
  const bridge = d.child(root, S.bridge);
  const pool = poolDevs.length + poolAddresses.length;
  if (mode == "route" || mode == "nat" || mode == "open") {
    if (ips.length == 0) return xmlError(mode + " forwarding requested, but no IP address provided for network '" + name + "'");
    if (pool > 1) return xmlError("multiple forwarding interfaces specified for network '" + name + "', only one is supported");
    if (mode == "open" && pool > 0) return xmlError("forward dev not allowed for network '" + name + "' with forward mode='" + mode + "'");
  } else if (mode != "none") {
    if (mode != "bridge") {
      if (attr(bridge, S.name) != "") return xmlError("bridge name not allowed in " + mode + " mode (network '" + name + "')");
      if (has(bridge, S.zone)) return xmlError("bridge zone not allowed in " + mode + " mode (network '" + name + "')");
      if (has(bridge, S.macTableManager)) return xmlError("bridge macTableManager setting not allowed in " + mode + " mode (network '" + name + "')");
    }
    if ((has(bridge, S.delay) && unsigned(attr(bridge, S.delay)) != 0) || has(bridge, S.stp) || has(bridge, S.zone)) {
      return xmlError("bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in " + mode + " (network '" + name + "')");
    }
    if (attr(bridge, S.name) != "" && (pool > 0 || pf != "")) {
      return xmlError("A network with forward mode='" + mode + "' can specify a bridge name or a forward dev, but not both (network '" + name + "')");
    }
    const mtu = d.child(root, S.mtu);
    if (has(mtu, S.size) && unsigned(attr(mtu, S.size)) > 0) return xmlError("mtu size only allowed in open, route, nat, and isolated mode, not in " + mode + " (network '" + name + "')");
  }
  return true;
}

/** The dnsmasq namespace's options: each needs a value. */
function checkDnsmasqOptions(): bool {
  dnsmasqPrefix = "";
  const root = d.root;
  for (let a = d.attrFirstOf(root); a != NONE; a = d.aNextOf(a)) {
    const attrName = symbolText(d.aNameOf(a));
    if (attrName.startsWith("xmlns:") && String.UTF8.decodeUnsafe(d.buf.ptr + <usize>d.aOffOf(a), <usize>d.aLenOf(a)) == DNSMASQ_NS) dnsmasqPrefix = attrName.substring(6);
  }
  const options = dnsmasqOptions();
  for (let i = 0; i < options.length; i++) {
    if (!has(options[i], S.value)) return internal("No dnsmasq options value specified");
  }
  return true;
}

/** The <dnsmasq:option> elements, in order (none unless the document declares libvirt's dnsmasq namespace). */
export function dnsmasqOptions(): i32[] {
  const out = new Array<i32>();
  if (dnsmasqPrefix == "") return out;
  const optionsName = internString(dnsmasqPrefix + ":options");
  const optionName = internString(dnsmasqPrefix + ":option");
  for (let o = d.child(d.root, optionsName); o != NONE; o = d.nextNamed(o)) {
    for (let c = d.child(o, optionName); c != NONE; c = d.nextNamed(c)) out.push(c);
  }
  return out;
}


// ---- the canonical document ----------------------------------------------------------------------

let out: ByteBuf = new ByteBuf(16);
let indent = 0;

function line(s: string): void {
  out.spaces(indent);
  out.str(s);
  out.byte(10);
}

/**
 * ` name='value'` with the value escaped as libvirt's escaping writer does. (libvirt writes a few
 * values it does not check, such as a portgroup's name or a profileid, unescaped, which can make
 * its output unreadable; virtkit escapes every value.)
 */
function kv(attrName: string, value: string): string {
  return " " + attrName + "='" + escape(value) + "'";
}

/** libvirt's XML escaping of a value (virBufferEscapeString): the five entities, control characters dropped. */
export function escape(s: string): string {
  let r = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 60) r += "&lt;";
    else if (c == 62) r += "&gt;";
    else if (c == 38) r += "&amp;";
    else if (c == 34) r += "&quot;";
    else if (c == 39) r += "&apos;";
    else if (c < 32 && c != 9 && c != 10 && c != 13) continue;
    else r += s.charAt(i);
  }
  return r;
}

/** ` a='v'` when element n has attribute `a`. */
function opt(n: i32, a: i32, attrName: string): string {
  return has(n, a) ? kv(attrName, attr(n, a)) : "";
}

/** Writes the checked network as libvirt formats it (flags: NETWORK_XML_INACTIVE). */
export function writeNetwork(target: ByteBuf, flags: i32): void {
  out = target;
  indent = 0;
  const root = d.root;
  const options = dnsmasqOptions();
  let head = "<network";
  if (options.length > 0) head += " xmlns:dnsmasq='" + DNSMASQ_NS + "'";
  if (attr(root, S.ipv6) == "yes") head += " ipv6='yes'";
  head += opt(root, S.trustGuestRxFilters, "trustGuestRxFilters");
  line(head + ">");
  indent = 2;
  line("<name>" + escape(name) + "</name>");
  out.spaces(2);
  out.str("<uuid>");
  formatUUID(out);
  out.str("</uuid>\n");
  const title = d.child(root, S.title);
  if (textOf(title) != "") line("<title>" + escape(textOf(title)) + "</title>");
  const description = d.child(root, S.description);
  if (textOf(description) != "") line("<description>" + escape(textOf(description)) + "</description>");
  const metadata = d.child(root, S.metadata);
  if (metadata != NONE) writeElement(out, d, metadata, 2, metadataOptions);
  writeForward(d.child(root, S.forward), flags);
  writeBridge(d.child(root, S.bridge));
  const mtu = d.child(root, S.mtu);
  if (unsigned(attr(mtu, S.size)) > 0) line("<mtu size='" + unsigned(attr(mtu, S.size)).toString() + "'/>");
  const mac = d.child(root, S.mac);
  if (has(mac, S.address)) line("<mac address='" + formatMac(attr(mac, S.address)) + "'/>");
  const domain = d.child(root, S.domain);
  if (has(domain, S.name)) line("<domain" + kv("name", attr(domain, S.name)) + opt(domain, S.localOnly, "localOnly") + opt(domain, S.register, "register") + "/>");
  writeDns(d.child(root, S.dns));
  writeVlan(d.child(root, S.vlan));
  writeBandwidth(d.child(root, S.bandwidth));
  const port = d.child(root, S.port);
  if (has(port, S.isolated)) line("<port isolated='" + attr(port, S.isolated) + "'/>");
  const ips = children(root, S.ip);
  for (let i = 0; i < ips.length; i++) writeIp(ips[i]);
  const routes = children(root, S.route);
  for (let i = 0; i < routes.length; i++) writeRoute(routes[i]);
  writeVirtualport(d.child(root, S.virtualport));
  const portgroups = children(root, S.portgroup);
  for (let i = 0; i < portgroups.length; i++) writePortgroup(portgroups[i]);
  if (options.length > 0) {
    line("<dnsmasq:options>");
    for (let i = 0; i < options.length; i++) line("  <dnsmasq:option" + kv("value", attr(options[i], S.value)) + "/>");
    line("</dnsmasq:options>");
  }
  indent = 0;
  line("</network>");
}

function writeForward(forward: i32, flags: i32): void {
  if (mode == "none") return;
  let head = "<forward";
  if (pf == "" && poolDevs.length > 0) head += kv("dev", poolDevs[0]);
  head += " mode='" + mode + "'";
  if (mode == "hostdev") head += attr(forward, S.managed).toLowerCase() == "yes" ? " managed='yes'" : " managed='no'";
  const driver = d.child(forward, S.driver);
  const nat = mode == "nat" ? d.child(forward, S.nat) : NONE;
  const natAddress = nat == NONE ? NONE : d.child(nat, S.address);
  const natPort = nat == NONE ? NONE : d.child(nat, S.port);
  const natPortUsed = natPort != NONE && (unsigned(attr(natPort, S.start)) > 0 || unsigned(attr(natPort, S.end)) > 0);
  const natIpv6 = has(nat, S.ipv6);
  const pool = poolDevs.length + poolAddresses.length;
  // (libvirt leaves a <driver model> alone outside a self-closed <forward/>; virtkit keeps it inside)
  if (pool == 0 && pf == "" && natAddress == NONE && !natPortUsed && !has(driver, S.name) && !has(driver, S.model) && !natIpv6) {
    line(head + "/>");
    return;
  }
  line(head + ">");
  indent += 2;
  if (has(driver, S.name) || has(driver, S.model)) line("<driver" + opt(driver, S.name, "name") + opt(driver, S.model, "model") + "/>");
  if (natAddress != NONE || natPortUsed) {
    line("<nat" + opt(nat, S.ipv6, "ipv6") + ">");
    if (natAddress != NONE) line("  <address start='" + attr(natAddress, S.start) + "'" + (has(natAddress, S.end) ? " end='" + attr(natAddress, S.end) + "'" : "") + "/>");
    if (natPortUsed) {
      const end = unsigned(attr(natPort, S.end));
      line("  <port start='" + unsigned(attr(natPort, S.start)).toString() + "'" + (end > 0 ? " end='" + end.toString() + "'" : "") + "/>");
    }
    line("</nat>");
  } else if (natIpv6) line("<nat ipv6='" + attr(nat, S.ipv6) + "'/>");
  if (pf != "") line("<pf" + kv("dev", pf) + "/>");
  if (!(pf != "" && (flags & NETWORK_XML_INACTIVE) != 0)) {
    for (let i = 0; i < poolDevs.length; i++) line("<interface" + kv("dev", poolDevs[i]) + "/>");
    for (let i = 0; i < poolAddresses.length; i++) {
      const k = poolAddresses[i];
      line("<address type='pci' domain='0x" + hex(k >>> 16, 4) + "' bus='0x" + hex((k >> 8) & 0xff, 2) + "' slot='0x" + hex((k >> 3) & 0x1f, 2) + "' function='0x" + (k & 7).toString() + "'/>");
    }
  }
  indent -= 2;
  line("</forward>");
}

function writeBridge(bridge: i32): void {
  const makesBridge = mode == "none" || mode == "nat" || mode == "route" || mode == "open";
  if (!makesBridge && attr(bridge, S.name) == "" && !has(bridge, S.macTableManager)) return;
  let s = "<bridge";
  if (attr(bridge, S.name) != "") s += kv("name", attr(bridge, S.name));
  s += opt(bridge, S.zone, "zone");
  if (makesBridge) s += " stp='" + (attr(bridge, S.stp) == "off" ? "off" : "on") + "' delay='" + max<i64>(0, unsigned(attr(bridge, S.delay))).toString() + "'";
  s += opt(bridge, S.macTableManager, "macTableManager");
  line(s + "/>");
}

function writeDns(dns: i32): void {
  if (dns == NONE) return;
  const forwarders = children(dns, S.forwarder);
  const txts = children(dns, S.txt);
  const srvs = children(dns, S.srv);
  const hosts = children(dns, S.host);
  const head = "<dns" + opt(dns, S.enable, "enable") + opt(dns, S.forwardPlainNames, "forwardPlainNames");
  const count = forwarders.length + txts.length + srvs.length + hosts.length;
  if (count == 0) {
    if (has(dns, S.enable) || has(dns, S.forwardPlainNames)) line(head + "/>");
    return;
  }
  line(head + ">");
  indent += 2;
  for (let i = 0; i < forwarders.length; i++) {
    const f = forwarders[i];
    line("<forwarder" + opt(f, S.domain, "domain") + (has(f, S.addr) ? " addr='" + normalIp(attr(f, S.addr)) + "'" : "") + "/>");
  }
  for (let i = 0; i < txts.length; i++) line("<txt" + kv("name", attr(txts[i], S.name)) + kv("value", attr(txts[i], S.value)) + "/>");
  for (let i = 0; i < srvs.length; i++) {
    const s = srvs[i];
    let t = "<srv" + kv("service", attr(s, S.service)) + kv("protocol", attr(s, S.protocol)) + opt(s, S.domain, "domain") + opt(s, S.target, "target");
    const numbers = [S.port, S.priority, S.weight];
    const names = ["port", "priority", "weight"];
    for (let k = 0; k < 3; k++) {
      const v = unsigned(attr(s, numbers[k]));
      if (v > 0) t += " " + names[k] + "='" + v.toString() + "'";
    }
    line(t + "/>");
  }
  for (let i = 0; i < hosts.length; i++) {
    line("<host ip='" + normalIp(attr(hosts[i], S.ip)) + "'>");
    const names = children(hosts[i], S.hostname);
    for (let k = 0; k < names.length; k++) line("  <hostname>" + escape(textOf(names[k])) + "</hostname>");
    line("</host>");
  }
  indent -= 2;
  line("</dns>");
}

/** An address as libvirt writes it back (parsed, then formatted). */
export function normalIp(s: string): string {
  return parseIp(s, other) ? formatIp(other) : s;
}

function writeVlan(vlan: i32): void {
  if (vlan == NONE) return;
  const tags = children(vlan, S.tag);
  const trunk = attr(vlan, S.trunk).toLowerCase() == "yes" || tags.length > 1;
  line(trunk ? "<vlan trunk='yes'>" : "<vlan>");
  for (let i = 0; i < tags.length; i++) {
    line("  <tag id='" + unsigned(attr(tags[i], S.id)).toString() + "'" + opt(tags[i], S.nativeMode, "nativeMode") + "/>");
  }
  line("</vlan>");
}

function writeBandwidth(bandwidth: i32): void {
  const inbound = bandwidth == NONE ? NONE : d.child(bandwidth, S.inbound);
  const outbound = bandwidth == NONE ? NONE : d.child(bandwidth, S.outbound);
  if (inbound == NONE && outbound == NONE) return;
  line("<bandwidth>");
  writeRate(inbound, "inbound");
  writeRate(outbound, "outbound");
  line("</bandwidth>");
}

function writeRate(n: i32, element: string): void {
  if (n == NONE) return;
  const names = ["average", "peak", "floor", "burst"];
  const syms = [S.average, S.peak, S.floor, S.burst];
  let s = "  <" + element;
  for (let i = 0; i < 4; i++) {
    const v = unsigned(attr(n, syms[i]));
    if (v > 0) s += " " + names[i] + "='" + v.toString() + "'";
  }
  line(s + "/>");
}

function writeIp(n: i32): void {
  const a = new IpAddress();
  parseIp(attr(n, S.address), a);
  let head = "<ip" + (has(n, S.family) ? " family='" + attr(n, S.family) + "'" : "") + " address='" + formatIp(a) + "'";
  if (attr(n, S.netmask) != "") head += " netmask='" + normalIp(attr(n, S.netmask)) + "'";
  const prefix = unsigned(attr(n, S.prefix));
  if (prefix > 0) head += " prefix='" + prefix.toString() + "'";
  head += opt(n, S.localPtr, "localPtr");
  line(head + ">");
  indent += 2;
  const tftp = d.child(n, S.tftp);
  if (has(tftp, S.root)) line("<tftp" + kv("root", attr(tftp, S.root)) + "/>");
  const dhcp = d.child(n, S.dhcp);
  const ranges = children(dhcp, S.range);
  const hosts = children(dhcp, S.host);
  if (ranges.length + hosts.length > 0) {
    line("<dhcp>");
    indent += 2;
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i];
      writeWithLease("<range start='" + normalIp(attr(r, S.start)) + "' end='" + normalIp(attr(r, S.end)) + "'", "range", d.child(r, S.lease));
    }
    for (let i = 0; i < hosts.length; i++) {
      const h = hosts[i];
      writeWithLease(dhcpHostTag(h), "host", d.child(h, S.lease));
    }
    const bootp = d.child(dhcp, S.bootp);
    if (a.family == 4 && bootp != NONE) line("<bootp" + kv("file", attr(bootp, S.file)) + (has(bootp, S.server) ? " server='" + normalIp(attr(bootp, S.server)) + "'" : "") + "/>");
    indent -= 2;
    line("</dhcp>");
  }
  indent -= 2;
  line("</ip>");
}

/** A DHCP <host>'s start tag, unclosed: its attributes as libvirt formats them. */
export function dhcpHostTag(h: i32): string {
  let s = "<host";
  if (has(h, S.mac)) s += " mac='" + attr(h, S.mac) + "'";
  s += opt(h, S.id, "id") + opt(h, S.name, "name");
  if (has(h, S.ip)) s += " ip='" + normalIp(attr(h, S.ip)) + "'";
  return s;
}

/** A range or host, self-closing, or with its <lease> inside. */
function writeWithLease(head: string, element: string, lease: i32): void {
  if (!has(lease, S.expiry)) {
    line(head + "/>");
    return;
  }
  line(head + ">");
  const expiry = unsigned(attr(lease, S.expiry));
  if (expiry == 0) line("  <lease expiry='0'/>");
  else line("  <lease expiry='" + expiry.toString() + "' unit='" + (has(lease, S.unit) ? attr(lease, S.unit) : "minutes") + "'/>");
  line("</" + element + ">");
}

function writeRoute(r: i32): void {
  let s = "<route" + (has(r, S.family) ? " family='" + attr(r, S.family) + "'" : "") + " address='" + normalIp(attr(r, S.address)) + "'";
  if (has(r, S.netmask)) s += " netmask='" + normalIp(attr(r, S.netmask)) + "'";
  if (has(r, S.prefix)) s += " prefix='" + unsigned(attr(r, S.prefix)).toString() + "'";
  s += " gateway='" + normalIp(attr(r, S.gateway)) + "'";
  if (unsigned(attr(r, S.metric)) > 0) s += " metric='" + unsigned(attr(r, S.metric)).toString() + "'";
  line(s + "/>");
}

function writeVirtualport(v: i32): void {
  if (v == NONE) return;
  const params = d.child(v, S.parameters);
  const type = has(v, S.type) ? " type='" + attr(v, S.type) + "'" : "";
  let p = "";
  if (params != NONE) {
    const names = ["managerid", "typeid", "typeidversion", "instanceid", "interfaceid", "profileid"];
    const syms = [S.managerid, S.typeid, S.typeidversion, S.instanceid, S.interfaceid, S.profileid];
    for (let i = 0; i < 6; i++) {
      if (!has(params, syms[i])) continue;
      const value = attr(params, syms[i]);
      p += kv(names[i], i < 3 ? max<i64>(0, cNumber(value)).toString() : value);
    }
  }
  if (p == "") {
    if (type != "") line("<virtualport" + type + "/>");
    return;
  }
  line("<virtualport" + type + ">");
  line("  <parameters" + p + "/>");
  line("</virtualport>");
}

function writePortgroup(g: i32): void {
  let head = "<portgroup" + kv("name", attr(g, S.name));
  if (attr(g, S.default_).toLowerCase() == "yes") head += " default='yes'";
  head += opt(g, S.trustGuestRxFilters, "trustGuestRxFilters");
  line(head + ">");
  indent += 2;
  writeVlan(d.child(g, S.vlan));
  writeVirtualport(d.child(g, S.virtualport));
  writeBandwidth(d.child(g, S.bandwidth));
  indent -= 2;
  line("</portgroup>");
}

/** The checked network's name (after checkNetwork). */
export function checkedName(): string {
  return name;
}

/** The checked network's <bridge name> ("" without one). */
export function checkedBridge(): string {
  return attr(d.child(d.root, S.bridge), S.name);
}

/** The checked network's document (after checkNetwork), for the parts built from it. */
export function checkedDoc(): Doc {
  return d;
}

/** The checked network's forward mode ("none" without <forward>). */
export function checkedMode(): string {
  return mode;
}

/** The checked network's forward interface by name ("" without one): libvirt's virNetworkDefForwardIf(def, 0). */
export function checkedForwardDev(): string {
  return poolDevs.length > 0 ? poolDevs[0] : "";
}

/** Names the checked network's bridge (libvirt's network driver does at define when none is given). */
export function assignBridge(bridgeName: string): void {
  let bridge = d.child(d.root, S.bridge);
  if (bridge == NONE) bridge = d.addElement(d.root, S.bridge);
  d.setAttr(bridge, S.name, bridgeName);
}

/** Gives the checked network's bridge a MAC when it has none (libvirt's virNetworkSetBridgeMacAddr). */
export function assignMac(mac: string): void {
  let element = d.child(d.root, S.mac);
  if (element == NONE) element = d.addElement(d.root, S.mac);
  if (!has(element, S.address)) d.setAttr(element, S.address, mac);
}
