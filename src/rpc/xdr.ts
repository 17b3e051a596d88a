// XDR (RFC 4506) as libvirt's remote protocol uses it: big-endian 4-byte units, 8-byte hypers and
// doubles, strings and opaques padded to 4 bytes, optional data as a 0/1 word. Pure TypeScript
// (the remote client runs where the shim cannot). The reader checks every length against the
// bytes left and the caller's maximum before it allocates anything, so a hostile peer cannot make
// it reserve more than the message it sent.
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";

/** libvirt's REMOTE_STRING_MAX (and VIR_NET_MESSAGE_STRING_MAX): 4 MiB. */
export const STRING_MAX = 4_194_304;

/** A malformed or oversized message: libvirt's VIR_ERR_RPC. */
export function rpcError(message: string): VirtError {
  return new VirtError(ErrorNumber.VIR_ERR_RPC, ErrorDomain.VIR_FROM_RPC, `RPC error : ${message}`);
}

const pad = (n: number) => (4 - (n & 3)) & 3;

export class XdrWriter {
  private buf: Buffer;
  private at = 0;

  constructor(initial = 256) {
    this.buf = Buffer.alloc(initial);
  }

  /** Reserves n bytes; their offset. (Callers take it before reading this.buf, which it may replace.) */
  private room(n: number): number {
    if (this.at + n > this.buf.length) {
      const grown = Buffer.alloc(Math.max(this.buf.length * 2, this.at + n));
      this.buf.copy(grown, 0, 0, this.at);
      this.buf = grown;
    }
    const at = this.at;
    this.at += n;
    return at;
  }

  int(v: number): this {
    const at = this.room(4);
    this.buf.writeInt32BE(v, at);
    return this;
  }

  uint(v: number): this {
    const at = this.room(4);
    this.buf.writeUInt32BE(v >>> 0, at);
    return this;
  }

  bool(v: boolean): this {
    return this.int(v ? 1 : 0);
  }

  hyper(v: bigint): this {
    const at = this.room(8);
    this.buf.writeBigInt64BE(v, at);
    return this;
  }

  uhyper(v: bigint): this {
    const at = this.room(8);
    this.buf.writeBigUInt64BE(v, at);
    return this;
  }

  double(v: number): this {
    const at = this.room(8);
    this.buf.writeDoubleBE(v, at);
    return this;
  }

  /** Fixed-length opaque data (a UUID: 16 bytes, no length word). */
  fixedOpaque(bytes: Uint8Array): this {
    const at = this.room(bytes.length + pad(bytes.length));
    this.buf.set(bytes, at);
    return this;
  }

  /** Bytes as they are, unpadded (a message's payload after its header). */
  raw(bytes: Uint8Array): this {
    const at = this.room(bytes.length);
    this.buf.set(bytes, at);
    return this;
  }

  /** Variable-length opaque data: its length, the bytes, padding. */
  opaque(bytes: Uint8Array): this {
    this.uint(bytes.length);
    return this.fixedOpaque(bytes);
  }

  string(s: string): this {
    return this.opaque(Buffer.from(s, "utf8"));
  }

  /** Optional data (`T *`): 0, or 1 and the value. */
  optional<T>(v: T | null | undefined, write: (w: this, v: T) => void): this {
    if (v === null || v === undefined) return this.uint(0);
    this.uint(1);
    write(this, v);
    return this;
  }

  /** A variable-length array (`T arr<MAX>`): its count, then each element. */
  array<T>(items: readonly T[], write: (w: this, item: T) => void): this {
    this.uint(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  get length(): number {
    return this.at;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}

export class XdrReader {
  private at = 0;

  constructor(private readonly buf: Buffer) {}

  private take(n: number, what: string): number {
    if (n > this.buf.length - this.at) throw rpcError(`${what}: the message ends ${n - (this.buf.length - this.at)} bytes early`);
    const at = this.at;
    this.at += n;
    return at;
  }

  int(): number {
    return this.buf.readInt32BE(this.take(4, "int"));
  }

  uint(): number {
    return this.buf.readUInt32BE(this.take(4, "unsigned int"));
  }

  bool(): boolean {
    return this.int() !== 0;
  }

  hyper(): bigint {
    return this.buf.readBigInt64BE(this.take(8, "hyper"));
  }

  uhyper(): bigint {
    return this.buf.readBigUInt64BE(this.take(8, "unsigned hyper"));
  }

  double(): number {
    return this.buf.readDoubleBE(this.take(8, "double"));
  }

  fixedOpaque(n: number): Buffer {
    const at = this.take(n + pad(n), "opaque");
    return Buffer.from(this.buf.subarray(at, at + n));
  }

  /** Variable-length opaque data of at most `max` bytes (checked before the bytes are read). */
  opaque(max: number, what = "opaque"): Buffer {
    const n = this.uint();
    if (n > max) throw rpcError(`${what} of ${n} bytes is over the limit of ${max}`);
    return this.fixedOpaque(n);
  }

  string(max = STRING_MAX): string {
    return this.opaque(max, "string").toString("utf8");
  }

  optional<T>(read: (r: this) => T): T | null {
    const present = this.uint();
    if (present > 1) throw rpcError(`optional data marked ${present}`);
    return present === 1 ? read(this) : null;
  }

  /** A variable-length array of at most `max` elements (checked before any is read). */
  array<T>(max: number, read: (r: this) => T, what = "array"): T[] {
    const n = this.uint();
    if (n > max) throw rpcError(`${what} of ${n} elements is over the limit of ${max}`);
    // each element takes at least 4 bytes: a count the message cannot hold is refused at once
    if (n * 4 > this.remaining) throw rpcError(`${what} of ${n} elements: the message ends early`);
    const items: T[] = [];
    for (let i = 0; i < n; i++) items.push(read(this));
    return items;
  }

  get remaining(): number {
    return this.buf.length - this.at;
  }

  /** Refuses bytes left over after the whole value was read. */
  end(what: string): void {
    if (this.remaining !== 0) throw rpcError(`${what}: ${this.remaining} bytes left over`);
  }
}
