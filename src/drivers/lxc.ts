// lxc:/// — containers on this node, as libvirt's LXC driver runs them. The node on disk, its
// lock and events, and the start/stop steps are every hosted driver's (hosted/driver.ts); here
// is what containers do their own way: the host's cgroups (through the native shim), the
// per-container supervisor (shim/lxc-supervisor.cc) that runs the plan, the freezer for suspend,
// and libvirt's "posix" scheduler parameters.
import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import { strerrorOf } from "../errno.js";
import { paramLines } from "./core-driver.js";
import type { DomainRef, DomainStatus, TypedParameter } from "./driver.js";
import { HostedDriver, type Started } from "./hosted/driver.js";
import { hostedDirs } from "./hosted/node-dirs.js";
import { killProcess, waitUntilGone } from "./hosted/proc.js";
import { readText, writeAtomically } from "./hosted/text-file.js";
import { applyHostSteps, applySettings, cgroupFacts, cgroupFiles, readSchedParams, removeCgroups, type CgroupFiles } from "./lxc/host.js";
import { startSupervisor } from "./hosted/control-client.js";

export class LxcDriver extends HostedDriver {
  readonly type = "LXC";
  /** libvirt's LXC driver asks init to stop with SIGTERM; init decides (a shell ignores it). */
  protected readonly shutdownCommand = "shutdown 15";
  private readonly planCache = new Map<string, { plan: string; files: CgroupFiles }>();

  private constructor(uri: string) {
    super(uri, hostedDirs("lxc"), ErrorDomain.VIR_FROM_LXC, "lxc");
  }

  /** lxc:///system (or lxc:///): needs root, as libvirt's privileged LXC driver. */
  static async open(uri: string): Promise<LxcDriver> {
    if (process.getuid?.() !== 0) {
      throw new VirtError(ErrorNumber.VIR_ERR_OPERATION_DENIED, ErrorDomain.VIR_FROM_LXC, "operation forbidden: the LXC driver needs root (lxc:///system)");
    }
    const driver = new LxcDriver(uri);
    // Traversable (not listable) by others: a container in a user namespace reaches its staging
    // directory here as its mapped root, which has no rights of the host's root.
    await driver.prepare(0o711);
    return driver;
  }

  /** Every container's supervisor runs this program. */
  protected readonly processMarks = ["virtkit-lxc-supervisor"];

  protected readonly guest = { osType: "exe", emulator: "/usr/libexec/virtkit-lxc-supervisor", domainType: "lxc" };

  protected nodeFacts(): { kind: "lxc"; dumpDir: string; cgroups: string } {
    return { kind: "lxc", dumpDir: "", cgroups: cgroupFacts() };
  }

  protected forgetPlan(name: string): void {
    this.planCache.delete(name);
  }

  protected pausedOnDisk(name: string): boolean {
    return this.frozen(name);
  }

  private planOf(name: string): { plan: string; files: CgroupFiles } | undefined {
    const cached = this.planCache.get(name);
    if (cached) return cached;
    const plan = readText(this.runFile(name, "plan"));
    if (plan === undefined) return undefined;
    const entry = { plan, files: cgroupFiles(plan) };
    this.planCache.set(name, entry);
    return entry;
  }

  private frozen(name: string): boolean {
    const freezer = this.planOf(name)?.files.freezer;
    if (!freezer) return false;
    try {
      const state = this.shim.cgroupRead(freezer.file).trim();
      return state === freezer.frozen || (freezer.frozen === "FROZEN" && state === "FREEZING");
    } catch {
      return false;
    }
  }

  /** Removes a finished container's runtime files, and its cgroups when asked. */
  protected cleanupRun(name: string, resourcesToo: boolean): void {
    if (resourcesToo) {
      const files = this.planOf(name)?.files;
      if (files) removeCgroups(this.shim, files.dirs);
    }
    super.cleanupRun(name, resourcesToo);
    this.planCache.delete(name);
  }

  // ---- starting ------------------------------------------------------------------------------------------

  /** Carries out a start plan; returns the supervisor's pid (the domain's id). */
  protected async runPlan(name: string, plan: string): Promise<Started> {
    const files = cgroupFiles(plan);
    rmSync(this.runFile(name, "status"), { force: true });
    rmSync(this.runFile(name, "unpaused"), { force: true });
    // the staging directory: traversable by a container's mapped root, like the run directory
    mkdirSync(this.runFile(name, "root"), { recursive: true, mode: 0o711 });
    chmodSync(this.runFile(name, "root"), 0o711);
    const planFile = this.runFile(name, "plan");
    let report;
    try {
      applyHostSteps(this.shim, plan);
      writeAtomically(planFile, plan);
      report = await startSupervisor(this.shim, planFile);
    } catch (e) {
      removeCgroups(this.shim, files.dirs);
      this.cleanupRun(name, false);
      throw e;
    }
    if (report.ok) {
      this.planCache.set(name, { plan, files });
      return { id: report.supervisorPid, pty: report.pty, taps: report.taps };
    }
    // what a supervisor killed for not reporting left (its init dies with it) goes first
    await waitUntilGone(this.killOrphan(name));
    removeCgroups(this.shim, files.dirs);
    this.cleanupRun(name, false);
    rmSync(this.runFile(name, "status"), { force: true });
    const exec = /^exec (\S+)/.exec(report.step);
    const why =
      exec && report.errno === 2
        ? `cannot find init path '${exec[1]}' relative to container root: ${strerrorOf(report.errno)}`
        : `${report.step}${report.errno ? `: ${strerrorOf(report.errno)}` : ""}`;
    throw this.error(ErrorNumber.VIR_ERR_INTERNAL_ERROR, `internal error: guest failed to start: ${why}`);
  }

  /** Kills every process left in a container whose supervisor died (or was killed); returns their pids. */
  protected killOrphan(name: string): number[] {
    const files = this.planOf(name)?.files;
    const killed: number[] = [];
    for (const dir of files?.dirs ?? []) {
      try {
        for (const pid of this.shim.cgroupRead(join(dir, "cgroup.procs")).split("\n").filter(Boolean).map(Number)) {
          killed.push(pid);
          killProcess(pid);
        }
      } catch {
        // the group is gone already
      }
    }
    if (files?.freezer) {
      try {
        this.shim.cgroupWrite(files.freezer.file, files.freezer.thawed);
      } catch {
        // nothing frozen to thaw
      }
    }
    return killed;
  }

  // ---- pausing ------------------------------------------------------------------------------------------------

  private setFrozen(d: DomainRef, pause: boolean): Promise<void> {
    return this.job(d.name, pause ? "domainSuspend" : "domainResume", async () => {
      this.core.hostedCheckPause(this.node.handle, d, pause);
      const freezer = this.planOf(d.name)?.files.freezer;
      if (!freezer) throw this.error(ErrorNumber.VIR_ERR_OPERATION_FAILED, "operation failed: the container has no freezer cgroup");
      try {
        this.shim.cgroupWrite(freezer.file, pause ? freezer.frozen : freezer.thawed);
        // v1 passes through FREEZING, and freezes the tasks it missed when FROZEN is written
        // again (as libvirt does); a suspend returns once every task is stopped
        for (const until = Date.now() + 10_000; pause && freezer.frozen === "FROZEN" && this.shim.cgroupRead(freezer.file).trim() !== "FROZEN"; ) {
          if (Date.now() > until) {
            this.shim.cgroupWrite(freezer.file, freezer.thawed);
            throw this.error(ErrorNumber.VIR_ERR_OPERATION_FAILED, "operation failed: Suspend operation failed");
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
          this.shim.cgroupWrite(freezer.file, freezer.frozen);
        }
      } catch (e) {
        if (e instanceof VirtError) throw e;
        throw new VirtError(ErrorNumber.VIR_ERR_SYSTEM_ERROR, ErrorDomain.VIR_FROM_CGROUP, `Unable to write to '${freezer.file}': ${(e as Error).message}`);
      }
      this.core.hostedCommitPause(this.node.handle, d, pause);
      this.dispatch();
      // the supervisor does not hear of it: the reason other processes give comes from this mark
      if (pause) rmSync(this.runFile(d.name, "unpaused"), { force: true });
      else writeAtomically(this.runFile(d.name, "unpaused"), "");
    });
  }

  domainSuspend(d: DomainRef): Promise<void> {
    return this.setFrozen(d, true);
  }

  domainResume(d: DomainRef): Promise<void> {
    return this.setFrozen(d, false);
  }

  // ---- state and tuning ------------------------------------------------------------------------------------------

  /** The registry's state, with CPU time and memory use of a running container from its cgroups. */
  domainGetStatus(d: DomainRef): DomainStatus {
    this.look();
    const status = this.registryStatus(d);
    status.cpuTime = 0;
    if (status.id < 0) return status;
    const files = this.planOf(d.name)?.files;
    try {
      if (files?.cpuUsage?.unit === "ns") status.cpuTime = Number(this.shim.cgroupRead(files.cpuUsage.file).trim());
      else if (files?.cpuUsage) status.cpuTime = Number(/^usage_usec (\d+)/m.exec(this.shim.cgroupRead(files.cpuUsage.file))?.[1] ?? 0) * 1000;
      if (files?.memoryUsage) status.memory = Math.floor(Number(this.shim.cgroupRead(files.memoryUsage).trim()) / 1024);
    } catch {
      // the container is ending: the registry's values stand
    }
    return status;
  }

  /** The core changes the definitions and lists the cgroup writes that carry the change to a running container. */
  domainSetMemoryFlags(d: DomainRef, kib: number, flags: number): Promise<void> {
    return this.job(d.name, "domainSetMemoryFlags", () => {
      applySettings(this.shim, this.core.lxcSetMemory(this.node.handle, d, kib, flags));
      this.persist(d);
    });
  }

  domainSetMaxMemory(d: DomainRef, kib: number): Promise<void> {
    return this.domainSetMemoryFlags(d, kib, 4);
  }

  // ---- scheduler (libvirt's "posix": cpu_shares, vcpu_period, vcpu_quota) ----------------------------

  domainGetSchedulerType(): { type: string; nparams: number } {
    return { type: "posix", nparams: 3 };
  }

  /** The definition's values, or (a running container's live ones) what its cgroups hold. */
  domainGetSchedulerParameters(d: DomainRef, flags: number): TypedParameter[] {
    this.look();
    return readSchedParams(this.shim, this.core.lxcSchedParams(this.node.handle, d, flags));
  }

  domainSetSchedulerParameters(d: DomainRef, params: TypedParameter[], flags: number): Promise<void> {
    return this.job(d.name, "domainSetSchedulerParameters", () => {
      applySettings(this.shim, this.core.lxcSetSchedParams(this.node.handle, d, paramLines(params), flags));
      this.persist(d);
    });
  }

}
