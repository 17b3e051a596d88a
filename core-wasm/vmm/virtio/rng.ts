// virtio-rng (virtio 1.2, 5.4): one queue of device-writable buffers, each filled with random bytes
// from the host's operating system (the core's random_fill: getrandom, what /dev/urandom and, on
// Linux 5.6 and later, /dev/random give). A request is served up to RNG_REQUEST_MAX bytes.
import { random_fill } from "../../host";
import { guestMemory } from "./guest-memory";
import { VirtioDevice, VirtioPciFunction } from "./pci-transport";
import { Descriptor } from "./virtqueue";

const VIRTIO_ID_RNG: u16 = 4;
/** PCI class "other" (0xff) under base class 0: what QEMU's virtio-rng-pci says. */
const CLASS_OTHER: u32 = 0x00ff00;
export const RNG_QUEUE_SIZE: u16 = 256;
const RNG_REQUEST_MAX: u32 = 64 * 1024;
const CHUNK: u32 = 4096;

const chunk = memory.data(<i32>CHUNK);
const descriptor = new Descriptor();

export class VirtioRng extends VirtioDevice {
  get id(): u16 {
    return VIRTIO_ID_RNG;
  }

  get classCode(): u32 {
    return CLASS_OTHER;
  }

  get features(): u64 {
    return 0;
  }

  get configLength(): i32 {
    return 0;
  }

  configRead(offset: i32, size: i32): u32 {
    return 0;
  }

  serve(transport: VirtioPciFunction, index: i32): bool {
    const q = transport.queues[index];
    let used = false;
    for (let head = q.nextChain(); head >= 0; head = q.nextChain()) {
      let written: u32 = 0;
      while (q.nextDescriptor(descriptor)) {
        if (!descriptor.deviceWrites) continue;
        let left = min(descriptor.length, RNG_REQUEST_MAX - written);
        let at = descriptor.address;
        while (left > 0) {
          const n = min(left, CHUNK);
          random_fill(chunk, n);
          if (!guestMemory.write(at, chunk, n)) break;
          at += n;
          left -= n;
          written += n;
        }
      }
      if (q.checkFault() || q.faulted) break;
      q.pushUsed(head, written);
      used = true;
    }
    return used;
  }
}
