// Defining, starting, stopping and saving domains. Messages name the domain as the user wrote
// it (virsh's habit), except `start`, which names it by its name.
import { DomainCreateFlags as Start, DomainSaveRestoreFlags as Save, DomainUndefineFlagsValues as Undefine } from "../../constants.js";
import type { Domain } from "../../domain.js";
import { domainArg, flag, requiredArg, stringOpt, type CommandDef, type OptionDef } from "../command.js";
import type { CommandContext } from "../context.js";
import { attachConsole } from "./console.js";

type Command = CommandDef<CommandContext>;

/** Flags named by boolean options: [option, flag value] pairs. */
function flagsOf(ctx: CommandContext, table: readonly (readonly [string, number])[]): number {
  return table.reduce((flags, [name, value]) => (ctx.has(name) ? flags | value : flags), 0);
}

const define: Command = {
  name: "define",
  group: "domain",
  summary: "define a domain from an XML file without starting it",
  description: "Makes the domain described by the file persistent (or updates its persistent configuration).",
  options: [requiredArg("file", "string", "the domain's XML description"), flag("validate", "check the XML against libvirt's schema")],
  async run(ctx) {
    const file = ctx.string("file")!;
    const xml = await ctx.readFile(file);
    const conn = await ctx.connection();
    const flags = ctx.has("validate") ? 1 : 0;
    const dom = await ctx.attempt(`Failed to define domain from ${file}`, () => conn.defineXML(xml, flags));
    ctx.printExtra(`Domain '${dom.name}' defined from ${file}\n`);
    return true;
  },
};

const create: Command = {
  name: "create",
  group: "domain",
  summary: "create and start a transient domain from an XML file",
  description: "Starts a domain that exists until it stops.",
  options: [
    requiredArg("file", "string", "the domain's XML description"),
    flag("console", "attach to the console once started"),
    flag("paused", "start with the vCPUs paused"),
    flag("autodestroy", "destroy the domain when this connection closes"),
    stringOpt("pass-fds", "file descriptors N,M,... handed to the guest"),
    flag("validate", "check the XML against libvirt's schema"),
    flag("reset-nvram", "start from a fresh copy of the NVRAM template"),
  ],
  async run(ctx) {
    const file = ctx.string("file")!;
    const xml = await ctx.readFile(file);
    const conn = await ctx.connection();
    const flags = flagsOf(ctx, [
      ["paused", Start.VIR_DOMAIN_START_PAUSED],
      ["autodestroy", Start.VIR_DOMAIN_START_AUTODESTROY],
      ["validate", Start.VIR_DOMAIN_START_VALIDATE],
      ["reset-nvram", Start.VIR_DOMAIN_START_RESET_NVRAM],
    ]);
    const dom = await ctx.attempt(`Failed to create domain from ${file}`, () => conn.createXML(xml, flags));
    ctx.printExtra(`Domain '${dom.name}' created from ${file}\n`);
    if (ctx.has("console")) return attachConsole(ctx, dom, null);
    return true;
  },
};

const start: Command = {
  name: "start",
  group: "domain",
  summary: "start a defined domain",
  description: "Boots an inactive domain, or resumes it from its managed save image when it has one.",
  options: [
    domainArg("the inactive domain's name, id or uuid"),
    flag("console", "attach to the console once started"),
    flag("paused", "start with the vCPUs paused"),
    flag("autodestroy", "destroy the domain when this connection closes"),
    flag("bypass-cache", "read the managed save image without the file system cache"),
    flag("force-boot", "boot afresh, discarding any managed save image"),
    stringOpt("pass-fds", "file descriptors N,M,... handed to the guest"),
    flag("reset-nvram", "start from a fresh copy of the NVRAM template"),
  ],
  async run(ctx) {
    const dom = await ctx.domain();
    if ((await dom.getID()) !== -1) ctx.fail("Domain is already active");
    const flags = flagsOf(ctx, [
      ["paused", Start.VIR_DOMAIN_START_PAUSED],
      ["autodestroy", Start.VIR_DOMAIN_START_AUTODESTROY],
      ["bypass-cache", Start.VIR_DOMAIN_START_BYPASS_CACHE],
      ["force-boot", Start.VIR_DOMAIN_START_FORCE_BOOT],
      ["reset-nvram", Start.VIR_DOMAIN_START_RESET_NVRAM],
    ]);
    await ctx.attempt(`Failed to start domain '${dom.name}'`, () => dom.create(flags));
    ctx.printExtra(`Domain '${dom.name}' started\n`);
    if (ctx.has("console")) return attachConsole(ctx, dom, null);
    return true;
  },
};

const MODES = ["acpi", "agent", "initctl", "signal", "paravirt"];

/** --mode acpi,agent,... as shutdown/reboot flags (the two share their values). */
function modeFlags(ctx: CommandContext): number {
  const mode = ctx.string("mode");
  if (mode === undefined) return 0;
  let flags = 0;
  for (const word of mode.split(",")) {
    const bit = MODES.indexOf(word);
    if (bit < 0) ctx.fail(`Unknown mode ${word} value, expecting 'acpi', 'agent', 'initctl', 'signal', or 'paravirt'`);
    flags |= 1 << bit;
  }
  return flags;
}

const modeOption = stringOpt("mode", "how to ask the guest: acpi|agent|initctl|signal|paravirt");

interface ActionSpec {
  name: string;
  summary: string;
  description: string;
  /** Options besides the domain. */
  options?: OptionDef[];
  call(dom: Domain, ctx: CommandContext): Promise<void>;
  /** Messages with %s for the domain as given. */
  failed: string;
  done: string;
}

/** A command that makes one call on a domain and reports it: failure summary or success message. */
function domainAction(spec: ActionSpec): Command {
  return {
    name: spec.name,
    group: "domain",
    summary: spec.summary,
    description: spec.description,
    options: [domainArg(), ...(spec.options ?? [])],
    async run(ctx) {
      const dom = await ctx.domain();
      const given = ctx.string("domain")!;
      await ctx.attempt(spec.failed.replace("%s", given), () => spec.call(dom, ctx));
      ctx.printExtra(spec.done.replace("%s", given));
      return true;
    },
  };
}

const shutdown = domainAction({
  name: "shutdown",
  summary: "ask a domain to shut down",
  description: "Asks the guest to power off; it may take its time.",
  options: [modeOption],
  call: (dom, ctx) => dom.shutdown(modeFlags(ctx)),
  failed: "Failed to shutdown domain '%s'",
  done: "Domain '%s' is being shutdown\n",
});

const reboot = domainAction({
  name: "reboot",
  summary: "ask a domain to reboot",
  description: "Asks the guest to restart.",
  options: [modeOption],
  call: (dom, ctx) => dom.reboot(modeFlags(ctx)),
  failed: "Failed to reboot domain '%s'",
  done: "Domain '%s' is being rebooted\n",
});

const reset = domainAction({
  name: "reset",
  summary: "reset a domain",
  description: "Resets the guest at once, like its reset button.",
  call: (dom) => dom.reset(),
  failed: "Failed to reset domain '%s'",
  done: "Domain '%s' was reset\n",
});

const suspend = domainAction({
  name: "suspend",
  summary: "suspend a domain",
  description: "Pauses a running domain's vCPUs.",
  call: (dom) => dom.suspend(),
  failed: "Failed to suspend domain '%s'",
  done: "Domain '%s' suspended\n",
});

const resume = domainAction({
  name: "resume",
  summary: "resume a domain",
  description: "Lets a paused domain run again.",
  call: (dom) => dom.resume(),
  failed: "Failed to resume domain '%s'",
  done: "Domain '%s' resumed\n",
});

const destroy = domainAction({
  name: "destroy",
  summary: "stop a domain at once",
  description: "Stops the domain immediately; its configuration and disks stay.",
  options: [flag("graceful", "give the domain time to stop (no SIGKILL)"), flag("remove-logs", "delete the domain's log files")],
  call: (dom, ctx) => dom.destroy((ctx.has("graceful") ? 1 : 0) | (ctx.has("remove-logs") ? 2 : 0)),
  failed: "Failed to destroy domain '%s'",
  done: "Domain '%s' destroyed\n",
});

const undefine: Command = {
  name: "undefine",
  group: "domain",
  summary: "undefine a domain",
  description: "Removes an inactive domain's configuration, or makes a running one transient.",
  options: [
    domainArg(),
    flag("managed-save", "also remove the managed save image"),
    stringOpt("storage", "storage volumes to remove (targets or source paths, comma separated)"),
    flag("remove-all-storage", "remove every storage volume of the domain"),
    flag("delete-storage-volume-snapshots", "also delete the volumes' snapshots"),
    flag("wipe-storage", "wipe the removed volumes"),
    flag("snapshots-metadata", "remove the domain's snapshot metadata"),
    flag("checkpoints-metadata", "remove the domain's checkpoint metadata"),
    flag("nvram", "remove the NVRAM file"),
    flag("keep-nvram", "keep the NVRAM file"),
    flag("tpm", "remove the TPM state"),
    flag("keep-tpm", "keep the TPM state"),
  ],
  async run(ctx) {
    ctx.exclusive("nvram", "keep-nvram");
    ctx.exclusive("tpm", "keep-tpm");
    const dom = await ctx.domain();
    const name = ctx.string("domain")!;
    if (ctx.has("storage") || ctx.has("remove-all-storage")) {
      if (await dom.isActive()) ctx.fail("Storage volume deletion is supported only on stopped domains");
      ctx.fail("Storage volume deletion is not supported by this connection yet");
    }
    const flags = flagsOf(ctx, [
      ["managed-save", Undefine.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE],
      ["snapshots-metadata", Undefine.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA],
      ["checkpoints-metadata", Undefine.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA],
      ["nvram", Undefine.VIR_DOMAIN_UNDEFINE_NVRAM],
      ["keep-nvram", Undefine.VIR_DOMAIN_UNDEFINE_KEEP_NVRAM],
      ["tpm", Undefine.VIR_DOMAIN_UNDEFINE_TPM],
      ["keep-tpm", Undefine.VIR_DOMAIN_UNDEFINE_KEEP_TPM],
    ]);
    if (!ctx.has("managed-save") && (await dom.hasManagedSaveImage())) ctx.fail("Refusing to undefine while domain managed save image exists");
    await ctx.attempt(`Failed to undefine domain '${name}'`, () => dom.undefine(flags));
    ctx.printExtra(`Domain '${name}' has been undefined\n`);
    return true;
  },
};

const save: Command = {
  name: "save",
  group: "domain",
  summary: "save a running domain's state to a file",
  description: "Writes the domain's memory state to the file and stops it; restore brings it back.",
  options: [
    domainArg(),
    requiredArg("file", "string", "where to write the state"),
    flag("bypass-cache", "write without the file system cache"),
    stringOpt("xml", "a file with updated domain XML for the restore"),
    flag("running", "restore it running"),
    flag("paused", "restore it paused"),
    flag("verbose", "show progress"),
  ],
  async run(ctx) {
    ctx.exclusive("running", "paused");
    const dom = await ctx.domain();
    const name = ctx.string("domain")!;
    const file = ctx.string("file")!;
    if (ctx.has("xml")) ctx.fail("Option --xml is not supported by this connection yet");
    const flags = flagsOf(ctx, [
      ["bypass-cache", Save.VIR_DOMAIN_SAVE_BYPASS_CACHE],
      ["running", Save.VIR_DOMAIN_SAVE_RUNNING],
      ["paused", Save.VIR_DOMAIN_SAVE_PAUSED],
    ]);
    await ctx.attempt(`Failed to save domain '${name}' to ${file}`, () => dom.save(ctx.path(file), flags));
    ctx.printExtra(`\nDomain '${name}' saved to ${file}\n`);
    return true;
  },
};

const restore: Command = {
  name: "restore",
  group: "domain",
  summary: "restore a domain from a saved state file",
  description: "Starts the domain again from the file `save` wrote.",
  options: [
    requiredArg("file", "string", "the saved state"),
    flag("bypass-cache", "read without the file system cache"),
    stringOpt("xml", "a file with updated domain XML"),
    flag("running", "restore it running"),
    flag("paused", "restore it paused"),
    flag("reset-nvram", "start from a fresh copy of the NVRAM template"),
  ],
  async run(ctx) {
    ctx.exclusive("running", "paused");
    const file = ctx.string("file")!;
    if (ctx.has("xml")) await ctx.readFile(ctx.string("xml")!);
    const conn = await ctx.connection();
    const flags = flagsOf(ctx, [
      ["bypass-cache", Save.VIR_DOMAIN_SAVE_BYPASS_CACHE],
      ["running", Save.VIR_DOMAIN_SAVE_RUNNING],
      ["paused", Save.VIR_DOMAIN_SAVE_PAUSED],
      ["reset-nvram", Save.VIR_DOMAIN_SAVE_RESET_NVRAM],
    ]);
    await ctx.attempt(`Failed to restore domain from ${file}`, () => conn.restore(ctx.path(file), flags));
    ctx.printExtra(`Domain restored from ${file}\n`);
    return true;
  },
};

const managedsave: Command = {
  name: "managedsave",
  group: "domain",
  summary: "save a domain's state where start will find it",
  description: "Saves the running domain's state and stops it; the next start resumes from that state.",
  options: [
    domainArg(),
    flag("bypass-cache", "write without the file system cache"),
    flag("running", "resume it running on the next start"),
    flag("paused", "resume it paused on the next start"),
    flag("verbose", "show progress"),
  ],
  async run(ctx) {
    ctx.exclusive("running", "paused");
    const dom = await ctx.domain();
    const name = ctx.string("domain")!;
    const flags = flagsOf(ctx, [
      ["bypass-cache", Save.VIR_DOMAIN_SAVE_BYPASS_CACHE],
      ["running", Save.VIR_DOMAIN_SAVE_RUNNING],
      ["paused", Save.VIR_DOMAIN_SAVE_PAUSED],
    ]);
    await ctx.attempt(`Failed to save domain '${name}' state`, () => dom.managedSave(flags));
    ctx.printExtra(`\nDomain '${name}' state saved by libvirt\n`);
    return true;
  },
};

const autostart: Command = {
  name: "autostart",
  group: "domain",
  summary: "start a domain when the host starts",
  description: "Marks the domain to be started automatically, or with --disable no longer.",
  options: [domainArg(), flag("disable", "stop starting it automatically")],
  async run(ctx) {
    const dom = await ctx.domain();
    const name = ctx.string("domain")!;
    const enable = !ctx.has("disable");
    await ctx.attempt(enable ? `Failed to mark domain '${name}' as autostarted` : `Failed to unmark domain '${name}' as autostarted`, () => dom.setAutostart(enable));
    ctx.printExtra(enable ? `Domain '${name}' marked as autostarted\n` : `Domain '${name}' unmarked as autostarted\n`);
    return true;
  },
};

export const LIFECYCLE_COMMANDS: Command[] = [define, create, start, shutdown, reboot, reset, destroy, suspend, resume, undefine, save, restore, managedsave, autostart];
