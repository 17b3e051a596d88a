// The ABI's encoding on the host side (core-wasm/abi/table.mjs says it in full): little-endian
// numbers, strings and byte strings as a u32 length then the bytes, UUIDs as 16 bytes in RFC 4122
// order, which the host holds as four 32-bit words, most significant first.

/** A UUID as four 32-bit words, most significant first. */
export type Uuid = readonly [number, number, number, number];

const encoder = new TextEncoder();

declare global {
  interface Buffer {
    // Node's own, undocumented but stable since Node 0.x: toString(encoding, start, end) without its checks.
    latin1Slice(start: number, end: number): string;
    utf8Slice(start: number, end: number): string;
  }
}

/** Reads records from core.wasm's output. */
export class WireReader {
  private at = 0;
  private readonly bytes: Buffer;
  private asLatin1: string | undefined;

  constructor(private readonly view: DataView) {
    this.bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  }

  i32(): number {
    const v = this.view.getInt32(this.at, true);
    this.at += 4;
    return v;
  }

  /** A count or length prefix. */
  length(): number {
    return this.i32() >>> 0;
  }

  f64(): number {
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }

  bool(): boolean {
    return this.i32() !== 0;
  }

  uuid(): Uuid {
    const v = this.view;
    const at = this.at;
    this.at += 16;
    return [v.getUint32(at, false), v.getUint32(at + 4, false), v.getUint32(at + 8, false), v.getUint32(at + 12, false)];
  }

  string(): string {
    const len = this.length();
    const start = this.at;
    const end = (this.at += len);
    const bytes = this.bytes;
    for (let i = start; i < end; i++) if (bytes[i] > 0x7f) return bytes.utf8Slice(start, end);
    // ASCII, as most names are: a piece of the whole output decoded once (one decode for a list
    // of ten thousand domains, not one per name)
    this.asLatin1 ??= bytes.latin1Slice(0, bytes.length);
    return this.asLatin1.substring(start, end);
  }
}

/** Writes an operation's input fields, then hands them to core.wasm in one copy. */
export class WireWriter {
  bytesUsed = 0;
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);

  reset(): this {
    this.bytesUsed = 0;
    return this;
  }

  /** Copies the bytes written so far to `to` at `at` (a loop for the short inputs most calls send). */
  copyTo(to: Uint8Array, at: number): void {
    const n = this.bytesUsed;
    if (n > 64) {
      to.set(this.buf.subarray(0, n), at);
      return;
    }
    const buf = this.buf;
    for (let i = 0; i < n; i++) to[at + i] = buf[i];
  }

  private room(n: number): void {
    if (this.bytesUsed + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.bytesUsed + n));
    bigger.set(this.buf.subarray(0, this.bytesUsed));
    this.buf = bigger;
    this.view = new DataView(bigger.buffer);
  }

  i32(v: number): void {
    this.room(4);
    this.view.setInt32(this.bytesUsed, v, true);
    this.bytesUsed += 4;
  }

  uuid(u: Uuid): void {
    this.room(16);
    for (let i = 0; i < 4; i++) this.view.setUint32(this.bytesUsed + i * 4, u[i], false);
    this.bytesUsed += 16;
  }

  bytes(b: Uint8Array): void {
    this.i32(b.length);
    this.room(b.length);
    this.buf.set(b, this.bytesUsed);
    this.bytesUsed += b.length;
  }

  /** A string as UTF-8 (`text` fields too). */
  string(s: string): void {
    this.room(4 + s.length * 3);
    const at = this.bytesUsed + 4;
    let written = 0;
    // ASCII (most names) is copied as it is; anything else goes through the encoder.
    const buf = this.buf;
    for (; written < s.length; written++) {
      const c = s.charCodeAt(written);
      if (c > 0x7f) break;
      buf[at + written] = c;
    }
    if (written < s.length) written = encoder.encodeInto(s, buf.subarray(at)).written;
    this.view.setUint32(this.bytesUsed, written, true);
    this.bytesUsed = at + written;
  }
}
