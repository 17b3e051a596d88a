// The PCI buses of a machine and which of their slots and functions are taken, as libvirt's
// address set keeps them (conf/domain_addr.c): what each bus model accepts, a first-fit search for
// a free slot, and — in a dry run — the buses to add when none is free.
import { Code, From } from "../../errors";
import { err } from "../../domain/context";
import { IntVec } from "../../util/intvec";

/** What a device plugs in as, and what a bus accepts (libvirt's virDomainPCIConnectFlags). */
export const enum Connect {
  PCI_DEVICE = 1,
  PCIE_DEVICE = 2,
  PCI_BRIDGE = 4,
  PCIE_ROOT_PORT = 8,
  DMI_TO_PCI_BRIDGE = 16,
  PCIE_TO_PCI_BRIDGE = 32,
  SWITCH_UPSTREAM = 64,
  SWITCH_DOWNSTREAM = 128,
  TYPES = 255,
  HOTPLUG = 256,
  /** several of these share one slot, a function each (pcie-root-ports) */
  AGGREGATE = 512,
}

/** PCI controller models, in the order of the controller rules' model list. */
export const enum BusModel {
  PCI_ROOT = 0,
  PCIE_ROOT = 1,
  PCI_BRIDGE = 2,
  DMI_TO_PCI_BRIDGE = 3,
  PCIE_TO_PCI_BRIDGE = 4,
  PCIE_ROOT_PORT = 5,
  SWITCH_UPSTREAM = 6,
  SWITCH_DOWNSTREAM = 7,
}

const SLOTS = 32;
const NOT_FOUND = -1;

/** A PCI address packed as bus << 8 | slot << 3 | function. */
export function packAddress(bus: i32, slot: i32, fn: i32): i32 {
  return (bus << 8) | (slot << 3) | fn;
}

export class PciBusSet {
  models: IntVec = new IntVec(16);
  accepts: IntVec = new IntVec(16);
  minSlot: IntVec = new IntVec(16);
  maxSlot: IntVec = new IntVec(16);
  /** per bus × slot: the functions in use (bit n = function n) */
  functions: IntVec = new IntVec(16 * SLOTS);
  /** per bus × slot: 1 when the slot's first user aggregates (more may join it) */
  aggregate: IntVec = new IntVec(16 * SLOTS);
  /** the first pass only counts: a search that finds nothing adds a bus instead of failing */
  dryRun: bool = false;

  reset(dryRun: bool): void {
    this.models.clear();
    this.accepts.clear();
    this.minSlot.clear();
    this.maxSlot.clear();
    this.functions.clear();
    this.aggregate.clear();
    this.dryRun = dryRun;
  }

  get count(): i32 {
    return this.models.length;
  }

  /** Adds bus number `count` of the given model (a controller's index is its bus number). */
  addBus(model: i32): void {
    let accepts = 0;
    let min = 1;
    let max = SLOTS - 1;
    if (model == BusModel.PCI_ROOT) accepts = Connect.PCI_DEVICE | Connect.PCI_BRIDGE | Connect.HOTPLUG;
    else if (model == BusModel.PCIE_ROOT) accepts = Connect.PCIE_DEVICE | Connect.PCIE_ROOT_PORT | Connect.DMI_TO_PCI_BRIDGE;
    else if (model == BusModel.PCI_BRIDGE || model == BusModel.PCIE_TO_PCI_BRIDGE) accepts = Connect.PCI_DEVICE | Connect.PCI_BRIDGE | Connect.HOTPLUG;
    else if (model == BusModel.DMI_TO_PCI_BRIDGE) {
      accepts = Connect.PCI_DEVICE | Connect.PCI_BRIDGE;
      min = 0;
    } else if (model == BusModel.PCIE_ROOT_PORT || model == BusModel.SWITCH_DOWNSTREAM) {
      accepts = Connect.PCIE_DEVICE | Connect.SWITCH_UPSTREAM | Connect.PCIE_TO_PCI_BRIDGE | Connect.HOTPLUG;
      min = 0;
      max = 0;
    } else if (model == BusModel.SWITCH_UPSTREAM) {
      accepts = Connect.SWITCH_DOWNSTREAM;
      min = 0;
    }
    this.models.push(model);
    this.accepts.push(accepts);
    this.minSlot.push(min);
    this.maxSlot.push(max);
    for (let s = 0; s < SLOTS; s++) {
      this.functions.push(0);
      this.aggregate.push(0);
    }
  }

  inUse(bus: i32, slot: i32, fn: i32): bool {
    return (this.functions.get(bus * SLOTS + slot) & (1 << fn)) != 0;
  }

  slotInUse(bus: i32, slot: i32): bool {
    return this.functions.get(bus * SLOTS + slot) != 0;
  }

  /** Marks a function taken; the first user of a slot decides whether others may aggregate on it. */
  take(bus: i32, slot: i32, fn: i32, flags: i32): void {
    const at = bus * SLOTS + slot;
    const used = this.functions.get(at);
    if (used == 0 && (flags & Connect.AGGREGATE) != 0) this.aggregate.set(at, 1);
    this.functions.set(at, used | (1 << fn));
  }

  /**
   * Checks an address the user wrote (libvirt's messages): its bus exists, its slot is in the
   * bus's range. The device's kind is not checked against the bus, as libvirt allows for addresses
   * from the configuration.
   */
  validate(bus: i32, slot: i32, fn: i32): bool {
    if (bus >= this.count) return badAddress(bus, slot, fn, ". Only PCI buses up to " + (this.count - 1).toString() + " are available");
    const min = this.minSlot.get(bus);
    if (min > 0 && slot < min) return badAddress(bus, slot, fn, ". slot must be >= " + min.toString());
    const max = this.maxSlot.get(bus);
    if (slot > max) return badAddress(bus, slot, fn, ". slot must be <= " + max.toString());
    if (this.inUse(bus, slot, fn)) {
      const b = err(Code.XML_ERROR, From.DOMAIN);
      b.str("Attempted double use of PCI Address ");
      b.str(addressString(bus, slot, fn));
      return false;
    }
    return true;
  }

  /**
   * The first free place for a device with these flags, searching buses from 0 and slots from
   * each bus's first (a wholly free slot, or a free function of an aggregating slot for a device
   * that aggregates); packed, or NOT_FOUND after reporting the error. A dry run adds a bus instead.
   */
  findFree(flags: i32): i32 {
    for (let bus = 0; bus < this.count; bus++) {
      const found = this.findOnBus(bus, flags);
      if (found != NOT_FOUND) return found;
    }
    if (this.dryRun) {
      const model = this.modelToAdd(flags);
      if (model < 0) return NOT_FOUND;
      this.addBus(model);
      return packAddress(this.count - 1, this.minSlot.get(this.count - 1), 0);
    }
    err(Code.INTERNAL_ERROR, From.DOMAIN).str("No more available PCI slots");
    return NOT_FOUND;
  }

  /** Finds and takes a free place (findFree, then take). */
  takeFree(flags: i32): i32 {
    const a = this.findFree(flags);
    if (a != NOT_FOUND) this.take(a >> 8, (a >> 3) & 31, a & 7, flags);
    return a;
  }

  private findOnBus(bus: i32, flags: i32): i32 {
    const accepts = this.accepts.get(bus);
    if ((flags & accepts & Connect.TYPES) == 0) return NOT_FOUND;
    if ((flags & Connect.HOTPLUG) != 0 && (accepts & Connect.HOTPLUG) == 0) return NOT_FOUND;
    for (let slot = this.minSlot.get(bus); slot <= this.maxSlot.get(bus); slot++) {
      const used = this.functions.get(bus * SLOTS + slot);
      if (used == 0) return packAddress(bus, slot, 0);
      if ((flags & Connect.AGGREGATE) == 0 || this.aggregate.get(bus * SLOTS + slot) == 0) continue;
      for (let fn = 0; fn < 8; fn++) if ((used & (1 << fn)) == 0) return packAddress(bus, slot, fn);
    }
    return NOT_FOUND;
  }

  /** The controller a dry run adds to give a device with these flags a slot (-1 if none can). */
  private modelToAdd(flags: i32): i32 {
    if ((flags & Connect.PCIE_DEVICE) != 0 && this.models.get(0) == BusModel.PCIE_ROOT) return BusModel.PCIE_ROOT_PORT;
    if ((flags & Connect.PCI_DEVICE) != 0 && this.models.get(0) == BusModel.PCI_ROOT) return BusModel.PCI_BRIDGE;
    // libvirt would build a conventional PCI tree under pcie-root (pcie-to-pci-bridge); the VMM has none
    err(Code.CONFIG_UNSUPPORTED, From.DOMAIN).str("no free PCI slot for a conventional PCI device: add a <controller type='pci' model='pcie-to-pci-bridge'> and address the device on it");
    return -1;
  }
}

/** libvirt's way of writing an address in messages: 0000:00:05.0. */
export function addressString(bus: i32, slot: i32, fn: i32): string {
  return "0000:" + hex2(bus) + ":" + hex2(slot) + "." + fn.toString();
}

function hex2(v: i32): string {
  const s = v.toString(16);
  return s.length < 2 ? "0" + s : s;
}

function badAddress(bus: i32, slot: i32, fn: i32, rest: string): bool {
  err(Code.XML_ERROR, From.DOMAIN).str("Invalid PCI address " + addressString(bus, slot, fn) + rest);
  return false;
}
