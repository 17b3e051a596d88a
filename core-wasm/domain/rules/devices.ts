// Devices other than chardevs and graphics: disks, controllers (libvirt's ordering, index
// assignment and implicit controllers), interfaces (MAC addresses), filesystems, hostdevs, video,
// input, smartcards, watchdogs, balloons, RNGs and redirdevs.
import { Code, From } from "../../errors";
import { NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { IntVec } from "../../util/intvec";
import { InsertionOrder } from "../insertion-order";
import { ByteBuf, sliceEquals } from "../../util/bytes";
import { intern } from "../../xml/symbols";
import { random_fill } from "../../host";
import {
  attrEnum, attrOf, ctx, enumIndex, err, found, invalidAttr, loadText, putAttr, readEnum, readSigned, readUnsigned, readUnsignedAuto,
  setAttr, setAttrHex, setAttrNumber, textLen, textOff, value,
} from "../context";
import { checkChardevSource, Owner } from "./chardev";
import { kib, scaleToKiB } from "./memory";
import { parsedU64, parseU64 } from "../values";

// ---- addresses ---------------------------------------------------------------------------------

/** <address type='pci'>: numbers read with C base-0 rules, written 0x%04x/0x%02x/0x%02x/0x%d. */
function checkAddress(a: i32): bool {
  const d = ctx.d;
  if (!readEnum(a, S.type, "none pci drive virtio-serial ccid usb spapr-vio virtio-s390 ccw virtio-mmio isa dimm unassigned", true, true)) return false;
  if (value == 2) {
    // a drive address names all four coordinates; missing ones are 0
    const fields: StaticArray<i32> = [S.controller, S.bus, S.target, S.unit];
    for (let i = 0; i < 4; i++) {
      if (!readUnsigned(a, fields[i])) return false;
      if (!found) setAttr(a, fields[i], "0");
    }
    return true;
  }
  if (value != 1) return true;
  if (!readUnsignedAuto(a, S.domain)) return false;
  const dom = found ? value : 0;
  if (!readUnsignedAuto(a, S.bus)) return false;
  const bus = found ? value : 0;
  if (!readUnsignedAuto(a, S.slot)) return false;
  const slot = found ? value : 0;
  if (!readUnsignedAuto(a, S.function_)) return false;
  const fn = found ? value : 0;
  if (dom == 0 && bus == 0 && slot == 0) {
    d.removeAttr(a, S.domain);
    d.removeAttr(a, S.bus);
    d.removeAttr(a, S.slot);
    d.removeAttr(a, S.function_);
    return true;
  }
  if (bus > 0xff) return pciRange("bus='0x", bus, "', must be <= 0xFF");
  if (slot > 0x1f) return pciRange("slot='0x", slot, "', must be <= 0x1F");
  if (fn > 7) return pciRange("function=0x", fn, ", must be <= 7");
  setAttrHex(a, S.domain, <u64>dom, 4);
  setAttrHex(a, S.bus, <u64>bus, 2);
  setAttrHex(a, S.slot, <u64>slot, 2);
  setAttrHex(a, S.function_, <u64>fn, 1);
  return true;
}

function pciRange(what: string, v: i64, rest: string): bool {
  const b = err(Code.XML_ERROR, From.NONE);
  b.str("Invalid PCI address ");
  b.str(what);
  b.hex(<u64>v, 1);
  b.str(rest);
  return false;
}

// ---- disks -------------------------------------------------------------------------------------

const DISK_TYPES = "file block dir network volume nvme vhostuser vhostvdpa";
const DISK_DEVICES = "floppy disk cdrom lun";
const DISK_BUSES = "none ide fdc scsi virtio xen usb uml sata sd";
const BUS_IDE = 1;
const BUS_FDC = 2;
const BUS_SCSI = 3;
const BUS_SATA = 8;

/** Highest drive-address controller used per bus (ide, fdc, scsi, sata), for implicit controllers. */
const driveMax = new StaticArray<i32>(10);

function checkDisk(disk: i32): bool {
  const d = ctx.d;
  if (attrOf(disk, S.type) == NONE) setAttr(disk, S.type, "file");
  else if (!readEnum(disk, S.type, DISK_TYPES)) return false;
  if (attrOf(disk, S.device) == NONE) setAttr(disk, S.device, "disk");
  else if (!readEnum(disk, S.device, DISK_DEVICES)) return false;
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
    if (!readEnum(target, S.bus, DISK_BUSES, false, true)) return false;
    bus = <i32>value;
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
    if (readUnsigned(address, S.controller) && found && <i32>value > unchecked(driveMax[bus])) unchecked((driveMax[bus] = <i32>value));
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

/** An iSCSI source name without "/LUN" means LUN 0, which libvirt writes out. */
function defaultLun(src: i32): void {
  const d = ctx.d;
  const a = attrOf(src, S.name);
  if (a == NONE) return;
  for (let i = 0, n = d.aLenOf(a); i < n; i++) if (d.buf.at(d.aOffOf(a) + i) == 47) return;
  const off = d.buf.length;
  d.buf.slice(d.buf, d.aOffOf(a), d.aLenOf(a));
  d.buf.str("/0");
  d.setAttrSlice(src, S.name, off, d.buf.length - off);
}

const PROTOCOLS = "nbd rbd sheepdog gluster iscsi http https ftp ftps tftp ssh vxhs nfs";
const DEFAULT_PORTS: StaticArray<i32> = [10809, 0, 7000, 24007, 3260, 80, 443, 21, 990, 69, 22, 9999, 0];

function checkNetworkSource(src: i32): bool {
  const d = ctx.d;
  if (attrOf(src, S.protocol) == NONE) {
    const b = err(Code.XML_ERROR, From.XML);
    b.str("Missing required attribute 'protocol' in element 'source'");
    return false;
  }
  const protocol = attrEnum(src, S.protocol, PROTOCOLS);
  if (protocol < 0) return invalidAttr(src, S.protocol);
  if (protocol != 0 && attrOf(src, S.name) == NONE) {
    err(Code.XML_ERROR).str("missing name for disk source");
    return false;
  }
  if (protocol == 4) defaultLun(src);
  for (let h = d.child(src, S.host); h != NONE; h = d.nextNamed(h)) {
    const transport = attrEnum(h, S.transport, "tcp unix rdma");
    if (transport == 1) {
      if (attrOf(h, S.socket) == NONE) {
        err(Code.XML_ERROR).str("missing socket for unix transport");
        return false;
      }
      continue;
    }
    if (attrOf(h, S.name) == NONE) {
      err(Code.XML_ERROR).str("missing name for host");
      return false;
    }
    if (attrOf(h, S.port) == NONE && unchecked(DEFAULT_PORTS[protocol]) != 0) setAttrNumber(h, S.port, <u64>unchecked(DEFAULT_PORTS[protocol]));
  }
  return true;
}

// ---- controllers ---------------------------------------------------------------------------------

const CONTROLLER_TYPES = "ide fdc scsi sata virtio-serial ccid usb pci xenbus isa";
const USB = 6;
/** USB models, as indexes into CONTROLLER_MODELS[USB]. */
const USB_EHCI1 = 3;
const USB_UHCI1 = 4;
const USB_UHCI3 = 6;
const USB_NONE = 13;
const controllers = new IntVec(64);
/** The controllers in libvirt's order: group = type, index = index (-1 while unassigned). */
const controllerOrder = new InsertionOrder();

function controllerType(c: i32): i32 {
  return attrEnum(c, S.type, CONTROLLER_TYPES);
}

function controllerIndex(c: i32): i32 {
  const a = attrOf(c, S.index);
  if (a == NONE || !parseU64(ctx.d.buf, ctx.d.aOffOf(a), ctx.d.aLenOf(a))) return -1;
  return <i32>parsedU64;
}

function checkControllers(devices: i32): bool {
  const d = ctx.d;
  controllers.clear();
  controllerOrder.clear();
  let usbOther = false;
  let usbMaster = false;
  for (let c = d.child(devices, S.controller); c != NONE; c = d.nextNamed(c)) {
    if (attrOf(c, S.type) == NONE) setAttr(c, S.type, "ide");
    else if (!readEnum(c, S.type, CONTROLLER_TYPES)) return false;
    if (!readSigned(c, S.index) || (found && value > 0x7fffffff)) return invalidAttr(c, S.index, "Expected integer value");
    if (found && value < 0) return invalidAttr(c, S.index, "Expected non-negative value");
    if (attrOf(c, S.model) != NONE && !checkControllerModel(c)) return false;
    const addr = d.child(c, S.address);
    if (addr != NONE && !checkAddress(addr)) return false;
    const type = controllerType(c);
    if (type == USB) {
      defaultCompanionMaster(c);
      if (usbModel(c) != USB_NONE) usbOther = true;
      if (d.child(c, S.master) == NONE) usbMaster = true;
    }
    controllers.push(c);
    controllerOrder.insert(c, type, controllerIndex(c), true, d.child(c, S.master) != NONE);
  }
  // USB controllers that are all companions have no EHCI whose bus they could share.
  if (usbOther && !usbMaster) {
    err(Code.XML_DETAIL).str("No master USB controller specified");
    return false;
  }
  const items = controllerOrder.items;
  const types = controllerOrder.groups;
  const indexes = controllerOrder.indexes;
  // Index-less controllers get the lowest index their type does not use yet, except that a USB2
  // controller joins the USB2 group just before it (virDomainAssignControllerIndexes).
  for (let i = 0; i < items.length; i++) {
    if (indexes.get(i) >= 0) continue;
    let idx = usb2GroupIndex(i);
    if (idx < 0) {
      idx = 0;
      while (controllerOrder.has(types.get(i), idx)) idx++;
    }
    indexes.set(i, idx);
    setAttrNumber(items.get(i), S.index, <u64>idx);
  }
  for (let i = 0; i < items.length; i++) {
    if (types.get(i) == USB) continue; // USB companions share an index
    for (let k = 0; k < i; k++) {
      if (types.get(k) == types.get(i) && indexes.get(k) == indexes.get(i)) {
        const c = items.get(i);
        const b = err(Code.XML_ERROR);
        b.str("Multiple '");
        putAttr(b, c, S.type);
        b.str("' controllers with index '");
        putAttr(b, c, S.index);
        b.str("'");
        return false;
      }
    }
  }
  if (controllers.length > 0) controllerOrder.relink(d, devices, controllers.get(0));
  return true;
}

/** The model of USB controller c as an index into its CONTROLLER_MODELS list, -1 without one. */
function usbModel(c: i32): i32 {
  return attrEnum(c, S.model, CONTROLLER_MODELS[USB]);
}

/** An ICH9 EHCI or one of its UHCI companions: the controllers that share one USB2 bus. */
function isUsb2(c: i32): bool {
  const model = usbModel(c);
  return controllerType(c) == USB && model >= USB_EHCI1 && model <= USB_UHCI3;
}

/** A UHCI companion written without <master> gets its usual ports: 0, 2 or 4. */
function defaultCompanionMaster(c: i32): void {
  const model = usbModel(c);
  if (model < USB_UHCI1 || model > USB_UHCI3 || ctx.d.child(c, S.master) != NONE) return;
  setAttrNumber(ctx.d.addElement(c, S.master), S.startport, <u64>((model - USB_UHCI1) * 2));
}

/**
 * The index an index-less USB2 controller (item i of controllerOrder) shares with its group: the
 * previous USB controller's, when that one is USB2 and its index has no controller of this model
 * yet; -1 otherwise (libvirt then picks the lowest unused index).
 */
function usb2GroupIndex(i: i32): i32 {
  const items = controllerOrder.items;
  const c = items.get(i);
  if (i == 0 || !isUsb2(c)) return -1;
  let prev = i - 1;
  while (prev >= 0 && controllerOrder.groups.get(prev) != USB) prev--;
  if (prev < 0 || !isUsb2(items.get(prev))) return -1;
  const idx = controllerOrder.indexes.get(prev);
  const model = usbModel(c);
  for (let k = 0; k < items.length; k++) {
    if (controllerOrder.groups.get(k) == USB && controllerOrder.indexes.get(k) == idx && usbModel(items.get(k)) == model) return -1;
  }
  return idx;
}

/** Models per controller type, in CONTROLLER_TYPES order ("" = the type takes no model). */
const CONTROLLER_MODELS: StaticArray<string> = [
  "piix3 piix4 ich6",
  "",
  "auto buslogic lsilogic lsisas1068 vmpvscsi ibmvscsi virtio-scsi lsisas1078 virtio-transitional virtio-non-transitional ncr53c90 am53c974 dc390",
  "",
  "virtio virtio-transitional virtio-non-transitional",
  "",
  "piix3-uhci piix4-uhci ehci ich9-ehci1 ich9-uhci1 ich9-uhci2 ich9-uhci3 vt82c686b-uhci pci-ohci nec-xhci qusb1 qusb2 qemu-xhci none",
  "pci-root pcie-root pci-bridge dmi-to-pci-bridge pcie-to-pci-bridge pcie-root-port pcie-switch-upstream-port pcie-switch-downstream-port pci-expander-bus pcie-expander-bus",
  "",
  "",
];

function checkControllerModel(c: i32): bool {
  const type = controllerType(c);
  if (type >= 0 && attrEnum(c, S.model, CONTROLLER_MODELS[type]) >= 0) return true;
  const b = err(Code.CONFIG_UNSUPPORTED);
  b.str("Unknown model type '");
  putAttr(b, c, S.model);
  b.str("'");
  return false;
}



/** Adds <controller type=T index=I/> after the last controller when no such controller exists. */
function ensureController(devices: i32, type: string, idx: i32): void {
  const d = ctx.d;
  const t = attrEnumIndex(type);
  if (controllerOrder.has(t, idx)) return;
  const c = d.newElement(S.controller);
  setAttr(c, S.type, type);
  setAttrNumber(c, S.index, <u64>idx);
  const items = controllerOrder.items;
  if (items.length == 0) d.appendChild(devices, c);
  else d.insertAfter(devices, c, items.get(items.length - 1));
  controllerOrder.append(c, t, idx);
}

function attrEnumIndex(type: string): i32 {
  const b = ctx.d.buf;
  const off = b.length;
  b.str(type);
  const idx = enumIndex(b, off, b.length - off, CONTROLLER_TYPES);
  b.length = off;
  return idx;
}

/** Controllers that devices imply: drive controllers, virtio-serial for virtio channels, ccid. */
function addImplicitControllers(devices: i32): void {
  const d = ctx.d;
  const busTypes: StaticArray<i32> = [BUS_SCSI, BUS_FDC, BUS_IDE, BUS_SATA];
  const names: StaticArray<string> = ["scsi", "fdc", "ide", "sata"];
  for (let i = 0; i < 4; i++) {
    const max = unchecked(driveMax[busTypes[i]]);
    for (let idx = 0; idx <= max; idx++) ensureController(devices, names[i], idx);
  }
  for (let c = d.firstElement(devices); c != NONE; c = d.nextElement(c)) {
    const name = d.nameOf(c);
    if (name != S.channel && name != S.console) continue;
    const t = d.child(c, S.target);
    if (t == NONE || !d.attrIs(t, S.type, "virtio")) continue;
    const a = d.child(c, S.address);
    let idx = 0;
    if (a != NONE && d.attrIs(a, S.type, "virtio-serial") && readUnsigned(a, S.controller) && found) idx = <i32>value;
    ensureController(devices, "virtio-serial", idx);
  }
  let nextSlot = 0;
  for (let s = d.child(devices, S.smartcard); s != NONE; s = d.nextNamed(s)) {
    let a = d.child(s, S.address);
    let idx = 0;
    if (a == NONE) {
      a = d.addElement(s, S.address);
      setAttr(a, S.type, "ccid");
      setAttr(a, S.controller, "0");
      setAttrNumber(a, S.slot, <u64>nextSlot);
      nextSlot++;
    } else if (d.attrIs(a, S.type, "ccid")) {
      if (readUnsigned(a, S.controller) && found) idx = <i32>value;
      if (idx == 0 && readUnsigned(a, S.slot) && found && <i32>value >= nextSlot) nextSlot = <i32>value + 1;
    }
    ensureController(devices, "ccid", idx);
  }
}

// ---- interfaces ----------------------------------------------------------------------------------

const NET_TYPES = "user ethernet vhostuser server client mcast network bridge internal direct hostdev udp vdpa null vds";
const macBytes = new StaticArray<u8>(6);

function checkInterface(n: i32): bool {
  const d = ctx.d;
  if (attrOf(n, S.type) == NONE) setAttr(n, S.type, "user");
  else if (!readEnum(n, S.type, NET_TYPES)) return false;
  const type = attrEnum(n, S.type, NET_TYPES);
  const needsSource = type == 2 || type == 3 || type == 4 || type == 5 || type == 6 || type == 7 || type == 8 || type == 9 || type == 11 || type == 12 || type == 14;
  if (needsSource && d.child(n, S.source) == NONE) {
    const b = err(Code.XML_ERROR);
    b.str("interface type='");
    putAttr(b, n, S.type);
    b.str("' requires a 'source' element");
    return false;
  }
  if (type == 9) {
    const src = d.child(n, S.source);
    if (attrOf(src, S.mode) == NONE) setAttr(src, S.mode, "vepa");
  }
  const link = d.child(n, S.link);
  if (link != NONE && attrOf(link, S.state) != NONE && attrEnum(link, S.state, "up down") < 0) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("unknown interface link state '");
    putAttr(b, link, S.state);
    b.str("'");
    return false;
  }
  const source = d.child(n, S.source);
  if (source != NONE && ctx.inactive) d.removeAttr(source, S.portid); // a port binding exists only while running
  let mac = d.child(n, S.mac);
  if (mac == NONE) mac = d.addElement(n, S.mac);
  const a = attrOf(mac, S.address);
  let zero = true;
  if (a != NONE) {
    if (!parseMac(d.aOffOf(a), d.aLenOf(a))) {
      const b = err(Code.XML_ERROR);
      b.str("unable to parse mac address '");
      putAttr(b, mac, S.address);
      b.str("'");
      return false;
    }
    for (let i = 0; i < 6; i++) if (unchecked(macBytes[i]) != 0) zero = false;
    if ((unchecked(macBytes[0]) & 1) != 0) {
      const b = err(Code.XML_ERROR);
      b.str("expected unicast mac address, found multicast '");
      putAttr(b, mac, S.address);
      b.str("'");
      return false;
    }
  }
  if (a == NONE || zero) {
    unchecked((macBytes[0] = ctx.macPrefix0));
    unchecked((macBytes[1] = ctx.macPrefix1));
    unchecked((macBytes[2] = ctx.macPrefix2));
    random_fill(changetype<usize>(macBytes) + 3, 3);
  }
  const off = d.buf.length;
  for (let i = 0; i < 6; i++) {
    if (i > 0) d.buf.byte(58);
    d.buf.hex(<u64>unchecked(macBytes[i]), 2);
  }
  d.setAttrSlice(mac, S.address, off, d.buf.length - off);
  const target = d.child(n, S.target);
  if (target != NONE && ctx.inactive && !d.attrIs(target, S.managed, "no")) {
    const dev = attrOf(target, S.dev);
    if (dev != NONE) {
      const o = d.aOffOf(dev);
      const l = d.aLenOf(dev);
      if ((l >= 4 && d.buf.equals(o, 4, "vnet")) || (l >= 7 && (d.buf.equals(o, 7, "macvtap") || d.buf.equals(o, 7, "macvlan")))) {
        d.removeAttr(target, S.dev);
        if (d.attrFirstOf(target) == NONE) d.remove(target);
      }
    }
  }
  const address = d.child(n, S.address);
  return address == NONE || checkAddress(address);
}

/** Six groups of one or two hex digits separated by ':' (virMacAddrParse). */
function parseMac(off: i32, len: i32): bool {
  const b = ctx.d.buf;
  let p = off;
  const end = off + len;
  for (let i = 0; i < 6; i++) {
    let v = 0;
    let digits = 0;
    while (p < end && digits < 3) {
      const c = <i32>b.at(p) | 0;
      let h = -1;
      if (c >= 48 && c <= 57) h = c - 48;
      else if ((c | 32) >= 97 && (c | 32) <= 102) h = (c | 32) - 87;
      if (h < 0) break;
      v = v * 16 + h;
      digits++;
      p++;
    }
    if (digits == 0 || digits > 2) return false;
    unchecked((macBytes[i] = <u8>v));
    if (i < 5) {
      if (p >= end || b.at(p) != 58) return false;
      p++;
    }
  }
  while (p < end) {
    if (b.at(p) > 32) return false;
    p++;
  }
  return true;
}

// ---- filesystems, hostdevs, video, input, misc -------------------------------------------------------

function checkFilesystem(fs: i32): bool {
  const d = ctx.d;
  if (attrOf(fs, S.type) == NONE) setAttr(fs, S.type, "mount");
  else if (!readEnum(fs, S.type, "mount block file template ram bind volume")) return false;
  const src = d.child(fs, S.source);
  if (attrOf(fs, S.accessmode) == NONE) {
    if (src == NONE || attrOf(src, S.socket) == NONE) setAttr(fs, S.accessmode, "passthrough");
  } else if (!readEnum(fs, S.accessmode, "default passthrough mapped squash")) return false;
  if (d.attrIs(fs, S.type, "ram") && src != NONE && attrOf(src, S.usage) != NONE) {
    const u = attrOf(src, S.usage);
    if (!parseU64(d.buf, d.aOffOf(u), d.aLenOf(u))) return invalidAttr(src, S.usage, "Expected non-negative integer value");
    if (!scaleToKiB(src, parsedU64, S.units)) return false;
    setAttrNumber(src, S.usage, kib);
    setAttr(src, S.units, "KiB");
  }
  return true;
}

function checkHostdev(h: i32): bool {
  const d = ctx.d;
  if (attrOf(h, S.mode) == NONE) setAttr(h, S.mode, "subsystem");
  else if (!readEnum(h, S.mode, "subsystem capabilities")) return false;
  if (attrOf(h, S.type) == NONE) {
    const b = err(Code.XML_ERROR, From.XML);
    b.str("Missing required attribute 'type' in element 'hostdev'");
    return false;
  }
  if (d.attrIs(h, S.mode, "subsystem")) {
    if (!d.attrIs(h, S.managed, "yes")) setAttr(h, S.managed, "no");
    const src = d.child(h, S.source);
    if (src != NONE && d.attrIs(h, S.type, "pci")) {
      // the host PCI address is always written in full, even when all zero
      let a = d.child(src, S.address);
      if (a == NONE) a = d.addElement(src, S.address);
      const fields: StaticArray<i32> = [S.domain, S.bus, S.slot, S.function_];
      const widths: StaticArray<i32> = [4, 2, 2, 1];
      for (let i = 0; i < 4; i++) {
        if (!readUnsignedAuto(a, fields[i])) return false;
        setAttrHex(a, fields[i], found ? <u64>value : 0, widths[i]);
      }
    }
    if (src != NONE && d.attrIs(src, S.protocol, "iscsi")) defaultLun(src);
  }
  return true;
}

const VIDEO_MODELS = "default vga cirrus vmvga xen vbox qxl parallels virtio gop none bochs ramfb";

/**
 * Videos: one may be primary (libvirt moves it first), the first one is the primary one, a video
 * without <model> gets the driver's default model, and graphics without any video get one.
 */
function checkVideos(devices: i32): bool {
  const d = ctx.d;
  let primary = NONE;
  for (let v = d.child(devices, S.video); v != NONE; v = d.nextNamed(v)) {
    const model = d.child(v, S.model);
    if (model == NONE || !d.attrIs(model, S.primary, "yes")) continue;
    if (primary != NONE) {
      err(Code.CONFIG_UNSUPPORTED).str("Only one primary video device is supported");
      return false;
    }
    primary = v;
  }
  const first = d.child(devices, S.video);
  if (primary != NONE && primary != first) {
    d.remove(primary);
    d.insertBefore(devices, primary, first);
  }
  if (first == NONE && d.child(devices, S.graphics) != NONE) d.addElement(devices, S.video);
  let isFirst = true;
  for (let v = d.child(devices, S.video); v != NONE; v = d.nextNamed(v)) {
    let model = d.child(v, S.model);
    if (model == NONE) model = d.addElement(v, S.model);
    if (attrOf(model, S.type) == NONE) setAttr(model, S.type, ctx.defaultVideoModel);
    if (!readEnum(model, S.type, VIDEO_MODELS)) return false;
    const type = <i32>value;
    if (type == 10) {
      if (d.countNamed(devices, S.video) > 1) {
        err(Code.CONFIG_UNSUPPORTED).str("a 'none' video type must be the only video device defined for the domain");
        return false;
      }
      d.removeAttr(model, S.primary);
    } else {
      if (attrOf(model, S.heads) == NONE) setAttr(model, S.heads, "1");
      if (!defaultVideoRam(model, type)) return false;
      if (isFirst) setAttr(model, S.primary, "yes");
      else d.removeAttr(model, S.primary);
    }
    isFirst = false;
  }
  return true;
}

/** vram (and qxl ram) default per model, rounded up to a power of two, as libvirt's post-parse. */
function defaultVideoRam(model: i32, type: i32): bool {
  let fallback: u64 = 0;
  if (type == 1 || type == 2 || type == 3 || type == 11) fallback = 16384;
  else if (type == 4) fallback = 4096;
  else if (type == 6) fallback = 65536;
  if (!readUnsigned(model, S.vram)) return false;
  let vram = found ? <u64>value : 0;
  if (vram == 0) vram = fallback;
  if (vram != 0) setAttrNumber(model, S.vram, roundPow2(vram));
  if (type == 6) {
    if (!readUnsigned(model, S.ram)) return false;
    let ram = found ? <u64>value : 0;
    if (ram == 0) ram = fallback;
    setAttrNumber(model, S.ram, roundPow2(ram));
  }
  return true;
}

function roundPow2(v: u64): u64 {
  let p: u64 = 1;
  while (p < v) p <<= 1;
  return p;
}

const INPUT_TYPES = "mouse tablet keyboard passthrough evdev";

function checkInput(n: i32, hvm: bool): bool {
  if (attrOf(n, S.type) == NONE) {
    err(Code.INTERNAL_ERROR).str("missing input device type");
    return false;
  }
  const type = attrEnum(n, S.type, INPUT_TYPES);
  if (type < 0) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("unknown input device type '");
    putAttr(b, n, S.type);
    b.str("'");
    return false;
  }
  if (attrOf(n, S.bus) != NONE) {
    if (attrEnum(n, S.bus, "default ps2 usb xen parallels virtio none") <= 0) {
      const b = err(Code.CONFIG_UNSUPPORTED);
      b.str("unknown input bus type '");
      putAttr(b, n, S.bus);
      b.str("'");
      return false;
    }
    if (ctx.d.attrIs(n, S.bus, "none")) ctx.d.removeAttr(n, S.bus);
  } else if (hvm) {
    if (type == 0 || type == 2) setAttr(n, S.bus, "ps2");
    else if (type == 3) setAttr(n, S.bus, "virtio");
    else if (type != 4) setAttr(n, S.bus, "usb");
  }
  return true;
}

function checkOtherDevice(n: i32): bool {
  const d = ctx.d;
  const name = d.nameOf(n);
  if (name == S.watchdog) {
    if (!readEnum(n, S.model, "i6300esb ib700 diag288 itco", true)) return false;
    if (attrOf(n, S.action) == NONE) setAttr(n, S.action, "reset");
    else if (!readEnum(n, S.action, "reset shutdown poweroff pause dump none inject-nmi")) return false;
  } else if (name == S.memballoon) {
    if (!readEnum(n, S.model, "virtio xen none virtio-transitional virtio-non-transitional", true)) return false;
  } else if (name == S.rng) {
    if (!readEnum(n, S.model, "virtio virtio-transitional virtio-non-transitional", true)) return false;
    if (d.countNamed(n, S.backend) != 1) {
      err(Code.XML_ERROR).str("only one RNG backend is supported");
      return false;
    }
    const backend = d.child(n, S.backend);
    if (!readEnum(backend, S.model, "random egd builtin", true)) return false;
    if (value == 0) {
      loadText(backend);
      if (textLen == 0) d.setText(backend, "/dev/random");
    } else if (value == 1) {
      if (attrOf(backend, S.type) == NONE) {
        err(Code.XML_ERROR).str("missing EGD backend type");
        return false;
      }
      if (!checkChardevSource(backend, Owner.Other, false)) return false;
    }
  } else if (name == S.smartcard) {
    if (!readEnum(n, S.mode, "host host-certificates passthrough", true)) return false;
    if (value == 2) {
      if (attrOf(n, S.type) == NONE) {
        err(Code.XML_ERROR).str("passthrough mode requires a character device type attribute");
        return false;
      }
      if (!checkChardevSource(n, Owner.Other, false)) return false;
    } else if (value == 1 && d.countNamed(n, S.certificate) != 3) {
      err(Code.XML_ERROR).str("host-certificates mode needs exactly three certificates");
      return false;
    }
  } else if (name == S.redirdev) {
    if (!checkChardevSource(n, Owner.Other, false)) return false;
  }
  const address = d.child(n, S.address);
  return address == NONE || checkAddress(address);
}

/** Two disks may not share a target name. */
function checkDuplicateTargets(devices: i32): bool {
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

/** A boot order number names one device only. */
function checkBootOrders(devices: i32): bool {
  const d = ctx.d;
  bootOrders.clear();
  for (let dev = d.firstElement(devices); dev != NONE; dev = d.nextElement(dev)) {
    const boot = d.child(dev, S.boot);
    if (boot == NONE) continue;
    if (!readUnsigned(boot, S.order, true, true)) return false;
    const order = <i32>value;
    for (let i = 0; i < bootOrders.length; i++) {
      if (bootOrders.get(i) != order) continue;
      const b = err(Code.CONFIG_UNSUPPORTED);
      b.str("boot order '");
      putAttr(b, boot, S.order);
      b.str("' used for more than one device");
      return false;
    }
    bootOrders.push(order);
  }
  return true;
}

const bootOrders = new IntVec(16);

/**
 * Disks in libvirt's insertion order, grouped by bus. libvirt groups by the bus as written (so its
 * own output can sort differently when parsed again); virtkit groups by the bus after inference,
 * which is the same whenever buses are written and keeps canonical output a fixed point.
 */
function orderDisks(devices: i32): void {
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

/**
 * Device aliases are assigned by a running hypervisor: inactive XML keeps only the user's own
 * ("ua-" prefixed) ones.
 */
function dropRuntimeAliases(devices: i32): void {
  const d = ctx.d;
  for (let dev = d.firstElement(devices); dev != NONE; dev = d.nextElement(dev)) {
    const alias = d.child(dev, S.alias);
    if (alias == NONE) continue;
    const name = attrOf(alias, S.name);
    if (name == NONE || d.aLenOf(name) < 3 || !d.buf.equals(d.aOffOf(name), 3, "ua-")) d.remove(alias);
  }
}

/** Runs every device rule except chardevs and graphics, then adds implicit controllers. */
export function checkDevices(devices: i32, hvm: bool): bool {
  const d = ctx.d;
  if (ctx.inactive) dropRuntimeAliases(devices);
  for (let i = 0; i < 10; i++) unchecked((driveMax[i] = -1));
  if (d.countNamed(devices, S.memballoon) > 1) {
    err(Code.INTERNAL_ERROR).str("only a single memory balloon device is supported");
    return false;
  }
  if (d.countNamed(devices, S.emulator) > 1) {
    err(Code.XML_ERROR).str("only one emulator is supported");
    return false;
  }
  for (let dev = d.firstElement(devices); dev != NONE; dev = d.nextElement(dev)) {
    const name = d.nameOf(dev);
    let ok = true;
    if (name == S.disk) ok = checkDisk(dev);
    else if (name == S.interface_) ok = checkInterface(dev);
    else if (name == S.filesystem) ok = checkFilesystem(dev);
    else if (name == S.hostdev) ok = checkHostdev(dev);
    else if (name == S.input) ok = checkInput(dev, hvm);
    else if (name == S.watchdog || name == S.memballoon || name == S.rng || name == S.smartcard || name == S.redirdev) ok = checkOtherDevice(dev);
    if (!ok) return false;
  }
  orderDisks(devices);
  if (!checkDuplicateTargets(devices) || !checkBootOrders(devices)) return false;
  if (!checkControllers(devices)) return false;
  if (!checkVideos(devices)) return false;
  addImplicitControllers(devices);
  return true;
}

/** Sum of <memory> device sizes in KiB (hotplugged DIMMs count towards the total). */
export function hotplugMemoryKiB(devices: i32): u64 {
  const d = ctx.d;
  let total: u64 = 0;
  for (let m = d.child(devices, S.memory); m != NONE; m = d.nextNamed(m)) {
    const target = d.child(m, S.target);
    if (target == NONE) continue;
    const size = d.child(target, S.size);
    if (size == NONE) continue;
    loadText(size);
    if (textLen > 0 && parseU64(d.buf, textOff, textLen) && scaleToKiB(size, parsedU64, S.unit)) {
      total += kib;
      d.setTextU64(size, kib);
      setAttr(size, S.unit, "KiB");
    }
  }
  return total;
}

