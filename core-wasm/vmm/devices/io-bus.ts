// Which device answers a guest's port or MMIO access. Port I/O is the VMM's hot path: a byte per
// port (64 KiB) names the device, so an access costs one load and one call. MMIO devices (few,
// with large ranges) sit in a short list of ranges searched in order.

/** A device on the port-I/O bus; `port` is the port accessed (not an offset), `size` 1, 2 or 4. */
export abstract class PortDevice {
  abstract portIn(port: u32, size: i32): u32;
  abstract portOut(port: u32, size: i32, value: u32): void;
}

/** A device on the MMIO bus; `offset` is from the start of the range it was mapped at. */
export abstract class MmioDevice {
  abstract mmioRead(offset: u64, size: i32): u64;
  abstract mmioWrite(offset: u64, size: i32, value: u64): void;
}

const PORTS: i32 = 0x10000;
/** 0: no device; n: portDevices[n - 1]. */
const portOwner = new StaticArray<u8>(PORTS);
const portDevices = new Array<PortDevice>();

/** Hands ports first..first+count-1 to `device` (a device may take several ranges). */
export function mapPorts(device: PortDevice, first: u32, count: u32): void {
  let index = portDevices.indexOf(device);
  if (index < 0) index = portDevices.push(device) - 1;
  for (let port = first; port < first + count; port++) portOwner[port] = <u8>(index + 1);
}

/** What a read sees where no device answers: all ones, as on a PC's ISA bus. */
export function allOnes(size: i32): u32 {
  return size == 1 ? 0xff : size == 2 ? 0xffff : 0xffffffff;
}

export function portIn(port: u32, size: i32): u32 {
  if (port >= <u32>PORTS) return allOnes(size);
  const owner = unchecked(portOwner[port]);
  return owner == 0 ? allOnes(size) : unchecked(portDevices[owner - 1]).portIn(port, size);
}

export function portOut(port: u32, size: i32, value: u32): void {
  if (port >= <u32>PORTS) return;
  const owner = unchecked(portOwner[port]);
  if (owner != 0) unchecked(portDevices[owner - 1]).portOut(port, size, value);
}

class MmioRange {
  constructor(
    readonly base: u64,
    readonly length: u64,
    readonly device: MmioDevice,
  ) {}
}

const mmioRanges = new Array<MmioRange>();

/** Hands guest-physical base..base+length-1 to `device`. */
export function mapMmio(device: MmioDevice, base: u64, length: u64): void {
  mmioRanges.push(new MmioRange(base, length, device));
}

/** The range holding `address`, or null where no device is mapped. */
function mmioRangeAt(address: u64): MmioRange | null {
  for (let i = 0; i < mmioRanges.length; i++) {
    const range = unchecked(mmioRanges[i]);
    if (address - range.base < range.length) return range;
  }
  return null;
}

/** An MMIO read: all ones where no device is mapped. */
export function mmioRead(address: u64, size: i32): u64 {
  const range = mmioRangeAt(address);
  if (range === null) return size == 8 ? 0xffffffffffffffff : <u64>allOnes(size);
  return range.device.mmioRead(address - range.base, size);
}

/** An MMIO write: dropped where no device is mapped. */
export function mmioWrite(address: u64, size: i32, value: u64): void {
  const range = mmioRangeAt(address);
  if (range !== null) range.device.mmioWrite(address - range.base, size, value);
}
