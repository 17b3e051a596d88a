// The PCI functions that are the machine's topology: the host bridge at 00:00.0 (what Linux looks
// for before it trusts config mechanism #1 without a BIOS date), and PCI-to-PCI bridges for
// libvirt's pci-bridge and pcie-root-port controllers. A bridge forwards config cycles for the
// buses between its secondary and subordinate numbers, and memory in its window; it has no BARs,
// no I/O window and no prefetchable window (virtio's BARs are 32-bit memory).
import { PciFunction, REDHAT_VENDOR } from "./config-space";

/** QEMU's generic PCIe host bridge id (gpex); no x86 driver or quirk binds it. */
const HOST_BRIDGE_DEVICE: u16 = 0x0008;
const CLASS_HOST_BRIDGE: u32 = 0x060000;
/** QEMU's pci-bridge device id. */
const PCI_BRIDGE_DEVICE: u16 = 0x0001;
const CLASS_PCI_BRIDGE: u32 = 0x060400;
const HEADER_BRIDGE: u8 = 0x01;

const PRIMARY_BUS = 0x18;
const SECONDARY_BUS = 0x19;
const SUBORDINATE_BUS = 0x1a;
const SECONDARY_LATENCY = 0x1b;
const MEMORY_BASE = 0x20;
const MEMORY_LIMIT = 0x22;
const BRIDGE_CONTROL = 0x3e;
/** Memory window registers hold address bits 31:20 in bits 15:4. */
const WINDOW_BITS: u16 = 0xfff0;
/** Bridge control: parity and SERR# response, ISA and VGA enables, master abort mode, secondary reset. */
const BRIDGE_CONTROL_WRITABLE: u16 = 0x006f;

export class HostBridge extends PciFunction {
  constructor() {
    super();
    this.identify(REDHAT_VENDOR, HOST_BRIDGE_DEVICE, CLASS_HOST_BRIDGE, 0);
  }
}

export class PciBridge extends PciFunction {
  constructor(primary: u8, secondary: u8, subordinate: u8) {
    super();
    this.identify(REDHAT_VENDOR, PCI_BRIDGE_DEVICE, CLASS_PCI_BRIDGE, 0);
    this.config[0x0e] = HEADER_BRIDGE;
    for (let reg = PRIMARY_BUS; reg <= SECONDARY_LATENCY; reg++) this.writable[reg] = 0xff;
    this.config[PRIMARY_BUS] = primary;
    this.config[SECONDARY_BUS] = secondary;
    this.config[SUBORDINATE_BUS] = subordinate;
    this.allowWrite16(MEMORY_BASE, WINDOW_BITS);
    this.allowWrite16(MEMORY_LIMIT, WINDOW_BITS);
    // an empty window until the firmware or the guest opens one: base above limit
    this.set16(MEMORY_BASE, WINDOW_BITS);
    this.allowWrite16(BRIDGE_CONTROL, BRIDGE_CONTROL_WRITABLE);
  }

  /** Forwards memory start..end-1 (1 MiB aligned) to the secondary side, as firmware opens it. */
  openMemoryWindow(start: u32, end: u32): void {
    this.set16(MEMORY_BASE, <u16>((start >> 16) & WINDOW_BITS));
    this.set16(MEMORY_LIMIT, <u16>(((end - 1) >> 16) & WINDOW_BITS));
  }

  get secondary(): i32 {
    return this.config[SECONDARY_BUS];
  }

  get subordinate(): i32 {
    return this.config[SUBORDINATE_BUS];
  }

  /** Whether config cycles for `bus` go through this bridge (its secondary bus or one below it). */
  routes(bus: i32): bool {
    return bus >= this.secondary && bus <= this.subordinate && this.secondary != 0;
  }
}
