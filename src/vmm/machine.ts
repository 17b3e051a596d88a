// One KVM virtual machine driven by core.wasm: the shim performs the ioctls, the core decides
// the boot layout and answers every I/O exit. This file only moves bytes between them.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import type { Core } from "../host/core.js";
import { VmmEvent } from "../host/core-abi.gen.js";
import type { KvmShim, VhostShim } from "../host/native.js";
import { writeCoreDump } from "./core-dump.js";
import type { SecondaryVcpus } from "./secondary-vcpus.js";
import { openVhost, VhostRings, type OpenVhost, type VhostMode } from "./vhost.js";

export const KVM_EXIT_IO = 2;
const KVM_EXIT_HLT = 5;
export const KVM_EXIT_MMIO = 6;
export const KVM_EXIT_SHUTDOWN = 8;
const KVM_EXIT_SYSTEM_EVENT = 24;
/** KVM emulates the local APIC's TSC-deadline mode (linux/kvm.h). */
const KVM_CAP_TSC_DEADLINE_TIMER = 72;

const UART_IRQ = 4;
const SCI_IRQ = 9;

/** Why the guest stopped running: it powered off, asked for a reset, or died (triple fault...). */
export type Stop = { kind: "poweroff" } | { kind: "reset" } | { kind: "crash"; reason: string } | { kind: "stopped" };

export type PortIn = (port: number, size: number) => number;
export type PortOut = (port: number, size: number, value: number) => void;

/** Performs the port accesses of a KVM_EXIT_IO (one, or a string instruction's several). */
export function portAccesses(run: DataView, portIn: PortIn, portOut: PortOut): void {
  const out = run.getUint8(32) === 1;
  const size = run.getUint8(33);
  const port = run.getUint16(34, true);
  const count = run.getUint32(36, true);
  const offset = Number(run.getBigUint64(40, true));
  for (let i = 0; i < count; i++) {
    const at = offset + i * size;
    if (out) portOut(port, size, size === 1 ? run.getUint8(at) : size === 2 ? run.getUint16(at, true) : run.getUint32(at, true));
    else {
      const value = portIn(port, size);
      if (size === 1) run.setUint8(at, value);
      else if (size === 2) run.setUint16(at, value, true);
      else run.setUint32(at, value, true);
    }
  }
}

/**
 * One MMIO access of `size` bytes at `address`: a write takes its value from `data` (8 bytes,
 * little-endian), a read leaves it there.
 */
export type MmioAccess = (address: number, size: number, write: boolean, data: DataView) => void;

/** Performs the access of a KVM_EXIT_MMIO (struct kvm_run's mmio: phys_addr, data[8], len, is_write). */
export function mmioExit(run: DataView, access: MmioAccess): void {
  const address = Number(run.getBigUint64(32, true));
  access(address, run.getUint32(48, true), run.getUint8(52) !== 0, new DataView(run.buffer, run.byteOffset + 40, 8));
}

/** An MMIO access through core.wasm's devices (vmmMmioRead/Write: the value as two 32-bit halves). */
export function coreMmio(core: Core): MmioAccess {
  return (address, size, write, data) => {
    if (write) core.vmmMmioWrite(address, size, data.getInt32(0, true), size > 4 ? data.getInt32(4, true) : 0);
    else {
      data.setInt32(0, core.vmmMmioRead(address, size), true);
      data.setInt32(4, size > 4 ? core.vmmMmioReadHigh() : 0, true);
    }
  };
}

/** An exit no device answers: the guest powered off, asked for a reset, or died. */
export function stopOfExit(reason: number, run: DataView): Stop {
  if (reason === KVM_EXIT_SHUTDOWN) return { kind: "crash", reason: "triple fault" };
  if (reason === KVM_EXIT_HLT) return { kind: "crash", reason: "halted" };
  if (reason === KVM_EXIT_SYSTEM_EVENT) {
    const type = run.getUint32(32, true);
    return type === 2 ? { kind: "reset" } : type === 1 ? { kind: "poweroff" } : { kind: "crash", reason: `system event ${type}` };
  }
  // KVM_EXIT_FAIL_ENTRY, KVM_EXIT_INTERNAL_ERROR, or an exit no device explains
  return { kind: "crash", reason: `KVM exit ${reason}` };
}

/** A PCI controller of the domain: the bridge to bus `index`, at parent:slot.function. */
export interface PciBridge {
  index: number;
  model: "pci-bridge" | "pcie-root-port";
  parent: number;
  slot: number;
  function: number;
}

/** vmmPciBridges' records: bus index, model (0 pci-bridge, 1 pcie-root-port), parent bus, devfn. */
export function pciBridgeRecords(bridges: PciBridge[]): Uint8Array {
  const words = new Int32Array(bridges.flatMap((b) => [b.index, b.model === "pcie-root-port" ? 1 : 0, b.parent, (b.slot << 3) | b.function]));
  return new Uint8Array(words.buffer);
}

/** A disk as the VMM opened it (disks.ts): the shim's handle, its size and the plan's flags. */
export interface OpenDisk {
  handle: number;
  bytes: number;
  /** core-wasm/vmm/virtio/blk.ts DISK_*: read-only 1, writethrough 2, ignore flushes 4, discard 8. */
  flags: number;
  serial: string;
}

/** A NIC's tap as the VMM opened it (nics.ts): the shim's handle, the guest's `<mac>` and `<mtu>` (0: none), and whether vhost-net serves it. */
export interface OpenNic {
  handle: number;
  mac: string;
  mtu: number;
  vhost?: VhostMode;
}

/** A PCI device of the domain, where its address puts it. */
export type PciDevice = { bus: number; slot: number; function: number } & (
  | { kind: "virtio-rng" }
  | { kind: "virtio-blk"; disk: OpenDisk }
  | { kind: "virtio-balloon"; deflateOnOom: boolean }
  | { kind: "virtio-net"; nic: OpenNic }
);

const DEVICE_KINDS = { "virtio-rng": 1, "virtio-blk": 2, "virtio-balloon": 3, "virtio-net": 4 } as const;
/** A balloon record's flags (core-wasm/vmm/pci/endpoints.ts). */
const BALLOON_DEFLATE_ON_OOM = 1;
/** A NIC record's flags (core-wasm/operations/vmm.ts NIC_*). */
const NIC_VHOST = 1;
const NIC_NOTIFY_ANY_LENGTH = 2;
/** vmmPciDevices' records: 12 words (core-wasm/operations/vmm.ts). */
const DEVICE_RECORD_BYTES = 48;
const SERIAL_BYTES = 20;

/**
 * vmmPciDevices' records: kind, bus, devfn, and a disk's handle, flags, size (two words) and
 * serial (a NIC's tap handle, flags, mtu, vhost handle, MAC and vhost's features there); `vhosts`
 * holds the NICs' vhost-net, by tap handle.
 */
export function pciDeviceRecords(devices: PciDevice[], vhosts = new Map<number, OpenVhost>()): Uint8Array {
  const bytes = new Uint8Array(devices.length * DEVICE_RECORD_BYTES);
  const view = new DataView(bytes.buffer);
  devices.forEach((d, i) => {
    const at = i * DEVICE_RECORD_BYTES;
    view.setInt32(at, DEVICE_KINDS[d.kind], true);
    view.setInt32(at + 4, d.bus, true);
    view.setInt32(at + 8, (d.slot << 3) | d.function, true);
    if (d.kind === "virtio-balloon") view.setInt32(at + 16, d.deflateOnOom ? BALLOON_DEFLATE_ON_OOM : 0, true);
    if (d.kind === "virtio-net") {
      view.setInt32(at + 12, d.nic.handle, true);
      view.setUint32(at + 20, d.nic.mtu, true);
      d.nic.mac.split(":").forEach((byte, i) => view.setUint8(at + 28 + i, parseInt(byte, 16)));
      const vhost = vhosts.get(d.nic.handle);
      if (vhost) {
        view.setInt32(at + 16, NIC_VHOST | (vhost.notifyAnyLength ? NIC_NOTIFY_ANY_LENGTH : 0), true);
        view.setInt32(at + 24, vhost.handle, true);
        view.setUint32(at + 36, vhost.features % 2 ** 32, true);
        view.setUint32(at + 40, Math.floor(vhost.features / 2 ** 32), true);
      }
    }
    if (d.kind !== "virtio-blk") return;
    view.setInt32(at + 12, d.disk.handle, true);
    view.setInt32(at + 16, d.disk.flags, true);
    view.setBigUint64(at + 20, BigInt(d.disk.bytes), true);
    bytes.set(new TextEncoder().encode(d.disk.serial).subarray(0, SERIAL_BYTES), at + 28);
  });
  return bytes;
}

export interface MachineConfig {
  memoryBytes: number;
  /** How many vCPUs (default 1); vCPUs 1..vcpus-1 run on the secondaries' threads. */
  vcpus?: number;
  secondaries?: SecondaryVcpus;

  kernel: string;
  initrd?: string;
  cmdline: string;
  /** The domain's PCI bridges (parents first), as the plan gives them. */
  pciBridges?: PciBridge[];
  /** The domain's PCI devices. */
  pciDevices?: PciDevice[];
  /** Where the serial console's output goes. */
  output(bytes: Uint8Array): void;
  /** vhost-net's calls, for NICs that may have the kernel serve their rings (none: the VMM serves them). */
  vhost?: VhostShim;
  /** Where the machine tells what went wrong without stopping the guest. */
  log?(line: string): void;
}

/** Where the boot records put things, in the order core-wasm/vmm/boot.ts writes them. */
const enum Record {
  WRITE = 1,
  KERNEL = 2,
  INITRD = 3,
  REGS = 4,
  SREGS = 5,
}

/**
 * The core's boot records for a bzImage of kernelSize bytes whose first bytes (its setup header
 * is in the first 64 KiB) are `header`, as a view of the core's output: valid until its next call.
 */
export function bootRecords(core: Core, header: Uint8Array, kernelSize: number, initrdSize: number, cmdline: string, memoryBytes: number, vcpus: number): DataView {
  return core.vmmBootPlan(header, cmdline, kernelSize, initrdSize, memoryBytes, vcpus);
}

/** The first 64 KiB of a kernel image (where its setup header is). */
export const HEADER_BYTES = 64 * 1024;

/** Reads an open file from `from` to its end straight into `memory` at `at` (no copy in between). */
function readInto(fd: number, memory: Uint8Array, at: number, from: number): void {
  for (;;) {
    const n = readSync(fd, memory, at, memory.length - at, from);
    if (n === 0 || at + n >= memory.length) return;
    at += n;
    from += n;
  }
}

export class Machine {
  readonly system: number;
  private readonly vm: number;
  private readonly vcpu: number;
  /** The other vCPUs' descriptors, run by config.secondaries. */
  private readonly secondaryVcpus: number[] = [];

  private readonly run: DataView;
  private readonly ram: Uint8Array;
  private readonly portIn: PortIn = (port, size) => this.core.vmmPortIn(port, size);
  private readonly portOut: PortOut = (port, size, value) => this.core.vmmPortOut(port, size, value);
  private readonly mmio: MmioAccess;
  private irqHigh = false;
  private handedOver = false;
  private readonly vcpuCount: number;
  private stopRequested = false;
  private readonly hasNics: boolean;
  /** The NICs' vhost-net handles, by tap handle, and what carries out the core's records for them. */
  private readonly vhosts = new Map<number, OpenVhost>();
  private vhostRings?: VhostRings;

  constructor(
    private readonly kvm: KvmShim,
    private readonly core: Core,
    private readonly config: MachineConfig,
  ) {
    this.vcpuCount = config.vcpus ?? 1;
    this.hasNics = (config.pciDevices ?? []).some((d) => d.kind === "virtio-net");
    this.mmio = coreMmio(core);
    this.system = kvm.open();
    this.vm = kvm.createVm(this.system);
    kvm.setTssAddr(this.vm, 0xfffbd000);
    kvm.setIdentityMapAddr(this.vm, 0xfffbc000);
    kvm.createIrqchip(this.vm);
    kvm.createPit2(this.vm);
    this.routeInterrupts();
    this.ram = new Uint8Array(kvm.guestMemory(this.vm, 0, 0, config.memoryBytes));
    core.guestMemory = this.ram;
    try {
      this.openVhosts();
      this.vcpu = kvm.createVcpu(this.vm, 0);
      for (let i = 1; i < this.vcpuCount; i++) this.secondaryVcpus.push(kvm.createVcpu(this.vm, i));
      this.run = new DataView(kvm.runArea(this.vcpu, this.system));
      [this.vcpu, ...this.secondaryVcpus].forEach((vcpu, i) => {
        this.setCpuid(vcpu, i);
        this.wireLocalApic(vcpu);
      });
      this.load();
    } catch (e) {
      this.closeVhosts();
      throw e;
    }
  }

  /** Which pin each GSI raises, as the core's MADT describes it (the PIT on IOAPIC pin 2). */
  private routeInterrupts(): void {
    const v = this.core.vmmIrqRouting();
    this.kvm.setGsiRouting(this.vm, new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice());
  }

  /** vhost-net for each NIC that may have it (vhost.ts); the machine closes them when it ends. */
  private openVhosts(): void {
    for (const d of this.config.pciDevices ?? []) {
      if (d.kind !== "virtio-net") continue;
      const opened = openVhost(this.kvm, this.config.vhost, this.system, d.nic.vhost ?? "auto");
      if (opened) this.vhosts.set(d.nic.handle, opened);
    }
    if (this.vhosts.size > 0) {
      this.vhostRings = new VhostRings(this.kvm, this.config.vhost!, this.vm, this.ram.buffer as ArrayBuffer, () => {
        const v = this.core.vmmIrqRouting();
        return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
      }, (line) => this.config.log?.(line));
    }
  }

  /** What KVM supports, with this vCPU's place in the guest's topology written in by the core. */
  private setCpuid(vcpu: number, index: number): void {
    const capacity = 100;
    const cpuid = new Uint8Array(8 + capacity * 40);
    new DataView(cpuid.buffer).setUint32(0, capacity, true);
    const count = this.kvm.supportedCpuid(this.system, cpuid);
    const entries = cpuid.subarray(8, 8 + count * 40);
    const tscDeadline = this.kvm.checkExtension(this.system, KVM_CAP_TSC_DEADLINE_TIMER) > 0 ? 1 : 0;
    copyView(this.core.vmmCpuid(entries, index, this.vcpuCount, tscDeadline), entries);
    this.kvm.setCpuid2(vcpu, cpuid);
  }

  /** Asks the core for the boot layout of the kernel and applies its records, reading the files into guest memory. */
  private load(): void {
    const kernel = openSync(this.config.kernel, "r");
    const initrd = this.config.initrd ? openSync(this.config.initrd, "r") : undefined;
    try {
      this.core.vmmPciBridges(pciBridgeRecords(this.config.pciBridges ?? []));
      this.core.vmmPciDevices(pciDeviceRecords(this.config.pciDevices ?? [], this.vhosts));
      const header = new Uint8Array(HEADER_BYTES);
      const headerLength = readSync(kernel, header, 0, HEADER_BYTES, 0);
      const v = bootRecords(this.core, header.subarray(0, headerLength), fstatSync(kernel).size, initrd === undefined ? 0 : fstatSync(initrd).size, this.config.cmdline, this.config.memoryBytes, this.vcpuCount);
      this.applyRecords(v, kernel, initrd);
    } finally {
      closeSync(kernel);
      if (initrd !== undefined) closeSync(initrd);
    }
  }

  /** Carries out the core's boot records: bytes it wrote, the files' parts, the vCPU's registers. */
  private applyRecords(v: DataView, kernel: number, initrd: number | undefined): void {
    let at = 0;
    while (at < v.byteLength) {
      const kind = v.getUint32(at, true);
      at += 4;
      switch (kind) {
        case Record.WRITE: {
          const address = Number(v.getBigUint64(at, true));
          const len = v.getUint32(at + 8, true);
          this.ram.set(new Uint8Array(v.buffer, v.byteOffset + at + 12, len), address);
          at += 12 + len;
          break;
        }
        case Record.KERNEL: {
          const offset = v.getUint32(at, true);
          readInto(kernel, this.ram, Number(v.getBigUint64(at + 4, true)), offset);
          at += 12;
          break;
        }
        case Record.INITRD:
          if (initrd !== undefined) readInto(initrd, this.ram, Number(v.getBigUint64(at, true)), 0);
          at += 8;
          break;
        case Record.REGS:
          this.kvm.setRegs(this.vcpu, new BigUint64Array(v.buffer.slice(v.byteOffset + at, v.byteOffset + at + 144)));
          at += 144;
          break;
        case Record.SREGS: {
          // keep what KVM set up (the APIC base, …) and take the core's segments and control registers
          const sregs = new Uint8Array(312);
          this.kvm.getSregs(this.vcpu, sregs);
          const apicBase = new DataView(sregs.buffer).getBigUint64(272, true);
          sregs.set(new Uint8Array(v.buffer, v.byteOffset + at, 312));
          new DataView(sregs.buffer).setBigUint64(272, apicBase, true);
          this.kvm.setSregs(this.vcpu, sregs);
          at += 312;
          break;
        }
        default:
          throw new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_NONE, `internal error: unknown boot record ${kind}`);
      }
    }
  }

  /**
   * Runs vCPU 0 (and serves the secondaries) until the guest stops, or until a kick interrupts
   * it (undefined: the caller's event loop gets its turn, then it calls again). Blocks meanwhile.
   */
  runSlice(): Stop | undefined {
    const run = this.run;
    const secondaries = this.config.secondaries;
    for (;;) {
      const interrupted = this.kvm.run(this.vcpu) < 0;
      if (secondaries?.pending()) {
        const stop = this.serveSecondaries();
        if (stop) return stop;
      }
      if (interrupted) {
        // a kick: the slice ended, or a tap has a frame for the guest
        if (this.hasNics) {
          this.core.vmmNetPoll();
          const stop = this.afterExit();
          if (stop) return stop;
        }
        return this.stopRequested ? { kind: "stopped" } : undefined;
      }
      const reason = run.getUint32(8, true);
      if (reason === KVM_EXIT_IO) {
        portAccesses(run, this.portIn, this.portOut);
        const stop = this.afterExit();
        if (stop) return stop;
      } else if (reason === KVM_EXIT_MMIO) {
        mmioExit(run, this.mmio);
        const stop = this.afterExit();
        if (stop) return stop;
      } else {
        return stopOfExit(reason, run);
      }
    }
  }

  /** Runs the guest until it stops (tests and the bench: nothing else needs this thread). */
  runUntilStop(): Stop {
    for (;;) {
      const stop = this.runSlice();
      if (stop) return stop;
    }
  }

  /** The secondaries' port accesses through the devices, and what the devices did; or a stop one of them saw. */
  private serveSecondaries(): Stop | undefined {
    return this.config.secondaries!.answer(this.portIn, this.portOut, this.mmio) ?? this.afterExit();
  }

  /** Lets the secondary vCPUs run (after the build, and after a pause). */
  runSecondaries(): void {
    const secondaries = this.config.secondaries;
    if (!secondaries) return;
    if (!this.handedOver) secondaries.handOver(this.secondaryVcpus, this.system);
    this.handedOver = true;
    secondaries.resume();
  }

  /** The guest stops for a while (a pause, a kept crash, a dump): vhost-net moves no frames into its RAM meanwhile. */
  pauseNics(paused: boolean): void {
    if (this.vhosts.size === 0) return;
    this.core.vmmNetPause(paused ? 1 : 0);
    this.afterExit();
  }

  /** Parks the secondary vCPUs (a pause, a stop): none is in KVM_RUN when this returns. */
  parkSecondaries(): void {
    this.config.secondaries?.park(() => void this.serveSecondaries());
  }

  /** LINT0 and LINT1 wired as on a PC (the core says how). */
  private wireLocalApic(vcpu: number): void {
    const lapic = new Uint8Array(1024);
    this.kvm.getLapic(vcpu, lapic);
    copyView(this.core.vmmLapic(lapic), lapic);
    this.kvm.setLapic(vcpu, lapic);
  }

  /** Delivers what the devices did: console output, the UART's and the SCI's lines, power events. */
  private afterExit(): Stop | undefined {
    const e = this.core.vmmEvents();
    if (e === 0) return this.stopRequested ? { kind: "stopped" } : undefined;
    if (e & VmmEvent.OUTPUT) {
      const v = this.core.vmmTakeOutput();
      this.config.output(new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice());
    }
    if (e & VmmEvent.IRQ) {
      const high = (e & VmmEvent.IRQ_LEVEL) !== 0;
      if (high !== this.irqHigh) {
        this.irqHigh = high;
        this.kvm.irqLine(this.vm, UART_IRQ, high ? 1 : 0);
      }
    }
    if (e & VmmEvent.SCI) this.kvm.irqLine(this.vm, SCI_IRQ, e & VmmEvent.SCI_LEVEL ? 1 : 0);
    if (e & VmmEvent.MSI) this.signalMsis();
    if (e & VmmEvent.DISCARD) this.discardBalloonPages();
    if (e & VmmEvent.VHOST) this.vhostRings?.carryOut(this.core.vmmTakeVhost());
    if (e & VmmEvent.RESET) return { kind: "reset" };
    if (e & VmmEvent.POWEROFF) return { kind: "poweroff" };
    return this.stopRequested ? { kind: "stopped" } : undefined;
  }

  /** The devices' MSI messages, each to KVM as KVM_SIGNAL_MSI. */
  private signalMsis(): void {
    const v = this.core.vmmTakeMsis();
    for (let at = 0; at + 12 <= v.byteLength; at += 12) {
      this.kvm.signalMsi(this.vm, v.getUint32(at, true), v.getUint32(at + 4, true), v.getUint32(at + 8, true));
    }
  }

  /** Guest RAM the balloon took: back to the host's kernel (a bad range from the guest is skipped). */
  private discardBalloonPages(): void {
    const v = this.core.vmmTakeDiscards();
    for (let at = 0; at + 16 <= v.byteLength; at += 16) {
      try {
        this.kvm.discardGuestMemory(this.ram.buffer as ArrayBuffer, v.getFloat64(at, true), v.getFloat64(at + 8, true));
      } catch {
        // outside guest RAM: the guest's own mistake, nothing to give back
      }
    }
  }

  /** The kernel stops serving the NICs' rings before the guest's RAM goes. */
  private closeVhosts(): void {
    this.vhostRings?.close();
    for (const { handle } of this.vhosts.values()) this.config.vhost?.close(handle);
    this.vhosts.clear();
  }

  /** Makes runUntilStop return at the guest's next I/O (e.g. from an output callback). */
  requestStop(): void {
    this.stopRequested = true;
  }

  /** Presses the ACPI power button (the guest decides what it does). */
  powerButton(): void {
    this.core.vmmPowerButton();
    this.afterExit();
  }

  /** setmem --live: the balloon's new target, and the configuration interrupt that tells the guest; false without a balloon. */
  setBalloonTarget(pages: number): boolean {
    const found = this.core.vmmBalloonTarget(pages) === 1;
    this.afterExit();
    return found;
  }

  /** Hands the guest's stats buffer back so it refills it (with its interrupt): 1 asked, 0 nothing held, -1 no balloon. */
  refreshBalloonStats(): number {
    const asked = this.core.vmmBalloonRefresh();
    this.afterExit();
    return asked;
  }

  /** Console input for the guest's COM1. */
  input(bytes: Uint8Array): void {
    this.core.vmmConsoleInput(bytes);
    this.afterExit();
  }

  /** Writes the stopped guest's memory and registers to an ELF core file (core-dump.ts). */
  dumpTo(path: string): void {
    this.parkSecondaries();
    this.pauseNics(true);
    writeCoreDump(path, this.kvm, this.core, [this.vcpu, ...this.secondaryVcpus], this.ram);
  }

  close(): void {
    if (this.core.guestMemory === this.ram) this.core.guestMemory = undefined;
    this.parkSecondaries();
    this.closeVhosts();
    for (const vcpu of this.secondaryVcpus) this.kvm.close(vcpu);
    this.kvm.close(this.vcpu);
    this.kvm.close(this.vm);
    this.kvm.close(this.system);
  }
}

/** Copies a struct the core rewrote (its output) back over the kernel's. */
function copyView(from: DataView, to: Uint8Array): void {
  to.set(new Uint8Array(from.buffer, from.byteOffset, to.length));
}
