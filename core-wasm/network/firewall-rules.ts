// A virtual network's firewall as libvirt 10.7's nftables backend makes it: a list of rules, each
// with its family, the chain libvirt puts it in and its words (matches, then the statement), in the
// order libvirt inserts them. nft-script.ts writes the list as text (libvirt's commands or
// virtkit's script); nothing here knows either text, so the two cannot drift apart.
import { Code, From, beginError } from "../errors";
import { NONE } from "../xml/dom";
import { S } from "../xml/names.gen";
import { attr as attrOf } from "../drivers/hosted/plan-writer";
import { checkedBridge, checkedDoc, checkedForwardDev, checkedMode, checkedName, effectivePrefix, unsigned } from "./network-xml";
import { clearHostBits, formatIp, IpAddress, parseIp, samePrefix } from "./addresses";

/** The chains of libvirt's table a network's rules go in. */
export const enum Chain {
  OUTPUT = 0,
  INPUT = 1,
  CROSS = 2,
  NAT = 3,
}

export class Rule {
  family: i32;
  chain: i32;
  words: string[] = [];
  /** Which words are interface names (a script quotes them). */
  names: bool[] = [];

  constructor(family: i32, chain: i32) {
    this.family = family;
    this.chain = chain;
  }

  word(w: string): Rule {
    this.words.push(w);
    this.names.push(false);
    return this;
  }

  name(w: string): Rule {
    this.words.push(w);
    this.names.push(true);
    return this;
  }
}

/** A subnet of the network: its address (host bits cleared), prefix, and "address/prefix". */
export class Subnet {
  address: IpAddress = new IpAddress();
  prefix: i32 = 0;
  text: string = "";
}

/** The rules of the last buildRules, in libvirt's order. */
export const rules = new Array<Rule>();
/** The subnets whose traffic the NAT rules handle (none contained in another of the list). */
export const natSources = new Array<Subnet>();
let bridge = "";
let forwardDev = "";

/** The rules for the network checkNetwork accepted; false with libvirt's error. An open network has none. */
export function buildRules(): bool {
  rules.length = 0;
  natSources.length = 0;
  const mode = checkedMode();
  if (mode == "open") return true;
  if (mode != "none" && mode != "nat" && mode != "route") {
    beginError(Code.CONFIG_UNSUPPORTED, From.NETWORK).str("firewall rules are not made for network '" + checkedName() + "' with forward mode='" + mode + "'");
    return false;
  }
  bridge = checkedBridge();
  if (bridge == "") {
    beginError(Code.INTERNAL_ERROR, From.NETWORK).str("network '" + checkedName() + "' has no bridge name: the firewall needs its live definition");
    return false;
  }
  forwardDev = checkedForwardDev();
  const d = checkedDoc();
  const ips = new Array<i32>();
  for (let n = d.child(d.root, S.ip); n != NONE; n = d.nextNamed(n)) ips.push(n);
  generalRules(4);
  if (hasIpv6(ips) || attrOf(d, d.root, S.ipv6) == "yes") generalRules(6);
  for (let i = 0; i < ips.length; i++) if (!ipRules(ips[i], mode)) return false;
  dropCoveredNatSources();
  return true;
}

function hasIpv6(ips: i32[]): bool {
  const a = new IpAddress();
  for (let i = 0; i < ips.length; i++) {
    if (parseIp(attrOf(checkedDoc(), ips[i], S.address), a) && a.family == 6) return true;
  }
  return false;
}

function rule(family: i32, chain: i32): Rule {
  const r = new Rule(family, chain);
  rules.push(r);
  return r;
}

/** libvirt's catch-alls for a family: nothing crosses the bridge but guest to guest. */
function generalRules(family: i32): void {
  rule(family, Chain.OUTPUT).word("iif").name(bridge).word("counter").word("reject");
  rule(family, Chain.INPUT).word("oif").name(bridge).word("counter").word("reject");
  rule(family, Chain.CROSS).word("iif").name(bridge).word("oif").name(bridge).word("counter").word("accept");
}

/** An <ip>'s own rules: masqueraded (nat; IPv6 only with <nat ipv6='yes'>) or routed. */
function ipRules(n: i32, mode: string): bool {
  if (mode == "none") return true;
  const d = checkedDoc();
  const subnet = new Subnet();
  parseIp(attrOf(d, n, S.address), subnet.address);
  const prefix = effectivePrefix(n, subnet.address);
  if (prefix < 0) {
    beginError(Code.INTERNAL_ERROR, From.NONE).str("Invalid prefix or netmask for '" + bridge + "'");
    return false;
  }
  clearHostBits(subnet.address, prefix);
  subnet.prefix = prefix;
  subnet.text = formatIp(subnet.address) + "/" + prefix.toString();
  const forward = d.child(d.root, S.forward);
  const nat = forward == NONE ? NONE : d.child(forward, S.nat);
  if (mode == "nat" && (subnet.address.family == 4 || attrOf(d, nat, S.ipv6) == "yes")) return masqueradeRules(subnet, nat);
  routedRules(subnet);
  return true;
}

function familyWord(s: Subnet): string {
  return s.address.family == 4 ? "ip" : "ip6";
}

/** Guests' traffic out of the bridge, from their subnet (and to the forward dev when there is one). */
function allowOut(s: Subnet): void {
  const r = rule(s.address.family, Chain.OUTPUT).word(familyWord(s)).word("saddr").word(s.text).word("iif").name(bridge);
  if (forwardDev != "") r.word("oifname").name(forwardDev);
  r.word("counter").word("accept");
}

function routedRules(s: Subnet): void {
  allowOut(s);
  const r = rule(s.address.family, Chain.INPUT).word(familyWord(s)).word("daddr").word(s.text);
  if (forwardDev != "") r.word("iifname").name(forwardDev);
  r.word("oif").name(bridge).word("counter").word("accept");
}

/** NAT: out as routed, back in only for known connections, then libvirt's five postrouting rules. */
function masqueradeRules(s: Subnet, nat: i32): bool {
  allowOut(s);
  const r = rule(s.address.family, Chain.INPUT);
  if (forwardDev != "") r.word("iifname").name(forwardDev);
  r.word("oif").name(bridge).word(familyWord(s)).word("daddr").word(s.text).word("ct").word("state").word("related,established").word("counter").word("accept");
  // inserted in reverse: the final chain order is broadcast, multicast, tcp, udp, any protocol
  if (!masquerade(s, nat, "") || !masquerade(s, nat, "udp") || !masquerade(s, nat, "tcp")) return false;
  if (s.address.family == 4) keepSource(s, "255.255.255.255/32");
  keepSource(s, s.address.family == 4 ? "224.0.0.0/24" : "ff02::/16");
  natSources.push(s);
  return true;
}

/** One masquerade (or SNAT, with a <nat><address> of the family) rule; tcp and udp keep ports ≥ 1024 by default. */
function masquerade(s: Subnet, nat: i32, protocol: string): bool {
  const d = checkedDoc();
  let ports = "";
  if (protocol != "") {
    const port = nat == NONE ? NONE : d.child(nat, S.port);
    let start = port == NONE ? 0 : unsigned(attrOf(d, port, S.start));
    let end = port == NONE ? 0 : unsigned(attrOf(d, port, S.end));
    if (start == 0 && end == 0) {
      start = 1024;
      end = 65535;
    }
    if (!(start < end && end < 65536)) {
      beginError(Code.INTERNAL_ERROR, From.NONE).str("Invalid port range '" + start.toString() + "-" + end.toString() + "'.");
      return false;
    }
    ports = ":" + start.toString() + "-" + end.toString();
  }
  const r = rule(s.address.family, Chain.NAT);
  if (protocol != "") r.word("meta").word("l4proto").word(protocol);
  r.word(familyWord(s)).word("saddr").word(s.text).word(familyWord(s)).word("daddr").word("!=").word(s.text);
  if (forwardDev != "") r.word("oifname").name(forwardDev);
  const addresses = natAddresses(nat, s.address.family);
  if (addresses != "") r.word("counter").word("snat").word("to").word(addresses + ports);
  else {
    r.word("counter").word("masquerade");
    if (ports != "") r.word("to").word(ports);
  }
  return true;
}

/** "start-end" of <nat><address> when its family is the subnet's ("" otherwise: masquerade). */
function natAddresses(nat: i32, family: i32): string {
  const d = checkedDoc();
  const range = nat == NONE ? NONE : d.child(nat, S.address);
  const start = new IpAddress();
  if (range == NONE || !parseIp(attrOf(d, range, S.start), start) || start.family != family) return "";
  const end = new IpAddress();
  if (!parseIp(attrOf(d, range, S.end), end) || end.family != family) return formatIp(start);
  return formatIp(start) + "-" + formatIp(end);
}

/** Traffic to a destination that never leaves the host keeps its source (no NAT). */
function keepSource(s: Subnet, destination: string): void {
  const r = rule(s.address.family, Chain.NAT);
  if (forwardDev != "") r.word("oifname").name(forwardDev);
  r.word(familyWord(s)).word("saddr").word(s.text).word(familyWord(s)).word("daddr").word(destination).word("counter").word("return");
}

/** Drops NAT subnets inside another of the network's (or repeating one): a map of intervals takes each once. */
function dropCoveredNatSources(): void {
  const kept = new Array<Subnet>();
  for (let i = 0; i < natSources.length; i++) if (!covered(i)) kept.push(natSources[i]);
  natSources.length = 0;
  for (let i = 0; i < kept.length; i++) natSources.push(kept[i]);
}

function covered(i: i32): bool {
  const s = natSources[i];
  for (let j = 0; j < natSources.length; j++) {
    const o = natSources[j];
    if (j == i || o.prefix > s.prefix || !samePrefix(o.address, s.address, o.prefix)) continue;
    if (o.prefix < s.prefix || j < i) return true;
  }
  return false;
}

/** The bridge the rules are for (after buildRules). */
export function rulesBridge(): string {
  return bridge;
}
