// The guest's PCI buses: bus 0 behind the host bridge, and the bridges the domain's PCI controllers
// are (libvirt's index = the bus number the "firmware" gives the bridge's secondary side). Config
// cycles are routed by the bridges' live bus-number registers, so a guest that renumbers the buses
// still reaches every function. Rebuilt with firmware values at each boot.
import { HostBridge, PciBridge } from "./bridges";
import { PciFunction } from "./config-space";
import { assignPciResources } from "./firmware";
import { newEndpoint } from "./endpoints";
import { clearMsiRoutes } from "./msi-routes";
import { DiskSpec } from "../virtio/blk";
import { NetSpec } from "../virtio/net";

/** Functions per bus: 32 slots × 8 functions, indexed by devfn (slot << 3 | function). */
const DEVFNS = 256;

export class PciBus {
  readonly functions: StaticArray<PciFunction | null> = new StaticArray<PciFunction | null>(DEVFNS);
  /** The bridges on this bus, with the bus each leads to. */
  readonly bridges: PciBridge[] = [];
  readonly children: PciBus[] = [];
  /** Only slot 0 answers on a PCIe port's bus (the link has one device). */
  constructor(readonly onlySlotZero: bool) {}

  plug(devfn: i32, f: PciFunction): void {
    this.functions[devfn] = f;
    // function 0 of a slot with more functions says so in its header type
    const first = this.functions[devfn & ~7];
    if (first === null) return;
    let others = false;
    for (let fn = 1; fn < 8; fn++) if (this.functions[(devfn & ~7) | fn] !== null) others = true;
    first.markMultifunction(others);
  }

  at(devfn: i32): PciFunction | null {
    if (this.onlySlotZero && devfn >= 8) return null;
    return unchecked(this.functions[devfn]);
  }
}

/** One PCI controller of the plan: bus `index` behind a bridge at parent:slot.function. */
export class BridgeSpec {
  constructor(
    readonly index: i32,
    readonly pcieRootPort: bool,
    readonly parent: i32,
    readonly devfn: i32,
  ) {}
}

/** One device of the plan: an endpoint of this kind (endpoints.ts) at bus:devfn, its flags, and its disk or tap if it has one. */
export class EndpointSpec {
  constructor(
    readonly kind: i32,
    readonly bus: i32,
    readonly devfn: i32,
    readonly flags: i32 = 0,
    readonly disk: DiskSpec | null = null,
    readonly net: NetSpec | null = null,
  ) {}
}

const specs: BridgeSpec[] = [];
const endpointSpecs: EndpointSpec[] = [];
/** Every endpoint of the machine, for memory decoding (their BARs) and for the host's questions. */
export const endpoints: PciFunction[] = [];
let root = new PciBus(false);
/** The buses by firmware number, for building (routing uses the bridges' registers). */
let busesByIndex = new Map<i32, PciBus>();

/** The PCI controllers of the domain (none: only the host bridge). Takes effect at the next reset. */
export function setPciBridges(list: BridgeSpec[]): void {
  specs.length = 0;
  for (let i = 0; i < list.length; i++) specs.push(list[i]);
}

/** The domain's PCI devices. Takes effect at the next reset. */
export function setPciEndpoints(list: EndpointSpec[]): void {
  endpointSpecs.length = 0;
  for (let i = 0; i < list.length; i++) endpointSpecs.push(list[i]);
}

/** Builds the buses as after power-on: the host bridge, then each bridge numbered as its controller. */
export function resetPciTopology(): void {
  root = new PciBus(false);
  busesByIndex = new Map<i32, PciBus>();
  busesByIndex.set(0, root);
  root.plug(0, new HostBridge());
  // controllers come parents first (a bridge's index is larger than its bus's, as libvirt requires)
  for (let i = 0; i < specs.length; i++) {
    const spec = unchecked(specs[i]);
    if (!busesByIndex.has(spec.parent)) continue;
    const parent = busesByIndex.get(spec.parent);
    const bridge = new PciBridge(<u8>spec.parent, <u8>spec.index, <u8>subordinateOf(spec.index));
    const child = new PciBus(spec.pcieRootPort);
    parent.plug(spec.devfn, bridge);
    parent.bridges.push(bridge);
    parent.children.push(child);
    busesByIndex.set(spec.index, child);
  }
  endpoints.length = 0;
  clearMsiRoutes();
  for (let i = 0; i < endpointSpecs.length; i++) {
    const spec = unchecked(endpointSpecs[i]);
    if (!busesByIndex.has(spec.bus)) continue;
    const bus = busesByIndex.get(spec.bus);
    if (bus.at(spec.devfn) !== null) continue;
    const f = newEndpoint(spec.kind, spec.flags, spec.disk, spec.net);
    if (f === null) continue;
    bus.plug(spec.devfn, f);
    endpoints.push(f);
  }
  assignPciResources(root);
}

/** The highest bus number below bus `index` (itself when nothing hangs below it). */
function subordinateOf(index: i32): i32 {
  let highest = index;
  for (let i = 0; i < specs.length; i++) {
    const spec = unchecked(specs[i]);
    if (spec.parent == index) {
      const below = subordinateOf(spec.index);
      if (below > highest) highest = below;
    }
  }
  return highest;
}

/** The function a config cycle for bus:devfn reaches, or null (the read sees all ones). */
export function functionAt(bus: i32, devfn: i32): PciFunction | null {
  let current = root;
  let number = 0;
  // each step goes down through the bridge whose bus range holds the target
  for (let depth = 0; depth < 256 && number != bus; depth++) {
    let next: PciBus | null = null;
    for (let i = 0; i < current.bridges.length; i++) {
      const bridge = unchecked(current.bridges[i]);
      if (bridge.routes(bus)) {
        next = unchecked(current.children[i]);
        number = bridge.secondary;
        break;
      }
    }
    if (next === null) return null;
    current = next;
  }
  return number == bus ? current.at(devfn) : null;
}
