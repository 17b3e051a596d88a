// What the KVM suite boots: the Debian kernel npm run test:vm fetched, and busybox initramfs
// images built here. Only a hardware-assisted /dev/kvm runs a stock kernel: npm run test:kvm
// provides one (QEMU's emulated SVM); elsewhere the boot tests are skipped with that reason.
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import type { ConsoleStream } from "../../src/drivers/driver.js";
import type { KvmShim } from "../../src/host/native.js";
import type { Machine, Stop } from "../../src/vmm/machine.js";
import { kvmUnavailable } from "../../src/drivers/kvm.js";
import { tempDir } from "../support/temp.js";

const { newcArchive } = await import("../../scripts/vm/initramfs.mjs");

const cache = fileURLToPath(new URL("../../.vm-cache", import.meta.url));
const bootDir = join(cache, "kernel", "boot");
const version = existsSync(bootDir) ? readdirSync(bootDir).find((f) => f.startsWith("vmlinuz-"))?.slice("vmlinuz-".length) : undefined;
const busybox = join(cache, "bb", "bin", "busybox");

/** The kernel image, when test:vm fetched it. */
export const kernel = version === undefined ? "" : join(bootDir, `vmlinuz-${version}`);
/** Why this host cannot run a guest (the driver's own check), or undefined where it can. */
const kvmMissing = kvmUnavailable();
/** Whether this process may open /dev/kvm (a plain user often may not). */
export const kvmUsable = !kvmMissing?.startsWith("cannot open");
/** Whether this host runs the small hand-made guests below. */
export const hasHardwareKvm = kvmMissing === undefined;
/** Whether this host can boot the test guest; npm run test:kvm always can. */
export const canBoot = hasHardwareKvm && kernel !== "" && existsSync(busybox);
/** Why the hand-made guests cannot run here (undefined where they can). */
export const withoutHardwareKvm = hasHardwareKvm ? undefined : "needs a hardware-assisted /dev/kvm: npm run test:kvm runs this";
/** Why the test guest cannot boot here (undefined where it can). */
export const cannotBootReason = canBoot ? undefined : "needs a hardware-assisted /dev/kvm and the test:vm kernel: npm run test:kvm runs this";

const APPLETS = ["sh", "mount", "umount", "mkdir", "echo", "cat", "poweroff", "reboot", "sleep", "insmod", "dd", "ls", "uname", "taskset", "grep", "sync", "switch_root", "sha256sum", "head", "tee", "cut", "ip", "ping", "nc", "mkfifo"];

/** The virtio PCI transport's modules (Debian's kernel has them as modules), in load order. */
const VIRTIO_PCI_MODULES = ["drivers/virtio/virtio_ring", "drivers/virtio/virtio", "drivers/virtio/virtio_pci_modern_dev", "drivers/virtio/virtio_pci_legacy_dev", "drivers/virtio/virtio_pci"];
/** virtio-net's module and the ones it needs, for virtioModules. */
export const VIRTIO_NET_MODULES = ["net/core/failover", "drivers/net/net_failover", "drivers/net/virtio_net"];

/** initramfs's module paths for a guest with virtio PCI devices: the transport, then `more` (paths under kernel/, no .ko), in load order. */
export function virtioModules(...more: string[]): string[] {
  return [...VIRTIO_PCI_MODULES, ...more].map((m) => `kernel/${m}.ko`);
}

/** How many processes have a vhost-net worker (the kernel names each vhost-PID after the process that owns it). */
export function vhostWorkers(): number {
  const names = execFileSync("sh", ["-c", "cat /proc/[0-9]*/comm /proc/[0-9]*/task/*/comm 2>/dev/null || true"], { encoding: "utf8" }).split("\n");
  return new Set(names.filter((n) => n.startsWith("vhost-"))).size;
}

/**
 * A busybox initramfs whose init mounts /proc, /sys and /dev, loads the given kernel modules
 * (paths under the kernel's module tree), prints VIRTKIT_GUEST_READY, then runs `script`.
 */
export function initramfs(script: string, modules: string[] = []): string {
  const dir = tempDir("virtkit-l2");
  const tree = join(dir, "tree");
  for (const d of ["bin", "proc", "sys", "dev", "modules"]) mkdirSync(join(tree, d), { recursive: true });
  cpSync(busybox, join(tree, "bin", "busybox"));
  for (const applet of APPLETS) symlinkSync("busybox", join(tree, "bin", applet));
  const moduleTree = join(cache, "kernel", "lib", "modules", version ?? "");
  const loads = modules.map((m) => {
    const name = m.split("/").pop()!;
    cpSync(join(moduleTree, m), join(tree, "modules", name));
    return `insmod /modules/${name}`;
  });
  const init = ["#!/bin/sh", "export PATH=/bin", "mount -t proc proc /proc", "mount -t sysfs sys /sys", "mount -t devtmpfs dev /dev", ...loads, "echo VIRTKIT_GUEST_READY $(cat /proc/uptime)", script, ""];
  writeFileSync(join(tree, "init"), init.join("\n"));
  chmodSync(join(tree, "init"), 0o755);
  const file = join(dir, "initrd.gz");
  writeFileSync(file, gzipSync(newcArchive(tree), { level: 1 }));
  return file;
}

/** A root file system for a disk: busybox, an /sbin/init running `init`, empty /proc, /sys, /dev. */
function rootTree(dir: string, init: string): string {
  const tree = join(dir, "root");
  for (const d of ["bin", "sbin", "proc", "sys", "dev"]) mkdirSync(join(tree, d), { recursive: true });
  cpSync(busybox, join(tree, "bin", "busybox"));
  for (const applet of APPLETS) symlinkSync("busybox", join(tree, "bin", applet));
  writeFileSync(join(tree, "sbin", "init"), ["#!/bin/sh", "export PATH=/bin", "mount -t proc proc /proc", "mount -t sysfs sys /sys", "mount -t devtmpfs dev /dev", init, ""].join("\n"));
  chmodSync(join(tree, "sbin", "init"), 0o755);
  return tree;
}

/** An e2fsprogs tool (mke2fs, debugfs) where Debian puts it, whatever PATH says. */
export function e2fsTool(name: string): string {
  return ["/usr/sbin", "/sbin"].map((dir) => join(dir, name)).find((path) => existsSync(path)) ?? name;
}

/** A raw ext4 image of `mib` MiB holding rootTree's files, made as a distribution's installer would (mke2fs -d). */
export function ext4RootImage(init: string, mib = 16): string {
  const dir = tempDir("virtkit-root");
  const image = join(dir, "root.img");
  execFileSync(e2fsTool("mke2fs"), ["-q", "-F", "-t", "ext4", "-L", "virtkit-root", "-d", rootTree(dir, init), image, `${mib}M`]);
  return image;
}

/**
 * A bzImage (a boot protocol 2.12 header, no real setup code) whose 64-bit entry runs `code`:
 * the VMM's own boot path, with guests small enough to say exactly what they do.
 */
export function tinyImage(code: number[]): Buffer {
  const image = Buffer.alloc(1024 + 0x200 + code.length);
  image[0x1f1] = 1; // setup_sects: the payload starts at 1024
  image.writeUInt16LE(0xaa55, 0x1fe);
  image.writeUInt32LE(0x53726448, 0x202); // "HdrS"
  image.writeUInt16LE(0x020c, 0x206); // boot protocol 2.12
  image.writeUInt16LE(1, 0x236); // XLF_KERNEL_64
  image.writeUInt32LE(0x10000, 0x260); // init_size
  Buffer.from(code).copy(image, 1024 + 0x200);
  return image;
}

/** `out 0x80, al` n times (n exits), then the i8042 reset line. */
export function exitLoopImage(n: number): Buffer {
  return tinyImage([0xb9, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24, 0xe6, 0x80, 0xff, 0xc9, 0x75, 0xfa, 0xb0, 0xfe, 0xe6, 0x64, 0xf4]);
}

/** What the triple-faulting guest leaves in rax and at guest-physical TRIPLE_FAULT_MARK_AT: "VIRTKITD". */
export const TRIPLE_FAULT_MARK = Buffer.from("VIRTKITD");
export const TRIPLE_FAULT_MARK_AT = 0x800000;

/** Writes TRIPLE_FAULT_MARK at TRIPLE_FAULT_MARK_AT (through rax), then ud2 with no IDT: #UD, #DF, then a triple fault. */
export function tripleFaultImage(): Buffer {
  const address = Buffer.alloc(8);
  address.writeBigUInt64LE(BigInt(TRIPLE_FAULT_MARK_AT));
  return tinyImage([0x48, 0xb8, ...TRIPLE_FAULT_MARK, 0x48, 0xa3, ...address, 0x0f, 0x0b]); // movabs rax, mark; movabs [at], rax; ud2
}

/**
 * Runs a machine until its guest stops, as Machine.runUntilStop, but fails after `ms`: a kick
 * every 100 ms brings the run back to look at the clock. (A run that never stops would block the
 * test's process, and ava could only report every test of the file pending.)
 */
export function runUntilStopWithin(machine: Machine, kvm: KvmShim, ms: number, console: () => string = () => ""): Stop {
  const timer = kvm.kickEvery(kvm.vcpuThread(), 100);
  try {
    for (const until = Date.now() + ms; ; ) {
      const stop = machine.runSlice();
      if (stop) return stop;
      if (Date.now() > until) throw new Error(`the guest did not stop within ${ms / 1000} s; its console's end: ${JSON.stringify(console().slice(-600))}`);
    }
  } finally {
    kvm.stopKicks(timer);
  }
}

/** Collects a console's text; waitFor resolves once a pattern has appeared `times` times. */
export function transcript(console: ConsoleStream) {
  let text = "";
  const waiters: { pattern: RegExp; times: number; resolve: () => void }[] = [];
  const check = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if ((text.match(new RegExp(w.pattern.source, "g")) ?? []).length >= w.times) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };
  console.on("data", (b: Buffer) => {
    text += b.toString("latin1");
    check();
  });
  return {
    text: () => text,
    /** Resolves once `pattern` has appeared `times` times; fails after `ms` with the console's last lines. */
    waitFor(pattern: RegExp, times = 1, ms = 300_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`${pattern} did not appear ${times} time(s) within ${ms / 1000} s; the console's end: ${JSON.stringify(text.slice(-600))}`)), ms).unref();
        waiters.push({ pattern, times, resolve: () => (clearTimeout(deadline), resolve()) });
        check();
      });
    },
  };
}
