// A writable qcow2 image's reference counts: the table (cached whole), its blocks (cached in
// slices), and allocation. New clusters come from the end of the file, and each is counted on
// disk before anything points at it, so a VMM killed at any moment leaves at worst leaked
// clusters, which `qemu-img check -r all` repairs, never a cluster in use that counts zero.
import { BlockIo } from "../block-io";
import { be64, Qcow2Header } from "./header";
import { SLICE_BYTES, SliceCache } from "./slice-cache";

/** Refcount table entries: bits 9–63 are a block's offset. */
const BLOCK_MASK: u64 = ~(<u64>511);
/** The only refcount width this VMM writes (QEMU's default, refcount_order 4). */
export const REFCOUNT_ORDER: u32 = 4;
const CACHED_SLICES = 16;
const MAX_TABLE_BYTES: u64 = 4 << 20;
const entryBytes = memory.data(8);
/** Header offset of refcount_table_offset (u64) and refcount_table_clusters (u32), next to each other. */
const REFCOUNT_TABLE_FIELDS: u64 = 48;

export class Refcounts {
  private table: StaticArray<u64> = new StaticArray<u64>(0);
  private readonly blocks: SliceCache;
  private readonly clusterBits: u32;
  private readonly cluster: u64;
  /** log2 of a block's entries (a cluster of 16-bit counts). */
  private readonly entriesBits: u32;
  /** Where the next cluster goes: past everything the file held when opened. */
  private nextFree: u64;
  error: string = "";

  constructor(
    private readonly io: BlockIo,
    private readonly header: Qcow2Header,
    fileBytes: u64,
  ) {
    this.blocks = new SliceCache(io, <u32>min(<u64>SLICE_BYTES, header.clusterBytes), CACHED_SLICES);
    this.clusterBits = header.clusterBits;
    this.cluster = header.clusterBytes;
    this.entriesBits = header.clusterBits - 1;
    this.nextFree = ((fileBytes + header.clusterBytes - 1) >> header.clusterBits) << header.clusterBits;
  }

  /** Reads the table; false with `error` set when it cannot be used for writing. */
  load(): bool {
    const bytes = <u64>this.header.refcountTableClusters * this.cluster;
    if (bytes > MAX_TABLE_BYTES) return this.fail("Reference count table too large");
    const entries = <i32>(bytes / 8);
    this.table = new StaticArray<u64>(entries);
    const at = changetype<usize>(this.table);
    if (!this.io.readCore(this.header.refcountTableOffset, at, <u32>bytes)) return this.fail("Could not read the reference count table");
    for (let i = 0; i < entries; i++) unchecked((this.table[i] = be64(at + <usize>i * 8)));
    return true;
  }

  /** A new cluster, counted on disk; 0 (with `error`) when none can be had. */
  allocate(): u64 {
    const at = this.nextFree;
    this.nextFree += this.cluster;
    return this.increment(at) ? at : 0;
  }

  /** Adds one to the count of the cluster at host offset `at`, on disk. */
  private increment(at: u64): bool {
    return this.change(at, 1);
  }

  /** Takes one from the count of the cluster at host offset `at` (a cluster given back), on disk. */
  decrement(at: u64): bool {
    return this.change(at, -1);
  }

  /** The refcount block (its table index) that counts the cluster at host offset `at`. */
  private blockOf(at: u64): u64 {
    return (at >> this.clusterBits) >> this.entriesBits;
  }

  /** The cluster at `at`'s entry in its block. */
  private entryOf(at: u64): u32 {
    return <u32>((at >> this.clusterBits) & ((<u64>1 << this.entriesBits) - 1));
  }

  private change(at: u64, by: i32): bool {
    const blockIndex = this.blockOf(at);
    const entry = this.entryOf(at);
    if (blockIndex >= <u64>this.table.length) return by > 0 ? this.grow(at) : this.fail("a cluster given back is not counted");
    const block = unchecked(this.table[<i32>blockIndex]) & BLOCK_MASK;
    if (block == 0) return by > 0 ? this.newBlock(<i32>blockIndex, entry) : this.fail("a cluster given back is not counted");
    const sliceBytes = this.blocks.sliceBytes;
    const sliceAt = block + <u64>(((entry * 2) / sliceBytes) * sliceBytes);
    const slice = this.blocks.get(sliceAt);
    if (slice == 0) return this.fail("Could not read a reference count block");
    const at16 = slice + <usize>((entry * 2) % sliceBytes);
    const count = <i32>bswap<u16>(load<u16>(at16)) + by;
    if (count < 0 || count > 0xffff) return this.fail("a reference count would leave its range");
    store<u16>(at16, bswap<u16>(<u16>count));
    return this.io.writeCore(sliceAt + <u64>((entry * 2) % sliceBytes), at16, 2) || this.fail("Could not write a reference count");
  }

  /**
   * A block for table entry `blockIndex`, counting `entry` once: put at the end of the file and
   * counting itself where it can (else in the block that covers it), written whole before the
   * table points at it.
   */
  private newBlock(blockIndex: i32, entry: u32): bool {
    const at = this.nextFree;
    this.nextFree += this.cluster;
    const countsItself = this.blockOf(at) == <u64>blockIndex;
    if (!countsItself && !this.increment(at)) return false;
    const block = heap.alloc(<usize>this.cluster);
    memory.fill(block, 0, <usize>this.cluster);
    store<u16>(block + <usize>entry * 2, bswap<u16>(1));
    if (countsItself) {
      const own = block + <usize>this.entryOf(at) * 2;
      store<u16>(own, bswap<u16>(bswap<u16>(load<u16>(own)) + 1));
    }
    const written = this.io.writeCore(at, block, <u32>this.cluster);
    heap.free(block);
    if (!written) return this.fail("Could not write a reference count block");
    store<u64>(entryBytes, bswap<u64>(at));
    if (!this.io.writeCore(this.header.refcountTableOffset + <u64>blockIndex * 8, entryBytes, 8)) return this.fail("Could not write the reference count table");
    unchecked((this.table[blockIndex] = at));
    return true;
  }

  /**
   * A larger table, for the cluster at `at` that the table cannot reach: the new table (twice the
   * size, or what it needs) and the blocks it needs go at the end of the file, counting
   * themselves and `at`, written whole before the header points at the new table (one 12-byte
   * write); then the old table's clusters are given back. Killed before the header write, the
   * image is as it was; after it, the old table's clusters are at worst leaked.
   */
  private grow(at: u64): bool {
    const cluster = this.cluster;
    const start = this.nextFree;
    let tableClusters = max(<u64>this.header.refcountTableClusters * 2, 1);
    let blocks: u64 = 0;
    // the table and blocks cover themselves: grow both until they do
    for (;;) {
      const end = start + (tableClusters + blocks) * cluster;
      const first = this.blockOf(start);
      const last = this.blockOf(end - 1);
      const needed = last - first + 1 + (this.blockOf(at) < first ? 1 : 0);
      const tableNeeded = ((last + 1) * 8 + cluster - 1) / cluster;
      if (needed <= blocks && tableNeeded <= tableClusters) break;
      blocks = max(blocks, needed);
      tableClusters = max(tableClusters, tableNeeded);
    }
    if (tableClusters * cluster > MAX_TABLE_BYTES) return this.fail("Reference count table too large");
    const end = start + (tableClusters + blocks) * cluster;
    const tableBytes = tableClusters * cluster;
    const buffer = heap.alloc(<usize>(tableBytes + blocks * cluster));
    memory.fill(buffer, 0, <usize>(tableBytes + blocks * cluster));
    const entries = <i32>(tableBytes / 8);
    const table = new StaticArray<u64>(entries);
    for (let i = 0; i < this.table.length; i++) unchecked((table[i] = this.table[i]));
    // the new blocks, in order of the block they are: `at`'s first when it comes before the rest
    const firstNew = min(this.blockOf(at), this.blockOf(start));
    let placed: u64 = 0;
    for (let index = firstNew; placed < blocks && index <= this.blockOf(end - 1); index++) {
      if (index != this.blockOf(at) && index < this.blockOf(start)) continue;
      unchecked((table[<i32>index] = start + tableBytes + placed * cluster));
      placed++;
    }
    // the blocks placed may be fewer than the room made for them: the file ends after the last
    const used = start + tableBytes + placed * cluster;
    this.countOnce(at, table, buffer, start);
    for (let c = start; c < used; c += cluster) this.countOnce(c, table, buffer, start);
    for (let i = 0; i < entries; i++) store<u64>(buffer + <usize>i * 8, bswap<u64>(unchecked(table[i])));
    let ok = this.io.writeCore(start + tableBytes, buffer + <usize>tableBytes, <u32>(placed * cluster)) && this.io.writeCore(start, buffer, <u32>tableBytes);
    heap.free(buffer);
    if (!ok) return this.fail("Could not write the new reference count table");
    const header = heap.alloc(12);
    store<u64>(header, bswap<u64>(start));
    store<u32>(header + 8, bswap<u32>(<u32>tableClusters));
    ok = this.io.writeCore(REFCOUNT_TABLE_FIELDS, header, 12);
    heap.free(header);
    if (!ok) return this.fail("Could not write the header's reference count table fields");
    const oldOffset = this.header.refcountTableOffset;
    const oldClusters = this.header.refcountTableClusters;
    this.table = table;
    this.header.refcountTableOffset = start;
    this.header.refcountTableClusters = <u32>tableClusters;
    this.nextFree = used;
    for (let i: u32 = 0; i < oldClusters; i++) {
      if (!this.change(oldOffset + <u64>i * cluster, -1)) return false;
    }
    return true;
  }

  /** Counts the cluster at `at` once in its block, one of the new blocks in `buffer` (written at file offset `start`). */
  private countOnce(at: u64, table: StaticArray<u64>, buffer: usize, start: u64): void {
    const block = unchecked(table[<i32>this.blockOf(at)]);
    store<u16>(buffer + <usize>(block - start) + <usize>this.entryOf(at) * 2, bswap<u16>(1));
  }

  private fail(message: string): bool {
    this.error = message;
    return false;
  }
}
