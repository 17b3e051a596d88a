// The part of a driver that keeps its domains in core.wasm's registry (libvirt's virDomainObjList
// with its states, definitions and events): lookups, listing, definitions, XML and the tuning
// the core decides. Drivers (test:///, lxc:///) add what they do on a node, and share this.
import type { DomainEventType } from "../constants.js";
import type { Core } from "../host/core.js";
import { DomainOp } from "../host/core-abi.gen.js";
import { uuidString, type DomainRef, type DomainStatus, type LifecycleEvent, type NetworkLifecycleEvent, type NetworkRef, type NetworkSummary, type TypedParameter } from "./driver.js";
import { ErrorNumber, VirtError } from "../errors.js";
import { decodeLines } from "./hosted/plan-lines.js";
import { statsListFlags, statsOf, type DomainStatsEntry } from "./domain-stats.js";

export { DomainOp };

/** virConnectListAllNetworks from the networks the core holds for a node. */
export function networkSummaries(core: Core, handle: number, flags: number): NetworkSummary[] {
  return core.networkList(handle, flags).map(({ network, info }) => ({
    name: network.name,
    uuid: uuidString(network.uuid),
    active: info.active,
    persistent: info.persistent,
    autostart: info.autostart,
  }));
}

/** virNetworkGetBridgeName: the network's bridge, or libvirt's error (in the driver's error domain) when it has none. */
export function networkBridge(core: Core, handle: number, n: NetworkRef, errorDomain: number): string {
  const { bridge } = core.networkInfo(handle, n);
  if (bridge === "") throw new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, errorDomain, `internal error: network '${n.name}' does not have a bridge name.`);
  return bridge;
}

/** A node inside the core and the connections that share it. */
export class CoreNode {
  readonly listeners = new Set<(events: LifecycleEvent[]) => void>();
  readonly networkListeners = new Set<(event: NetworkLifecycleEvent) => void>();
  refs = 0;
  /** The node in the core (a driver that reloads its state from disk opens a new one). */
  constructor(public handle: number) {}
}

export abstract class CoreDriver {
  protected constructor(
    protected readonly core: Core,
    protected readonly node: CoreNode,
  ) {
    node.refs++;
  }

  subscribe(listener: (events: LifecycleEvent[]) => void): () => void {
    this.node.listeners.add(listener);
    return () => this.node.listeners.delete(listener);
  }

  subscribeNetworks(listener: (event: NetworkLifecycleEvent) => void): () => void {
    this.node.networkListeners.add(listener);
    return () => this.node.networkListeners.delete(listener);
  }

  /** Tells the node's network listeners of an event (-1: the operation caused none). */
  protected networkEvent(network: NetworkRef, event: number): void {
    if (event < 0) return;
    for (const listener of this.node.networkListeners) listener({ network, event: event as NetworkLifecycleEvent["event"] });
  }

  // ---- finding and defining domains ----------------------------------------------------------------

  defineXML(xml: string, flags: number): DomainRef | Promise<DomainRef> {
    return this.define(xml, flags);
  }

  protected define(xml: string, flags: number): DomainRef {
    return this.announced(this.core.domainDefine(this.node.handle, xml, flags));
  }

  lookupByName(name: string): DomainRef {
    return this.core.domainLookupByName(this.node.handle, name);
  }

  lookupByUUID(uuid: readonly [number, number, number, number]): DomainRef {
    return this.core.domainLookupByUUID(this.node.handle, uuid);
  }

  lookupByID(id: number): DomainRef {
    return this.core.domainLookupByID(this.node.handle, id);
  }

  listAllDomains(flags: number): DomainRef[] {
    return this.core.domainList(this.node.handle, flags);
  }

  getAllDomainStats(stats: number, flags: number): DomainStatsEntry[] {
    const [fn, errorDomain] = this.statsFunction();
    return statsOf(this.core.domainListInfo(this.node.handle, statsListFlags(stats, flags, fn, errorDomain)), stats);
  }

  /** libvirt's name of this driver's virConnectGetAllDomainStats, and its error domain. */
  protected abstract statsFunction(): [string, number];

  // ---- a domain's registry entry ---------------------------------------------------------------------

  /** A state change the core makes by itself (DomainOp), its events handed to listeners. */
  protected op(d: DomainRef, op: DomainOp, flags: number): void {
    this.core.domainOp(this.node.handle, d, op, flags);
    this.dispatch();
  }

  domainUndefine(d: DomainRef, flags: number): void | Promise<void> {
    this.op(d, DomainOp.UNDEFINE, flags);
  }

  domainSetAutostart(d: DomainRef, autostart: boolean): void | Promise<void> {
    this.op(d, DomainOp.SET_AUTOSTART, autostart ? 1 : 0);
  }

  domainGetStatus(d: DomainRef): DomainStatus | Promise<DomainStatus> {
    return this.registryStatus(d);
  }

  /** The registry's view of d: state, definition sizes, flags (the driver adds live counters). */
  protected registryStatus(d: DomainRef): DomainStatus {
    // the record is fresh from the core, its state one of DomainState's values
    return this.core.domainInfo(this.node.handle, d) as DomainStatus;
  }

  domainGetXMLDesc(d: DomainRef, flags: number): string | Promise<string> {
    return this.core.domainXML(this.node.handle, d, flags);
  }

  domainGetOSType(d: DomainRef): string | Promise<string> {
    return this.core.domainOSType(this.node.handle, d);
  }

  domainGetVcpusFlags(d: DomainRef, flags: number): number | Promise<number> {
    return this.core.domainGetVcpus(this.node.handle, d, flags);
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  /** The domain an operation returned, after handing the events it caused to listeners. */
  protected announced(ref: DomainRef): DomainRef {
    this.dispatch();
    return ref;
  }

  /** Hands the events the last operation caused to every connection sharing this node. */
  protected dispatch(): void {
    if (this.node.listeners.size === 0 || this.core.eventCount() === 0) return;
    const records = this.core.takeEvents().map(({ event, detail, domain }): LifecycleEvent => ({ dom: domain, event: event as DomainEventType, detail }));
    for (const listener of this.node.listeners) listener(records);
  }
}

/** Typed parameters as the core reads and writes them: "field\ttype\tvalue" lines (TypedParameterType numbers). */
export function paramLines(params: readonly TypedParameter[]): string {
  return params.map((p) => `${p.field}\t${p.type}\t${String(p.value)}\n`).join("");
}

/** A typed parameter from its line's fields: FIELD TYPE VALUE. */
export function paramOf([field, type, value]: readonly string[]): TypedParameter {
  return { field, type: Number(type), value: Number(value) };
}

export function parseParamLines(text: string): TypedParameter[] {
  return decodeLines(text).map(paramOf);
}
