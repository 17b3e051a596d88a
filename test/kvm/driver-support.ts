// What the kvm:/// driver's tests on real KVM share: a node in a temporary directory (this
// process's), the guest (an initramfs that powers off on the ACPI button and runs console lines),
// its domain XML, and the checks that no VMM process is left behind.
import test from "ava";
import { needsRoot, testIf } from "../support/gated.js";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Connection } from "../../src/index.js";
import { instanceFile, instanceFiles, openForTest, processAlive, processesLeft, processesRunning } from "../support/hosted.js";
import { canBoot, cannotBootReason, initramfs, withoutHardwareKvm, kernel, virtioModules } from "./guest.js";
import { tempDir } from "../support/temp.js";

export const asRoot = needsRoot("kvm:///system's state and processes");
export const linuxGuestTest = testIf(asRoot ?? cannotBootReason);
export const smallGuestTest = testIf(asRoot ?? withoutHardwareKvm);
export const base = tempDir("virtkit-kvm-test", "/tmp");
process.env.VIRTKIT_CONFIG_DIR = join(base, "etc");
process.env.VIRTKIT_RUN_DIR = join(base, "run");
process.env.VIRTKIT_STATE_DIR = join(base, "state");
export const runDir = join(base, "run", "kvm");
test.after.always(() => rmSync(base, { recursive: true, force: true }));

// The guest: it powers off when its ACPI power button is pressed (button.ko reports it on an
// input device), and runs what is typed on its console.
// LISTENING waits until a reader holds each input device open: a press before that is lost (the
// test presses the button right after the guest rebooted).
export const GUEST_INIT = `
while [ ! -e /dev/input/event0 ]; do sleep 0.1; done
n=0
for e in /dev/input/event*; do n=$((n+1)); (dd if=$e of=/dev/null bs=24 count=1 2>/dev/null; echo POWER_BUTTON; poweroff -f) & done
while [ "$(ls -l /proc/[0-9]*/fd/ 2>/dev/null | grep -c /dev/input/event)" -lt $n ]; do sleep 0.1; done
echo LISTENING
while read -r line; do eval "$line"; done
`;
export const initrd = canBoot ? initramfs(GUEST_INIT, ["kernel/drivers/acpi/button.ko", "kernel/drivers/input/evdev.ko", ...virtioModules("drivers/char/hw_random/virtio-rng")]) : "";
export const RNG = "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>";
/** Reads 256 bytes of the guest's hardware RNG (optionally on one CPU) and says which RNG it used. */
export const readHwrng = (word: string, cpus = "") =>
  `${cpus ? `taskset ${cpus} ` : ""}sh -c 'echo ${word} $(cat /sys/class/misc/hw_random/rng_current) $(dd if=/dev/hwrng of=/dev/null bs=64 count=4 2>&1 | grep "records in")'\n`;

/** A guest's domain XML; extraCmdline goes on its kernel command line. */
export function guestXml(name: string, devices = "<console type='pty'/>", vcpus = 1, extraCmdline = ""): string {
  return `<domain type='kvm'><name>${name}</name><memory unit='MiB'>192</memory><vcpu>${vcpus}</vcpu>
<os><type arch='x86_64'>hvm</type><kernel>${kernel}</kernel><initrd>${initrd}</initrd><cmdline>console=ttyS0 reboot=k panic=1 quiet${extraCmdline}</cmdline></os>
<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
<devices>${devices}</devices></domain>`;
}

/** Whether a process is still there after up to 5 s (a zombie counts as gone). */
export async function stillRunning(pid: number): Promise<boolean> {
  for (const until = Date.now() + 5000; processAlive(pid) && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 5));
  return processAlive(pid);
}

export const kvm = (t: import("ava").ExecutionContext): Promise<Connection> => openForTest(t, "kvm:///system");

/** The virtkit CLI (dist/) on kvm:///system, in another process. */
const cli = fileURLToPath(new URL("../../dist/cli.cjs", import.meta.url));
export const run = (cmd: string) => spawnSync(process.execPath, [cli, "-c", "kvm:///system", ...cmd.split(" ")], { encoding: "utf8", env: process.env });

/** The node's spare VMM process (started after each start; a start claims it). */
export const spareDir = join(runDir, ".spare");
export const sparePid = () => Number((existsSync(join(spareDir, "pid")) ? readFileSync(join(spareDir, "pid"), "utf8") : "").split(" ")[0]);

/**
 * Resolves once a spare VMM waits for the node's next start, with its pid. The spare starts at
 * nice 19 while a guest boots, so it gets almost no CPU until the guest idles: under nested
 * emulation, on a slow run, the guest's boot alone has taken 80 s and the spare more than 180 s.
 */
export async function spareReady(): Promise<number> {
  for (const until = Date.now() + 420_000; !existsSync(join(spareDir, `${sparePid()}.sock`)); ) {
    if (Date.now() > until) throw new Error("no spare VMM got ready in 420 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return sparePid();
}

export async function noVmmLeft(t: import("ava").ExecutionContext, name: string): Promise<void> {
  t.deepEqual(await processesLeft(join(runDir, `${name}.plan`)), [], "no VMM process left");
  // of the processes started as spares, only the one waiting for the next start (claimed ones ran
  // guests; one replaced while it got ready leaves once ready: slowly, at nice 19 and under tsx)
  const others = () => processesRunning(spareDir).filter((pid) => pid !== sparePid());
  for (const until = Date.now() + 60_000; others().length > 0 && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 10));
  const described = others().map((pid) => `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ")}`);
  t.deepEqual(described, [], `no VMM process left that began as a spare (the node's spare: ${sparePid()})`);
  // and the pid its status file names (whatever its command line says)
  const status = instanceFile(runDir, name, "status") ? readFileSync(instanceFile(runDir, name, "status"), "utf8") : "";
  const pid = Number(/^supervisor (\d+)$/m.exec(status)?.[1] ?? 0);
  t.false(pid > 0 && (await stillRunning(pid)), `VMM process ${pid} is gone`);
  t.deepEqual(instanceFiles(runDir, name, "sock"), [], "no control socket left");
}

