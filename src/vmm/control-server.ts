// A VMM process's control socket (docs/control-protocol.md, "Control socket"): each connection
// sends one command line and gets one reply line, then the connection closes; "console" instead
// turns it into the guest's serial line, both ways. The container supervisor serves the same
// protocol; suspend, resume and reset are the VMM's own.
import { rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { NOT_RUNNING_REPLY } from "../drivers/hosted/control-client.js";
import type { DiskStats } from "./disks.js";
import type { BalloonState } from "./guest-runner.js";
import { onFirstLine } from "./first-line.js";

/** What the commands act on: the guest (guest-runner.ts), or a stand-in in tests. */
export interface ControlledGuest {
  readonly isPaused: boolean;
  /** Crashed and kept (on_crash preserve): only destroy and the console act on it. */
  readonly isCrashed: boolean;
  /** Bytes from the console client, for the guest's serial line. */
  input(bytes: Uint8Array): void;
  /** Ends the guest: the process then closes this server, records the end, and hangs up. */
  destroy(): void;
  pause(): void;
  resume(): void;
  /** shutdown: the ACPI power button (the guest decides). */
  powerButton(): void;
  reboot(): void;
  reset(): void;
  /** The counters of the disk named `target` (vda), or undefined when there is none. */
  blockStats(target: string): DiskStats | undefined;
  /** setmem --live: the pages the balloon should hold; false without a balloon. */
  setBalloonTarget(pages: number): boolean;
  /** The balloon's state with the guest's fresh statistics, or undefined without a balloon. */
  memoryStats(): Promise<BalloonState | undefined>;
}

export class ControlServer {
  private readonly server: Server;
  private console: Socket | undefined;
  /** Clients of destroy: answered once the guest has ended and its end is recorded. */
  private readonly waiting: Socket[] = [];
  private finished = false;

  /** pausedChanged: a command paused or resumed the guest (its status says so). */
  constructor(
    private readonly path: string,
    private readonly guest: ControlledGuest,
    private readonly pausedChanged: () => void,
  ) {
    this.server = createServer((client) => onFirstLine(client, (line, rest) => this.command(client, line.trim(), rest)));
  }

  /**
   * Listens at the plan's control path (this instance's own name: a file there is a leftover of
   * this process), created with mode 0600: the umask holds while bind makes the file.
   */
  listen(listening: () => void, failed: (e: NodeJS.ErrnoException) => void): void {
    rmSync(this.path, { force: true });
    const mask = process.umask(0o177);
    try {
      this.server.listen(this.path, listening);
    } finally {
      process.umask(mask);
    }
    this.server.on("error", failed);
  }

  /** The guest's serial output, for the console client if one is attached. */
  output(bytes: Uint8Array): void {
    this.console?.write(bytes);
  }

  /** The guest has ended: no new connections, the socket goes, a late command is told so. */
  close(): void {
    this.finished = true;
    this.server.close();
    rmSync(this.path, { force: true });
  }

  /** Once the end is recorded: every waiting destroy hears "ok", the console client is let go. */
  hangUp(): void {
    for (const client of this.waiting.splice(0)) client.end("ok\n");
    this.console?.end();
  }

  private command(client: Socket, text: string, rest: Buffer): void {
    const [verb, arg] = text.split(" ");
    const guest = this.guest;
    // a command that read after the guest ended (the same turn), or one that needs it running while it is kept crashed
    if (this.finished) return void client.end(verb === "destroy" ? "ok\n" : `${NOT_RUNNING_REPLY}\n`);
    if (guest.isCrashed && verb !== "console" && verb !== "destroy") return void client.end(`${NOT_RUNNING_REPLY}\n`);
    if (verb === "console") {
      this.attachConsole(client, arg === "force", rest);
    } else if (verb === "destroy") {
      this.waiting.push(client);
      guest.destroy();
    } else if (verb === "suspend" || verb === "resume") {
      if ((verb === "suspend") !== guest.isPaused) {
        if (verb === "suspend") guest.pause();
        else guest.resume();
        this.pausedChanged();
      }
      client.end("ok\n");
    } else if (verb === "shutdown" || verb === "reboot" || verb === "reset") {
      if (verb === "shutdown") guest.powerButton();
      else if (verb === "reboot") guest.reboot();
      else guest.reset();
      client.end("ok\n");
    } else if (verb === "setmem") {
      const pages = Number(arg);
      client.end(Number.isSafeInteger(pages) && pages >= 0 && guest.setBalloonTarget(pages) ? "ok\n" : "error no balloon\n");
    } else if (verb === "memstat") {
      void guest.memoryStats().then((b) => client.end(b ? `ok target ${b.targetPages} actual ${b.actualPages} updated ${b.updatedMs} stats ${b.stats.join(",")}\n` : "error no balloon\n"));
    } else if (verb === "blkstat") {
      const stats = guest.blockStats(arg ?? "");
      client.end(stats ? `ok ${Object.entries(stats).flat().join(" ")}\n` : "error no such disk\n");
    } else {
      client.end(`error unknown command ${verb}\n`);
    }
  }

  /** One console client at a time: another is "busy", unless it forces the first one off. */
  private attachConsole(client: Socket, force: boolean, rest: Buffer): void {
    if (this.console && !this.console.destroyed && !force) return void client.end("error busy\n");
    this.console?.destroy();
    this.console = client;
    client.write("ok\n");
    const input = (bytes: Buffer) => this.guest.input(new Uint8Array(bytes));
    if (rest.length > 0) input(rest);
    client.on("data", input);
    client.on("close", () => {
      if (this.console === client) this.console = undefined;
    });
  }
}
