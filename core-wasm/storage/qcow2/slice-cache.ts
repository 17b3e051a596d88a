// Slices of a qcow2 image's tables (L2 tables, refcount blocks), cached in the core's memory and
// read on a miss; the least recently used goes first. Changes are written through by their
// owner, which patches the cached copy too, so a slice never needs writing back.
import { BlockIo } from "../block-io";

/** The largest slice (a table is sliced at min(cluster, this) bytes). */
export const SLICE_BYTES: u32 = 4096;

export class SliceCache {
  private readonly keys: StaticArray<u64>;
  /** When each slot was last used; 0: empty. */
  private readonly used: StaticArray<u32>;
  private readonly slots: usize;
  private clock: u32 = 0;

  constructor(
    private readonly io: BlockIo,
    /** Bytes per slice: every key is a multiple of it from its table's start. */
    readonly sliceBytes: u32,
    private readonly count: i32,
  ) {
    this.keys = new StaticArray<u64>(count);
    this.used = new StaticArray<u32>(count);
    this.slots = heap.alloc(<usize>count * SLICE_BYTES);
  }

  /** The slice at file offset `at` (read on a miss), or 0 when it cannot be read. */
  get(at: u64): usize {
    let victim = 0;
    for (let i = 0; i < this.count; i++) {
      if (unchecked(this.keys[i]) == at && unchecked(this.used[i]) != 0) {
        unchecked((this.used[i] = ++this.clock));
        return this.slots + <usize>i * SLICE_BYTES;
      }
      if (unchecked(this.used[i]) < unchecked(this.used[victim])) victim = i;
    }
    const slot = this.slots + <usize>victim * SLICE_BYTES;
    unchecked((this.used[victim] = 0));
    if (!this.io.readCore(at, slot, this.sliceBytes)) return 0;
    unchecked((this.keys[victim] = at));
    unchecked((this.used[victim] = ++this.clock));
    return slot;
  }

  /** The slice at `at` if it is cached (to patch after a write-through), else 0. */
  cached(at: u64): usize {
    for (let i = 0; i < this.count; i++) {
      if (unchecked(this.keys[i]) == at && unchecked(this.used[i]) != 0) return this.slots + <usize>i * SLICE_BYTES;
    }
    return 0;
  }
}
