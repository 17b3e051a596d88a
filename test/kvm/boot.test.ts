// A real Linux guest (the Debian kernel that npm run test:vm fetched) booted by core.wasm's VMM on
// a real /dev/kvm, to a marker its busybox initramfs prints on the serial console.
import { testIf } from "../support/gated.js";
import { Core, coreModule } from "../../src/host/core.js";
import { loadNativeShim } from "../../src/host/native.js";
import { nodeCoreImports } from "../../src/host/core-imports.js";
import { Machine } from "../../src/vmm/machine.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cannotBootReason, exitLoopImage, initramfs, withoutHardwareKvm, kernel, runUntilStopWithin, tripleFaultImage } from "./guest.js";
import { tempDir } from "../support/temp.js";

const smallGuestTest = testIf(withoutHardwareKvm);
const linuxGuestTest = testIf(cannotBootReason);

/** How long a test's guest may run (a Linux boot takes 2-15 s in the nested harness). */
const RUN_WITHIN_MS = 120_000;

function imageFile(image: Buffer): string {
  const file = join(tempDir("virtkit-image"), "bzImage");
  writeFileSync(file, image);
  return file;
}

smallGuestTest("the 64-bit entry runs, each port write is an exit the core answers, and the i8042 reset line stops the run", (t) => {
  const core = new Core(coreModule(), nodeCoreImports);
  const { kvm } = loadNativeShim();
  const machine = new Machine(kvm, core, { memoryBytes: 16 << 20, kernel: imageFile(exitLoopImage(1000)), cmdline: "", output() {} });
  t.deepEqual(runUntilStopWithin(machine, kvm, RUN_WITHIN_MS), { kind: "reset" });
  machine.close();
});

smallGuestTest("a triple fault stops the run as a crash", (t) => {
  const core = new Core(coreModule(), nodeCoreImports);
  const { kvm } = loadNativeShim();
  const machine = new Machine(kvm, core, { memoryBytes: 16 << 20, kernel: imageFile(tripleFaultImage()), cmdline: "", output() {} });
  t.deepEqual(runUntilStopWithin(machine, kvm, RUN_WITHIN_MS), { kind: "crash", reason: "triple fault" });
  machine.close();
});

linuxGuestTest("core.wasm's VMM boots a Linux kernel to its initramfs, whose poweroff ends the run (ACPI S5)", (t) => {
  const core = new Core(coreModule(), nodeCoreImports);
  let console = "";
  const { kvm } = loadNativeShim();
  const machine = new Machine(kvm, core, {
    memoryBytes: 256 * 1024 * 1024,
    kernel,
    initrd: initramfs("poweroff -f"),
    cmdline: "console=ttyS0 reboot=k panic=1 pci=off quiet",
    output(bytes) {
      console += Buffer.from(bytes).toString("latin1");
    },
  });
  const stop = runUntilStopWithin(machine, kvm, RUN_WITHIN_MS, () => console);
  machine.close();
  t.log(console.slice(-400));
  t.regex(console, /VIRTKIT_GUEST_READY/);
  t.deepEqual(stop, { kind: "poweroff" });
});

linuxGuestTest("a stop requested from the console's output ends the run at the next exit", (t) => {
  const core = new Core(coreModule(), nodeCoreImports);
  let console = "";
  const { kvm } = loadNativeShim();
  const machine: Machine = new Machine(kvm, core, {
    memoryBytes: 128 * 1024 * 1024,
    kernel,
    initrd: initramfs("while true; do echo tick; sleep 1; done"),
    // with ACPI: its PM timer is the kernel's only reference to calibrate the TSC against when
    // the PIT is too slow to read (as under nested emulation); acpi=off then hung the boot
    cmdline: "console=ttyS0 reboot=k panic=1 pci=off quiet",
    output(bytes) {
      console += Buffer.from(bytes).toString("latin1");
      if (console.includes("VIRTKIT_GUEST_READY")) machine.requestStop();
    },
  });
  const stop = runUntilStopWithin(machine, kvm, RUN_WITHIN_MS, () => console);
  machine.close();
  t.deepEqual(stop, { kind: "stopped" });
});
