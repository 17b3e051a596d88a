// Disks: types, devices and buses (inferred from the target name), drive addresses, their order
// and unique targets.
import { Code } from "../../../errors";
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { IntVec } from "../../../util/intvec";
import { InsertionOrder } from "../../insertion-order";
import { ByteBuf, sliceEquals } from "../../../util/bytes";
import { intern } from "../../../xml/symbols";
import { attrEnum, AttrNumber, attrOf, ctx, err, putAttr, readEnum, readUnsigned, setAttr, setAttrNumber } from "../../context";
import { checkAddress } from "./address";
import { checkNetworkSource } from "./network-source";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

const DISK_TYPES = "file block dir network volume nvme vhostuser vhostvdpa";
const DISK_DEVICES = "floppy disk cdrom lun";
const DISK_BUSES = "none ide fdc scsi virtio xen usb uml sata sd";
export const BUS_IDE = 1;
export const BUS_FDC = 2;
export const BUS_SCSI = 3;
export const BUS_SATA = 8;

/** The highest drive-address controller index accepted (controllers 0..N are all implied). */
const MAX_DRIVE_CONTROLLER: i64 = 1023;

/** Highest drive-address controller used per bus (ide, fdc, scsi, sata), for implicit controllers. */
export const driveMax = new StaticArray<i32>(10);

export function checkDisk(disk: i32): bool {
  const d = ctx.d;
  if (attrOf(disk, S.type) == NONE) setAttr(disk, S.type, "file");
  else if (!readEnum(disk, S.type, DISK_TYPES, attr)) return false;
  if (attrOf(disk, S.device) == NONE) setAttr(disk, S.device, "disk");
  else if (!readEnum(disk, S.device, DISK_DEVICES, attr)) return false;
  const device = attrEnum(disk, S.device, DISK_DEVICES);
  const driver = d.child(disk, S.driver);
  if (driver != NONE && attrOf(driver, S.type) != NONE && attrEnum(driver, S.type, DISK_FORMATS) < 0) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("unknown driver format value '");
    putAttr(b, driver, S.type);
    b.str("'");
    return false;
  }
  const src = d.child(disk, S.source);
  if (ctx.inactive) dropRuntimeIndexes(disk);
  if (src == NONE) setAttr(disk, S.type, "file");
  else {
    for (let k = 0; k < 3; k++) {
      const s = k == 0 ? S.file : k == 1 ? S.dev : S.dir;
      const a = attrOf(src, s);
      if (a != NONE && d.aLenOf(a) == 0) d.removeAttr(src, s);
    }
    if (d.attrIs(disk, S.type, "network") && !checkNetworkSource(src)) return false;
  }
  const target = d.child(disk, S.target);
  if (target == NONE || attrOf(target, S.dev) == NONE) {
    const b = err(Code.NO_TARGET);
    if (src != NONE) {
      const path = attrOf(src, S.file) != NONE ? S.file : attrOf(src, S.dev) != NONE ? S.dev : S.dir;
      if (attrOf(src, path) != NONE) {
        b.byte(32);
        putAttr(b, src, path);
      }
    }
    return false;
  }
  // Target names like "hdc" or "vdb1": the letters give the index used for drive addresses.
  const devAttr = attrOf(target, S.dev);
  const index = diskNameIndex(d.aOffOf(devAttr), d.aLenOf(devAttr));
  let bus = 0;
  if (attrOf(target, S.bus) == NONE) {
    bus = device == 0 ? BUS_FDC : busFromPrefix(d.aOffOf(devAttr), d.aLenOf(devAttr));
    setAttr(target, S.bus, busName(bus));
  } else {
    if (!readEnum(target, S.bus, DISK_BUSES, attr, false, true)) return false;
    bus = <i32>attr.value;
  }
  if (device == 2 && d.child(disk, S.readonly) == NONE) d.addElement(disk, S.readonly);
  let address = d.child(disk, S.address);
  if (address == NONE) {
    if (index < 0) {
      const b = err(Code.XML_ERROR);
      b.str("Unknown disk name '");
      putAttr(b, target, S.dev);
      b.str("' and no address specified");
      return false;
    }
    if (bus == BUS_IDE || bus == BUS_SATA || bus == BUS_FDC || bus == BUS_SCSI) {
      address = d.addElement(disk, S.address);
      setAttr(address, S.type, "drive");
      let controller = 0;
      let dbus = 0;
      let unit = 0;
      if (bus == BUS_IDE) {
        controller = index / 4;
        dbus = (index % 4) / 2;
        unit = index % 2;
      } else if (bus == BUS_SATA) {
        controller = index / 6;
        unit = index % 6;
      } else if (bus == BUS_FDC) {
        controller = index / 2;
        unit = index % 2;
      } else {
        controller = index / 7;
        unit = index % 7;
      }
      setAttrNumber(address, S.controller, <u64>controller);
      setAttrNumber(address, S.bus, <u64>dbus);
      setAttrNumber(address, S.target, 0);
      setAttrNumber(address, S.unit, <u64>unit);
    }
  } else if (!checkAddress(address)) return false;
  if (address != NONE && d.attrIs(address, S.type, "drive") && bus < 10) {
    if (readUnsigned(address, S.controller, attr) && attr.present) {
      // every controller up to this one is added implicitly: a huge index would never finish
      if (attr.value > MAX_DRIVE_CONTROLLER) {
        err(Code.CONFIG_UNSUPPORTED).str("drive address controller '" + attr.value.toString() + "' is out of range (at most " + MAX_DRIVE_CONTROLLER.toString() + ")");
        return false;
      }
      if (<i32>attr.value > unchecked(driveMax[bus])) unchecked((driveMax[bus] = <i32>attr.value));
    }
  }
  return true;
}

const DISK_FORMATS = "raw dir bochs cloop dmg iso vpc vdi fat vhd ploop cow qcow qcow2 qed vmdk luks aio";

/** Backing-chain positions (index='N') belong to a running domain; inactive XML has none. */
function dropRuntimeIndexes(n: i32): void {
  const d = ctx.d;
  const src = d.child(n, S.source);
  if (src != NONE) d.removeAttr(src, S.index);
  d.removeAttr(n, S.index);
  const backing = d.child(n, S.backingStore);
  if (backing != NONE) dropRuntimeIndexes(backing);
}

const NAME_PREFIXES: StaticArray<string> = ["fd", "hd", "vd", "sd", "xvd", "ubd"];

/** libvirt's virDiskNameToIndex: prefix, letters (a=0 .. z=25, aa=26), optional digits; else -1. */
function diskNameIndex(off: i32, len: i32): i32 {
  const d = ctx.d;
  let p = -1;
  for (let i = 0; i < NAME_PREFIXES.length; i++) {
    const pre = NAME_PREFIXES[i];
    if (len > pre.length && d.buf.equals(off, pre.length, pre)) {
      p = pre.length;
      break;
    }
  }
  if (p < 0) return -1;
  let idx = 0;
  let letters = 0;
  while (p < len) {
    const c = <i32>d.buf.at(off + p);
    if (c < 97 || c > 122) break;
    idx = letters == 0 ? c - 97 : (idx + 1) * 26 + (c - 97);
    if (idx > 0xffffff) return -1;
    letters++;
    p++;
  }
  if (letters == 0) return -1;
  while (p < len) {
    const c = <i32>d.buf.at(off + p);
    if (c < 48 || c > 57) return -1;
    p++;
  }
  return idx;
}

function busFromPrefix(off: i32, len: i32): i32 {
  const b = ctx.d.buf;
  if (len >= 2 && b.equals(off, 2, "hd")) return BUS_IDE;
  if (len >= 2 && b.equals(off, 2, "sd")) return BUS_SCSI;
  if (len >= 2 && b.equals(off, 2, "vd")) return 4;
  if (len >= 3 && b.equals(off, 3, "xvd")) return 5;
  if (len >= 3 && b.equals(off, 3, "ubd")) return 7;
  return BUS_IDE;
}

function busName(bus: i32): string {
  return bus == BUS_IDE ? "ide" : bus == BUS_FDC ? "fdc" : bus == BUS_SCSI ? "scsi" : bus == 4 ? "virtio" : bus == 5 ? "xen" : bus == 7 ? "uml" : "ide";
}

/** Forgets the drive addresses of the previous document. */
export function resetDriveMax(): void {
  for (let i = 0; i < 10; i++) unchecked((driveMax[i] = -1));
}

/** Two disks may not share a target name. */
export function checkDuplicateTargets(devices: i32): bool {
  const d = ctx.d;
  disks.clear();
  for (let disk = d.child(devices, S.disk); disk != NONE; disk = d.nextNamed(disk)) disks.push(disk);
  if (disks.length < 2) return true;
  // Few disks: compare pairwise. Many: put target names through the symbol table (hashing).
  if (disks.length <= 32) {
    for (let i = 1; i < disks.length; i++) {
      for (let k = 0; k < i; k++) {
        if (sameTarget(disks.get(k), disks.get(i))) return duplicateTarget(disks.get(k), disks.get(i));
      }
    }
    return true;
  }
  diskWithTarget.clear();
  for (let i = 0; i < disks.length; i++) {
    const disk = disks.get(i);
    const dev = attrOf(d.child(disk, S.target), S.dev);
    const id = intern(d.buf.ptr + <usize>d.aOffOf(dev), d.aLenOf(dev));
    while (diskWithTarget.length <= id) diskWithTarget.push(NONE);
    const other = diskWithTarget.get(id);
    if (other != NONE) return duplicateTarget(other, disk);
    diskWithTarget.set(id, disk);
  }
  return true;
}

const disks = new IntVec(64);
const diskWithTarget = new IntVec(64);

function sameTarget(a: i32, b: i32): bool {
  const d = ctx.d;
  const x = attrOf(d.child(a, S.target), S.dev);
  const y = attrOf(d.child(b, S.target), S.dev);
  return sliceEquals(d.buf, d.aOffOf(x), d.aLenOf(x), d.buf, d.aOffOf(y), d.aLenOf(y));
}

function duplicateTarget(first: i32, second: i32): bool {
  const b = err(Code.XML_ERROR);
  b.str("target '");
  putAttr(b, ctx.d.child(second, S.target), S.dev);
  b.str("' duplicated for disk sources '");
  putDiskSource(b, first);
  b.str("' and '");
  putDiskSource(b, second);
  b.str("'");
  return false;
}

function putDiskSource(b: ByteBuf, disk: i32): void {
  const src = ctx.d.child(disk, S.source);
  const path = src == NONE ? NONE : attrOf(src, S.file) != NONE ? S.file : attrOf(src, S.dev) != NONE ? S.dev : attrOf(src, S.dir) != NONE ? S.dir : attrOf(src, S.name) != NONE ? S.name : NONE;
  if (path == NONE) b.str("<null>");
  else putAttr(b, src, path);
}

/**
 * Disks in libvirt's insertion order, grouped by bus. libvirt groups by the bus as written (so its
 * own output can sort differently when parsed again); virtkit groups by the bus after inference,
 * which is the same whenever buses are written and keeps canonical output a fixed point.
 */
export function orderDisks(devices: i32): void {
  const d = ctx.d;
  const first = d.child(devices, S.disk);
  if (first == NONE) return;
  diskOrder.clear();
  for (let disk = first; disk != NONE; disk = d.nextNamed(disk)) {
    const target = d.child(disk, S.target);
    const bus = target == NONE ? -2 : attrEnum(target, S.bus, DISK_BUSES);
    const dev = target == NONE ? NONE : attrOf(target, S.dev);
    diskOrder.insert(disk, bus, dev == NONE ? -1 : diskNameIndex(d.aOffOf(dev), d.aLenOf(dev)), false);
  }
  diskOrder.relink(d, devices, first);
}

const diskOrder = new InsertionOrder();
