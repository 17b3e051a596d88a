// What a PC's firmware does to PCI before the kernel runs, done by the VMM at each boot (the
// kernel keeps valid assignments): each BAR gets an address in the 32-bit window, naturally
// aligned; each bridge a memory window (1 MiB granular) around what lies behind it; memory
// decoding is switched on (bus mastering stays off until the driver sets it); the interrupt line
// register names the GSI the _PRT gives the function's pin after the bridges' swizzle.
import { PciBridge } from "./bridges";
import { BAR_COUNT, COMMAND, COMMAND_MEMORY, INTERRUPT_LINE, INTERRUPT_PIN, PciFunction } from "./config-space";
import { PciBus } from "./topology";
import { PCI_MEMORY_BASE, pciInterruptGsi } from "../pci-tables";

const WINDOW_ALIGN: u32 = 0x10_0000;

function alignUp(v: u32, to: u32): u32 {
  return (v + to - 1) & ~(to - 1);
}

/** Assigns the resources of everything on the root bus. */
export function assignPciResources(root: PciBus): void {
  assignBus(root, PCI_MEMORY_BASE, -1, 0);
}

/**
 * Assigns the functions on `bus` from address `base`; returns the address after the last.
 * rootSlot: the bus-0 slot the bus hangs under (-1 for bus 0); swizzle: the pin rotation so far.
 */
function assignBus(bus: PciBus, base: u32, rootSlot: i32, swizzle: i32): u32 {
  for (let devfn = 0; devfn < 256; devfn++) {
    const f = bus.functions[devfn];
    if (f === null) continue;
    const slot = devfn >> 3;
    const bridgeIndex = f instanceof PciBridge ? bus.bridges.indexOf(<PciBridge>f) : -1;
    if (bridgeIndex >= 0) {
      const start = alignUp(base, WINDOW_ALIGN);
      const below = rootSlot < 0 ? slot : rootSlot;
      const end = assignBus(bus.children[bridgeIndex], start, below, rootSlot < 0 ? 0 : (swizzle + slot) & 3);
      if (end != start) {
        base = alignUp(end, WINDOW_ALIGN);
        (<PciBridge>f).openMemoryWindow(start, base);
        enableMemory(f);
      }
      continue;
    }
    for (let i = 0; i < BAR_COUNT; i++) {
      const size = f.barSizes[i];
      if (size == 0) continue;
      base = alignUp(base, size);
      f.setBarAddress(i, base);
      base += size;
      enableMemory(f);
    }
    const pin = <i32>f.config[INTERRUPT_PIN];
    if (pin != 0) {
      const swizzled = rootSlot < 0 ? pin - 1 : (pin - 1 + swizzle + slot) & 3;
      f.config[INTERRUPT_LINE] = <u8>pciInterruptGsi(<u32>(rootSlot < 0 ? slot : rootSlot), <u32>swizzled);
    }
  }
  return base;
}

function enableMemory(f: PciFunction): void {
  f.set16(COMMAND, f.get16(COMMAND) | COMMAND_MEMORY);
}
