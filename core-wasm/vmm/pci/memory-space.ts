// The 32-bit PCI memory window: an access there reaches the function whose BAR holds it (with
// memory decoding on), wherever the firmware or the guest placed that BAR; elsewhere reads see all
// ones and writes are dropped.
import { allOnes, MmioDevice } from "../devices/io-bus";
import { PciFunction } from "./config-space";
import { endpoints } from "./topology";
import { PCI_MEMORY_BASE } from "../pci-tables";

/** The function and BAR an access reaches, and the offset into that BAR (set by reach()). */
let reached: PciFunction | null = null;
let reachedBar: i32 = 0;
let reachedOffset: u32 = 0;

/** Finds the BAR holding the window's `offset`; false where none does. */
function reach(offset: u64): bool {
  const address = <u64>PCI_MEMORY_BASE + offset;
  for (let i = 0; i < endpoints.length; i++) {
    const f = unchecked(endpoints[i]);
    const bar = f.barHolding(address);
    if (bar < 0) continue;
    reached = f;
    reachedBar = bar;
    reachedOffset = <u32>(address - <u64>f.barAddress(bar));
    return true;
  }
  return false;
}

export class PciMemorySpace extends MmioDevice {
  mmioRead(offset: u64, size: i32): u64 {
    if (!reach(offset)) return size == 8 ? 0xffffffffffffffff : <u64>allOnes(size);
    return reached!.barRead(reachedBar, reachedOffset, size);
  }

  mmioWrite(offset: u64, size: i32, value: u64): void {
    if (reach(offset)) reached!.barWrite(reachedBar, reachedOffset, size, value);
  }
}
