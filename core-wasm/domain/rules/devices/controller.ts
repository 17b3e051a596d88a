// Controllers: models, libvirt's ordering and index assignment (USB2 companions share one), and
// the controllers other devices imply.
import { Code } from "../../../errors";
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { IntVec } from "../../../util/intvec";
import { InsertionOrder } from "../../insertion-order";
import {
  attrEnum, AttrNumber, attrOf, ctx, enumIndex, err, invalidAttr, putAttr, readEnum, readSigned, readUnsigned, setAttr, setAttrNumber,
} from "../../context";
import { ParsedU64, parseU64 } from "../../values";
import { checkAddress } from "./address";
import { BUS_FDC, BUS_IDE, BUS_SATA, BUS_SCSI, driveMax } from "./disk";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

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

/** Where this module's calls to the number parsers leave their value. */
const parsed = new ParsedU64();

function controllerType(c: i32): i32 {
  return attrEnum(c, S.type, CONTROLLER_TYPES);
}

function controllerIndex(c: i32): i32 {
  const a = attrOf(c, S.index);
  if (a == NONE || !parseU64(ctx.d.buf, ctx.d.aOffOf(a), ctx.d.aLenOf(a), parsed)) return -1;
  return <i32>parsed.value;
}

export function checkControllers(devices: i32): bool {
  const d = ctx.d;
  controllers.clear();
  controllerOrder.clear();
  let usbOther = false;
  let usbMaster = false;
  for (let c = d.child(devices, S.controller); c != NONE; c = d.nextNamed(c)) {
    if (attrOf(c, S.type) == NONE) setAttr(c, S.type, "ide");
    else if (!readEnum(c, S.type, CONTROLLER_TYPES, attr)) return false;
    if (!readSigned(c, S.index, attr) || (attr.present && attr.value > 0x7fffffff)) return invalidAttr(c, S.index, "Expected integer value");
    if (attr.present && attr.value < 0) return invalidAttr(c, S.index, "Expected non-negative value");
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
export function addImplicitControllers(devices: i32): void {
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
    if (a != NONE && d.attrIs(a, S.type, "virtio-serial") && readUnsigned(a, S.controller, attr) && attr.present) idx = <i32>attr.value;
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
      if (readUnsigned(a, S.controller, attr) && attr.present) idx = <i32>attr.value;
      if (idx == 0 && readUnsigned(a, S.slot, attr) && attr.present && <i32>attr.value >= nextSlot) nextSlot = <i32>attr.value + 1;
    }
    ensureController(devices, "ccid", idx);
  }
}
