// A growable byte buffer in unmanaged linear memory. Holds documents, decoded values and output.
// Code keeps offsets into it, never raw pointers, because growing may move it.
export class ByteBuf {
  ptr: usize;
  cap: i32;
  length: i32 = 0;

  constructor(cap: i32 = 4096) {
    this.cap = cap;
    this.ptr = heap.alloc(<usize>cap);
  }

  @inline at(i: i32): u8 {
    return load<u8>(this.ptr + <usize>i);
  }

  @inline clear(): void {
    this.length = 0;
  }

  reserve(cap: i32): void {
    if (cap <= this.cap) return;
    let n = this.cap;
    while (n < cap) n = n < (1 << 29) ? n << 1 : cap;
    this.ptr = heap.realloc(this.ptr, <usize>n);
    this.cap = n;
  }

  @inline ensure(extra: i32): void {
    if (this.length + extra > this.cap) this.reserve(this.length + extra);
  }

  @inline byte(b: i32): void {
    if (this.length == this.cap) this.reserve(this.cap + 1);
    store<u8>(this.ptr + <usize>this.length, <u8>b);
    this.length++;
  }

  /** Appends len bytes found at an absolute address (which must not lie inside this buffer). */
  raw(src: usize, len: i32): void {
    this.ensure(len);
    memory.copy(this.ptr + <usize>this.length, src, <usize>len);
    this.length += len;
  }

  /** Appends a slice of another buffer (or of itself). */
  slice(from: ByteBuf, off: i32, len: i32): void {
    this.ensure(len);
    memory.copy(this.ptr + <usize>this.length, from.ptr + <usize>off, <usize>len);
    this.length += len;
  }

  /** Appends a string literal (ASCII or BMP) as UTF-8. */
  str(s: string): void {
    const n = s.length;
    this.ensure(n * 3);
    const src = changetype<usize>(s);
    for (let i = 0; i < n; i++) {
      const c = <i32>load<u16>(src + (<usize>i << 1));
      if (c < 0x80) {
        store<u8>(this.ptr + <usize>this.length, <u8>c);
        this.length++;
      } else if (c < 0x800) {
        this.byte(0xc0 | (c >> 6));
        this.byte(0x80 | (c & 63));
      } else {
        this.byte(0xe0 | (c >> 12));
        this.byte(0x80 | ((c >> 6) & 63));
        this.byte(0x80 | (c & 63));
      }
    }
  }

  /** Appends the decimal form of an unsigned 64-bit number. */
  u64(v: u64): void {
    this.ensure(20);
    let tmp = v;
    let digits = 1;
    while (tmp >= 10) {
      tmp /= 10;
      digits++;
    }
    let p = this.ptr + <usize>(this.length + digits);
    do {
      p--;
      store<u8>(p, <u8>(48 + <i32>(v % 10)));
      v /= 10;
    } while (v != 0);
    this.length += digits;
  }

  i64(v: i64): void {
    if (v < 0) {
      this.byte(45);
      this.u64(<u64>(-v));
    } else this.u64(<u64>v);
  }

  /** Appends v in hex, lowercase, zero-padded to at least width digits. */
  hex(v: u64, width: i32): void {
    let digits = 1;
    let tmp = v >> 4;
    while (tmp != 0) {
      digits++;
      tmp >>= 4;
    }
    if (digits < width) digits = width;
    this.ensure(digits);
    let p = this.ptr + <usize>(this.length + digits);
    for (let i = 0; i < digits; i++) {
      p--;
      const d = <i32>(v & 15);
      store<u8>(p, <u8>(d < 10 ? 48 + d : 87 + d));
      v >>= 4;
    }
    this.length += digits;
  }

  /** Appends n spaces. */
  spaces(n: i32): void {
    this.ensure(n);
    memory.fill(this.ptr + <usize>this.length, 32, <usize>n);
    this.length += n;
  }

  /** Byte-wise equality of a slice of this buffer with an ASCII literal. */
  equals(off: i32, len: i32, s: string): bool {
    if (len != s.length) return false;
    const src = changetype<usize>(s);
    const p = this.ptr + <usize>off;
    for (let i = 0; i < len; i++) {
      if (<i32>load<u8>(p + <usize>i) != <i32>load<u16>(src + (<usize>i << 1))) return false;
    }
    return true;
  }
}

/** Byte-wise equality of two slices. */
export function sliceEquals(a: ByteBuf, aOff: i32, aLen: i32, b: ByteBuf, bOff: i32, bLen: i32): bool {
  if (aLen != bLen) return false;
  return memory.compare(a.ptr + <usize>aOff, b.ptr + <usize>bOff, <usize>aLen) == 0;
}

/** A copy of the buffer's bytes as an ArrayBuffer (what record writers take for a string). */
export function bytesOf(b: ByteBuf): ArrayBuffer {
  const out = new ArrayBuffer(b.length);
  memory.copy(changetype<usize>(out), b.ptr, <usize>b.length);
  return out;
}
