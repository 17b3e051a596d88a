// virNetworkGetDHCPLeases from the lease file a network's dnsmasq keeps (--dhcp-leasefile):
// "EXPIRY MAC IP HOSTNAME CLIENT-ID" per IPv4 lease ("*" for unknown, expiry 0 for never), then a
// "duid" line and the IPv6 leases, which name no MAC and so are left out, as libvirt's helper
// leaves out IPv6 leases without one. The prefix is the network's first <ip> of the lease's
// family, the interface its bridge (libvirt's rules); expired leases are not listed.
import type { NetworkDHCPLease } from "../driver.js";

/** The prefix of the first <ip> of a family in canonical network XML (netmask or prefix; libvirt writes one of them). */
function firstPrefix(xml: string, v6: boolean): number {
  for (const m of xml.matchAll(/<ip( family='ipv6')? address='[^']*'(?: netmask='([^']*)')?(?: prefix='(\d+)')?/g)) {
    if (Boolean(m[1]) !== v6) continue;
    if (m[3] !== undefined) return Number(m[3]);
    if (m[2] !== undefined) return m[2].split(".").reduce((bits, part) => bits + (Number(part).toString(2).match(/1/g)?.length ?? 0), 0);
    return v6 ? 64 : 24;
  }
  return 0;
}

export function leasesOf(text: string, liveXml: string, mac: string | null, now: number): NetworkDHCPLease[] {
  const bridge = /<bridge name='([^']*)'/.exec(liveXml)?.[1] ?? "";
  const leases: NetworkDHCPLease[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[0] === "duid") break; // the IPv6 part
    if (f.length < 5) continue;
    const expiry = Number(f[0]);
    if (expiry > 0 && expiry < now) continue;
    if (mac !== null && f[1].toLowerCase() !== mac.toLowerCase()) continue;
    leases.push({
      iface: bridge,
      expirytime: expiry,
      type: 0,
      mac: f[1],
      iaid: null,
      ipaddr: f[2],
      prefix: firstPrefix(liveXml, false),
      hostname: f[3] === "*" ? null : f[3],
      clientid: f[4] === "*" ? null : f[4],
    });
  }
  return leases;
}
