// The PCI devices the VMM can plug in, by the kind number the host's records give.
import { PciFunction } from "./config-space";
import { VirtioPciFunction } from "../virtio/pci-transport";
import { RNG_QUEUE_SIZE, VirtioRng } from "../virtio/rng";
import { BLK_QUEUE_SIZE, DiskSpec, VirtioBlk } from "../virtio/blk";
import { BALLOON_QUEUE_SIZE, VirtioBalloon } from "../virtio/balloon";
import { NET_QUEUE_SIZE, NetSpec, VirtioNet } from "../virtio/net";

export const ENDPOINT_VIRTIO_RNG = 1;
export const ENDPOINT_VIRTIO_BLK = 2;
export const ENDPOINT_VIRTIO_BALLOON = 3;
export const ENDPOINT_VIRTIO_NET = 4;
/** A balloon record's flags: autodeflate='on' (the guest may take pages back when it runs out). */
export const BALLOON_DEFLATE_ON_OOM = 1;

/** A new device of this kind as after power-on, or null for a kind the VMM does not have (or a disk or NIC without its spec). */
export function newEndpoint(kind: i32, flags: i32, disk: DiskSpec | null, net: NetSpec | null): PciFunction | null {
  if (kind == ENDPOINT_VIRTIO_RNG) return new VirtioPciFunction(new VirtioRng(), [RNG_QUEUE_SIZE]);
  if (kind == ENDPOINT_VIRTIO_BLK && disk !== null) return new VirtioPciFunction(new VirtioBlk(disk), [BLK_QUEUE_SIZE]);
  if (kind == ENDPOINT_VIRTIO_NET && net !== null) return new VirtioPciFunction(new VirtioNet(net), [NET_QUEUE_SIZE, NET_QUEUE_SIZE]);
  if (kind == ENDPOINT_VIRTIO_BALLOON) {
    return new VirtioPciFunction(new VirtioBalloon((flags & BALLOON_DEFLATE_ON_OOM) != 0), [BALLOON_QUEUE_SIZE, BALLOON_QUEUE_SIZE, BALLOON_QUEUE_SIZE]);
  }
  return null;
}
