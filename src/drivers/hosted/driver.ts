// Drivers whose domains run as host processes started from a plan the core writes: lxc:///
// (one supervisor per container) and kvm:/// (one VMM process per guest). core.wasm decides (the
// registry, states, which definitions run, the plan); this class keeps the truth on disk
// (node-dirs.ts) so that every process sees the same node, and talks to the per-domain process
// (control-client.ts).
//
// - Jobs: a change of a domain holds that domain's job lock (node-lock.ts) for the whole
//   operation; only the registry step of define and create (name and UUID uniqueness) holds the
//   node's lock, briefly. A change of one domain never waits on another's.
// - Incremental state: a process remembers each domain's files as it last saw them (inode, size,
//   modification time) and reloads only the domains whose files changed.
// - Crash-consistent starts: a start first records its intent (start-intent.ts: who starts,
//   the definition it starts). Whoever finds an intent whose owner is gone finishes the start
//   (the instance runs: it is reported running, its live XML written) or undoes it (its
//   processes killed, cgroups and files removed).
// - Instances: each run has its own token (the plan's `instance`), in its status file's and
//   socket's names; an instance that ends never touches a later one's files.
// Other processes' changes reach listeners as events (event-diff.ts).
import { existsSync, readdirSync, rmSync, statSync, watch, type FSWatcher } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { DomainCrashedReason, DomainPausedReason, DomainRunningReason, DomainState } from "../../constants.js";
import { ErrorDomain, ErrorNumber, VirtError } from "../../errors.js";
import { Core, coreModule } from "../../host/core.js";
import { loadNativeShim, type NativeShim } from "../../host/native.js";
import { nodeCoreImports } from "../../host/core-imports.js";
import { CoreDriver, CoreNode, DomainOp } from "../core-driver.js";
import { uuidString, type ConsoleStream, type DomainRef, type DomainStatsEntry, type HypervisorDriver, type LifecycleEvent, type DomainInterface, type InterfaceStats, type NetworkDHCPLease, type NetworkLifecycleEvent, type NetworkRef, type NetworkStatus, type NetworkSummary, type NodeInfo, type SecurityLabel, type SecurityModel } from "../driver.js";
import { HostNetworks, networkDirs } from "../network/host-networks.js";
import { arpAddresses, findInterface, leaseAddresses, tapOf, tapStats } from "./nics.js";
import { DomainInterfaceAddressesSource } from "../../constants.js";
import type { NetworkUpdateCommand, NetworkUpdateSection } from "../../constants.js";
import { NoAnswerError, NOT_RUNNING_REPLY, openConsoleSocket, supervisorCommand } from "./control-client.js";
import { eventsBetween, type SeenStates } from "./event-diff.js";
import { capabilitiesXML, hostNodeInfo, kernelVersion, type GuestKind } from "./host-info.js";
import { createNodeDirs, runFilePath, settledStamp, type NodeDirs, type RunFile } from "./node-dirs.js";
import { NodeJournal } from "./node-journal.js";
import { readSnapshot, removeSnapshot, snapshotHeader, writeSnapshot } from "./definition-snapshot.js";
import { lockJob, lockNode, releaseJob, tryLockJob } from "./node-lock.js";
import { killProcess, processCommandLine, processStartTicks, waitUntilGone, waitUntilGoneNow } from "./proc.js";
import { activeOnDisk, readStatus, Shutoff, shutoffReason, writeShutoffStatus } from "./status-file.js";
import { readText, writeAtomically } from "./text-file.js";
import { planValue } from "./plan-lines.js";
import { readIntent, stopHere, writeIntent, type Intent } from "./start-intent.js";

const XML_SECURE_INACTIVE = 1 | 2;
/** How long a question trusts the last look at the disk (look()). */
const LOOK_FRESH_MS = 1;
/** How often a process defining or undefining domains saves the definitions snapshot at most. */
const SNAPSHOT_EVERY_MS = 100;
const { VIR_DOMAIN_RUNNING: RUNNING, VIR_DOMAIN_PAUSED: PAUSED, VIR_DOMAIN_CRASHED: CRASHED } = DomainState;

let hostedCore: Core | undefined;
/** One core for the process's hosted nodes, over the real host functions (randomness, clock). */
function core(): Core {
  hostedCore ??= new Core(coreModule(), nodeCoreImports);
  return hostedCore;
}

/** An instance's status file: NAME.TOKEN.status (NAME.status from before instance tokens: token ""). */
const STATUS_FILE = /^(.+)\.([0-9a-f]{12})\.status$/;
/** The other per-domain files a scan looks at. */
const RUN_FILE = /^(.+)\.(xml|plan|start|status)$/;

/** A domain's files in the run directory, as one scan found them. */
interface RunEntry {
  kinds: Set<string>;
  /** Tokens of its status files. */
  tokens: string[];
}

/** A file's identity and version ("-" when missing): another process's change shows in it. */
function fileSignature(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return "-";
  }
}

/** A started domain: its id (its process's pid), its serial line's pty ("" for none), its NICs' taps in <interface> order. */
export interface Started {
  id: number;
  pty: string;
  taps?: string[];
}

export abstract class HostedDriver extends CoreDriver implements HypervisorDriver {
  abstract readonly type: string;
  protected readonly shim: NativeShim;
  /** The run directory's modification time when last scanned. */
  private stamp = "";
  private closed = false;
  /** What each domain's state was when this process last looked: UUID → [state, reason]. */
  private seen: SeenStates = new Map();
  private watcher: FSWatcher | undefined;
  /** How many of this process's changes are under way: the watcher waits for them to finish. */
  private busy = 0;
  /** Each domain's runtime files as this process last saw them: name → signature, and the files. */
  private readonly known = new Map<string, string>();
  private readonly runFiles = new Map<string, RunEntry | undefined>();
  /** The names with a definition, and with an autostart mark, as the journal keeps them current. */
  private readonly defined = new Set<string>();
  private autostart = new Set<string>();
  /** The domains whose autostart this process's registry has on. */
  private readonly marked = new Set<string>();
  /** When sync() last ran (performance.now()): look() skips another within LOOK_FRESH_MS. */
  private lastSync = -Infinity;
  /** When this process last saved the definitions snapshot after a change (definitionsChanged). */
  private snapshotSaved = -Infinity;
  /** Whether the registry was loaded once (a first load may come from the definitions snapshot). */
  private loaded = false;
  /** Which definitions changed since this process last looked (node-journal.ts). */
  private readonly journal: NodeJournal;
  /** Each domain's current instance token (its plan's, else its last status file's). */
  private readonly instances = new Map<string, string>();
  /** How domains found ended since the last events ended (shutoff reasons), for those events. */
  private readonly endReasons = new Map<string, number>();
  /** Domains with something to finish or remove (an intent whose owner is gone, an end unrecorded, old instances' files). */
  private readonly unsettled = new Set<string>();

  protected constructor(
    readonly uri: string,
    protected readonly dirs: NodeDirs,
    /** libvirt's error domain for this driver's errors (VIR_FROM_LXC, VIR_FROM_QEMU). */
    protected readonly errorDomain: number,
    /** The prefix of libvirt's function names in flag errors ("lxc", "qemu"). */
    private readonly fnPrefix: string,
  ) {
    super(core(), new CoreNode(-1));
    this.journal = new NodeJournal(dirs.run);
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
    // as libvirtd: autostart networks first, so that autostart domains find theirs running
    if (existsSync(networkDirs(this.dirs).config)) await this.networks.autostartOnce();
    await this.autostartOnce();
  }

  // ---- what each kind of domain does its own way --------------------------------------------------

  /** What the core's hostedNodeOpen needs to know of this driver's node besides its run directory. */
  protected abstract nodeFacts(): { kind: "lxc" | "kvm"; dumpDir: string; cgroups: string };
  /** Carries out a start plan; returns the domain's id (its process's pid) and its serial/console pty, if any. */
  protected abstract runPlan(name: string, plan: string): Promise<Started>;
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

  /** Forgets what was cached about a domain's plan (its plan file changed). */
  protected forgetPlan(_name: string): void {}

  /**
   * Removes a finished domain's runtime files (the status stays: it says how it ended);
   * resourcesToo: also what its process removes when it ends normally (a container's cgroups).
   */
  protected cleanupRun(name: string, _resourcesToo: boolean): void {
    rmSync(this.runFile(name, "sock"), { force: true });
    for (const kind of ["xml", "plan", "unpaused"] as const) rmSync(this.runFile(name, kind), { force: true });
    rmSync(this.runFile(name, "root"), { recursive: true, force: true });
  }

  /** The name a domain XML gives (its job lock is taken before the core reads it); "" when it has none or cannot be read. */
  private nameIn(xml: string): string {
    try {
      return this.core.documentName(xml);
    } catch {
      return ""; // the core refuses the document in the registry step, in its own words
    }
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
        if (this.busy === 0) this.announceChanges();
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

  /** Reloads what changed on disk, telling listeners what changed since this process last looked. */
  private announceChanges(): void {
    if (this.closed) return;
    const before = this.seen;
    this.sync();
    if (this.node.listeners.size === 0) return;
    const after = this.states();
    const events = eventsBetween(before, after, (name) => this.endReasons.get(name) ?? shutoffReason(readStatus(this.runFile(name, "status"))));
    this.endReasons.clear();
    this.seen = after;
    if (events.length > 0) for (const listener of this.node.listeners) listener(events);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    this.hostNetworks?.stopWatching();
    if (this.node.handle >= 0) this.core.nodeClose(this.node.handle);
  }

  // ---- the node's state on disk ------------------------------------------------------------------

  /**
   * Brings the registry up to date with the disk: only the domains whose files changed since
   * this process last looked are read again; then what is left unsettled (starts whose owner is
   * gone, ends nobody recorded, old instances' files) is finished where its job lock is free.
   */
  protected sync(): void {
    this.lastSync = performance.now();
    if (this.node.listeners.size === 0) this.endReasons.clear(); // (kept only for the next events)
    // before anything asks whether a domain's process lives: a supervisor this process started
    // that has ended is a zombie (and would look alive) until reaped
    this.shim.reapSupervisors();
    if (this.node.handle < 0) {
      const facts = this.nodeFacts();
      this.node.handle = this.core.hostedNodeOpen(facts.kind, this.dirs.run, facts.dumpDir, facts.cgroups);
    }
    const definitions = this.journal.changes();
    const stamp = settledStamp(this.dirs.run);
    const runChanged = stamp === "" || stamp !== this.stamp;
    if (runChanged || definitions === "all" || definitions.size > 0) this.scan(definitions, runChanged);
    this.stamp = stamp;
    if (this.unsettled.size > 0) this.settleWhereFree();
  }

  /**
   * What a question (not a change) does first: sync(), unless this process did within the last
   * millisecond. A command asking after 1,000 domains looks at the disk a few times, not 2,000;
   * what it answers is then at most a millisecond old (a change holds its job lock and always
   * syncs).
   */
  protected look(): void {
    if (performance.now() - this.lastSync >= LOOK_FRESH_MS) this.sync();
  }

  /**
   * Reloads the domains whose definitions the journal names (all of them: every definition is
   * read) and, when the run directory changed, those whose runtime files differ from what this
   * process saw last (inode, size, modification time).
   */
  private scan(definitions: Set<string> | "all", runChanged: boolean): void {
    const changed = new Set<string>();
    // a first look at the node may take its definitions from the snapshot (the directory's
    // header taken before it is read: a change meanwhile makes it another)
    const before = definitions === "all" && !this.loaded ? snapshotHeader(this.dirs.config) : undefined;
    if (definitions === "all") {
      this.defined.clear();
      for (const file of readdirSync(this.dirs.config)) if (file.endsWith(".xml")) this.defined.add(file.slice(0, -".xml".length));
      this.autostart = new Set(readdirSync(join(this.dirs.config, "autostart")));
      for (const name of this.defined) changed.add(name);
      for (const name of this.known.keys()) changed.add(name);
    } else {
      for (const name of definitions) {
        changed.add(name);
        if (existsSync(join(this.dirs.config, `${name}.xml`))) this.defined.add(name);
        else this.defined.delete(name);
        if (existsSync(join(this.dirs.config, "autostart", name))) this.autostart.add(name);
        else this.autostart.delete(name);
      }
    }
    if (runChanged) {
      const run = new Map<string, RunEntry>();
      const entry = (name: string) => run.get(name) ?? run.set(name, { kinds: new Set(), tokens: [] }).get(name)!;
      for (const file of readdirSync(this.dirs.run)) {
        const instance = STATUS_FILE.exec(file);
        if (instance) entry(instance[1]).tokens.push(instance[2]);
        else {
          const m = RUN_FILE.exec(file);
          if (m?.[2] === "status") entry(m[1]).tokens.push("");
          else if (m) entry(m[1]).kinds.add(m[2]);
        }
      }
      for (const name of new Set([...run.keys(), ...this.known.keys()])) {
        const files = run.get(name);
        let signature = "";
        if (files && files.kinds.size === 0 && !this.defined.has(name)) {
          // status files only, of a domain not defined (an ended transient one, or one
          // undefined): left for removal, not read
          signature = "stale";
          this.unsettled.add(name);
        } else if (files) {
          for (const kind of files.kinds) signature += `|${kind}=${fileSignature(this.runFile(name, kind as RunFile))}`;
          for (const token of files.tokens) signature += `|${token}=${fileSignature(this.instanceFile(name, token, "status"))}`;
        }
        if (signature === (this.known.get(name) ?? "")) continue;
        if (signature === "") this.known.delete(name);
        else this.known.set(name, signature);
        this.runFiles.set(name, files);
        changed.add(name);
      }
    }
    // definitions with no runtime files come from the snapshot when there is one for the
    // directory as it is; the others (and any it lacks) from their files
    const snapshot = before && readSnapshot(this.dirs.run, before.header);
    const fromSnapshot = new Set<string>();
    for (const name of changed) {
      if (this.known.get(name) === "stale") continue;
      if (snapshot !== undefined && this.defined.has(name) && this.runFiles.get(name) === undefined) fromSnapshot.add(name);
      else this.reload(name, this.defined.has(name), this.autostart.has(name), this.runFiles.get(name));
    }
    if (fromSnapshot.size > 0) this.loadSnapshot(snapshot!, fromSnapshot);
    else if (before?.settled && snapshot === undefined && before.header === snapshotHeader(this.dirs.config).header) {
      // every definition was read from its file, and none changed meanwhile: the next process need not
      this.saveSnapshot(before.header);
    }
    this.loaded = true;
    // reloading replays states: nobody is told of them as events of this process's own
    if (this.core.eventCount() > 0) this.core.takeEvents();
  }

  /**
   * After a definition changed on disk (holding the node's registry lock): the snapshot saved
   * again, or (when this process saved one within SNAPSHOT_EVERY_MS: a burst of defines does not
   * write 1,000 definitions each time) removed, so that none stands for the directory as it was.
   */
  private definitionsChanged(): void {
    const now = performance.now();
    if (now - this.snapshotSaved < SNAPSHOT_EVERY_MS) return removeSnapshot(this.dirs.run);
    this.saveSnapshot(snapshotHeader(this.dirs.config).header);
    this.snapshotSaved = now;
  }

  /** Saves the registry's persistent definitions as the snapshot of the directory the header describes. */
  private saveSnapshot(header: string): void {
    const blob = this.core.hostedSaveDefinitions(this.node.handle);
    writeSnapshot(this.dirs.run, header, new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength));
  }

  /**
   * Adds the snapshot's definitions of these domains (inactive, with no runtime files: none is
   * in the registry yet) to the registry; one the snapshot lacks is read from its file.
   */
  private loadSnapshot(snapshot: Uint8Array, names: Set<string>): void {
    let added = 0;
    try {
      added = this.core.hostedLoadDefinitions(this.node.handle, snapshot);
    } catch {
      // damaged: every file is read
    }
    // (the snapshot holds every definition of the directory as it is, so it adds all of them
    // unless a file holds one this build did not read when the snapshot was made)
    const all = added === names.size;
    for (const name of names) {
      const ref = all ? undefined : this.find(name);
      if (!all && ref === undefined) this.reload(name, true, this.autostart.has(name), undefined);
      else if (this.autostart.has(name)) {
        const marked = ref ?? this.find(name);
        if (marked === undefined) continue;
        this.core.domainOp(this.node.handle, marked, DomainOp.SET_AUTOSTART, 1);
        this.marked.add(name);
      }
    }
  }

  /**
   * Reads one domain again: its run state, then its definition and autostart mark (a running
   * domain's definition is its next boot's, kept beside the live one).
   */
  private reload(name: string, defined: boolean, autostart: boolean, files: RunEntry | undefined): void {
    const c = this.core;
    const handle = this.node.handle;
    this.forgetPlan(name);
    this.instances.delete(name);
    const plan = files?.kinds.has("plan") ? readText(this.runFile(name, "plan")) : undefined;
    const instance = plan === undefined ? undefined : planValue(plan, "instance");
    if (instance !== undefined) this.instances.set(name, instance);
    else if (files && files.tokens.length > 0) this.instances.set(name, this.newestInstance(name, files.tokens));
    if (files && (files.tokens.length > 1 || (instance !== undefined && files.tokens.some((t) => t !== instance)))) this.unsettled.add(name);
    // running: replayed before its definition, which becomes the next boot's
    const running = files !== undefined && this.restoreRunning(name, files);
    let ref: DomainRef | undefined;
    if (defined) {
      const xml = readText(join(this.dirs.config, `${name}.xml`));
      try {
        if (xml !== undefined) ref = c.domainDefine(handle, xml, 0);
      } catch {
        // a definition this build cannot read stays on disk untouched
      }
    } else {
      ref = this.find(name);
      // undefined by another process: inactive, it is gone; running, it stays, transient
      if (ref && this.registryStatus(ref).persistent) c.domainOp(handle, ref, DomainOp.UNDEFINE, 0);
      ref = this.find(name);
    }
    // the mark as it is now (a domain this process has not marked has autostart off)
    if (ref && defined && autostart !== this.marked.has(name)) {
      c.domainOp(handle, ref, DomainOp.SET_AUTOSTART, autostart ? 1 : 0);
      if (autostart) this.marked.add(name);
      else this.marked.delete(name);
    }
    if (!defined) this.marked.delete(name);
    if (!running && ref) this.restoreEnded(name, ref, files);
  }

  /** Of a domain's status files, the one written last (its last run's). */
  private newestInstance(name: string, tokens: string[]): string {
    let newest = tokens[0];
    let newestTime = -1;
    for (const token of tokens) {
      const time = statSync(this.instanceFile(name, token, "status"), { throwIfNoEntry: false })?.mtimeMs ?? -1;
      if (time > newestTime) [newest, newestTime] = [token, time];
    }
    return newest;
  }

  private find(name: string): DomainRef | undefined {
    try {
      return this.core.domainLookupByName(this.node.handle, name);
    } catch {
      return undefined;
    }
  }

  /**
   * Replays a running domain into the core (with its live XML); false when it is not running (or
   * is being started: by its owner, or, the owner gone, to be finished or undone).
   */
  private restoreRunning(name: string, files: RunEntry): boolean {
    const c = this.core;
    if (files.kinds.has("start")) {
      // looked at again at each sync until settled: its owner may die meanwhile, and whoever
      // then takes the domain's job lock finishes or undoes the start
      this.unsettled.add(name);
      const ref = this.find(name);
      return ref !== undefined && ref.id >= 0;
    }
    const status = readStatus(this.runFile(name, "status"));
    const supervisor = Number(status.supervisor);
    const live = files.kinds.has("xml") ? readText(this.runFile(name, "xml")) : undefined;
    const alive = activeOnDisk(status) && this.domainProcessAlive(supervisor, status.started);
    if (!alive || live === undefined) return false;
    if (status.state === "crashed") {
      c.hostedRestoreRunning(this.node.handle, live, supervisor, CRASHED, DomainCrashedReason.VIR_DOMAIN_CRASHED_PANICKED);
      return true;
    }
    const paused = this.pausedOnDisk(name, status);
    // running since it booted, or since it was resumed (the reason libvirt then gives)
    const resumed = status.reason === "unpaused" || existsSync(this.runFile(name, "unpaused"));
    const reason = paused ? DomainPausedReason.VIR_DOMAIN_PAUSED_USER : resumed ? DomainRunningReason.VIR_DOMAIN_RUNNING_UNPAUSED : DomainRunningReason.VIR_DOMAIN_RUNNING_BOOTED;
    c.hostedRestoreRunning(this.node.handle, live, supervisor, paused ? PAUSED : RUNNING, reason);
    return true;
  }

  /** Replays how a domain that is not running ended: recorded by its process, or (still "running") gone without a record. */
  private restoreEnded(name: string, ref: DomainRef, files: RunEntry | undefined): void {
    if (files?.kinds.has("start")) return;
    const status = files && files.tokens.length > 0 ? readStatus(this.runFile(name, "status")) : {};
    const reason = activeOnDisk(status) ? Shutoff.CRASHED : shutoffReason(status);
    // (one this process has seen inactive keeps its reason when nothing says otherwise)
    if (ref.id >= 0 || status.state !== undefined) this.core.hostedCommitStopped(this.node.handle, ref, reason, false);
    // a transient domain is gone now, and its status file goes when it is settled: the stopped
    // event's detail comes from here
    if (ref.id >= 0) this.endReasons.set(name, reason);
    if (files?.kinds.has("plan")) this.unsettled.add(name);
  }

  /** The file of kind for a domain: its status and socket are its current instance's. */
  protected runFile(name: string, kind: RunFile): string {
    if (kind === "status" || kind === "sock") return this.instanceFile(name, this.instances.get(name) ?? "", kind);
    return runFilePath(this.dirs, name, kind);
  }

  /** Instance token's status file or socket: NAME.TOKEN.KIND (NAME.KIND from before instance tokens: token ""). */
  private instanceFile(name: string, token: string, kind: "status" | "sock"): string {
    return join(this.dirs.run, token === "" ? `${name}.${kind}` : `${name}.${token}.${kind}`);
  }

  // ---- starts and ends left unfinished -----------------------------------------------------------

  /** Finishes what is unsettled wherever its domain's job lock is free now (its holder sees to the others). */
  private settleWhereFree(): void {
    for (const name of [...this.unsettled]) {
      const fd = tryLockJob(this.shim, this.dirs.run, name, "settle");
      if (fd === null) continue;
      try {
        this.settle(name);
      } finally {
        // a name nothing is left of keeps no lock file either
        releaseJob(this.shim, this.dirs.run, name, fd, this.find(name) === undefined && !existsSync(this.runFile(name, "start")));
      }
    }
    if (this.core.eventCount() > 0) this.dispatch();
  }

  /**
   * Finishes or undoes what a dead process left of a domain; holding its job lock. A start whose
   * owner is gone: its instance runs (adopted: running, live XML written) or is removed with all
   * it left. An end nobody recorded: what is left is killed, the end recorded, the files removed.
   * Status files of instances that are not the current one, or of a domain not defined, go.
   */
  private settle(name: string): void {
    this.unsettled.delete(name);
    const intent = readIntent(this.runFile(name, "start"));
    const killed: number[] = [];
    if (intent) {
      if (intent.instance !== "") this.instances.set(name, intent.instance);
      const status = readStatus(this.runFile(name, "status"));
      const pid = Number(status.supervisor);
      if (activeOnDisk(status) && this.domainProcessAlive(pid, status.started)) return this.adopt(name, intent, pid, status);
      killed.push(...this.killOrphan(name));
      if (this.domainProcessAlive(pid, status.started)) {
        killed.push(pid);
        killProcess(pid);
      }
      waitUntilGoneNow(killed);
      this.cleanupRun(name, true);
      rmSync(this.runFile(name, "status"), { force: true });
      rmSync(this.runFile(name, "start"), { force: true });
      this.instances.delete(name);
    } else if (existsSync(this.runFile(name, "plan"))) {
      const status = readStatus(this.runFile(name, "status"));
      if (!activeOnDisk(status)) this.cleanupRun(name, false);
      else if (!this.domainProcessAlive(Number(status.supervisor), status.started)) {
        waitUntilGoneNow(this.killDomainProcesses(name, "crashed"));
        this.cleanupRun(name, true);
        const ref = this.find(name);
        if (ref) this.core.hostedCommitStopped(this.node.handle, ref, Shutoff.CRASHED, true);
      }
    }
    this.removeOldInstances(name);
  }

  /** Removes the status files of a domain's ended instances: all of them but the current one, all if it is not defined. */
  private removeOldInstances(name: string): void {
    const defined = this.find(name) !== undefined;
    const current = this.instances.get(name);
    const prefix = `${name}.`;
    for (const file of readdirSync(this.dirs.run)) {
      if (!file.startsWith(prefix)) continue;
      const instance = STATUS_FILE.exec(file);
      const token = instance?.[1] === name ? instance[2] : file === `${name}.status` ? "" : undefined;
      if (token === undefined || (defined && token === current)) continue;
      const status = readStatus(join(this.dirs.run, file));
      if (activeOnDisk(status) && this.domainProcessAlive(Number(status.supervisor), status.started)) continue; // (still running: never an old one's to remove)
      rmSync(join(this.dirs.run, file), { force: true });
    }
    if (!defined) this.instances.delete(name);
  }

  /** A start whose owner died after its instance reported: the domain runs, as if the start had finished. */
  private adopt(name: string, intent: Intent, pid: number, status: Record<string, string>): void {
    this.loadNetworks();
    const ref = this.core.hostedCommitCreate(this.node.handle, intent.xml, pid);
    this.recordHostSide(ref, { id: pid, pty: status.pty ?? "", taps: status.taps?.split(",") });
    this.persist(ref);
    rmSync(this.runFile(name, "start"), { force: true });
    this.removeOldInstances(name);
  }

  // ---- jobs -----------------------------------------------------------------------------------------

  /**
   * Runs fn holding domain `name`'s job lock (waiting at most 30 s for another operation on that
   * domain, VIRTKIT_JOB_WAIT_MS): operation names this one to whoever waits. What a dead process
   * left of the domain is settled first.
   */
  protected async job<T>(name: string, operation: string, fn: () => Promise<T> | T, forget?: () => boolean): Promise<T> {
    const fd = await lockJob(this.shim, this.dirs.run, name, operation, (holder) =>
      this.error(ErrorNumber.VIR_ERR_OPERATION_TIMEOUT, `Timed out during operation: cannot acquire state change lock${holder ? ` (held by ${holder})` : ""}`),
    );
    this.busy++;
    try {
      this.announceChanges();
      if (this.unsettled.has(name) || existsSync(this.runFile(name, "start"))) this.settle(name);
      if (this.core.eventCount() > 0) this.dispatch();
      return await fn();
    } finally {
      if (this.watcher) this.seen = this.states();
      this.busy--;
      releaseJob(this.shim, this.dirs.run, name, fd, forget?.() ?? false);
      // what domains' processes wrote meanwhile reached the watcher while it was waiting
      // (a change that has begun meanwhile looks for itself)
      if (this.watcher) {
        setImmediate(() => {
          if (this.busy === 0) this.announceChanges();
        });
      }
    }
  }

  /** Runs fn holding the node's registry lock: only for the steps that must see every domain at once. */
  private async registryStep<T>(fn: () => T): Promise<T> {
    const fd = await lockNode(this.shim, this.dirs.run, () => this.error(ErrorNumber.VIR_ERR_OPERATION_TIMEOUT, "Timed out during operation: cannot acquire state change lock (held by the node's registry)"));
    try {
      this.sync();
      return fn();
    } finally {
      this.shim.closeFd(fd);
    }
  }

  /** Writes what disk must say after a change of d: its persistent and live definitions. */
  protected persist(d: DomainRef): void {
    const status = this.registryStatus(d);
    if (status.persistent) {
      writeAtomically(join(this.dirs.config, `${d.name}.xml`), this.xmlOf(d, XML_SECURE_INACTIVE));
      this.journal.record(d.name);
    }
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

  // ---- virtual networks (shared by lxc:/// and kvm:///: network/host-networks.ts) ---------------

  private hostNetworks: HostNetworks | undefined;

  /**
   * The host's networks into the core before a start is planned or committed: its interfaces of
   * type 'network' find their bridges there. Nothing to do on a host that never had a network.
   */
  private loadNetworks(): void {
    if (this.hostNetworks !== undefined || existsSync(networkDirs(this.dirs).config)) this.networks.load();
  }

  /** The host's networks, their directories made on first use. */
  private get networks(): HostNetworks {
    this.hostNetworks ??= new HostNetworks(this.core, () => this.node.handle, this.shim, networkDirs(this.dirs), (n, event) => this.networkEvent(n, event));
    return this.hostNetworks;
  }

  /** Network events also for other processes' changes: while anyone listens, the networks' directories are watched. */
  subscribeNetworks(listener: (event: NetworkLifecycleEvent) => void): () => void {
    const unsubscribe = super.subscribeNetworks(listener);
    this.networks.startWatching();
    return () => {
      unsubscribe();
      if (this.node.networkListeners.size === 0) this.hostNetworks?.stopWatching();
    };
  }

  listAllNetworks(flags: number): NetworkSummary[] {
    return this.networks.listAllNetworks(flags);
  }

  networkDefineXML(xml: string): Promise<NetworkRef> {
    return this.networks.networkDefineXML(xml);
  }

  networkCreateXML(xml: string): Promise<NetworkRef> {
    return this.networks.networkCreateXML(xml);
  }

  networkLookupByName(name: string): NetworkRef {
    return this.networks.networkLookupByName(name);
  }

  networkLookupByUUID(uuid: readonly [number, number, number, number]): NetworkRef {
    return this.networks.networkLookupByUUID(uuid);
  }

  networkCreate(n: NetworkRef): Promise<void> {
    return this.networks.networkCreate(n);
  }

  networkDestroy(n: NetworkRef): Promise<void> {
    return this.networks.networkDestroy(n);
  }

  networkUndefine(n: NetworkRef): Promise<void> {
    return this.networks.networkUndefine(n);
  }

  networkSetAutostart(n: NetworkRef, autostart: boolean): Promise<void> {
    return this.networks.networkSetAutostart(n, autostart);
  }

  networkGetStatus(n: NetworkRef): NetworkStatus {
    return this.networks.networkGetStatus(n);
  }

  networkGetBridgeName(n: NetworkRef): string {
    return this.networks.networkGetBridgeName(n);
  }

  networkGetXMLDesc(n: NetworkRef, flags: number): string {
    return this.networks.networkGetXMLDesc(n, flags);
  }

  networkGetDHCPLeases(n: NetworkRef, mac: string | null, flags: number): NetworkDHCPLease[] {
    return this.networks.networkGetDHCPLeases(n, mac, flags);
  }

  networkUpdate(n: NetworkRef, command: NetworkUpdateCommand, section: NetworkUpdateSection, parentIndex: number, xml: string, flags: number): Promise<void> {
    return this.networks.networkUpdate(n, command, section, parentIndex, xml, flags);
  }

  // ---- a running domain's NICs (kvm:/// taps, containers' veths) ----------------------------------

  /** A running domain's NIC (its host side's name, or its MAC): the host side's counters, swapped to the guest's view. */
  domainInterfaceStats(d: DomainRef, device: string): InterfaceStats {
    this.requireActive(d);
    const nic = findInterface(this.domainGetXMLDesc(d, 0), device);
    if (!nic) throw new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, ErrorDomain.VIR_FROM_DOMAIN, `invalid argument: '${device}' is not a known interface`);
    const stats = tapStats(tapOf(nic));
    if (!stats) throw this.error(ErrorNumber.VIR_ERR_INTERNAL_ERROR, "internal error: /proc/net/dev: Interface not found");
    return stats;
  }

  /** A running domain's NICs' addresses: its networks' DHCP leases, or the host's ARP table. */
  domainInterfaceAddresses(d: DomainRef, source: number, flags: number): DomainInterface[] {
    this.checkFlags(flags, 0, `${this.fnPrefix}DomainInterfaceAddresses`);
    this.requireActive(d);
    const { VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE: LEASE, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP: ARP } = DomainInterfaceAddressesSource;
    const xml = this.domainGetXMLDesc(d, 0);
    if (source === ARP) return arpAddresses(xml);
    if (source !== LEASE) return this.unknownAddressSource(source);
    if (this.hostNetworks === undefined && !existsSync(networkDirs(this.dirs).config)) return [];
    return leaseAddresses(xml, (network, mac) => {
      try {
        return this.networks.networkGetDHCPLeases(this.networks.networkLookupByName(network), mac, 0);
      } catch {
        return []; // (a network gone since: no leases)
      }
    });
  }

  /** An address source this driver has not (libvirt's words; kvm:/// names its missing agent). */
  protected unknownAddressSource(source: number): never {
    throw this.error(ErrorNumber.VIR_ERR_ARGUMENT_UNSUPPORTED, `argument unsupported: Unknown IP address data source ${source}`);
  }

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
    this.look();
    return super.listAllDomains(flags);
  }

  getAllDomainStats(stats: number, flags: number): DomainStatsEntry[] {
    this.look();
    return super.getAllDomainStats(stats, flags);
  }

  protected statsFunction(): [string, number] {
    return [`${this.fnPrefix}ConnectGetAllDomainStats`, this.errorDomain];
  }

  lookupByName(name: string): DomainRef {
    this.look();
    return super.lookupByName(name);
  }

  lookupByUUID(uuid: readonly [number, number, number, number]): DomainRef {
    this.look();
    return super.lookupByUUID(uuid);
  }

  lookupByID(id: number): DomainRef {
    this.look();
    return super.lookupByID(id);
  }

  // ---- definitions ------------------------------------------------------------------------------------

  defineXML(xml: string, flags: number): Promise<DomainRef> {
    const step = () =>
      this.registryStep(() => {
        this.refuseUuidOfStartUnderWay(name, xml);
        const ref = this.define(xml, flags);
        this.persist(ref);
        this.definitionsChanged();
        return ref;
      });
    const name = this.nameIn(xml);
    return name === "" || name.includes("/") ? step() : this.job(name, "defineXML", step); // (the core refuses such a name)
  }

  domainUndefine(d: DomainRef, flags: number): Promise<void> {
    let gone = false;
    return this.job(
      d.name,
      "domainUndefine",
      () =>
        this.registryStep(() => {
          const wasActive = this.registryStatus(d).id >= 0;
          super.domainUndefine(d, flags);
          rmSync(join(this.dirs.config, `${d.name}.xml`), { force: true });
          rmSync(join(this.dirs.config, "autostart", d.name), { force: true });
          this.journal.record(d.name);
          this.definitionsChanged();
          // An inactive domain is gone, and so is what its runs left: a later domain of the name
          // starts with no state of its own. (A running one stays, transient, with its files; its
          // log stays too, as libvirt keeps a domain's log.)
          if (!wasActive) {
            this.cleanupRun(d.name, false);
            rmSync(this.runFile(d.name, "start"), { force: true });
            this.removeOldInstances(d.name);
            gone = true;
          }
        }),
      () => gone,
    );
  }

  domainSetAutostart(d: DomainRef, autostart: boolean): Promise<void> {
    return this.job(d.name, "domainSetAutostart", () => {
      super.domainSetAutostart(d, autostart);
      if (autostart) this.marked.add(d.name);
      else this.marked.delete(d.name);
      const mark = join(this.dirs.config, "autostart", d.name);
      if (autostart) writeAtomically(mark, "");
      else rmSync(mark, { force: true });
      this.journal.record(d.name);
    });
  }

  // ---- starting ------------------------------------------------------------------------------------------

  domainCreate(d: DomainRef, flags: number): Promise<void> {
    return this.job(d.name, "domainCreate", async () => {
      if (flags !== 0) this.checkFlags(flags, 0, `${this.fnPrefix}DomainCreateWithFlags`);
      this.loadNetworks();
      const plan = this.core.hostedPlanStart(this.node.handle, d);
      await this.start(d.name, plan, this.xmlOf(d, XML_SECURE_INACTIVE), (started) => {
        this.loadNetworks();
        this.core.hostedCommitStart(this.node.handle, d, started.id, false, true);
        this.dispatch();
        this.recordHostSide(d, started);
        this.persist(d);
      });
    });
  }

  createXML(xml: string, flags: number): Promise<DomainRef> {
    const create = async () => {
      if (flags !== 0) this.checkFlags(flags, 0, `${this.fnPrefix}DomainCreateXML${this.fnPrefix === "lxc" ? "WithFiles" : ""}`);
      const c = this.core;
      // the intent is recorded in the same registry step as the checks: from then on another
      // process's define or create sees the domain's name and UUID taken (refuseUuidOfStartUnderWay)
      const plan = await this.registryStep(() => {
        this.refuseUuidOfStartUnderWay(name, xml);
        this.loadNetworks();
        const planned = c.hostedPlanCreate(this.node.handle, xml);
        writeIntent(this.runFile(name, "start"), planValue(planned, "instance") ?? "", xml);
        return planned;
      });
      let ref: DomainRef | undefined;
      await this.start(
        name,
        plan,
        xml,
        (started) => {
          this.loadNetworks();
          ref = this.announced(c.hostedCommitCreate(this.node.handle, xml, started.id));
          this.recordHostSide(ref, started);
          this.persist(ref);
        },
        true,
      );
      return ref!;
    };
    const name = this.nameIn(xml);
    return name === "" || name.includes("/") ? create() : this.job(name, "createXML", create);
  }

  /**
   * Carries out a start plan for domain `name`, its intent recorded first (NAME.start: this
   * process, the instance, the definition `xml` it starts), and commits the result; the intent
   * goes once the live XML is written. A process that dies on the way leaves the intent, and
   * whoever finds it finishes or undoes the start (settle). intentWritten: the caller recorded it.
   */
  private async start(name: string, plan: string, xml: string, commit: (started: Started) => void, intentWritten = false): Promise<void> {
    const instance = planValue(plan, "instance") ?? "";
    const previous = this.instances.get(name);
    // (createXML writes it itself, in the registry step of its checks)
    if (!intentWritten) writeIntent(this.runFile(name, "start"), instance, xml);
    stopHere("start-intent");
    this.instances.set(name, instance);
    let started: Started;
    try {
      started = await this.runPlan(name, plan);
    } catch (e) {
      if (previous === undefined) this.instances.delete(name);
      else this.instances.set(name, previous);
      rmSync(this.runFile(name, "start"), { force: true });
      throw e;
    }
    stopHere("start-reported");
    commit(started);
    rmSync(this.runFile(name, "start"), { force: true });
    this.removeOldInstances(name);
  }

  /**
   * Refuses a definition whose UUID another process's createXML has taken, its start under way
   * (its intent recorded, the domain not yet in this registry), as libvirt refuses a UUID its
   * list holds under another name. Holding the node's registry lock.
   */
  private refuseUuidOfStartUnderWay(name: string, xml: string): void {
    const starting = [...this.runFiles].filter(([other, files]) => other !== name && files?.kinds.has("start") && this.find(other) === undefined);
    if (starting.length === 0) return;
    const uuid = this.core.documentUuid(xml);
    if (uuid === "") return; // (a UUID made for it takes no other's)
    for (const [other] of starting) {
      const intent = readIntent(this.runFile(other, "start"));
      let theirs = "";
      try {
        theirs = intent === undefined ? "" : this.core.documentUuid(intent.xml);
      } catch {
        // an intent whose definition does not parse reserves nothing
      }
      if (theirs === uuid) throw this.error(ErrorNumber.VIR_ERR_OPERATION_FAILED, `operation failed: domain '${other}' is already defined with uuid ${uuid}`);
    }
  }

  /** What the start made on the host, in the live XML: the serial line's pty, the NICs' taps. */
  private recordHostSide(d: DomainRef, started: Started): void {
    const taps = (started.taps ?? []).join("\t");
    if (started.pty !== "" || taps !== "") this.core.hostedSetHostSide(this.node.handle, d, started.pty, taps);
  }

  protected checkFlags(flags: number, allowed: number, fn: string): void {
    const extra = flags & ~allowed;
    if (extra !== 0) throw new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, this.errorDomain, `unsupported flags (0x${extra.toString(16)}) in function ${fn}`);
  }

  // ---- stopping --------------------------------------------------------------------------------------------

  /** "domain is not running" unless the domain is active, and (running) its guest runs (not crashed and kept). */
  protected requireActive(d: DomainRef, running = false): void {
    this.core.hostedCheckActive(this.node.handle, d, running);
  }

  domainDestroy(d: DomainRef, flags: number): Promise<void> {
    return this.job(d.name, "domainDestroy", async () => {
      this.checkFlags(flags, 1, `${this.fnPrefix}DomainDestroyFlags`);
      this.requireActive(d);
      try {
        await supervisorCommand(this.runFile(d.name, "sock"), "destroy");
        stopHere("destroy-answered");
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
    return this.job(d.name, "domainShutdown", async () => {
      this.checkFlags(flags, 4 | 8, `${this.fnPrefix}DomainShutdownFlags`);
      this.requireActive(d, true);
      await this.guestCommand(d, this.shutdownCommand);
    });
  }

  domainReboot(d: DomainRef, flags: number): Promise<void> {
    return this.job(d.name, "domainReboot", async () => {
      this.checkFlags(flags, 4 | 8, `${this.fnPrefix}DomainReboot`);
      this.requireActive(d, true);
      await this.guestCommand(d, "reboot");
    });
  }

  domainGetXMLDesc(d: DomainRef, flags: number): string {
    this.look();
    return super.domainGetXMLDesc(d, flags) as string;
  }

  domainSetVcpusFlags(d: DomainRef, count: number, flags: number): Promise<void> {
    return this.job(d.name, "domainSetVcpusFlags", () => {
      this.core.domainSetVcpus(this.node.handle, d, count, flags);
      this.persist(d);
    });
  }

  // ---- console --------------------------------------------------------------------------------------------------

  async domainOpenConsole(d: DomainRef, devName: string | null, flags: number): Promise<ConsoleStream> {
    this.look();
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
