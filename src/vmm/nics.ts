// The guest's NICs' taps, opened by the VMM when the domain starts and kept until it ends, across
// guest reboots, as libvirt's qemu driver keeps them: a tap the kernel names (vnet0, vnet1, …) or
// the one <target dev> names, its host side given the guest's MAC with the first byte 0xFE (so the
// bridge never takes the guest's address as its own), the <mtu>, a place in its bridge, and up.
// An existing tap (<target managed='no'>) is used as it is. Closing a tap the VMM made removes it.
import { NetOp, type NetIo } from "../host/core.js";
import type { TapShim } from "../host/native.js";
import type { OpenNic, PciDevice } from "./machine.js";
import type { VhostMode } from "./vhost.js";

/** A NIC of the plan (docs/control-protocol.md, "net"). */
export interface NicPlan {
  bus: number;
  slot: number;
  function: number;
  mac: string;
  /** The tap's name, or a template with %d that the kernel numbers (vnet%d). */
  tap: string;
  /** The host bridge the tap joins ("" for type 'ethernet'). */
  bridge: string;
  /** The <mtu> (0: none, the tap keeps the kernel's 1500). */
  mtu: number;
  /** <target managed='no'>: the tap is there already and is used as it is. */
  existing: boolean;
  /** <driver name>: vhost-net where the host has it (auto), required (on, 'vhost') or not used (off, 'qemu'). */
  vhost: VhostMode;
}

export interface OpenedNic {
  plan: NicPlan;
  nic: OpenNic;
  /** The tap's name (vnet0), as the live XML and domifstat name it. */
  name: string;
}

/** The host side's MAC: the guest's with its first byte 0xFE (0xFA when that is already the guest's). */
export function hostSideMac(mac: string): Uint8Array {
  const bytes = Uint8Array.from(mac.split(":").map((b) => parseInt(b, 16)));
  bytes[0] = bytes[0] === 0xfe ? 0xfa : 0xfe;
  return bytes;
}

/** Opens and sets up every NIC's tap; throws (closing what it opened) when one cannot be had. */
export function openNics(shim: TapShim, plans: NicPlan[]): OpenedNic[] {
  const opened: OpenedNic[] = [];
  try {
    for (const plan of plans) {
      const { handle, name } = shim.open(plan.tap);
      opened.push({ plan, nic: { handle, mac: plan.mac, mtu: plan.mtu, vhost: plan.vhost }, name });
      if (plan.existing) continue;
      shim.setMac(name, hostSideMac(plan.mac));
      if (plan.mtu > 0) shim.setMtu(name, plan.mtu);
      if (plan.bridge !== "") shim.addToBridge(plan.bridge, name);
      shim.setUp(name);
    }
  } catch (e) {
    closeNics(shim, opened);
    throw e;
  }
  return opened;
}

export function closeNics(shim: TapShim, nics: OpenedNic[]): void {
  for (const { nic } of nics) {
    try {
      shim.close(nic.handle);
    } catch {
      // already closed: nothing left to release
    }
  }
}

/** The NICs as PCI devices of the machine. */
export function nicDevices(nics: OpenedNic[]): PciDevice[] {
  return nics.map(({ plan, nic }) => ({ kind: "virtio-net", bus: plan.bus, slot: plan.slot, function: plan.function, nic }));
}

/** The core's net_io on the shim's taps; WATCH kicks vCPU 0 (`threadId`) when a frame waits. */
export function tapNetIo(shim: TapShim, threadId: number): NetIo {
  return (op, handle, memory, iovecs, count) => {
    try {
      if (op === NetOp.OFFLOAD) shim.setOffload(handle, count);
      else if (op === NetOp.WATCH) shim.watch(handle, threadId);
      else return shim.io(op, handle, memory, iovecs, count);
      return 0;
    } catch (e) {
      return -((e as NodeJS.ErrnoException).errno ?? 5);
    }
  };
}
