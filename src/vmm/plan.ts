// A kvm:/// start plan (core-wasm/drivers/kvm/plan.ts writes it) as the VMM process reads it.
import { readFileSync } from "node:fs";
import { decodeLines } from "../drivers/hosted/plan-lines.js";
import type { DiskPlan } from "./disks.js";
import type { NicPlan } from "./nics.js";
import type { PciBridge, PciDevice } from "./machine.js";

export interface VmmPlan {
  /** This run's token: it names the run's files (control, status) and is in its status. */
  instance: string;
  control: string;
  status: string;
  memoryBytes: number;
  vcpus: number;
  kernel: string;
  initrd?: string;
  cmdline: string;
  /** The guest's COM1: a console (pty), also appended to a file, or not connected. */
  serial: { kind: "pty" } | { kind: "file"; path: string } | { kind: "none" };
  onPoweroff: "end" | "restart";
  onReboot: "end" | "restart";
  /** preserve: the crashed guest stays (vCPUs stopped, memory kept) until destroyed. */
  onCrash: "end" | "restart" | "preserve";
  /** on_crash coredump-*: a crashed guest's memory goes to PREFIX-TIME first. */
  coredump?: string;
  /** The PCI controllers but the root, parents first. */
  pciBridges: PciBridge[];
  /** The PCI devices but the disks (virtio-rng, the balloon). */
  pciDevices: PciDevice[];
  /** The virtio disks, opened by the VMM at start. */
  disks: DiskPlan[];
  /** The virtio NICs, their taps opened by the VMM at start. */
  nics: NicPlan[];
}

export function parseVmmPlan(text: string): VmmPlan {
  const plan: VmmPlan = { instance: "", control: "", status: "", memoryBytes: 0, vcpus: 1, kernel: "", cmdline: "", serial: { kind: "none" }, onPoweroff: "end", onReboot: "restart", onCrash: "end", pciBridges: [], pciDevices: [], disks: [], nics: [] };
  for (const [key, a = "", b = "", ...rest] of decodeLines(text)) {
    if (key === "instance") plan.instance = a;
    else if (key === "control") plan.control = a;
    else if (key === "status") plan.status = a;
    else if (key === "memory") plan.memoryBytes = Number(a);
    else if (key === "vcpus") plan.vcpus = Number(a);
    else if (key === "kernel") plan.kernel = a;
    else if (key === "initrd") plan.initrd = a;
    else if (key === "cmdline") plan.cmdline = a;
    else if (key === "serial") plan.serial = a === "file" ? { kind: "file", path: b } : { kind: "pty" };
    else if (key === "on_poweroff") plan.onPoweroff = a === "restart" ? "restart" : "end";
    else if (key === "on_reboot") plan.onReboot = a === "restart" ? "restart" : "end";
    else if (key === "on_crash") plan.onCrash = a === "restart" || a === "preserve" ? a : "end";
    else if (key === "coredump") plan.coredump = a;
    else if (key === "pci-bridge") plan.pciBridges.push(pciBridge(a, b, rest));
    else if (key === "disk") plan.disks.push(diskPlan([a, b, ...rest]));
    else if (key === "backing") plan.disks.at(-1)?.backing.push({ format: a === "qcow2" ? "qcow2" : "raw", path: b });
    else if (key === "backing-end" && plan.disks.length > 0) plan.disks[plan.disks.length - 1].backingEnds = true;
    else if (key === "balloon") plan.pciDevices.push({ kind: "virtio-balloon", bus: Number(a), slot: Number(b), function: Number(rest[0]), deflateOnOom: rest[1] === "deflate-on-oom" });
    else if (key === "net") plan.nics.push(nicPlan([a, b, ...rest]));
    else if (key === "rng") plan.pciDevices.push({ kind: "virtio-rng", bus: Number(a), slot: Number(b), function: Number(rest[0]) });
  }
  return plan;
}

function pciBridge(index: string, model: string, [parent, slot, fn]: string[]): PciBridge {
  return { index: Number(index), model: model === "pcie-root-port" ? "pcie-root-port" : "pci-bridge", parent: Number(parent), slot: Number(slot), function: Number(fn) };
}

/** disk BUS SLOT FUNCTION TARGET SOURCE FLAGS SERIAL HOLD REFUSE (FLAGS, HOLD, REFUSE: comma lists). */
function diskPlan([bus, slot, fn, target, source, flags = "", serial = "", hold = "", refuse = ""]: string[]): DiskPlan {
  const flag = new Set(flags.split(","));
  const bytes = (list: string) => (list === "" ? [] : list.split(",").map(Number));
  return {
    bus: Number(bus),
    slot: Number(slot),
    function: Number(fn),
    target,
    source,
    format: flag.has("qcow2") ? "qcow2" : "raw",
    readonly: flag.has("readonly"),
    writethrough: flag.has("writethrough"),
    ignoreFlush: flag.has("ignore-flush"),
    discard: flag.has("discard"),
    direct: flag.has("direct"),
    serial,
    backing: [],
    backingEnds: false,
    hold: bytes(hold),
    refuse: bytes(refuse),
  };
}

/** net BUS SLOT FUNCTION MAC TAP BRIDGE MTU FLAGS */
function nicPlan([bus, slot, fn, mac, tap, bridge = "", mtu = "0", flags = ""]: string[]): NicPlan {
  const flagList = flags.split(",");
  const vhost = flagList.includes("vhost") ? "on" : flagList.includes("no-vhost") ? "off" : "auto";
  return { bus: Number(bus), slot: Number(slot), function: Number(fn), mac, tap, bridge, mtu: Number(mtu), existing: flagList.includes("existing"), vhost };
}

/** Reads a plan file; throws (open PATH, with its errno) when it cannot. */
export function readVmmPlan(file: string): VmmPlan {
  return parseVmmPlan(readFileSync(file, "utf8"));
}
