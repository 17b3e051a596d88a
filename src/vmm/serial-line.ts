// The host ends of a guest's serial line (COM1), as its plan names them: <serial type='file'>
// appends the guest's output to a file, type='pty' gives it a host pty (serial-pty.ts) that also
// carries input, and without either the output reaches only a console client (control-server.ts).
import { closeSync, openSync, writeSync } from "node:fs";
import { loadNativeShim } from "../host/native.js";
import { SerialPty } from "./serial-pty.js";
import type { VmmPlan } from "./plan.js";

export class SerialLine {
  private file = -1;
  private pty: SerialPty | undefined;

  /** Opens what the plan names; throws what failed (the start report's step) having closed the rest. */
  constructor(serial: VmmPlan["serial"], input: (bytes: Uint8Array) => void) {
    try {
      if (serial.kind === "file") this.file = openSync(serial.path, "a", 0o600);
      if (serial.kind === "pty") this.pty = new SerialPty(loadNativeShim(), input);
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** The pty's path (/dev/pts/N), for the start report and the live XML. */
  get ptyPath(): string | undefined {
    return this.pty?.path;
  }

  write(bytes: Uint8Array): void {
    if (this.file >= 0) writeSync(this.file, bytes);
    this.pty?.write(bytes);
  }

  close(): void {
    if (this.file >= 0) closeSync(this.file);
    this.file = -1;
    this.pty?.close();
    this.pty = undefined;
  }
}
