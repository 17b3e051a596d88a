// vCPU 0's thread of a VMM process: a worker that owns the KVM VM and core.wasm's devices and runs
// KVM_RUN in a loop, so that the process's main thread (control socket, console) never blocks.
// It also serves, parks and hands each new machine to the other vCPUs' threads (secondary-vcpus.ts).
// The main thread sends commands on a MessagePort and kicks the vCPU out of KVM_RUN; the worker
// takes them synchronously (receiveMessageOnPort) and reports back with postMessage.
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from "node:worker_threads";
import { Core, coreModule } from "../../host/core.js";
import { loadNativeShim } from "../../host/native.js";
import { nodeShim } from "../../host/shim.js";
import { Machine, type Stop } from "./machine.js";
import { SecondaryVcpus } from "./secondary-vcpus.js";
import type { VmmPlan } from "./vmm-plan.js";

export type VcpuCommand = { cmd: "pause" | "resume" | "destroy" | "reset" | "power" | "reboot" } | { cmd: "input"; bytes: Uint8Array };

export type VcpuReport =
  | { type: "ready"; threadId: number }
  | { type: "output"; bytes: Uint8Array }
  | { type: "paused" | "resumed" | "restarted" }
  | { type: "ended"; reason: "shutdown" | "destroyed" | "crashed"; detail: string }
  | { type: "failed"; step: string; errno: number };

export interface VcpuThreadData {
  plan: VmmPlan;
  port: MessagePort;
  /** Int32Array[0]: set by the main thread after each command, for a paused vCPU waiting on it. */
  wake: SharedArrayBuffer;
  /** The secondary vCPUs' mailboxes (a guest with more than one vCPU). */
  secondaries?: SharedArrayBuffer;
}

const report = (r: VcpuReport) => parentPort!.postMessage(r);

const STOP_CODES = { stopped: 0, poweroff: 1, reset: 2, crash: 3 } as const;
const SHUTOFF_REASONS: Record<number, "shutdown" | "destroyed" | "crashed"> = { 1: "shutdown", 2: "destroyed", 3: "crashed" };

/** What the core says follows a stop: start the guest again, or end with a shutoff reason. */
function afterStop(core: Core, plan: VmmPlan, stop: Stop, requested: { reboot: boolean; reset: boolean }): { restart: true } | { restart: false; reason: "shutdown" | "destroyed" | "crashed"; detail: string } {
  const asked = (requested.reboot ? 1 : 0) | (requested.reset ? 2 : 0);
  const restart = (action: string) => (action === "restart" ? 1 : 0);
  const decide = core.direct<(stop: number, asked: number, onPoweroff: number, onReboot: number, onCrash: number) => number>("vmmAfterStop");
  const result = decide(STOP_CODES[stop.kind], asked, restart(plan.onPoweroff), restart(plan.onReboot), restart(plan.onCrash));
  if (result === 0) return { restart: true };
  return { restart: false, reason: SHUTOFF_REASONS[result] ?? "shutdown", detail: stop.kind === "crash" ? stop.reason : stop.kind };
}

export function runVcpuThread(): void {
  const { plan, port, wake, secondaries: mailboxes } = workerData as VcpuThreadData;
  const wakeWord = new Int32Array(wake);
  const kvm = loadNativeShim().kvm;
  const core = new Core(coreModule(), nodeShim);
  let paused = false;
  const requested = { reboot: false, reset: false };
  let pending: Stop | undefined;
  let machine!: Machine;

  /** Takes the commands sent so far; returns a stop when one ends this run of the guest. */
  const takeCommands = (): Stop | undefined => {
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      const c = m.message as VcpuCommand;
      if (c.cmd === "input") machine.input(c.bytes);
      else if (c.cmd === "pause") paused = true;
      else if (c.cmd === "resume") paused = false;
      else if (c.cmd === "destroy") pending = { kind: "stopped" };
      else if (c.cmd === "reset") {
        requested.reset = true;
        pending ??= { kind: "reset" };
      }
      else if (c.cmd === "power") machine.powerButton();
      else if (c.cmd === "reboot") {
        requested.reboot = true;
        machine.powerButton();
      }
    }
    return pending;
  };

  /** Called when a kick interrupted KVM_RUN: commands, and while paused, waiting for more. */
  const interrupted = (): Stop | undefined => {
    Atomics.store(wakeWord, 0, 0);
    let stop = takeCommands();
    if (paused && !stop) {
      machine.parkSecondaries();
      report({ type: "paused" });
      while (paused && !stop) {
        Atomics.wait(wakeWord, 0, 0);
        Atomics.store(wakeWord, 0, 0);
        stop = takeCommands();
      }
      if (!stop) {
        machine.runSecondaries();
        report({ type: "resumed" });
      }
    }
    return stop;
  };

  const build = (): Machine =>
    new Machine(kvm, core, {
      memoryBytes: plan.memoryBytes,
      vcpus: plan.vcpus,
      secondaries,
      kernel: plan.kernel,
      initrd: plan.initrd,
      cmdline: plan.cmdline,
      output: (bytes) => report({ type: "output", bytes }),
      interrupted,
    });

  const threadId = kvm.vcpuThread();
  const secondaries = mailboxes ? new SecondaryVcpus(mailboxes, kvm, threadId) : undefined;
  const start = () => {
    machine = build();
    machine.runSecondaries();
  };
  try {
    secondaries?.awaitThreads();
    start();
  } catch (e) {
    secondaries?.exit();
    const err = e as NodeJS.ErrnoException & { errno?: number };
    report({ type: "failed", step: err.syscall ? `${err.syscall}${err.path ? ` ${err.path}` : ""}` : err.message, errno: Math.abs(err.errno ?? 0) });
    return;
  }
  report({ type: "ready", threadId });
  for (;;) {
    const stop = machine.runUntilStop();
    if (stop.kind === "crash") process.stderr.write(`guest crashed: ${stop.reason}\n`);
    const next = afterStop(core, plan, stop, requested);
    machine.close();
    if (!next.restart) {
      secondaries?.exit();
      report({ type: "ended", reason: next.reason, detail: next.detail });
      return;
    }
    requested.reboot = requested.reset = false;
    pending = undefined;
    start();
    report({ type: "restarted" });
  }
}

