// Minimal ACPI tables, so that a guest's own power-off ends the domain and libvirt's shutdown
// reaches the guest as a power-button press: fixed-hardware ACPI with a PM1 event and control
// block on I/O ports (devices/pm1.ts answers them), SCI on IRQ 9, and a DSDT that names \_S5 and
// the PCI host bridge (pci-tables.ts). The MADT describes the vCPUs' local APICs and KVM's
// in-kernel IOAPIC; the MCFG the PCI ECAM area. Everything sits in the BIOS area (0xe0000,
// reserved in the e820 map); the zero page also points at the RSDP.
import { TIMER_IOAPIC_PIN } from "./irq-routing";
import { Aml } from "./aml";
import { writeMcfg, writePciRoot, MCFG_LENGTH } from "./pci-tables";
export const RSDP_ADDR: u64 = 0xe0000;
const XSDT_ADDR: u64 = 0xe0040;
const FADT_ADDR: u64 = 0xe0080;
const FACS_ADDR: u64 = 0xe0200; // 64-byte aligned, as the FACS must be
const MADT_ADDR: u64 = 0xe0280;
const MCFG_ADDR: u64 = 0xe0500;
/** The DSDT comes last: it grows with the PCI routing table. */
const DSDT_ADDR: u64 = 0xe0600;
export const ACPI_AREA_SIZE: i32 = 0x4000;
/** What the MADT (from MADT_ADDR to the end of the area) has room for. */
export const MAX_VCPUS: i32 = 64;

/** PM1a event block (status u16, enable u16) and control block (u16). */
export const PM1A_EVT: u32 = 0x600;
export const PM1A_CNT: u32 = 0x604;
export const SCI_IRQ: u32 = 9;
/** The SLP_TYP value \_S5 names: a PM1 control write of it with SLP_EN powers off. */
export const S5_SLP_TYP: u32 = 5;

const LAPIC_ADDR: u32 = 0xfee00000;
const IOAPIC_ADDR: u32 = 0xfec00000;

const dsdtAml = new Aml();

/** The DSDT's AML: Name(_S5, Package(4) {5, 5, 0, 0}), then the PCI root bridge. */
function buildDsdt(): Aml {
  const aml = dsdtAml;
  aml.out.clear();
  aml.name("_S5");
  aml.package(4);
  aml.integer(S5_SLP_TYP);
  aml.integer(S5_SLP_TYP);
  aml.integer(0);
  aml.integer(0);
  aml.end();
  writePciRoot(aml);
  return aml;
}

function put8(base: usize, at: i32, v: u32): void {
  store<u8>(base + <usize>at, <u8>v);
}
function put16(base: usize, at: i32, v: u32): void {
  store<u16>(base + <usize>at, <u16>v);
}
function put32(base: usize, at: i32, v: u32): void {
  store<u32>(base + <usize>at, v);
}
function put64(base: usize, at: i32, v: u64): void {
  store<u64>(base + <usize>at, v);
}
function ascii(base: usize, at: i32, s: string): void {
  for (let i = 0; i < s.length; i++) put8(base, at + i, s.charCodeAt(i));
}

/** Makes the len bytes at p sum to zero (mod 256) through the byte at checksumAt. */
function checksum(p: usize, len: i32, checksumAt: i32): void {
  let sum: u32 = 0;
  for (let i = 0; i < len; i++) sum += load<u8>(p + <usize>i);
  put8(p, checksumAt, (256 - (sum & 0xff)) & 0xff);
}

/** The common table header; the checksum is filled in once the table is complete. */
function header(t: usize, signature: string, length: i32, revision: u32): void {
  ascii(t, 0, signature);
  put32(t, 4, <u32>length);
  put8(t, 8, revision);
  ascii(t, 10, "VIRTKT");
  ascii(t, 16, "VIRTKITV");
  put32(t, 24, 1);
  ascii(t, 28, "VKIT");
  put32(t, 32, 1);
}

/** A MADT interrupt source override: ISA IRQ `irq` arrives on `gsi` with these polarity/trigger flags. */
function sourceOverride(madt: usize, e: i32, irq: u32, gsi: u32, flags: u32): void {
  put8(madt, e, 2);
  put8(madt, e + 1, 10);
  put8(madt, e + 2, 0); // bus: ISA
  put8(madt, e + 3, irq);
  put32(madt, e + 4, gsi);
  put16(madt, e + 8, flags);
}

/** Writes the tables for a guest whose BIOS area starts at `area` (guest RSDP_ADDR) in the host buffer. */
export function writeAcpiTables(area: usize, vcpus: i32): void {
  memory.fill(area, 0, <usize>ACPI_AREA_SIZE);

  const facs = area + <usize>(FACS_ADDR - RSDP_ADDR);
  ascii(facs, 0, "FACS");
  put32(facs, 4, 64);
  put8(facs, 32, 2); // version

  const dsdt = area + <usize>(DSDT_ADDR - RSDP_ADDR);
  const aml = buildDsdt();
  const dsdtLen = 36 + aml.out.length;
  header(dsdt, "DSDT", dsdtLen, 2);
  memory.copy(dsdt + 36, aml.out.ptr, <usize>aml.out.length);
  checksum(dsdt, dsdtLen, 9);

  const mcfg = area + <usize>(MCFG_ADDR - RSDP_ADDR);
  header(mcfg, "MCFG", MCFG_LENGTH, 1);
  writeMcfg(mcfg);
  checksum(mcfg, MCFG_LENGTH, 9);

  const fadt = area + <usize>(FADT_ADDR - RSDP_ADDR);
  const fadtLen = 276;
  header(fadt, "FACP", fadtLen, 6);
  put32(fadt, 36, <u32>FACS_ADDR);
  put32(fadt, 40, <u32>DSDT_ADDR);
  put16(fadt, 46, SCI_IRQ);
  // SMI_CMD 0: the hardware is always in ACPI mode (PM1 control reads SCI_EN)
  put32(fadt, 56, PM1A_EVT);
  put32(fadt, 64, PM1A_CNT);
  put8(fadt, 88, 4); // PM1_EVT_LEN
  put8(fadt, 89, 2); // PM1_CNT_LEN
  // IAPC_BOOT_ARCH: no VGA, no CMOS RTC, and no 8042 to probe (reboot=k still pulses its reset line)
  put16(fadt, 109, (1 << 2) | (1 << 5));
  // flags: WBINVD; a fixed-feature power button (PWR_BUTTON clear), no sleep button
  put32(fadt, 112, (1 << 0) | (1 << 5));
  put8(fadt, 131, 0); // FADT minor version
  put64(fadt, 132, FACS_ADDR);
  put64(fadt, 140, DSDT_ADDR);
  checksum(fadt, fadtLen, 9);

  const madt = area + <usize>(MADT_ADDR - RSDP_ADDR);
  const madtLen = 44 + 8 * vcpus + 12 + 10 + 10;
  header(madt, "APIC", madtLen, 4);
  put32(madt, 36, LAPIC_ADDR);
  put32(madt, 40, 1); // PCAT_COMPAT: KVM's 8259 PICs are there too
  let e = 44;
  // each vCPU's local APIC: processor UID i, APIC id i (KVM's vCPU id), enabled
  for (let i = 0; i < vcpus; i++) {
    put8(madt, e, 0);
    put8(madt, e + 1, 8);
    put8(madt, e + 2, <u32>i);
    put8(madt, e + 3, <u32>i);
    put32(madt, e + 4, 1);
    e += 8;
  }
  // the IOAPIC: id 1, GSIs from 0
  put8(madt, e, 1);
  put8(madt, e + 1, 12);
  put8(madt, e + 2, 1);
  put32(madt, e + 4, IOAPIC_ADDR);
  put32(madt, e + 8, 0);
  e += 12;
  // ISA IRQ 0 (the PIT) arrives on GSI 2, as on every PC; the SCI is level-triggered, active high
  sourceOverride(madt, e, 0, TIMER_IOAPIC_PIN, 0);
  sourceOverride(madt, e + 10, SCI_IRQ, SCI_IRQ, 0x0d);
  checksum(madt, madtLen, 9);

  const xsdt = area + <usize>(XSDT_ADDR - RSDP_ADDR);
  const xsdtLen = 36 + 3 * 8;
  header(xsdt, "XSDT", xsdtLen, 1);
  put64(xsdt, 36, FADT_ADDR);
  put64(xsdt, 44, MADT_ADDR);
  put64(xsdt, 52, MCFG_ADDR);
  checksum(xsdt, xsdtLen, 9);

  const rsdp = area + <usize>(RSDP_ADDR - RSDP_ADDR);
  ascii(rsdp, 0, "RSD PTR ");
  ascii(rsdp, 9, "VIRTKT");
  put8(rsdp, 15, 2); // revision: ACPI 2.0+, with the XSDT
  put32(rsdp, 20, 36);
  put64(rsdp, 24, XSDT_ADDR);
  checksum(rsdp, 20, 8);
  checksum(rsdp, 36, 32);
}
