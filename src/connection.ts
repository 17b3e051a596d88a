// A connection to a node (libvirt's virConnectPtr). Every public call goes through the same
// checks libvirt's public API makes before it reaches the driver: an open connection, write
// access for changes, and a driver that implements the operation.
import { EventEmitter } from "node:events";
import { resolve } from "node:path";
import { ErrorDomain, ErrorNumber, VirtError } from "./errors.js";
import { JobQueue } from "./jobs.js";
import { Domain } from "./domain.js";
import { Network } from "./network.js";
import { DomainXMLFlags, type DomainEventType, type NetworkEventLifecycleType } from "./constants.js";
import { openDriver } from "./drivers/registry.js";
import {
  uuidWords,
  type CPUMap,
  type DomainRef,
  type HypervisorDriver,
  type InterfaceSummary,
  type LifecycleEvent,
  type NetworkLifecycleEvent,
  type NetworkSummary,
  type NodeCPUStat,
  type NodeInfo,
  type SecurityModel,
  type StoragePoolSummary,
  type TypedParameter,
} from "./drivers/driver.js";

export interface ConnectionOptions {
  /** Like virConnectOpenReadOnly: every change is refused. */
  readOnly?: boolean;
}

/** libvirt's library version this API follows (virConnectGetLibVersion): 9.0.0. */
export const LIB_VERSION = 9000000;

/** A lifecycle event; `detail` is a value of that event's detail enum (DomainEventStartedDetailType, …). */
/** virDomainStatsRecord: a domain and its values (typed parameters named as libvirt's, e.g. "state.state"). */
export interface DomainStatsRecord {
  dom: Domain;
  params: TypedParameter[];
}

export type LifecycleListener = (dom: Domain, event: DomainEventType, detail: number) => void;
export type NetworkLifecycleListener = (network: Network, event: NetworkEventLifecycleType, detail: number) => void;

/** Opens a connection to the node named by uri (test:///default, test:///PATH/node.xml, ...). */
export async function openConnection(uri: string, options: ConnectionOptions = {}): Promise<Connection> {
  return new Connection(uri, await openDriver(uri, options.readOnly === true), options.readOnly === true);
}

export class Connection {
  private readonly jobs = new JobQueue();
  private readonly emitter = new EventEmitter();
  /** Set while this connection has lifecycle listeners (events cost nothing otherwise). */
  private unsubscribe: (() => void) | undefined;
  private unsubscribeNetworks: (() => void) | undefined;
  private closed = false;

  /** @internal use openConnection() */
  constructor(
    private readonly uri: string,
    private readonly driver: HypervisorDriver,
    readonly readOnly: boolean,
  ) {}

  // ---- events -------------------------------------------------------------------------------------

  /**
   * "lifecycle": this node's domains' lifecycle events; "networkLifecycle": its virtual networks'
   * (virConnectNetworkEventRegisterAny's LIFECYCLE, detail always 0). libvirt's numbers.
   */
  on(event: "lifecycle", listener: LifecycleListener): this;
  on(event: "networkLifecycle", listener: NetworkLifecycleListener): this;
  on(event: "lifecycle" | "networkLifecycle", listener: LifecycleListener | NetworkLifecycleListener): this {
    this.emitter.on(event, listener);
    if (this.closed) return this;
    if (event === "lifecycle") this.unsubscribe ??= this.driver.subscribe((events) => this.deliver(events));
    else this.unsubscribeNetworks ??= this.driver.subscribeNetworks?.((e) => this.deliverNetwork(e));
    return this;
  }

  off(event: "lifecycle", listener: LifecycleListener): this;
  off(event: "networkLifecycle", listener: NetworkLifecycleListener): this;
  off(event: "lifecycle" | "networkLifecycle", listener: LifecycleListener | NetworkLifecycleListener): this {
    this.emitter.off(event, listener);
    if (this.emitter.listenerCount(event) > 0) return this;
    if (event === "lifecycle") {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    } else {
      this.unsubscribeNetworks?.();
      this.unsubscribeNetworks = undefined;
    }
    return this;
  }

  /** Events are delivered after the operation that caused them has returned, as libvirt's are. */
  private deliver(events: LifecycleEvent[]): void {
    queueMicrotask(() => {
      for (const e of events) this.emitter.emit("lifecycle", new Domain(this, e.dom), e.event, e.detail);
    });
  }

  private deliverNetwork(e: NetworkLifecycleEvent): void {
    queueMicrotask(() => this.emitter.emit("networkLifecycle", new Network(this, e.network), e.event, 0));
  }

  // ---- the call path ------------------------------------------------------------------------------

  /**
   * @internal Runs a driver operation the way libvirt's public API does: api names it in
   * errors, `changes` marks operations refused on read-only connections, and key (a domain's
   * UUID) serializes operations on one domain.
   */
  call<K extends keyof HypervisorDriver, T>(api: string, changes: boolean, key: string | undefined, method: K, run: (fn: NonNullable<HypervisorDriver[K]>) => T | Promise<T>): Promise<T> {
    const from = api.startsWith("virDomain") ? ErrorDomain.VIR_FROM_DOMAIN : api.startsWith("virNetwork") ? ErrorDomain.VIR_FROM_NETWORK : ErrorDomain.VIR_FROM_NONE;
    if (this.closed) {
      return Promise.reject(new VirtError(ErrorNumber.VIR_ERR_INVALID_CONN, from, `invalid connection pointer in ${api}`));
    }
    if (changes && this.readOnly) {
      return Promise.reject(new VirtError(ErrorNumber.VIR_ERR_OPERATION_DENIED, from, `operation forbidden: read only access prevents ${api}`));
    }
    const fn = this.driver[method];
    if (typeof fn !== "function") {
      return Promise.reject(new VirtError(ErrorNumber.VIR_ERR_NO_SUPPORT, from, `this function is not supported by the connection driver: ${api}`));
    }
    const bound = (fn as (...args: unknown[]) => unknown).bind(this.driver) as NonNullable<HypervisorDriver[K]>;
    if (key === undefined || this.driver.ordersDomainCalls) {
      try {
        return Promise.resolve(run(bound));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.jobs.run(key, () => run(bound));
  }

  /** Answers a question the connection itself knows (only needing it to be open). */
  private local<T>(api: string, answer: () => T): Promise<T> {
    if (this.closed) {
      return Promise.reject(new VirtError(ErrorNumber.VIR_ERR_INVALID_CONN, ErrorDomain.VIR_FROM_NONE, `invalid connection pointer in ${api}`));
    }
    return Promise.resolve(answer());
  }

  /** @internal the read-only check libvirt makes on the SECURE flag of XML requests */
  checkSecureRead(api: string, flags: number): void {
    if (this.readOnly && (flags & DomainXMLFlags.VIR_DOMAIN_XML_SECURE) !== 0) {
      throw new VirtError(ErrorNumber.VIR_ERR_OPERATION_DENIED, ErrorDomain.VIR_FROM_DOMAIN, `operation forbidden: ${api} with secure flag`);
    }
  }

  private domain(ref: DomainRef): Domain {
    return new Domain(this, ref);
  }

  // ---- the connection -----------------------------------------------------------------------------

  async close(): Promise<number> {
    if (!this.closed) {
      this.closed = true;
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      this.unsubscribeNetworks?.();
      this.unsubscribeNetworks = undefined;
      this.driver.close();
    }
    return 0;
  }

  /** Open, and (for a remote node) its daemon still there. */
  isAlive(): boolean {
    return !this.closed && (this.driver.isAlive?.() ?? true);
  }

  /**
   * virConnectSetKeepAlive: on a remote node, a PING after `interval` seconds without a word from
   * the daemon, and the connection closed after `count` unanswered ones (interval 0: off).
   */
  async setKeepAlive(interval: number, count: number): Promise<number> {
    await this.call("virConnectSetKeepAlive", false, undefined, "setKeepAlive", (fn) => fn(interval, count));
    return 0;
  }

  getURI(): Promise<string> {
    return this.local("virConnectGetURI", () => this.uri);
  }

  getType(): Promise<string> {
    return this.local("virConnectGetType", () => this.driver.type);
  }

  /** The hypervisor's version number (major * 1,000,000 + minor * 1,000 + release). */
  getVersion(): Promise<number> {
    return this.call("virConnectGetVersion", false, undefined, "getVersion", (fn) => fn());
  }

  /** The libvirt library version this API follows. */
  getLibVersion(): Promise<number> {
    return this.local("virConnectGetLibVersion", () => LIB_VERSION);
  }

  getHostname(): Promise<string> {
    return this.call("virConnectGetHostname", false, undefined, "getHostname", (fn) => fn());
  }

  getCapabilities(): Promise<string> {
    return this.call("virConnectGetCapabilities", false, undefined, "getCapabilities", (fn) => fn());
  }

  /** virNodeGetInfo */
  getInfo(): Promise<NodeInfo> {
    return this.call("virNodeGetInfo", false, undefined, "getNodeInfo", (fn) => fn());
  }

  /** virNodeGetSecurityModel */
  getSecurityModel(): Promise<SecurityModel> {
    return this.call("virNodeGetSecurityModel", false, undefined, "getSecurityModel", (fn) => fn());
  }

  /** virNodeGetCPUMap: the host CPUs, and which are online. */
  getCPUMap(): Promise<CPUMap> {
    return this.call("virNodeGetCPUMap", false, undefined, "getCPUMap", (fn) => fn());
  }

  /** virNodeGetCellsFreeMemory: bytes free in up to max NUMA cells from startCell. */
  getCellsFreeMemory(startCell: number, maxCells: number): Promise<number[]> {
    return this.call("virNodeGetCellsFreeMemory", false, undefined, "getCellsFreeMemory", (fn) => fn(startCell, maxCells));
  }

  /** virNodeGetFreeMemory: bytes. */
  getFreeMemory(): Promise<number> {
    return this.call("virNodeGetFreeMemory", false, undefined, "getFreeMemory", (fn) => fn());
  }

  /** virNodeGetCPUStats: cpuNum is a CPU or VIR_NODE_CPU_STATS_ALL_CPUS (-1). */
  getCPUStats(cpuNum: number, flags = 0): Promise<NodeCPUStat[]> {
    return this.call("virNodeGetCPUStats", false, undefined, "getCPUStats", (fn) => fn(cpuNum, flags));
  }

  /** virConnectGetSysinfo: the host's SMBIOS data as XML. */
  getSysinfo(flags = 0): Promise<string> {
    return this.call("virConnectGetSysinfo", false, undefined, "getSysinfo", (fn) => fn(flags));
  }

  /** virConnectListAllNetworks, as summaries (networkLookupByName gives the Network). */
  listAllNetworks(flags = 0): Promise<NetworkSummary[]> {
    return this.call("virConnectListAllNetworks", false, undefined, "listAllNetworks", (fn) => fn(flags));
  }

  // ---- virtual networks ---------------------------------------------------------------------------

  /** virNetworkDefineXML: defines (or redefines) a persistent network. */
  async networkDefineXML(xml: string): Promise<Network> {
    return new Network(this, await this.call("virNetworkDefineXML", true, undefined, "networkDefineXML", (fn) => fn(xml)));
  }

  /** virNetworkCreateXML: creates and starts a transient network. */
  async networkCreateXML(xml: string): Promise<Network> {
    return new Network(this, await this.call("virNetworkCreateXML", true, undefined, "networkCreateXML", (fn) => fn(xml)));
  }

  async networkLookupByName(name: string): Promise<Network> {
    return new Network(this, await this.call("virNetworkLookupByName", false, undefined, "networkLookupByName", (fn) => fn(name)));
  }

  async networkLookupByUUIDString(uuid: string): Promise<Network> {
    const words = uuidWords(uuid);
    if (!words) throw new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, ErrorDomain.VIR_FROM_NETWORK, `invalid argument: uuidstr in virNetworkLookupByUUIDString`);
    return new Network(this, await this.call("virNetworkLookupByUUID", false, undefined, "networkLookupByUUID", (fn) => fn(words)));
  }

  /** virConnectListAllStoragePools, as summaries. */
  listAllStoragePools(flags = 0): Promise<StoragePoolSummary[]> {
    return this.call("virConnectListAllStoragePools", false, undefined, "listAllStoragePools", (fn) => fn(flags));
  }

  /** virConnectListAllInterfaces, as summaries. */
  listAllInterfaces(flags = 0): Promise<InterfaceSummary[]> {
    return this.call("virConnectListAllInterfaces", false, undefined, "listAllInterfaces", (fn) => fn(flags));
  }

  // ---- domains ------------------------------------------------------------------------------------

  /** Defines (or redefines) a persistent domain. */
  async defineXML(xml: string, flags = 0): Promise<Domain> {
    const api = flags === 0 ? "virDomainDefineXML" : "virDomainDefineXMLFlags";
    return this.domain(await this.call(api, true, undefined, "defineXML", (fn) => fn(xml, flags)));
  }

  /** Creates and starts a transient domain. */
  async createXML(xml: string, flags = 0): Promise<Domain> {
    return this.domain(await this.call("virDomainCreateXML", true, undefined, "createXML", (fn) => fn(xml, flags)));
  }

  async lookupByName(name: string): Promise<Domain> {
    return this.domain(await this.call("virDomainLookupByName", false, undefined, "lookupByName", (fn) => fn(name)));
  }

  async lookupByUUIDString(uuid: string): Promise<Domain> {
    const words = uuidWords(uuid);
    if (!words) throw new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, ErrorDomain.VIR_FROM_DOMAIN, `invalid argument: uuidstr in virDomainLookupByUUIDString`);
    return this.domain(await this.call("virDomainLookupByUUID", false, undefined, "lookupByUUID", (fn) => fn(words)));
  }

  async lookupByID(id: number): Promise<Domain> {
    if (!Number.isInteger(id) || id < 0) {
      throw new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, ErrorDomain.VIR_FROM_DOMAIN, `invalid argument: id in virDomainLookupByID must be non-negative`);
    }
    return this.domain(await this.call("virDomainLookupByID", false, undefined, "lookupByID", (fn) => fn(id)));
  }

  /** virConnectListAllDomains, with virConnectListAllDomainsFlags filters. */
  async listAllDomains(flags = 0): Promise<Domain[]> {
    const refs = await this.call("virConnectListAllDomains", false, undefined, "listAllDomains", (fn) => fn(flags));
    return refs.map((ref) => new Domain(this, ref));
  }

  /**
   * virConnectGetAllDomainStats: the domains the listing flags select (as listAllDomains's),
   * each with the values of the asked groups (DomainStatsTypes; 0: every group the driver
   * reports), all taken at one instant. The registry reports "state" and "balloon".
   */
  async getAllDomainStats(stats = 0, flags = 0): Promise<DomainStatsRecord[]> {
    const entries = await this.call("virConnectGetAllDomainStats", false, undefined, "getAllDomainStats", (fn) => fn(stats, flags));
    return entries.map(({ ref, params }) => ({ dom: new Domain(this, ref), params }));
  }

  /** Starts a domain again from the image save() wrote. */
  async restore(path: string, flags = 0): Promise<void> {
    // As libvirt's API, a relative path is taken from the caller's working directory.
    await this.call(flags === 0 ? "virDomainRestore" : "virDomainRestoreFlags", true, undefined, "restore", (fn) => fn(resolve(path), flags));
  }

}
