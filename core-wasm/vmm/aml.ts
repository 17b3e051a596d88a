// A small AML writer (ACPI 6.x, "ACPI Source Language" compiled by hand): the few objects the
// VMM's DSDT needs — Scope, Device, Name, integers, strings, EISA ids, packages, buffers — and the
// resource descriptors of a _CRS. Objects that hold others (Scope, Device, Package, Buffer) are
// opened, filled, then closed: closing writes their PkgLength in front of their contents.
import { ByteBuf } from "../util/bytes";

const ZERO_OP: u8 = 0x00;
const ONE_OP: u8 = 0x01;
const NAME_OP: u8 = 0x08;
const BYTE_PREFIX: u8 = 0x0a;
const WORD_PREFIX: u8 = 0x0b;
const DWORD_PREFIX: u8 = 0x0c;
const STRING_PREFIX: u8 = 0x0d;
const QWORD_PREFIX: u8 = 0x0e;
const SCOPE_OP: u8 = 0x10;
const BUFFER_OP: u8 = 0x11;
const PACKAGE_OP: u8 = 0x12;
const EXT_OP_PREFIX: u8 = 0x5b;
const DEVICE_OP: u8 = 0x82;
const ROOT_CHAR: u8 = 0x5c;

/** Resource descriptors (ACPI 6.4, 6.4.2 and 6.4.3). */
const IO_PORT_DESCRIPTOR: u8 = 0x47;
const END_TAG: u8 = 0x79;
const MEMORY32_FIXED: u8 = 0x86;
const DWORD_ADDRESS_SPACE: u8 = 0x87;
const WORD_ADDRESS_SPACE: u8 = 0x88;
const SPACE_MEMORY: u8 = 0;
const SPACE_IO: u8 = 1;
const SPACE_BUS: u8 = 2;
/** General flags: the range is produced by the device (a bridge's window), min and max fixed. */
const PRODUCER_FIXED: u8 = 0x0c;

export class Aml {
  readonly out: ByteBuf = new ByteBuf(4096);
  /** Where each open object's contents begin. */
  private readonly open: i32[] = [];

  /** A name segment: four characters, short names padded with '_'. */
  nameSeg(name: string): void {
    for (let i = 0; i < 4; i++) this.out.byte(i < name.length ? <u8>name.charCodeAt(i) : 0x5f);
  }

  /** Scope(\NAME) { … }: close with end(). */
  scope(name: string): void {
    this.out.byte(SCOPE_OP);
    this.begin();
    this.out.byte(ROOT_CHAR);
    this.nameSeg(name);
  }

  /** Device(NAME) { … }: close with end(). */
  device(name: string): void {
    this.out.byte(EXT_OP_PREFIX);
    this.out.byte(DEVICE_OP);
    this.begin();
    this.nameSeg(name);
  }

  /** Name(NAME, …): the value follows (integer, string, package, buffer). */
  name(name: string): void {
    this.out.byte(NAME_OP);
    this.nameSeg(name);
  }

  /** An integer in the shortest encoding. */
  integer(v: u64): void {
    if (v == 0) this.out.byte(ZERO_OP);
    else if (v == 1) this.out.byte(ONE_OP);
    else if (v <= 0xff) {
      this.out.byte(BYTE_PREFIX);
      this.out.byte(<u8>v);
    } else if (v <= 0xffff) {
      this.out.byte(WORD_PREFIX);
      this.le(v, 2);
    } else if (v <= 0xffffffff) {
      this.out.byte(DWORD_PREFIX);
      this.le(v, 4);
    } else {
      this.out.byte(QWORD_PREFIX);
      this.le(v, 8);
    }
  }

  /** EISAID("PNP0A03"): three letters and four hex digits packed into a DWord. */
  eisaId(id: string): void {
    const vendor = ((id.charCodeAt(0) & 0x1f) << 10) | ((id.charCodeAt(1) & 0x1f) << 5) | (id.charCodeAt(2) & 0x1f);
    const product = <i32>U32.parseInt(id.substring(3), 16);
    this.out.byte(DWORD_PREFIX);
    this.out.byte(<u8>(vendor >> 8));
    this.out.byte(<u8>vendor);
    this.out.byte(<u8>(product >> 8));
    this.out.byte(<u8>product);
  }

  string(s: string): void {
    this.out.byte(STRING_PREFIX);
    for (let i = 0; i < s.length; i++) this.out.byte(<u8>s.charCodeAt(i));
    this.out.byte(0);
  }

  /** Package(n) { … }: n elements follow; close with end(). */
  package(elements: i32): void {
    this.out.byte(PACKAGE_OP);
    this.begin();
    this.out.byte(<u8>elements);
  }

  /** Buffer() { … } holding a resource template: descriptors follow; close with endResources(). */
  resources(): void {
    this.out.byte(BUFFER_OP);
    this.begin();
    // the buffer's size is an integer before its bytes: a DWord, patched when the template ends
    this.out.byte(DWORD_PREFIX);
    this.open.push(this.out.length);
    this.le(0, 4);
  }

  endResources(): void {
    this.out.byte(END_TAG);
    this.out.byte(0); // checksum 0: "the template is assumed to sum to zero"
    const sizeAt = this.open.pop();
    const size = this.out.length - (sizeAt + 4);
    for (let i = 0; i < 4; i++) store<u8>(this.out.ptr + <usize>(sizeAt + i), <u8>(size >> (8 * i)));
    this.end();
  }

  /** WordBusNumber: the buses a host bridge decodes. */
  busNumbers(min: u32, max: u32): void {
    this.wordSpace(SPACE_BUS, 0, min, max);
  }

  /** IO(Decode16, port, port, 1, count): ports the device itself uses. */
  ioPorts(port: u32, count: u32): void {
    this.out.byte(IO_PORT_DESCRIPTOR);
    this.out.byte(1); // decodes 16 address bits
    this.le(port, 2);
    this.le(port, 2);
    this.out.byte(1);
    this.out.byte(<u8>count);
  }

  /** WordIO: an I/O window min..max a bridge passes on. */
  ioWindow(min: u32, max: u32): void {
    this.wordSpace(SPACE_IO, 0x03, min, max); // type flags: ISA and non-ISA ranges
  }

  /** DWordMemory: a memory window min..max a bridge passes on (non-cacheable, read-write). */
  memoryWindow(min: u32, max: u32): void {
    this.out.byte(DWORD_ADDRESS_SPACE);
    this.le(23, 2);
    this.out.byte(SPACE_MEMORY);
    this.out.byte(PRODUCER_FIXED);
    this.out.byte(0x01); // read-write, non-cacheable
    this.le(0, 4); // granularity
    this.le(min, 4);
    this.le(max, 4);
    this.le(0, 4); // translation
    this.le(max - min + 1, 4);
  }

  /** Memory32Fixed(ReadWrite, base, length): memory the device itself takes. */
  memoryFixed(base: u32, length: u32): void {
    this.out.byte(MEMORY32_FIXED);
    this.le(9, 2);
    this.out.byte(1); // read-write
    this.le(base, 4);
    this.le(length, 4);
  }

  private wordSpace(space: u8, typeFlags: u8, min: u32, max: u32): void {
    this.out.byte(WORD_ADDRESS_SPACE);
    this.le(13, 2);
    this.out.byte(space);
    this.out.byte(PRODUCER_FIXED);
    this.out.byte(typeFlags);
    this.le(0, 2); // granularity
    this.le(min, 2);
    this.le(max, 2);
    this.le(0, 2); // translation
    this.le(max - min + 1, 2);
  }

  /** Closes the innermost open Scope, Device, Package or Buffer: its PkgLength goes before it. */
  end(): void {
    const start = this.open.pop();
    const contents = this.out.length - start;
    // PkgLength counts itself: one byte up to 63, else 2–4 bytes (low nibble first, then whole bytes)
    let size = 1;
    while (size < 4 && contents + size > (size == 1 ? 63 : (1 << (4 + 8 * (size - 1))) - 1)) size++;
    const total = contents + size;
    this.out.ensure(size);
    memory.copy(this.out.ptr + <usize>(start + size), this.out.ptr + <usize>start, <usize>contents);
    const p = this.out.ptr + <usize>start;
    if (size == 1) store<u8>(p, <u8>total);
    else {
      store<u8>(p, <u8>(((size - 1) << 6) | (total & 0x0f)));
      for (let i = 1; i < size; i++) store<u8>(p + <usize>i, <u8>(total >> (4 + 8 * (i - 1))));
    }
    this.out.length += size;
  }

  private begin(): void {
    this.open.push(this.out.length);
  }

  private le(v: u64, bytes: i32): void {
    for (let i = 0; i < bytes; i++) this.out.byte(<u8>(v >> (8 * i)));
  }
}
