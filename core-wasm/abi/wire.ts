// The ABI's encoding (core-wasm/abi/table.mjs says it in full): little-endian numbers, strings and
// byte strings as a u32 length then the bytes, UUIDs as 16 bytes in RFC 4122 order.
import { ByteBuf } from "../util/bytes";

/** Reads the input fields the host placed in the input buffer; a field past the end clears `ok`. */
export class WireReader {
  ptr: usize = 0;
  pos: i32 = 0;
  end: i32 = 0;
  ok: bool = true;

  reset(ptr: usize, len: i32): WireReader {
    this.ptr = ptr;
    this.pos = 0;
    this.end = len;
    this.ok = true;
    return this;
  }

  /** A length prefix (0, with ok cleared, when it claims more than is left). */
  length(): i32 {
    if (this.end - this.pos < 4) return this.fail();
    const n = load<u32>(this.ptr + <usize>this.pos);
    this.pos += 4;
    return n > <u32>(this.end - this.pos) ? this.fail() : <i32>n;
  }

  /** Steps over n bytes; returns where they start. */
  skip(n: i32): usize {
    const at = this.ptr + <usize>this.pos;
    if (n > this.end - this.pos) this.fail();
    else this.pos += n;
    return at;
  }

  /** Steps over a list of length-prefixed items; returns where it starts (its count). */
  skipList(): usize {
    const at = this.ptr + <usize>this.pos;
    const count = this.length();
    for (let i = 0; i < count && this.ok; i++) this.skip(this.length());
    return at;
  }

  text(): string {
    const n = this.length();
    return String.UTF8.decodeUnsafe(this.skip(n), <usize>n);
  }

  u64BigEndian(): u64 {
    if (this.end - this.pos < 8) return <u64>this.fail();
    const v = bswap<u64>(load<u64>(this.ptr + <usize>this.pos));
    this.pos += 8;
    return v;
  }

  private fail(): i32 {
    this.ok = false;
    this.pos = this.end;
    return 0;
  }
}

/** A buffer records are written into (the output buffer, the pending events). */
export class WireWriter extends ByteBuf {
  putI32(v: i32): void {
    this.ensure(4);
    store<i32>(this.ptr + <usize>this.length, v);
    this.length += 4;
  }

  putF64(v: f64): void {
    this.ensure(8);
    store<f64>(this.ptr + <usize>this.length, v);
    this.length += 8;
  }

  @inline putBool(v: bool): void {
    this.putI32(v ? 1 : 0);
  }

  /** A string as its UTF-8 bytes. */
  putString(utf8: ArrayBuffer): void {
    this.putI32(utf8.byteLength);
    this.raw(changetype<usize>(utf8), utf8.byteLength);
  }

  putUuid(hi: u64, lo: u64): void {
    this.ensure(16);
    store<u64>(this.ptr + <usize>this.length, bswap<u64>(hi));
    store<u64>(this.ptr + <usize>this.length + 8, bswap<u64>(lo));
    this.length += 16;
  }

  /** Starts a list: returns where its count goes (endList fills it in). */
  beginList(): i32 {
    const at = this.length;
    this.putI32(0);
    return at;
  }

  endList(at: i32, count: i32): void {
    store<i32>(this.ptr + <usize>at, count);
  }
}
