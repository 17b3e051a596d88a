// A domain's configuration and tuning: dumpxml, edit, schedinfo, memory and vCPUs.
import { DomainMemoryModFlags as Mem, DomainVcpuFlags as Vcpu, DomainXMLFlags as Xml, TypedParameterType as T } from "../../constants.js";
import type { TypedParameter } from "../../drivers/driver.js";
import { domainArg, flag, numberOpt, requiredArg, stringOpt, type CommandDef } from "../command.js";
import type { CommandContext } from "../context.js";
import { editInEditor } from "../editor.js";

type Command = CommandDef<CommandContext>;

/** Refuses `option` without `needs`, as virsh's VSH_REQUIRE_OPTION. */
function requireOption(ctx: CommandContext, option: string, needs: string): void {
  if (ctx.has(option) && !ctx.has(needs)) ctx.fail(`Option --${needs} is required by option --${option}`);
}

const affectOptions = (what: string) => [
  flag("config", `${what} the next-boot configuration`),
  flag("live", `${what} the running domain`),
  flag("current", `${what} the domain as it is now (running or not)`),
];

const dumpxml: Command = {
  name: "dumpxml",
  group: "domain",
  summary: "print a domain's XML",
  description: "Prints the domain's configuration as libvirt domain XML.",
  options: [
    domainArg(),
    flag("inactive", "the next-boot configuration"),
    flag("security-info", "include passwords and other secrets"),
    flag("update-cpu", "describe the guest CPU as the host provides it"),
    flag("migratable", "XML fit for migration"),
    stringOpt("xpath", "select parts of the document with an XPath expression", { positional: false }),
    flag("wrap", "wrap XPath results in one root element"),
  ],
  async run(ctx) {
    const dom = await ctx.domain();
    if (ctx.has("xpath")) ctx.fail("Option --xpath is not supported yet");
    let flags = 0;
    if (ctx.has("inactive")) flags |= Xml.VIR_DOMAIN_XML_INACTIVE;
    if (ctx.has("security-info")) flags |= Xml.VIR_DOMAIN_XML_SECURE;
    if (ctx.has("update-cpu")) flags |= Xml.VIR_DOMAIN_XML_UPDATE_CPU;
    if (ctx.has("migratable")) flags |= Xml.VIR_DOMAIN_XML_MIGRATABLE;
    ctx.print(await dom.getXMLDesc(flags));
    return true;
  },
};

const edit: Command = {
  name: "edit",
  group: "domain",
  summary: "edit a domain's XML in $EDITOR",
  description: "Opens the next-boot configuration in $VISUAL or $EDITOR (default vi) and defines the result.",
  options: [domainArg(), flag("skip-validate", "do not check the XML against libvirt's schema")],
  async run(ctx) {
    const dom = await ctx.domain();
    const original = await dom.getXMLDesc(Xml.VIR_DOMAIN_XML_SECURE | Xml.VIR_DOMAIN_XML_INACTIVE);
    const edited = await editInEditor(ctx, original);
    if (edited === original) {
      ctx.printExtra(`Domain '${dom.name}' XML configuration not changed.\n`);
      return true;
    }
    const conn = await ctx.connection();
    const flags = ctx.has("skip-validate") ? 0 : 1;
    const updated = await ctx.attempt("Failed. The edited XML was not defined", () => conn.defineXML(edited, flags));
    ctx.printExtra(`Domain '${updated.name}' XML configuration edited.\n`);
    return true;
  },
};

/** A typed parameter's value as virsh prints it. */
function paramText(p: TypedParameter): string {
  if (p.type === T.VIR_TYPED_PARAM_BOOLEAN) return p.value ? "yes" : "no";
  if (p.type === T.VIR_TYPED_PARAM_DOUBLE) return Number(p.value).toFixed(6);
  return String(p.value);
}

/** Parses `text` as the type of the current parameter, with libvirt's virTypedParams message. */
function paramValue(ctx: CommandContext, current: TypedParameter, text: string): TypedParameter["value"] {
  const bad = (what: string) => ctx.fail(`invalid argument: Invalid value for field '${current.field}': expected ${what}`);
  switch (current.type) {
    case T.VIR_TYPED_PARAM_INT:
    case T.VIR_TYPED_PARAM_UINT: {
      const signed = current.type === T.VIR_TYPED_PARAM_INT;
      const value = /^\s*[+-]?\d+$/.test(text) ? Number(text) : NaN;
      const ok = signed ? value >= -2147483648 && value <= 2147483647 : value >= 0 && value <= 4294967295 && !text.includes("-");
      return ok ? value : bad(signed ? "int" : "unsigned int");
    }
    case T.VIR_TYPED_PARAM_LLONG:
    case T.VIR_TYPED_PARAM_ULLONG: {
      const signed = current.type === T.VIR_TYPED_PARAM_LLONG;
      if (!/^\s*[+-]?\d+$/.test(text) || (!signed && text.includes("-"))) return bad(signed ? "long long" : "unsigned long long");
      return BigInt(text.trim());
    }
    case T.VIR_TYPED_PARAM_DOUBLE: {
      const value = Number(text);
      return text.trim() !== "" && Number.isFinite(value) ? value : bad("double");
    }
    case T.VIR_TYPED_PARAM_BOOLEAN:
      if (/^(1|yes|true)$/i.test(text)) return true;
      if (/^(0|no|false)$/i.test(text)) return false;
      return bad("boolean");
    default:
      return text;
  }
}

const schedinfo: Command = {
  name: "schedinfo",
  group: "domain",
  summary: "show or set a domain's scheduler parameters",
  description: "Prints the scheduler's parameters; --set name=value changes one.",
  options: [
    domainArg(),
    numberOpt("weight", "the Xen credit scheduler's weight", { positional: false }),
    numberOpt("cap", "the Xen credit scheduler's cap", { positional: false }),
    flag("current", "the domain as it is now"),
    flag("config", "the next-boot configuration"),
    flag("live", "the running domain"),
    { name: "set", kind: "argv", help: "name=value", positional: true },
  ],
  async run(ctx) {
    const flags = ctx.affectFlags();
    const dom = await ctx.domain();
    const { type, nparams } = await dom.getSchedulerType();
    ctx.print(`${"Scheduler".padEnd(15)}: ${type}\n`);
    if (nparams === 0) return true;
    const current = await dom.getSchedulerParameters(flags);

    const updates: TypedParameter[] = [];
    const update = (field: string, text: string) => {
      const param = current.find((p) => p.field === field);
      if (!param) return ctx.fail(`invalid scheduler option: ${field}`);
      updates.push({ field, type: param.type, value: paramValue(ctx, param, text) });
    };
    for (const assignment of ctx.list("set")) {
      const eq = assignment.indexOf("=");
      if (eq < 0) ctx.fail("Invalid syntax for --set, expecting name=value");
      update(assignment.slice(0, eq), assignment.slice(eq + 1));
    }
    for (const field of ["cap", "weight"]) {
      const value = ctx.string(field);
      if (value !== undefined) update(field, value);
    }

    let shown = current;
    if (updates.length > 0) {
      await dom.setSchedulerParameters(updates, flags);
      shown = await dom.getSchedulerParameters(flags);
    }
    ctx.print(shown.map((p) => `${p.field.padEnd(15)}: ${paramText(p)}\n`).join(""));
    return true;
  },
};

/** setmem/setmaxmem's size: scaled, KiB by default, rounded up to whole KiB. */
function sizeKiB(ctx: CommandContext): number {
  return Math.ceil(ctx.scaled("size", 1024)! / 1024);
}

/** setmem and setmaxmem: one size, scaled (KiB by default), for the current or maximum memory. */
function memoryCommand(name: string, summary: string, description: string, sizeHelp: string, maximum: boolean): Command {
  return {
    name,
    group: "domain",
    summary,
    description,
    options: [domainArg(), requiredArg("size", "number", sizeHelp), ...affectOptions("change")],
    async run(ctx) {
      const flags = ctx.affectFlags();
      const dom = await ctx.domain();
      const kib = sizeKiB(ctx);
      if (!maximum) await dom.setMemoryFlags(kib, flags);
      else await ctx.attempt("Unable to change MaxMemorySize", () => dom.setMemoryFlags(kib, flags | Mem.VIR_DOMAIN_MEM_MAXIMUM));
      return true;
    },
  };
}

const setmem = memoryCommand("setmem", "change a domain's current memory", "Sets how much memory the guest has now (the balloon), up to its maximum.", "the new size, a scaled integer (KiB by default)", false);
const setmaxmem = memoryCommand("setmaxmem", "change a domain's maximum memory", "Sets the most memory the guest may have.", "the new maximum, a scaled integer (KiB by default)", true);

const setvcpus: Command = {
  name: "setvcpus",
  group: "domain",
  summary: "change a domain's number of vCPUs",
  description: "Sets how many vCPUs the guest has, or with --maximum may have.",
  options: [
    domainArg(),
    requiredArg("count", "number", "the number of vCPUs"),
    flag("maximum", "the most vCPUs the next boot may have"),
    ...affectOptions("change"),
    flag("guest", "change the count inside the guest (its agent)"),
    flag("hotpluggable", "make added vCPUs hot-unpluggable"),
  ],
  async run(ctx) {
    ctx.affectFlags();
    ctx.exclusive("guest", "config");
    requireOption(ctx, "maximum", "config");
    const dom = await ctx.domain();
    const count = ctx.uint("count")!;
    if (count === 0) ctx.fail("Can't set 0 processors for a VM");
    let flags = 0;
    if (ctx.has("live")) flags |= Vcpu.VIR_DOMAIN_VCPU_LIVE;
    if (ctx.has("config")) flags |= Vcpu.VIR_DOMAIN_VCPU_CONFIG;
    if (ctx.has("maximum")) flags |= Vcpu.VIR_DOMAIN_VCPU_MAXIMUM;
    if (ctx.has("guest")) flags |= Vcpu.VIR_DOMAIN_VCPU_GUEST;
    if (ctx.has("hotpluggable")) flags |= Vcpu.VIR_DOMAIN_VCPU_HOTPLUGGABLE;
    const anyFlagOption = ["current", "live", "config", "maximum", "guest", "hotpluggable"].some((o) => ctx.has(o));
    await (anyFlagOption ? dom.setVcpusFlags(count, flags) : dom.setVcpus(count));
    return true;
  },
};

const vcpucount: Command = {
  name: "vcpucount",
  group: "domain",
  summary: "show a domain's vCPU counts",
  description: "Prints the maximum and current vCPU counts, live and for the next boot.",
  options: [
    domainArg(),
    flag("maximum", "the maximum count"),
    flag("active", "the count of active vCPUs"),
    flag("live", "the running domain"),
    flag("config", "the next-boot configuration"),
    flag("current", "the domain as it is now"),
    flag("guest", "ask the guest (its agent) rather than the hypervisor"),
  ],
  async run(ctx) {
    ctx.exclusive("live", "config");
    ctx.exclusive("active", "maximum");
    ctx.exclusive("guest", "config");
    const dom = await ctx.domain();
    const chosen = ["maximum", "active", "live", "config", "current", "guest"].some((o) => ctx.has(o));
    if (chosen) {
      let flags = (ctx.has("live") ? Vcpu.VIR_DOMAIN_VCPU_LIVE : 0) | (ctx.has("config") ? Vcpu.VIR_DOMAIN_VCPU_CONFIG : 0);
      if (ctx.has("maximum")) flags |= Vcpu.VIR_DOMAIN_VCPU_MAXIMUM;
      if (ctx.has("guest")) flags |= Vcpu.VIR_DOMAIN_VCPU_GUEST;
      const count = ctx.has("guest") ? await ctx.attempt("Failed to retrieve vCPU count from the guest", () => dom.getVcpusFlags(flags)) : await dom.getVcpusFlags(flags);
      ctx.print(`${count}\n`);
      return true;
    }
    const active = await dom.isActive();
    let out = "";
    for (const [which, max] of [["maximum", Vcpu.VIR_DOMAIN_VCPU_MAXIMUM], ["current", 0]] as const) {
      for (const [where, affect] of [["config", Vcpu.VIR_DOMAIN_VCPU_CONFIG], ["live", Vcpu.VIR_DOMAIN_VCPU_LIVE]] as const) {
        if (where === "live" && !active) continue;
        out += `${which.padEnd(12)} ${where.padEnd(12)} ${String(await dom.getVcpusFlags(max | affect)).padStart(3)}\n`;
      }
    }
    ctx.print(out);
    return true;
  },
};

/** "0-3,6" style ranges of the set entries of an affinity map. */
function cpuRanges(map: readonly boolean[]): string {
  const parts: string[] = [];
  for (let i = 0; i < map.length; i++) {
    if (!map[i]) continue;
    let end = i;
    while (end + 1 < map.length && map[end + 1]) end++;
    parts.push(end === i ? String(i) : `${i}-${end}`);
    i = end;
  }
  return parts.join(",");
}

const VCPU_STATES = ["offline", "running", "blocked"];

async function affinityLine(ctx: CommandContext, affinity: readonly boolean[]): Promise<string> {
  const hostCpus = (await (await ctx.connection()).getCPUMap()).online.length;
  const shown = Array.from({ length: hostCpus }, (_, i) => affinity[i] === true);
  const text = ctx.has("pretty") ? `${cpuRanges(shown)} (out of ${hostCpus})` : shown.map((on) => (on ? "y" : "-")).join("");
  return `${"CPU Affinity:".padEnd(15)} ${text}\n`;
}

const vcpuinfo: Command = {
  name: "vcpuinfo",
  group: "domain",
  summary: "show a domain's vCPUs",
  description: "Prints each vCPU's host CPU, state, CPU time and affinity.",
  options: [domainArg(), flag("pretty", "show the affinity as CPU ranges")],
  async run(ctx) {
    const dom = await ctx.domain();
    const line = (label: string, value: string | number) => `${label.padEnd(15)} ${value}\n`;
    const blocks: string[] = [];
    if (await dom.isActive()) {
      for (const v of await dom.getVcpus()) {
        blocks.push(
          line("VCPU:", v.number) +
            line("CPU:", v.cpu) +
            line("State:", VCPU_STATES[v.state] ?? "no state") +
            line("CPU time:", `${(v.cpuTime / 1e9).toFixed(1)}s`) +
            (await affinityLine(ctx, v.affinity)),
        );
      }
    } else {
      // An inactive domain has no vCPU threads: show the configured affinity (virsh's fallback).
      const maps = await dom.getVcpuPinInfo(Vcpu.VIR_DOMAIN_VCPU_CONFIG);
      for (let n = 0; n < maps.length; n++) {
        blocks.push(line("VCPU:", n) + line("CPU:", "N/A") + line("State:", "N/A") + line("CPU time", "N/A") + (await affinityLine(ctx, maps[n])));
      }
    }
    ctx.print(blocks.join("\n"));
    return true;
  },
};

export const CONFIG_COMMANDS: Command[] = [dumpxml, edit, schedinfo, setmem, setmaxmem, setvcpus, vcpucount, vcpuinfo];
