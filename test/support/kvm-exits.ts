// The vCPU exits a scripted guest makes on the fake KVM (fake-kvm.ts), written into the kvm_run
// area as the kernel lays it out (<linux/kvm.h>: exit_reason at 8, the exit's union at 32; a port
// access's data in the page after kvm_run), and what the VMM answered for the exits that read.

const KVM_EXIT_IO = 2;
const KVM_EXIT_HLT = 5;
const KVM_EXIT_MMIO = 6;
const KVM_EXIT_SHUTDOWN = 8;
const KVM_EXIT_SYSTEM_EVENT = 24;
const KVM_EXIT_IO_IN = 0;
const KVM_EXIT_IO_OUT = 1;

/** KVM_GET_VCPU_MMAP_SIZE on x86: kvm_run, the port-I/O data page, the coalesced-MMIO ring. */
export const RUN_AREA_BYTES = 3 * 4096;
/** Where KVM puts a port access's data (KVM_PIO_PAGE_OFFSET pages into the area). */
const PIO_DATA_OFFSET = 4096;
const EXIT_REASON = 8;
const UNION = 32;

export type AccessSize = 1 | 2 | 4;

export type GuestExit =
  /** OUT (or OUTS: one access per value). */
  | { kind: "out"; port: number; size: AccessSize; values: number[] }
  /** IN (or INS: count accesses). */
  | { kind: "in"; port: number; size: AccessSize; count: number }
  | { kind: "mmio-read"; address: number; length: number }
  | { kind: "mmio-write"; address: number; bytes: number[] }
  | { kind: "hlt" }
  /** A triple fault. */
  | { kind: "shutdown" }
  /** KVM_SYSTEM_EVENT_SHUTDOWN (1), _RESET (2), _CRASH (3). */
  | { kind: "system-event"; type: number }
  /** Another exit reason (KVM_EXIT_INTERNAL_ERROR is 17). */
  | { kind: "reason"; reason: number }
  /** KVM_RUN interrupted (a kick): run() returns -1; `between` runs before the VMM's next slice. */
  | { kind: "kick"; between?: () => void };

export const out = (port: number, size: AccessSize, ...values: number[]): GuestExit => ({ kind: "out", port, size, values });
export const outb = (port: number, ...values: number[]): GuestExit => out(port, 1, ...values);
export const inp = (port: number, size: AccessSize, count = 1): GuestExit => ({ kind: "in", port, size, count });
export const inb = (port: number, count = 1): GuestExit => inp(port, 1, count);
export const mmioRead = (address: number, length: number): GuestExit => ({ kind: "mmio-read", address, length });
export const mmioWrite = (address: number, ...bytes: number[]): GuestExit => ({ kind: "mmio-write", address, bytes });
export const hlt: GuestExit = { kind: "hlt" };
export const tripleFault: GuestExit = { kind: "shutdown" };
export const systemEvent = (type: number): GuestExit => ({ kind: "system-event", type });
export const exitReason = (reason: number): GuestExit => ({ kind: "reason", reason });
export const kick = (between?: () => void): GuestExit => ({ kind: "kick", between });

/** `rep outsb` of text to COM1 (one exit, one access per byte). */
export const serial = (text: string): GuestExit => outb(0x3f8, ...Buffer.from(text, "latin1"));
/** What the i8042 reset and the ACPI S5 power-off look like from the guest. */
export const i8042Reset: GuestExit = outb(0x64, 0xfe);
export const acpiPowerOff: GuestExit = out(0x604, 2, (5 << 10) | (1 << 13) | 1);

/** What the VMM gave an exit that reads: a value per port access, or the MMIO data's bytes. */
export interface Answer {
  exit: GuestExit;
  values: number[];
}

function getAccess(run: DataView, at: number, size: number): number {
  return size === 1 ? run.getUint8(at) : size === 2 ? run.getUint16(at, true) : run.getUint32(at, true);
}

function setAccess(run: DataView, at: number, size: number, value: number): void {
  if (size === 1) run.setUint8(at, value);
  else if (size === 2) run.setUint16(at, value, true);
  else run.setUint32(at, value, true);
}

/** Writes the exit into the run area, as KVM_RUN leaves it when it returns 0. */
export function writeExit(run: DataView, exit: Exclude<GuestExit, { kind: "kick" }>): void {
  new Uint8Array(run.buffer, UNION, PIO_DATA_OFFSET - UNION).fill(0);
  const reasons = { out: KVM_EXIT_IO, in: KVM_EXIT_IO, "mmio-read": KVM_EXIT_MMIO, "mmio-write": KVM_EXIT_MMIO, hlt: KVM_EXIT_HLT, shutdown: KVM_EXIT_SHUTDOWN, "system-event": KVM_EXIT_SYSTEM_EVENT };
  run.setUint32(EXIT_REASON, exit.kind === "reason" ? exit.reason : reasons[exit.kind], true);
  switch (exit.kind) {
    case "out":
    case "in": {
      const count = exit.kind === "out" ? exit.values.length : exit.count;
      run.setUint8(UNION, exit.kind === "out" ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN);
      run.setUint8(UNION + 1, exit.size);
      run.setUint16(UNION + 2, exit.port, true);
      run.setUint32(UNION + 4, count, true);
      run.setBigUint64(UNION + 8, BigInt(PIO_DATA_OFFSET), true);
      new Uint8Array(run.buffer, PIO_DATA_OFFSET, count * exit.size).fill(exit.kind === "in" ? 0xcc : 0);
      if (exit.kind === "out") exit.values.forEach((v, i) => setAccess(run, PIO_DATA_OFFSET + i * exit.size, exit.size, v));
      break;
    }
    case "mmio-read":
    case "mmio-write": {
      const bytes = exit.kind === "mmio-write" ? exit.bytes : new Array<number>(exit.length).fill(0);
      run.setBigUint64(UNION, BigInt(exit.address), true);
      new Uint8Array(run.buffer, UNION + 8, 8).set(bytes);
      run.setUint32(UNION + 16, bytes.length, true);
      run.setUint8(UNION + 20, exit.kind === "mmio-write" ? 1 : 0);
      break;
    }
    case "system-event":
      run.setUint32(UNION, exit.type, true);
      break;
  }
}

/** What the VMM left in the run area for an exit that reads (KVM completes the instruction with it on the next KVM_RUN). */
export function readAnswer(run: DataView, exit: GuestExit): Answer | undefined {
  if (exit.kind === "in") return { exit, values: Array.from({ length: exit.count }, (_, i) => getAccess(run, PIO_DATA_OFFSET + i * exit.size, exit.size)) };
  if (exit.kind === "mmio-read") return { exit, values: [...new Uint8Array(run.buffer, UNION + 8, exit.length)] };
  return undefined;
}
