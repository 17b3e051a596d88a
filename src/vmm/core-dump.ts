// A crashed guest's memory for on_crash coredump-destroy/coredump-restart: an ELF core file as
// `virsh dump --memory-only` writes (core-wasm/vmm/core-dump.ts lays out the headers and each
// vCPU's registers; the RAM follows them), named as libvirt names its automatic dumps.
import { closeSync, constants, linkSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { Core } from "../host/core.js";
import type { KvmShim } from "../host/native.js";
import { safeDirProblem } from "../drivers/hosted/node-dirs.js";

const REGS_BYTES = 144;
const SREGS_BYTES = 312;
/** RAM goes out in pieces of this size (one write of several GiB is refused). */
const CHUNK = 64 * 1024 * 1024;

/** libvirt's time stamp for dump names: "YYYY-MM-DD HH:MM:SS.mmm+0000", UTC. */
export function dumpTimeStamp(now = new Date()): string {
  return `${now.toISOString().slice(0, 23).replace("T", " ")}+0000`;
}

/**
 * Writes the dump of a stopped guest (no vCPU in KVM_RUN) to `path`, never over an existing file.
 * It is written under a temporary name and linked into place when complete: a dump cut short (the
 * process killed, the disk full) never looks like a whole one.
 */
export function writeCoreDump(path: string, kvm: KvmShim, core: Core, vcpus: number[], ram: Uint8Array): void {
  const registers = new Uint8Array(vcpus.length * (REGS_BYTES + SREGS_BYTES));
  vcpus.forEach((vcpu, i) => {
    const at = i * (REGS_BYTES + SREGS_BYTES);
    kvm.getRegs(vcpu, new BigUint64Array(registers.buffer, at, REGS_BYTES / 8));
    kvm.getSregs(vcpu, registers.subarray(at + REGS_BYTES, at + REGS_BYTES + SREGS_BYTES));
  });
  const v = core.vmmCoreDumpHeader(registers, vcpus.length, ram.length);
  const header = new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // guests' memory goes only where nobody else could read it or plant a link
  const problem = safeDirProblem(dirname(path));
  if (problem !== undefined) throw new Error(`unsafe dump directory '${dirname(path)}': ${problem}`);
  const partial = `${path}.partial-${process.pid}`;
  const fd = openSync(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    try {
      for (let at = 0; at < header.length; ) at += writeSync(fd, header, at);
      for (let at = 0; at < ram.length; ) at += writeSync(fd, ram, at, Math.min(CHUNK, ram.length - at));
    } finally {
      closeSync(fd);
    }
    linkSync(partial, path); // EEXIST rather than over another file
  } finally {
    rmSync(partial, { force: true });
  }
}
