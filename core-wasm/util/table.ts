// Records of `stride` i32 fields in one growable block of unmanaged memory. The DOM keeps nodes
// and attributes this way: adding a record is one capacity check, and reading a field is a load
// at a constant offset (see Doc's accessors).
export class Table {
  ptr: usize;
  cap: i32;
  length: i32 = 0;
  readonly stride: i32;

  constructor(stride: i32, cap: i32 = 256) {
    this.stride = stride;
    this.cap = cap;
    this.ptr = heap.alloc(<usize>(cap * stride) << 2);
  }

  /** Appends a record (fields left as they were) and returns its index. */
  @inline add(): i32 {
    if (this.length == this.cap) this.grow();
    return this.length++;
  }

  grow(): void {
    this.cap <<= 1;
    this.ptr = heap.realloc(this.ptr, <usize>(this.cap * this.stride) << 2);
  }

  @inline clear(): void {
    this.length = 0;
  }
}
