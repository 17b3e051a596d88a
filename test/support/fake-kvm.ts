// A stand-in for the native shim's KVM calls (KvmShim, shim/kvm.cc) in TypeScript, for running
// the VMM's Machine and GuestRunner without /dev/kvm. It records every call (structs copied as
// they were passed), keeps each VM's guest memory, checks descriptors as the shim does (a VM call
// on a VM, a vCPU call on a vCPU), and plays a scripted guest: each vCPU 0 created takes the next
// script given to boot(), one exit per KVM_RUN (kvm-exits.ts).
import type { KvmShim } from "../../src/host/native.js";
import { readAnswer, RUN_AREA_BYTES, writeExit, type Answer, type GuestExit } from "./kvm-exits.js";

export interface KvmCall {
  name: keyof KvmShim;
  args: unknown[];
}

/** struct kvm_cpuid_entry2's fields that matter to the VMM. */
export interface CpuidEntry {
  function: number;
  index?: number;
  eax?: number;
  ebx?: number;
  ecx?: number;
  edx?: number;
}

export interface GuestMemoryRegion {
  vm: number;
  slot: number;
  guestPhys: number;
  bytes: Uint8Array;
}

export type Kind = "system" | "vm" | "vcpu" | "eventfd";

interface Vcpu {
  id: number;
  run: DataView;
  regs: BigUint64Array;
  sregs: Uint8Array;
  lapic: Uint8Array;
  script: GuestExit[];
  /** The last exit, whose answer (an IN's data) is collected on the next KVM_RUN. */
  last?: GuestExit;
}

const CPUID_ENTRY_BYTES = 40;
/** Where kvm_sregs keeps apic_base, and KVM's reset value for the boot vCPU (enabled, BSP). */
const SREGS_APIC_BASE = 272;
const APIC_BASE_BSP = 0xfee00900n;
const APIC_BASE_AP = 0xfee00800n;
const LAPIC_ID = 0x20;
/** The local vector table's first and last registers, masked after a reset. */
const LVT_FIRST = 0x320;
const LVT_LAST = 0x370;
const LVT_MASKED = 0x10000;

/** An Error as the shim throws it: errno, its name as code, the call as syscall. */
function kvmError(code: string, errno: number, call: string): Error {
  return Object.assign(new Error(`${call}: ${code}`), { code, errno, syscall: call });
}

export class FakeKvm implements KvmShim {
  readonly calls: KvmCall[] = [];
  readonly memory: GuestMemoryRegion[] = [];
  /** What the VMM gave back for each exit that reads, in order. */
  readonly answers: Answer[] = [];
  /** KVM_GET_SUPPORTED_CPUID's entries. */
  /** What KVM_CHECK_EXTENSION answers, by capability (0 for the rest). */
  readonly extensions = new Map<number, number>();
  supported: CpuidEntry[] = [
    { function: 0, eax: 0x1f },
    { function: 1, eax: 0x806f8, ebx: 0x00000800, ecx: 0xf6fa3223, edx: 0x078bfbff },
    { function: 0xb, index: 0, ebx: 1, ecx: 0x100 },
    { function: 0xb, index: 1, ebx: 1, ecx: 0x201 },
    { function: 0x1f, index: 0, ebx: 1, ecx: 0x100 },
    { function: 0x80000001, ecx: 0x121, edx: 0x2c100800 },
  ];
  private readonly descriptors = new Map<number, Kind>();
  private readonly made: { fd: number; kind: Kind }[] = [];
  private readonly vcpus = new Map<number, Vcpu>();
  private readonly scripts: GuestExit[][] = [];
  private readonly threads = new Set<number>();
  private readonly timers = new Set<number>();
  private nextFd = 10;
  private nextTimer = 1;
  private kicked = false;

  /** The guest that the next machine's vCPU 0 runs, an exit per KVM_RUN. */
  boot(...exits: GuestExit[]): this {
    this.scripts.push(exits);
    return this;
  }

  /** The calls made to `name`, their arguments in order. */
  callsOf(name: keyof KvmShim): unknown[][] {
    return this.calls.filter((c) => c.name === name).map((c) => c.args);
  }

  /** The descriptors of a kind handed out so far, in order (closed ones too). */
  madeOf(kind: Kind): number[] {
    return this.made.filter((d) => d.kind === kind).map((d) => d.fd);
  }

  /** Descriptors the VMM opened and has not closed. */
  openDescriptors(): number[] {
    return [...this.descriptors.keys()];
  }

  /** The last VM's memory slot 0, as the guest sees it from address 0. */
  ram(): Uint8Array {
    const region = this.memory.at(-1);
    if (!region) throw new Error("fake KVM: no guest memory was registered");
    return region.bytes;
  }

  /** Kick timers still running. */
  runningTimers(): number[] {
    return [...this.timers];
  }

  private record(name: keyof KvmShim, ...args: unknown[]): void {
    this.calls.push({ name, args: args.map((a) => (a instanceof Uint8Array || a instanceof BigUint64Array ? a.slice() : a)) });
  }

  private descriptor(kind: Kind): number {
    const fd = this.nextFd++;
    this.descriptors.set(fd, kind);
    this.made.push({ fd, kind });
    return fd;
  }

  private check(fd: number, kind: Kind, call: string): void {
    if (this.descriptors.get(fd) !== kind) throw kvmError("EBADF", 9, `${call} (not a ${kind} descriptor)`);
  }

  private checkThread(threadId: number, call: string): void {
    if (!this.threads.has(threadId)) throw kvmError("ESRCH", 3, `${call} (not a vCPU thread)`);
  }

  private vcpu(fd: number, call: string): Vcpu {
    this.check(fd, "vcpu", call);
    return this.vcpus.get(fd)!;
  }

  open(): number {
    this.record("open");
    return this.descriptor("system");
  }

  apiVersion(system: number): number {
    this.record("apiVersion", system);
    this.check(system, "system", "KVM_GET_API_VERSION");
    return 12;
  }

  checkExtension(system: number, capability: number): number {
    this.record("checkExtension", system, capability);
    this.check(system, "system", "KVM_CHECK_EXTENSION");
    return this.extensions.get(capability) ?? 0;
  }

  createVm(system: number): number {
    this.record("createVm", system);
    this.check(system, "system", "KVM_CREATE_VM");
    return this.descriptor("vm");
  }

  supportedCpuid(system: number, cpuid: Uint8Array): number {
    this.record("supportedCpuid", system, cpuid);
    this.check(system, "system", "KVM_GET_SUPPORTED_CPUID");
    const v = new DataView(cpuid.buffer, cpuid.byteOffset, cpuid.byteLength);
    if (v.getUint32(0, true) < this.supported.length) throw kvmError("E2BIG", 7, "KVM_GET_SUPPORTED_CPUID");
    v.setUint32(0, this.supported.length, true);
    this.supported.forEach((e, i) => {
      const at = 8 + i * CPUID_ENTRY_BYTES;
      [e.function, e.index ?? 0, 0, e.eax ?? 0, e.ebx ?? 0, e.ecx ?? 0, e.edx ?? 0].forEach((word, k) => v.setUint32(at + k * 4, word, true));
    });
    return this.supported.length;
  }

  setTssAddr(vm: number, address: number): void {
    this.record("setTssAddr", vm, address);
    this.check(vm, "vm", "KVM_SET_TSS_ADDR");
  }

  setIdentityMapAddr(vm: number, address: number): void {
    this.record("setIdentityMapAddr", vm, address);
    this.check(vm, "vm", "KVM_SET_IDENTITY_MAP_ADDR");
  }

  createIrqchip(vm: number): void {
    this.record("createIrqchip", vm);
    this.check(vm, "vm", "KVM_CREATE_IRQCHIP");
  }

  createPit2(vm: number): void {
    this.record("createPit2", vm);
    this.check(vm, "vm", "KVM_CREATE_PIT2");
  }

  signalMsi(vm: number, addressLow: number, addressHigh: number, data: number): void {
    this.record("signalMsi", vm, addressLow, addressHigh, data);
  }

  eventfd(): number {
    this.record("eventfd");
    return this.descriptor("eventfd");
  }

  ioeventfd(vm: number, address: number, length: number, eventfd: number, assign: boolean): void {
    this.record("ioeventfd", vm, address, length, eventfd, assign);
    this.check(vm, "vm", "KVM_IOEVENTFD");
    this.check(eventfd, "eventfd", "KVM_IOEVENTFD");
  }

  irqfd(vm: number, eventfd: number, gsi: number, assign: boolean): void {
    this.record("irqfd", vm, eventfd, gsi, assign);
    this.check(vm, "vm", "KVM_IRQFD");
    this.check(eventfd, "eventfd", "KVM_IRQFD");
  }

  irqLine(vm: number, irq: number, level: number): void {
    this.record("irqLine", vm, irq, level);
    this.check(vm, "vm", "KVM_IRQ_LINE");
  }

  setGsiRouting(vm: number, routing: Uint8Array): void {
    this.record("setGsiRouting", vm, routing);
    this.check(vm, "vm", "KVM_SET_GSI_ROUTING");
  }

  guestMemory(vm: number, slot: number, guestPhys: number, size: number): ArrayBuffer {
    this.record("guestMemory", vm, slot, guestPhys, size);
    this.check(vm, "vm", "KVM_SET_USER_MEMORY_REGION");
    const buffer = new ArrayBuffer(size);
    this.memory.push({ vm, slot, guestPhys, bytes: new Uint8Array(buffer) });
    return buffer;
  }

  /** As the shim: whole pages of a guest memory buffer read back as zeros afterwards. */
  discardGuestMemory(ram: ArrayBuffer, offset: number, length: number): void {
    this.record("discardGuestMemory", offset, length);
    if (offset % 4096 !== 0 || length % 4096 !== 0 || offset + length > ram.byteLength) throw new Error("discard guest memory: EINVAL");
    new Uint8Array(ram, offset, length).fill(0);
  }

  createVcpu(vm: number, id: number): number {
    this.record("createVcpu", vm, id);
    this.check(vm, "vm", "KVM_CREATE_VCPU");
    const fd = this.descriptor("vcpu");
    const sregs = new Uint8Array(312);
    new DataView(sregs.buffer).setBigUint64(SREGS_APIC_BASE, id === 0 ? APIC_BASE_BSP : APIC_BASE_AP, true);
    const lapic = new Uint8Array(1024);
    const l = new DataView(lapic.buffer);
    l.setUint32(LAPIC_ID, id << 24, true);
    for (let r = LVT_FIRST; r <= LVT_LAST; r += 0x10) l.setUint32(r, LVT_MASKED, true);
    const script = id === 0 ? (this.scripts.shift() ?? []) : [];
    this.vcpus.set(fd, { id, run: new DataView(new ArrayBuffer(RUN_AREA_BYTES)), regs: new BigUint64Array(18), sregs, lapic, script });
    return fd;
  }

  runArea(vcpu: number, system: number): ArrayBuffer {
    this.record("runArea", vcpu, system);
    this.check(system, "system", "KVM_GET_VCPU_MMAP_SIZE");
    return this.vcpu(vcpu, "mmap kvm_run").run.buffer as ArrayBuffer;
  }

  getRegs(vcpu: number, regs: BigUint64Array): void {
    this.record("getRegs", vcpu);
    regs.set(this.vcpu(vcpu, "KVM_GET_REGS").regs);
  }

  setRegs(vcpu: number, regs: BigUint64Array): void {
    this.record("setRegs", vcpu, regs);
    this.vcpu(vcpu, "KVM_SET_REGS").regs.set(regs);
  }

  getSregs(vcpu: number, sregs: Uint8Array): void {
    this.record("getSregs", vcpu);
    sregs.set(this.vcpu(vcpu, "KVM_GET_SREGS").sregs);
  }

  setSregs(vcpu: number, sregs: Uint8Array): void {
    this.record("setSregs", vcpu, sregs);
    this.vcpu(vcpu, "KVM_SET_SREGS").sregs.set(sregs.subarray(0, 312));
  }

  setCpuid2(vcpu: number, cpuid: Uint8Array): void {
    this.record("setCpuid2", vcpu, cpuid);
    this.vcpu(vcpu, "KVM_SET_CPUID2");
  }

  setMsrs(vcpu: number, msrs: Uint8Array): number {
    this.record("setMsrs", vcpu, msrs);
    this.vcpu(vcpu, "KVM_SET_MSRS");
    return new DataView(msrs.buffer, msrs.byteOffset).getUint32(0, true);
  }

  setFpu(vcpu: number, fpu: Uint8Array): void {
    this.record("setFpu", vcpu, fpu);
    this.vcpu(vcpu, "KVM_SET_FPU");
  }

  getLapic(vcpu: number, lapic: Uint8Array): void {
    this.record("getLapic", vcpu);
    lapic.set(this.vcpu(vcpu, "KVM_GET_LAPIC").lapic);
  }

  setLapic(vcpu: number, lapic: Uint8Array): void {
    this.record("setLapic", vcpu, lapic);
    this.vcpu(vcpu, "KVM_SET_LAPIC").lapic.set(lapic.subarray(0, 1024));
  }

  /** The script's next exit: 0 with the exit in the run area, or -1 for a kick. */
  run(vcpuFd: number): number {
    this.record("run", vcpuFd);
    const vcpu = this.vcpu(vcpuFd, "KVM_RUN");
    const answer = vcpu.last && readAnswer(vcpu.run, vcpu.last);
    if (answer) this.answers.push(answer);
    vcpu.last = undefined;
    if (this.kicked) {
      this.kicked = false;
      return -1;
    }
    const exit = vcpu.script.shift();
    if (!exit) throw new Error(`fake KVM: vCPU ${vcpu.id}'s guest has no exit left to make`);
    if (exit.kind === "kick") {
      if (exit.between) queueMicrotask(exit.between);
      return -1;
    }
    writeExit(vcpu.run, exit);
    vcpu.last = exit;
    return 0;
  }

  vcpuThread(): number {
    this.record("vcpuThread");
    const thread = 1000 + this.threads.size;
    this.threads.add(thread);
    return thread;
  }

  /** Interrupts the next KVM_RUN (the tests' guests all run on one thread). */
  kick(threadId: number): void {
    this.record("kick", threadId);
    this.checkThread(threadId, "kick");
    this.kicked = true;
  }

  /** A timer that never fires: a test's script says where its kicks land. */
  kickEvery(threadId: number, intervalMs: number): number {
    this.record("kickEvery", threadId, intervalMs);
    this.checkThread(threadId, "kickEvery");
    const timer = this.nextTimer++;
    this.timers.add(timer);
    return timer;
  }

  stopKicks(timer: number): void {
    this.record("stopKicks", timer);
    if (!this.timers.delete(timer)) throw kvmError("EINVAL", 22, "stopKicks (not a timer of kickEvery)");
  }

  close(fd: number): void {
    this.record("close", fd);
    if (!this.descriptors.delete(fd)) throw kvmError("EBADF", 9, "close (not opened by the shim)");
    this.vcpus.delete(fd);
  }
}
