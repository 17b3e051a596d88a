// A PCI function's 256-byte configuration space: the bytes the guest reads, and per byte which bits
// it may write (the rest are the hardware's). Little-endian, accessed 1, 2 or 4 bytes at a time.

export const VENDOR_ID = 0x00;
export const DEVICE_ID = 0x02;
export const COMMAND = 0x04;
export const STATUS = 0x06;
export const REVISION = 0x08;
export const CLASS_PROG = 0x09;
export const CACHE_LINE_SIZE = 0x0c;
export const LATENCY_TIMER = 0x0d;
export const HEADER_TYPE = 0x0e;
export const SUBSYSTEM_VENDOR_ID = 0x2c;
export const SUBSYSTEM_ID = 0x2e;
export const INTERRUPT_LINE = 0x3c;
export const INTERRUPT_PIN = 0x3d;

/** Command register bits a guest may set: I/O and memory decode, bus master, SERR#, INTx disable. */
export const COMMAND_IO: u16 = 0x1;
export const COMMAND_MEMORY: u16 = 0x2;
export const COMMAND_MASTER: u16 = 0x4;
const COMMAND_WRITABLE: u16 = 0x0547;

/** Header type bit 7: the slot has more functions than 0 (Linux scans 1–7 only then). */
export const MULTIFUNCTION: u8 = 0x80;

/** QEMU's PCI vendor id (Red Hat), used for the emulated bridges, as QEMU's generic ones use it. */
export const REDHAT_VENDOR: u16 = 0x1b36;

export const CONFIG_BYTES = 256;
export const BAR0 = 0x10;
export const BAR_COUNT = 6;
export const CAPABILITIES = 0x34;
/** Status bit 4: a capability list starts at CAPABILITIES. */
const STATUS_CAPABILITY_LIST: u16 = 0x10;

export class PciFunction {
  readonly config: StaticArray<u8> = new StaticArray<u8>(CONFIG_BYTES);
  readonly writable: StaticArray<u8> = new StaticArray<u8>(CONFIG_BYTES);
  /** Each BAR's size in bytes (0: none); all are 32-bit, non-prefetchable memory. */
  readonly barSizes: StaticArray<u32> = new StaticArray<u32>(BAR_COUNT);
  /** Where the next capability goes, and the previous one's next pointer (0: none yet). */
  private capabilityEnd: i32 = 0x40;
  private lastCapability: i32 = 0;

  /** The function's identity: vendor, device, class (base << 16 | sub << 8 | prog-if), revision. */
  identify(vendor: u16, device: u16, classCode: u32, revision: u8): void {
    this.set16(VENDOR_ID, vendor);
    this.set16(DEVICE_ID, device);
    this.config[REVISION] = revision;
    this.config[CLASS_PROG] = <u8>classCode;
    this.config[CLASS_PROG + 1] = <u8>(classCode >> 8);
    this.config[CLASS_PROG + 2] = <u8>(classCode >> 16);
    this.allowWrite16(COMMAND, COMMAND_WRITABLE);
    this.writable[CACHE_LINE_SIZE] = 0xff;
    this.writable[LATENCY_TIMER] = 0xff;
    this.writable[INTERRUPT_LINE] = 0xff;
  }

  /** Sets or clears the header type's multifunction bit. */
  markMultifunction(on: bool): void {
    const header = this.config[HEADER_TYPE] & ~MULTIFUNCTION;
    this.config[HEADER_TYPE] = on ? header | MULTIFUNCTION : header;
  }

  readConfig(reg: i32, size: i32): u32 {
    let value: u32 = 0;
    for (let i = 0; i < size; i++) value |= (<u32>unchecked(this.config[(reg + i) & 0xff])) << (8 * i);
    return value;
  }

  writeConfig(reg: i32, size: i32, value: u32): void {
    for (let i = 0; i < size; i++) {
      const at = (reg + i) & 0xff;
      const mask = unchecked(this.writable[at]);
      const byte = <u8>(value >> (8 * i));
      unchecked((this.config[at] = (this.config[at] & ~mask) | (byte & mask)));
    }
    this.configWritten(reg, size);
  }

  /** Called after the guest wrote reg..reg+size-1 (a device that acts on its registers overrides it). */
  configWritten(reg: i32, size: i32): void {}

  /**
   * A 32-bit memory BAR of `size` bytes (a power of two, at least 16): the guest sizes it by
   * writing all ones and reading back the bits it can set.
   */
  declareMemoryBar(index: i32, size: u32): void {
    this.barSizes[index] = size;
    const mask = ~(size - 1) & 0xfffffff0;
    for (let i = 0; i < 4; i++) this.writable[BAR0 + 4 * index + i] = <u8>(mask >> (8 * i));
  }

  barAddress(index: i32): u32 {
    return this.readConfig(BAR0 + 4 * index, 4) & 0xfffffff0;
  }

  setBarAddress(index: i32, address: u32): void {
    for (let i = 0; i < 4; i++) this.config[BAR0 + 4 * index + i] = <u8>(address >> (8 * i));
  }

  /** The BAR whose range holds `address` while memory decoding is on, or -1. */
  barHolding(address: u64): i32 {
    if ((this.get16(COMMAND) & COMMAND_MEMORY) == 0) return -1;
    for (let i = 0; i < BAR_COUNT; i++) {
      const size = unchecked(this.barSizes[i]);
      if (size != 0 && address - <u64>this.barAddress(i) < <u64>size) return i;
    }
    return -1;
  }

  /** A read of `size` bytes at `offset` into BAR `index` (a device with BARs overrides it). */
  barRead(index: i32, offset: u32, size: i32): u64 {
    return 0;
  }

  barWrite(index: i32, offset: u32, size: i32, value: u64): void {}

  /** Starts a capability of `length` bytes with this id; returns its offset (the list links itself). */
  addCapability(id: u8, length: i32): i32 {
    const at = this.capabilityEnd;
    if (this.lastCapability == 0) {
      this.config[CAPABILITIES] = <u8>at;
      this.set16(STATUS, this.get16(STATUS) | STATUS_CAPABILITY_LIST);
    } else this.config[this.lastCapability + 1] = <u8>at;
    this.config[at] = id;
    this.lastCapability = at;
    this.capabilityEnd = (at + length + 3) & ~3;
    return at;
  }

  set32(reg: i32, value: u32): void {
    for (let i = 0; i < 4; i++) this.config[reg + i] = <u8>(value >> (8 * i));
  }

  get16(reg: i32): u16 {
    return <u16>this.readConfig(reg, 2);
  }

  set16(reg: i32, value: u16): void {
    this.config[reg] = <u8>value;
    this.config[reg + 1] = <u8>(value >> 8);
  }

  allowWrite16(reg: i32, mask: u16): void {
    this.writable[reg] = <u8>mask;
    this.writable[reg + 1] = <u8>(mask >> 8);
  }
}
