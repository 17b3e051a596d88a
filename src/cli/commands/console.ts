// `console`: the guest's console on this terminal until the escape character (Ctrl+]).
import type { Domain } from "../../domain.js";
import { domainArg, flag, stringOpt, type CommandDef } from "../command.js";
import type { CommandContext } from "../context.js";

const ESCAPE = 0x1d; // Ctrl+]

/** Connects the terminal to dom's console (devName null: the first) until Ctrl+] or the stream ends. */
export async function attachConsole(ctx: CommandContext, dom: Domain, devName: string | null, flags = 0): Promise<boolean> {
  const io = ctx.session.io;
  if (!io.stdin || io.isTTY?.() !== true) ctx.fail("Cannot run interactive console without a controlling TTY");
  const stream = await dom.openConsole(devName, flags);
  ctx.printExtra(`Connected to domain '${dom.name}'\nEscape character is ^] (Ctrl + ])\n`);
  ctx.session.flush();
  const stdin = io.stdin() as NodeJS.ReadStream;
  stdin.setRawMode?.(true);
  await new Promise<void>((resolve) => {
    const finish = () => {
      stdin.off("data", toGuest);
      stream.off("data", toTerminal);
      stdin.setRawMode?.(false);
      stdin.pause();
      stream.destroy();
      resolve();
    };
    const toGuest = (chunk: Buffer) => {
      const at = chunk.indexOf(ESCAPE);
      if (at >= 0) {
        if (at > 0) stream.write(chunk.subarray(0, at));
        finish();
      } else {
        stream.write(chunk);
      }
    };
    const toTerminal = (chunk: Buffer) => io.stdout(chunk.toString("utf8"));
    stdin.on("data", toGuest);
    stream.on("data", toTerminal);
    stream.once("end", finish);
    stream.once("error", finish);
    stdin.resume();
  });
  ctx.print("\n");
  return true;
}

export const console: CommandDef<CommandContext> = {
  name: "console",
  group: "domain",
  summary: "attach to a domain's console",
  description: "Connects this terminal to the guest's serial console; Ctrl+] leaves.",
  options: [
    domainArg(),
    stringOpt("devname", "the character device's alias (default: the first console)"),
    flag("force", "take the console from another session"),
    flag("safe", "only connect when the driver can guard the console"),
  ],
  async run(ctx) {
    const dom = await ctx.domain();
    const flags = (ctx.has("force") ? 1 : 0) | (ctx.has("safe") ? 2 : 0);
    return attachConsole(ctx, dom, ctx.string("devname") ?? null, flags);
  },
};
