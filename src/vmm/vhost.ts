// The host's side of vhost-net: opening /dev/vhost-net for the NICs that may use it, and carrying
// out the core's records (core-wasm/vmm/virtio/vhost-program.ts) with the shim's ioctls. Each
// ring gets two eventfds of its own: the kick, which KVM signals when the guest writes the ring's
// notify address (KVM_IOEVENTFD), and the call, which vhost signals and KVM turns into the MSI
// route's interrupt (KVM_IRQFD). They live as long as the machine; closing the vhost handle stops
// the kernel's work on the rings.
import { writeSync } from "node:fs";
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import { VhostOp } from "../host/core-abi.gen.js";
import type { KvmShim, VhostShim } from "../host/native.js";

const RECORD_BYTES = 48;

/** KVM capabilities vhost's rings need, and the one that lets a notify write of any length match. */
const KVM_CAP_IRQFD = 32;
const KVM_CAP_IOEVENTFD = 36;
const KVM_CAP_IOEVENTFD_ANY_LENGTH = 122;

/** `<driver name>` of an interface: vhost when the host has it (none), always (vhost), never (qemu). */
export type VhostMode = "auto" | "on" | "off";

/** A NIC's vhost-net as the machine opened it. */
export interface OpenVhost {
  handle: number;
  features: number;
  notifyAnyLength: boolean;
}

/**
 * /dev/vhost-net for one NIC, or undefined where it is not wanted or not there: libvirt's qemu
 * driver also falls back to serving the NIC itself unless `<driver name='vhost'>` asked for it.
 */
export function openVhost(kvm: KvmShim, vhost: VhostShim | undefined, system: number, mode: VhostMode): OpenVhost | undefined {
  if (mode === "off") return undefined;
  let why = "";
  if (!vhost) why = "the native shim has no vhost-net";
  else if (kvm.checkExtension(system, KVM_CAP_IRQFD) <= 0 || kvm.checkExtension(system, KVM_CAP_IOEVENTFD) <= 0) why = "KVM has no irqfd or ioeventfd";
  else {
    let handle = -1;
    try {
      handle = vhost.open();
      return { handle, features: vhost.features(handle), notifyAnyLength: kvm.checkExtension(system, KVM_CAP_IOEVENTFD_ANY_LENGTH) > 0 };
    } catch (e) {
      if (handle >= 0) vhost.close(handle);
      why = (e as Error).message;
    }
  }
  if (mode === "on") throw new VirtError(ErrorNumber.VIR_ERR_SYSTEM_ERROR, ErrorDomain.VIR_FROM_NONE, `vhost-net was requested for an interface, but is unavailable: ${why}`);
  return undefined;
}

/** A ring's eventfds, and what KVM does with them now. */
interface RingFds {
  kick: number;
  call: number;
  /** The notify address KVM_IOEVENTFD matches, and the write length (0: any). */
  notify?: { address: number; length: number };
  /** The GSI the call's irqfd raises (-1: none). */
  gsi: number;
}

export class VhostRings {
  private readonly rings = new Map<string, RingFds>();

  constructor(
    private readonly kvm: KvmShim,
    private readonly vhost: VhostShim,
    private readonly vm: number,
    private readonly ram: ArrayBuffer,
    /** The VM's routing table as the core has it now (vmmIrqRouting). */
    private readonly routing: () => Uint8Array,
    /** Where a failed call is told (the NIC's ring then stays unserved; the guest goes on). */
    private readonly log: (line: string) => void,
  ) {}

  /** Carries out the core's records in order (copied first: a ROUTES record calls the core, whose output they are). */
  carryOut(records: DataView): void {
    const v = new DataView(records.buffer.slice(records.byteOffset, records.byteOffset + records.byteLength));
    const failed = new Set<number>();
    for (let at = 0; at + RECORD_BYTES <= v.byteLength; at += RECORD_BYTES) {
      const op = v.getInt32(at, true);
      const handle = v.getInt32(at + 4, true);
      const index = v.getInt32(at + 8, true);
      const value = v.getInt32(at + 12, true);
      const value2 = v.getInt32(at + 16, true);
      const [a, b, c] = [24, 32, 40].map((o) => v.getFloat64(at + o, true));
      // after a failed step vhost must not start on rings it was not (fully) given: it keeps the
      // last ones it had, which the guest may have freed at its reset
      if (op === VhostOp.BACKEND && value >= 0 && failed.has(handle)) continue;
      try {
        this.perform(op, handle, index, value, value2, a, b, c);
      } catch (e) {
        failed.add(handle);
        this.log(`vhost-net ring ${index}: ${(e as Error).message}; the NIC stays without vhost until the guest resets it`);
      }
    }
  }

  private perform(op: number, handle: number, index: number, value: number, value2: number, a: number, b: number, c: number): void {
    switch (op) {
      case VhostOp.FEATURES:
        this.vhost.setFeatures(handle, a);
        this.vhost.setMemTable(handle, this.ram);
        return;
      case VhostOp.RING:
        this.vhost.setRingSize(handle, index, value);
        this.vhost.setRingBase(handle, index, value2);
        this.vhost.setRingAddresses(handle, index, value, this.ram, a, b, c);
        return;
      case VhostOp.KICK: {
        const ring = this.ring(handle, index);
        this.stopNotify(ring);
        this.vhost.setRingKick(handle, index, ring.kick);
        try {
          this.kvm.ioeventfd(this.vm, a, value, ring.kick, true);
          ring.notify = { address: a, length: value };
        } catch (e) {
          // the guest's notifications then exit, and the core passes them on (NOTIFY): slower, not lost
          this.log(`vhost-net ring ${index}: ${(e as Error).message}; its notifications go through the VMM`);
        }
        return;
      }
      case VhostOp.CALL: {
        const ring = this.ring(handle, index);
        this.stopCall(ring);
        if (value >= 0) this.kvm.irqfd(this.vm, ring.call, value, true);
        ring.gsi = value;
        return;
      }
      case VhostOp.BACKEND:
        this.vhost.setBackend(handle, index, value);
        return;
      case VhostOp.RELEASE: {
        const ring = this.ring(handle, index);
        this.stopNotify(ring);
        this.stopCall(ring);
        return;
      }
      case VhostOp.ROUTES:
        this.kvm.setGsiRouting(this.vm, this.routing());
        return;
      case VhostOp.NOTIFY:
        writeSync(this.ring(handle, index).kick, new Uint8Array(new BigUint64Array([1n]).buffer));
        return;
      default:
        throw new Error(`unknown vhost record ${op}`);
    }
  }

  /** The ring's eventfds, made (and the call given to vhost) the first time. */
  private ring(handle: number, index: number): RingFds {
    const key = `${handle}:${index}`;
    let ring = this.rings.get(key);
    if (!ring) {
      ring = { kick: this.kvm.eventfd(), call: this.kvm.eventfd(), gsi: -1 };
      this.rings.set(key, ring);
      this.vhost.setRingCall(handle, index, ring.call);
    }
    return ring;
  }

  private stopNotify(ring: RingFds): void {
    if (ring.notify) this.kvm.ioeventfd(this.vm, ring.notify.address, ring.notify.length, ring.kick, false);
    ring.notify = undefined;
  }

  private stopCall(ring: RingFds): void {
    if (ring.gsi >= 0) this.kvm.irqfd(this.vm, ring.call, ring.gsi, false);
    ring.gsi = -1;
  }

  /** The machine ends: KVM lets go of the eventfds, which close (the vhost handles are closed by their opener). */
  close(): void {
    for (const ring of this.rings.values()) {
      try {
        this.stopNotify(ring);
        this.stopCall(ring);
      } catch {
        // the VM is going away: KVM drops them with it
      }
      this.kvm.close(ring.kick);
      this.kvm.close(ring.call);
    }
    this.rings.clear();
  }
}
