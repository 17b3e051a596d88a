// A real Linux guest (the Debian kernel that npm run test:vm fetched) booted by core.wasm's VMM on
// a real /dev/kvm, to a marker its busybox initramfs prints on the serial console.
import test from "ava";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { Core, coreModule } from "../../src/host/core.js";
import { loadNativeShim } from "../../src/host/native.js";
import { nodeShim } from "../../src/host/shim.js";
import { Machine } from "../../src/drivers/kvm/machine.js";

const { newcArchive } = await import("../../scripts/vm/initramfs.mjs");

const cache = fileURLToPath(new URL("../../.vm-cache", import.meta.url));
const kernel = existsSync(join(cache, "kernel", "boot")) ? readdirSync(join(cache, "kernel", "boot")).find((f) => f.startsWith("vmlinuz-")) : undefined;
const busybox = join(cache, "bb", "bin", "busybox");
// A /dev/kvm without VMX/SVM (this build machine's PVM, say) runs only paravirtualized kernels.
const hardwareAssisted = /^flags\s*:.*\b(vmx|svm)\b/m.test(readFileSync("/proc/cpuinfo", "utf8"));
const ready = existsSync("/dev/kvm") && hardwareAssisted && kernel !== undefined && existsSync(busybox);

/** A busybox initramfs whose init prints a marker, then runs `script`. */
function initramfs(script: string): string {
  const dir = mkdtempSync(join(tmpdir(), "virtkit-l2-"));
  const tree = join(dir, "tree");
  for (const d of ["bin", "proc", "sys", "dev"]) mkdirSync(join(tree, d), { recursive: true });
  cpSync(busybox, join(tree, "bin", "busybox"));
  for (const applet of ["sh", "mount", "echo", "cat", "poweroff", "reboot", "sleep"]) symlinkSync("busybox", join(tree, "bin", applet));
  writeFileSync(join(tree, "init"), `#!/bin/sh\nexport PATH=/bin\nmount -t proc proc /proc\necho VIRTKIT_GUEST_READY $(cat /proc/uptime)\n${script}\n`);
  chmodSync(join(tree, "init"), 0o755);
  const file = join(dir, "initrd.gz");
  writeFileSync(file, gzipSync(newcArchive(tree), { level: 1 }));
  return file;
}

test("core.wasm's VMM boots a Linux kernel to its initramfs", (t) => {
  if (!ready) return t.pass("needs a hardware-assisted /dev/kvm and the test:vm kernel: npm run test:kvm runs this");
  const core = new Core(coreModule(), nodeShim);
  let console = "";
  const machine: Machine = new Machine(loadNativeShim().kvm, core, {
    memoryBytes: 256 * 1024 * 1024,
    kernel: join(cache, "kernel", "boot", kernel!),
    initrd: initramfs("echo done"),
    cmdline: "console=ttyS0 earlyprintk=ttyS0 reboot=k panic=1 pci=off acpi=off quiet",
    output(bytes) {
      console += Buffer.from(bytes).toString("latin1");
      if (console.includes("VIRTKIT_GUEST_READY")) machine.requestStop();
    },
  });
  const stop = machine.runUntilStop();
  machine.close();
  t.log(console.slice(-400));
  t.deepEqual(stop, { kind: "stopped" });
  t.regex(console, /VIRTKIT_GUEST_READY/);
});
