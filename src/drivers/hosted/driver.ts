// Drivers whose domains run as host processes started from a plan the core writes: lxc:///
// (one supervisor per container) and kvm:/// (one VMM process per guest). core.wasm decides (the
// registry, states, which definitions run, the plan); this file keeps the truth on disk so that
// every process sees the same node, and talks to the per-domain process:
//   <config>/NAME.xml        persistent definitions      (VIRTKIT_CONFIG_DIR/<driver>, default /etc/virtkit/<driver>)
//   <config>/autostart/NAME  autostart marks
//   <run>/NAME.xml           live definition of a running domain   (VIRTKIT_RUN_DIR/<driver>, default /run/virtkit/<driver>)
//   <run>/NAME.plan          the plan it was started with
//   <run>/NAME.status        written by the domain's process: running (paused), crashed (kept:
//                            on_crash preserve), or how it ended
//   <run>/NAME.sock          that process's control socket (destroy, shutdown, reboot, console, ...)
// Every change happens under an exclusive lock on <run>/.lock; a process that finds the
// directories changed since it last looked reloads them.
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, watch, writeFileSync, type FSWatcher } from "node:fs";
import { cpus, hostname, release, totalmem } from "node:os";
import { join } from "node:path";
import { DomainEventType as Event } from "../../constants.js";
import { ErrorDomain, ErrorNumber, VirtError } from "../../errors.js";
import { Core, coreModule } from "../../host/core.js";
import { loadNativeShim, type NativeShim } from "../../host/native.js";
import { nodeCoreImports } from "../../host/core-imports.js";
import { CoreDriver, CoreNode, Op, readDomains } from "../core-driver.js";
import { uuidString, type ConsoleStream, type DomainRef, type HypervisorDriver, type LifecycleEvent, type NodeInfo, type SecurityLabel, type SecurityModel } from "../driver.js";
import { NoAnswerError, NOT_RUNNING_REPLY, openConsoleSocket, supervisorCommand } from "./control-client.js";
import { planValue } from "./plan-lines.js";

export const enum Shutoff {
  UNKNOWN = 0,
  SHUTDOWN = 1,
  DESTROYED = 2,
  CRASHED = 3,
  FAILED = 6,
}

/** virDomainEventStoppedDetailType for a shutoff reason: shutdown 0, destroyed 1, crashed 2, failed 5. */
const STOPPED_DETAIL: Record<number, number> = { 1: 0, 2: 1, 3: 2, 6: 5 };

const REASONS: Record<string, number> = { shutdown: Shutoff.SHUTDOWN, destroyed: Shutoff.DESTROYED, crashed: Shutoff.CRASHED, failed: Shutoff.FAILED };

/** virDomainState of an active domain: running, paused, or crashed and kept (on_crash preserve). */
const [RUNNING, PAUSED, SHUTOFF, CRASHED] = [1, 3, 5, 6];
const isActive = (state: number) => state === RUNNING || state === PAUSED || state === CRASHED;

/** Whether a status file says its process still has the domain (running, or crashed and kept). */
const activeOnDisk = (status: Record<string, string>) => status.state === "running" || status.state === "crashed";

const XML_SECURE_INACTIVE = 1 | 2;
/** How long a change waits for another process's (libvirt waits 30 s for a job). */
const LOCK_WAIT_MS = 30_000;
/** How long the driver waits for processes it killed to be gone (libvirt waits up to 15 s after SIGKILL). */
const KILL_WAIT_MS = 5_000;
/** How long after a directory's change its mtime is not trusted to show the next one. */
const STAMP_SETTLE_NS = 50_000_000n;

let hostedCore: Core | undefined;
/** One core for the process's hosted nodes, over the real host functions (randomness, clock). */
function core(): Core {
  hostedCore ??= new Core(coreModule(), nodeCoreImports);
  return hostedCore;
}

/** Writes through a temporary file, flushed, then renamed into place. */
export function writeAtomically(path: string, data: string): void {
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

/** Whether a process exists and has not ended (a zombie has ended). */
export function processRunning(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

/** Waits (at most `ms`) until none of the processes runs; a process killed by SIGKILL ends within moments, unless stuck in the kernel. */
export async function waitUntilGone(pids: readonly number[], ms = KILL_WAIT_MS): Promise<void> {
  for (const until = Date.now() + ms; pids.some(processRunning) && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * The fields of a /proc/PID[/task/TID]/stat file, numbered as proc(5) numbers them (1 is the pid,
 * 2 the command name, 14 utime), or undefined once the process (or thread) is gone.
 */
export function procStat(path: string): string[] | undefined {
  const stat = readText(path);
  if (stat === undefined) return undefined;
  const nameEnd = stat.lastIndexOf(")"); // the name itself may hold spaces and parentheses
  return ["", stat.slice(0, stat.indexOf(" ")), stat.slice(stat.indexOf("(") + 1, nameEnd), ...stat.slice(nameEnd + 2).split(" ")];
}

/**
 * A process's start time (field 22 of its stat file, clock ticks since boot), or undefined when
 * there is none: with its pid it names one process for good, since a pid is reused only after
 * its process ended. Domains' processes record theirs in their status files ("started").
 */
export function processStartTicks(pid: number | "self"): string | undefined {
  return procStat(`/proc/${pid}/stat`)?.[22];
}

/** SIGKILL to a process that may have ended meanwhile (then there is nothing to do). */
export function killProcess(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // it ended meanwhile
  }
}

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** A status file's "key value" lines. */
export function parseStatus(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const space = line.indexOf(" ");
    if (space > 0) fields[line.slice(0, space)] = line.slice(space + 1);
  }
  return fields;
}

/** Where a hosted driver keeps its node; VIRTKIT_CONFIG_DIR / VIRTKIT_RUN_DIR move them (tests). */
export function hostedDirs(driver: "lxc" | "kvm", env: NodeJS.ProcessEnv = process.env): { config: string; run: string } {
  return {
    config: join(env.VIRTKIT_CONFIG_DIR || "/etc/virtkit", driver),
    run: join(env.VIRTKIT_RUN_DIR || "/run/virtkit", driver),
  };
}

/** A domain's runtime files; "unpaused" marks a guest resumed by a driver whose process does not record it (lxc). */
export type RunFile = "xml" | "plan" | "status" | "sock" | "root" | "log" | "unpaused";

export abstract class HostedDriver extends CoreDriver implements HypervisorDriver {
  abstract readonly type: string;
  protected readonly shim: NativeShim;
  /** The directories' modification times when last loaded. */
  private stamp = "";
  private closed = false;
  /** What each domain's state was when this process last looked: UUID → [state, reason]. */
  private seen = new Map<string, { ref: DomainRef; state: number; reason: number }>();
  private watcher: FSWatcher | undefined;
  /** Set while this process changes the node: the watcher waits for the change to finish. */
  private busy = false;
  /** Domains found ended whose runtime files are removed at the next change (under the lock). */
  private readonly ended = new Set<string>();

  protected constructor(
    readonly uri: string,
    protected readonly dirs: { config: string; run: string },
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
    mkdirSync(this.dirs.run, { recursive: true, mode: runMode });
    chmodSync(this.dirs.run, runMode);
    mkdirSync(join(this.dirs.config, "autostart"), { recursive: true, mode: 0o755 });
    this.sync();
    await this.autostartOnce();
  }

  // ---- what each kind of domain does its own way --------------------------------------------------

  /** "kind ..." and the other lines hostedNodeOpen reads. */
  protected abstract nodeFacts(): string;
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
    const commandLine = readText(`/proc/${pid}/cmdline`) ?? ""; // empty for a zombie
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
    for (const [uuid, now] of after) {
      const was = before.get(uuid);
      if (was === undefined || was.state === now.state) continue;
      const crashed = { dom: now.ref, event: Event.VIR_DOMAIN_EVENT_CRASHED, detail: 0 }; // panicked (kept by on_crash preserve)
      if (!isActive(was.state) && isActive(now.state)) {
        events.push({ dom: now.ref, event: Event.VIR_DOMAIN_EVENT_STARTED, detail: 0 }); // booted
        if (now.state === CRASHED) events.push(crashed); // and crashed since
      } else if (isActive(was.state) && now.state === SHUTOFF) events.push({ dom: now.ref, event: Event.VIR_DOMAIN_EVENT_STOPPED, detail: STOPPED_DETAIL[now.reason] ?? 0 });
      else if (was.state === RUNNING && now.state === PAUSED) events.push({ dom: now.ref, event: Event.VIR_DOMAIN_EVENT_SUSPENDED, detail: 0 }); // paused
      else if (was.state === PAUSED && now.state === RUNNING) events.push({ dom: now.ref, event: Event.VIR_DOMAIN_EVENT_RESUMED, detail: 0 }); // unpaused
      else if (now.state === CRASHED) events.push(crashed);
    }
    for (const [uuid, was] of before) {
      if (after.has(uuid) || !isActive(was.state)) continue;
      // a transient domain ended: its status file still says how
      const status = parseStatus(readText(this.runFile(was.ref.name, "status")) ?? "");
      events.push({ dom: was.ref, event: Event.VIR_DOMAIN_EVENT_STOPPED, detail: STOPPED_DETAIL[REASONS[status.reason] ?? Shutoff.UNKNOWN] ?? 0 });
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

  /**
   * The directories' modification times, or "" while one changed too recently to tell: a
   * directory's mtime moves in clock ticks, so a second change within the tick of the first
   * (a guest that ends as it starts) would look like no change at all.
   */
  private dirStamp(): string {
    const times = [this.dirs.config, this.dirs.run, join(this.dirs.config, "autostart")].map((dir) => statSync(dir, { bigint: true }).mtimeNs);
    const now = BigInt(Date.now()) * 1_000_000n;
    if (times.some((t) => now - t < STAMP_SETTLE_NS)) return "";
    return times.join(":");
  }

  /** Reloads the node when another process (or this one) changed the directories. */
  protected sync(): void {
    // before anything asks whether a domain's process lives: a supervisor this process started
    // that has ended is a zombie (and would look alive) until reaped
    this.shim.reapSupervisors();
    const stamp = this.dirStamp();
    if (stamp !== "" && stamp === this.stamp) return;
    const c = this.core;
    const handle = c.call("hostedNodeOpen", c.writeText(`rundir ${this.dirs.run}\n${this.nodeFacts()}`));
    if (this.node.handle >= 0) c.call("nodeClose", this.node.handle);
    this.node.handle = handle;
    this.forgetPlans();
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

  /** Replays a domain's status into the core: running (with its live XML), or how it ended. */
  private restoreDomain(name: string): void {
    const status = parseStatus(readText(this.runFile(name, "status")) ?? "");
    const supervisor = Number(status.supervisor);
    const live = readText(this.runFile(name, "xml"));
    const c = this.core;
    const alive = activeOnDisk(status) && this.domainProcessAlive(supervisor, status.started);
    if (alive && live !== undefined) {
      if (status.state === "crashed") return void c.call("hostedRestoreRunning", this.node.handle, c.writeText(live), supervisor, CRASHED, 1 /* panicked */);
      const paused = this.pausedOnDisk(name, status);
      // running since it booted, or since it was resumed (the reason libvirt then gives)
      const resumed = status.reason === "unpaused" || existsSync(this.runFile(name, "unpaused"));
      const reason = paused ? 1 /* user */ : resumed ? 5 : 1 /* booted */;
      c.call("hostedRestoreRunning", this.node.handle, c.writeText(live), supervisor, paused ? PAUSED : RUNNING, reason);
      return;
    }
    // Being started by another process right now (its live definition comes next): not ended.
    if (alive) return;
    const ref = this.find(name);
    // Ended: recorded by its process, or (still "running") it is gone without recording it.
    const reason = activeOnDisk(status) ? Shutoff.CRASHED : (REASONS[status.reason] ?? Shutoff.UNKNOWN);
    if (ref) this.ask(ref, "hostedCommitStopped", reason, 0);
    if (existsSync(this.runFile(name, "plan"))) this.ended.add(name);
  }

  protected runFile(name: string, kind: RunFile): string {
    return join(this.dirs.run, `${name}.${kind}`);
  }

  /** Runs fn holding the node's state-change lock (waiting for another process's change). */
  protected async locked<T>(fn: () => Promise<T> | T): Promise<T> {
    const lockPath = join(this.dirs.run, ".lock");
    const until = Date.now() + LOCK_WAIT_MS;
    let fd = this.shim.lockFile(lockPath);
    while (fd === null) {
      if (Date.now() > until) throw this.error(ErrorNumber.VIR_ERR_OPERATION_TIMEOUT, "Timed out during operation: cannot acquire state change lock");
      await new Promise((resolve) => setTimeout(resolve, 5));
      fd = this.shim.lockFile(lockPath);
    }
    this.busy = true;
    try {
      this.announceChanges();
      // A process that died leaves what it ran (a container's processes) and its resources
      // (cgroups); one that recorded the end removed them. All are killed, then waited for at once.
      const unrecorded: string[] = [];
      const killed: number[] = [];
      for (const name of this.ended) {
        const status = parseStatus(readText(this.runFile(name, "status")) ?? "");
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

  /** The kernel's version (major * 1,000,000 + minor * 1,000 + micro), as libvirt's LXC driver reports it; KVM is part of it too. */
  getVersion(): number {
    const [major = 0, minor = 0, micro = 0] = release().split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
    return major * 1_000_000 + minor * 1_000 + micro;
  }

  getNodeInfo(): NodeInfo {
    const list = cpus();
    return { model: "x86_64", memory: Math.floor(totalmem() / 1024), cpus: list.length, mhz: list[0]?.speed ?? 0, nodes: 1, sockets: 1, cores: list.length, threads: 1 };
  }

  /** The one kind of guest this driver runs, for its capabilities. */
  protected abstract readonly guest: { osType: string; emulator: string; domainType: string };

  getCapabilities(): string {
    return `<capabilities>

  <host>
    <cpu>
      <arch>x86_64</arch>
    </cpu>
  </host>

  <guest>
    <os_type>${this.guest.osType}</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <emulator>${this.guest.emulator}</emulator>
      <domain type='${this.guest.domainType}'/>
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
      if (autostart) writeFileSync(mark, "");
      else rmSync(mark, { force: true });
    });
  }

  // ---- starting ------------------------------------------------------------------------------------------

  domainCreate(d: DomainRef, flags: number): Promise<void> {
    return this.locked(async () => {
      if (flags !== 0) this.checkFlags(flags, 0, `${this.fnPrefix}DomainCreateWithFlags`);
      this.ask(d, "hostedPlanStart");
      const { id, pty } = await this.runPlan(d.name, this.core.outputText());
      this.dispatch(this.ask(d, "hostedCommitStart", id, 0, 1));
      this.recordPty(d, pty);
      this.persist(d);
    });
  }

  createXML(xml: string, flags: number): Promise<DomainRef> {
    return this.locked(async () => {
      if (flags !== 0) this.checkFlags(flags, 0, `${this.fnPrefix}DomainCreateXML${this.fnPrefix === "lxc" ? "WithFiles" : ""}`);
      const c = this.core;
      c.call("hostedPlanCreate", this.node.handle, c.writeText(xml));
      const plan = c.outputText();
      const name = /^(.*)\.status$/.exec(planValue(plan, "status") ?? "")?.[1]?.split("/").pop() ?? "";
      const { id, pty } = await this.runPlan(name, plan);
      const ref = this.oneDomain(c.call("hostedCommitCreate", this.node.handle, c.writeText(xml), id));
      this.recordPty(ref, pty);
      this.persist(ref);
      return ref;
    });
  }

  /** A started domain's serial line (or console) is the host pty `path`: its live XML names it. */
  private recordPty(d: DomainRef, path: string): void {
    if (path === "") return;
    const bytes = new TextEncoder().encode(path);
    this.askWithInput(d, "hostedSetPty", bytes, bytes.length);
  }

  protected checkFlags(flags: number, allowed: number, fn: string): void {
    const extra = flags & ~allowed;
    if (extra !== 0) throw new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, this.errorDomain, `invalid argument: unsupported flags (0x${extra.toString(16)}) in function ${fn}`);
  }

  // ---- stopping --------------------------------------------------------------------------------------------

  /** "domain is not running" unless the domain is active, and (running) its guest runs (not crashed and kept). */
  protected requireActive(d: DomainRef, running = false): void {
    this.ask(d, "hostedCheckActive", running ? 1 : 0);
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
      this.dispatch(this.ask(d, "hostedCommitStopped", Shutoff.DESTROYED, 1));
      this.cleanupRun(d.name, true);
    });
  }

  /**
   * Kills a domain's process (while it is still ours) and what it left, and records the end that
   * process could not record; returns the pids to wait for.
   */
  private killDomainProcesses(name: string, reason: "destroyed" | "crashed"): number[] {
    const statusFile = this.runFile(name, "status");
    const status = parseStatus(readText(statusFile) ?? "");
    const pid = Number(status.supervisor);
    const killed = this.killOrphan(name);
    if (activeOnDisk(status) && this.domainProcessAlive(pid, status.started)) {
      killed.push(pid);
      killProcess(pid);
    }
    if (activeOnDisk(status)) writeAtomically(statusFile, `state shutoff\nreason ${reason}\n`);
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
      this.ask(d, "domainSetVcpus", count, flags);
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
