// The shell's own commands: help, quit, exit and connect.
import { flag, stringOpt, type CommandDef, type GroupKey, type OptionDef } from "../command.js";
import type { CommandContext } from "../context.js";

type Command = CommandDef<CommandContext>;

/** The groups `help` shows, in virsh's order, with their keywords. */
export const GROUPS: readonly (readonly [GroupKey, string])[] = [
  ["domain", "Domain Management"],
  ["monitor", "Domain Monitoring"],
  ["host", "Host and Hypervisor"],
  ["interface", "Interface"],
  ["network", "Networking"],
  ["pool", "Storage Pool"],
  ["virsh", "Virsh itself"],
];

/** How an option appears in a SYNOPSIS line. */
function synopsisItem(o: OptionDef): string {
  if (o.kind === "bool") return `[--${o.name}]`;
  const type = o.kind === "number" ? "number" : "string";
  if (o.kind === "argv") return o.required ? `<${o.name}>...` : `[[--${o.name}] <${type}>]...`;
  if (o.required) return o.positional === false ? `--${o.name} <${type}>` : `<${o.name}>`;
  return `[--${o.name} <${type}>]`;
}

/** How an option appears in the OPTIONS list. */
function optionItem(o: OptionDef): string {
  if (o.kind === "bool") return `--${o.name}`;
  const type = o.kind === "number" ? "number" : "string";
  return o.required || o.kind === "argv" ? `[--${o.name}] <${type}>` : `--${o.name} <${type}>`;
}

export function commandHelp(def: CommandDef<unknown>): string {
  let out = `  NAME\n    ${def.name} - ${def.summary}\n\n`;
  out += `  SYNOPSIS\n    ${[def.name, ...def.options.map(synopsisItem)].join(" ")}\n\n`;
  if (def.description) out += `  DESCRIPTION\n    ${def.description}\n\n`;
  if (def.options.length > 0) out += `  OPTIONS\n${def.options.map((o) => `    ${optionItem(o).padEnd(15)}  ${o.help}\n`).join("")}\n`;
  return out;
}

function groupHelp(commands: readonly CommandDef<unknown>[], key: GroupKey, title: string): string {
  const lines = commands.filter((c) => c.group === key).map((c) => `    ${c.name.padEnd(30)} ${c.summary}\n`);
  return ` ${title} (help keyword '${key}'):\n${lines.join("")}\n`;
}

/** Every group's commands, as `help` without arguments (and --help) list them. */
export function allGroupsHelp(commands: readonly CommandDef<unknown>[]): string {
  return GROUPS.map(([key, title]) => groupHelp(commands, key, title)).join("");
}

export function shellCommands(all: () => readonly Command[]): Command[] {
  const help: Command = {
    name: "help",
    group: "virsh",
    summary: "print help",
    description: "Lists every command, the commands of one group, or one command's options.",
    options: [stringOpt("command", "a command or a group keyword")],
    noConnect: true,
    async run(ctx) {
      const name = ctx.string("command");
      const commands = all();
      if (name === undefined) {
        ctx.print(`Grouped commands:\n\n${allGroupsHelp(commands)}`);
        return true;
      }
      const def = commands.find((c) => c.name === name);
      if (def) {
        ctx.print(commandHelp(def));
        return true;
      }
      const group = GROUPS.find(([key]) => key === name);
      if (group) {
        ctx.print(groupHelp(commands, group[0], group[1]));
        return true;
      }
      return ctx.fail(`command or command group '${name}' doesn't exist`);
    },
  };

  const leave = (name: string): Command => ({
    name,
    group: "virsh",
    summary: "leave the interactive shell",
    options: [],
    noConnect: true,
    async run(ctx) {
      ctx.session.stop = true;
      return true;
    },
  });

  const connect: Command = {
    name: "connect",
    group: "virsh",
    summary: "connect again, or to another hypervisor",
    description: "Closes the current connection and opens one to the given URI (default: the current one).",
    options: [stringOpt("name", "the hypervisor's connection URI"), flag("readonly", "a read-only connection")],
    noConnect: true,
    async run(ctx) {
      const uri = ctx.string("name") ?? ctx.session.uri;
      return ctx.session.connect(uri, ctx.has("readonly"));
    },
  };

  return [leave("exit"), help, leave("quit"), connect];
}
