// Looking at domains: list, dominfo, domstate, the id/uuid/name conversions, memory statistics
// and the disk and interface lists.
import { ConnectListAllDomainsFlags as List, DomainMetadataType, DomainMemoryStatTags as Tag, DomainState, DomainStatsTypes } from "../../constants.js";
import type { Connection } from "../../connection.js";
import type { Domain } from "../../domain.js";
import { parseDomainXML } from "../../domain-xml.js";
import { ErrorNumber, VirtError } from "../../errors.js";
import type { XmlElement } from "../../domain-def.js";
import { domainArg, flag, numberOpt, type CommandDef } from "../command.js";
import { BY_ID, BY_NAME, BY_UUID, type CommandContext } from "../context.js";
import { reasonWord, stateWord } from "../format.js";
import { renderTable } from "../table.js";

type Command = CommandDef<CommandContext>;

/** A table as virsh prints it; without its header under --quiet. */
export function printTable(ctx: CommandContext, header: string[], rows: string[][]): void {
  ctx.print(renderTable(header, rows, !ctx.session.quiet));
}

const LIST_FILTERS: readonly (readonly [string, number])[] = [
  ["persistent", List.VIR_CONNECT_LIST_DOMAINS_PERSISTENT],
  ["transient", List.VIR_CONNECT_LIST_DOMAINS_TRANSIENT],
  ["with-managed-save", List.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE],
  ["without-managed-save", List.VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE],
  ["autostart", List.VIR_CONNECT_LIST_DOMAINS_AUTOSTART],
  ["no-autostart", List.VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART],
  ["with-snapshot", List.VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT],
  ["without-snapshot", List.VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT],
  ["with-checkpoint", List.VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT],
  ["without-checkpoint", List.VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT],
  ["state-running", List.VIR_CONNECT_LIST_DOMAINS_RUNNING],
  ["state-paused", List.VIR_CONNECT_LIST_DOMAINS_PAUSED],
  ["state-shutoff", List.VIR_CONNECT_LIST_DOMAINS_SHUTOFF],
  ["state-other", List.VIR_CONNECT_LIST_DOMAINS_OTHER],
];

/** Running domains by id, then the others by name, ignoring case (virsh's order). */
function byIdThenName(a: { id: number; name: string }, b: { id: number; name: string }): number {
  if (a.id !== -1 && b.id !== -1) return a.id - b.id;
  if (a.id !== -1) return -1;
  if (b.id !== -1) return 1;
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The title, or "" when the domain has none. */
async function titleOf(dom: Domain): Promise<string> {
  try {
    return await dom.getMetadata(DomainMetadataType.VIR_DOMAIN_METADATA_TITLE);
  } catch (e) {
    if (e instanceof VirtError && e.code === ErrorNumber.VIR_ERR_NO_DOMAIN_METADATA) return "";
    throw e;
  }
}

/**
 * The listed domains with their ids and states. Where the filters allow it, the domains and
 * their states come from one stats call (a node of 1,000 domains answers at once, not in 2,000
 * questions); only a domain that is not shut off is asked its id.
 */
async function listEntries(conn: Connection, flags: number): Promise<{ dom: Domain; name: string; id: number; state: DomainState }[]> {
  const listed = (flags & ~STATS_FILTERS) === 0 ? await listedWithStates(conn, flags) : undefined;
  const pairs = listed ?? (await conn.listAllDomains(flags)).map((dom) => ({ dom, state: undefined }));
  return Promise.all(
    pairs.map(async ({ dom, state }) => {
      const known = state ?? (await dom.getState()).state;
      const id = known === DomainState.VIR_DOMAIN_SHUTOFF ? -1 : await dom.getID();
      return { dom, name: dom.name, id, state: known };
    }),
  );
}

/** The filters listAllDomains and getAllDomainStats share (active, persistent, by state). */
const STATS_FILTERS = 0xff;

/** The domains the filters select, each with its state, from one getAllDomainStats call; undefined where the driver has none. */
async function listedWithStates(conn: Connection, flags: number): Promise<{ dom: Domain; state: DomainState | undefined }[] | undefined> {
  try {
    const records = await conn.getAllDomainStats(DomainStatsTypes.VIR_DOMAIN_STATS_STATE, flags);
    return records.map(({ dom, params }) => ({ dom, state: params.find((p) => p.field === "state.state")?.value as DomainState | undefined }));
  } catch (e) {
    if (e instanceof VirtError && e.code === ErrorNumber.VIR_ERR_NO_SUPPORT) return undefined;
    throw e;
  }
}

const list: Command = {
  name: "list",
  group: "monitor",
  summary: "list domains",
  description: "Lists the running domains, or those the filters select.",
  options: [
    flag("inactive", "only inactive domains"),
    flag("all", "active and inactive domains"),
    flag("transient", "only transient domains"),
    flag("persistent", "only persistent domains"),
    flag("with-snapshot", "only domains with a snapshot"),
    flag("without-snapshot", "only domains without a snapshot"),
    flag("with-checkpoint", "only domains with a checkpoint"),
    flag("without-checkpoint", "only domains without a checkpoint"),
    flag("state-running", "only running domains"),
    flag("state-paused", "only paused domains"),
    flag("state-shutoff", "only shut off domains"),
    flag("state-other", "only domains in other states"),
    flag("autostart", "only domains that start with the host"),
    flag("no-autostart", "only domains that do not start with the host"),
    flag("with-managed-save", "only domains with a managed save image"),
    flag("without-managed-save", "only domains without a managed save image"),
    flag("uuid", "print UUIDs only"),
    flag("name", "print names only"),
    flag("id", "print ids only"),
    flag("table", "print a table (the default)"),
    flag("managed-save", "show inactive domains with a managed save image as saved"),
    flag("title", "add the domains' titles"),
  ],
  async run(ctx) {
    ctx.exclusive("table", "name");
    ctx.exclusive("table", "uuid");
    ctx.exclusive("table", "id");
    // Running domains by default; --inactive and --state-shutoff look at the others instead.
    let flags: number = List.VIR_CONNECT_LIST_DOMAINS_ACTIVE;
    if (ctx.has("inactive") || ctx.has("state-shutoff")) flags = List.VIR_CONNECT_LIST_DOMAINS_INACTIVE;
    if (ctx.has("all")) flags = List.VIR_CONNECT_LIST_DOMAINS_ACTIVE | List.VIR_CONNECT_LIST_DOMAINS_INACTIVE;
    for (const [name, bit] of LIST_FILTERS) if (ctx.has(name)) flags |= bit;
    const entries = await listEntries(await ctx.connection(), flags);
    entries.sort(byIdThenName);

    const wantUUID = ctx.has("uuid");
    const wantName = ctx.has("name");
    const wantId = ctx.has("id");
    if (!wantUUID && !wantName && !wantId) {
      const withTitle = ctx.has("title");
      const rows: string[][] = [];
      for (const { dom, id, state } of entries) {
        let word = stateWord(state);
        if (ctx.has("managed-save") && id === -1 && (await dom.hasManagedSaveImage())) word = "saved";
        const row = [id === -1 ? "-" : String(id), dom.name, word];
        if (withTitle) row.push(await titleOf(dom));
        rows.push(row);
      }
      printTable(ctx, withTitle ? ["Id", "Name", "State", "Title"] : ["Id", "Name", "State"], rows);
      return true;
    }
    // The asked-for columns in the order uuid, id, name; --id alone skips inactive domains.
    for (const { dom, id } of entries) {
      if (wantId && !wantUUID && !wantName && id === -1) continue;
      const columns: string[] = [];
      if (wantUUID) columns.push(dom.uuid);
      if (wantId) columns.push(id === -1 ? "-" : String(id));
      if (wantName) columns.push(dom.name);
      ctx.print(`${columns.join(" ")}\n`);
    }
    return true;
  },
};

/** One "Label:        value" line of dominfo and friends. */
const field = (label: string, value: string | number) => `${label.padEnd(15)} ${value}\n`;

const dominfo: Command = {
  name: "dominfo",
  group: "monitor",
  summary: "show a domain's basic information",
  description: "Prints the domain's id, state, CPUs, memory and settings.",
  options: [domainArg()],
  async run(ctx) {
    const dom = await ctx.domain();
    const conn = await ctx.connection();
    const id = await dom.getID();
    let out = field("Id:", id === -1 ? "-" : id);
    out += field("Name:", dom.name);
    out += field("UUID:", dom.uuid);
    out += field("OS Type:", await dom.getOSType());
    const info = await dom.getInfo();
    out += field("State:", stateWord(info.state));
    out += field("CPU(s):", info.nrVirtCpu);
    if (info.cpuTime !== 0n) out += field("CPU time:", `${(Number(info.cpuTime) / 1e9).toFixed(1)}s`);
    out += field("Max memory:", `${info.maxMem} KiB`);
    out += field("Used memory:", `${info.memory} KiB`);
    out += field("Persistent:", (await dom.isPersistent()) ? "yes" : "no");
    out += field("Autostart:", (await dom.getAutostart()) ? "enable" : "disable");
    out += field("Managed save:", (await dom.hasManagedSaveImage()) ? "yes" : "no");
    ctx.print(out);
    let model;
    try {
      model = await conn.getSecurityModel();
    } catch (e) {
      if (e instanceof VirtError && e.code === ErrorNumber.VIR_ERR_NO_SUPPORT) return true;
      throw e;
    }
    if (model.model === "") return true;
    ctx.print(field("Security model:", model.model) + field("Security DOI:", model.doi));
    const label = await dom.getSecurityLabel();
    if (label.label !== "") ctx.print(field("Security label:", `${label.label} (${label.enforcing ? "enforcing" : "permissive"})`));
    return true;
  },
};

const domstate: Command = {
  name: "domstate",
  group: "monitor",
  summary: "show a domain's state",
  description: "Prints the domain's state, and with --reason why it is in it.",
  options: [domainArg(), flag("reason", "add the reason for the state")],
  async run(ctx) {
    const dom = await ctx.domain();
    const { state, reason } = await dom.getState();
    ctx.print(ctx.has("reason") ? `${stateWord(state)} (${reasonWord(state, reason)})\n` : `${stateWord(state)}\n`);
    return true;
  },
};

const domid: Command = {
  name: "domid",
  group: "domain",
  summary: "convert a domain name or UUID to its id",
  options: [domainArg("domain name or uuid")],
  async run(ctx) {
    const id = await (await ctx.domain(BY_NAME | BY_UUID)).getID();
    ctx.print(id === -1 ? "-\n" : `${id}\n`);
    return true;
  },
};

const domuuid: Command = {
  name: "domuuid",
  group: "domain",
  summary: "convert a domain id or name to its UUID",
  options: [domainArg("domain id or name")],
  async run(ctx) {
    ctx.print(`${(await ctx.domain(BY_ID | BY_NAME)).uuid}\n`);
    return true;
  },
};

const domname: Command = {
  name: "domname",
  group: "domain",
  summary: "convert a domain id or UUID to its name",
  options: [domainArg("domain id or uuid")],
  async run(ctx) {
    ctx.print(`${(await ctx.domain(BY_ID | BY_UUID)).name}\n`);
    return true;
  },
};

const MEMORY_STAT_NAMES: Record<number, string> = {
  [Tag.VIR_DOMAIN_MEMORY_STAT_SWAP_IN]: "swap_in",
  [Tag.VIR_DOMAIN_MEMORY_STAT_SWAP_OUT]: "swap_out",
  [Tag.VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT]: "major_fault",
  [Tag.VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT]: "minor_fault",
  [Tag.VIR_DOMAIN_MEMORY_STAT_UNUSED]: "unused",
  [Tag.VIR_DOMAIN_MEMORY_STAT_AVAILABLE]: "available",
  [Tag.VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON]: "actual",
  [Tag.VIR_DOMAIN_MEMORY_STAT_RSS]: "rss",
  [Tag.VIR_DOMAIN_MEMORY_STAT_USABLE]: "usable",
  [Tag.VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE]: "last_update",
  [Tag.VIR_DOMAIN_MEMORY_STAT_DISK_CACHES]: "disk_caches",
  [Tag.VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC]: "hugetlb_pgalloc",
  [Tag.VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL]: "hugetlb_pgfail",
};

const dommemstat: Command = {
  name: "dommemstat",
  group: "monitor",
  summary: "show a domain's memory statistics",
  description: "Prints the balloon driver's statistics of a running domain.",
  options: [
    domainArg(),
    numberOpt("period", "seconds between the guest's statistics updates", { positional: false }),
    flag("config", "set the period for the next boot"),
    flag("live", "set the period of the running domain"),
    flag("current", "set the period of the domain as it is"),
  ],
  async run(ctx) {
    ctx.affectFlags();
    const dom = await ctx.domain();
    const name = ctx.string("domain")!;
    if (ctx.has("period")) {
      ctx.int("period");
      ctx.fail("Unable to change balloon collection period.");
    }
    const stats = await ctx.attempt(`Failed to get memory statistics for domain ${name}`, () => dom.memoryStats());
    ctx.print(stats.map((s) => `${MEMORY_STAT_NAMES[s.tag] ?? `tag${s.tag}`} ${s.val}\n`).join(""));
    return true;
  },
};

/** The domain's devices from its live (or with --inactive, next-boot) XML. */
async function devicesOf(ctx: CommandContext, dom: Domain) {
  const xml = await dom.getXMLDesc(ctx.has("inactive") ? 2 : 0);
  return parseDomainXML(xml).devices ?? {};
}

const attr = (e: XmlElement | undefined, name: string): string | undefined => {
  const v = e?.[name];
  return typeof v === "string" ? v : undefined;
};

const domblklist: Command = {
  name: "domblklist",
  group: "monitor",
  summary: "list a domain's block devices",
  description: "Prints each disk's target and source.",
  options: [domainArg(), flag("inactive", "the next-boot configuration instead of the running one"), flag("details", "add each disk's type and device")],
  async run(ctx) {
    const dom = await ctx.domain();
    const rows: string[][] = [];
    for (const disk of (await devicesOf(ctx, dom)).disk ?? []) {
      const src = disk.source;
      const pool = attr(src, "pool");
      const source = pool !== undefined ? `${pool}/${attr(src, "volume") ?? ""}` : (attr(src, "file") ?? attr(src, "dev") ?? attr(src, "dir") ?? attr(src, "name") ?? "-");
      const target = disk.target.dev;
      rows.push(ctx.has("details") ? [disk.type, disk.device, target, source] : [target, source]);
    }
    printTable(ctx, ctx.has("details") ? ["Type", "Device", "Target", "Source"] : ["Target", "Source"], rows);
    return true;
  },
};

/** The <source> attributes domiflist's Source column shows (virsh's XPath union). */
const SOURCE_ATTRIBUTES = ["bridge", "dev", "network", "name", "path"];

const domiflist: Command = {
  name: "domiflist",
  group: "monitor",
  summary: "list a domain's network interfaces",
  description: "Prints each interface's name, type, source, model and MAC address.",
  options: [domainArg(), flag("inactive", "the next-boot configuration instead of the running one")],
  async run(ctx) {
    const dom = await ctx.domain();
    const rows: string[][] = [];
    for (const nic of (await devicesOf(ctx, dom)).interface ?? []) {
      const src = nic.source;
      // virsh takes the first of these attributes in the document's order: a live network
      // interface's <source network='default' bridge='virbr0'/> shows its network
      const source = Object.keys(src ?? {}).filter((k) => SOURCE_ATTRIBUTES.includes(k)).map((k) => attr(src, k))[0] ?? "-";
      const target = attr(nic.target as XmlElement | undefined, "dev") ?? "-";
      rows.push([target, nic.type, source, nic.model?.type ?? "-", nic.mac?.address ?? "-"]);
    }
    printTable(ctx, ["Interface", "Type", "Source", "Model", "MAC"], rows);
    return true;
  },
};

export const MONITOR_COMMANDS: Command[] = [list, dominfo, domstate, domid, domuuid, domname, dommemstat, domblklist, domiflist];
