// virsh's network-interface monitoring commands: domifstat (a NIC's counters, as the guest sees
// them) and domifaddr (the addresses found for each NIC), with virsh's output formats
// (domiflist, which reads only the XML, is in monitor.ts).
import { DomainInterfaceAddressesSource } from "../../constants.js";
import { domainArg, flag, requiredArg, stringOpt, type CommandDef } from "../command.js";
import type { CommandContext } from "../context.js";

type Command = CommandDef<CommandContext>;

const STAT_FIELDS = ["rx_bytes", "rx_packets", "rx_errs", "rx_drop", "tx_bytes", "tx_packets", "tx_errs", "tx_drop"] as const;

const domifstat: Command = {
  name: "domifstat",
  group: "monitor",
  summary: "get network interface stats for a domain",
  description: "Prints a NIC's bytes, frames, errors and drops, received and sent by the guest.",
  options: [domainArg(), requiredArg("interface", "string", "interface device specified by name or MAC Address")],
  async run(ctx) {
    const dom = await ctx.domain();
    const device = ctx.string("interface")!;
    const stats = await ctx.attempt(`Failed to get interface stats ${ctx.string("domain")} ${device}`, () => dom.interfaceStats(device));
    // (a counter the driver does not keep is -1, and left out)
    ctx.print(STAT_FIELDS.filter((f) => stats[f] >= 0).map((f) => `${device} ${f} ${stats[f]}\n`).join(""));
    return true;
  },
};

const SOURCES: Record<string, number> = {
  lease: DomainInterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE,
  agent: DomainInterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
  arp: DomainInterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP,
};

const domifaddr: Command = {
  name: "domifaddr",
  group: "monitor",
  summary: "Get network interfaces' addresses for a running domain",
  description: "Prints each NIC's addresses, from a virtual network's leases, a guest agent or the host's ARP table.",
  options: [
    domainArg(),
    stringOpt("interface", "network interface name", { positional: true }),
    flag("full", "always display names and MACs of interfaces"),
    stringOpt("source", "address source: 'lease', 'agent', or 'arp'"),
  ],
  async run(ctx) {
    const dom = await ctx.domain();
    const wanted = ctx.string("interface");
    const sourceName = ctx.string("source") ?? "lease";
    const source = SOURCES[sourceName];
    if (source === undefined) return ctx.fail(`Unknown data source '${sourceName}'`);
    const nics = await ctx.attempt(`Failed to query for interfaces addresses`, () => dom.interfaceAddresses(source));
    ctx.printExtra(` ${"Name".padEnd(10)} ${"MAC address".padEnd(20)} ${"Protocol".padEnd(8)}     Address\n${"-".repeat(79)}\n`);
    let out = "";
    for (const nic of nics) {
      if (wanted !== undefined && nic.name !== wanted) continue;
      const hwaddr = nic.hwaddr || "N/A";
      if (nic.addrs.length === 0) out += ` ${nic.name.padEnd(10)} ${hwaddr.padEnd(17)}    ${"N/A".padEnd(12)} N/A\n`;
      nic.addrs.forEach((a, i) => {
        const [name, mac] = i === 0 || ctx.has("full") ? [nic.name, hwaddr] : ["-", "-"];
        out += ` ${name.padEnd(10)} ${mac.padEnd(17)}    ${(a.type === 1 ? "ipv6" : "ipv4").padEnd(12)} ${a.addr}/${a.prefix}\n`;
      });
    }
    ctx.print(out);
    return true;
  },
};

export const NIC_COMMANDS: Command[] = [domifstat, domifaddr];
