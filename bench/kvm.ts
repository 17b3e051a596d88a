// kvm:/// figures, against a bare C KVM loop (bench/kvm/bare-vmm.c) doing the same work on the same
// machine (inside the nested guest: npm run bench:kvm); ratios, since nested times are not absolute.
//  - exits/s: a guest looping on `out 0x80` (a port the VMM answers), through the core's run loop
//  - create() to the guest's first serial byte (earlyprintk), through the public API from dist/
//  - the VMM process's memory besides guest RAM
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Core, coreModule } from "../src/host/core.js";
import { loadNativeShim } from "../src/host/native.js";
import { nodeCoreImports } from "../src/host/core-imports.js";
import { bootRecords, HEADER_BYTES, Machine } from "../src/vmm/machine.js";
import { readySpare } from "../src/drivers/kvm/spare-vmm.js";
import { exitLoopImage, hasHardwareKvm, kernel as testKernel } from "../test/kvm/guest.js";
import { reportKvmDisk } from "./kvm-disk.js";
import { reportKvmNet } from "./kvm-net.js";
import { describeMemory, processMemory, type ProcessMemory } from "./process-memory.js";

export interface KvmFigures {
  exitsPerSecond: number;
  bareExitsPerSecond: number;
  /** With the node's spare VMM process ready (every start but a node's first). */
  firstByteMs: number;
  /** Starting a VMM process for the guest (no spare: a node's first start, VIRTKIT_KVM_SPARE=0). */
  coldFirstByteMs: number;
  bareFirstByteMs: number;
  vmm: Memories;
  /** QEMU in the same place, where it runs (qemu-system-x86_64 on PATH). */
  qemu?: { firstByteMs: number; memory: Memories };
}

/** A VMM's memory at its guest's first serial byte, and after the guest has run for a while. */
interface Memories {
  atFirstByte: ProcessMemory;
  running: ProcessMemory;
}

/** How long after the first serial byte the second memory figure is taken (the guest still booting). */
const RUNNING_MS = 3000;

/** The process's memory now and once the guest has run RUNNING_MS more. */
async function memories(pid: number): Promise<Memories> {
  const atFirstByte = processMemory(pid, MEMORY);
  await new Promise((resolve) => setTimeout(resolve, RUNNING_MS));
  return { atFirstByte, running: processMemory(pid, MEMORY) };
}

const here = fileURLToPath(new URL(".", import.meta.url));
const LOOP_EXITS = 50_000;
const MEMORY = 128 * 1024 * 1024;
const CMDLINE = "console=ttyS0 earlyprintk=ttyS0 reboot=k panic=1 pci=off quiet";

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** core.wasm's boot records for an image, as the Machine applies them (for the bare loader). */
function bareBootRecords(kernel: Buffer, cmdline: string): Buffer {
  const v = bootRecords(new Core(coreModule(), nodeCoreImports), kernel.subarray(0, HEADER_BYTES), kernel.length, 0, cmdline, MEMORY, 1);
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function compileBare(dir: string): string | undefined {
  const out = join(dir, "bare-vmm");
  const cc = spawnSync("cc", ["-O2", "-o", out, join(here, "kvm", "bare-vmm.c")], { encoding: "utf8" });
  return cc.status === 0 ? out : undefined;
}

function coreExitsPerSecond(image: string): number {
  const machine = new Machine(loadNativeShim().kvm, new Core(coreModule(), nodeCoreImports), { memoryBytes: MEMORY, kernel: image, cmdline: "", output() {} });
  const start = process.hrtime.bigint();
  const stop = machine.runUntilStop();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  machine.close();
  if (stop.kind !== "reset") throw new Error(`loop guest ended with ${JSON.stringify(stop)}`);
  return LOOP_EXITS / seconds;
}

/**
 * Waits until a file has a byte; ms since `start`. It waits on inotify, not in a polling loop:
 * on the nested host's one CPU, a loop would hold the CPU the VMM (or QEMU) needs to get there.
 */
async function firstByteAfter(file: string, start: bigint): Promise<number> {
  const hasByte = () => existsSync(file) && statSync(file).size > 0;
  await new Promise<void>((resolve, reject) => {
    let over = false;
    const end = (error?: Error) => {
      if (over) return;
      over = true;
      watcher.close();
      clearInterval(backstop);
      clearTimeout(timeout);
      if (error) reject(error);
      else resolve();
    };
    const watcher = watch(dirname(file), () => hasByte() && end());
    // a backstop for an event missed while the watch was being set up
    const backstop = setInterval(() => hasByte() && end(), 50);
    const timeout = setTimeout(() => end(new Error("the guest wrote nothing on its serial port in 2 minutes")), 120_000);
    if (hasByte()) end();
  });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** QEMU on the same kernel, memory and command line (KVM, no firmware devices): its first serial byte and memory then. */
async function qemuOnce(kernel: string, serial: string, measureMemory: boolean): Promise<{ firstByteMs: number; memory?: Memories } | undefined> {
  const args = ["-accel", "kvm", "-cpu", "host", "-m", String(MEMORY >> 20), "-nodefaults", "-display", "none", "-no-user-config", "-kernel", kernel, "-append", CMDLINE, "-serial", `file:${serial}`];
  const start = process.hrtime.bigint();
  const qemu = spawn("qemu-system-x86_64", args, { stdio: "ignore" });
  const failed = new Promise<undefined>((resolve) => qemu.once("error", () => resolve(undefined)).once("exit", () => resolve(undefined)));
  const result = await Promise.race([firstByteAfter(serial, start).then(async (ms) => ({ firstByteMs: ms, memory: measureMemory ? await memories(qemu.pid!) : undefined })), failed]);
  qemu.kill("SIGKILL");
  await failed;
  return result;
}

export async function measureKvm(kernel: string, rounds = 5): Promise<KvmFigures | undefined> {
  const dir = mkdtempSync(join(tmpdir(), "virtkit-bench-kvm-"));
  process.env.VIRTKIT_CONFIG_DIR = join(dir, "etc");
  process.env.VIRTKIT_RUN_DIR = join(dir, "run");
  try {
    const bare = compileBare(dir);
    if (!bare) return undefined;
    const image = join(dir, "loop.bzImage");
    writeFileSync(image, exitLoopImage(LOOP_EXITS));
    const loopRecords = join(dir, "loop.records");
    writeFileSync(loopRecords, bareBootRecords(readFileSync(image), ""));
    const exits: number[] = [];
    const bareExits: number[] = [];
    for (let r = 0; r < rounds; r++) {
      exits.push(coreExitsPerSecond(image));
      bareExits.push(Number(spawnSync(bare, [loopRecords, image, "-", String(MEMORY), "exits"], { encoding: "utf8" }).stdout));
    }

    const kernelRecords = join(dir, "kernel.records");
    writeFileSync(kernelRecords, bareBootRecords(readFileSync(kernel), CMDLINE));
    // "virtkit" is the package itself (its exports name dist/index.mjs), typed by dist/types
    const { openConnection } = await import("virtkit");
    const conn = await openConnection("kvm:///system");
    let memory: Memories | undefined;
    let round = 0;
    /** create() to the guest's first serial byte, in ms; then destroys it. */
    const firstByteOnce = async (measureMemory = false): Promise<number> => {
      const serial = join(dir, `serial-${round}.log`);
      const xml = `<domain type='kvm'><name>bench${round++}</name><memory unit='KiB'>${MEMORY / 1024}</memory><os><type>hvm</type><kernel>${kernel}</kernel><cmdline>${CMDLINE}</cmdline></os><devices><serial type='file'><source path='${serial}'/></serial></devices></domain>`;
      const start = process.hrtime.bigint();
      const dom = await conn.createXML(xml);
      const ms = await firstByteAfter(serial, start);
      if (!memory && measureMemory) memory = await memories(await dom.getID());
      await dom.destroy();
      return ms;
    };
    const bareOnce = (): number => {
      const bareStart = process.hrtime.bigint();
      spawnSync(bare, [kernelRecords, kernel, "-", String(MEMORY), "first"]);
      return Number(process.hrtime.bigint() - bareStart) / 1e6;
    };
    const spareReady = async () => {
      for (const until = Date.now() + 60_000; !readySpare(join(dir, "run", "kvm"), fileURLToPath(new URL("../dist/kvm-vmm.cjs", import.meta.url))) && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    const firstByte: number[] = [];
    const coldFirstByte: number[] = [];
    const bareFirstByte: number[] = [];
    for (let r = 0; r < rounds; r++) {
      process.env.VIRTKIT_KVM_SPARE = "0";
      coldFirstByte.push(await firstByteOnce());
      delete process.env.VIRTKIT_KVM_SPARE;
      await firstByteOnce(); // leaves a spare
      await spareReady();
      firstByte.push(await firstByteOnce(r === rounds - 1));
      bareFirstByte.push(bareOnce());
    }
    await conn.close();
    const qemuRuns: { firstByteMs: number; memory?: Memories }[] = [];
    for (let r = 0; r < rounds; r++) {
      const run = await qemuOnce(kernel, join(dir, `qemu-${r}.log`), r === rounds - 1);
      if (run) qemuRuns.push(run);
    }
    const qemuMemory = qemuRuns.find((q) => q.memory)?.memory;
    const qemu = qemuMemory ? { firstByteMs: median(qemuRuns.map((q) => q.firstByteMs)), memory: qemuMemory } : undefined;
    return {
      exitsPerSecond: median(exits),
      bareExitsPerSecond: median(bareExits),
      firstByteMs: median(firstByte),
      coldFirstByteMs: median(coldFirstByte),
      bareFirstByteMs: median(bareFirstByte),
      vmm: memory!,
      qemu,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Measures (where a hardware-assisted /dev/kvm and the test:vm kernel are) and prints the figures. */
export async function reportKvm(): Promise<void> {
  // a /dev/kvm without VMX/SVM (PVM) boots no stock kernel
  const figures = testKernel && hasHardwareKvm ? await measureKvm(testKernel) : undefined;
  if (!figures) {
    console.log("kvm:/// figures: need a hardware-assisted /dev/kvm, cc and the test:vm kernel (npm run bench:kvm runs them in the nested guest)");
    return;
  }
  const f = figures;
  console.log(`kvm:/// exits/s through the core's run loop: ${Math.round(f.exitsPerSecond).toLocaleString("en-US")}   bare C loop: ${Math.round(f.bareExitsPerSecond).toLocaleString("en-US")}   ratio ${(f.exitsPerSecond / f.bareExitsPerSecond).toFixed(2)} (target >= 0.5)`);
  console.log(`kvm:/// create() to first serial byte: ${f.firstByteMs.toFixed(0)} ms   bare C loader: ${f.bareFirstByteMs.toFixed(0)} ms   ratio ${(f.firstByteMs / f.bareFirstByteMs).toFixed(2)} (target <= 1.5; the node's spare VMM ready)`);
  console.log(`kvm:/// the same from a cold VMM process (a node's first start, or VIRTKIT_KVM_SPARE=0): ${f.coldFirstByteMs.toFixed(0)} ms   ratio ${(f.coldFirstByteMs / f.bareFirstByteMs).toFixed(2)}`);
  const both = (m: Memories) => `at its guest's first serial byte ${describeMemory(m.atFirstByte)}; ${RUNNING_MS / 1000} s later ${describeMemory(m.running)}`;
  console.log(`kvm:/// VMM process (spare ready): ${both(f.vmm)}`);
  if (f.qemu) console.log(`QEMU (-accel kvm) on the same guest: ${both(f.qemu.memory)}; its first serial byte after ${f.qemu.firstByteMs.toFixed(0)} ms`);
  else console.log("QEMU: qemu-system-x86_64 is not installed here (the anchor: 47 MB RSS at start under libvirt, TCG)");
  await reportKvmDisk();
  await reportKvmNet();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await reportKvm();
