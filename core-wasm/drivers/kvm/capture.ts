// Which definitions kvm:/// can run: type 'kvm', <os><type>hvm</type> on a 'pc' or 'q35' machine,
// booted from a direct <kernel> (no firmware yet), up to MAX_VCPUS vCPUs, and only the devices the
// VMM models (serial ports and their console, PCI controllers). Anything else is refused by name,
// never silently dropped. PCI addresses are then assigned as libvirt's qemu driver assigns them.
import { Code } from "../../errors";
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { symbolText } from "../../xml/symbols";
import { applyRules } from "../../domain/canonical";
import { ctx, err, Flag, setAttr } from "../../domain/context";
import { Definition } from "../../objects/definition";
import { attr, number, text } from "../hosted/plan-writer";
import { MAX_VCPUS } from "../../vmm/acpi";
import { assignPciAddresses } from "./pci-addresses";
import { reorderDomain } from "../../domain/canonical";

function unsupported(what: string): Definition | null {
  err(Code.CONFIG_UNSUPPORTED).str(what);
  return null;
}

function elementName(d: Doc, n: i32): string {
  return symbolText(d.nameOf(n));
}

/** Applies the rules to the parsed document d and checks that the VMM can run it. */
export function kvmCapture(d: Doc, flags: i32): Definition | null {
  ctx.defaultArch = "x86_64";
  const root = d.root;
  const typeAttr = d.attr(root, S.type);
  if (typeAttr == NONE || !d.attrIs(root, S.type, "kvm")) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("domain type '");
    if (typeAttr != NONE) b.raw(d.buf.ptr + <usize>d.aOffOf(typeAttr), d.aLenOf(typeAttr));
    b.str("' is not supported by the KVM driver");
    return null;
  }
  // (secrets kept: the stored definition holds them; getXMLDesc leaves them out unless asked)
  if (!applyRules(d, flags | Flag.SECURE)) return null;
  const os = d.child(root, S.os);
  const osType = os == NONE ? NONE : d.child(os, S.type);
  if (osType == NONE || !d.textIs(osType, "hvm")) return unsupported("the KVM driver runs only <os><type>hvm</type></os> domains");
  const arch = attr(d, osType, S.arch);
  if (arch != "" && arch != "x86_64") return unsupported("the KVM driver runs only x86_64 guests, not '" + arch + "'");
  const machine = attr(d, osType, S.machine);
  if (!isPcMachine(machine)) return unsupported("the KVM driver emulates the 'pc' and 'q35' machine types, not '" + machine + "'");
  if (text(d, d.child(os, S.kernel)) == "") return unsupported("the KVM driver boots a direct <kernel> only (no firmware yet)");
  const vcpu = d.child(root, S.vcpu);
  const vcpus = vcpu == NONE ? 1 : number(text(d, vcpu));
  // the VMM's ACPI tables describe at most MAX_VCPUS; all of them are online from the start
  if (vcpus > <u64>MAX_VCPUS) return unsupported("the KVM driver runs guests with at most " + MAX_VCPUS.toString() + " vCPUs, not " + vcpus.toString());
  const current = attr(d, vcpu, S.current);
  if (current != "" && number(current) != vcpus) return unsupported("the KVM driver starts every vCPU: <vcpu current='" + current + "'> below the maximum (hotplug) is not supported");
  const devices = d.child(root, S.devices);
  for (let n = devices == NONE ? NONE : d.firstElement(devices); n != NONE; n = d.nextElement(n)) {
    const name = d.nameOf(n);
    if (name == S.emulator) continue;
    if (name == S.memballoon) {
      if (!balloonModelled(d, n)) return null;
      continue;
    }
    if (name == S.controller && modelledController(d, n)) continue;
    if (name == S.rng) {
      if (!rngModelled(d, n)) return null;
      continue;
    }
    if (name == S.disk) {
      if (!diskModelled(d, n)) return null;
      continue;
    }
    if (name == S.interface_) {
      if (!interfaceModelled(d, n)) return null;
      continue;
    }
    if (name == S.serial || name == S.console) {
      const type = attr(d, n, S.type);
      if (type == "pty") continue;
      if (type == "file" && attr(d, d.child(n, S.source), S.path) != "") {
        // a console of type file is the first serial port, as libvirt writes it back
        if (name == S.serial || attr(d, d.child(devices, S.serial), S.type) == "file") continue;
      }
      return unsupported("the KVM driver does not support <" + elementName(d, n) + " type='" + type + "'>");
    }
    if (name == S.controller) {
      const model = attr(d, n, S.model);
      return unsupported("the KVM driver does not support <controller type='" + attr(d, n, S.type) + "'" + (model == "" ? "" : " model='" + model + "'") + "> yet");
    }
    return unsupported("the KVM driver does not support <" + elementName(d, n) + "> devices yet");
  }
  addDefaultBalloon(d, devices);
  if (!assignPciAddresses(d) || !reorderDomain(d)) return null;
  return Definition.fromDoc(d);
}

/** A definition that says nothing of a balloon gets libvirt's default, a virtio one (model='none' has none). */
function addDefaultBalloon(d: Doc, devices: i32): void {
  if (devices == NONE || d.child(devices, S.memballoon) != NONE) return;
  const balloon = d.newElement(S.memballoon);
  setAttr(balloon, S.model, "virtio");
  d.appendChild(devices, balloon);
}

/** virtio-rng fed by the host's random source; anything else about it is refused by name. */
function rngModelled(d: Doc, n: i32): bool {
  const model = attr(d, n, S.model);
  if (model != "virtio" && model != "virtio-non-transitional") {
    unsupported("the KVM driver does not support <rng model='" + model + "'>");
    return false;
  }
  const backend = d.child(n, S.backend);
  const kind = attr(d, backend, S.model);
  const source = text(d, backend);
  if (kind != "random" || (source != "/dev/urandom" && source != "/dev/random")) {
    unsupported("the KVM driver's virtio-rng reads the host's random source only: <backend model='random'>/dev/urandom</backend> (or /dev/random)");
    return false;
  }
  if (d.child(n, S.rate) != NONE) {
    unsupported("the KVM driver does not support <rate> for <rng> yet");
    return false;
  }
  return true;
}

/** model='none', or a virtio balloon (its deflate-on-OOM too); free page reporting is refused by name. */
function balloonModelled(d: Doc, n: i32): bool {
  const model = attr(d, n, S.model);
  if (model == "none") return true;
  if (model != "virtio" && model != "virtio-non-transitional" && model != "virtio-transitional") return refuse("the KVM driver does not support <memballoon model='" + model + "'>");
  if (attr(d, n, S.freePageReporting) == "on") return refuse("the KVM driver does not support <memballoon freePageReporting='on'> yet");
  return true;
}

/** What a virtio disk may say that the VMM carries out; the rest is refused by name. */
const DISK_CHILDREN = [S.driver, S.source, S.target, S.readonly, S.shareable, S.serial, S.boot, S.address, S.alias, S.backingStore];
const DRIVER_ATTRIBUTES = [S.name, S.type, S.cache, S.discard, S.io];
const CACHE_MODES = ["", "default", "none", "writethrough", "writeback", "directsync", "unsafe"];

/** A raw or qcow2 image (file or block device) on virtio; anything else about the disk is refused by name. */
function diskModelled(d: Doc, n: i32): bool {
  const device = attr(d, n, S.device);
  if (device != "" && device != "disk") return refuse("the KVM driver does not support <disk device='" + device + "'> yet");
  const type = attr(d, n, S.type);
  if (type != "file" && type != "block") return refuse("the KVM driver does not support <disk type='" + type + "'> yet (only 'file' and 'block')");
  if (attr(d, d.child(n, S.source), type == "file" ? S.file : S.dev) == "") return refuse("the KVM driver needs a <source> for every disk");
  const bus = attr(d, d.child(n, S.target), S.bus);
  if (bus != "virtio") return refuse("the KVM driver does not support disks on bus '" + bus + "' yet (only 'virtio')");
  for (let c = d.firstElement(n); c != NONE; c = d.nextElement(c)) {
    if (!DISK_CHILDREN.includes(d.nameOf(c))) return refuse("the KVM driver does not support <" + elementName(d, c) + "> in <disk> yet");
    if (d.nameOf(c) == S.backingStore && !backingChainModelled(d, c)) return false;
  }
  const driver = d.child(n, S.driver);
  if (driver == NONE) return true;
  for (let a = d.attrFirstOf(driver); a != NONE; a = d.aNextOf(a)) {
    if (!DRIVER_ATTRIBUTES.includes(d.aNameOf(a))) return refuse("the KVM driver does not support <driver " + symbolText(d.aNameOf(a)) + "='…'> for disks yet");
  }
  const format = attr(d, driver, S.type);
  if (format != "" && format != "raw" && format != "qcow2") return refuse("the KVM driver does not support <driver type='" + format + "'> disks yet (only 'raw' and 'qcow2')");
  const name = attr(d, driver, S.name);
  if (name != "" && name != "qemu") return refuse("the KVM driver does not support <driver name='" + name + "'> for disks");
  const cache = attr(d, driver, S.cache);
  if (!CACHE_MODES.includes(cache)) return refuse("the KVM driver does not support the disk cache mode '" + cache + "'");
  return true;
}

/**
 * A <backingStore> chain the VMM opens as given: each layer a file or block device with its
 * format (raw or qcow2; only qcow2 has layers below), down to an empty <backingStore/> or the
 * layer whose own backing file the VMM follows from there.
 */
function backingChainModelled(d: Doc, n: i32): bool {
  for (let layer = n; layer != NONE && d.firstElement(layer) != NONE; ) {
    const type = attr(d, layer, S.type);
    if (type != "file" && type != "block") return refuse("the KVM driver does not support <backingStore type='" + type + "'> yet (only 'file' and 'block')");
    if (attr(d, d.child(layer, S.source), type == "file" ? S.file : S.dev) == "") return refuse("the KVM driver needs a <source> in every <backingStore>");
    const format = attr(d, d.child(layer, S.format), S.type);
    if (format != "raw" && format != "qcow2") return refuse("the KVM driver needs <format type='raw'> or <format type='qcow2'> in every <backingStore>");
    const below = d.child(layer, S.backingStore);
    if (format == "raw" && below != NONE && d.firstElement(below) != NONE) return refuse("a raw <backingStore> has no backing store of its own");
    layer = below;
  }
  return true;
}

/** What an interface may say that the VMM carries out; the rest is refused by name. */
const INTERFACE_CHILDREN = [S.mac, S.source, S.target, S.model, S.mtu, S.address, S.alias, S.boot, S.driver];
/** Names libvirt keeps for the taps it makes: a managed interface's `<target dev>` of this form is a new tap's. */
const GENERATED_TAP_PREFIXES = ["vnet", "macvtap", "macvlan"];

/** A virtio NIC on a tap of its own (type 'ethernet') or one added to a host bridge (type 'bridge', or a virtual network's: 'network'). */
function interfaceModelled(d: Doc, n: i32): bool {
  const type = attr(d, n, S.type);
  if (type != "ethernet" && type != "bridge" && type != "network") return refuse("the KVM driver does not support <interface type='" + type + "'> (only 'network', 'bridge' and 'ethernet')");
  const model = attr(d, d.child(n, S.model), S.type);
  if (model != "virtio" && model != "virtio-non-transitional") return refuse("the KVM driver does not support <model type='" + model + "'> for interfaces (only 'virtio')");
  for (let c = d.firstElement(n); c != NONE; c = d.nextElement(c)) {
    if (!INTERFACE_CHILDREN.includes(d.nameOf(c))) return refuse("the KVM driver does not support <" + elementName(d, c) + "> in <interface> yet");
  }
  const driver = d.child(n, S.driver);
  if (driver != NONE) {
    for (let a = d.attrFirstOf(driver); a != NONE; a = d.aNextOf(a)) {
      if (d.aNameOf(a) != S.name) return refuse("the KVM driver does not support <driver " + symbolText(d.aNameOf(a)) + "='…'> for interfaces yet");
    }
    const name = attr(d, driver, S.name);
    if (name != "" && name != "vhost" && name != "qemu") return refuse("the KVM driver does not support <driver name='" + name + "'> for interfaces (only 'vhost' and 'qemu')");
    if (d.firstElement(driver) != NONE) return refuse("the KVM driver does not support <" + elementName(d, d.firstElement(driver)) + "> in an interface's <driver> yet");
  }
  const target = d.child(n, S.target);
  if (attr(d, target, S.managed) == "no" && (type != "ethernet" || isGeneratedTapName(attr(d, target, S.dev)) || attr(d, target, S.dev) == "")) {
    return refuse("the KVM driver uses an existing tap (<target managed='no'>) only for type 'ethernet', named by <target dev>");
  }
  return true;
}

/** Whether a tap name is of the form libvirt generates (vnetN…), which a managed interface does not keep. */
export function isGeneratedTapName(name: string): bool {
  for (let i = 0; i < GENERATED_TAP_PREFIXES.length; i++) if (name.startsWith(GENERATED_TAP_PREFIXES[i])) return true;
  return false;
}

function refuse(what: string): bool {
  unsupported(what);
  return false;
}

/** 'pc' and 'q35', and their versioned names (pc-i440fx-7.2, pc-q35-7.2); no machine means 'pc'. */
function isPcMachine(machine: string): bool {
  return machine == "" || machine == "pc" || machine == "q35" || machine.startsWith("pc-i440fx-") || machine.startsWith("pc-q35-");
}

/** The PCI buses (root, bridges, root ports) the VMM builds, and a USB controller that is none. */
function modelledController(d: Doc, n: i32): bool {
  const type = attr(d, n, S.type);
  const model = attr(d, n, S.model);
  if (type == "usb") return model == "none";
  return type == "pci" && (model == "" || model == "pci-root" || model == "pcie-root" || model == "pci-bridge" || model == "pcie-root-port");
}
