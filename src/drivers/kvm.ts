// kvm:/// — guests on this node's /dev/kvm with core.wasm as their VMM. The node on disk, its lock
// and events, and the start/stop steps are every hosted driver's (hosted/driver.ts); here is what
// KVM guests do their own way: each runs in its own VMM process (src/vmm/main.ts: its main thread
// serves control and console and runs vCPU 0; other vCPUs have threads of their own), which
// outlives the process that started it. suspend/resume stop and restart the vCPUs; shutdown and
// reboot press the ACPI power button.
import { accessSync, closeSync, constants, readFileSync, rmSync } from "node:fs";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import { strerror, strerrorOf } from "../errno.js";
import type { BlockInfo, BlockStats, DomainRef, DomainStatus, MemoryStat, TypedParameter } from "./driver.js";
import { DomainInterfaceAddressesSource } from "../constants.js";
import { memoryStatsOf } from "./kvm/balloon.js";
import { blockStatsParameters, blockStatsStruct, diskSource, findDisk, parseBlkstatReply, imageBlockInfo } from "./kvm/disks.js";
import { parseDomainXML } from "../domain-xml.js";
import { HostedDriver, type Started } from "./hosted/driver.js";
import { hostedDirs } from "./hosted/node-dirs.js";
import { procStat } from "./hosted/proc.js";
import { readStatus } from "./hosted/status-file.js";
import { openLog, writeAtomically } from "./hosted/text-file.js";
import { decodeLines } from "./hosted/plan-lines.js";
import { claimSpare, startSpare, type StartReport } from "./kvm/spare-vmm.js";
import { noStartReport, readStartReport, START_WAIT_MS } from "./hosted/control-client.js";

/** The VMM process's program: the bundle beside dist/, or the TypeScript source under tsx. */
function vmmProgram(): { execArgv: string[]; script: string } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".ts")) return { execArgv: ["--import", "tsx"], script: fileURLToPath(new URL("../vmm/main.ts", import.meta.url)) };
  return { execArgv: [], script: fileURLToPath(new URL("./kvm-vmm.cjs", import.meta.url)) };
}

/**
 * Why this host cannot run a guest, or undefined where it can: /dev/kvm must open, and the CPU
 * must have VMX or SVM. A /dev/kvm without them (a PVM host, say) runs only paravirtualized
 * kernels: a stock kernel would sit there with a silent console, so its start is refused.
 */
export function kvmUnavailable(device = "/dev/kvm", cpuinfo = "/proc/cpuinfo"): string | undefined {
  try {
    accessSync(device, constants.R_OK | constants.W_OK);
  } catch (e) {
    return `cannot open ${device}: ${strerror(e)}`;
  }
  if (!/^flags\s*:.*\b(vmx|svm)\b/m.test(readFileSync(cpuinfo, "latin1"))) {
    return `this host's ${device} has no hardware virtualization (the CPU has neither VMX nor SVM)`;
  }
  return undefined;
}

/**
 * Every disk image of a plan can be opened as the VMM will (read-write unless read-only); else
 * libvirt's error for a broken disk source, before any process starts.
 */
export function checkDiskSources(plan: string): void {
  for (const [key, , , , , source, flags] of decodeLines(plan)) {
    if (key !== "disk") continue;
    try {
      accessSync(source, flags.split(",").includes("readonly") ? constants.R_OK : constants.R_OK | constants.W_OK);
    } catch (e) {
      const as = `(as uid:${process.getuid?.() ?? 0}, gid:${process.getgid?.() ?? 0})`;
      throw new VirtError(ErrorNumber.VIR_ERR_SYSTEM_ERROR, ErrorDomain.VIR_FROM_STORAGE, `Cannot access storage file '${source}' ${as}: ${strerror(e)}`);
    }
  }
}

/** Where on_crash coredump-* writes guests' memory (libvirt's auto_dump_path); VIRTKIT_STATE_DIR moves it (tests). */
export function kvmDumpDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.VIRTKIT_STATE_DIR || "/var/lib/virtkit", "kvm", "dump");
}

export class KvmDriver extends HostedDriver {
  readonly type = "KVM";
  /** The guest hears an ACPI power-button press and decides (a shell as init ignores it). */
  protected readonly shutdownCommand = "shutdown";

  private constructor(uri: string) {
    super(uri, hostedDirs("kvm"), ErrorDomain.VIR_FROM_QEMU, "qemu");
  }

  /**
   * kvm:///system (or kvm:///): needs root, as libvirt's system qemu driver. A host without a
   * usable /dev/kvm still opens (definitions can be made, listed and read); starts are refused.
   */
  static async open(uri: string): Promise<KvmDriver> {
    if (process.getuid?.() !== 0) {
      throw new VirtError(ErrorNumber.VIR_ERR_OPERATION_DENIED, ErrorDomain.VIR_FROM_QEMU, "operation forbidden: the KVM driver needs root (kvm:///system)");
    }
    const driver = new KvmDriver(uri);
    await driver.prepare(0o700);
    return driver;
  }

  /** The VMM program, bundled or (tests) its TypeScript source: every VMM and spare process runs it. */
  protected readonly processMarks = ["kvm-vmm.cjs", "vmm/main.ts"];

  protected readonly guest = { osType: "hvm", emulator: "/usr/libexec/virtkit-vmm", domainType: "kvm" };

  protected nodeFacts(): { kind: "kvm"; dumpDir: string; cgroups: string } {
    return { kind: "kvm", dumpDir: kvmDumpDir(), cgroups: "" };
  }

  protected pausedOnDisk(_name: string, status: Record<string, string>): boolean {
    return status.paused === "1";
  }

  /**
   * Runs the plan in the node's spare VMM, or else in a VMM process started for it; resolves with
   * its pid once the guest runs. A start leaves a spare ready for the next one (spare-vmm.ts).
   */
  protected async runPlan(name: string, plan: string): Promise<Started> {
    const missing = kvmUnavailable();
    if (missing) throw this.error(ErrorNumber.VIR_ERR_CONFIG_UNSUPPORTED, `unsupported configuration: Domain requires KVM, but it is not available: ${missing}`);
    checkDiskSources(plan);
    const planFile = this.runFile(name, "plan");
    writeAtomically(planFile, plan);
    const program = vmmProgram();
    const report = (await claimSpare(this.dirs.run, program.script, planFile, this.runFile(name, "log"))) ?? (await this.spawnVmm(name, planFile, program));
    if (report.ok) {
      // after this start has returned: the spare's spawn does not delay it
      setImmediate(() => startSpare(this.dirs.run, program, (pid) => this.domainProcessAlive(pid, undefined)));
      return { id: Number(report.fields[0]), pty: report.fields[1] ?? "", taps: report.fields[2]?.split(",") };
    }
    this.cleanupRun(name, false);
    rmSync(this.runFile(name, "status"), { force: true }); // what a VMM that failed wrote (or a previous run's)
    const step = report.step || "VMM process";
    throw this.error(ErrorNumber.VIR_ERR_INTERNAL_ERROR, `internal error: guest failed to start: ${step}${report.errno ? `: ${strerrorOf(report.errno)}` : ""}`);
  }

  private async spawnVmm(name: string, planFile: string, { execArgv, script }: { execArgv: string[]; script: string }): Promise<StartReport> {
    // the VMM's own diagnostics, kept after it ends (libvirt keeps a log per domain too)
    const log = openLog(this.runFile(name, "log"));
    const child = spawn(process.execPath, [...execArgv, script, planFile], { detached: true, stdio: ["ignore", log, log, "pipe"] });
    closeSync(log);
    // a VMM that has not reported in time is killed below, as one that failed
    const report = await readStartReport(child.stdio[3] as NodeJS.ReadableStream, START_WAIT_MS).catch((e) => noStartReport(e, () => {}));
    child.unref();
    if (!report.ok && child.exitCode === null && child.pid) child.kill("SIGKILL");
    return report;
  }

  // ---- lifecycle beyond every hosted driver's ------------------------------------------------------------

  private setPaused(d: DomainRef, pause: boolean): Promise<void> {
    return this.job(d.name, pause ? "domainSuspend" : "domainResume", async () => {
      this.core.hostedCheckPause(this.node.handle, d, pause);
      const reply = await this.guestCommand(d, pause ? "suspend" : "resume");
      if (reply !== "ok") throw this.error(ErrorNumber.VIR_ERR_OPERATION_FAILED, `operation failed: ${pause ? "suspend" : "resume"}: ${reply}`);
      this.core.hostedCommitPause(this.node.handle, d, pause);
      this.dispatch();
    });
  }

  domainSuspend(d: DomainRef): Promise<void> {
    return this.setPaused(d, true);
  }

  domainResume(d: DomainRef): Promise<void> {
    return this.setPaused(d, false);
  }

  // ---- memory (the guest's balloon) ------------------------------------------------------------------------

  /** The core changes the definitions; a change that reaches the running guest goes to its balloon. */
  domainSetMemoryFlags(d: DomainRef, kib: number, flags: number): Promise<void> {
    return this.job(d.name, "domainSetMemoryFlags", async () => {
      const pages = this.core.kvmSetMemory(this.node.handle, d, kib, flags);
      this.persist(d);
      if (pages === "") return;
      const reply = await this.guestCommand(d, `setmem ${pages}`);
      if (reply !== "ok") throw this.error(ErrorNumber.VIR_ERR_OPERATION_FAILED, `operation failed: cannot set the guest's memory: ${reply}`);
    });
  }

  domainSetMaxMemory(d: DomainRef, kib: number): Promise<void> {
    return this.domainSetMemoryFlags(d, kib, 4); // VIR_DOMAIN_MEM_MAXIMUM
  }

  /** dommemstat: the balloon's size, the guest's own statistics (fresh: the guest is asked), the VMM's RSS. */
  async domainMemoryStats(d: DomainRef, flags: number): Promise<MemoryStat[]> {
    this.checkFlags(flags, 0, "qemuDomainMemoryStats");
    this.requireActive(d, true);
    const status = this.registryStatus(d);
    return memoryStatsOf(await this.guestCommand(d, "memstat"), status.maxMem, status.id);
  }

  // ---- disks ----------------------------------------------------------------------------------------------

  /** The counters of a running domain's disk (its target, or its source; "" sums them all) from its VMM. */
  private async diskCounters(d: DomainRef, disk: string): Promise<Map<string, number>> {
    this.requireActive(d, true);
    const xml = this.domainGetXMLDesc(d, 0);
    const targets = disk === "" ? (parseDomainXML(xml).devices?.disk ?? []).map((def) => def.target.dev) : [findDisk(xml, disk)?.target.dev];
    if (targets.some((target) => target === undefined)) throw this.error(ErrorNumber.VIR_ERR_INVALID_ARG, `invalid argument: invalid path: ${disk}`);
    const total = new Map<string, number>();
    for (const target of targets) {
      const counters = parseBlkstatReply(await this.guestCommand(d, `blkstat ${target}`));
      if (!counters) throw this.error(ErrorNumber.VIR_ERR_INTERNAL_ERROR, `internal error: cannot find statistics for device '${target}'`);
      for (const [name, value] of counters) total.set(name, (total.get(name) ?? 0) + value);
    }
    return total;
  }

  async domainBlockStats(d: DomainRef, disk: string): Promise<BlockStats> {
    return blockStatsStruct(await this.diskCounters(d, disk));
  }

  async domainBlockStatsFlags(d: DomainRef, disk: string, flags: number): Promise<TypedParameter[]> {
    this.checkFlags(flags, 1, "qemuDomainBlockStatsFlags"); // VIR_TYPED_PARAM_STRING_OKAY
    return blockStatsParameters(await this.diskCounters(d, disk));
  }

  // ---- NICs -----------------------------------------------------------------------------------------------

  /** The guest agent kvm:/// guests have not: libvirt's qemu driver's words for it. */
  protected unknownAddressSource(source: number): never {
    if (source === DomainInterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT) throw this.error(ErrorNumber.VIR_ERR_ARGUMENT_UNSUPPORTED, "argument unsupported: QEMU guest agent is not configured");
    return super.unknownAddressSource(source);
  }

  /** A disk's sizes from its image, for a running domain or a defined one, as libvirt gives them. */
  domainGetBlockInfo(d: DomainRef, disk: string, flags: number): BlockInfo {
    this.checkFlags(flags, 0, "qemuDomainGetBlockInfo");
    const def = findDisk(this.domainGetXMLDesc(d, 0), disk);
    if (!def) throw this.error(ErrorNumber.VIR_ERR_INVALID_ARG, `invalid argument: invalid path ${disk} not assigned to domain`);
    try {
      return imageBlockInfo(def, this.shim.disk, (header, bytes) => this.core.imageCapacity(header, bytes));
    } catch (e) {
      if (e instanceof VirtError) throw e;
      throw new VirtError(ErrorNumber.VIR_ERR_SYSTEM_ERROR, ErrorDomain.VIR_FROM_STORAGE, `cannot stat file '${diskSource(def) ?? ""}': ${strerror(e)}`);
    }
  }

  /** A hard reset: the guest starts again from its kernel, whatever on_reboot says. */
  domainReset(d: DomainRef, flags: number): Promise<void> {
    return this.job(d.name, "domainReset", async () => {
      this.checkFlags(flags, 0, "qemuDomainReset");
      this.requireActive(d, true);
      await this.guestCommand(d, "reset");
    });
  }

  /** The registry's state, with the vCPU threads' CPU time (from /proc) for a running guest. */
  domainGetStatus(d: DomainRef): DomainStatus {
    this.look();
    const status = this.registryStatus(d);
    status.cpuTime = 0;
    if (status.id < 0) return status;
    const fields = readStatus(this.runFile(d.name, "status"));
    // each vCPU thread's utime and stime (fields 14 and 15) in ticks of 10 ms
    for (const thread of (fields.vcpu ?? "").split(" ")) {
      const stat = procStat(`/proc/${fields.supervisor}/task/${thread}/stat`);
      if (stat === undefined) break; // the guest is ending: no more CPU time to report
      status.cpuTime += (Number(stat[14]) + Number(stat[15])) * 10_000_000;
    }
    return status;
  }
}
