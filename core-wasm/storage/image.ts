// A disk image as virtio-blk sees it: `size` bytes the guest reads and writes, whatever the format
// on the host. Each format maps the guest's byte ranges to operations on its files (block-io.ts);
// the payload moves file↔guest RAM in the host. Images are kept by the handle of their top file
// (the one the domain's <source> names), across the guest's reboots, until the host closes it.
import { guestMemory } from "../vmm/virtio/guest-memory";
import { BlockIo, IovecList } from "./block-io";

const EOPNOTSUPP: i32 = 95;
/** Zeros to copy from, for the guest's ranges and for an image format's zeros written out. */
export const ZERO_BYTES: u32 = 64 * 1024;
export const zeros = memory.data(<i32>ZERO_BYTES);

export class DiskImage {
  readonly io: BlockIo;

  constructor(
    readonly handle: i32,
    /** The bytes the guest sees. */
    public size: u64,
  ) {
    this.io = new BlockIo(handle);
  }

  /** Reads len bytes at offset (inside size) into the guest ranges of list (which cover len bytes). */
  read(offset: u64, list: IovecList, len: u64): bool {
    return false;
  }

  /** Writes len bytes at offset (inside size) from the guest ranges of list. */
  write(offset: u64, list: IovecList, len: u64): bool {
    return false;
  }

  flush(): bool {
    return this.io.flush();
  }

  /** discard: the bytes may read back as anything; 0, -EOPNOTSUPP (nothing done), or -errno. */
  discard(offset: u64, bytes: i32): i32 {
    return -EOPNOTSUPP;
  }

  /** write-zeroes: the bytes read back as zeros (deallocated if `unmap` allows); 0 or -errno. */
  zero(offset: u64, bytes: i32, unmap: bool): i32 {
    return -EOPNOTSUPP;
  }
}

/** A raw file or block device: the guest's bytes are the file's. */
export class RawImage extends DiskImage {
  read(offset: u64, list: IovecList, len: u64): bool {
    return this.io.transfer(false, offset, list, len);
  }

  write(offset: u64, list: IovecList, len: u64): bool {
    return this.io.transfer(true, offset, list, len);
  }

  discard(offset: u64, bytes: i32): i32 {
    return this.io.deallocate(offset, bytes);
  }

  zero(offset: u64, bytes: i32, unmap: bool): i32 {
    if (unmap) return this.io.deallocate(offset, bytes);
    const rc = this.io.zero(offset, bytes);
    // a punched hole reads back as zeros: the way to zero where the file system has no ZERO_RANGE
    return rc == -EOPNOTSUPP ? this.io.deallocate(offset, bytes) : rc;
  }
}

/** Fills the ranges of list (guest RAM, or the core's memory) with zeros. */
export function zeroFill(list: IovecList): bool {
  for (let i = 0; i < list.count; i++) {
    const address = list.address(i);
    const length = list.length(i);
    if (list.inCore) {
      memory.fill(<usize>address, 0, length);
      continue;
    }
    for (let done: u32 = 0; done < length; done += ZERO_BYTES) {
      if (!guestMemory.write(address + <u64>done, zeros, min(ZERO_BYTES, length - done))) return false;
    }
  }
  return true;
}

/** Copies the bytes at `from` in the core's memory into the ranges of list (guest RAM, or the core's memory), in order. */
export function copyFromCore(list: IovecList, from: usize): bool {
  for (let i = 0; i < list.count; i++) {
    const address = list.address(i);
    const length = list.length(i);
    if (list.inCore) memory.copy(<usize>address, from, length);
    else if (!guestMemory.write(address, from, length)) return false;
    from += length;
  }
  return true;
}

/**
 * Reads len bytes at offset of `image` into list, where the range may run past the image's end
 * (a backing file smaller than the image above it): the part past the end reads as zeros.
 */
export function readPadded(image: DiskImage, offset: u64, list: IovecList, len: u64, scratch: IovecList): bool {
  const inside = offset >= image.size ? 0 : min(len, image.size - offset);
  if (inside == len) return image.read(offset, list, len);
  if (inside > 0) {
    scratch.sliceOf(list, 0, inside);
    if (!image.read(offset, scratch, inside)) return false;
  }
  scratch.sliceOf(list, inside, len - inside);
  return zeroFill(scratch);
}

const imagesByHandle = new Map<i32, DiskImage>();

/** The image the host opened as `handle` (a raw one of `bytes` unless a format was opened on it). */
export function imageFor(handle: i32, bytes: u64): DiskImage {
  if (!imagesByHandle.has(handle)) imagesByHandle.set(handle, new RawImage(handle, bytes));
  return imagesByHandle.get(handle);
}

export function setImage(handle: i32, image: DiskImage): void {
  imagesByHandle.set(handle, image);
}

/** Forgets the image of a handle the host closed (the handle's number may come back for another file). */
export function forgetImage(handle: i32): void {
  imagesByHandle.delete(handle);
}
