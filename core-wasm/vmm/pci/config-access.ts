// How the guest reaches configuration space: mechanism #1 (an address dword latched at port 0xCF8,
// data at 0xCFC–0xCFF) and ECAM (memory-mapped, 4 KiB per function, buses 0–255 at ECAM_BASE, as
// ACPI's MCFG table describes it). A function that is not there reads all ones; a conventional
// function's extended space (registers 0x100 and up) reads 0.
import { allOnes, MmioDevice, PortDevice } from "../devices/io-bus";
import { functionAt } from "./topology";

export const CONFIG_ADDRESS: u32 = 0xcf8;
export const CONFIG_DATA: u32 = 0xcfc;
export const ECAM_BASE: u64 = 0xe000_0000;
export const ECAM_SIZE: u64 = 0x1000_0000;
const ENABLE: u32 = 0x8000_0000;

function readFunction(bus: i32, devfn: i32, reg: i32, size: i32): u32 {
  const f = functionAt(bus, devfn);
  if (f === null) return allOnes(size);
  return reg >= 256 ? 0 : f.readConfig(reg, size);
}

function writeFunction(bus: i32, devfn: i32, reg: i32, size: i32, value: u32): void {
  const f = functionAt(bus, devfn);
  if (f !== null && reg < 256) f.writeConfig(reg, size, value);
}

export class ConfigMechanism1 extends PortDevice {
  address: u32 = 0;

  portIn(port: u32, size: i32): u32 {
    if (port == CONFIG_ADDRESS) return size == 4 ? this.address : allOnes(size);
    if (port < CONFIG_DATA || (this.address & ENABLE) == 0) return allOnes(size);
    const a = this.address;
    return readFunction((a >> 16) & 0xff, (a >> 8) & 0xff, <i32>(a & 0xfc) + <i32>(port & 3), size);
  }

  portOut(port: u32, size: i32, value: u32): void {
    // only a dword reaches the address latch (a byte at 0xCFB is how old probes switch mechanisms)
    if (port == CONFIG_ADDRESS) {
      if (size == 4) this.address = value & 0x80ff_fffc;
      return;
    }
    if (port < CONFIG_DATA || (this.address & ENABLE) == 0) return;
    const a = this.address;
    writeFunction((a >> 16) & 0xff, (a >> 8) & 0xff, <i32>(a & 0xfc) + <i32>(port & 3), size, value);
  }
}

export class Ecam extends MmioDevice {
  mmioRead(offset: u64, size: i32): u64 {
    if (size > 4) return (<u64>this.mmioRead(offset + 4, 4) << 32) | this.mmioRead(offset, 4);
    return readFunction(<i32>(offset >> 20) & 0xff, <i32>(offset >> 12) & 0xff, <i32>(offset & 0xfff), size);
  }

  mmioWrite(offset: u64, size: i32, value: u64): void {
    if (size > 4) {
      this.mmioWrite(offset, 4, value & 0xffffffff);
      this.mmioWrite(offset + 4, 4, value >> 32);
      return;
    }
    writeFunction(<i32>(offset >> 20) & 0xff, <i32>(offset >> 12) & 0xff, <i32>(offset & 0xfff), size, <u32>value);
  }
}
