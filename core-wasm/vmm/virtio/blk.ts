// virtio-blk (virtio 1.2, 5.2): one request queue over a disk the host opened. The core reads each
// request's header and decides; the data moves file↔guest RAM in the host (block_io) from the
// guest-physical buffers the core lists, so a disk's payload never passes through wasm memory.
// A request the device cannot carry out gets IOERR or UNSUPP in its status byte; a chain with no
// status byte to report in breaks the queue (DEVICE_NEEDS_RESET), and the VMM goes on.
import { guestMemory } from "./guest-memory";
import { VirtioDevice, VirtioPciFunction } from "./pci-transport";
import { Descriptor, Virtqueue } from "./virtqueue";
import { BlockStats, IovecList, statsFor } from "../../storage/block-io";
import { DiskImage, imageFor } from "../../storage/image";

const VIRTIO_ID_BLOCK: u16 = 2;
/** PCI class "SCSI storage" (0x0100), as QEMU's virtio-blk-pci says. */
const CLASS_STORAGE_SCSI: u32 = 0x010000;
export const BLK_QUEUE_SIZE: u16 = 256;
const SECTOR: u64 = 512;

/** Features (5.2.3). */
const F_SEG_MAX: u64 = 1 << 2;
const F_RO: u64 = 1 << 5;
const F_BLK_SIZE: u64 = 1 << 6;
const F_FLUSH: u64 = 1 << 9;
const F_CONFIG_WCE: u64 = 1 << 11;
const F_DISCARD: u64 = 1 << 13;
const F_WRITE_ZEROES: u64 = 1 << 14;

/** Request types and status values (5.2.6). */
const T_IN: u32 = 0;
const T_OUT: u32 = 1;
const T_FLUSH: u32 = 4;
const T_GET_ID: u32 = 8;
const T_DISCARD: u32 = 11;
const T_WRITE_ZEROES: u32 = 13;
const S_OK: u8 = 0;
const S_IOERR: u8 = 1;
const S_UNSUPP: u8 = 2;
const ID_BYTES: u32 = 20;
const WRITE_ZEROES_UNMAP: u32 = 1;
const EOPNOTSUPP: i32 = 95;

/** The most sectors one discard or write-zeroes segment may cover (1 GiB), and segments per request. */
const MAX_RANGE_SECTORS: u32 = 1 << 21;
const HEADER_BYTES: u32 = 16;
const CONFIG_BYTES: i32 = 60;

/** How the host opened the disk and what the domain's XML asks of it (the plan's disk flags). */
export const DISK_READONLY = 1;
/** cache='writethrough'/'directsync': every write reaches the disk before it completes. */
export const DISK_WRITETHROUGH = 2;
/** cache='unsafe': flushes are acknowledged without reaching the disk. */
export const DISK_IGNORE_FLUSH = 4;
/** discard='unmap': the guest's discards deallocate. */
export const DISK_DISCARD = 8;

/** A disk as the host opened it: its handle, its file's size, the plan's flags and the `<serial>`. */
export class DiskSpec {
  constructor(
    readonly handle: i32,
    readonly bytes: u64,
    readonly flags: i32,
    readonly serial: string,
  ) {}
}

const header = memory.data(16);
const config = memory.data(64);
const descriptor = new Descriptor();
/** The chain being served: its buffers in order, the device-readable ones first. */
const bufferAddress = new StaticArray<u64>(<i32>BLK_QUEUE_SIZE);
const bufferLength = new StaticArray<u32>(<i32>BLK_QUEUE_SIZE);
const iovecs = new IovecList();

/** The bytes [from, from + len) of the chain's buffers first..end-1, as guest ranges in `iovecs`. */
function listRange(first: i32, end: i32, from: u64, len: u64): void {
  iovecs.clear();
  let skip = from;
  for (let i = first; i < end && len > 0; i++) {
    const size = <u64>unchecked(bufferLength[i]);
    if (skip >= size) {
      skip -= size;
      continue;
    }
    const n = min(size - skip, len);
    iovecs.add(unchecked(bufferAddress[i]) + skip, <u32>n);
    len -= n;
    skip = 0;
  }
}

/** Copies between wasm memory at ptr and the chain's bytes [from, from + len) of buffers first..end-1. */
function copyRange(first: i32, end: i32, from: u64, ptr: usize, len: u32, toGuest: bool): bool {
  listRange(first, end, from, len);
  let at: usize = 0;
  for (let i = 0; i < iovecs.count; i++) {
    const ok = toGuest ? guestMemory.write(iovecs.address(i), ptr + at, iovecs.length(i)) : guestMemory.read(iovecs.address(i), ptr + at, iovecs.length(i));
    if (!ok) return false;
    at += <usize>iovecs.length(i);
  }
  return <u32>at == len;
}

export class VirtioBlk extends VirtioDevice {
  readonly stats: BlockStats;
  /** What the guest reads and writes: the image (raw, or a format opened on the handle). */
  private readonly image: DiskImage;
  /** Write-back caching as the guest last set it (CONFIG_WCE), from the cache mode at reset. */
  private writeback: bool = true;
  /** The chain being served: how many buffers, and where the device-writable ones start. */
  private buffers: i32 = 0;
  private firstWritable: i32 = 0;
  private readableBytes: u64 = 0;
  private writableBytes: u64 = 0;

  constructor(readonly disk: DiskSpec) {
    super();
    this.image = imageFor(disk.handle, disk.bytes);
    this.stats = statsFor(disk.handle);
    this.reset();
  }

  get id(): u16 {
    return VIRTIO_ID_BLOCK;
  }

  get classCode(): u32 {
    return CLASS_STORAGE_SCSI;
  }

  get readonly(): bool {
    return (this.disk.flags & DISK_READONLY) != 0;
  }

  get sectors(): u64 {
    return this.image.size / SECTOR;
  }

  get features(): u64 {
    let f = F_SEG_MAX | F_BLK_SIZE | F_FLUSH | F_CONFIG_WCE;
    if (this.readonly) return f | F_RO;
    f |= F_WRITE_ZEROES;
    if ((this.disk.flags & DISK_DISCARD) != 0) f |= F_DISCARD;
    return f;
  }

  get configLength(): i32 {
    return CONFIG_BYTES;
  }

  reset(): void {
    this.writeback = (this.disk.flags & DISK_WRITETHROUGH) == 0;
  }

  configRead(offset: i32, size: i32): u32 {
    if (offset < 0 || offset + size > CONFIG_BYTES) return 0;
    memory.fill(config, 0, 64);
    store<u64>(config, this.sectors);
    store<u32>(config, <u32>BLK_QUEUE_SIZE - 2, 12); // seg_max: the chain less header and status
    store<u32>(config, <u32>SECTOR, 20); // blk_size
    store<u8>(config, this.writeback ? 1 : 0, 32);
    store<u32>(config, MAX_RANGE_SECTORS, 36); // max_discard_sectors
    store<u32>(config, 1, 40); // max_discard_seg
    store<u32>(config, 1, 44); // discard_sector_alignment
    store<u32>(config, MAX_RANGE_SECTORS, 48); // max_write_zeroes_sectors
    store<u32>(config, 1, 52); // max_write_zeroes_seg
    store<u8>(config, (this.disk.flags & DISK_DISCARD) != 0 ? 1 : 0, 56); // write_zeroes_may_unmap
    const at = config + <usize>offset;
    return size == 1 ? load<u8>(at) : size == 2 ? load<u16>(at) : load<u32>(at);
  }

  configWrite(offset: i32, size: i32, value: u32): void {
    // writeback, the only writable field (with CONFIG_WCE): the guest's "cache type"
    if (offset == 32 && size == 1) this.writeback = value != 0;
  }

  serve(transport: VirtioPciFunction, index: i32): bool {
    const q = transport.queues[index];
    let used = false;
    for (let head = q.nextChain(); head >= 0; head = q.nextChain()) {
      const written = this.request(q);
      if (written < 0 || q.checkFault() || q.faulted) {
        q.markBroken();
        break;
      }
      q.pushUsed(head, <u32>written);
      used = true;
    }
    return used;
  }

  /** Serves one request; returns the bytes written into its device-writable buffers, or -1 (no status byte). */
  private request(q: Virtqueue): i64 {
    if (!this.walk(q)) return -1;
    const status = this.writableBytes - 1;
    let result = S_IOERR;
    let written: u64 = 0;
    if (this.readableBytes >= <u64>HEADER_BYTES && copyRange(0, this.firstWritable, 0, header, HEADER_BYTES, false)) {
      const type = load<u32>(header);
      const sector = load<u64>(header, 8);
      if (type == T_IN) {
        result = this.read(sector, status);
        if (result == S_OK) written = status;
      } else if (type == T_OUT) result = this.write(sector, this.readableBytes - HEADER_BYTES);
      else if (type == T_FLUSH) result = this.flush();
      else if (type == T_GET_ID) {
        written = min(status, <u64>ID_BYTES);
        result = this.identify(<u32>written) ? S_OK : S_IOERR;
        if (result != S_OK) written = 0;
      } else if (type == T_DISCARD || type == T_WRITE_ZEROES) result = this.deallocate(type);
      else result = S_UNSUPP;
    }
    if (guestMemory.fault) return -1;
    store<u8>(header, result);
    if (!copyRange(this.firstWritable, this.buffers, status, header, 1, true)) return -1;
    return <i64>(written + 1);
  }

  /** Reads the chain's buffers; false when it has no status byte or is malformed (a buffer the driver reads after one it writes). */
  private walk(q: Virtqueue): bool {
    this.buffers = 0;
    this.firstWritable = -1;
    this.readableBytes = 0;
    this.writableBytes = 0;
    while (q.nextDescriptor(descriptor)) {
      const i = this.buffers++;
      unchecked((bufferAddress[i] = descriptor.address));
      unchecked((bufferLength[i] = descriptor.length));
      if (descriptor.deviceWrites) {
        if (this.firstWritable < 0) this.firstWritable = i;
        this.writableBytes += descriptor.length;
      } else {
        if (this.firstWritable >= 0) return false;
        this.readableBytes += descriptor.length;
      }
    }
    if (q.faulted || this.firstWritable < 0 || this.writableBytes == 0) return false;
    return true;
  }

  /** Whether len bytes at `sector` lie inside the disk, in whole sectors. */
  private inside(sector: u64, len: u64): bool {
    return len % SECTOR == 0 && sector <= this.sectors && len / SECTOR <= this.sectors - sector;
  }

  private read(sector: u64, len: u64): u8 {
    if (!this.inside(sector, len)) return S_IOERR;
    listRange(this.firstWritable, this.buffers, 0, len);
    if (!this.image.read(sector * SECTOR, iovecs, len)) return S_IOERR;
    this.stats.read(len);
    return S_OK;
  }

  private write(sector: u64, len: u64): u8 {
    if (this.readonly || !this.inside(sector, len)) return S_IOERR;
    listRange(0, this.firstWritable, HEADER_BYTES, len);
    if (!this.image.write(sector * SECTOR, iovecs, len)) return S_IOERR;
    this.stats.wrote(len);
    if (!this.writeback && !this.image.flush()) return S_IOERR;
    return S_OK;
  }

  private flush(): u8 {
    this.stats.flushed();
    if ((this.disk.flags & DISK_IGNORE_FLUSH) != 0) return S_OK;
    return this.image.flush() ? S_OK : S_IOERR;
  }

  /** GET_ID: the `<serial>`, NUL-padded to len (at most 20) bytes. */
  private identify(len: u32): bool {
    memory.fill(config, 0, ID_BYTES);
    const n = String.UTF8.encodeUnsafe(changetype<usize>(this.disk.serial), min(this.disk.serial.length, <i32>ID_BYTES), config);
    if (n > ID_BYTES) return false;
    return copyRange(this.firstWritable, this.buffers, 0, config, len, true);
  }

  /** DISCARD and WRITE_ZEROES: one segment {sector, sectors, flags}. */
  private deallocate(type: u32): u8 {
    if (this.readonly) return S_IOERR;
    const discard = type == T_DISCARD;
    if (discard && (this.disk.flags & DISK_DISCARD) == 0) return S_UNSUPP;
    if (this.readableBytes - HEADER_BYTES != 16 || !copyRange(0, this.firstWritable, HEADER_BYTES, header, 16, false)) return S_IOERR;
    const sector = load<u64>(header);
    const sectors = load<u32>(header, 8);
    const flags = load<u32>(header, 12);
    if (sectors > MAX_RANGE_SECTORS || !this.inside(sector, <u64>sectors * SECTOR)) return S_IOERR;
    if (discard && flags != 0) return S_UNSUPP; // no flags are defined for discard
    const offset = sector * SECTOR;
    const bytes = <i32>sectors * <i32>SECTOR;
    if (discard) {
      // advisory: an image that cannot deallocate keeps the data, and the guest is told OK
      const rc = this.image.discard(offset, bytes);
      return rc == 0 || rc == -EOPNOTSUPP ? S_OK : S_IOERR;
    }
    const unmap = (flags & WRITE_ZEROES_UNMAP) != 0 && (this.disk.flags & DISK_DISCARD) != 0;
    if (this.image.zero(offset, bytes, unmap) != 0) return S_IOERR;
    this.stats.wrote(<u64>bytes);
    if (!this.writeback && !this.image.flush()) return S_IOERR;
    return S_OK;
  }
}
