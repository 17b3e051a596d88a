// Tests that need something the machine may lack (root, a hardware-assisted /dev/kvm, the test:vm
// kernel) are registered as skipped where it is missing, with the reason in their title, so ava
// counts them as skipped instead of passing them without running.
import test, { type ExecutionContext } from "ava";
import { readFileSync } from "node:fs";

type Implementation = (t: ExecutionContext) => unknown;

export interface GatedTest {
  (title: string, implementation: Implementation): void;
  serial(title: string, implementation: Implementation): void;
}

/** `test` where `missing` is undefined; otherwise every test it registers is skipped with that reason. */
export function testIf(missing: string | undefined): GatedTest {
  if (missing === undefined) return test;
  const skipped = (title: string, implementation: Implementation) => test.skip(`${title} — skipped: ${missing}`, implementation);
  const serialSkipped = (title: string, implementation: Implementation) => test.serial.skip(`${title} — skipped: ${missing}`, implementation);
  return Object.assign(skipped, { serial: serialSkipped });
}

/** Why a test that needs root cannot run here, or undefined as root. */
export const needsRoot = (what: string): string | undefined => (process.getuid?.() === 0 ? undefined : `needs root (${what})`);

/**
 * Why a test that starts thousands of processes should not run here, or undefined: under QEMU's
 * TCG emulation (the test:vm guest) each fork of an interpreter takes tens of milliseconds.
 */
export function needsNativeCpu(what: string): string | undefined {
  let cpu = "";
  try {
    cpu = readFileSync("/proc/cpuinfo", "latin1");
  } catch {
    return undefined;
  }
  return /^model name\s*:\s*QEMU TCG CPU/m.test(cpu) ? `needs a CPU that is not emulated (${what}: minutes under QEMU TCG)` : undefined;
}

/**
 * Why a test that makes bridges, addresses or firewall rules cannot run here, or undefined inside
 * the `npm run test:vm` guest: such tests never touch the network of the machine running the suite.
 */
export const needsTestVm = (what: string): string | undefined => (process.env.VIRTKIT_TEST_VM === "1" ? undefined : `runs only inside the npm run test:vm guest (${what})`);
