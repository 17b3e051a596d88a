// Drivers whose domains run as host processes started from a plan the core writes: lxc:///
// (one supervisor per container) and kvm:/// (one VMM process per guest). core.wasm decides (the
// registry, states, which definitions run, the plan); this class keeps the truth on disk
// (node-dirs.ts) so that every process sees the same node, and talks to the per-domain process
// (control-client.ts). Every change happens under the node's lock (node-lock.ts); a process that
// finds the directories changed since it last looked reloads them, and tells its listeners what
// changed meanwhile (event-diff.ts).
import { existsSync, readdirSync, rmSync, watch, type FSWatcher } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { DomainCrashedReason, DomainPausedReason, DomainRunningReason, DomainState } from "../../constants.js";
import { ErrorDomain, ErrorNumber, VirtError } from "../../errors.js";
import { Core, coreModule } from "../../host/core.js";
import { loadNativeShim, type NativeShim } from "../../host/native.js";
import { nodeCoreImports } from "../../host/core-imports.js";
import { CoreDriver, CoreNode, DomainOp } from "../core-driver.js";
import { uuidString, type ConsoleStream, type DomainRef, type HypervisorDriver, type LifecycleEvent, type NodeInfo, type SecurityLabel, type SecurityModel } from "../driver.js";
import { NoAnswerError, NOT_RUNNING_REPLY, openConsoleSocket, supervisorCommand } from "./control-client.js";
import { eventsBetween, type SeenStates } from "./event-diff.js";
import { capabilitiesXML, hostNodeInfo, kernelVersion, type GuestKind } from "./host-info.js";
import { createNodeDirs, dirStamp, runFilePath, type NodeDirs, type RunFile } from "./node-dirs.js";
import { lockNode } from "./node-lock.js";
import { killProcess, processCommandLine, processStartTicks, waitUntilGone } from "./proc.js";
import { activeOnDisk, readStatus, Shutoff, shutoffReason, writeShutoffStatus } from "./status-file.js";
import { readText, writeAtomically } from "./text-file.js";

const XML_SECURE_INACTIVE = 1 | 2;
const { VIR_DOMAIN_RUNNING: RUNNING, VIR_DOMAIN_PAUSED: PAUSED, VIR_DOMAIN_CRASHED: CRASHED } = DomainState;

let hostedCore: Core | undefined;
/** One core for the process's hosted nodes, over the real host functions (randomness, clock). */
function core(): Core {
  hostedCore ??= new Core(coreModule(), nodeCoreImports);
  return hostedCore;
}

export abstract class HostedDriver extends CoreDriver implements HypervisorDriver {
  abstract readonly type: string;
  protected readonly shim: NativeShim;
  /** The directories' modification times when last loaded. */
  private stamp = "";
  private closed = false;
  /** What each domain's state was when this process last looked: UUID → [state, reason]. */
  private seen: SeenStates = new Map();
  private watcher: FSWatcher | undefined;
  /** Set while this process changes the node: the watcher waits for the change to finish. */
  private busy = false;
  /** Domains found ended whose runtime files are removed at the next change (under the lock). */
  private readonly ended = new Set<string>();

  protected constructor(
    readonly uri: string,
    protected readonly dirs: NodeDirs,
    /** libvirt's error domain for this driver's errors (VIR_FROM_LXC, VIR_FROM_QEMU). */
    protected readonly errorDomain: number,
    /** The prefix of libvirt's function names in flag errors ("lxc", "qemu"). */
    private readonly fnPrefix: string,
  ) {
    super(core(), new CoreNode(-1));
    try {
      this.shim = loadNativeShim();
    } catch (e) {
      throw new VirtError(ErrorNumber.VIR_ERR_NO_CONNECT, ErrorDomain.VIR_FROM_NONE, `no connection driver available for ${uri}: ${(e as Error).message}`);
    }
  }

  /** Creates the directories, loads the node and autostarts (once per host boot). */
  protected async prepare(runMode: number): Promise<void> {
    createNodeDirs(this.dirs, runMode, this.errorDomain);
    this.sync();
    await this.autostartOnce();
  }

  // ---- what each kind of domain does its own way --------------------------------------------------

  /** What the core's hostedNodeOpen needs to know of this driver's node besides its run directory. */
  protected abstract nodeFacts(): { kind: "lxc" | "kvm"; dumpDir: string; cgroups: string };
  /** Carries out a start plan; returns the domain's id (its process's pid) and its serial/console pty, if any. */
  protected abstract runPlan(name: string, plan: string): Promise<{ id: number; pty: string }>;
  /** Whether a running domain is paused, from its status file (and its process's state). */
  protected abstract pausedOnDisk(name: string, status: Record<string, string>): boolean;
  /** What the command line of every process of this driver's domains names (its program's file). */
  protected abstract readonly processMarks: readonly string[];

  /**
   * Whether pid is a live process of this driver's domains: running (a zombie has ended), still
   * our program, and (when the status file says) the one that started at `started`. A process
   * that died unrecorded leaves its pid in a status file, and the pid may since belong to
   * anything, another domain's process included: that must neither keep the domain running nor
   * be killed.
   */
  protected domainProcessAlive(pid: number, started: string | undefined): boolean {
    if (!(pid > 0)) return false;
    const commandLine = processCommandLine(pid); // empty for a zombie
    if (!this.processMarks.some((mark) => commandLine.includes(mark))) return false;
    return started === undefined || processStartTicks(pid) === started; // (status files from before "started")
  }

  /** Kills what a domain's process leaves behind when it is gone (a container's processes); returns their pids. */
  protected killOrphan(_name: string): number[] {
    return [];
  }

  /** Forgets what was cached about plans (the node is being reloaded). */
  protected forgetPlans(): void {}

  /**
   * Removes a finished domain's runtime files (the status stays: it says how it ended);
   * resourcesToo: also what its process removes when it ends normally (a container's cgroups).
   */
  protected cleanupRun(name: string, _resourcesToo: boolean): void {
    for (const kind of ["xml", "plan", "sock", "unpaused"] as const) rmSync(this.runFile(name, kind), { force: true });
    rmSync(this.runFile(name, "root"), { recursive: true, force: true });
  }

  protected error(code: number, message: string): VirtError {
    return new VirtError(code, this.errorDomain, message);
  }

  /**
   * Lifecycle events also for what happens without this process: a domain that ends by itself,
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

  private states(): SeenStates {
    const states: SeenStates = new Map();
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
    const events = eventsBetween(before, after, (name) => shutoffReason(readStatus(this.runFile(name, "status"))));
    this.seen = after;
    if (events.length > 0) for (const listener of this.node.listeners) listener(events);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    if (this.node.handle >= 0) this.core.nodeClose(this.node.handle);
  }

  // ---- the node's state on disk ------------------------------------------------------------------

  /** Reloads the node when another process (or this one) changed the directories. */
  protected sync(): void {
    // before anything asks whether a domain's process lives: a supervisor this process started
    // that has ended is a zombie (and would look alive) until reaped
    this.shim.reapSupervisors();
    const stamp = dirStamp(this.dirs);
    if (stamp !== "" && stamp === this.stamp) return;
    const c = this.core;
    const facts = this.nodeFacts();
    const handle = c.hostedNodeOpen(facts.kind, this.dirs.run, facts.dumpDir, facts.cgroups);
    if (this.node.handle >= 0) c.nodeClose(this.node.handle);
    this.node.handle = handle;
    this.forgetPlans();
    for (const file of readdirSync(this.dirs.config)) {
      if (!file.endsWith(".xml")) continue;
      const xml = readText(join(this.dirs.config, file));
      if (xml === undefined) continue;
      try {
        c.domainDefine(handle, xml, 0);
      } catch {
        // a definition this build cannot read stays on disk untouched
      }
    }
    for (const name of readdirSync(join(this.dirs.config, "autostart"))) {
      const ref = this.find(name);
      if (ref) this.op(ref, DomainOp.SET_AUTOSTART, 1);
    }
    for (const file of readdirSync(this.dirs.run)) {
      if (file.endsWith(".status")) this.restoreDomain(file.slice(0, -".status".length));
    }
    this.stamp = stamp;
  }

  private find(name: string): DomainRef | undefined {
    try {
      return this.core.domainLookupByName(this.node.handle, name);
    } catch {
      return undefined;
    }
  }

  /** Replays a domain's status into the core: running (with its live XML), or how it ended. */
  private restoreDomain(name: string): void {
    const status = readStatus(this.runFile(name, "status"));
    const supervisor = Number(status.supervisor);
    const live = readText(this.runFile(name, "xml"));
    const c = this.core;
    const alive = activeOnDisk(status) && this.domainProcessAlive(supervisor, status.started);
    if (alive && live !== undefined) {
      if (status.state === "crashed") return c.hostedRestoreRunning(this.node.handle, live, supervisor, CRASHED, DomainCrashedReason.VIR_DOMAIN_CRASHED_PANICKED);
      const paused = this.pausedOnDisk(name, status);
      // running since it booted, or since it was resumed (the reason libvirt then gives)
      const resumed = status.reason === "unpaused" || existsSync(this.runFile(name, "unpaused"));
      const reason = paused ? DomainPausedReason.VIR_DOMAIN_PAUSED_USER : resumed ? DomainRunningReason.VIR_DOMAIN_RUNNING_UNPAUSED : DomainRunningReason.VIR_DOMAIN_RUNNING_BOOTED;
      c.hostedRestoreRunning(this.node.handle, live, supervisor, paused ? PAUSED : RUNNING, reason);
      return;
    }
    // Being started by another process right now (its live definition comes next): not ended.
    if (alive) return;
    const ref = this.find(name);
    // Ended: recorded by its process, or (still "running") it is gone without recording it.
    const reason = activeOnDisk(status) ? Shutoff.CRASHED : shutoffReason(status);
    if (ref) c.hostedCommitStopped(this.node.handle, ref, reason, false);
    if (existsSync(this.runFile(name, "plan"))) this.ended.add(name);
  }

  protected runFile(name: string, kind: RunFile): string {
    return runFilePath(this.dirs, name, kind);
  }

  /** Runs fn holding the node's state-change lock (waiting for another process's change). */
  protected async locked<T>(fn: () => Promise<T> | T): Promise<T> {
    const fd = await lockNode(this.shim, this.dirs.run, () => this.error(ErrorNumber.VIR_ERR_OPERATION_TIMEOUT, "Timed out during operation: cannot acquire state change lock"));
    this.busy = true;
    try {
      this.announceChanges();
      // A process that died leaves what it ran (a container's processes) and its resources
      // (cgroups); one that recorded the end removed them. All are killed, then waited for at once.
      const unrecorded: string[] = [];
      const killed: number[] = [];
      for (const name of this.ended) {
        const status = readStatus(this.runFile(name, "status"));
        if (!activeOnDisk(status)) this.cleanupRun(name, false);
        else if (!this.domainProcessAlive(Number(status.supervisor), status.started)) {
          unrecorded.push(name);
          killed.push(...this.killDomainProcesses(name, "crashed"));
        }
        // (else it started again meanwhile)
      }
      await waitUntilGone(killed);
      for (const name of unrecorded) this.cleanupRun(name, true);
      this.ended.clear();
      return await fn();
    } finally {
      this.seen = this.states();
      this.busy = false;
      this.shim.closeFd(fd);
      // what domains' processes wrote meanwhile reached the watcher while it was waiting
      // (a change that has begun meanwhile looks for itself, under the lock)
      if (this.watcher) {
        setImmediate(() => {
          if (!this.busy) this.announceChanges();
        });
      }
    }
  }

  /** Writes what disk must say after a change of d: its persistent and live definitions. */
  protected persist(d: DomainRef): void {
    const status = this.registryStatus(d);
    if (status.persistent) writeAtomically(join(this.dirs.config, `${d.name}.xml`), this.xmlOf(d, XML_SECURE_INACTIVE));
    if (status.id >= 0) writeAtomically(this.runFile(d.name, "xml"), this.xmlOf(d, 1));
  }

  private xmlOf(d: DomainRef, flags: number): string {
    return this.core.domainXML(this.node.handle, d, flags);
  }

  /** Starts the first time the driver opens after the host booted (the run directory is new). */
  private async autostartOnce(): Promise<void> {
    const marker = join(this.dirs.run, ".autostarted");
    if (existsSync(marker)) return;
    writeAtomically(marker, "");
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

  /** The kernel's version (major * 1,000,000 + minor * 1,000 + micro), as libvirt's LXC driver reports it; KVM is part of it too. */
  getVersion(): number {
    return kernelVersion();
  }

  getNodeInfo(): NodeInfo {
    return hostNodeInfo();
  }

  /** The one kind of guest this driver runs, for its capabilities. */
  protected abstract readonly guest: GuestKind;

  getCapabilities(): string {
    return capabilitiesXML(this.guest);
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
      const wasActive = this.registryStatus(d).id >= 0;
      super.domainUndefine(d, flags);
      rmSync(join(this.dirs.config, `${d.name}.xml`), { force: true });
      rmSync(join(this.dirs.config, "autostart", d.name), { force: true });
      // An inactive domain is gone, and so is what its last run left: a later domain of the name
      // starts with no state of its own. (A running one stays, transient, with its files; its
      // log stays too, as libvirt keeps a domain's log.)
      if (!wasActive) {
        this.cleanupRun(d.name, false);
        rmSync(this.runFile(d.name, "status"), { force: true });
      }
    });
  }

  domainSetAutostart(d: DomainRef, autostart: boolean): Promise<void> {
    return this.locked(() => {
      super.domainSetAutostart(d, autostart);
      const mark = join(this.dirs.config, "autostart", d.name);
      if (autostart) writeAtomically(mark, "");
      else rmSync(mark, { force: true });
    });
  }

  // ---- starting ------------------------------------------------------------------------------------------

  domainCreate(d: DomainRef, flags: number): Promise<void> {
    return this.locked(async () => {
      if (flags !== 0) this.checkFlags(flags, 0, `${this.fnPrefix}DomainCreateWithFlags`);
      const { id, pty } = await this.runPlan(d.name, this.core.hostedPlanStart(this.node.handle, d));
      this.core.hostedCommitStart(this.node.handle, d, id, false, true);
      this.dispatch();
      this.recordPty(d, pty);
      this.persist(d);
    });
  }

  createXML(xml: string, flags: number): Promise<DomainRef> {
    return this.locked(async () => {
      if (flags !== 0) this.checkFlags(flags, 0, `${this.fnPrefix}DomainCreateXML${this.fnPrefix === "lxc" ? "WithFiles" : ""}`);
      const c = this.core;
      const plan = c.hostedPlanCreate(this.node.handle, xml);
      const name = c.documentName(xml);
      const { id, pty } = await this.runPlan(name, plan);
      const ref = this.announced(c.hostedCommitCreate(this.node.handle, xml, id));
      this.recordPty(ref, pty);
      this.persist(ref);
      return ref;
    });
  }

  /** A started domain's serial line (or console) is the host pty `path`: its live XML names it. */
  private recordPty(d: DomainRef, path: string): void {
    if (path === "") return;
    this.core.hostedSetPty(this.node.handle, d, path);
  }

  protected checkFlags(flags: number, allowed: number, fn: string): void {
    const extra = flags & ~allowed;
    if (extra !== 0) throw new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, this.errorDomain, `invalid argument: unsupported flags (0x${extra.toString(16)}) in function ${fn}`);
  }

  // ---- stopping --------------------------------------------------------------------------------------------

  /** "domain is not running" unless the domain is active, and (running) its guest runs (not crashed and kept). */
  protected requireActive(d: DomainRef, running = false): void {
    this.core.hostedCheckActive(this.node.handle, d, running);
  }

  domainDestroy(d: DomainRef, flags: number): Promise<void> {
    return this.locked(async () => {
      this.checkFlags(flags, 1, `${this.fnPrefix}DomainDestroyFlags`);
      this.requireActive(d);
      try {
        await supervisorCommand(this.runFile(d.name, "sock"), "destroy");
      } catch {
        // gone, or wedged: ends without it (as libvirt kills a QEMU that ignores SIGTERM)
        await waitUntilGone(this.killDomainProcesses(d.name, "destroyed"));
      }
      this.core.hostedCommitStopped(this.node.handle, d, Shutoff.DESTROYED, true);
      this.dispatch();
      this.cleanupRun(d.name, true);
    });
  }

  /**
   * Kills a domain's process (while it is still ours) and what it left, and records the end that
   * process could not record; returns the pids to wait for.
   */
  private killDomainProcesses(name: string, reason: "destroyed" | "crashed"): number[] {
    const statusFile = this.runFile(name, "status");
    const status = readStatus(statusFile);
    const pid = Number(status.supervisor);
    const killed = this.killOrphan(name);
    if (activeOnDisk(status) && this.domainProcessAlive(pid, status.started)) {
      killed.push(pid);
      killProcess(pid);
    }
    if (activeOnDisk(status)) writeShutoffStatus(statusFile, reason);
    return killed;
  }

  /**
   * Sends a command for the guest to its process. One it cannot take now (crashed and kept) is
   * "domain is not running"; a process that is gone, or does not answer, is an error too.
   */
  protected async guestCommand(d: DomainRef, command: string): Promise<string> {
    let reply: string;
    try {
      reply = await supervisorCommand(this.runFile(d.name, "sock"), command);
    } catch (e) {
      throw this.controlError(e, command.split(" ")[0]); // the operation, without its arguments
    }
    if (reply === NOT_RUNNING_REPLY) throw this.error(ErrorNumber.VIR_ERR_OPERATION_INVALID, "Requested operation is not valid: domain is not running");
    return reply;
  }

  /** libvirt's errors for a domain's process that does not answer, or has gone (its monitor closed). */
  private controlError(e: unknown, what: string): VirtError {
    if (e instanceof NoAnswerError) return this.error(ErrorNumber.VIR_ERR_OPERATION_TIMEOUT, `Timed out during operation: the domain's process did not answer '${what}' within ${e.waitedMs / 1000} s`);
    return this.error(ErrorNumber.VIR_ERR_OPERATION_FAILED, "operation failed: domain is no longer running");
  }

  /** The control command asking the guest to stop (it decides whether it does). */
  protected abstract readonly shutdownCommand: string;

  domainShutdown(d: DomainRef, flags: number): Promise<void> {
    return this.locked(async () => {
      this.checkFlags(flags, 4 | 8, `${this.fnPrefix}DomainShutdownFlags`);
      this.requireActive(d, true);
      await this.guestCommand(d, this.shutdownCommand);
    });
  }

  domainReboot(d: DomainRef, flags: number): Promise<void> {
    return this.locked(async () => {
      this.checkFlags(flags, 4 | 8, `${this.fnPrefix}DomainReboot`);
      this.requireActive(d, true);
      await this.guestCommand(d, "reboot");
    });
  }

  domainGetXMLDesc(d: DomainRef, flags: number): string {
    this.sync();
    return super.domainGetXMLDesc(d, flags) as string;
  }

  domainSetVcpusFlags(d: DomainRef, count: number, flags: number): Promise<void> {
    return this.locked(() => {
      this.core.domainSetVcpus(this.node.handle, d, count, flags);
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
      if (why === "busy") throw this.error(ErrorNumber.VIR_ERR_OPERATION_FAILED, "operation failed: Active console session exists for this domain");
      if (e instanceof NoAnswerError) throw this.controlError(e, "console");
      throw this.error(ErrorNumber.VIR_ERR_INTERNAL_ERROR, `internal error: cannot find character device ${devName ?? "<null>"}`);
    }
  }
}
