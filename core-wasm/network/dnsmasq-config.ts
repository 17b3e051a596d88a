// The files libvirt's network driver gives the dnsmasq of a virtual network (its
// networkDnsmasqConfContents and the dnsmasq context's host lists): the .conf file dnsmasq runs
// with, the DHCP hosts file (dhcp-hostsfile=) and the DNS hosts file (addn-hosts=), from a network
// that network-xml.ts has checked. libvirt's networkxml2confdata fixes the .conf and hosts file
// byte for byte. dnsmasq itself is taken to be one libvirt 10 accepts (2.67 or later: it has
// bind-dynamic, ra-param and DHCPv6 with router advertisements), so no line depends on its version.
import { ByteBuf } from "../util/bytes";
import { Code, From, beginError } from "../errors";
import { Doc, NONE } from "../xml/dom";
import { S } from "../xml/names.gen";
import { formatIp, IpAddress, parseIp } from "./addresses";
import { attr, checkedBridge, checkedMode, checkedName, checkNetwork, children, dnsmasqOptions, effectivePrefix, escape, has, normalIp, textOf, unsigned } from "./network-xml";

/** The .conf file, the DHCP hosts file and the DNS hosts file of the last generation. */
export const conf = new ByteBuf(2048);
export const dhcpHosts = new ByteBuf(512);
export const dnsHosts = new ByteBuf(256);
let needed = false;

let doc: Doc = new Doc();
let bridge = "";
/** The <ip> of each family whose DHCP dnsmasq serves (libvirt serves one of each). */
let v4: IpDef | null = null;
let v6: IpDef | null = null;

/** Whether libvirt would start dnsmasq for the last network generated (networkStartDhcpDaemon's test). */
export function dnsmasqNeeded(): bool {
  return needed;
}

/** An <ip> of the network, with what its DHCP and TFTP lines need. */
class IpDef {
  readonly address: IpAddress = new IpAddress();
  prefix: i32 = 0;
  dhcp: i32 = NONE;
  ranges: i32[] = [];
  hosts: i32[] = [];
  tftp: i32 = NONE;

  constructor(readonly node: i32) {
    parseIp(attr(node, S.address), this.address);
    this.prefix = effectivePrefix(node, this.address);
    // libvirt reads the first <dhcp> only
    this.dhcp = doc.child(node, S.dhcp);
    this.ranges = children(this.dhcp, S.range);
    this.hosts = children(this.dhcp, S.host);
    this.tftp = doc.child(node, S.tftp);
  }

  get servesDhcp(): bool {
    return this.ranges.length + this.hosts.length > 0;
  }

  get v6(): bool {
    return this.address.family == 6;
  }

  /** Whether it has a TFTP root to serve (libvirt rejects <tftp> on IPv6 at parse time). */
  get servesTftp(): bool {
    return has(this.tftp, S.root);
  }
}

// ---- writing ------------------------------------------------------------------------------------

/** Appends a value from the document as UTF-8 (ByteBuf.str is for literals: it does not pair surrogates). */
function put(b: ByteBuf, s: string): void {
  const utf8 = String.UTF8.encode(s);
  b.raw(changetype<usize>(utf8), utf8.byteLength);
}

/** A `key=value` line of the .conf file. */
function option(key: string, value: string): void {
  conf.str(key);
  conf.byte(61);
  put(conf, value);
  conf.byte(10);
}

function fail(code: i32, message: string): bool {
  beginError(code, From.NETWORK).str(message);
  return false;
}

// ---- the generation ------------------------------------------------------------------------------

/**
 * Where a network's hosts files are, less their extensions (.hostsfile, .addnhosts): libvirt's
 * configuration names them with the network's name XML-escaped (networkxml2confdata's
 * name-with-quotes case), so that is where they must be written too.
 */
export function hostsFilesBase(stateDir: string, name: string): string {
  return stateDir + "/" + escape(name);
}

/**
 * Checks the network XML in `d` (len input bytes) and writes its dnsmasq files into conf,
 * dhcpHosts and dnsHosts. stateDir is where the hosts files live (libvirt's
 * /var/lib/libvirt/dnsmasq), pidFile the pid file dnsmasq writes ("" for no pid-file line, as in
 * libvirt's tests). Networks whose forward mode makes no bridge of their own get no files.
 */
export function dnsmasqConfig(d: Doc, len: i32, stateDir: string, pidFile: string): bool {
  conf.clear();
  dhcpHosts.clear();
  dnsHosts.clear();
  needed = false;
  if (!checkNetwork(d, len)) return false;
  doc = d;
  const mode = checkedMode();
  if (mode != "none" && mode != "nat" && mode != "route" && mode != "open") return true;
  const name = checkedName();
  bridge = checkedBridge();
  // libvirt names the bridge at define, so a live definition has one: dnsmasq listens on it
  if (bridge == "") return fail(Code.INTERNAL_ERROR, "network '" + name + "' has no bridge name");
  const root = d.root;
  const dns = d.child(root, S.dns);
  const wantDns = attr(dns, S.enable) != "no";
  const ips = ipDefs(root);

  writeHeader(name);
  if (!wantDns) conf.str("port=0\n");
  else writeForwarders(dns);
  writeDomain(d.child(root, S.domain));
  if (wantDns && !writeLocalPtrs(ips)) return false;
  if (wantDns && attr(dns, S.forwardPlainNames) == "no") conf.str("domain-needed\nlocal=//\n");
  if (pidFile != "") option("pid-file", pidFile);
  conf.str("except-interface=lo\nbind-dynamic\n");
  option("interface", bridge);
  // an isolated network: no default route, no upstream DNS, no IPv6 default route from RAs
  if (mode == "none") conf.str("dhcp-option=3\nno-resolv\nra-param=*,0,0\n");
  if (wantDns) writeDnsRecords(dns);
  if (!writeDhcpAndTftp(ips)) return false;
  writeDnsHosts(dns);
  const files = hostsFilesBase(stateDir, name);
  if (v4 !== null || v6 !== null) option("dhcp-hostsfile", files + ".hostsfile");
  // written even when empty, so hosts added at run time need no restart
  if (wantDns) option("addn-hosts", files + ".addnhosts");
  const mtu = unsigned(attr(d.child(root, S.mtu), S.size));
  // DHCP tells the guests the bridge's MTU
  if (mtu > 0) option("dhcp-option", "option:mtu," + mtu.toString());
  writeRouterAdvertisements(ips);
  const options = dnsmasqOptions();
  for (let i = 0; i < options.length; i++) {
    put(conf, attr(options[i], S.value));
    conf.byte(10);
  }
  needed = ips.length > 0 && (servesAny(ips) || wantDns);
  return true;
}

function ipDefs(root: i32): IpDef[] {
  const nodes = children(root, S.ip);
  const out = new Array<IpDef>();
  for (let i = 0; i < nodes.length; i++) out.push(new IpDef(nodes[i]));
  return out;
}

/** Whether some <ip> has DHCP or TFTP to serve (libvirt starts dnsmasq for these even without DNS). */
function servesAny(ips: IpDef[]): bool {
  for (let i = 0; i < ips.length; i++) if (ips[i].servesDhcp || ips[i].servesTftp) return true;
  return false;
}

function writeHeader(name: string): void {
  conf.str("##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n");
  conf.str("##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:\n");
  conf.str("##    virsh net-edit ");
  put(conf, name);
  conf.str("\n## or other application using the libvirt API.\n##\n## dnsmasq conf file created by libvirt\n");
  // resolv.conf's servers in order, as glibc uses them
  conf.str("strict-order\n");
}

/** server= lines; no-resolv when some forwarder takes every name not claimed by a domain. */
function writeForwarders(dns: i32): void {
  const forwarders = children(dns, S.forwarder);
  let noResolv = false;
  for (let i = 0; i < forwarders.length; i++) {
    const f = forwarders[i];
    conf.str("server=");
    if (has(f, S.domain)) {
      conf.byte(47);
      put(conf, attr(f, S.domain));
      conf.byte(47);
    }
    if (has(f, S.addr)) {
      conf.str(normalIp(attr(f, S.addr)));
      if (!has(f, S.domain)) noResolv = true;
    } else conf.byte(35); // "#": names in this domain are not forwarded at all
    conf.byte(10);
  }
  if (noResolv) conf.str("no-resolv\n");
}

function writeDomain(domain: i32): void {
  if (!has(domain, S.name)) return;
  const name = attr(domain, S.name);
  if (attr(domain, S.localOnly) == "yes") option("local", "/" + name + "/");
  option("domain", name);
  conf.str("expand-hosts\n");
}

/** local=/<reverse zone>/ for each <ip localPtr='yes'>, so dnsmasq answers its PTR queries itself. */
function writeLocalPtrs(ips: IpDef[]): bool {
  for (let i = 0; i < ips.length; i++) {
    const ip = ips[i];
    if (attr(ip.node, S.localPtr) != "yes") continue;
    const zone = reverseZone(ip.address, ip.prefix);
    if (zone == "") {
      // libvirt prints the prefix unsigned: -1 (no usable netmask) shows as 4294967295
      return fail(Code.CONFIG_UNSUPPORTED, "PTR domain for " + (ip.v6 ? "IPv6" : "IPv4") + " network with prefix " + (<u32>ip.prefix).toString() + " cannot be automatically created");
    }
    option("local", "/" + zone + "/");
  }
  return true;
}

/**
 * The reverse DNS zone of address/prefix (virSocketAddrPTRDomain): whole bytes of IPv4, whole
 * nibbles of IPv6, most significant last; "" when the prefix is not on such a boundary, or is
 * 0 or the full length.
 */
export function reverseZone(a: IpAddress, prefix: i32): string {
  const bits = a.family == 4 ? 32 : 128;
  const step = a.family == 4 ? 8 : 4;
  if (prefix <= 0 || prefix >= bits || prefix % step != 0) return "";
  let out = "";
  for (let i = prefix / step - 1; i >= 0; i--) {
    if (a.family == 4) out += a.bytes[i].toString() + ".";
    else out += ((a.bytes[i >> 1] >> ((i & 1) == 1 ? 0 : 4)) & 15).toString(16) + ".";
  }
  return out + (a.family == 4 ? "in-addr.arpa" : "ip6.arpa");
}

function writeDnsRecords(dns: i32): void {
  const txts = children(dns, S.txt);
  for (let i = 0; i < txts.length; i++) option("txt-record", attr(txts[i], S.name) + "," + attr(txts[i], S.value));
  const srvs = children(dns, S.srv);
  for (let i = 0; i < srvs.length; i++) writeSrv(srvs[i]);
}

/**
 * srv-host=_service._protocol[.domain][,target[,port[,priority[,weight]]]]: the numbers are
 * positional, so one given after a missing one brings in the default (port 1, else 0). A missing
 * target or "." says the service is not offered (RFC 2782), and then nothing follows.
 */
function writeSrv(srv: i32): void {
  let s = "_" + attr(srv, S.service) + "._" + attr(srv, S.protocol);
  if (has(srv, S.domain)) s += "." + attr(srv, S.domain);
  const target = attr(srv, S.target);
  if (has(srv, S.target) && target != ".") {
    s += "," + target;
    const port = max<i64>(0, unsigned(attr(srv, S.port)));
    const priority = max<i64>(0, unsigned(attr(srv, S.priority)));
    const weight = max<i64>(0, unsigned(attr(srv, S.weight)));
    if (port > 0 || priority > 0 || weight > 0) s += "," + (port > 0 ? port : 1).toString();
    if (priority > 0 || weight > 0) s += "," + priority.toString();
    if (weight > 0) s += "," + weight.toString();
  }
  option("srv-host", s);
}

// ---- DHCP ----------------------------------------------------------------------------------------

/**
 * Picks the DHCP <ip> of each family (a second one of a family is an error), writes the TFTP
 * lines of the IPv4 ones on the way, then the DHCP of IPv4 and IPv6 and the lease limit.
 */
function writeDhcpAndTftp(ips: IpDef[]): bool {
  v4 = null;
  v6 = null;
  let tftp = false;
  for (let i = 0; i < ips.length; i++) {
    const ip = ips[i];
    if (ip.servesDhcp) {
      if (ip.v6 ? v6 !== null : v4 !== null) return fail(Code.CONFIG_UNSUPPORTED, "For " + (ip.v6 ? "IPv6" : "IPv4") + ", multiple DHCP definitions cannot be specified.");
      if (ip.v6) v6 = ip;
      else v4 = ip;
    }
    if (!ip.servesTftp) continue;
    if (!tftp) conf.str("enable-tftp\n");
    tftp = true;
    option("tftp-root", attr(ip.tftp, S.root));
  }
  let leases: i64 = 0;
  for (let k = 0; k < 2; k++) {
    const ip = k == 0 ? v4 : v6;
    if (ip === null) continue;
    const n = writeDhcp(ip);
    if (n < 0) return false;
    leases += n;
  }
  if (leases > 0) option("dhcp-lease-max", leases.toString());
  return true;
}

/** One <ip>'s dhcp-range lines and hosts, and for IPv4 its authority and boot lines; the addresses its ranges hold, or -1. */
function writeDhcp(ip: IpDef): i64 {
  if (ip.prefix < 0) {
    fail(Code.INTERNAL_ERROR, "bridge '" + bridge + "' has an invalid prefix");
    return -1;
  }
  // dnsmasq takes an IPv6 range's prefix length, but an IPv4 range's netmask
  const size = ip.v6 ? ip.prefix.toString() : netmask(ip.prefix);
  let leases: i64 = 0;
  for (let i = 0; i < ip.ranges.length; i++) {
    const r = ip.ranges[i];
    let s = normalIp(attr(r, S.start)) + "," + normalIp(attr(r, S.end)) + "," + size;
    const lease = leaseTime(doc.child(r, S.lease));
    if (lease != "") s += "," + lease;
    option("dhcp-range", s);
    leases += rangeSize(attr(r, S.start), attr(r, S.end));
  }
  // hosts alone: a static-only range turns DHCP on for them
  if (ip.ranges.length == 0 && ip.hosts.length > 0) option("dhcp-range", formatIp(ip.address) + ",static" + (ip.v6 ? "," + size : ""));
  for (let i = 0; i < ip.hosts.length; i++) writeDhcpHost(ip.hosts[i], ip.v6);
  if (ip.v6) return leases;
  conf.str("dhcp-no-override\ndhcp-authoritative\n");
  const bootp = doc.child(ip.dhcp, S.bootp);
  if (has(bootp, S.file)) {
    const server = has(bootp, S.server) ? ",," + normalIp(attr(bootp, S.server)) : "";
    option("dhcp-boot", attr(bootp, S.file) + server);
  }
  return leases;
}

/** The IPv4 netmask of a prefix, dotted. */
function netmask(prefix: i32): string {
  const mask = new IpAddress();
  mask.family = 4;
  for (let i = 0; i < 4; i++) mask.bytes[i] = <u8>(0xff00 >> min(8, max(0, prefix - 8 * i)));
  return formatIp(mask);
}

/** How many addresses a range holds: the parser has checked that only the last 16 bits differ. */
function rangeSize(start: string, end: string): i64 {
  const a = new IpAddress();
  const b = new IpAddress();
  parseIp(start, a);
  parseIp(end, b);
  const last = a.byteCount - 2;
  const low = (<i32>a.bytes[last] << 8) | a.bytes[last + 1];
  const high = (<i32>b.bytes[last] << 8) | b.bytes[last + 1];
  return high - low + 1;
}

/** dnsmasq's lease time for a <lease>: "infinite", or the number and the unit's first letter; "" when none. */
function leaseTime(lease: i32): string {
  if (!has(lease, S.expiry)) return "";
  const expiry = unsigned(attr(lease, S.expiry));
  if (expiry == 0) return "infinite";
  const unit = has(lease, S.unit) ? attr(lease, S.unit) : "minutes";
  return expiry.toString() + unit.charAt(0);
}

/**
 * A dhcp-hostsfile line: IPv4 hosts by MAC (and name), IPv6 hosts by DUID ("id:") and/or name,
 * their address in brackets; then the lease time.
 */
function writeDhcpHost(h: i32, ipv6: bool): void {
  const name = attr(h, S.name);
  const ip = normalIp(attr(h, S.ip));
  let s = "";
  if (ipv6) {
    if (has(h, S.id)) s = "id:" + attr(h, S.id) + (has(h, S.name) ? "," + name : "");
    else s = name;
    s += ",[" + ip + "]";
  } else if (has(h, S.name) && has(h, S.mac)) s = attr(h, S.mac) + "," + ip + "," + name;
  else if (has(h, S.name)) s = name + "," + ip;
  else s = attr(h, S.mac) + "," + ip;
  const lease = leaseTime(doc.child(h, S.lease));
  if (lease != "") s += "," + lease;
  put(dhcpHosts, s);
  dhcpHosts.byte(10);
}

/** IPv6 router advertisements: dnsmasq's own with DHCPv6, else an RA-only range per IPv6 address. */
function writeRouterAdvertisements(ips: IpDef[]): void {
  if (v6 !== null) {
    conf.str("enable-ra\n");
    return;
  }
  for (let i = 0; i < ips.length; i++) if (ips[i].v6) option("dhcp-range", formatIp(ips[i].address) + ",ra-only");
}

// ---- DNS hosts -----------------------------------------------------------------------------------

/** The addn-hosts file: one line per address ("ADDR\tNAME\t…\n"), an address's names gathered in order. */
function writeDnsHosts(dns: i32): void {
  const hosts = children(dns, S.host);
  const addresses = new Array<string>();
  const names = new Array<string>();
  for (let i = 0; i < hosts.length; i++) {
    const ip = normalIp(attr(hosts[i], S.ip));
    let at = addresses.indexOf(ip);
    if (at < 0) {
      at = addresses.length;
      addresses.push(ip);
      names.push("");
    }
    const hostnames = children(hosts[i], S.hostname);
    for (let k = 0; k < hostnames.length; k++) names[at] += textOf(hostnames[k]) + "\t";
  }
  for (let i = 0; i < addresses.length; i++) {
    put(dnsHosts, addresses[i] + "\t" + names[i]);
    dnsHosts.byte(10);
  }
}
