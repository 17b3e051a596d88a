// The PCI devices the VMM can plug in, by the kind number the host's records give.
import { PciFunction } from "./config-space";
import { VirtioPciFunction } from "../virtio/pci-transport";
import { RNG_QUEUE_SIZE, VirtioRng } from "../virtio/rng";

export const ENDPOINT_VIRTIO_RNG = 1;

/** A new device of this kind as after power-on, or null for a kind the VMM does not have. */
export function newEndpoint(kind: i32): PciFunction | null {
  if (kind == ENDPOINT_VIRTIO_RNG) return new VirtioPciFunction(new VirtioRng(), [RNG_QUEUE_SIZE]);
  return null;
}
