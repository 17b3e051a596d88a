// Machine (src/vmm/machine.ts) on the fake KVM: the ioctls that build a guest, with the structs
// core.wasm wrote for them (guest memory and the boot protocol's zero page, CPUID, registers,
// local APICs, interrupt routing), and the run loop that answers the scripted guest's exits
// through core.wasm's devices. test/kvm/boot.test.ts runs the same on a real /dev/kvm.
import test from "ava";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { Machine, type MachineConfig } from "../../src/vmm/machine.js";
import { FakeKvm } from "../support/fake-kvm.js";
import { acpiPowerOff, exitReason, hlt, i8042Reset, inb, inp, kick, mmioRead, mmioWrite, out, outb, serial, systemEvent, tripleFault } from "../support/kvm-exits.js";
import { initrdFile, kernelFile } from "../support/tiny-kernel.js";

const MiB = 1024 * 1024;
const ENTRY_CODE = [0x48, 0x31, 0xc0, 0xf4]; // xor rax, rax; hlt
const kernel = kernelFile(ENTRY_CODE);
const COM1 = 0x3f8;
const [UART_IRQ, SCI_IRQ] = [4, 9];

interface Booted {
  fake: FakeKvm;
  machine: Machine;
  console: () => string;
  vm: number;
}

/** A machine on a fake KVM whose guest makes `exits`. */
function boot(exits: Parameters<FakeKvm["boot"]>, config: Partial<MachineConfig> = {}): Booted {
  const fake = new FakeKvm().boot(...exits);
  let text = "";
  const machine = new Machine(fake, new Core(coreModule(), new MockCoreImports(0)), {
    memoryBytes: 16 * MiB,
    kernel,
    cmdline: "console=ttyS0 quiet",
    output: (bytes) => void (text += Buffer.from(bytes).toString("latin1")),
    ...config,
  });
  return { fake, machine, console: () => text, vm: fake.madeOf("vm")[0] };
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The struct of the only (or the nth) call to `name`: its argument after the descriptor. */
function structOf(fake: FakeKvm, name: "setRegs" | "setSregs" | "setCpuid2" | "setLapic" | "setGsiRouting", nth = 0): DataView {
  const arg = fake.callsOf(name)[nth][1] as Uint8Array | BigUint64Array;
  return new DataView(arg.buffer, arg.byteOffset, arg.byteLength);
}

test("the setup: a VM with KVM's interrupt controllers and PIT, its memory, then the vCPU's state", (t) => {
  const { fake, vm } = boot([hlt]);
  t.deepEqual(
    fake.calls.map((c) => c.name),
    // the IRQ chip before any vCPU (KVM refuses it after); each vCPU's CPUID and LAPIC before the boot registers
    ["open", "createVm", "setTssAddr", "setIdentityMapAddr", "createIrqchip", "createPit2", "setGsiRouting", "guestMemory", "createVcpu", "runArea", "supportedCpuid", "checkExtension", "setCpuid2", "getLapic", "setLapic", "setRegs", "getSregs", "setSregs"],
  );
  const [system] = fake.madeOf("system");
  const [vcpu] = fake.madeOf("vcpu");
  t.deepEqual(fake.callsOf("createVm")[0], [system]);
  // the TSS's three pages and the identity-map page just below the 4 GiB BIOS area, outside guest RAM
  t.deepEqual(fake.callsOf("setTssAddr")[0], [vm, 0xfffbd000]);
  t.deepEqual(fake.callsOf("setIdentityMapAddr")[0], [vm, 0xfffbc000]);
  t.deepEqual(fake.callsOf("guestMemory")[0], [vm, 0, 0, 16 * MiB]);
  t.deepEqual(fake.callsOf("createVcpu")[0], [vm, 0]);
  t.deepEqual(fake.callsOf("runArea")[0], [vcpu, system]);
});

test("the kernel's protected-mode part at 1 MiB, the command line, and the zero page the boot protocol asks for", (t) => {
  const { fake } = boot([hlt]);
  const ram = fake.ram();
  const zero = view(ram.subarray(0x7000, 0x8000));
  t.deepEqual([...ram.subarray(0x100200, 0x100200 + ENTRY_CODE.length)], ENTRY_CODE, "64-bit entry at load address + 0x200");
  t.is(Buffer.from(ram.subarray(0x20000, 0x20000 + 20)).toString("latin1"), "console=ttyS0 quiet\0");
  t.is(zero.getUint16(0x1fe, true), 0xaa55, "the image's setup header, copied");
  t.is(zero.getUint32(0x202, true), 0x53726448);
  t.is(zero.getUint16(0x206, true), 0x020c, "boot protocol 2.12");
  t.is(zero.getUint32(0x260, true), 0x10000, "init_size");
  t.is(zero.getUint8(0x210), 0xff, "type_of_loader: undefined");
  t.is(zero.getUint8(0x211) & 0x81, 0x81, "LOADED_HIGH | CAN_USE_HEAP");
  t.is(zero.getUint32(0x214, true), 0x100000, "code32_start");
  t.is(zero.getUint16(0x224, true), 0xfe00, "heap_end_ptr");
  t.is(zero.getUint32(0x228, true), 0x20000, "cmd_line_ptr");
  t.is(zero.getUint32(0x238, true), 20, "cmdline_size");
  t.is(zero.getUint32(0x218, true), 0, "no initrd");
  t.is(zero.getBigUint64(0x70, true), 0xe0000n, "acpi_rsdp_addr");
  t.is(Buffer.from(ram.subarray(0xe0000, 0xe0008)).toString("latin1"), "RSD PTR ");
});

test("the e820 map: RAM below the EBDA, the EBDA and BIOS area reserved, RAM from 1 MiB to the end, PCI's ECAM reserved", (t) => {
  const { fake } = boot([hlt]);
  const zero = view(fake.ram().subarray(0x7000, 0x8000));
  const count = zero.getUint8(0x1e8);
  const entries = Array.from({ length: count }, (_, i) => {
    const e = 0x2d0 + i * 20;
    return [Number(zero.getBigUint64(e, true)), Number(zero.getBigUint64(e + 8, true)), zero.getUint32(e + 16, true)];
  });
  t.deepEqual(entries, [
    [0, 0x9fc00, 1],
    [0x9fc00, 0x400, 2],
    [0xe0000, 0x20000, 2],
    [MiB, 15 * MiB, 1],
    [0xe000_0000, 0x1000_0000, 2],
  ]);
});

test("the initrd goes page-aligned at the top of RAM, and the zero page says where", (t) => {
  const initrd = Buffer.alloc(5000, 0x5a);
  const { fake } = boot([hlt], { initrd: initrdFile(initrd) });
  const ram = fake.ram();
  const zero = view(ram.subarray(0x7000, 0x8000));
  const at = (16 * MiB - initrd.length) & ~0xfff;
  t.is(zero.getUint32(0x218, true), at);
  t.is(zero.getUint32(0x21c, true), initrd.length);
  t.deepEqual(Buffer.from(ram.subarray(at, at + initrd.length)), initrd);
});

test("long mode from the start: registers at the 64-bit entry with RSI at the zero page, KVM's APIC base kept", (t) => {
  const { fake } = boot([hlt]);
  const regs = structOf(fake, "setRegs");
  const reg = (i: number) => regs.getBigUint64(i * 8, true);
  t.is(reg(4), 0x7000n, "rsi: the zero page");
  t.is(reg(6), 0x8ff0n, "rsp");
  t.is(reg(16), 0x100200n, "rip: startup_64");
  t.is(reg(17), 2n, "rflags: only the reserved bit");
  const sregs = structOf(fake, "setSregs");
  t.is(sregs.getUint16(12, true), 0x10, "cs: the GDT's 64-bit code segment");
  t.is(sregs.getUint8(19), 1, "cs.l");
  t.is(sregs.getUint16(5 * 24 + 12, true), 0x18, "ss: the data segment");
  t.is(sregs.getBigUint64(224, true), 0x80000011n, "cr0: PG | ET | PE");
  t.is(sregs.getBigUint64(240, true), 0x9000n, "cr3: the identity-mapping PML4");
  t.is(sregs.getBigUint64(248, true), 0x20n, "cr4: PAE");
  t.is(sregs.getBigUint64(264, true), 0x500n, "efer: LMA | LME");
  t.is(sregs.getBigUint64(272, true), 0xfee00900n, "apic_base as KVM set it");
  const gdt = view(fake.ram().subarray(0x500, 0x520));
  t.is(gdt.getBigUint64(16, true), 0x00af9b000000ffffn);
  t.is(view(fake.ram()).getBigUint64(0x9000, true), 0xa003n, "PML4 → PDPT, present and writable");
});

test("each vCPU's CPUID is KVM's with its place in the topology: APIC id, logical count, HTT", (t) => {
  const fake = new FakeKvm().boot(hlt);
  fake.supported[1].edx = 0x178bfbff; // the host has HTT
  new Machine(fake, new Core(coreModule(), new MockCoreImports(0)), { memoryBytes: 16 * MiB, vcpus: 2, kernel, cmdline: "", output() {} });
  t.deepEqual(fake.callsOf("createVcpu").map((args) => args[1]), [0, 1]);
  t.deepEqual(fake.callsOf("setCpuid2").map((args) => args[0]), fake.madeOf("vcpu"));
  for (const index of [0, 1]) {
    const cpuid = structOf(fake, "setCpuid2", index);
    t.is(cpuid.getUint32(0, true), fake.supported.length, "nent as KVM returned it");
    const leaf = (fn: number, sub = 0) => {
      const i = fake.supported.findIndex((e) => e.function === fn && (e.index ?? 0) === sub);
      return [12, 16, 20, 24].map((at) => cpuid.getUint32(8 + i * 40 + at, true));
    };
    const [, ebx1, , edx1] = leaf(1);
    t.is(ebx1 >>> 24, index, "leaf 1: initial APIC id");
    t.is((ebx1 >>> 16) & 0xff, 2, "leaf 1: logical processors");
    t.is(ebx1 & 0xffff, 0x0800, "leaf 1: the rest of EBX as KVM said");
    t.is(edx1 & (1 << 28), 1 << 28, "leaf 1: HTT");
    t.is(leaf(0xb, 0)[3], index, "leaf 0xb: x2APIC id");
    t.is(leaf(0xb, 1)[3], index);
    t.is(leaf(0x1f)[3], index);
    t.deepEqual(leaf(0x80000001), [0, 0, 0x121, 0x2c100800], "other leaves untouched");
  }
});

test("the CPUID says a hypervisor runs the guest (so Linux finds kvm-clock), and offers the TSC-deadline timer only where KVM has it", (t) => {
  const KVM_CAP_TSC_DEADLINE_TIMER = 72;
  const [HYPERVISOR, TSC_DEADLINE] = [2 ** 31, 1 << 24];
  const ecx1 = (fake: FakeKvm) => structOf(fake, "setCpuid2").getUint32(8 + 40 + 20, true);
  const without = new FakeKvm().boot(hlt);
  without.supported[1].ecx = 0x0000_0001 | TSC_DEADLINE;
  new Machine(without, new Core(coreModule(), new MockCoreImports(0)), { memoryBytes: 16 * MiB, kernel, cmdline: "", output() {} });
  t.is(ecx1(without), (0x0000_0001 | HYPERVISOR) >>> 0, "no KVM_CAP_TSC_DEADLINE_TIMER: no TSC-deadline timer, whatever the list said");
  t.deepEqual(without.callsOf("checkExtension").map((args) => args[1]), [KVM_CAP_TSC_DEADLINE_TIMER]);
  const withIt = new FakeKvm().boot(hlt);
  withIt.extensions.set(KVM_CAP_TSC_DEADLINE_TIMER, 1);
  new Machine(withIt, new Core(coreModule(), new MockCoreImports(0)), { memoryBytes: 16 * MiB, kernel, cmdline: "", output() {} });
  t.is((ecx1(withIt) & (HYPERVISOR | TSC_DEADLINE)) >>> 0, (HYPERVISOR | TSC_DEADLINE) >>> 0);
});

test("a single vCPU's CPUID does not claim HTT", (t) => {
  const fake = new FakeKvm().boot(hlt);
  fake.supported[1].edx = 0x178bfbff;
  new Machine(fake, new Core(coreModule(), new MockCoreImports(0)), { memoryBytes: 16 * MiB, kernel, cmdline: "", output() {} });
  const cpuid = structOf(fake, "setCpuid2");
  t.is(cpuid.getUint32(8 + 40 + 24, true), 0x078bfbff);
  t.is(cpuid.getUint32(8 + 40 + 16, true) >>> 16, 0x0001);
});

test("each local APIC is wired as a PC's: LINT0 ExtINT, LINT1 NMI, the rest as KVM had it", (t) => {
  const { fake } = boot([hlt]);
  const lapic = structOf(fake, "setLapic");
  t.is(lapic.getUint32(0x350, true), 0x10700, "LINT0: ExtINT (still masked: the guest unmasks it)");
  t.is(lapic.getUint32(0x360, true), 0x10400, "LINT1: NMI");
  t.is(lapic.getUint32(0x320, true), 0x10000, "the timer's LVT untouched");
  t.is(lapic.getUint32(0x20, true), 0, "APIC id");
});

test("the interrupt routing is the core's table, whole", (t) => {
  const { fake, vm } = boot([hlt]);
  const [routingVm, routing] = fake.callsOf("setGsiRouting")[0] as [number, Uint8Array];
  t.is(routingVm, vm);
  const core = new Core(coreModule(), new MockCoreImports(0));
  const expected = core.vmmIrqRouting();
  const count = expected.getUint32(0, true);
  t.is(view(routing).getUint32(0, true), count);
  t.deepEqual(routing, new Uint8Array(expected.buffer, expected.byteOffset, 8 + count * 48));
});

test("serial output reaches the console, and the i8042 reset line ends the run as a reset", (t) => {
  const { machine, console } = boot([serial("Linux version"), outb(COM1, 0x0a), outb(0x80, 0x55), i8042Reset, hlt]);
  t.deepEqual(machine.runUntilStop(), { kind: "reset" });
  t.is(console(), "Linux version\n");
});

test("IRQ 4 follows the UART's interrupt: raised when the guest enables THR empty, lowered when it reads IIR", (t) => {
  const { fake, machine, vm } = boot([outb(COM1 + 4, 0x08), outb(COM1 + 1, 0x02), inb(COM1 + 2), outb(COM1 + 1, 0x02), i8042Reset]);
  machine.runUntilStop();
  t.deepEqual(fake.callsOf("irqLine"), [
    [vm, UART_IRQ, 1],
    [vm, UART_IRQ, 0],
  ]);
  t.deepEqual(fake.answers.map((a) => a.values), [[0x02]]);
});

test("an IN's answer lands in the run area for KVM; console input waits in COM1 for the guest", (t) => {
  const { fake, machine } = boot([inb(COM1 + 5), kick(), inb(COM1 + 5), inb(COM1, 2), inp(0xcfc, 4), i8042Reset]);
  t.is(machine.runSlice(), undefined, "the kick returned");
  machine.input(Buffer.from("ok"));
  t.deepEqual(machine.runUntilStop(), { kind: "reset" });
  t.deepEqual(
    fake.answers.map((a) => a.values),
    [[0x60], [0x61], [0x6f, 0x6b], [0xffffffff]],
  );
});

test("the guest's ACPI power-off (SLP_EN with \\_S5) ends the run as a power-off", (t) => {
  const { machine } = boot([serial("bye"), acpiPowerOff, hlt]);
  t.deepEqual(machine.runUntilStop(), { kind: "poweroff" });
});

test("the power button raises the SCI (IRQ 9) for a guest that listens; its acknowledgement lowers it", (t) => {
  const { fake, machine, vm } = boot([out(0x602, 2, 0x100), kick(), inp(0x600, 2), out(0x600, 2, 0x100), acpiPowerOff]);
  t.is(machine.runSlice(), undefined);
  machine.powerButton();
  t.deepEqual(fake.callsOf("irqLine"), [[vm, SCI_IRQ, 1]]);
  t.deepEqual(machine.runUntilStop(), { kind: "poweroff" });
  t.deepEqual(fake.callsOf("irqLine"), [
    [vm, SCI_IRQ, 1],
    [vm, SCI_IRQ, 0],
  ]);
  t.deepEqual(fake.answers.map((a) => a.values), [[0x100]]);
});

test("a triple fault is a crash", (t) => {
  t.deepEqual(boot([serial("oops"), tripleFault]).machine.runUntilStop(), { kind: "crash", reason: "triple fault" });
});

test("HLT reaching the VMM (interrupts off: nothing would wake the vCPU) is a crash", (t) => {
  t.deepEqual(boot([hlt]).machine.runUntilStop(), { kind: "crash", reason: "halted" });
});

test("KVM's system events: shutdown powers off, reset resets, others crash; an unexplained exit crashes", (t) => {
  t.deepEqual(boot([systemEvent(1)]).machine.runUntilStop(), { kind: "poweroff" });
  t.deepEqual(boot([systemEvent(2)]).machine.runUntilStop(), { kind: "reset" });
  t.deepEqual(boot([systemEvent(3)]).machine.runUntilStop(), { kind: "crash", reason: "system event 3" });
  t.deepEqual(boot([exitReason(17)]).machine.runUntilStop(), { kind: "crash", reason: "KVM exit 17" });
});

test("MMIO where no device is mapped reads all ones and drops writes; the guest runs on", (t) => {
  const { fake, machine } = boot([mmioRead(0xfed00000, 4), mmioWrite(0xfed00010, 1, 2, 3, 4), mmioRead(0xd0000000, 8), i8042Reset]);
  t.deepEqual(machine.runUntilStop(), { kind: "reset" });
  t.deepEqual(fake.answers.map((a) => a.values), [[0xff, 0xff, 0xff, 0xff], new Array(8).fill(0xff)]);
});

test("MMIO exits reach the core's devices: ECAM answers for the host bridge and the plan's bridges", (t) => {
  const ECAM = 0xe0000000;
  const rootPort = { index: 1, model: "pcie-root-port" as const, parent: 0, slot: 1, function: 0 };
  const { fake, machine } = boot([mmioRead(ECAM, 4), mmioRead(ECAM + (1 << 15) + 0x18, 4), mmioWrite(ECAM + (1 << 15) + 0x3c, 9), mmioRead(ECAM + (1 << 15) + 0x3c, 1), i8042Reset], { pciBridges: [rootPort] });
  t.deepEqual(machine.runUntilStop(), { kind: "reset" });
  t.deepEqual(fake.answers.map((a) => a.values), [
    [0x36, 0x1b, 0x08, 0x00],
    [0x00, 0x01, 0x01, 0x00],
    [9],
  ]);
});

test("a stop requested while output is delivered ends the run at that exit; a kick after it too", (t) => {
  const booted = boot([serial("ready"), serial("never seen"), hlt], { output: () => booted.machine.requestStop() });
  t.deepEqual(booted.machine.runUntilStop(), { kind: "stopped" });
  t.is(booted.fake.callsOf("run").length, 1);
  const kicked = boot([kick(), hlt]);
  kicked.machine.requestStop();
  t.deepEqual(kicked.machine.runSlice(), { kind: "stopped" });
});

test("close() closes the other vCPUs and vCPU 0, then the VM, then /dev/kvm", (t) => {
  const fake = new FakeKvm().boot(hlt);
  const machine = new Machine(fake, new Core(coreModule(), new MockCoreImports(0)), { memoryBytes: 16 * MiB, vcpus: 3, kernel, cmdline: "", output() {} });
  const [vcpu0, ...secondaries] = fake.madeOf("vcpu");
  t.deepEqual(fake.callsOf("runArea").map((args) => args[0]), [vcpu0], "the secondaries' threads map their own run areas");
  machine.close();
  t.deepEqual(fake.openDescriptors(), []);
  t.deepEqual(fake.callsOf("close").map((args) => args[0]), [...secondaries, vcpu0, ...fake.madeOf("vm"), ...fake.madeOf("system")]);
});
