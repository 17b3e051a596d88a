// The 32-bit PCI memory window: an access there reaches the function whose BAR holds it (with
// memory decoding on), wherever the firmware or the guest placed that BAR; elsewhere reads see all
// ones and writes are dropped.
import { MmioDevice } from "../devices/io-bus";
import { endpoints } from "./topology";
import { PCI_MEMORY_BASE } from "../pci-tables";

export class PciMemorySpace extends MmioDevice {
  mmioRead(offset: u64, size: i32): u64 {
    const address = <u64>PCI_MEMORY_BASE + offset;
    for (let i = 0; i < endpoints.length; i++) {
      const f = unchecked(endpoints[i]);
      const bar = f.barHolding(address);
      if (bar >= 0) return f.barRead(bar, <u32>(address - <u64>f.barAddress(bar)), size);
    }
    return size == 8 ? 0xffffffffffffffff : (<u64>1 << (8 * size)) - 1;
  }

  mmioWrite(offset: u64, size: i32, value: u64): void {
    const address = <u64>PCI_MEMORY_BASE + offset;
    for (let i = 0; i < endpoints.length; i++) {
      const f = unchecked(endpoints[i]);
      const bar = f.barHolding(address);
      if (bar >= 0) {
        f.barWrite(bar, <u32>(address - <u64>f.barAddress(bar)), size, value);
        return;
      }
    }
  }
}
