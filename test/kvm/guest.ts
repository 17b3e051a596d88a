// What the KVM suite boots: the Debian kernel npm run test:vm fetched, and busybox initramfs
// images built here. Only a hardware-assisted /dev/kvm runs a stock kernel: npm run test:kvm
// provides one (QEMU's emulated SVM); elsewhere the boot tests pass with that reason.
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const { newcArchive } = await import("../../scripts/vm/initramfs.mjs");

const cache = fileURLToPath(new URL("../../.vm-cache", import.meta.url));
const bootDir = join(cache, "kernel", "boot");
const version = existsSync(bootDir) ? readdirSync(bootDir).find((f) => f.startsWith("vmlinuz-"))?.slice("vmlinuz-".length) : undefined;
const busybox = join(cache, "bb", "bin", "busybox");

/** The kernel image, when test:vm fetched it. */
export const kernel = version === undefined ? "" : join(bootDir, `vmlinuz-${version}`);
// A /dev/kvm without VMX/SVM (a PVM host, say) runs only paravirtualized kernels.
const hardwareAssisted = /^flags\s*:.*\b(vmx|svm)\b/m.test(readFileSync("/proc/cpuinfo", "utf8"));
/** Whether this host can boot the test guest; npm run test:kvm always can. */
export const canBoot = existsSync("/dev/kvm") && hardwareAssisted && kernel !== "" && existsSync(busybox);
export const cannotBootReason = "needs a hardware-assisted /dev/kvm and the test:vm kernel: npm run test:kvm runs this";

const APPLETS = ["sh", "mount", "echo", "cat", "poweroff", "reboot", "sleep", "insmod", "dd", "ls", "uname"];

/**
 * A busybox initramfs whose init mounts /proc, /sys and /dev, loads the given kernel modules
 * (paths under the kernel's module tree), prints VIRTKIT_GUEST_READY, then runs `script`.
 */
export function initramfs(script: string, modules: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), "virtkit-l2-"));
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
