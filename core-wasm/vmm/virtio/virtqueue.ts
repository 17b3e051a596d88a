// A split virtqueue (virtio 1.x, 2.7): the descriptor table, the driver's available ring and the
// device's used ring, all in guest memory, read and written through GuestMemory with every index
// checked. A malformed queue (an index past its size, a chain longer than the queue, memory outside
// guest RAM) is reported as a fault; the device then stops serving it, and the guest stays up.
import { guestMemory } from "./guest-memory";

export const NO_VECTOR: u16 = 0xffff;
export const DESC_F_NEXT: u16 = 1;
export const DESC_F_WRITE: u16 = 2;
const AVAIL_F_NO_INTERRUPT: u16 = 1;
const DESCRIPTOR_BYTES: u64 = 16;

/** One descriptor of a chain: a guest buffer, and whether the device writes it. */
export class Descriptor {
  address: u64 = 0;
  length: u32 = 0;
  flags: u16 = 0;
  next: u16 = 0;

  get deviceWrites(): bool {
    return (this.flags & DESC_F_WRITE) != 0;
  }
}

const raw = memory.data(16);

export class Virtqueue {
  /** What the driver set up through the common configuration. */
  size: u16;
  enabled: bool = false;
  msixVector: u16 = NO_VECTOR;
  descriptors: u64 = 0;
  available: u64 = 0;
  used: u64 = 0;
  /** The device's position in the available ring, and the used ring's next index. */
  private nextAvailable: u16 = 0;
  private nextUsed: u16 = 0;
  /** The driver's available index as last read: chains up to it need no new read of it. */
  private postedSeen: u16 = 0;
  /** While walking a chain: descriptors read so far, and where the walk goes next. */
  private walked: i32 = 0;
  private following: i32 = -1;
  faulted: bool = false;

  constructor(readonly maxSize: u16) {
    this.size = maxSize;
  }

  reset(): void {
    this.size = this.maxSize;
    this.enabled = false;
    this.msixVector = NO_VECTOR;
    this.descriptors = 0;
    this.available = 0;
    this.used = 0;
    this.nextAvailable = 0;
    this.nextUsed = 0;
    this.postedSeen = 0;
    this.faulted = false;
  }

  /** How many chains the device has taken from the available ring (mod 2^16): where another server of the ring starts. */
  get taken(): u16 {
    return this.nextAvailable;
  }

  /** Whether the driver set the queue up usably (enabled, a power-of-two size not above the maximum). */
  get ready(): bool {
    return this.enabled && !this.faulted && this.size != 0 && this.size <= this.maxSize && (this.size & (this.size - 1)) == 0;
  }

  /** The head of the next chain the driver made available, or -1 (none, or a fault). */
  nextChain(): i32 {
    if (!this.ready) return -1;
    if (this.postedSeen == this.nextAvailable) {
      this.postedSeen = guestMemory.u16(this.available + 2);
      if (this.checkFault() || this.postedSeen == this.nextAvailable) return -1;
    }
    const head = guestMemory.u16(this.available + 4 + 2 * <u64>(this.nextAvailable % this.size));
    if (this.checkFault()) return -1;
    this.nextAvailable++;
    if (head >= this.size) return this.fault();
    this.walked = 0;
    this.following = head;
    return head;
  }

  /** Reads the chain's next descriptor into d; false at its end (or on a fault). */
  nextDescriptor(d: Descriptor): bool {
    if (this.following < 0 || this.faulted) return false;
    // a chain can hold each descriptor once: more means a loop
    if (++this.walked > <i32>this.size) {
      this.fault();
      return false;
    }
    if (!guestMemory.read(this.descriptors + DESCRIPTOR_BYTES * <u64>this.following, raw, 16)) {
      this.checkFault();
      return false;
    }
    d.address = load<u64>(raw);
    d.length = load<u32>(raw, 8);
    d.flags = load<u16>(raw, 12);
    d.next = load<u16>(raw, 14);
    if ((d.flags & DESC_F_NEXT) == 0) this.following = -1;
    else if (d.next >= this.size) {
      this.fault();
      return false;
    } else this.following = d.next;
    return true;
  }

  /** Returns a chain to the driver: `written` bytes of it were filled by the device. */
  pushUsed(head: i32, written: u32): void {
    const element = this.used + 4 + 8 * <u64>(this.nextUsed % this.size);
    store<u32>(raw, <u32>head);
    store<u32>(raw, written, 4);
    guestMemory.write(element, raw, 8);
    this.nextUsed++;
    // the element first, then the index that publishes it
    guestMemory.setU16(this.used + 2, this.nextUsed);
    this.checkFault();
  }

  /** Whether the driver wants an interrupt for used buffers (it has not set NO_INTERRUPT). */
  wantsInterrupt(): bool {
    const flags = guestMemory.u16(this.available);
    return !this.checkFault() && (flags & AVAIL_F_NO_INTERRUPT) == 0;
  }

  /** The device found the driver's request unusable (no way to report on it): the queue stops. */
  markBroken(): void {
    this.faulted = true;
  }

  private fault(): i32 {
    this.faulted = true;
    return -1;
  }

  /** Takes a guest-memory fault (a device's data access too) as this queue's; true when there was one. */
  checkFault(): bool {
    if (!guestMemory.fault) return false;
    guestMemory.fault = false;
    this.faulted = true;
    return true;
  }
}
