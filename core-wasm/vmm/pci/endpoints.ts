// The PCI devices the VMM can plug in, by the kind number the host's records give.
import { PciFunction } from "./config-space";
import { VirtioPciFunction } from "../virtio/pci-transport";
import { RNG_QUEUE_SIZE, VirtioRng } from "../virtio/rng";
import { BLK_QUEUE_SIZE, DiskSpec, VirtioBlk } from "../virtio/blk";

export const ENDPOINT_VIRTIO_RNG = 1;
export const ENDPOINT_VIRTIO_BLK = 2;

/** A new device of this kind as after power-on, or null for a kind the VMM does not have (or a disk without its spec). */
export function newEndpoint(kind: i32, disk: DiskSpec | null): PciFunction | null {
  if (kind == ENDPOINT_VIRTIO_RNG) return new VirtioPciFunction(new VirtioRng(), [RNG_QUEUE_SIZE]);
  if (kind == ENDPOINT_VIRTIO_BLK && disk !== null) return new VirtioPciFunction(new VirtioBlk(disk), [BLK_QUEUE_SIZE]);
  return null;
}
