// A qcow2 image read as the guest's disk: guest ranges map, cluster by cluster, through the L1
// table (cached whole) and L2 tables (cached in slices) to data in the file, zeros, or the backing
// image below. The open checks the header and every table before the guest sees a byte, so a
// damaged image is refused at start instead of failing requests later.
import { IovecList } from "../block-io";
import { DiskImage, RawImage, readPadded, zeroGuest } from "../image";
import { be32, be64, MAGIC, parseHeader, Qcow2Header } from "./header";

/** Bits 9–55 of L1 and L2 entries: a host offset. */
const OFFSET_MASK: u64 = 0x00fffffffffffe00;
const COMPRESSED: u64 = <u64>1 << 62;
/** A standard L2 entry's bit 0 (v3): the cluster reads as zeros. */
const READS_ZERO: u64 = 1;
/** The first read of an image: enough for every header field before the cluster size is known. */
const FIRST_READ: u32 = 512;
/** L2 tables are cached in slices of this many bytes (512 entries), least recently used out. */
const SLICE_BYTES: u32 = 4096;
const CACHED_SLICES = 64;

const enum Cluster {
  ERROR,
  DATA,
  ZERO,
  UNALLOCATED,
}

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
  private sliceBytes: u32 = SLICE_BYTES;
  private readonly sliceKeys: StaticArray<u64> = new StaticArray<u64>(CACHED_SLICES);
  private readonly sliceUse: StaticArray<u32> = new StaticArray<u32>(CACHED_SLICES);
  private readonly slices: usize = heap.alloc(<usize>CACHED_SLICES * SLICE_BYTES);
  private useClock: u32 = 0;
  /** The host offset lookup() found for a DATA cluster (the guest offset's own byte). */
  private found: u64 = 0;
  private readonly segment: IovecList = new IovecList();
  private readonly padding: IovecList = new IovecList();

  constructor(handle: i32, readonly fileBytes: u64) {
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
    this.sliceBytes = <u32>min(<u64>SLICE_BYTES, header.clusterBytes);
    return this.loadL1() && this.checkL2Tables();
  }

  private refuse(message: string): bool {
    this.error = message;
    return false;
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

  /** Every L2 entry, once: data inside the file and aligned, no compressed cluster (not read yet). */
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
    if ((entry & COMPRESSED) != 0) return this.refuse("compressed qcow2 clusters are not supported");
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
      // the run of clusters that read the same way (data: contiguous in the file)
      let n = min(cluster - (guest & this.clusterMask), len - pos);
      while (pos + n < len) {
        const next = this.lookup(guest + n);
        if (next != kind || (kind == Cluster.DATA && this.found != host + n)) break;
        n += min(cluster, len - pos - n);
      }
      this.segment.sliceOf(list, pos, n);
      let ok = true;
      if (kind == Cluster.DATA) ok = readPadded(this.file, host, this.segment, n, this.padding);
      else if (kind == Cluster.ZERO) ok = zeroGuest(this.segment);
      else {
        const below = this.backing;
        ok = below === null ? zeroGuest(this.segment) : readPadded(below, guest, this.segment, n, this.padding);
      }
      if (!ok) return false;
      pos += n;
    }
    return true;
  }

  /** How the cluster holding guest offset `guest` reads; DATA sets `found`. */
  private lookup(guest: u64): Cluster {
    const cluster = guest >> this.header.clusterBits;
    const l1Index = cluster >> this.l2EntriesBits;
    if (l1Index >= <u64>this.l1.length) return Cluster.UNALLOCATED;
    const l2 = unchecked(this.l1[<i32>l1Index]) & OFFSET_MASK;
    if (l2 == 0) return Cluster.UNALLOCATED;
    const index = <u32>(cluster & ((<u64>1 << this.l2EntriesBits) - 1));
    const slice = this.l2Slice(l2 + <u64>((index * 8) / this.sliceBytes) * this.sliceBytes);
    if (slice == 0) return Cluster.ERROR;
    const entry = be64(slice + <usize>((index * 8) % this.sliceBytes));
    if ((entry & COMPRESSED) != 0) return Cluster.ERROR;
    if (this.header.version == 3 && (entry & READS_ZERO) != 0) return Cluster.ZERO;
    const data = entry & OFFSET_MASK;
    if (data == 0) return Cluster.UNALLOCATED;
    this.found = data + (guest & this.clusterMask);
    return Cluster.DATA;
  }

  /** The cached slice of an L2 table at file offset `at` (read on a miss), or 0 when it cannot be read. */
  private l2Slice(at: u64): usize {
    let victim = 0;
    for (let i = 0; i < CACHED_SLICES; i++) {
      if (unchecked(this.sliceKeys[i]) == at && unchecked(this.sliceUse[i]) != 0) {
        unchecked((this.sliceUse[i] = ++this.useClock));
        return this.slices + <usize>i * SLICE_BYTES;
      }
      if (unchecked(this.sliceUse[i]) < unchecked(this.sliceUse[victim])) victim = i;
    }
    const slice = this.slices + <usize>victim * SLICE_BYTES;
    unchecked((this.sliceUse[victim] = 0));
    if (!this.io.readCore(at, slice, this.sliceBytes)) return 0;
    unchecked((this.sliceKeys[victim] = at));
    unchecked((this.sliceUse[victim] = ++this.useClock));
    return slice;
  }
}
