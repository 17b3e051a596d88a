// A growable array of i32 in unmanaged linear memory. The DOM keeps its tables in these so that
// parsing a document allocates nothing per node once the tables have grown to size.
export class IntVec {
  ptr: usize;
  cap: i32;
  length: i32 = 0;

  constructor(cap: i32 = 64) {
    this.cap = cap;
    this.ptr = heap.alloc(<usize>cap << 2);
  }

  @inline get(i: i32): i32 {
    return load<i32>(this.ptr + (<usize>i << 2));
  }

  @inline set(i: i32, v: i32): void {
    store<i32>(this.ptr + (<usize>i << 2), v);
  }

  @inline push(v: i32): i32 {
    if (this.length == this.cap) this.grow();
    const i = this.length++;
    this.set(i, v);
    return i;
  }

  /** Kept out of line so push stays small enough to inline. */
  grow(): void {
    this.reserve(this.cap << 1);
  }

  @inline pop(): i32 {
    return this.get(--this.length);
  }

  @inline last(): i32 {
    return this.get(this.length - 1);
  }

  reserve(cap: i32): void {
    if (cap <= this.cap) return;
    this.ptr = heap.realloc(this.ptr, <usize>cap << 2);
    this.cap = cap;
  }

  @inline clear(): void {
    this.length = 0;
  }
}
