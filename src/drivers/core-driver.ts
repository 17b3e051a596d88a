// The part of a driver that keeps its domains in core.wasm's registry (libvirt's virDomainObjList
// with its states, definitions and events): lookups, listing, definitions, XML and the tuning
// the core decides. Drivers (test:///, lxc:///) add what they do on a node, and share this.
import type { DomainEventType, DomainState } from "../constants.js";
import type { Core } from "../host/core.js";
import type { DomainRef, DomainStatus, LifecycleEvent } from "./driver.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Operation codes of the core's domainOp (core-wasm/exports/domains.ts). */
export const enum Op {
  CREATE = 1,
  DESTROY = 2,
  SHUTDOWN = 3,
  SUSPEND = 4,
  RESUME = 5,
  REBOOT = 6,
  RESET = 7,
  UNDEFINE = 8,
  MANAGED_SAVE = 9,
  MANAGED_SAVE_REMOVE = 10,
  SAVE_DONE = 11,
  SET_AUTOSTART = 12,
}

/** A domain as the core names it: id, name and UUID words (the name pre-encoded for calls). */
export class CoreDomainRef implements DomainRef {
  private encoded: Uint8Array | undefined;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly uuid: readonly [number, number, number, number],
  ) {}

  get nameBytes(): Uint8Array {
    this.encoded ??= encoder.encode(this.name);
    return this.encoded;
  }
}

/** A node inside the core and the connections that share it. */
export class CoreNode {
  readonly listeners = new Set<(events: LifecycleEvent[]) => void>();
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

  // ---- finding and defining domains ----------------------------------------------------------------

  defineXML(xml: string, flags: number): DomainRef | Promise<DomainRef> {
    return this.define(xml, flags);
  }

  protected define(xml: string, flags: number): DomainRef {
    const c = this.core;
    return this.oneDomain(c.call("domainDefine", this.node.handle, c.writeText(xml), flags));
  }

  lookupByName(name: string): DomainRef {
    const c = this.core;
    c.call("domainLookupByName", this.node.handle, c.writeText(name));
    return readDomains(c)[0];
  }

  lookupByUUID(uuid: readonly [number, number, number, number]): DomainRef {
    this.core.call("domainLookupByUUID", this.node.handle, uuid[0], uuid[1], uuid[2], uuid[3]);
    return readDomains(this.core)[0];
  }

  lookupByID(id: number): DomainRef {
    this.core.call("domainLookupByID", this.node.handle, id);
    return readDomains(this.core)[0];
  }

  listAllDomains(flags: number): DomainRef[] {
    this.core.call("domainList", this.node.handle, flags);
    return readDomains(this.core);
  }

  // ---- a domain's registry entry ---------------------------------------------------------------------

  /** A state change the core makes by itself (Op), its events handed to listeners. */
  protected op(d: DomainRef, op: Op, flags: number): void {
    const c = this.core;
    const u = d.uuid;
    this.dispatch(c.call("domainOp", this.node.handle, op, u[0], u[1], u[2], u[3], c.writeInput((d as CoreDomainRef).nameBytes), flags));
  }

  /** Calls a core operation addressing domain d; returns its result. */
  protected ask(d: DomainRef, operation: string, ...extra: number[]): number {
    return this.askWithInput(d, operation, undefined, ...extra);
  }

  /** ask, with `more` bytes after the domain's name in the core's input. */
  protected askWithInput(d: DomainRef, operation: string, more: Uint8Array | undefined, ...extra: number[]): number {
    const c = this.core;
    const u = d.uuid;
    return c.call(operation, this.node.handle, u[0], u[1], u[2], u[3], c.writeInput((d as CoreDomainRef).nameBytes, more), ...extra);
  }

  domainUndefine(d: DomainRef, flags: number): void | Promise<void> {
    this.op(d, Op.UNDEFINE, flags);
  }

  domainSetAutostart(d: DomainRef, autostart: boolean): void | Promise<void> {
    this.op(d, Op.SET_AUTOSTART, autostart ? 1 : 0);
  }

  domainGetStatus(d: DomainRef): DomainStatus | Promise<DomainStatus> {
    return this.registryStatus(d);
  }

  /** The registry's view of d: state, definition sizes, flags (the driver adds live counters). */
  protected registryStatus(d: DomainRef): DomainStatus {
    this.ask(d, "domainInfo");
    const v = this.core.outputView();
    return {
      state: v.getInt32(0, true) as DomainState,
      reason: v.getInt32(4, true),
      maxMem: v.getFloat64(8, true),
      memory: v.getFloat64(16, true),
      nrVirtCpu: v.getInt32(24, true),
      id: v.getInt32(28, true),
      cpuTime: v.getFloat64(32, true),
      persistent: v.getInt32(40, true) !== 0,
      autostart: v.getInt32(44, true) !== 0,
      hasManagedSave: v.getInt32(48, true) !== 0,
    };
  }

  domainGetXMLDesc(d: DomainRef, flags: number): string | Promise<string> {
    this.ask(d, "domainXML", flags);
    return this.core.outputText();
  }

  domainGetOSType(d: DomainRef): string | Promise<string> {
    this.ask(d, "domainOSType");
    return this.core.outputText();
  }

  domainGetVcpusFlags(d: DomainRef, flags: number): number | Promise<number> {
    return this.ask(d, "domainGetVcpus", flags);
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  /** The domain an operation returned, after handing its `events` (a count) to listeners. */
  protected oneDomain(events: number): DomainRef {
    const [ref] = readDomains(this.core);
    this.dispatch(events);
    return ref;
  }

  /** Hands the events the last operation caused (a count) to every connection sharing this node. */
  protected dispatch(events: number): void {
    if (events === 0 || this.node.listeners.size === 0) return;
    const count = this.core.call("takeEvents");
    const records = readEvents(this.core.outputView(), count);
    for (const listener of this.node.listeners) listener(records);
  }
}

/** Domain records: [count], per domain [id][four UUID words], then the names, NUL-terminated. */
export function readDomains(c: Core): DomainRef[] {
  const v = c.outputView();
  const count = v.getInt32(0, true);
  const namesAt = 4 + count * 20;
  const names = decoder.decode(new Uint8Array(v.buffer, v.byteOffset + namesAt, v.byteLength - namesAt)).split("\0");
  const refs = new Array<DomainRef>(count);
  for (let i = 0; i < count; i++) {
    const at = 4 + i * 20;
    refs[i] = new CoreDomainRef(v.getInt32(at, true), names[i], [
      v.getUint32(at + 4, true),
      v.getUint32(at + 8, true),
      v.getUint32(at + 12, true),
      v.getUint32(at + 16, true),
    ]);
  }
  return refs;
}

/** Event records: [event][detail][id][UUID, 16 bytes big-endian][name length][name]. */
export function readEvents(v: DataView, count: number): LifecycleEvent[] {
  const events: LifecycleEvent[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const event = v.getInt32(at, true) as DomainEventType;
    const detail = v.getInt32(at + 4, true);
    const id = v.getInt32(at + 8, true);
    const uuid: [number, number, number, number] = [
      v.getUint32(at + 12, false),
      v.getUint32(at + 16, false),
      v.getUint32(at + 20, false),
      v.getUint32(at + 24, false),
    ];
    const nameLen = v.getInt32(at + 28, true);
    const name = decoder.decode(new Uint8Array(v.buffer, v.byteOffset + at + 32, nameLen));
    at += 32 + nameLen;
    events.push({ dom: new CoreDomainRef(id, name, uuid), event, detail });
  }
  return events;
}
