// virsh's virtual network commands (net-define, net-start, net-info, …): messages name the
// network as the user wrote it, except net-define and net-create, which name it by its name.
import { flag, numberOpt, requiredArg, stringOpt, type CommandDef } from "../command.js";
import { NetworkUpdateCommand as Cmd, NetworkUpdateFlags as Affect, NetworkXMLFlags, type NetworkUpdateCommand, type NetworkUpdateSection } from "../../constants.js";
import { ErrorNumber, VirtError } from "../../errors.js";
import { editInEditor } from "../editor.js";
import type { CommandContext } from "../context.js";
import { yesNo } from "../format.js";
import { printTable } from "./monitor.js";

type Command = CommandDef<CommandContext>;

const networkArg = (help = "network name or uuid") => requiredArg("network", "string", help);

/** net-define and net-create: the network from an XML file, defined or started. */
function fromFile(name: string, summary: string, verb: string, transient: boolean): Command {
  return {
    name,
    group: "network",
    summary,
    description: transient ? "Creates and starts a network that exists until it stops." : "Makes the network described by the file persistent (or updates its configuration).",
    options: [requiredArg("file", "string", "file containing an XML network description"), flag("validate", "validate the XML against the schema")],
    async run(ctx) {
      const file = ctx.string("file")!;
      const xml = await ctx.readFile(file);
      const conn = await ctx.connection();
      const net = await ctx.attempt(`Failed to ${verb} network from ${file}`, () => (transient ? conn.networkCreateXML(xml) : conn.networkDefineXML(xml)));
      ctx.printExtra(`Network ${net.name} ${transient ? "created" : "defined"} from ${file}\n`);
      return true;
    },
  };
}

/** net-start, net-destroy, net-undefine: one call on the network, and virsh's line for it. */
function simple(name: string, summary: string, failure: string, done: string, call: "create" | "destroy" | "undefine"): Command {
  return {
    name,
    group: "network",
    summary,
    options: [networkArg()],
    async run(ctx) {
      const net = await ctx.network();
      const text = ctx.string("network")!;
      await ctx.attempt(`${failure} ${text}`, () => net[call]());
      ctx.printExtra(`Network ${text} ${done}\n`);
      return true;
    },
  };
}

const netAutostart: Command = {
  name: "net-autostart",
  group: "network",
  summary: "autostart a network",
  options: [networkArg(), flag("disable", "disable autostarting")],
  async run(ctx) {
    const net = await ctx.network();
    const text = ctx.string("network")!;
    const on = !ctx.has("disable");
    await ctx.attempt(`failed to ${on ? "mark" : "unmark"} network ${text} as autostarted`, () => net.setAutostart(on));
    ctx.printExtra(`Network ${text} ${on ? "marked" : "unmarked"} as autostarted\n`);
    return true;
  },
};

const netInfo: Command = {
  name: "net-info",
  group: "network",
  summary: "network information",
  options: [networkArg()],
  async run(ctx) {
    const net = await ctx.network();
    const line = (label: string, value: string) => `${label.padEnd(15)} ${value}\n`;
    let out = line("Name:", net.name) + line("UUID:", net.uuid);
    out += line("Active:", yesNo(await net.isActive()));
    out += line("Persistent:", yesNo(await net.isPersistent()));
    out += line("Autostart:", yesNo(await net.getAutostart()));
    // a network without a bridge name: virsh leaves the line out, and says nothing
    const bridge = await net.getBridgeName().catch(() => undefined);
    if (bridge !== undefined) out += line("Bridge:", bridge);
    ctx.print(out);
    return true;
  },
};

const netUuid: Command = {
  name: "net-uuid",
  group: "network",
  summary: "convert a network name to network UUID",
  options: [networkArg("network name")],
  async run(ctx) {
    ctx.print(`${(await ctx.network("network", false, true)).uuid}\n`);
    return true;
  },
};

const netName: Command = {
  name: "net-name",
  group: "network",
  summary: "convert a network UUID to network name",
  options: [requiredArg("network", "string", "network uuid")],
  async run(ctx) {
    ctx.print(`${(await ctx.network("network", true, false)).name}\n`);
    return true;
  },
};

const netDumpxml: Command = {
  name: "net-dumpxml",
  group: "network",
  summary: "network information in XML",
  options: [networkArg(), flag("inactive", "show inactive defined XML")],
  async run(ctx) {
    const net = await ctx.network();
    ctx.print(await net.getXMLDesc(ctx.has("inactive") ? NetworkXMLFlags.VIR_NETWORK_XML_INACTIVE : 0));
    return true;
  },
};

/** A time in seconds since the epoch as virsh shows a lease's expiry (local time, %Y-%m-%d %H:%M:%S). */
function localTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

const netDhcpLeases: Command = {
  name: "net-dhcp-leases",
  group: "network",
  summary: "print lease info for a given network",
  options: [networkArg(), stringOpt("mac", "MAC address")],
  async run(ctx) {
    const mac = ctx.string("mac") ?? null;
    const net = await ctx.network();
    const leases = await ctx.attempt(`Failed to get leases info for ${ctx.string("network")}`, () => net.getDHCPLeases(mac));
    const rows = [...leases]
      .sort((a, b) => a.mac.toLowerCase().localeCompare(b.mac.toLowerCase()))
      .map((l) => [localTime(l.expirytime), l.mac, l.type === 1 ? "ipv6" : "ipv4", `${l.ipaddr}/${l.prefix}`, l.hostname ?? "-", l.clientid ?? "-"]);
    printTable(ctx, ["Expiry Time", "MAC address", "Protocol", "IP address", "Hostname", "Client ID or DUID"], rows);
    return true;
  },
};

/** virsh's names of virNetworkUpdate's commands ("add" is add-last) and sections. */
const UPDATE_COMMANDS: Record<string, NetworkUpdateCommand> = {
  add: Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
  modify: Cmd.VIR_NETWORK_UPDATE_COMMAND_MODIFY,
  delete: Cmd.VIR_NETWORK_UPDATE_COMMAND_DELETE,
  "add-last": Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
  "add-first": Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST,
};
const UPDATE_SECTIONS = ["bridge", "domain", "ip", "ip-dhcp-host", "ip-dhcp-range", "forward", "forward-interface", "forward-pf", "portgroup", "dns-host", "dns-txt", "dns-srv"];

const netUpdate: Command = {
  name: "net-update",
  group: "network",
  summary: "update parts of an existing network's configuration",
  description: "Adds, changes or deletes one element of a network's live state or persistent configuration (virtkit changes ip-dhcp-host so far).",
  options: [
    networkArg(),
    requiredArg("command", "string", "type of update (add-first, add-last (add), delete, or modify)"),
    requiredArg("section", "string", "which section of network configuration to update"),
    requiredArg("xml", "string", "name of file containing xml (or, if it starts with '<', the complete xml element itself) to add/modify, or to be matched for search"),
    numberOpt("parent-index", "which parent object to search through", { positional: false }),
    flag("config", "affect next network startup"),
    flag("live", "affect running network"),
    flag("current", "affect current state of network"),
  ],
  async run(ctx) {
    const flags = ctx.affectFlags();
    const net = await ctx.network();
    const text = ctx.string("network")!;
    const commandName = ctx.string("command")!;
    const command = Object.hasOwn(UPDATE_COMMANDS, commandName) ? UPDATE_COMMANDS[commandName] : ctx.fail(`unrecognized command name '${commandName}'`);
    const sectionName = ctx.string("section")!;
    const section = UPDATE_SECTIONS.indexOf(sectionName) + 1;
    if (section === 0) ctx.fail(`unrecognized section name '${sectionName}'`);
    const parentIndex = ctx.int("parent-index") ?? -1;
    const xmlArg = ctx.string("xml")!;
    const xml = xmlArg.startsWith("<") ? xmlArg : await ctx.readFile(xmlArg);
    await ctx.attempt(`Failed to update network ${text}`, () => net.update(command, section as NetworkUpdateSection, parentIndex, xml, flags));
    const affects = flags !== 0 ? flags : (await net.isActive()) ? Affect.VIR_NETWORK_UPDATE_AFFECT_LIVE : Affect.VIR_NETWORK_UPDATE_AFFECT_CONFIG;
    const parts = [affects & Affect.VIR_NETWORK_UPDATE_AFFECT_CONFIG ? "persistent config" : "", affects & Affect.VIR_NETWORK_UPDATE_AFFECT_LIVE ? "live state" : ""];
    // virsh's line has no newline of its own: the blank line every command ends with ends it
    ctx.printExtra(`Updated network ${text} ${parts.filter(Boolean).join(" and ")}`);
    return true;
  },
};

const netEdit: Command = {
  name: "net-edit",
  group: "network",
  summary: "edit XML configuration for a network",
  description: "Opens the network's persistent configuration in $VISUAL or $EDITOR (default vi) and defines the result.",
  options: [networkArg()],
  async run(ctx) {
    const net = await ctx.network();
    // virsh asks for the persistent configuration, and takes the live one from a driver without it
    const original = await net.getXMLDesc(NetworkXMLFlags.VIR_NETWORK_XML_INACTIVE).catch((e: unknown) => {
      if (e instanceof VirtError && e.code === ErrorNumber.VIR_ERR_INVALID_ARG) return net.getXMLDesc(0);
      throw e;
    });
    const edited = await editInEditor(ctx, original, "network.xml");
    if (edited === original) {
      ctx.printExtra(`Network ${net.name} XML configuration not changed.\n`);
      return true;
    }
    const conn = await ctx.connection();
    const updated = await ctx.attempt("Failed. The edited XML was not defined", () => conn.networkDefineXML(edited));
    ctx.printExtra(`Network ${updated.name} XML configuration edited.\n`);
    return true;
  },
};

export const NETWORK_COMMANDS: Command[] = [
  fromFile("net-define", "define an inactive persistent virtual network or modify an existing persistent one from an XML file", "define", false),
  fromFile("net-create", "create a network from an XML file", "create", true),
  simple("net-start", "start a (previously defined) inactive network", "Failed to start network", "started", "create"),
  simple("net-destroy", "destroy (stop) a network", "Failed to destroy network", "destroyed", "destroy"),
  simple("net-undefine", "undefine a persistent network", "Failed to undefine network", "has been undefined", "undefine"),
  netAutostart,
  netInfo,
  netUuid,
  netName,
  netDumpxml,
  netDhcpLeases,
  netUpdate,
  netEdit,
];
