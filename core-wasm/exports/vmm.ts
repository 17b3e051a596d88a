// core.wasm as the VMM of a kvm:/// domain: the boot plan, and the device models the host
// consults on every I/O exit (numbers in, numbers out: the exit path stays cheap).
import { ByteBuf } from "../util/bytes";
import { BootRequest, writeBootPlan } from "../vmm/boot";
import { writeCoreDumpHeader } from "../vmm/core-dump";
import { patchCpuid } from "../vmm/cpuid";
import { writeIrqRouting } from "../vmm/irq-routing";
import { wireLocalApic } from "../vmm/lapic";
import { afterStop } from "../vmm/lifecycle";
import { consoleInput, portIn, portOut, pressPowerButton, resetDevices, takeEvents, takeOutput } from "../vmm/devices/board";
import { io } from "./domains";

/**
 * The boot records for a bzImage whose first headerLen bytes are at the start of the input,
 * followed by the command line (cmdlineLen bytes).
 */
export function vmmBootPlan(headerLen: i32, cmdlineLen: i32, kernelSize: f64, initrdSize: f64, memoryBytes: f64, vcpus: i32): i32 {
  const req = new BootRequest();
  const header = new ByteBuf(headerLen + 1);
  header.raw(io.input.buf.ptr, headerLen);
  req.header = header;
  req.headerLen = headerLen;
  req.cmdline = String.UTF8.decodeUnsafe(io.input.buf.ptr + <usize>headerLen, <usize>cmdlineLen);
  req.kernelSize = <u64>kernelSize;
  req.initrdSize = <u64>initrdSize;
  req.memoryBytes = <u64>memoryBytes;
  req.vcpus = vcpus;
  resetDevices();
  return writeBootPlan(req, io.output) ? 0 : -1;
}

export function vmmPortIn(port: i32, size: i32): i32 {
  return <i32>portIn(<u32>port, size);
}

export function vmmPortOut(port: i32, size: i32, value: i32): void {
  portOut(<u32>port, size, <u32>value);
}

export function vmmEvents(): i32 {
  return takeEvents();
}

/** The UART's pending output into the output buffer; returns its length. */
export function vmmTakeOutput(): i32 {
  const out: ByteBuf = io.output;
  out.clear();
  takeOutput(out);
  return out.length;
}

/** Console input: len bytes at the start of the input buffer. */
export function vmmConsoleInput(len: i32): void {
  consoleInput(io.input.buf.ptr, len);
}

/** The guest's power button is pressed (libvirt's shutdown; reboot asks the same way). */
export function vmmPowerButton(): void {
  pressPowerButton();
}

/**
 * The CPUID of vCPU `index` of `vcpus`: the count kvm_cpuid_entry2 entries KVM supports at the
 * start of the input, patched in place and copied to the output.
 */
export function vmmCpuid(count: i32, index: i32, vcpus: i32): i32 {
  patchCpuid(io.input.buf.ptr, count, <u32>index, <u32>vcpus);
  const out: ByteBuf = io.output;
  out.clear();
  out.raw(io.input.buf.ptr, count * 40);
  return 0;
}

/** A vCPU's local APIC state (struct kvm_lapic_state, 1024 bytes at the start of the input), wired as a PC's; copied to the output. */
export function vmmLapic(): i32 {
  wireLocalApic(io.input.buf.ptr);
  const out: ByteBuf = io.output;
  out.clear();
  out.raw(io.input.buf.ptr, 1024);
  return 0;
}

/** After the guest stopped: 0 to start it again, -1 to keep it crashed, else the shutoff reason (vmm/lifecycle.ts). */
export function vmmAfterStop(stop: i32, asked: i32, onPoweroff: i32, onReboot: i32, onCrash: i32): i32 {
  return afterStop(stop, asked, onPoweroff, onReboot, onCrash);
}

/** The VM's GSI routing (struct kvm_irq_routing, into the output); returns its entry count. */
export function vmmIrqRouting(): i32 {
  return writeIrqRouting(io.output);
}

/**
 * The ELF core file's headers and notes for `vcpus` vCPUs and memoryBytes of RAM (output; the RAM
 * follows them); the input holds each vCPU's kvm_regs and kvm_sregs (vmm/core-dump.ts). Returns the length.
 */
export function vmmCoreDumpHeader(vcpus: i32, memoryBytes: f64): i32 {
  writeCoreDumpHeader(io.output, io.input.buf.ptr, vcpus, <u64>memoryBytes);
  return io.output.length;
}
