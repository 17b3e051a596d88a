// What ACPI tells the guest about PCI: the host bridge \_SB.PCI0 (PNP0A03) with the resources it
// decodes (all buses, configuration ports 0xCF8–0xCFF, the I/O ports around them, the 32-bit
// memory window for BARs) and its interrupt routing (_PRT: INTA–INTD of every bus-0 slot on GSIs
// 16–23, rotated by slot as Linux's swizzle expects); a motherboard device (PNP0C02) reserving the
// ECAM area; and the MCFG table that names that area, so Linux uses ECAM for extended config space.
import { Aml } from "./aml";
import { ECAM_BASE, ECAM_SIZE } from "./pci/config-access";

/** The 32-bit window for BARs and bridge windows: between the top of RAM (≤ 3 GiB) and ECAM. */
export const PCI_MEMORY_BASE: u32 = 0xc000_0000;
export const PCI_MEMORY_END: u32 = 0xdfff_ffff;
/** PCI interrupts: INTx of bus-0 slot s, pin p (0 = INTA) is GSI PCI_GSI_BASE + (s + p) % PCI_GSIS. */
export const PCI_GSI_BASE: u32 = 16;
const PCI_GSIS: u32 = 8;
const SLOTS: u32 = 32;

export const MCFG_LENGTH: i32 = 60;

export function pciInterruptGsi(slot: u32, pin: u32): u32 {
  return PCI_GSI_BASE + ((slot + pin) % PCI_GSIS);
}

/** Scope(\_SB) { Device(PCI0) {…}, Device(MRES) {…} } */
export function writePciRoot(aml: Aml): void {
  aml.scope("_SB_");
  aml.device("PCI0");
  aml.name("_HID");
  aml.eisaId("PNP0A03");
  aml.name("_UID");
  aml.integer(0);
  aml.name("_SEG");
  aml.integer(0);
  aml.name("_BBN");
  aml.integer(0);
  aml.name("_CRS");
  aml.resources();
  aml.busNumbers(0, 255);
  aml.ioPorts(0xcf8, 8);
  aml.ioWindow(0x0000, 0x0cf7);
  aml.ioWindow(0x0d00, 0xffff);
  aml.memoryWindow(PCI_MEMORY_BASE, PCI_MEMORY_END);
  aml.endResources();
  aml.name("_PRT");
  aml.package(SLOTS * 4);
  for (let slot: u32 = 0; slot < SLOTS; slot++) {
    for (let pin: u32 = 0; pin < 4; pin++) {
      aml.package(4);
      aml.integer((<u64>slot << 16) | 0xffff);
      aml.integer(pin);
      aml.integer(0);
      aml.integer(pciInterruptGsi(slot, pin));
      aml.end();
    }
  }
  aml.end();
  aml.end(); // PCI0
  aml.device("MRES");
  aml.name("_HID");
  aml.eisaId("PNP0C02");
  aml.name("_UID");
  aml.integer(1);
  aml.name("_CRS");
  aml.resources();
  aml.memoryFixed(<u32>ECAM_BASE, <u32>ECAM_SIZE);
  aml.endResources();
  aml.end(); // MRES
  aml.end(); // \_SB
}

/** The MCFG body after its header: one allocation, segment 0, buses 0–255. */
export function writeMcfg(table: usize): void {
  const entry = table + 44;
  store<u64>(entry, ECAM_BASE);
  store<u16>(entry + 8, 0);
  store<u8>(entry + 10, 0);
  store<u8>(entry + 11, 255);
}
