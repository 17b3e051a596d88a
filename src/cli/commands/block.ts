// virsh's block-device monitoring commands: domblkstat (a disk's counters) and domblkinfo (its
// sizes), with virsh's output formats (domblklist, which reads only the XML, is in monitor.ts).
import type { TypedParameter } from "../../drivers/driver.js";
import { ErrorNumber, VirtError } from "../../errors.js";
import { domainArg, flag, stringOpt, type CommandDef } from "../command.js";
import type { CommandContext } from "../context.js";
import { prettyCapacity } from "../format.js";
import { renderTable } from "../table.js";
import { parseDomainXML } from "../../domain-xml.js";

type Command = CommandDef<CommandContext>;

/** virsh's order and spellings: the typed field, the legacy name (virDomainBlockStats'), the --human words. */
const STAT_FIELDS: [string, string, string][] = [
  ["rd_operations", "rd_req", "number of read operations:"],
  ["rd_bytes", "rd_bytes", "number of bytes read:"],
  ["wr_operations", "wr_req", "number of write operations:"],
  ["wr_bytes", "wr_bytes", "number of bytes written:"],
  ["errs", "errs", "error count:"],
  ["flush_operations", "flush_operations", "number of flush operations:"],
  ["rd_total_times", "rd_total_times", "total duration of reads (ns):"],
  ["wr_total_times", "wr_total_times", "total duration of writes (ns):"],
  ["flush_total_times", "flush_total_times", "total duration of flushes (ns):"],
];

const domblkstat: Command = {
  name: "domblkstat",
  group: "monitor",
  summary: "get device block stats for a domain",
  description: "Prints a disk's requests, bytes and time spent; with no device, the sum over the domain's disks.",
  options: [domainArg(), stringOpt("device", "block device (its target, vda, or its source)", { positional: true, emptyOk: true }), flag("human", "print in human readable format")],
  async run(ctx) {
    const dom = await ctx.domain();
    const device = ctx.string("device", true) ?? "";
    const human = ctx.has("human");
    let params: TypedParameter[];
    try {
      params = await dom.blockStatsFlags(device);
    } catch (e) {
      if (!(e instanceof VirtError) || e.code !== ErrorNumber.VIR_ERR_NO_SUPPORT) throw e;
      // the older call, as virsh falls back to it: five counters, -1 where not counted
      const s = await dom.blockStats(device);
      params = STAT_FIELDS.slice(0, 5).map(([field], i) => ({ field, type: 3, value: [s.rd_req, s.rd_bytes, s.wr_req, s.wr_bytes, s.errs][i] })).filter((p) => p.value !== -1);
    }
    // with --human the device goes on a line of its own
    const prefix = human ? "" : device;
    let out = human ? `Device: ${device}\n` : "";
    for (const [field, legacy, words] of STAT_FIELDS) {
      const p = params.find((q) => q.field === field);
      if (p) out += `${prefix} ${human ? words.padEnd(31) : legacy} ${p.value}\n`;
    }
    for (const p of params) if (!STAT_FIELDS.some(([field]) => field === p.field)) out += `${prefix} ${p.field} ${p.value}\n`;
    ctx.print(out);
    return true;
  },
};

const domblkinfo: Command = {
  name: "domblkinfo",
  group: "monitor",
  summary: "domain block device size information",
  description: "Prints a disk's capacity (what the guest sees), allocation (host bytes in use) and physical size; --all lists every disk.",
  options: [domainArg(), stringOpt("device", "block device (its target, vda, or its source)", { positional: true }), flag("human", "Human readable output"), flag("all", "display all block devices info")],
  async run(ctx) {
    const dom = await ctx.domain();
    const human = ctx.has("human");
    const size = (bytes: number) => (human ? prettyCapacity(bytes, 3) : String(bytes));
    if (ctx.has("all")) {
      const rows: string[][] = [];
      for (const disk of parseDomainXML(await dom.getXMLDesc(0)).devices?.disk ?? []) {
        const info = await dom.getBlockInfo(disk.target.dev).catch(() => undefined);
        rows.push([disk.target.dev, ...(info ? [size(info.capacity), size(info.allocation), size(info.physical)] : ["-", "-", "-"])]);
      }
      ctx.print(renderTable(["Target", "Capacity", "Allocation", "Physical"], rows, !ctx.session.quiet));
      return true;
    }
    const device = ctx.string("device");
    if (device === undefined) return ctx.fail("command 'domblkinfo' requires <device> option");
    const info = await dom.getBlockInfo(device);
    ctx.print(`${"Capacity:".padEnd(15)} ${size(info.capacity)}\n${"Allocation:".padEnd(15)} ${size(info.allocation)}\n${"Physical:".padEnd(15)} ${size(info.physical)}\n`);
    return true;
  },
};

export const BLOCK_COMMANDS: Command[] = [domblkstat, domblkinfo];
