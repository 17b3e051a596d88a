// A guest's <serial type='pty'> on the host: a pseudo-terminal whose slave (/dev/pts/N, in the
// domain's live XML) anyone may open, as with libvirt's qemu driver. The VMM holds the slave too,
// so the line stays up while nobody has it open; output that finds the line full (nobody reading)
// is dropped, as a real serial line drops what no one receives.
import { writeSync } from "node:fs";
import { ReadStream } from "node:tty";
import type { NativeShim } from "../host/native.js";

export class SerialPty {
  readonly path: string;
  private readonly master: number;
  private readonly slave: number;
  private readonly reader: ReadStream;

  constructor(
    private readonly shim: NativeShim,
    input: (bytes: Uint8Array) => void,
  ) {
    const pty = shim.openPty();
    this.path = pty.path;
    this.master = pty.master;
    this.slave = pty.slave;
    // (libuv makes the master non-blocking: a full line fails the write instead of stopping the VMM)
    this.reader = new ReadStream(this.master);
    this.reader.on("data", input);
    this.reader.on("error", () => this.reader.destroy());
  }

  write(bytes: Uint8Array): void {
    try {
      writeSync(this.master, bytes);
    } catch {
      // EAGAIN: nobody reads the line
    }
  }

  close(): void {
    this.reader.destroy(); // closes the master
    this.shim.closeFd(this.slave);
  }
}
