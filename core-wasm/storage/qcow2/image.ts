// A qcow2 image as the guest's disk: guest ranges map, cluster by cluster, through the L1 table
// (cached whole) and L2 tables (cached in slices) to data in the file, zeros, or the backing
// image below. The open checks the header and every table before the guest sees a byte, so a
// damaged image is refused at start instead of failing requests later.
// Writes allocate at the end of the file, in the order that keeps a killed VMM's image
// repairable: the new cluster's count, then its data (the rest of the cluster copied from below
// or zeroed), then the L2 entry, then the L1 entry; each metadata change is written through.
// Compressed clusters (qemu-img convert -c, as cloud images ship) are inflated in the core to
// be read; a write gives the cluster a plain one of its own and counts the compressed bytes down.
import { IovecList } from "../block-io";
import { copyFromCore, DiskImage, RawImage, readPadded, ZERO_BYTES, zeroFill, zeros } from "../image";
import { inflateRaw } from "../inflate";
import { be32, be64, INCOMPAT_CORRUPT, INCOMPAT_DIRTY, MAGIC, parseHeader, Qcow2Header } from "./header";
import { Refcounts, REFCOUNT_ORDER } from "./refcounts";
import { SLICE_BYTES, SliceCache } from "./slice-cache";

/** Bits 9–55 of L1 and L2 entries: a host offset. */
const OFFSET_MASK: u64 = 0x00fffffffffffe00;
/** Bit 63 of L1 and L2 entries: the cluster's count is exactly one (it may be written in place). */
const COPIED: u64 = <u64>1 << 63;
const COMPRESSED: u64 = <u64>1 << 62;
/** A standard L2 entry's bit 0 (v3): the cluster reads as zeros. */
const READS_ZERO: u64 = 1;
/** The first read of an image: enough for every header field before the cluster size is known. */
const FIRST_READ: u32 = 512;
const CACHED_L2_SLICES = 64;
/** Header offset of the autoclear features (v3), cleared by a writer that does not know them. */
const AUTOCLEAR_OFFSET: u64 = 88;
const EIO: i32 = 5;
const EOPNOTSUPP: i32 = 95;

const enum Cluster {
  ERROR,
  DATA,
  ZERO,
  UNALLOCATED,
  COMPRESSED,
}

const entryBytes = memory.data(8);

export class Qcow2Image extends DiskImage {
  /** The image below (backing file), or null: unallocated clusters then read as zeros. */
  backing: DiskImage | null = null;
  /** Why the image cannot be used ("" once open). */
  error: string = "";
  header: Qcow2Header = new Qcow2Header();
  private readonly file: RawImage;
  private l1: StaticArray<u64> = new StaticArray<u64>(0);
  private clusterMask: u64 = 0;
  private l2EntriesBits: u32 = 0;
  private l2: SliceCache | null = null;
  private refcounts: Refcounts | null = null;
  /** What lookup() found: the entry, and for DATA the host offset of the guest offset's byte. */
  private entry: u64 = 0;
  private found: u64 = 0;
  private readonly segment: IovecList = new IovecList();
  private readonly padding: IovecList = new IovecList();
  private readonly cow: IovecList = new IovecList();
  private readonly zeroSource: IovecList = new IovecList();
  private cowBuffer: usize = 0;
  /** The last compressed cluster read (by its L2 entry, 0 for none), inflated, and room for its deflate stream. */
  private inflatedEntry: u64 = 0;
  private inflated: usize = 0;
  private deflated: usize = 0;
  /** Where locateCompressed found a compressed cluster's stream: its first byte and the 512-byte sectors it spans. */
  private compressedAt: u64 = 0;
  private compressedSectors: u64 = 0;

  constructor(
    handle: i32,
    readonly fileBytes: u64,
    readonly writable: bool,
  ) {
    super(handle, 0);
    this.file = new RawImage(handle, fileBytes);
  }

  /** Reads and checks the header and tables; false with `error` set when the image cannot be used. */
  open(): bool {
    // the header, its extensions and the backing file's name: the first cluster, once its size is known
    const probe = heap.alloc(FIRST_READ);
    let headerBytes = <u32>min(<u64>FIRST_READ, this.fileBytes);
    if (!this.io.readCore(0, probe, headerBytes)) headerBytes = 0;
    const clusterBits = headerBytes >= 24 && be32(probe) == MAGIC ? be32(probe + 20) : 0;
    heap.free(probe);
    if (clusterBits >= 9 && clusterBits <= 21) headerBytes = <u32>min(<u64>1 << clusterBits, this.fileBytes);
    const buffer = heap.alloc(<usize>max(headerBytes, 1));
    if (!this.io.readCore(0, buffer, headerBytes)) headerBytes = 0;
    const header = parseHeader(buffer, headerBytes, this.fileBytes);
    heap.free(buffer);
    if (header.error.length > 0) return this.refuse(header.error);
    this.header = header;
    this.size = header.size;
    this.clusterMask = header.clusterBytes - 1;
    this.l2EntriesBits = header.clusterBits - 3;
    this.l2 = new SliceCache(this.io, <u32>min(<u64>SLICE_BYTES, header.clusterBytes), CACHED_L2_SLICES);
    if (!this.loadL1() || !this.checkL2Tables()) return false;
    return !this.writable || this.openForWriting();
  }

  private refuse(message: string): bool {
    this.error = message;
    return false;
  }

  /** What writing needs: an image this VMM may change, its refcounts, autoclear bits cleared. */
  private openForWriting(): bool {
    const h = this.header;
    if ((h.incompatible & INCOMPAT_CORRUPT) != 0) return this.refuse("Image is corrupt; cannot be opened read/write");
    if ((h.incompatible & INCOMPAT_DIRTY) != 0) return this.refuse("Image is dirty (lazy refcounts): repair it with qemu-img check -r all");
    if (h.snapshots != 0) return this.refuse("writing images with internal snapshots is not supported");
    if (h.refcountOrder != REFCOUNT_ORDER) return this.refuse(`writing images with ${1 << h.refcountOrder}-bit reference counts is not supported (only 16)`);
    const refcounts = new Refcounts(this.io, h, this.fileBytes);
    if (!refcounts.load()) return this.refuse(refcounts.error);
    this.refcounts = refcounts;
    // the spec: a writer clears the autoclear bits it does not maintain (all of them, here)
    if (h.version == 3 && this.io.readCore(AUTOCLEAR_OFFSET, entryBytes, 8) && load<u64>(entryBytes) != 0) {
      store<u64>(entryBytes, 0);
      if (!this.io.writeCore(AUTOCLEAR_OFFSET, entryBytes, 8)) return this.refuse("Could not clear the autoclear features");
    }
    return true;
  }

  private loadL1(): bool {
    const entries = this.header.l1Entries;
    this.l1 = new StaticArray<u64>(entries);
    if (entries == 0) return true;
    const table = changetype<usize>(this.l1);
    if (!this.io.readCore(this.header.l1Offset, table, entries * 8)) return this.refuse("Could not read the L1 table");
    for (let i: u32 = 0; i < entries; i++) {
      const entry = be64(table + <usize>i * 8);
      unchecked((this.l1[i] = entry));
      const l2 = entry & OFFSET_MASK;
      if (l2 == 0) continue;
      if ((l2 & this.clusterMask) != 0) return this.refuse(`L2 table offset 0x${l2.toString(16)} in L1 entry ${i} is not aligned to a cluster`);
      if (l2 + this.header.clusterBytes > this.fileBytes) return this.refuse(`L2 table offset 0x${l2.toString(16)} in L1 entry ${i} is past the end of the image`);
    }
    return true;
  }

  /** Every L2 entry, once: data inside the file and aligned, compressed streams starting inside it. */
  private checkL2Tables(): bool {
    const cluster = <u32>this.header.clusterBytes;
    const table = heap.alloc(<usize>cluster);
    let ok = true;
    for (let i = 0; ok && i < this.l1.length; i++) {
      const l2 = unchecked(this.l1[i]) & OFFSET_MASK;
      if (l2 == 0) continue;
      if (!this.io.readCore(l2, table, cluster)) ok = this.refuse(`Could not read the L2 table at 0x${l2.toString(16)}`);
      for (let j: u32 = 0; ok && j < cluster / 8; j++) ok = this.checkEntry(be64(table + <usize>j * 8), l2);
    }
    heap.free(table);
    return ok;
  }

  private checkEntry(entry: u64, l2: u64): bool {
    if ((entry & COMPRESSED) != 0) {
      this.locateCompressed(entry);
      if ((entry & COPIED) != 0) return this.refuse(`Compressed cluster in the L2 table at 0x${l2.toString(16)} has the copied flag set`);
      if (this.compressedAt >= this.fileBytes) return this.refuse(`Compressed cluster offset 0x${this.compressedAt.toString(16)} in the L2 table at 0x${l2.toString(16)} is past the end of the image`);
      // its sectors may run past the end of the file (qemu-img's never leave the last cluster):
      // past it, counting them down would take counts from clusters this VMM allocates there
      const lastByte = (this.compressedAt & ~(<u64>511)) + this.compressedSectors * 512 - 1;
      if (lastByte >> this.header.clusterBits > (this.fileBytes - 1) >> this.header.clusterBits) {
        return this.refuse(`Compressed cluster at 0x${this.compressedAt.toString(16)} in the L2 table at 0x${l2.toString(16)} runs past the end of the image`);
      }
      return true;
    }
    const data = entry & OFFSET_MASK;
    if (data == 0) return true;
    if ((data & this.clusterMask) != 0) return this.refuse(`Cluster allocation offset 0x${data.toString(16)} in the L2 table at 0x${l2.toString(16)} is not aligned`);
    if (data >= this.fileBytes) return this.refuse(`Data cluster offset 0x${data.toString(16)} in the L2 table at 0x${l2.toString(16)} is past the end of the image`);
    return true;
  }

  read(offset: u64, list: IovecList, len: u64): bool {
    const cluster = this.header.clusterBytes;
    for (let pos: u64 = 0; pos < len; ) {
      const guest = offset + pos;
      const kind = this.lookup(guest);
      if (kind == Cluster.ERROR) return false;
      const host = this.found;
      // the run of clusters that read the same way (data: contiguous in the file; compressed: one)
      let n = min(cluster - (guest & this.clusterMask), len - pos);
      while (pos + n < len && kind != Cluster.COMPRESSED) {
        const next = this.lookup(guest + n);
        if (next != kind || (kind == Cluster.DATA && this.found != host + n)) break;
        n += min(cluster, len - pos - n);
      }
      this.segment.sliceOf(list, pos, n);
      let ok = true;
      if (kind == Cluster.DATA) ok = readPadded(this.file, host, this.segment, n, this.padding);
      else if (kind == Cluster.ZERO) ok = zeroFill(this.segment);
      else if (kind == Cluster.COMPRESSED) ok = this.readCompressed(this.entry, guest & this.clusterMask, this.segment);
      else ok = this.readBelow(guest, this.segment, n);
      if (!ok) return false;
      pos += n;
    }
    return true;
  }

  /** The bytes from `from` in the compressed cluster of L2 entry `entry` into list. */
  private readCompressed(entry: u64, from: u64, list: IovecList): bool {
    const cluster = this.inflate(entry);
    return cluster != 0 && copyFromCore(list, cluster + <usize>from);
  }

  /** The compressed cluster of L2 entry `entry`, inflated into the core's memory; 0 when its stream cannot be read or is damaged. */
  private inflate(entry: u64): usize {
    if (entry == this.inflatedEntry) return this.inflated;
    const cluster = this.header.clusterBytes;
    if (this.inflated == 0) {
      this.inflated = heap.alloc(<usize>cluster);
      // a stream spans at most 2^(cluster_bits - 8) sectors: twice a cluster
      this.deflated = heap.alloc(<usize>cluster * 2);
    }
    this.inflatedEntry = 0;
    this.locateCompressed(entry);
    const at = this.compressedAt;
    // the last sector may run past the end of the file, which QEMU reads as zeros
    const bytes = at >= this.file.size ? 0 : <u32>min(this.compressedSectors * 512 - (at & 511), this.file.size - at);
    if (!this.io.readCore(at, this.deflated, bytes)) return 0;
    if (inflateRaw(this.deflated, bytes, this.inflated, <usize>cluster) != <isize>cluster) return 0;
    this.inflatedEntry = entry;
    return this.inflated;
  }

  /** Sets compressedAt and compressedSectors from a compressed cluster's L2 entry. */
  private locateCompressed(entry: u64): void {
    const sizeBits = this.header.clusterBits - 8;
    const offsetBits = 62 - sizeBits;
    this.compressedAt = entry & ((<u64>1 << offsetBits) - 1);
    this.compressedSectors = ((entry >> offsetBits) & ((<u64>1 << sizeBits) - 1)) + 1;
  }

  /**
   * The L2 entry of a compressed cluster no longer points at its stream: each host cluster the
   * stream's sectors touch is counted down once (as qemu-img counted them up). The clusters keep
   * their bytes: other compressed clusters may share them.
   */
  private releaseCompressed(entry: u64): bool {
    this.locateCompressed(entry);
    if (entry == this.inflatedEntry) this.inflatedEntry = 0;
    const first = this.compressedAt & ~(<u64>511);
    const last = first + this.compressedSectors * 512 - 1;
    for (let host = first & ~this.clusterMask; host <= last; host += this.header.clusterBytes) {
      if (!this.refcounts!.decrement(host)) return false;
    }
    return true;
  }

  /** What the image below holds at `guest` (zeros without one, or past its end). */
  private readBelow(guest: u64, list: IovecList, len: u64): bool {
    const below = this.backing;
    return below === null ? zeroFill(list) : readPadded(below, guest, list, len, this.padding);
  }

  /** How the cluster holding guest offset `guest` reads; sets `entry`, and `found` for DATA. */
  private lookup(guest: u64): Cluster {
    this.entry = 0;
    const cluster = guest >> this.header.clusterBits;
    const l1Index = cluster >> this.l2EntriesBits;
    if (l1Index >= <u64>this.l1.length) return Cluster.UNALLOCATED;
    const l2 = unchecked(this.l1[<i32>l1Index]) & OFFSET_MASK;
    if (l2 == 0) return Cluster.UNALLOCATED;
    const cache = this.l2!;
    const index = <u32>(cluster & ((<u64>1 << this.l2EntriesBits) - 1));
    const slice = cache.get(l2 + <u64>((index * 8) / cache.sliceBytes) * cache.sliceBytes);
    if (slice == 0) return Cluster.ERROR;
    const entry = be64(slice + <usize>((index * 8) % cache.sliceBytes));
    this.entry = entry;
    if ((entry & COMPRESSED) != 0) return Cluster.COMPRESSED;
    if (this.header.version == 3 && (entry & READS_ZERO) != 0) return Cluster.ZERO;
    const data = entry & OFFSET_MASK;
    if (data == 0) return Cluster.UNALLOCATED;
    this.found = data + (guest & this.clusterMask);
    return Cluster.DATA;
  }

  write(offset: u64, list: IovecList, len: u64): bool {
    if (this.refcounts === null) return false;
    const cluster = this.header.clusterBytes;
    for (let pos: u64 = 0; pos < len; ) {
      const guest = offset + pos;
      const inCluster = guest & this.clusterMask;
      const n = min(cluster - inCluster, len - pos);
      const kind = this.lookup(guest);
      if (kind == Cluster.ERROR) return false;
      this.segment.sliceOf(list, pos, n);
      if (kind == Cluster.DATA && (this.entry & COPIED) != 0) {
        // counted once: written in place
        if (!this.file.write(this.found, this.segment, n)) return false;
      } else if (!this.writeNewCluster(guest - inCluster, kind, inCluster, n)) return false;
      pos += n;
    }
    return true;
  }

  /**
   * The cluster at guest offset `start` gets a cluster of its own (a zero cluster's preallocated
   * one, else a new one): the bytes [at, at + n) from `segment`, the rest what the guest read
   * there before; then the L2 entry points at it, and a compressed stream it replaces is released.
   */
  private writeNewCluster(start: u64, kind: Cluster, at: u64, n: u64): bool {
    const previous = this.entry;
    const preallocated = previous & OFFSET_MASK;
    let host: u64;
    if (kind == Cluster.ZERO && preallocated != 0 && (this.entry & COPIED) != 0) host = preallocated;
    else if (kind == Cluster.DATA) return false; // shared with a snapshot: refused at open
    else host = this.refcounts!.allocate();
    if (host == 0) return false;
    const cluster = this.header.clusterBytes;
    if (host + cluster > this.file.size) this.file.size = host + cluster;
    if (!this.file.write(host + at, this.segment, n)) return false;
    if (!this.copyBelow(start, host, 0, at, kind, previous) || !this.copyBelow(start, host, at + n, cluster - at - n, kind, previous)) return false;
    if (!this.setEntry(start, host | COPIED)) return false;
    return kind != Cluster.COMPRESSED || this.releaseCompressed(previous);
  }

  /** Bytes [from, from + len) of the cluster at guest `start` (L2 entry `entry`), as the guest read them before, written at host + from. */
  private copyBelow(start: u64, host: u64, from: u64, len: u64, kind: Cluster, entry: u64): bool {
    if (len == 0) return true;
    if (this.cowBuffer == 0) this.cowBuffer = heap.alloc(<usize>this.header.clusterBytes);
    this.cow.coreRange(this.cowBuffer, <u32>len);
    let ok: bool;
    if (kind == Cluster.UNALLOCATED) ok = this.readBelow(start + from, this.cow, len);
    else if (kind == Cluster.COMPRESSED) ok = this.readCompressed(entry, from, this.cow);
    else ok = zeroFill(this.cow);
    return ok && this.file.write(host + from, this.cow, len);
  }

  /** The L2 entry of the cluster at guest `start` becomes `entry`, in a new L2 table if it has none. */
  private setEntry(start: u64, entry: u64): bool {
    const cluster = start >> this.header.clusterBits;
    const l1Index = <i32>(cluster >> this.l2EntriesBits);
    const index = <u32>(cluster & ((<u64>1 << this.l2EntriesBits) - 1));
    const l1Entry = unchecked(this.l1[l1Index]);
    let l2 = l1Entry & OFFSET_MASK;
    if (l2 != 0 && (l1Entry & COPIED) == 0) return false; // a table shared with a snapshot
    if (l2 == 0) {
      l2 = this.refcounts!.allocate();
      if (l2 == 0) return false;
      // a fresh table at the end of the file reads as zeros once the file covers it: its last
      // entry written (zero) makes it whole, then its one entry
      if (!this.writeEntry(l2 + this.header.clusterBytes - 8, 0)) return false;
      if (!this.writeEntry(l2 + <u64>index * 8, entry)) return false;
      if (!this.writeEntry(this.header.l1Offset + <u64>l1Index * 8, l2 | COPIED)) return false;
      unchecked((this.l1[l1Index] = l2 | COPIED));
      return true;
    }
    const at = l2 + <u64>index * 8;
    if (!this.writeEntry(at, entry)) return false;
    const cache = this.l2!;
    const sliceAt = at - ((at - l2) % cache.sliceBytes);
    const slice = cache.cached(sliceAt);
    if (slice != 0) store<u64>(slice + <usize>(at - sliceAt), bswap<u64>(entry));
    return true;
  }

  private writeEntry(at: u64, value: u64): bool {
    store<u64>(entryBytes, bswap<u64>(value));
    return this.io.writeCore(at, entryBytes, 8);
  }

  flush(): bool {
    return this.io.flush();
  }

  /**
   * discard: each whole cluster in the range gives its cluster back (counted down, its bytes
   * deallocated) and reads as zeros (v3) or as the layers below (v2 without any); the rest of
   * the range keeps its data, as QEMU keeps it.
   */
  discard(offset: u64, bytes: i32): i32 {
    if (this.refcounts === null) return -EOPNOTSUPP;
    if (this.header.version == 2 && this.backing !== null) return 0; // v2 cannot hide the layers below
    const first = (offset + this.clusterMask) & ~this.clusterMask;
    return this.zeroClusters(first, (offset + <u64>bytes) & ~this.clusterMask, true) ? 0 : -EIO;
  }

  /** write-zeroes: whole clusters become zero clusters (v3; deallocated with unmap), the rest zeros written. */
  zero(offset: u64, bytes: i32, unmap: bool): i32 {
    if (this.refcounts === null) return -EOPNOTSUPP;
    const end = offset + <u64>bytes;
    const first = (offset + this.clusterMask) & ~this.clusterMask;
    const last = end & ~this.clusterMask;
    if (this.header.version == 2 || first >= last) return this.writeZeros(offset, end);
    if (this.writeZeros(offset, first) != 0 || this.writeZeros(last, end) != 0) return -EIO;
    return this.zeroClusters(first, last, unmap) ? 0 : -EIO;
  }

  /** zeroCluster for each whole cluster in guest [first, last) (both cluster-aligned). */
  private zeroClusters(first: u64, last: u64, free: bool): bool {
    for (let start = first; start < last; start += this.header.clusterBytes) {
      if (!this.zeroCluster(start, free)) return false;
    }
    return true;
  }

  /**
   * The cluster at guest `start` reads as zeros from now on (or, on v2, as unallocated: only
   * called without a layer below): with `free`, or when it has no cluster to keep, it gives its
   * cluster back; else it keeps it, preallocated. The entry is written before the count goes down.
   */
  private zeroCluster(start: u64, free: bool): bool {
    const kind = this.lookup(start);
    if (kind == Cluster.ERROR) return false;
    const zero = this.header.version == 3 ? READS_ZERO : 0;
    if (kind == Cluster.COMPRESSED) {
      const entry = this.entry;
      return this.setEntry(start, zero) && this.releaseCompressed(entry);
    }
    const host = this.entry & OFFSET_MASK;
    const owned = host != 0 && (this.entry & COPIED) != 0;
    if (kind == Cluster.UNALLOCATED && (this.backing === null || zero == 0)) return true; // reads as zeros already
    if (kind == Cluster.ZERO && host == 0) return true;
    if (!free && owned) return this.setEntry(start, host | COPIED | zero);
    if (!this.setEntry(start, zero)) return false;
    if (!owned) return true;
    if (!this.refcounts!.decrement(host)) return false;
    // the bytes go too (advisory: a file system that cannot punch holes keeps them)
    this.io.deallocate(host, <i32>this.header.clusterBytes);
    return true;
  }

  /** Zeros written through the write path over guest bytes [from, to). */
  private writeZeros(from: u64, to: u64): i32 {
    for (let at = from; at < to; at += <u64>ZERO_BYTES) {
      const n = <u32>min(<u64>ZERO_BYTES, to - at);
      this.zeroSource.coreRange(zeros, n);
      if (!this.write(at, this.zeroSource, <u64>n)) return -EIO;
    }
    return 0;
  }
}
