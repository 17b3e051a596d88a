// The main thread of a kvm:/// domain's VMM process (one per running guest, outliving whoever
// started it): it reads its plan (plan.ts), opens the host ends of the guest's serial line
// (serial-line.ts), runs the guest (guest-runner.ts: vCPU 0 between turns of its event loop, a
// thread per other vCPU: vcpu-workers.ts), serves the control socket (control-server.ts), records
// the domain's status for every process that looks at the node (status-file.ts) and reports the
// start (start-report.ts). docs/control-protocol.md says what each of these looks like.
// Usage: node vmm/main PLAN_FILE   (fd 3: the start report, then closed),
//    or: node vmm/main --spare DIR  (spare-process.ts: the plan comes later, from a claim)
import { Core, coreModule } from "../host/core.js";
import { loadNativeShim, type DiskShim, type KvmShim, type TapShim, type VhostShim } from "../host/native.js";
import { nodeCoreImports } from "../host/core-imports.js";
import { dropStartupPages } from "../host/resident-pages.js";
import { ControlServer } from "./control-server.js";
import { GuestRunner } from "./guest-runner.js";
import { readVmmPlan, type VmmPlan } from "./plan.js";
import { SerialLine } from "./serial-line.js";
import { controlSocketReport, failedReport, reportOnFd3, startedReport } from "./start-report.js";
import { StatusFile } from "./status-file.js";
import { VcpuWorkers } from "./vcpu-workers.js";

/** What a VMM needs before its plan: the shim's KVM wrappers and a core (a spare has them ready). */
export interface VmmRuntime {
  kvm: KvmShim;
  core: Core;
  /** The disk wrappers (a guest with disks needs them). */
  disk?: DiskShim;
  /** The tap wrappers (a guest with NICs needs them). */
  tap?: TapShim;
  /** vhost-net's wrappers (without them the VMM serves its NICs' rings itself). */
  vhost?: VhostShim;
}

/** Standard error is the domain's log when the driver started this process for the domain. */
const logToStderr = (line: string) => void process.stderr.write(`${line}\n`);

/**
 * Runs the guest of a plan; `report` tells the starter "ok\tPID[\tPTY]" or "error\tSTEP\tERRNO" (once),
 * `log` takes the lines of the domain's log.
 */
export function runVmmProcess(entry: string, planFile: string, report: (line: string) => void = reportOnFd3, runtime?: VmmRuntime, log: (line: string) => void = logToStderr): void {
  let plan: VmmPlan;
  let serial: SerialLine;
  try {
    plan = readVmmPlan(planFile);
    serial = new SerialLine(plan.serial, (bytes) => runner.input(bytes));
  } catch (e) {
    report(failedReport(e));
    process.exitCode = 1;
    return;
  }
  const { kvm, core, disk, tap, vhost } = runtime ?? { kvm: loadNativeShim().kvm, core: new Core(coreModule(), nodeCoreImports), disk: loadNativeShim().disk, tap: loadNativeShim().tap, vhost: loadNativeShim().vhost };
  // (with the names of the taps the start opens)
  let started = "";
  const vcpus = new VcpuWorkers(entry, plan.vcpus);
  let reported = false;
  const runner = new GuestRunner(plan, kvm, core, vcpus.mailboxes, {
    log,
    output(bytes) {
      control.output(bytes);
      serial.write(bytes);
    },
    ended: (reason) => finish(reason),
    crashed: () => {
      status.record("crashed", "panicked");
      reportOnce(started); // a guest that crashed at once still started (and stays)
    },
  }, disk, tap, vhost);

  const reportOnce = (line: string) => {
    if (reported) return;
    reported = true;
    report(line);
  };

  const status = new StatusFile(plan.status, plan.instance, () => [runner.threadId, ...vcpus.threadIds()], () => runner.isPaused, () => serial.ptyPath, () => runner.tapNames);
  const control = new ControlServer(plan.control, runner, () => status.record("running", runner.isPaused ? "paused" : "unpaused"));

  const finish = (reason: string) => {
    control.close();
    serial.close();
    status.record("shutoff", reason);
    // a guest that ended at once still started: its starter reads the status after this
    reportOnce(started);
    control.hangUp();
    vcpus.terminate();
    process.exitCode = 0;
  };

  try {
    status.record("starting", "booting");
    runner.start();
    started = startedReport(serial.ptyPath, runner.tapNames);
  } catch (e) {
    reportOnce(failedReport(e));
    status.remove();
    vcpus.terminate();
    serial.close();
    process.exitCode = 1;
    return;
  }
  control.listen(
    () => {
      if (reported) return; // the guest ended already
      status.record("running", "booted");
      reportOnce(started);
      // what the process touched to get here (most of Node's binary) is not its guest's working set
      setImmediate(() => dropStartupPages(loadNativeShim()));
    },
    (e) => {
      reportOnce(controlSocketReport(plan.control, e));
      runner.destroy();
    },
  );
  vcpus.onError((e) => {
    log(`vCPU thread: ${e.message}`);
    runner.destroy();
  });
}
