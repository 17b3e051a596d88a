// The node and its other objects: capabilities, nodeinfo, version, uri, hostname, freecell,
// nodecpustats, sysinfo, and the network, storage pool and host interface lists.
import { ConnectListAllNetworksFlags as Net, ConnectListAllInterfacesFlags as Iface, VIR_NODE_CPU_STATS_ALL_CPUS } from "../../constants.js";
import { LIB_VERSION } from "../../connection.js";
import type { NetworkSummary } from "../../drivers/driver.js";
import { flag, numberOpt, stringOpt, type CommandDef } from "../command.js";
import { prettyCapacity, yesNo } from "../format.js";
import type { CommandContext } from "../context.js";
import { printTable } from "./monitor.js";

type Command = CommandDef<CommandContext>;

/** A command that prints one string the connection answers. */
function show(name: string, summary: string, description: string | undefined, answer: (ctx: CommandContext) => Promise<string>): Command {
  return {
    name,
    group: "host",
    summary,
    description,
    options: [],
    async run(ctx) {
      ctx.print(await answer(ctx));
      return true;
    },
  };
}

const capabilities = show("capabilities", "show the hypervisor's capabilities", "Prints the host's and hypervisor's capabilities as XML.", async (ctx) => `${await (await ctx.connection()).getCapabilities()}\n`);
const sysinfo = show("sysinfo", "show the host's SMBIOS information", "Prints the host's system information as XML, where the hypervisor has it.", async (ctx) => (await ctx.connection()).getSysinfo());
const uri = show("uri", "show the connection's canonical URI", undefined, async (ctx) => `${await (await ctx.connection()).getURI()}\n`);
const hostname = show("hostname", "show the hypervisor host's name", undefined, async (ctx) => `${await (await ctx.connection()).getHostname()}\n`);

const nodeinfo = show("nodeinfo", "show the node's CPUs and memory", "Prints the node's CPU model, topology and memory size.", async (ctx) => {
  const n = await (await ctx.connection()).getInfo();
  const line = (label: string, value: string | number) => `${label.padEnd(20)} ${value}\n`;
  return (
    line("CPU model:", n.model) +
    line("CPU(s):", n.cpus) +
    line("CPU frequency:", `${n.mhz} MHz`) +
    line("CPU socket(s):", n.sockets) +
    line("Core(s) per socket:", n.cores) +
    line("Thread(s) per core:", n.threads) +
    line("NUMA cell(s):", n.nodes) +
    line("Memory size:", `${n.memory} KiB`)
  );
});

/** 9000000 → "9.0.0" */
const versionText = (v: number) => `${Math.floor(v / 1000000)}.${Math.floor(v / 1000) % 1000}.${v % 1000}`;

const version: Command = {
  name: "version",
  group: "host",
  summary: "show versions",
  description: "Prints the library's, the driver's and the hypervisor's versions.",
  options: [flag("daemon", "add the daemon's version")],
  async run(ctx) {
    const conn = await ctx.connection();
    const lib = versionText(LIB_VERSION);
    let out = `Compiled against library: libvirt ${lib}\nUsing library: libvirt ${lib}\n`;
    const type = await conn.getType();
    out += `Using API: ${type} ${lib}\n`;
    out += `Running hypervisor: ${type} ${versionText(await conn.getVersion())}\n`;
    if (ctx.has("daemon")) out += `Running against daemon: ${versionText(await conn.getLibVersion())}\n`;
    ctx.print(out);
    return true;
  },
};

const freecell: Command = {
  name: "freecell",
  group: "host",
  summary: "show free memory per NUMA cell",
  description: "Prints the free memory of the node, of one NUMA cell, or of every cell.",
  options: [numberOpt("cellno", "the NUMA cell"), flag("all", "every NUMA cell and their total")],
  async run(ctx) {
    ctx.exclusive("all", "cellno");
    const conn = await ctx.connection();
    const cell = ctx.int("cellno");
    if (cell !== undefined) {
      const [bytes] = await conn.getCellsFreeMemory(cell, 1);
      ctx.print(`${cell}: ${Math.floor(bytes / 1024)} KiB\n`);
    } else if (ctx.has("all")) {
      const cells = await conn.getCellsFreeMemory(0, (await conn.getInfo()).nodes);
      let total = 0;
      let out = "";
      cells.forEach((bytes, i) => {
        out += `${String(i).padStart(5)}: ${String(Math.floor(bytes / 1024)).padStart(10)} KiB\n`;
        total += bytes;
      });
      out += `${"-".repeat(20)}\n${"Total".padStart(5)}: ${String(Math.floor(total / 1024)).padStart(10)} KiB\n`;
      ctx.print(out);
    } else {
      ctx.print(`Total: ${Math.floor((await conn.getFreeMemory()) / 1024)} KiB\n`);
    }
    return true;
  },
};

/** virsh's labels for the node CPU statistics it shows (libvirt's field names), in its order. */
const CPU_STAT_LABELS: readonly (readonly [string, string])[] = [
  ["user", "user:"],
  ["kernel", "system:"],
  ["idle", "idle:"],
  ["iowait", "iowait:"],
];

/** C's printf("%5.1lf") of a ratio in percent; 0/0 prints "-nan" as glibc does. */
const percent = (part: number, total: number) => (total === 0 ? " -nan" : ((part / total) * 100).toFixed(1).padStart(5));

const nodecpustats: Command = {
  name: "nodecpustats",
  group: "host",
  summary: "show the node's CPU statistics",
  description: "Prints the node's CPU time counters in nanoseconds, or with --percent their shares over one second.",
  options: [numberOpt("cpu", "only this CPU"), flag("percent", "shares of one second instead of counters")],
  async run(ctx) {
    const conn = await ctx.connection();
    const cpu = ctx.int("cpu", 0) ?? VIR_NODE_CPU_STATS_ALL_CPUS;
    const sample = async () => new Map((await conn.getCPUStats(cpu)).map((s) => [s.field, s.value]));
    const first = await sample();
    if (!ctx.has("percent")) {
      let out = "";
      for (const [field, label] of CPU_STAT_LABELS) {
        const value = first.get(field);
        if (value !== undefined) out += `${label.padEnd(15)} ${String(value).padStart(20)}\n`;
      }
      ctx.print(out);
      return true;
    }
    ctx.session.flush();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const second = await sample();
    const diff = (field: string) => Number((second.get(field) ?? 0n) - (first.get(field) ?? 0n));
    const [user, system, idle, iowait] = ["user", "kernel", "idle", "iowait"].map(diff);
    const total = user + system + idle + iowait;
    const line = (label: string, part: number) => `${label.padEnd(15)} ${percent(part, total)}%\n`;
    ctx.print(line("usage:", user + system) + line("user:", user) + line("system:", system) + line("idle:", idle) + line("iowait:", iowait));
    return true;
  },
};

/** The --inactive/--all and autostart/persistence filters the network and pool lists share. */
function listFlags(ctx: CommandContext): number {
  let flags = ctx.has("all") ? Net.VIR_CONNECT_LIST_NETWORKS_ACTIVE | Net.VIR_CONNECT_LIST_NETWORKS_INACTIVE : ctx.has("inactive") ? Net.VIR_CONNECT_LIST_NETWORKS_INACTIVE : Net.VIR_CONNECT_LIST_NETWORKS_ACTIVE;
  if (ctx.has("persistent")) flags |= Net.VIR_CONNECT_LIST_NETWORKS_PERSISTENT;
  if (ctx.has("transient")) flags |= Net.VIR_CONNECT_LIST_NETWORKS_TRANSIENT;
  if (ctx.has("autostart")) flags |= Net.VIR_CONNECT_LIST_NETWORKS_AUTOSTART;
  if (ctx.has("no-autostart")) flags |= Net.VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART;
  return flags;
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const listFilterOptions = (what: string) => [
  flag("inactive", `only inactive ${what}`),
  flag("all", `active and inactive ${what}`),
  flag("persistent", `only persistent ${what}`),
  flag("transient", `only transient ${what}`),
  flag("autostart", `only ${what} that start with the host`),
  flag("no-autostart", `only ${what} that do not start with the host`),
];

const netList: Command = {
  name: "net-list",
  group: "network",
  summary: "list virtual networks",
  description: "Lists the active virtual networks, or those the filters select.",
  options: [...listFilterOptions("networks"), flag("uuid", "print UUIDs only"), flag("name", "print names only"), flag("table", "print a table (the default)")],
  async run(ctx) {
    ctx.exclusive("table", "name");
    ctx.exclusive("table", "uuid");
    const networks = (await (await ctx.connection()).listAllNetworks(listFlags(ctx))).sort(byName);
    if (ctx.has("uuid") || ctx.has("name")) {
      ctx.print(networks.map((n: NetworkSummary) => (ctx.has("uuid") && ctx.has("name") ? `${n.uuid} ${n.name}\n` : ctx.has("uuid") ? `${n.uuid}\n` : `${n.name}\n`)).join(""));
      return true;
    }
    const rows = networks.map((n) => [n.name, n.active ? "active" : "inactive", yesNo(n.autostart), yesNo(n.persistent)]);
    printTable(ctx, ["Name", "State", "Autostart", "Persistent"], rows);
    return true;
  },
};

const poolList: Command = {
  name: "pool-list",
  group: "pool",
  summary: "list storage pools",
  description: "Lists the active storage pools, or those the filters select.",
  options: [
    ...listFilterOptions("pools"),
    stringOpt("type", "only pools of these types (comma separated)"),
    flag("details", "add persistence and sizes"),
    flag("uuid", "print UUIDs only"),
    flag("name", "print names only"),
  ],
  async run(ctx) {
    ctx.exclusive("details", "uuid");
    ctx.exclusive("details", "name");
    const types = ctx.string("type")?.split(",");
    const pools = (await (await ctx.connection()).listAllStoragePools(listFlags(ctx))).filter((p) => !types || types.includes(p.type)).sort(byName);
    if (ctx.has("uuid") || ctx.has("name")) {
      ctx.print(pools.map((p) => (ctx.has("uuid") && ctx.has("name") ? `${p.uuid} ${p.name}\n` : ctx.has("uuid") ? `${p.uuid}\n` : `${p.name.padEnd(20)}\n`)).join(""));
      return true;
    }
    if (ctx.has("details")) {
      const rows = pools.map((p) => [p.name, p.active ? "running" : "inactive", yesNo(p.autostart), yesNo(p.persistent), ...(p.active ? [p.capacity, p.allocation, p.available].map((bytes) => prettyCapacity(bytes, 2)) : ["-", "-", "-"])]);
      printTable(ctx, ["Name", "State", "Autostart", "Persistent", "Capacity", "Allocation", "Available"], rows);
      return true;
    }
    printTable(ctx, ["Name", "State", "Autostart"], pools.map((p) => [p.name, p.active ? "active" : "inactive", yesNo(p.autostart)]));
    return true;
  },
};

const ifaceList: Command = {
  name: "iface-list",
  group: "interface",
  summary: "list host network interfaces",
  description: "Lists the host's active physical interfaces, or with --inactive/--all the others too.",
  options: [flag("inactive", "only inactive interfaces"), flag("all", "active and inactive interfaces")],
  async run(ctx) {
    const flags = ctx.has("all") ? Iface.VIR_CONNECT_LIST_INTERFACES_ACTIVE | Iface.VIR_CONNECT_LIST_INTERFACES_INACTIVE : ctx.has("inactive") ? Iface.VIR_CONNECT_LIST_INTERFACES_INACTIVE : Iface.VIR_CONNECT_LIST_INTERFACES_ACTIVE;
    const ifaces = (await (await ctx.connection()).listAllInterfaces(flags)).sort(byName);
    printTable(ctx, ["Name", "State", "MAC Address"], ifaces.map((i) => [i.name, i.active ? "active" : "inactive", i.mac]));
    return true;
  },
};

export const HOST_COMMANDS: Command[] = [capabilities, nodeinfo, version, uri, hostname, freecell, nodecpustats, sysinfo, netList, poolList, ifaceList];
