// CPU/node sets such as "0-3,^2,8" (libvirt's virBitmapParse / virBitmapFormat), up to 4096 bits
// (VIR_DOMAIN_CPUMASK_LEN).
import { ByteBuf } from "../util/bytes";

export const BITMAP_BITS: i32 = 4096;

export class Bitmap {
  words: StaticArray<u64> = new StaticArray<u64>(BITMAP_BITS / 64);

  clearAll(): void {
    for (let i = 0; i < BITMAP_BITS / 64; i++) unchecked((this.words[i] = 0));
  }

  @inline get(bit: i32): bool {
    return (unchecked(this.words[bit >> 6]) & (<u64>1 << <u64>(bit & 63))) != 0;
  }

  @inline set(bit: i32): void {
    unchecked((this.words[bit >> 6] |= <u64>1 << <u64>(bit & 63)));
  }

  @inline clear(bit: i32): void {
    unchecked((this.words[bit >> 6] &= ~(<u64>1 << <u64>(bit & 63))));
  }

  isEmpty(): bool {
    for (let i = 0; i < BITMAP_BITS / 64; i++) if (unchecked(this.words[i]) != 0) return false;
    return true;
  }

  count(): i32 {
    let n = 0;
    for (let i = 0; i < BITMAP_BITS / 64; i++) n += <i32>popcnt(unchecked(this.words[i]));
    return n;
  }

  /** Next set bit at or after `from`, or -1. */
  next(from: i32): i32 {
    for (let b = from; b < BITMAP_BITS; b++) {
      const w = unchecked(this.words[b >> 6]) >> <u64>(b & 63);
      if (w == 0) {
        b = (b | 63);
        continue;
      }
      return b + <i32>ctz(w);
    }
    return -1;
  }

  copyFrom(o: Bitmap): void {
    for (let i = 0; i < BITMAP_BITS / 64; i++) unchecked((this.words[i] = o.words[i]));
  }

  intersects(o: Bitmap): bool {
    for (let i = 0; i < BITMAP_BITS / 64; i++) if ((unchecked(this.words[i]) & unchecked(o.words[i])) != 0) return true;
    return false;
  }

  equals(o: Bitmap): bool {
    for (let i = 0; i < BITMAP_BITS / 64; i++) if (unchecked(this.words[i]) != unchecked(o.words[i])) return false;
    return true;
  }

  /** Clears every bit at or above limit. */
  truncate(limit: i32): void {
    for (let b = limit; b < BITMAP_BITS; b++) this.clear(b);
  }

  /** Appends the canonical list form ("0-3,8"). */
  format(out: ByteBuf): void {
    let first = true;
    let b = this.next(0);
    while (b >= 0) {
      let e = b;
      while (e + 1 < BITMAP_BITS && this.get(e + 1)) e++;
      if (!first) out.byte(44);
      first = false;
      out.u64(<u64>b);
      if (e > b) {
        out.byte(45);
        out.u64(<u64>e);
      }
      b = e + 1 < BITMAP_BITS ? this.next(e + 1) : -1;
    }
  }

  /** Parses "N", "N-M", "^N" items separated by commas. Returns false on any syntax or range error. */
  parse(src: ByteBuf, off: i32, len: i32): bool {
    this.clearAll();
    let i = off;
    const end = off + len;
    i = skipSpaces(src, i, end);
    if (i >= end) return false;
    while (i < end) {
      let neg = false;
      if (src.at(i) == 94) {
        neg = true;
        i++;
      }
      if (i >= end || !isDigit(src.at(i))) return false;
      let start = 0;
      while (i < end && isDigit(src.at(i))) {
        start = start * 10 + (src.at(i) - 48);
        if (start >= BITMAP_BITS) return false;
        i++;
      }
      i = skipSpaces(src, i, end);
      if (i < end && src.at(i) == 45) {
        if (neg) return false;
        i = skipSpaces(src, i + 1, end);
        if (i >= end || !isDigit(src.at(i))) return false;
        let last = 0;
        while (i < end && isDigit(src.at(i))) {
          last = last * 10 + (src.at(i) - 48);
          if (last >= BITMAP_BITS) return false;
          i++;
        }
        if (last < start) return false;
        for (let b = start; b <= last; b++) this.set(b);
        i = skipSpaces(src, i, end);
      } else if (neg) this.clear(start);
      else this.set(start);
      if (i < end) {
        if (src.at(i) != 44) return false;
        i = skipSpaces(src, i + 1, end);
        if (i >= end) return false;
      }
    }
    return true;
  }
}

@inline function isDigit(c: i32): bool {
  return c >= 48 && c <= 57;
}

function skipSpaces(src: ByteBuf, i: i32, end: i32): i32 {
  while (i < end && (src.at(i) == 32 || src.at(i) == 9 || src.at(i) == 10)) i++;
  return i;
}
