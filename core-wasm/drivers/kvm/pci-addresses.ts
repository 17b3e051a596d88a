// PCI addresses for a kvm:/// definition, assigned as libvirt's qemu driver assigns them
// (qemu_domain_address.c), so a definition moved between virtkit and libvirt keeps its guest's
// device paths: the implicit root bus (pci-root on 'pc', pcie-root on 'q35'), the chipset's fixed
// functions, then the devices in libvirt's order, each in the first free slot that accepts it. On
// q35 every endpoint gets a pcie-root-port of its own, and one spare port is added for hotplug.
import { Code, From } from "../../errors";
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { AttrNumber, attrEnum, ctx, err, readUnsignedAuto, setAttr, setAttrHex, setAttrNumber } from "../../domain/context";
import { IntVec } from "../../util/intvec";
import { attr } from "../hosted/plan-writer";
import { addressString, BusModel, Connect, packAddress, PciBusSet } from "./pci-bus-set";

const PCI_MODELS = "pci-root pcie-root pci-bridge dmi-to-pci-bridge pcie-to-pci-bridge pcie-root-port pcie-switch-upstream-port pcie-switch-downstream-port pci-expander-bus pcie-expander-bus";
/** The name of the QEMU device each model is, written into <model name> as libvirt writes it. */
const MODEL_NAMES: StaticArray<string> = ["", "", "pci-bridge", "i82801b11-bridge", "pcie-pci-bridge", "pcie-root-port", "x3130-upstream", "xio3130-downstream"];

/** The devices in libvirt's assignment order (qemuDomainAssignDevicePCISlots), after the PCI controllers. */
const ORDER: StaticArray<i32> = [
  S.filesystem, S.interface_, S.sound, S.controller, S.disk, S.hostdev, S.memballoon, S.rng, S.watchdog, S.video, S.shmem, S.input,
  S.serial, S.iommu, S.vsock, S.memory,
];

const NOT_FOUND = -1;
const set = new PciBusSet();
const field = new AttrNumber();
/** The PCI controllers by index (their element, NONE for a gap). */
const controllerAt = new IntVec(16);
/** Devices that have an address (node, packed address), for the multifunction marks. */
const placedNodes = new IntVec(64);
const placedAddresses = new IntVec(64);

class Machine {
  q35: bool = false;
  devices: i32 = NONE;
}
const machine = new Machine();

/** Whether the definition's machine is a q35 one (else it is 'pc', i440FX). */
export function isQ35Machine(d: Doc): bool {
  const os = d.child(d.root, S.os);
  const type = os == NONE ? NONE : d.child(os, S.type);
  const name = attr(d, type, S.machine);
  return name == "q35" || name.startsWith("pc-q35");
}

/** Assigns every missing PCI address of the canonical document d, adding the controllers it needs. */
export function assignPciAddresses(d: Doc): bool {
  ctx.d = d;
  machine.q35 = isQ35Machine(d);
  machine.devices = d.child(d.root, S.devices);
  if (!ensureRootController(d)) return false;
  const maxIndex = controllerAt.length - 1;
  // first pass: count the buses the devices need
  if (!buildSet(d, true)) return false;
  if (!machine.q35 && !allBusesFull() && set.takeFree(Connect.PCI_DEVICE | Connect.HOTPLUG) == NOT_FOUND) return false;
  if (!placeAll(d, true)) return false;
  // a definition that leaves its PCI topology to us gets one spare root port to hotplug into
  if (machine.q35 && maxIndex <= 0 && set.count > maxIndex + 1 && set.takeFree(Connect.PCIE_DEVICE | Connect.HOTPLUG) == NOT_FOUND) return false;
  for (let i = 1; i < set.count; i++) {
    if (i < controllerAt.length && controllerAt.get(i) != NONE) continue;
    const model = set.models.get(i);
    addController(d, i, model);
    if (set.takeFree(busFlags(model)) == NOT_FOUND) return false;
  }
  // second pass: the addresses themselves
  if (!buildSet(d, false) || !placeAll(d, false)) return false;
  markMultifunction(d);
  setControllerDefaults(d);
  return true;
}

/** pci-root or pcie-root as index 0, as libvirt adds it; index-less models get the machine's default. */
function ensureRootController(d: Doc): bool {
  controllerAt.clear();
  const devices = machine.devices;
  let last = NONE;
  for (let c = d.child(devices, S.controller); c != NONE; c = d.nextNamed(c)) {
    last = c;
    if (!d.attrIs(c, S.type, "pci")) continue;
    const index = <i32>parseIndex(d, c);
    while (controllerAt.length <= index) controllerAt.push(NONE);
    controllerAt.set(index, c);
    if (!d.hasAttr(c, S.model)) {
      setAttr(c, S.model, index == 0 ? rootModel() : machine.q35 ? "pcie-root-port" : "pci-bridge");
    }
  }
  if (controllerAt.length == 0 || controllerAt.get(0) == NONE) {
    const root = d.newElement(S.controller);
    setAttr(root, S.type, "pci");
    setAttr(root, S.index, "0");
    setAttr(root, S.model, rootModel());
    if (last == NONE) d.appendChild(devices, root);
    else d.insertAfter(devices, root, last);
    if (controllerAt.length == 0) controllerAt.push(root);
    else controllerAt.set(0, root);
  }
  const root = controllerAt.get(0);
  if (root == NONE || attr(d, root, S.model) != rootModel()) {
    const b = err(Code.CONFIG_UNSUPPORTED, From.DOMAIN);
    b.str("The PCI controller with index='0' must be model='" + rootModel() + "' for this machine type");
    if (root != NONE) b.str(", but model='" + attr(d, root, S.model) + "' was found instead");
    return false;
  }
  for (let i = 1; i < controllerAt.length; i++) {
    const c = controllerAt.get(i);
    if (c == NONE) continue;
    const model = attrEnum(c, S.model, PCI_MODELS);
    if (model < BusModel.PCI_BRIDGE || model > BusModel.SWITCH_DOWNSTREAM) {
      err(Code.CONFIG_UNSUPPORTED, From.DOMAIN).str("the KVM driver does not support <controller type='pci' model='" + attr(d, c, S.model) + "'>");
      return false;
    }
  }
  return true;
}

function rootModel(): string {
  return machine.q35 ? "pcie-root" : "pci-root";
}

function parseIndex(d: Doc, c: i32): u64 {
  const s = attr(d, c, S.index);
  return s == "" ? 0 : U64.parseInt(s);
}

/** The address set of the controllers as they stand, with the user's addresses and the chipset's. */
function buildSet(d: Doc, dryRun: bool): bool {
  set.reset(dryRun);
  for (let i = 0; i < controllerAt.length; i++) {
    const c = controllerAt.get(i);
    set.addBus(c == NONE ? (machine.q35 ? BusModel.PCIE_ROOT_PORT : BusModel.PCI_BRIDGE) : attrEnum(c, S.model, PCI_MODELS));
  }
  for (let n = d.firstElement(machine.devices); n != NONE; n = d.nextElement(n)) {
    const a = pciAddressOf(d, n);
    if (a == NONE || !d.hasAttr(a, S.slot)) continue;
    if (!readUnsignedAuto(a, S.domain, field)) return false;
    const domain = field.present ? <i32>field.value : 0;
    const bus = readField(a, S.bus);
    const slot = readField(a, S.slot);
    const fn = readField(a, S.function_);
    if (domain != 0) {
      err(Code.XML_ERROR, From.DOMAIN).str("Invalid PCI address " + addressString(bus, slot, fn) + ". Only PCI domain 0 is available");
      return false;
    }
    if (!set.validate(bus, slot, fn)) return false;
    set.take(bus, slot, fn, deviceFlags(d, n));
  }
  return machine.q35 ? reserveQ35Chipset(d) : reservePiix3Chipset(d);
}

function readField(a: i32, name: i32): i32 {
  readUnsignedAuto(a, name, field);
  return field.present ? <i32>field.value : 0;
}

/** The device's <address type='pci'>, NONE when it has another kind of address or none. */
function pciAddressOf(d: Doc, n: i32): i32 {
  const a = d.child(n, S.address);
  return a != NONE && d.attrIs(a, S.type, "pci") ? a : NONE;
}

/** Whether the device still needs a PCI address: no address, or <address type='pci'/> without a slot. */
function wantsAddress(d: Doc, n: i32): bool {
  const a = d.child(n, S.address);
  if (a == NONE) return true;
  return d.attrIs(a, S.type, "pci") && !d.hasAttr(a, S.slot);
}

function allBusesFull(): bool {
  for (let bus = 0; bus < set.count; bus++) {
    for (let slot = set.minSlot.get(bus); slot <= set.maxSlot.get(bus); slot++) if (!set.slotInUse(bus, slot)) return false;
  }
  return true;
}

/** i440FX: the PIIX3 in slot 1 (IDE at 1.1, the first UHCI at 1.2), the first video card in slot 2. */
function reservePiix3Chipset(d: Doc): bool {
  for (let c = d.child(machine.devices, S.controller); c != NONE; c = d.nextNamed(c)) {
    if (parseIndex(d, c) != 0) continue;
    if (d.attrIs(c, S.type, "ide") && !pinTo(d, c, 1, 1, "Primary IDE controller must have PCI address 0:0:1.1")) return false;
    const model = attr(d, c, S.model);
    if (d.attrIs(c, S.type, "usb") && (model == "" || model == "piix3-uhci") && !pinTo(d, c, 1, 2, "PIIX3 USB controller must have PCI address 0:0:1.2")) return false;
  }
  set.take(0, 1, 0, 0);
  return placePrimaryVideo(d, 2);
}

/** q35: SATA at 1f.2, the LPC and SMBus functions at 1f.0 and 1f.3, the first video card in slot 1, ICH9 audio at 1b.0. */
function reserveQ35Chipset(d: Doc): bool {
  for (let c = d.child(machine.devices, S.controller); c != NONE; c = d.nextNamed(c)) {
    if (d.attrIs(c, S.type, "sata") && parseIndex(d, c) == 0 && !pinTo(d, c, 0x1f, 2, "Primary SATA controller must have PCI address 0:0:1f.2")) return false;
    if (d.attrIs(c, S.type, "pci") && d.attrIs(c, S.model, "dmi-to-pci-bridge") && wantsAddress(d, c) && !set.slotInUse(0, 0x1e)) {
      set.take(0, 0x1e, 0, 0);
      writeAddress(d, c, 0, 0x1e, 0);
    }
  }
  set.take(0, 0x1f, 0, 0);
  set.take(0, 0x1f, 3, 0);
  if (!placePrimaryVideo(d, 1)) return false;
  if (!set.slotInUse(0, 0x1b)) {
    for (let s = d.child(machine.devices, S.sound); s != NONE; s = d.nextNamed(s)) {
      if (!d.attrIs(s, S.model, "ich9") || !wantsAddress(d, s)) continue;
      set.take(0, 0x1b, 0, 0);
      writeAddress(d, s, 0, 0x1b, 0);
      break;
    }
  }
  return true;
}

/** A chipset function: given its fixed address when it has none, refused when it has another. */
function pinTo(d: Doc, c: i32, slot: i32, fn: i32, message: string): bool {
  if (wantsAddress(d, c)) {
    writeAddress(d, c, 0, slot, fn);
    return true;
  }
  const a = pciAddressOf(d, c);
  if (a == NONE || (readField(a, S.bus) == 0 && readField(a, S.slot) == slot && readField(a, S.function_) == fn)) return true;
  err(Code.INTERNAL_ERROR, From.DOMAIN).str(message);
  return false;
}

/** The first video card goes where QEMU puts it, or to the first free slot when that one is taken. */
function placePrimaryVideo(d: Doc, slot: i32): bool {
  const video = d.child(machine.devices, S.video);
  if (video == NONE || !wantsAddress(d, video) || deviceFlags(d, video) == 0) return true;
  if (!set.slotInUse(0, slot)) {
    set.take(0, slot, 0, 0);
    writeAddress(d, video, 0, slot, 0);
    return true;
  }
  return place(d, video, deviceFlags(d, video));
}

/** Every device still without an address, PCI controllers first. */
function placeAll(d: Doc, dryRun: bool): bool {
  const devices = machine.devices;
  for (let c = d.child(devices, S.controller); c != NONE; c = d.nextNamed(c)) {
    if (!d.attrIs(c, S.type, "pci")) continue;
    const flags = deviceFlags(d, c);
    if (flags != 0 && wantsAddress(d, c) && !place(d, c, flags)) return false;
  }
  for (let k = 0; k < ORDER.length; k++) {
    const name = unchecked(ORDER[k]);
    for (let n = d.child(devices, name); n != NONE; n = d.nextNamed(n)) {
      if (name == S.controller && d.attrIs(n, S.type, "pci")) continue;
      const flags = deviceFlags(d, n);
      if (flags != 0 && wantsAddress(d, n) && !place(d, n, flags)) return false;
    }
  }
  return true;
}

function place(d: Doc, n: i32, flags: i32): bool {
  const a = set.takeFree(flags);
  if (a == NOT_FOUND) return false;
  if (!set.dryRun) writeAddress(d, n, a >> 8, (a >> 3) & 31, a & 7);
  return true;
}

function writeAddress(d: Doc, n: i32, bus: i32, slot: i32, fn: i32): void {
  let a = d.child(n, S.address);
  if (a == NONE) a = d.addElement(n, S.address);
  setAttr(a, S.type, "pci");
  setAttrHex(a, S.domain, 0, 4);
  setAttrHex(a, S.bus, <u64>bus, 2);
  setAttrHex(a, S.slot, <u64>slot, 2);
  setAttrHex(a, S.function_, <u64>fn, 1);
}

function addController(d: Doc, index: i32, model: i32): void {
  const c = d.newElement(S.controller);
  setAttr(c, S.type, "pci");
  setAttrNumber(c, S.index, <u64>index);
  setAttr(c, S.model, PCI_MODELS.split(" ")[model]);
  let before = NONE;
  for (let i = 0; i < controllerAt.length && i < index; i++) if (controllerAt.get(i) != NONE) before = controllerAt.get(i);
  d.insertAfter(machine.devices, c, before);
  while (controllerAt.length <= index) controllerAt.push(NONE);
  controllerAt.set(index, c);
}

/** What plugging in device n takes (0: it is not a PCI device on this machine). */
function deviceFlags(d: Doc, n: i32): i32 {
  const express = (machine.q35 ? Connect.PCIE_DEVICE : Connect.PCI_DEVICE) | Connect.HOTPLUG;
  const conventional = Connect.PCI_DEVICE | Connect.HOTPLUG;
  const name = d.nameOf(n);
  if (name == S.controller) return controllerFlags(d, n, express, conventional);
  if (name == S.filesystem || name == S.vsock) return express;
  if (name == S.interface_) {
    if (d.attrIs(n, S.type, "hostdev")) return 0;
    const model = attr(d, d.child(n, S.model), S.type);
    if (model.startsWith("virtio") || model == "e1000e" || model == "igb") return express;
    return model == "usb-net" || model == "spapr-vlan" ? 0 : conventional;
  }
  if (name == S.sound) {
    const model = attr(d, n, S.model);
    return model == "pcspk" || model == "sb16" || model == "usb" ? 0 : conventional;
  }
  if (name == S.disk) return d.attrIs(d.child(n, S.target), S.bus, "virtio") ? express : 0;
  if (name == S.hostdev) return d.attrIs(n, S.type, "pci") ? express : 0;
  if (name == S.memballoon || name == S.rng || name == S.iommu) return attr(d, n, S.model).startsWith("virtio") ? express : 0;
  if (name == S.watchdog) return d.attrIs(n, S.model, "i6300esb") ? conventional : 0;
  if (name == S.video) {
    const model = attr(d, d.child(n, S.model), S.type);
    if (model == "none") return 0;
    return model == "virtio" ? express : conventional;
  }
  if (name == S.shmem) return conventional;
  if (name == S.input) return d.attrIs(n, S.bus, "virtio") ? express : 0;
  if (name == S.serial) return d.attrIs(d.child(n, S.target), S.type, "pci-serial") ? conventional : 0;
  if (name == S.memory) {
    const model = attr(d, n, S.model);
    return model == "virtio-pmem" || model == "virtio-mem" ? express : 0;
  }
  return 0;
}

function controllerFlags(d: Doc, c: i32, express: i32, conventional: i32): i32 {
  const type = attr(d, c, S.type);
  const model = attr(d, c, S.model);
  if (type == "pci") return busFlags(attrEnum(c, S.model, PCI_MODELS));
  if (type == "virtio-serial") return express;
  if (type == "sata" || type == "ide") return conventional;
  if (type == "scsi") return model.startsWith("virtio") ? express : model == "ibmvscsi" ? 0 : conventional;
  if (type == "usb") {
    if (model == "none" || model == "qusb1" || model == "qusb2") return 0;
    return model == "qemu-xhci" || model == "nec-xhci" ? express : conventional;
  }
  return 0;
}

/** What plugging in a PCI controller of this model takes (0 for the roots, which plug into nothing). */
function busFlags(model: i32): i32 {
  if (model == BusModel.PCIE_ROOT_PORT) return Connect.PCIE_ROOT_PORT | Connect.AGGREGATE;
  if (model == BusModel.PCI_BRIDGE) return Connect.PCI_BRIDGE;
  if (model == BusModel.DMI_TO_PCI_BRIDGE) return Connect.DMI_TO_PCI_BRIDGE;
  if (model == BusModel.PCIE_TO_PCI_BRIDGE) return Connect.PCIE_TO_PCI_BRIDGE;
  if (model == BusModel.SWITCH_UPSTREAM) return Connect.SWITCH_UPSTREAM;
  if (model == BusModel.SWITCH_DOWNSTREAM) return Connect.SWITCH_DOWNSTREAM | Connect.AGGREGATE;
  return 0;
}

/** Function 0 of a slot with other functions in use says multifunction='on' (unless the user said off). */
function markMultifunction(d: Doc): void {
  placedNodes.clear();
  placedAddresses.clear();
  for (let n = d.firstElement(machine.devices); n != NONE; n = d.nextElement(n)) {
    const a = pciAddressOf(d, n);
    if (a == NONE || !d.hasAttr(a, S.slot)) continue;
    placedNodes.push(a);
    placedAddresses.push(packAddress(readField(a, S.bus), readField(a, S.slot), readField(a, S.function_)));
  }
  for (let i = 0; i < placedAddresses.length; i++) {
    const address = placedAddresses.get(i);
    if ((address & 7) == 0) continue;
    for (let k = 0; k < placedAddresses.length; k++) {
      if (placedAddresses.get(k) != (address & ~7)) continue;
      const a = placedNodes.get(k);
      if (!d.hasAttr(a, S.multifunction)) setAttr(a, S.multifunction, "on");
    }
  }
}

/** <model name> and <target chassis/port> of the PCI controllers, as libvirt fills them in. */
function setControllerDefaults(d: Doc): void {
  for (let index = 1; index < controllerAt.length; index++) {
    const c = controllerAt.get(index);
    if (c == NONE) continue;
    const model = attrEnum(c, S.model, PCI_MODELS);
    let m = d.child(c, S.model);
    if (m == NONE) m = d.addElement(c, S.model);
    if (!d.hasAttr(m, S.name)) setAttr(m, S.name, unchecked(MODEL_NAMES[model]));
    let t = d.child(c, S.target);
    if (model == BusModel.PCI_BRIDGE) {
      if (t == NONE) t = d.addElement(c, S.target);
      if (!d.hasAttr(t, S.chassisNr)) setAttrNumber(t, S.chassisNr, <u64>index);
    } else if (model == BusModel.PCIE_ROOT_PORT || model == BusModel.SWITCH_DOWNSTREAM) {
      if (t == NONE) t = d.addElement(c, S.target);
      if (!d.hasAttr(t, S.chassis)) setAttrNumber(t, S.chassis, <u64>index);
      const a = pciAddressOf(d, c);
      if (!d.hasAttr(t, S.port) && a != NONE) {
        const slot = readField(a, S.slot);
        const port = model == BusModel.PCIE_ROOT_PORT ? (slot << 3) + readField(a, S.function_) : slot;
        setAttr(t, S.port, "0x" + port.toString(16));
      }
    }
  }
}
