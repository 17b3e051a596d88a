// Which definitions kvm:/// can run: type 'kvm', <os><type>hvm</type> on a 'pc' or 'q35' machine,
// booted from a direct <kernel> (no firmware yet), up to MAX_VCPUS vCPUs, and only the devices the
// VMM models (serial ports and their console, PCI controllers). Anything else is refused by name,
// never silently dropped. PCI addresses are then assigned as libvirt's qemu driver assigns them.
import { Code } from "../../errors";
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { symbolLen, symbolPtr } from "../../xml/symbols";
import { applyRules } from "../../domain/canonical";
import { ctx, err, Flag } from "../../domain/context";
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
  const name = d.nameOf(n);
  return String.UTF8.decodeUnsafe(symbolPtr(name), <usize>symbolLen(name));
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
    if (name == S.memballoon && attr(d, n, S.model) == "none") continue;
    if (name == S.controller && modelledController(d, n)) continue;
    if (name == S.rng) {
      if (!rngModelled(d, n)) return null;
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
  if (!assignPciAddresses(d) || !reorderDomain(d)) return null;
  return Definition.fromDoc(d);
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
