// The ABI's encoding on the host side (core-wasm/abi/table.mjs says it in full): little-endian
// numbers, strings and byte strings as a u32 length then the bytes, UUIDs as 16 bytes in RFC 4122
// order, which the host holds as four 32-bit words, most significant first.

/** A UUID as four 32-bit words, most significant first. */
export type Uuid = readonly [number, number, number, number];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Reads records from core.wasm's output. */
export class WireReader {
  private at = 0;

  constructor(private readonly view: DataView) {}

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
    const start = this.view.byteOffset + this.at;
    this.at += len;
    const bytes = new Uint8Array(this.view.buffer, start, len);
    // Names are short and mostly ASCII: a list of ten thousand decodes them faster this way.
    if (len <= 64) {
      let ascii = true;
      for (let i = 0; i < len; i++) if (bytes[i] > 0x7f) ascii = false;
      if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
    }
    return decoder.decode(bytes);
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

  /** The bytes written so far (a view: valid until the next write). */
  written(): Uint8Array {
    return this.buf.subarray(0, this.bytesUsed);
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

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.bytesUsed, v, true);
    this.bytesUsed += 8;
  }

  bool(v: boolean): void {
    this.i32(v ? 1 : 0);
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

  /** A string as UTF-8 (also `text` fields). */
  string(s: string): void {
    this.room(4 + s.length * 3);
    const { written } = encoder.encodeInto(s, this.buf.subarray(this.bytesUsed + 4));
    this.view.setUint32(this.bytesUsed, written, true);
    this.bytesUsed += 4 + written;
  }

  text(s: string): void {
    this.string(s);
  }
}
