// The guest's devices on the port-I/O and MMIO buses (what KVM leaves to userspace): the 16550A
// UART as COM1 (IRQ 4), the i8042's reset line, the ACPI PM1 registers (the power button, and S5
// for power-off), quiet answers for legacy ports, and PCI configuration space (mechanism #1 and
// ECAM). The PIC, IOAPIC, LAPIC and PIT are KVM's in-kernel ones. After each exit the host asks
// what changed (events.ts).
import { ByteBuf } from "../../util/bytes";
import { PM1A_EVT } from "../acpi";
import { clearEvents } from "./events";
import { I8042, I8042_COMMAND, I8042_DATA } from "./i8042";
import { mapMmio, mapPorts } from "./io-bus";
import { CONFIG_ADDRESS, ConfigMechanism1, Ecam, ECAM_BASE, ECAM_SIZE } from "../pci/config-access";
import { resetPciTopology } from "../pci/topology";
import { PciMemorySpace } from "../pci/memory-space";
import { clearMsis } from "../pci/msi";
import { clearVhostProgram } from "../virtio/vhost-program";
import { PCI_MEMORY_BASE, PCI_MEMORY_END } from "../pci-tables";
import { CMOS_DATA, PORT_B, QuietPorts } from "./legacy-ports";
import { Pm1, PM1_PORTS } from "./pm1";
import { COM1, Uart, UART_PORTS } from "./uart";

export { mmioRead, mmioWrite, portIn, portOut } from "./io-bus";
export { takeEvents } from "./events";

const uart = new Uart(COM1);
const pm1 = new Pm1();
const i8042 = new I8042();
const quiet = new QuietPorts();
const pciConfig = new ConfigMechanism1();
mapPorts(uart, COM1, UART_PORTS);
mapPorts(pm1, PM1A_EVT, PM1_PORTS);
mapPorts(i8042, I8042_DATA, 1);
mapPorts(i8042, I8042_COMMAND, 1);
mapPorts(quiet, PORT_B, 1);
mapPorts(quiet, CMOS_DATA, 1);
mapPorts(pciConfig, CONFIG_ADDRESS, 8);
mapMmio(new Ecam(), ECAM_BASE, ECAM_SIZE);
mapMmio(new PciMemorySpace(), PCI_MEMORY_BASE, <u64>(PCI_MEMORY_END - PCI_MEMORY_BASE) + 1);

/** The devices as after power-on (each boot of the guest). */
export function resetDevices(): void {
  uart.reset();
  pm1.reset();
  pciConfig.address = 0;
  resetPciTopology();
  clearMsis();
  clearVhostProgram();
  clearEvents();
}

/** Bytes typed at the console, for the guest to read from COM1. */
export function consoleInput(p: usize, len: i32): void {
  uart.receive(p, len);
}

/** The power button is pressed (libvirt's shutdown; reboot asks the same way). */
export function pressPowerButton(): void {
  pm1.pressPowerButton();
}

/** COM1's output since the last call, appended to out. */
export function takeOutput(out: ByteBuf): void {
  uart.takeOutput(out);
}
