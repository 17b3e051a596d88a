// core.wasm's VMM devices driven the way the VMM drives them after each exit (its port-I/O
// exports, called directly), one fresh core per test: each starts with a machine just switched on.
import { Core, coreModule } from "../../src/host/core.js";
import { VmmEvent } from "../../src/host/core-abi.gen.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { bootRecords } from "../../src/vmm/machine.js";
import { exitLoopImage } from "../kvm/guest.js";

/** The events word (vmmEvents): VmmEvent bits, as the ABI table declares them. */
export const { OUTPUT: EVENT_OUTPUT, IRQ: EVENT_IRQ, RESET: EVENT_RESET, POWEROFF: EVENT_POWEROFF, SCI: EVENT_SCI, IRQ_LEVEL, SCI_LEVEL } = VmmEvent;

export class GuestPorts {
  readonly core = new Core(coreModule(), new MockCoreImports(0));

  /** A read of `size` bytes, as the guest's IN instruction sees it (unsigned). */
  in(port: number, size: number): number {
    return this.core.vmmPortIn(port, size) >>> 0;
  }

  inb(port: number): number {
    return this.in(port, 1);
  }

  out(port: number, size: number, value: number): void {
    this.core.vmmPortOut(port, size, value);
  }

  outb(port: number, value: number): void {
    this.out(port, 1, value);
  }

  /** What the devices did since the last call, and the lines' levels (the events word). */
  events(): number {
    return this.core.vmmEvents();
  }

  /** The UART's output since the last call. */
  output(): string {
    const v = this.core.vmmTakeOutput();
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("latin1");
  }

  /** Text typed at the console, for the guest to read from COM1. */
  type(text: string): void {
    const bytes = Buffer.from(text, "latin1");
    this.core.vmmConsoleInput(bytes);
  }

  pressPowerButton(): void {
    this.core.vmmPowerButton();
  }
}

/** Asks for a boot plan, as the VMM does at each start and restart of the guest: it switches the devices back on. */
export function bootAgain(ports: GuestPorts): void {
  const kernel = exitLoopImage(1);
  bootRecords(ports.core, kernel, kernel.length, 0, "", 16 << 20, 1);
}
