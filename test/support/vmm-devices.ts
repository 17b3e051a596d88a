// core.wasm's VMM devices driven the way the VMM drives them after each exit (its port-I/O
// exports, called directly), one fresh core per test: each starts with a machine just switched on.
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { bootRecords } from "../../src/vmm/machine.js";
import { exitLoopImage } from "../kvm/guest.js";

/** The events word (vmmEvents), as core-wasm/vmm/devices/events.ts and src/vmm/machine.ts define it. */
export const EVENT_OUTPUT = 1;
export const EVENT_IRQ = 2;
export const EVENT_RESET = 4;
export const EVENT_POWEROFF = 8;
export const EVENT_SCI = 16;
export const IRQ_LEVEL = 256;
export const SCI_LEVEL = 512;

export class GuestPorts {
  readonly core = new Core(coreModule(), new MockCoreImports(0));
  private readonly portIn = this.core.direct<(port: number, size: number) => number>("vmmPortIn");
  private readonly portOut = this.core.direct<(port: number, size: number, value: number) => void>("vmmPortOut");

  /** A read of `size` bytes, as the guest's IN instruction sees it (unsigned). */
  in(port: number, size: number): number {
    return this.portIn(port, size) >>> 0;
  }

  inb(port: number): number {
    return this.in(port, 1);
  }

  out(port: number, size: number, value: number): void {
    this.portOut(port, size, value);
  }

  outb(port: number, value: number): void {
    this.out(port, 1, value);
  }

  /** What the devices did since the last call, and the lines' levels (the events word). */
  events(): number {
    return this.core.direct<() => number>("vmmEvents")();
  }

  /** The UART's output since the last call. */
  output(): string {
    const len = this.core.direct<() => number>("vmmTakeOutput")();
    const v = this.core.outputView();
    return Buffer.from(v.buffer, v.byteOffset, len).toString("latin1");
  }

  /** Text typed at the console, for the guest to read from COM1. */
  type(text: string): void {
    const bytes = Buffer.from(text, "latin1");
    this.core.writeInput(bytes);
    this.core.direct<(len: number) => void>("vmmConsoleInput")(bytes.length);
  }

  pressPowerButton(): void {
    this.core.direct<() => void>("vmmPowerButton")();
  }
}

/** Asks for a boot plan, as the VMM does at each start and restart of the guest: it switches the devices back on. */
export function bootAgain(ports: GuestPorts): void {
  const kernel = exitLoopImage(1);
  bootRecords(ports.core, kernel, kernel.length, 0, "", 16 << 20, 1);
}
