// The plan for starting a kvm:/// domain: what the VMM process (src/vmm/main.ts)
// builds, one line per setting, as PlanWriter escapes them:
//   instance TOKEN · control PATH · status PATH · memory BYTES · vcpus N · kernel PATH · initrd PATH ·
//   cmdline TEXT · serial pty | serial file PATH · on_poweroff/on_reboot/on_crash end|restart
//   (on_crash also preserve: the crashed guest stays, for analysis, until destroyed) ·
//   coredump PATH_PREFIX (on_crash coredump-destroy/-restart: the guest's memory goes to
//   PREFIX-TIME first, as libvirt's auto dump names it) ·
//   pci-bridge INDEX pci-bridge|pcie-root-port PARENT_BUS SLOT FUNCTION (each PCI controller but
//   the root, parents first: the bridge the VMM builds for bus INDEX) ·
//   rng BUS SLOT FUNCTION (a virtio-rng device at that PCI address) ·
//   disk BUS SLOT FUNCTION TARGET SOURCE FLAGS SERIAL HOLD REFUSE (a virtio disk on a raw image:
//   FLAGS readonly,writethrough,ignore-flush,discard,direct; HOLD/REFUSE the QEMU lock bytes the
//   VMM takes: 100 + p holds permission p, 200 + p shares it with no one; p 0 read, 1 write) ·
//   balloon BUS SLOT FUNCTION FLAGS (a virtio balloon; FLAGS deflate-on-oom or empty) ·
//   net BUS SLOT FUNCTION MAC TAP BRIDGE MTU FLAGS (a virtio NIC on a tap: TAP its name, or a
//   template with %d the kernel numbers; BRIDGE the host bridge it joins, or empty; MTU 0 for
//   none; FLAGS existing: a tap that is there already, used as it is)
// (the actions the VMM cannot carry out are refused here: rename-restart, preserve but on_crash.)
import { Code } from "../../errors";
import { err } from "../../domain/context";
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { attr, number, PlanWriter, text } from "../hosted/plan-writer";
import { isGeneratedTapName } from "./capture";

/** What the VMM does when the guest stops for an on_* event: restart it, or end the domain. */
function action(libvirtAction: string): string {
  if (libvirtAction == "preserve") return "preserve";
  return libvirtAction == "restart" || libvirtAction == "coredump-restart" ? "restart" : "end";
}

/**
 * Whether the VMM carries out the on_poweroff/on_reboot/on_crash actions (refused as libvirt's qemu
 * driver refuses them). Checked when a domain starts, not when a definition is read: one saved, or
 * running, before this check existed still loads (libvirt skips validation for saved state too).
 */
function lifecycleActionsRun(onPoweroff: string, onReboot: string, onCrash: string): bool {
  if (onPoweroff == "rename-restart" || onReboot == "rename-restart" || onCrash == "rename-restart") {
    err(Code.CONFIG_UNSUPPORTED).str("kvm driver doesn't support the 'rename-restart' action for 'on_reboot'/'on_poweroff'/'on_crash'");
    return false;
  }
  if (onPoweroff == "preserve" || onReboot == "preserve") {
    err(Code.CONFIG_UNSUPPORTED).str("kvm driver doesn't support the 'preserve' action for 'on_reboot'/'on_poweroff'");
    return false;
  }
  return true;
}

/** Writes the plan of the domain in d (canonical, checked by kvmCapture) for files under runDir. */
export function writeVmmPlan(w: PlanWriter, d: Doc, runDir: string, dumpDir: string, instance: string): bool {
  const root = d.root;
  const onPoweroff = text(d, d.child(root, S.on_poweroff));
  const onReboot = text(d, d.child(root, S.on_reboot));
  const onCrash = text(d, d.child(root, S.on_crash));
  if (!lifecycleActionsRun(onPoweroff, onReboot, onCrash)) return false;
  const name = text(d, d.child(root, S.name));
  const base = runDir + "/" + name;
  const os = d.child(root, S.os);
  w.line(["instance", instance]);
  w.line(["control", base + "." + instance + ".sock"]);
  w.line(["status", base + "." + instance + ".status"]);
  const memory = d.child(root, S.memory); // KiB in the canonical form
  w.line(["memory", (number(text(d, memory)) * 1024).toString()]);
  const vcpu = d.child(root, S.vcpu);
  w.line(["vcpus", vcpu == NONE ? "1" : number(text(d, vcpu)).toString()]);
  w.line(["kernel", text(d, d.child(os, S.kernel))]);
  const initrd = text(d, d.child(os, S.initrd));
  if (initrd != "") w.line(["initrd", initrd]);
  w.line(["cmdline", text(d, d.child(os, S.cmdline))]);
  const devices = d.child(root, S.devices);
  const serial = devices == NONE ? NONE : d.child(devices, S.serial);
  if (serial != NONE && attr(d, serial, S.type) == "file") w.line(["serial", "file", attr(d, d.child(serial, S.source), S.path)]);
  else if (serial != NONE || (devices != NONE && d.child(devices, S.console) != NONE)) w.line(["serial", "pty"]);
  w.line(["on_poweroff", action(onPoweroff)]);
  w.line(["on_reboot", action(onReboot)]);
  w.line(["on_crash", action(onCrash)]);
  if (onCrash.startsWith("coredump-")) w.line(["coredump", dumpDir + "/" + name]);
  writePciBridges(w, d, devices);
  for (let r = devices == NONE ? NONE : d.child(devices, S.rng); r != NONE; r = d.nextNamed(r)) {
    const a = d.child(r, S.address);
    w.line(["rng", addressField(d, a, S.bus), addressField(d, a, S.slot), addressField(d, a, S.function_)]);
  }
  for (let disk = devices == NONE ? NONE : d.child(devices, S.disk); disk != NONE; disk = d.nextNamed(disk)) writeDisk(w, d, disk);
  for (let nic = devices == NONE ? NONE : d.child(devices, S.interface_); nic != NONE; nic = d.nextNamed(nic)) writeNic(w, d, nic);
  const balloon = devices == NONE ? NONE : d.child(devices, S.memballoon);
  if (balloon != NONE && attr(d, balloon, S.model) != "none") {
    const a = d.child(balloon, S.address);
    w.line(["balloon", addressField(d, a, S.bus), addressField(d, a, S.slot), addressField(d, a, S.function_), attr(d, balloon, S.autodeflate) == "on" ? "deflate-on-oom" : ""]);
  }
  return true;
}

/** A disk's plan line: where it is, its image, how the VMM opens, caches and locks it. */
function writeDisk(w: PlanWriter, d: Doc, disk: i32): void {
  const a = d.child(disk, S.address);
  const driver = d.child(disk, S.driver);
  const cache = attr(d, driver, S.cache);
  const readonly = d.child(disk, S.readonly) != NONE;
  const flags: string[] = [];
  if (readonly) flags.push("readonly");
  if (cache == "writethrough" || cache == "directsync") flags.push("writethrough");
  if (cache == "unsafe") flags.push("ignore-flush");
  if (attr(d, driver, S.discard) == "unmap") flags.push("discard");
  if (cache == "none" || cache == "directsync") flags.push("direct");
  if (attr(d, driver, S.type) == "qcow2") flags.push("qcow2");
  const source = d.child(disk, S.source);
  const path = d.attrIs(disk, S.type, "block") ? attr(d, source, S.dev) : attr(d, source, S.file);
  // as a QEMU device: reads always; writes unless read-only; writers refused unless <shareable/>
  const hold = readonly ? "100" : "100,101";
  const refuse = d.child(disk, S.shareable) != NONE ? "" : "201";
  w.line(["disk", addressField(d, a, S.bus), addressField(d, a, S.slot), addressField(d, a, S.function_), attr(d, d.child(disk, S.target), S.dev), path, flags.join(","), text(d, d.child(disk, S.serial)), hold, refuse]);
  writeBackingChain(w, d, d.child(disk, S.backingStore));
}

/** A NIC's plan line: where it is, its MAC, its tap (a name of libvirt's form is a new one's), its bridge, MTU and flags. */
function writeNic(w: PlanWriter, d: Doc, nic: i32): void {
  const a = d.child(nic, S.address);
  const target = d.child(nic, S.target);
  const existing = attr(d, target, S.managed) == "no";
  const dev = attr(d, target, S.dev);
  const tap = existing || (dev != "" && !isGeneratedTapName(dev)) ? dev : "vnet%d";
  // (a network's interface has its network's bridge by now: interfaces.ts)
  const bridge = d.attrIs(nic, S.type, "bridge") || d.attrIs(nic, S.type, "network") ? attr(d, d.child(nic, S.source), S.bridge) : "";
  const mtu = attr(d, d.child(nic, S.mtu), S.size);
  const flags = new Array<string>();
  if (existing) flags.push("existing");
  // <driver name>: vhost-net required ('vhost') or not used ('qemu'); without it, where the host has it
  const driver = attr(d, d.child(nic, S.driver), S.name);
  if (driver == "vhost") flags.push("vhost");
  if (driver == "qemu") flags.push("no-vhost");
  w.line(["net", addressField(d, a, S.bus), addressField(d, a, S.slot), addressField(d, a, S.function_), attr(d, d.child(nic, S.mac), S.address), tap, bridge, mtu == "" ? "0" : mtu, flags.join(",")]);
}

/** The <backingStore> layers as the XML gives them ("backing FORMAT PATH"), and "backing-end" where it ends them. */
function writeBackingChain(w: PlanWriter, d: Doc, layer: i32): void {
  for (; layer != NONE; layer = d.child(layer, S.backingStore)) {
    if (d.firstElement(layer) == NONE) {
      w.line(["backing-end"]);
      return;
    }
    const source = d.child(layer, S.source);
    w.line(["backing", attr(d, d.child(layer, S.format), S.type), d.attrIs(layer, S.type, "block") ? attr(d, source, S.dev) : attr(d, source, S.file)]);
  }
}

/** The PCI controllers other than the root, by index (libvirt makes a bridge's index larger than its bus's). */
function writePciBridges(w: PlanWriter, d: Doc, devices: i32): void {
  if (devices == NONE) return;
  for (let c = d.child(devices, S.controller); c != NONE; c = d.nextNamed(c)) {
    const model = attr(d, c, S.model);
    if (!d.attrIs(c, S.type, "pci") || (model != "pci-bridge" && model != "pcie-root-port")) continue;
    const a = d.child(c, S.address);
    w.line(["pci-bridge", attr(d, c, S.index), model, addressField(d, a, S.bus), addressField(d, a, S.slot), addressField(d, a, S.function_)]);
  }
}

/** A field of a canonical PCI address (0x-prefixed hex) in decimal. */
function addressField(d: Doc, a: i32, name: i32): string {
  const hex = attr(d, a, name);
  return hex.startsWith("0x") ? U64.parseInt(hex.substring(2), 16).toString() : "0";
}
