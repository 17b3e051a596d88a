// lxc:/// — containers on this node, as libvirt's LXC driver runs them. core.wasm decides (the
// registry, states, which definitions run, the start plan); this file carries decisions out with
// the native shim (cgroup files, locks, spawning) and the per-container supervisor, and keeps
// the truth on disk so that every process sees the same node:
//   <config>/NAME.xml        persistent definitions      (VIRTKIT_CONFIG_DIR, default /etc/virtkit)
//   <config>/autostart/NAME  autostart marks
//   <run>/NAME.xml           live definition of a running domain   (VIRTKIT_RUN_DIR, default /run/virtkit)
//   <run>/NAME.plan          the plan it was started with (its cgroup files)
//   <run>/NAME.status        written by the supervisor: running, or how it ended
//   <run>/NAME.sock          the supervisor's control socket
// Every change happens under an exclusive lock on <run>/.lock; a process that finds the
// directories changed since it last looked reloads them.
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, watch, writeFileSync, type FSWatcher } from "node:fs";
import { cpus, hostname, release, totalmem } from "node:os";
import { join } from "node:path";
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import { strerrorOf } from "../errno.js";
import { Core, coreModule } from "../host/core.js";
import { loadNativeShim, type NativeShim } from "../host/native.js";
import { nodeShim } from "../host/shim.js";
import { CoreDomainRef, CoreDriver, CoreNode, Op, readDomains } from "./core-driver.js";
import { uuidString, type ConsoleStream, type DomainRef, type DomainStatus, type HypervisorDriver, type LifecycleEvent, type NodeInfo, type SecurityLabel, type SecurityModel, type TypedParameter } from "./driver.js";
import { applyHostSteps, applySettings, cgroupFacts, cgroupFiles, lxcDirs, removeCgroups, type CgroupFiles } from "./lxc/host.js";
import { openConsoleSocket, startSupervisor, supervisorCommand } from "./lxc/supervisor.js";

const enum Shutoff {
  UNKNOWN = 0,
  SHUTDOWN = 1,
  DESTROYED = 2,
  CRASHED = 3,
  FAILED = 6,
}

/** virDomainEventStoppedDetailType for a shutoff reason: shutdown 0, destroyed 1, crashed 2, failed 5. */
const STOPPED_DETAIL: Record<number, number> = { 1: 0, 2: 1, 3: 2, 6: 5 };

const REASONS: Record<string, number> = { shutdown: Shutoff.SHUTDOWN, destroyed: Shutoff.DESTROYED, crashed: Shutoff.CRASHED, failed: Shutoff.FAILED };

const XML_SECURE_INACTIVE = 1 | 2;
const AFFECT_LIVE = 1;
const AFFECT_CONFIG = 2;
/** How long a change waits for another process's (libvirt waits 30 s for a job). */
const LOCK_WAIT_MS = 30_000;

let lxcCore: Core | undefined;
/** One core for the process's lxc nodes, over the real host functions (randomness, clock). */
function core(): Core {
  lxcCore ??= new Core(coreModule(), nodeShim);
  return lxcCore;
}

/** Writes through a temporary file, flushed, then renamed into place. */
function writeAtomically(path: string, data: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  const fd = openSync(temp, "w", 0o600);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function parseStatus(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const space = line.indexOf(" ");
    if (space > 0) fields[line.slice(0, space)] = line.slice(space + 1);
  }
  return fields;
}

function lxcError(code: number, message: string): VirtError {
  return new VirtError(code, ErrorDomain.VIR_FROM_LXC, message);
}

export class LxcDriver extends CoreDriver implements HypervisorDriver {
  readonly type = "LXC";
  private readonly shim: NativeShim;
  private readonly dirs = lxcDirs();
  /** The directories' modification times when last loaded. */
  private stamp = "";
  private closed = false;
  private readonly planCache = new Map<string, { plan: string; files: CgroupFiles }>();
  /** What each domain's state was when this process last looked: UUID → [state, reason]. */
  private seen = new Map<string, { ref: DomainRef; state: number; reason: number }>();
  private watcher: FSWatcher | undefined;
  /** Set while this process changes the node: the watcher waits for the change to finish. */
  private busy = false;
  /** Containers found ended whose runtime files are removed at the next change (under the lock). */
  private readonly ended = new Set<string>();

  private constructor(readonly uri: string) {
    super(core(), new CoreNode(-1));
    this.shim = loadNativeShim();
  }

  /** lxc:///system (or lxc:///): needs root, as libvirt's privileged LXC driver. */
  static async open(uri: string): Promise<LxcDriver> {
    if (process.getuid?.() !== 0) {
      throw new VirtError(ErrorNumber.VIR_ERR_OPERATION_DENIED, ErrorDomain.VIR_FROM_LXC, "operation forbidden: the LXC driver needs root (lxc:///system)");
    }
    const driver = new LxcDriver(uri);
    // Traversable (not listable) by others: a container in a user namespace reaches its staging
    // directory here as its mapped root, which has no rights of the host's root.
    mkdirSync(driver.dirs.run, { recursive: true, mode: 0o711 });
    chmodSync(driver.dirs.run, 0o711);
    mkdirSync(join(driver.dirs.config, "autostart"), { recursive: true, mode: 0o755 });
    driver.sync();
    await driver.autostartOnce();
    return driver;
  }

  /**
   * Lifecycle events also for what happens without this process: a container whose init ends,
   * or another process's changes. While anyone listens, the runtime directory is watched.
   */
  subscribe(listener: (events: LifecycleEvent[]) => void): () => void {
    const unsubscribe = super.subscribe(listener);
    if (!this.watcher) {
      this.seen = this.states();
      this.watcher = watch(this.dirs.run, () => {
        if (!this.busy) this.announceChanges();
      });
      this.watcher.unref();
    }
    return () => {
      unsubscribe();
      if (this.node.listeners.size === 0) {
        this.watcher?.close();
        this.watcher = undefined;
      }
    };
  }

  private states(): Map<string, { ref: DomainRef; state: number; reason: number }> {
    const states = new Map<string, { ref: DomainRef; state: number; reason: number }>();
    for (const ref of super.listAllDomains(0)) {
      const s = this.registryStatus(ref);
      states.set(uuidString(ref.uuid), { ref, state: s.state, reason: s.reason });
    }
    return states;
  }

  /** Reloads when the disk changed, telling listeners what changed since this process last looked. */
  private announceChanges(): void {
    if (this.closed) return;
    const before = this.seen;
    this.sync();
    if (this.node.listeners.size === 0) return;
    const after = this.states();
    const events: LifecycleEvent[] = [];
    const running = (s: number) => s === 1 || s === 3;
    for (const [uuid, now] of after) {
      const was = before.get(uuid);
      if (was === undefined || was.state === now.state) continue;
      if (!running(was.state) && running(now.state)) events.push({ dom: now.ref, event: 2, detail: 0 }); // started, booted
      else if (running(was.state) && now.state === 5) events.push({ dom: now.ref, event: 5, detail: STOPPED_DETAIL[now.reason] ?? 0 });
      else if (was.state === 1 && now.state === 3) events.push({ dom: now.ref, event: 3, detail: 0 }); // suspended
      else if (was.state === 3 && now.state === 1) events.push({ dom: now.ref, event: 4, detail: 0 }); // resumed
    }
    for (const [uuid, was] of before) {
      if (!after.has(uuid) && running(was.state)) events.push({ dom: was.ref, event: 5, detail: 0 }); // a transient domain ended
    }
    this.seen = after;
    if (events.length > 0) for (const listener of this.node.listeners) listener(events);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    if (this.node.handle >= 0) this.core.call("nodeClose", this.node.handle);
  }

  // ---- the node's state on disk ------------------------------------------------------------------

  private dirStamp(): string {
    const a = statSync(this.dirs.config, { bigint: true }).mtimeNs;
    const b = statSync(this.dirs.run, { bigint: true }).mtimeNs;
    const c = statSync(join(this.dirs.config, "autostart"), { bigint: true }).mtimeNs;
    return `${a}:${b}:${c}`;
  }

  /** Reloads the node when another process (or this one) changed the directories. */
  private sync(): void {
    const stamp = this.dirStamp();
    if (stamp === this.stamp) return;
    const c = this.core;
    const handle = c.call("lxcNodeOpen", c.writeText(`rundir ${this.dirs.run}\n${cgroupFacts()}`));
    if (this.node.handle >= 0) c.call("nodeClose", this.node.handle);
    this.node.handle = handle;
    this.planCache.clear();
    for (const file of readdirSync(this.dirs.config)) {
      if (!file.endsWith(".xml")) continue;
      const xml = readText(join(this.dirs.config, file));
      if (xml === undefined) continue;
      try {
        c.call("domainDefine", handle, c.writeText(xml), 0);
      } catch {
        // a definition this build cannot read stays on disk untouched
      }
    }
    for (const name of readdirSync(join(this.dirs.config, "autostart"))) {
      const ref = this.find(name);
      if (ref) this.op(ref, Op.SET_AUTOSTART, 1);
    }
    for (const file of readdirSync(this.dirs.run)) {
      if (file.endsWith(".status")) this.restoreDomain(file.slice(0, -".status".length));
    }
    this.stamp = stamp;
  }

  private find(name: string): DomainRef | undefined {
    try {
      this.core.call("domainLookupByName", this.node.handle, this.core.writeText(name));
      return readDomains(this.core)[0];
    } catch {
      return undefined;
    }
  }

  /** Replays a container's status into the core: running (with its live XML), or how it ended. */
  private restoreDomain(name: string): void {
    const status = parseStatus(readText(this.runFile(name, "status")) ?? "");
    const supervisor = Number(status.supervisor);
    const live = readText(this.runFile(name, "xml"));
    const c = this.core;
    const alive = status.state === "running" && this.shim.processAlive(supervisor);
    if (alive && live !== undefined) {
      const paused = this.frozen(name);
      c.call("lxcRestoreRunning", this.node.handle, c.writeText(live), supervisor, paused ? 1 : 0);
      return;
    }
    // Being started by another process right now (its live definition comes next): not ended.
    if (alive) return;
    const ref = this.find(name);
    // Ended: recorded by the supervisor, or (still "running") it is gone without recording it.
    const reason = status.state === "running" ? Shutoff.CRASHED : (REASONS[status.reason] ?? Shutoff.UNKNOWN);
    if (ref) this.ask(ref, "lxcCommitStopped", reason, 0);
    if (existsSync(this.runFile(name, "plan"))) this.ended.add(name);
  }

  private runFile(name: string, kind: "xml" | "plan" | "status" | "sock" | "root"): string {
    return join(this.dirs.run, `${name}.${kind}`);
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

  /** Removes a finished container's runtime files (the status stays: it says how it ended). */
  private cleanupRun(name: string, cgroupsToo: boolean): void {
    if (cgroupsToo) {
      const files = this.planOf(name)?.files;
      if (files) removeCgroups(this.shim, files.dirs);
    }
    for (const kind of ["xml", "plan", "sock"] as const) rmSync(this.runFile(name, kind), { force: true });
    rmSync(this.runFile(name, "root"), { recursive: true, force: true });
    this.planCache.delete(name);
  }

  /** Runs fn holding the node's state-change lock (waiting for another process's change). */
  private async locked<T>(fn: () => Promise<T> | T): Promise<T> {
    const lockPath = join(this.dirs.run, ".lock");
    const until = Date.now() + LOCK_WAIT_MS;
    let fd = this.shim.lockFile(lockPath);
    while (fd === null) {
      if (Date.now() > until) throw lxcError(ErrorNumber.VIR_ERR_OPERATION_TIMEOUT, "Timed out during operation: cannot acquire state change lock");
      await new Promise((resolve) => setTimeout(resolve, 5));
      fd = this.shim.lockFile(lockPath);
    }
    this.busy = true;
    try {
      this.announceChanges();
      for (const name of this.ended) {
        const status = parseStatus(readText(this.runFile(name, "status")) ?? "");
        if (status.state === "running" && this.shim.processAlive(Number(status.supervisor))) continue; // started again meanwhile
        // a supervisor that died leaves its cgroups; one that recorded the end removed them
        const unrecorded = status.state === "running";
        this.cleanupRun(name, unrecorded);
        if (unrecorded) writeAtomically(this.runFile(name, "status"), "state shutoff\nreason crashed\n");
      }
      this.ended.clear();
      return await fn();
    } finally {
      this.seen = this.states();
      this.busy = false;
      this.shim.closeFd(fd);
    }
  }

  /** Writes what disk must say after a change of d: its persistent and live definitions. */
  private persist(d: DomainRef): void {
    const status = this.registryStatus(d);
    if (status.persistent) writeAtomically(join(this.dirs.config, `${d.name}.xml`), this.xmlOf(d, XML_SECURE_INACTIVE));
    if (status.id >= 0) writeAtomically(this.runFile(d.name, "xml"), this.xmlOf(d, 1));
  }

  private xmlOf(d: DomainRef, flags: number): string {
    this.ask(d, "domainXML", flags);
    return this.core.outputText();
  }

  /** Starts the first time the driver opens after the host booted (the run directory is new). */
  private async autostartOnce(): Promise<void> {
    const marker = join(this.dirs.run, ".autostarted");
    if (existsSync(marker)) return;
    writeFileSync(marker, "");
    for (const ref of this.listAllDomains(2 | 1024)) {
      try {
        await this.domainCreate(ref, 0);
      } catch {
        // like libvirt: a domain that fails to autostart stays off; the others still start
      }
    }
  }

  // ---- node -----------------------------------------------------------------------------------------

  getHostname(): string {
    return hostname();
  }

  /** The kernel's version, as libvirt's LXC driver reports it (major * 1,000,000 + minor * 1,000 + micro). */
  getVersion(): number {
    const [major = 0, minor = 0, micro = 0] = release().split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
    return major * 1_000_000 + minor * 1_000 + micro;
  }

  getNodeInfo(): NodeInfo {
    const list = cpus();
    return { model: "x86_64", memory: Math.floor(totalmem() / 1024), cpus: list.length, mhz: list[0]?.speed ?? 0, nodes: 1, sockets: 1, cores: list.length, threads: 1 };
  }

  getCapabilities(): string {
    return `<capabilities>

  <host>
    <cpu>
      <arch>x86_64</arch>
    </cpu>
  </host>

  <guest>
    <os_type>exe</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <emulator>/usr/libexec/virtkit-lxc-supervisor</emulator>
      <domain type='lxc'/>
    </arch>
  </guest>

</capabilities>
`;
  }

  getSecurityModel(): SecurityModel {
    return { model: "none", doi: "0" };
  }

  domainGetSecurityLabel(): SecurityLabel {
    return { label: "", enforcing: false };
  }

  listAllDomains(flags: number): DomainRef[] {
    this.sync();
    return super.listAllDomains(flags);
  }

  lookupByName(name: string): DomainRef {
    this.sync();
    return super.lookupByName(name);
  }

  lookupByUUID(uuid: readonly [number, number, number, number]): DomainRef {
    this.sync();
    return super.lookupByUUID(uuid);
  }

  lookupByID(id: number): DomainRef {
    this.sync();
    return super.lookupByID(id);
  }

  // ---- definitions ------------------------------------------------------------------------------------

  defineXML(xml: string, flags: number): Promise<DomainRef> {
    return this.locked(() => {
      const ref = this.define(xml, flags);
      this.persist(ref);
      return ref;
    });
  }

  domainUndefine(d: DomainRef, flags: number): Promise<void> {
    return this.locked(() => {
      super.domainUndefine(d, flags);
      rmSync(join(this.dirs.config, `${d.name}.xml`), { force: true });
      rmSync(join(this.dirs.config, "autostart", d.name), { force: true });
    });
  }

  domainSetAutostart(d: DomainRef, autostart: boolean): Promise<void> {
    return this.locked(() => {
      super.domainSetAutostart(d, autostart);
      const mark = join(this.dirs.config, "autostart", d.name);
      if (autostart) writeFileSync(mark, "");
      else rmSync(mark, { force: true });
    });
  }

  // ---- starting ------------------------------------------------------------------------------------------

  /** Carries out a start plan; returns the supervisor's pid (the domain's id). */
  private async runPlan(name: string, plan: string): Promise<number> {
    const files = cgroupFiles(plan);
    rmSync(this.runFile(name, "status"), { force: true });
    mkdirSync(this.runFile(name, "root"), { recursive: true });
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
      return report.supervisorPid;
    }
    removeCgroups(this.shim, files.dirs);
    this.cleanupRun(name, false);
    rmSync(this.runFile(name, "status"), { force: true });
    const exec = /^exec (\S+)/.exec(report.step);
    const why =
      exec && report.errno === 2
        ? `cannot find init path '${exec[1]}' relative to container root: ${strerrorOf(report.errno)}`
        : `${report.step}: ${strerrorOf(report.errno)}`;
    throw lxcError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, `internal error: guest failed to start: ${why}`);
  }

  domainCreate(d: DomainRef, flags: number): Promise<void> {
    return this.locked(async () => {
      if (flags !== 0) this.checkFlags(flags, 0, "lxcDomainCreateWithFlags");
      this.ask(d, "lxcPlanStart");
      const id = await this.runPlan(d.name, this.core.outputText());
      this.dispatch(this.ask(d, "lxcCommitStart", id, 0, 1));
      this.persist(d);
    });
  }

  createXML(xml: string, flags: number): Promise<DomainRef> {
    return this.locked(async () => {
      if (flags !== 0) this.checkFlags(flags, 0, "lxcDomainCreateXMLWithFiles");
      const c = this.core;
      c.call("lxcPlanCreate", this.node.handle, c.writeText(xml));
      const plan = c.outputText();
      const name = /^status\t(.*)\.status$/m.exec(plan)?.[1]?.split("/").pop() ?? "";
      const id = await this.runPlan(name, plan);
      const ref = this.oneDomain(c.call("lxcCommitCreate", this.node.handle, c.writeText(xml), id));
      this.persist(ref);
      return ref;
    });
  }

  private checkFlags(flags: number, allowed: number, fn: string): void {
    const extra = flags & ~allowed;
    if (extra !== 0) throw new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, ErrorDomain.VIR_FROM_LXC, `invalid argument: unsupported flags (0x${extra.toString(16)}) in function ${fn}`);
  }

  // ---- stopping --------------------------------------------------------------------------------------------

  private requireActive(d: DomainRef): void {
    this.ask(d, "lxcCheckPause", 1); // "domain is not running" unless active
  }

  domainDestroy(d: DomainRef, flags: number): Promise<void> {
    return this.locked(async () => {
      this.checkFlags(flags, 1, "lxcDomainDestroyFlags");
      this.requireActive(d);
      try {
        await supervisorCommand(this.runFile(d.name, "sock"), "destroy");
      } catch {
        // no supervisor to ask: end the container through its cgroups
        this.killOrphan(d.name);
      }
      this.dispatch(this.ask(d, "lxcCommitStopped", Shutoff.DESTROYED, 1));
      this.cleanupRun(d.name, true);
    });
  }

  /** Kills every process left in a container whose supervisor died. */
  private killOrphan(name: string): void {
    const files = this.planOf(name)?.files;
    for (const dir of files?.dirs ?? []) {
      try {
        for (const pid of this.shim.cgroupRead(join(dir, "cgroup.procs")).split("\n").filter(Boolean)) process.kill(Number(pid), "SIGKILL");
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
  }

  domainShutdown(d: DomainRef, flags: number): Promise<void> {
    return this.locked(async () => {
      this.checkFlags(flags, 4 | 8, "lxcDomainShutdownFlags");
      this.requireActive(d);
      // libvirt's LXC driver asks init to stop with SIGTERM; init decides (a shell ignores it).
      await supervisorCommand(this.runFile(d.name, "sock"), "shutdown 15");
    });
  }

  domainReboot(d: DomainRef, flags: number): Promise<void> {
    return this.locked(async () => {
      this.checkFlags(flags, 4 | 8, "lxcDomainReboot");
      this.requireActive(d);
      await supervisorCommand(this.runFile(d.name, "sock"), "reboot");
    });
  }

  // ---- pausing ------------------------------------------------------------------------------------------------

  private setFrozen(d: DomainRef, pause: boolean): Promise<void> {
    return this.locked(async () => {
      this.ask(d, "lxcCheckPause", pause ? 1 : 0);
      const freezer = this.planOf(d.name)?.files.freezer;
      if (!freezer) throw lxcError(ErrorNumber.VIR_ERR_OPERATION_FAILED, "operation failed: the container has no freezer cgroup");
      try {
        this.shim.cgroupWrite(freezer.file, pause ? freezer.frozen : freezer.thawed);
        // v1 passes through FREEZING; a suspend returns once every task is stopped
        for (let i = 0; pause && freezer.frozen === "FROZEN" && i < 1000 && this.shim.cgroupRead(freezer.file).trim() !== "FROZEN"; i++) {
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (e) {
        throw new VirtError(ErrorNumber.VIR_ERR_SYSTEM_ERROR, ErrorDomain.VIR_FROM_CGROUP, `Unable to write to '${freezer.file}': ${(e as Error).message}`);
      }
      this.dispatch(this.ask(d, "lxcCommitPause", pause ? 1 : 0));
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
    this.sync();
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

  domainGetXMLDesc(d: DomainRef, flags: number): string {
    this.sync();
    return super.domainGetXMLDesc(d, flags) as string;
  }

  domainSetMemoryFlags(d: DomainRef, kib: number, flags: number): Promise<void> {
    return this.locked(() => {
      const before = this.registryStatus(d);
      this.ask(d, "domainSetMemory", kib, flags);
      const live = (flags & AFFECT_LIVE) !== 0 || ((flags & (AFFECT_LIVE | AFFECT_CONFIG)) === 0 && before.id >= 0);
      if (live && before.id >= 0 && (flags & 4) === 0) {
        this.ask(d, "lxcLiveSettings");
        applySettings(this.shim, this.core.outputText());
      }
      this.persist(d);
    });
  }

  domainSetMaxMemory(d: DomainRef, kib: number): Promise<void> {
    return this.domainSetMemoryFlags(d, kib, 4);
  }

  domainSetVcpusFlags(d: DomainRef, count: number, flags: number): Promise<void> {
    return this.locked(() => {
      this.ask(d, "domainSetVcpus", count, flags);
      this.persist(d);
    });
  }

  // ---- scheduler (libvirt's "posix": cpu_shares, vcpu_period, vcpu_quota) ----------------------------

  domainGetSchedulerType(): { type: string; nparams: number } {
    return { type: "posix", nparams: 3 };
  }

  domainGetSchedulerParameters(d: DomainRef, flags: number): TypedParameter[] {
    this.sync();
    this.ask(d, "lxcSchedParams", flags);
    const params = this.core
      .outputText()
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [field, type, value] = line.split("\t");
        return { field, type: Number(type), value: Number(value) } as TypedParameter;
      });
    const live = (flags & AFFECT_LIVE) !== 0 || ((flags & AFFECT_CONFIG) === 0 && this.registryStatus(d).id >= 0);
    return live ? this.cgroupSchedValues(d.name, params) : params;
  }

  /** A running container's values as its cgroups have them (libvirt reads them there too). */
  private cgroupSchedValues(name: string, params: TypedParameter[]): TypedParameter[] {
    const dirs = this.planOf(name)?.files.dirs ?? [];
    const v1 = dirs.find((dir) => /\/cpu\/virtkit\//.test(dir));
    const read = (file: string) => this.shim.cgroupRead(file).trim();
    try {
      if (v1) {
        const values: Record<string, number> = {
          cpu_shares: Number(read(join(v1, "cpu.shares"))),
          vcpu_period: Number(read(join(v1, "cpu.cfs_period_us"))),
          vcpu_quota: Number(read(join(v1, "cpu.cfs_quota_us"))),
        };
        return params.map((p) => ({ ...p, value: values[p.field] ?? p.value }));
      }
      const dir = dirs[0];
      if (!dir) return params;
      const [quota, period] = read(join(dir, "cpu.max")).split(" ");
      const values: Record<string, number> = { cpu_shares: Number(read(join(dir, "cpu.weight"))), vcpu_period: Number(period), vcpu_quota: quota === "max" ? -1 : Number(quota) };
      return params.map((p) => ({ ...p, value: values[p.field] ?? p.value }));
    } catch {
      return params;
    }
  }

  domainSetSchedulerParameters(d: DomainRef, params: TypedParameter[], flags: number): Promise<void> {
    return this.locked(() => {
      const before = this.registryStatus(d);
      const c = this.core;
      const text = new TextEncoder().encode(params.map((p) => `${p.field}\t${p.type}\t${String(p.value)}\n`).join(""));
      const u = d.uuid;
      const nameLen = c.writeInput((d as CoreDomainRef).nameBytes, text);
      c.call("lxcSetSchedParams", this.node.handle, u[0], u[1], u[2], u[3], nameLen, text.length, flags);
      const live = (flags & AFFECT_LIVE) !== 0 || ((flags & AFFECT_CONFIG) === 0 && before.id >= 0);
      if (live && before.id >= 0) {
        this.ask(d, "lxcLiveSettings");
        applySettings(this.shim, this.core.outputText());
      }
      this.persist(d);
    });
  }

  // ---- console --------------------------------------------------------------------------------------------------

  async domainOpenConsole(d: DomainRef, devName: string | null, flags: number): Promise<ConsoleStream> {
    this.sync();
    this.requireActive(d);
    try {
      return await openConsoleSocket(this.runFile(d.name, "sock"), (flags & 1) !== 0);
    } catch (e) {
      const why = (e as Error).message;
      if (why === "busy") throw lxcError(ErrorNumber.VIR_ERR_OPERATION_FAILED, "operation failed: Active console session exists for this domain");
      throw lxcError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, `internal error: cannot find character device ${devName ?? "<null>"}`);
    }
  }
}
