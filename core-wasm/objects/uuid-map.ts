// A map from UUIDs (two 64-bit halves) to small integers, by open addressing. Lookups by UUID
// are on every domain operation, so they avoid building strings.
import { IntVec } from "../util/intvec";

export class UuidMap {
  hi: StaticArray<u64> = new StaticArray<u64>(64);
  lo: StaticArray<u64> = new StaticArray<u64>(64);
  /** value + 1; 0 = empty, -1 = deleted */
  val: IntVec = new IntVec(64);
  count: i32 = 0;
  used: i32 = 0;

  constructor() {
    this.val.length = 64;
    memory.fill(this.val.ptr, 0, 64 << 2);
  }

  @inline private mask(): i32 {
    return this.hi.length - 1;
  }

  @inline private start(hi: u64, lo: u64): i32 {
    return <i32>(((hi ^ (lo * 0x9e3779b97f4a7c15)) >> 32) as u64) & this.mask();
  }

  get(hi: u64, lo: u64): i32 {
    let s = this.start(hi, lo);
    while (true) {
      const v = this.val.get(s);
      if (v == 0) return -1;
      if (v > 0 && unchecked(this.hi[s]) == hi && unchecked(this.lo[s]) == lo) return v - 1;
      s = (s + 1) & this.mask();
    }
  }

  set(hi: u64, lo: u64, value: i32): void {
    if ((this.used + 1) * 2 > this.hi.length) this.grow();
    let s = this.start(hi, lo);
    let free = -1;
    while (true) {
      const v = this.val.get(s);
      if (v == 0) break;
      if (v < 0) {
        if (free < 0) free = s;
      } else if (unchecked(this.hi[s]) == hi && unchecked(this.lo[s]) == lo) {
        this.val.set(s, value + 1);
        return;
      }
      s = (s + 1) & this.mask();
    }
    if (free < 0) {
      free = s;
      this.used++;
    }
    unchecked((this.hi[free] = hi));
    unchecked((this.lo[free] = lo));
    this.val.set(free, value + 1);
    this.count++;
  }

  delete(hi: u64, lo: u64): void {
    let s = this.start(hi, lo);
    while (true) {
      const v = this.val.get(s);
      if (v == 0) return;
      if (v > 0 && unchecked(this.hi[s]) == hi && unchecked(this.lo[s]) == lo) {
        this.val.set(s, -1);
        this.count--;
        return;
      }
      s = (s + 1) & this.mask();
    }
  }

  private grow(): void {
    const oldHi = this.hi;
    const oldLo = this.lo;
    const oldVal = this.val;
    const size = oldHi.length << 1;
    this.hi = new StaticArray<u64>(size);
    this.lo = new StaticArray<u64>(size);
    this.val = new IntVec(size);
    this.val.length = size;
    memory.fill(this.val.ptr, 0, <usize>size << 2);
    this.count = 0;
    this.used = 0;
    for (let i = 0; i < oldHi.length; i++) {
      const v = oldVal.get(i);
      if (v > 0) this.set(unchecked(oldHi[i]), unchecked(oldLo[i]), v - 1);
    }
    heap.free(oldVal.ptr);
  }
}
