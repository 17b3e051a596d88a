// The virtual networks of this host's nodes (lxc:/// and kvm:/// share them): libvirt's network
// driver. core.wasm decides (rules, assigned bridge and MAC, the host steps); this class keeps the
// truth on disk, so that every process and both drivers see the same networks:
//   <config>/network/NAME.xml           persistent configurations  (beside lxc/ and kvm/)
//   <config>/network/autostart/NAME     autostart marks
//   <run>/network/NAME.xml              the live definition of a running network
//   <run>/network/NAME.stop             its stop steps, written before its start steps run: a
//                                       start that died half way is undone from them
//   <run>/network/NAME.{conf,hostsfile,addnhosts,pid,leases}  its dnsmasq's files
//   <run>/network/.lock                 held through every change
// Every call loads the networks from disk into the core (they are few and small), lets the core
// decide, carries out the host steps (host-steps.ts) and writes back.
import { existsSync, readdirSync, rmSync, watch, type FSWatcher } from "node:fs";
import { dirname, join } from "node:path";
import { NetworkEventLifecycleType as Ev, NetworkUpdateFlags as Affect, NetworkXMLFlags, type NetworkUpdateCommand, type NetworkUpdateSection } from "../../constants.js";
import { ErrorDomain, ErrorNumber, VirtError } from "../../errors.js";
import type { Core } from "../../host/core.js";
import { NetworkOp } from "../../host/core-abi.gen.js";
import type { NativeShim } from "../../host/native.js";
import { uuidString, type NetworkDHCPLease, type NetworkRef, type NetworkStatus, type NetworkSummary } from "../driver.js";
import { networkBridge, networkSummaries } from "../core-driver.js";
import { createNodeDirs, type NodeDirs } from "../hosted/node-dirs.js";
import { lockNode } from "../hosted/node-lock.js";
import { decodeLines } from "../hosted/plan-lines.js";
import { readText, writeAtomically } from "../hosted/text-file.js";
import { runningDnsmasq, runStartSteps, runStopSteps, writeNetworkFile } from "./host-steps.js";
import { leasesOf } from "./leases.js";

/** A host's network directories, beside a hosted driver's own (NodeDirs of lxc:/// or kvm:///). */
export function networkDirs(driverDirs: NodeDirs): NodeDirs {
  return { config: join(dirname(driverDirs.config), "network"), run: join(dirname(driverDirs.run), "network") };
}

/** A network as a look at the disk found it: what other processes' changes are told against. */
interface SeenNetwork {
  ref: NetworkRef;
  active: boolean;
  persistent: boolean;
}

export class HostNetworks {
  /** While someone listens: the networks' directories watched, and what they held at the last look. */
  private watchers: FSWatcher[] = [];
  private seen = new Map<string, SeenNetwork>();

  constructor(
    private readonly core: Core,
    /** The hosted driver's node in the core (its handle may change when the driver reloads). */
    private readonly handle: () => number,
    private readonly shim: NativeShim,
    private readonly dirs: NodeDirs,
    private readonly announce: (network: NetworkRef, event: number) => void,
  ) {
    createNodeDirs(dirs, 0o755, ErrorDomain.VIR_FROM_NETWORK);
  }

  private configFile(name: string): string {
    return join(this.dirs.config, `${name}.xml`);
  }

  private autostartMark(name: string): string {
    return join(this.dirs.config, "autostart", name);
  }

  private runFile(name: string, kind: "xml" | "stop" | "leases"): string {
    return join(this.dirs.run, `${name}.${kind}`);
  }

  /** The names with a configuration or a live definition. */
  private names(): string[] {
    const names = new Set<string>();
    for (const dir of [this.dirs.config, this.dirs.run]) {
      for (const file of readdirSync(dir)) if (file.endsWith(".xml") && !file.startsWith(".")) names.add(file.slice(0, -4));
    }
    return [...names];
  }

  /** Loads every network from disk into the core (a damaged file counts as no network); the node's handle. */
  load(): number {
    const h = this.handle();
    let devices: string[] = [];
    try {
      devices = readdirSync("/sys/class/net");
    } catch {
      // no sysfs: only the other networks' bridges are taken
    }
    this.core.networkClear(h, devices.join("\t"));
    for (const name of this.names()) {
      const config = readText(this.configFile(name)) ?? "";
      const live = readText(this.runFile(name, "xml")) ?? "";
      try {
        this.core.networkRestore(h, config, live, existsSync(this.autostartMark(name)));
      } catch {
        // (left out: what cannot be read is no network)
      }
    }
    return h;
  }

  /** Runs a change holding the networks' lock, after undoing starts that died half way. */
  private async change<T>(work: (h: number) => T): Promise<T> {
    const fd = await lockNode(this.shim, this.dirs.run, () => new VirtError(ErrorNumber.VIR_ERR_OPERATION_TIMEOUT, ErrorDomain.VIR_FROM_NETWORK, "Timed out during operation: cannot acquire the networks' lock"));
    try {
      this.undoDeadStarts();
      return work(this.load());
    } finally {
      // this process told its own change: the watcher is not to tell it again
      if (this.watchers.length > 0) this.seen = this.look();
      this.shim.closeFd(fd);
    }
  }

  // ---- other processes' changes, as events ----------------------------------------------------------

  /** Watches the networks' directories (while someone listens): other processes' changes become events. */
  startWatching(): void {
    if (this.watchers.length > 0) return;
    this.seen = this.look();
    for (const dir of [this.dirs.run, this.dirs.config]) {
      const w = watch(dir, () => this.announceChanges());
      w.unref();
      this.watchers.push(w);
    }
  }

  stopWatching(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  private look(): Map<string, SeenNetwork> {
    const now = new Map<string, SeenNetwork>();
    for (const { network, info } of this.core.networkList(this.load(), 0)) now.set(uuidString(network.uuid), { ref: network, active: info.active, persistent: info.persistent });
    return now;
  }

  /** What changed since the last look, as libvirt's events: defined, started, stopped, undefined. */
  private announceChanges(): void {
    const now = this.look();
    for (const [uuid, n] of now) {
      const before = this.seen.get(uuid);
      if (n.persistent && !before?.persistent) this.announce(n.ref, Ev.VIR_NETWORK_EVENT_DEFINED);
      if (n.active && !before?.active) this.announce(n.ref, Ev.VIR_NETWORK_EVENT_STARTED);
      if (!n.active && before?.active) this.announce(n.ref, Ev.VIR_NETWORK_EVENT_STOPPED);
      if (!n.persistent && before?.persistent) this.announce(n.ref, Ev.VIR_NETWORK_EVENT_UNDEFINED);
    }
    for (const [uuid, before] of this.seen) {
      if (now.has(uuid)) continue;
      if (before.active) this.announce(before.ref, Ev.VIR_NETWORK_EVENT_STOPPED);
      if (before.persistent) this.announce(before.ref, Ev.VIR_NETWORK_EVENT_UNDEFINED);
    }
    this.seen = now;
  }

  /** A stop-steps file without a live definition is a start whose process died: its steps undo it. */
  private undoDeadStarts(): void {
    for (const file of readdirSync(this.dirs.run)) {
      if (!file.endsWith(".stop")) continue;
      const name = file.slice(0, -5);
      if (existsSync(this.runFile(name, "xml"))) continue;
      runStopSteps(decodeLines(readText(join(this.dirs.run, file)) ?? ""));
      rmSync(join(this.dirs.run, file), { force: true });
    }
  }

  // ---- questions ----------------------------------------------------------------------------------

  listAllNetworks(flags: number): NetworkSummary[] {
    return networkSummaries(this.core, this.load(), flags);
  }

  networkLookupByName(name: string): NetworkRef {
    return this.core.networkLookupByName(this.load(), name);
  }

  networkLookupByUUID(uuid: readonly [number, number, number, number]): NetworkRef {
    return this.core.networkLookupByUUID(this.load(), uuid);
  }

  networkGetStatus(n: NetworkRef): NetworkStatus {
    return this.core.networkInfo(this.load(), n);
  }

  networkGetBridgeName(n: NetworkRef): string {
    return networkBridge(this.core, this.load(), n, ErrorDomain.VIR_FROM_NETWORK);
  }

  networkGetXMLDesc(n: NetworkRef, flags: number): string {
    return this.core.networkXML(this.load(), n, flags);
  }

  /** virNetworkGetDHCPLeases, from the lease file its dnsmasq keeps (none before it gave any). */
  networkGetDHCPLeases(n: NetworkRef, mac: string | null, flags: number): NetworkDHCPLease[] {
    if (flags !== 0) throw new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, ErrorDomain.VIR_FROM_NETWORK, `unsupported flags (0x${flags.toString(16)}) in function networkGetDHCPLeases`);
    const h = this.load();
    const live = this.core.networkXML(h, n, 0);
    return leasesOf(readText(this.runFile(n.name, "leases")) ?? "", live, mac, Math.floor(Date.now() / 1000));
  }

  // ---- changes ------------------------------------------------------------------------------------

  networkDefineXML(xml: string): Promise<NetworkRef> {
    return this.change((h) => {
      const ref = this.core.networkDefine(h, xml);
      writeAtomically(this.configFile(ref.name), this.core.networkXML(h, ref, NetworkXMLFlags.VIR_NETWORK_XML_INACTIVE));
      this.announce(ref, Ev.VIR_NETWORK_EVENT_DEFINED);
      return ref;
    });
  }

  networkCreateXML(xml: string): Promise<NetworkRef> {
    return this.change((h) => {
      const ref = this.core.networkCreateXML(h, xml);
      this.start(h, ref, true);
      this.announce(ref, Ev.VIR_NETWORK_EVENT_STARTED);
      return ref;
    });
  }

  networkCreate(n: NetworkRef): Promise<void> {
    return this.change((h) => {
      this.start(h, n, false);
      this.announce(n, Ev.VIR_NETWORK_EVENT_STARTED);
    });
  }

  /** The host steps of a start, its stop steps on disk first; then the live definition. */
  private start(h: number, n: NetworkRef, creating: boolean): void {
    const plan = decodeLines(this.core.networkStartPlan(h, n, this.dirs.run, creating));
    const stop = this.core.networkStopPlan(h, n, this.dirs.run);
    const stopFile = this.runFile(n.name, "stop");
    writeAtomically(stopFile, stop);
    try {
      runStartSteps(plan, decodeLines(stop));
    } catch (e) {
      rmSync(stopFile, { force: true });
      throw e;
    }
    if (!creating) this.core.networkOp(h, n, NetworkOp.CREATE);
    writeAtomically(this.runFile(n.name, "xml"), this.core.networkXML(h, n, 0));
  }

  networkDestroy(n: NetworkRef): Promise<void> {
    return this.change((h) => {
      const persistent = this.core.networkInfo(h, n).persistent;
      const stop = readText(this.runFile(n.name, "stop")) ?? this.core.networkStopPlan(h, n, this.dirs.run);
      this.announce(n, this.core.networkOp(h, n, NetworkOp.DESTROY)); // (refuses a stopped network)
      runStopSteps(decodeLines(stop));
      rmSync(this.runFile(n.name, "xml"), { force: true });
      rmSync(this.runFile(n.name, "stop"), { force: true });
      if (!persistent) rmSync(this.runFile(n.name, "leases"), { force: true });
    });
  }

  networkUndefine(n: NetworkRef): Promise<void> {
    return this.change((h) => {
      const active = this.core.networkInfo(h, n).active;
      this.announce(n, this.core.networkOp(h, n, NetworkOp.UNDEFINE));
      rmSync(this.configFile(n.name), { force: true });
      rmSync(this.autostartMark(n.name), { force: true });
      // a running network goes on, transient; its leases go with it when it stops
      if (!active) rmSync(this.runFile(n.name, "leases"), { force: true });
    });
  }

  networkSetAutostart(n: NetworkRef, autostart: boolean): Promise<void> {
    return this.change((h) => {
      this.core.networkOp(h, n, NetworkOp.SET_AUTOSTART, autostart ? 1 : 0);
      if (autostart) writeAtomically(this.autostartMark(n.name), "");
      else rmSync(this.autostartMark(n.name), { force: true });
    });
  }

  /** virNetworkUpdate; a live change of DHCP hosts reaches the running dnsmasq (its hosts files again, and SIGHUP). */
  networkUpdate(n: NetworkRef, command: NetworkUpdateCommand, section: NetworkUpdateSection, parentIndex: number, xml: string, flags: number): Promise<void> {
    return this.change((h) => {
      const changed = this.core.networkUpdate(h, n, xml, command, section, parentIndex, flags);
      if (changed & Affect.VIR_NETWORK_UPDATE_AFFECT_CONFIG) writeAtomically(this.configFile(n.name), this.core.networkXML(h, n, NetworkXMLFlags.VIR_NETWORK_XML_INACTIVE));
      if (changed & Affect.VIR_NETWORK_UPDATE_AFFECT_LIVE) {
        const live = this.core.networkXML(h, n, 0);
        writeAtomically(this.runFile(n.name, "xml"), live);
        this.reloadDnsmasq(n.name, live);
      }
    });
  }

  /** The live definition's hosts files where its configuration names them, then SIGHUP to its dnsmasq. */
  private reloadDnsmasq(name: string, live: string): void {
    const pidFile = join(this.dirs.run, `${name}.pid`);
    const files = this.core.networkDnsmasqConfig(live, this.dirs.run, pidFile);
    if (!files.run) return;
    const named = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(files.conf)?.[1];
    const hostsfile = named("dhcp-hostsfile");
    const addnhosts = named("addn-hosts");
    if (hostsfile !== undefined) writeNetworkFile(hostsfile, files.hostsfile);
    if (addnhosts !== undefined) writeNetworkFile(addnhosts, files.addnhosts);
    const pid = runningDnsmasq(pidFile);
    try {
      if (pid !== undefined) process.kill(pid, "SIGHUP");
    } catch {
      // it ended meanwhile: the next start writes its files anew
    }
  }

  /** Starts the autostart networks that are not running (before any autostart domain, as libvirtd does); once per host boot. */
  async autostartOnce(): Promise<void> {
    const marker = join(this.dirs.run, ".autostarted");
    if (existsSync(marker)) return;
    writeAtomically(marker, "");
    for (const net of this.listAllNetworks(1 | 16 /* INACTIVE | AUTOSTART */)) {
      try {
        await this.networkCreate(this.networkLookupByName(net.name));
      } catch {
        // like libvirt: a network that fails to autostart stays off; the others still start
      }
    }
  }
}
