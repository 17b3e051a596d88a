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

  private change(at: u64, by: i32): bool {
    const index = at >> this.clusterBits;
    const blockIndex = index >> this.entriesBits;
    const entry = <u32>(index & ((<u64>1 << this.entriesBits) - 1));
    if (blockIndex >= <u64>this.table.length) return this.fail("the reference count table is full (growing it is not supported yet)");
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
    const selfIndex = at >> this.clusterBits;
    const countsItself = selfIndex >> this.entriesBits == <u64>blockIndex;
    if (!countsItself && !this.increment(at)) return false;
    const block = heap.alloc(<usize>this.cluster);
    memory.fill(block, 0, <usize>this.cluster);
    store<u16>(block + <usize>entry * 2, bswap<u16>(1));
    if (countsItself) {
      const own = block + <usize>(selfIndex & ((<u64>1 << this.entriesBits) - 1)) * 2;
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

  private fail(message: string): bool {
    this.error = message;
    return false;
  }
}
