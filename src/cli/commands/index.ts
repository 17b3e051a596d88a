// Every command virtkit knows, in the order `help` lists them within their groups.
import type { CommandDef } from "../command.js";
import type { CommandContext } from "../context.js";
import { BLOCK_COMMANDS } from "./block.js";
import { CONFIG_COMMANDS } from "./config.js";
import { console } from "./console.js";
import { HOST_COMMANDS } from "./host.js";
import { LIFECYCLE_COMMANDS } from "./lifecycle.js";
import { MONITOR_COMMANDS } from "./monitor.js";
import { NIC_COMMANDS } from "./nic.js";
import { NETWORK_COMMANDS } from "./network.js";
import { shellCommands } from "./shell.js";

const byName = (a: CommandDef<CommandContext>, b: CommandDef<CommandContext>) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export const COMMANDS: readonly CommandDef<CommandContext>[] = [
  ...[...LIFECYCLE_COMMANDS, ...CONFIG_COMMANDS, ...MONITOR_COMMANDS, ...NIC_COMMANDS, ...NETWORK_COMMANDS, ...BLOCK_COMMANDS, ...HOST_COMMANDS, console].sort(byName),
  ...shellCommands(() => COMMANDS),
];

const index = new Map(COMMANDS.map((c) => [c.name, c]));

export function findCommand(name: string): CommandDef<CommandContext> | undefined {
  return index.get(name);
}
