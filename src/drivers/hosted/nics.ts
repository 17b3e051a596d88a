// A hosted domain's NICs as domifstat and domifaddr see them (a kvm:/// guest's taps, a
// container's veths): found by the name of their host side (vnet0) or their MAC (libvirt's
// virDomainNetFind), counted by the host's kernel on that host side (/proc/net/dev, with receive
// and transmit swapped: what the host side sends, the guest receives), and addressed by the
// host's ARP table or by their virtual network's DHCP leases, as libvirt's drivers do.
import { readFileSync } from "node:fs";
import { parseDomainXML } from "../../domain-xml.js";
import type { InterfaceDef, XmlElement } from "../../domain-def.js";
import type { DomainInterface, InterfaceStats, NetworkDHCPLease } from "../driver.js";

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
/** /proc/net/arp's flags: the entry is complete (the neighbour answered). */
const ATF_COM = 0x2;

/** The tap's name of a live <interface> (its <target dev>), or "". */
export function tapOf(nic: InterfaceDef): string {
  const dev = (nic.target as XmlElement | undefined)?.dev;
  return typeof dev === "string" ? dev : "";
}

/** The NIC of a domain's live XML that `device` names: by MAC when it is one, else by its tap's name. */
export function findInterface(xml: string, device: string): InterfaceDef | undefined {
  const nics = parseDomainXML(xml).devices?.interface ?? [];
  if (MAC.test(device)) return nics.find((nic) => nic.mac?.address?.toLowerCase() === device.toLowerCase());
  return nics.find((nic) => tapOf(nic) === device);
}

/** The counters of `tap` from /proc/net/dev as the guest sees them; undefined when the host has no such interface. */
export function tapStats(tap: string, procNetDev = "/proc/net/dev"): InterfaceStats | undefined {
  for (const line of readFileSync(procNetDev, "utf8").split("\n").slice(2)) {
    const colon = line.indexOf(":");
    if (colon < 0 || line.slice(0, colon).trim() !== tap) continue;
    // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets errs drop …
    const v = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    return { rx_bytes: v[8], rx_packets: v[9], rx_errs: v[10], rx_drop: v[11], tx_bytes: v[0], tx_packets: v[1], tx_errs: v[2], tx_drop: v[3] };
  }
  return undefined;
}

/** Each NIC's IPv4 addresses the host's ARP table has for its MAC (complete entries), one entry per address, prefix 0. */
export function arpAddresses(xml: string, procNetArp = "/proc/net/arp"): DomainInterface[] {
  const table = readFileSync(procNetArp, "utf8")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 6 && (Number(f[2]) & ATF_COM) !== 0);
  const found: DomainInterface[] = [];
  for (const nic of parseDomainXML(xml).devices?.interface ?? []) {
    const mac = nic.mac?.address?.toLowerCase() ?? "";
    for (const [ip, , , hwaddr] of table) {
      if (hwaddr.toLowerCase() === mac) found.push({ name: tapOf(nic), hwaddr: mac, addrs: [{ type: 0, addr: ip, prefix: 0 }] });
    }
  }
  return found;
}

/**
 * Each NIC on a virtual network with the leases its network's DHCP server gave its MAC (libvirt's
 * lease source: NICs without one are left out). `leases` answers for a network name and a MAC.
 */
export function leaseAddresses(xml: string, leases: (network: string, mac: string) => NetworkDHCPLease[]): DomainInterface[] {
  const found: DomainInterface[] = [];
  for (const nic of parseDomainXML(xml).devices?.interface ?? []) {
    const network = (nic.source as XmlElement | undefined)?.network;
    const mac = nic.mac?.address?.toLowerCase() ?? "";
    if (nic.type !== "network" || typeof network !== "string" || mac === "") continue;
    const given = leases(network, mac);
    if (given.length > 0) found.push({ name: tapOf(nic), hwaddr: mac, addrs: given.map((l) => ({ type: l.type, addr: l.ipaddr, prefix: l.prefix })) });
  }
  return found;
}
