// A disk's file operations as the host runs them (the block_io import), and the counters
// domblkstat reports. The guest buffers of a transfer travel as a list of guest-physical ranges:
// the host moves the bytes between the image and guest RAM itself. An image format's metadata
// (qcow2's tables) is read into and written from the core's own memory instead.
import { block_io } from "../host";

const OP_READ = 0;
const OP_WRITE = 1;
const OP_FLUSH = 2;
const OP_DEALLOCATE = 3;
const OP_ZERO = 4;
/** READ and WRITE with the ranges in the core's memory (image metadata), not in guest RAM. */
const OP_READ_CORE = 5;
const OP_WRITE_CORE = 6;

/** Records of {f64 guest-physical address, u32 length, u32 0}, as block_io reads them. */
const IOVEC_BYTES: usize = 16;
/** A chain has at most a queue's size of buffers (256), so its ranges always fit. */
export const MAX_IOVECS = 256;

export class IovecList {
  readonly ptr: usize = heap.alloc(<usize>MAX_IOVECS * IOVEC_BYTES);
  count: i32 = 0;
  /** The ranges are in the core's own memory (an image format's copy-on-write), not guest RAM. */
  inCore: bool = false;

  clear(): void {
    this.count = 0;
  }

  /** This list becomes the one range [ptr, ptr + len) of the core's memory. */
  coreRange(ptr: usize, len: u32): void {
    this.clear();
    this.inCore = true;
    this.add(<u64>ptr, len);
  }

  add(gpa: u64, len: u32): void {
    if (this.count == MAX_IOVECS) return;
    const at = this.ptr + <usize>this.count * IOVEC_BYTES;
    store<f64>(at, <f64>gpa);
    store<u32>(at, len, 8);
    store<u32>(at, 0, 12);
    this.count++;
  }

  /** Drops the first n ranges; the rest keep their order. */
  dropFirst(n: i32): void {
    memory.copy(this.ptr, this.ptr + <usize>n * IOVEC_BYTES, <usize>(this.count - n) * IOVEC_BYTES);
    this.count -= n;
  }

  /** This list becomes the bytes [from, from + len) of `source`'s ranges. */
  sliceOf(source: IovecList, from: u64, len: u64): void {
    this.clear();
    this.inCore = source.inCore;
    for (let i = 0; i < source.count && len > 0; i++) {
      const size = <u64>source.length(i);
      if (from >= size) {
        from -= size;
        continue;
      }
      const n = min(size - from, len);
      this.add(source.address(i) + from, <u32>n);
      len -= n;
      from = 0;
    }
  }

  address(i: i32): u64 {
    return <u64>load<f64>(this.ptr + <usize>i * IOVEC_BYTES);
  }

  length(i: i32): u32 {
    return load<u32>(this.ptr + <usize>i * IOVEC_BYTES, 8);
  }
}

/** The one range of readCore and writeCore. */
const coreScratch = new IovecList();

export class BlockIo {
  constructor(readonly handle: i32) {}

  /** Moves exactly len bytes between the disk at offset and the listed buffers (guest RAM, or the core's memory). */
  transfer(write: bool, offset: u64, list: IovecList, len: u64): bool {
    if (len > <u64>i32.MAX_VALUE) return false;
    if (len == 0) return true;
    const op = list.inCore ? (write ? OP_WRITE_CORE : OP_READ_CORE) : write ? OP_WRITE : OP_READ;
    const rc = block_io(op, this.handle, <f64>offset, list.ptr, list.count);
    return <u64>rc == len && rc >= 0;
  }

  /** Reads exactly len bytes at offset into the core's memory at ptr. */
  readCore(offset: u64, ptr: usize, len: u32): bool {
    coreScratch.coreRange(ptr, len);
    return this.transfer(false, offset, coreScratch, <u64>len);
  }

  /** Writes exactly len bytes from the core's memory at ptr to offset. */
  writeCore(offset: u64, ptr: usize, len: u32): bool {
    coreScratch.coreRange(ptr, len);
    return this.transfer(true, offset, coreScratch, <u64>len);
  }

  flush(): bool {
    return block_io(OP_FLUSH, this.handle, 0, 0, 0) == 0;
  }

  /** Deallocates bytes at offset (a hole reads back as zeros): 0 or -errno. */
  deallocate(offset: u64, bytes: i32): i32 {
    return block_io(OP_DEALLOCATE, this.handle, <f64>offset, 0, bytes);
  }

  /** Zeroes bytes at offset, keeping them allocated: 0 or -errno. */
  zero(offset: u64, bytes: i32): i32 {
    return block_io(OP_ZERO, this.handle, <f64>offset, 0, bytes);
  }
}

/** What domblkstat reports: requests and bytes by kind, for the VMM's life (a reboot keeps them). */
export class BlockStats {
  readRequests: u64 = 0;
  readBytes: u64 = 0;
  writeRequests: u64 = 0;
  writeBytes: u64 = 0;
  flushRequests: u64 = 0;

  read(bytes: u64): void {
    this.readRequests++;
    this.readBytes += bytes;
  }

  wrote(bytes: u64): void {
    this.writeRequests++;
    this.writeBytes += bytes;
  }

  flushed(): void {
    this.flushRequests++;
  }
}

const statsByHandle = new Map<i32, BlockStats>();

/** The counters of the disk the host opened as `handle`: the same object across the guest's reboots. */
export function statsFor(handle: i32): BlockStats {
  if (!statsByHandle.has(handle)) statsByHandle.set(handle, new BlockStats());
  return statsByHandle.get(handle);
}

export function forgetStats(handle: i32): void {
  statsByHandle.delete(handle);
}
