// Which interrupt-controller pin each GSI raises (struct kvm_irq_routing for KVM_SET_GSI_ROUTING).
// KVM's default table puts GSI 0 on IOAPIC pin 0, but the MADT (acpi.ts) tells the guest, as on
// every PC, that ISA IRQ 0 (the PIT) arrives on pin 2: without this table Linux finds no timer
// on the IOAPIC and falls back to the 8259's ExtINT path, which only the boot CPU receives.
// Devices whose interrupts the host's kernel raises (vhost-net) add MSI routes after the pins.
import { ByteBuf } from "../util/bytes";
import { msiRouteCount, msiRouteGsi, msiRouteLive, msiRouteWord } from "./pci/msi-routes";

const ROUTING_IRQCHIP: u32 = 1;
const ROUTING_MSI: u32 = 2;
const PIC_MASTER: u32 = 0;
const PIC_SLAVE: u32 = 1;
const IOAPIC: u32 = 2;
const IOAPIC_PINS: u32 = 24;
/** kvm_irq_routing_entry: gsi, type, flags, pad, then a 32-byte union (irqchip: chip, pin). */
const ENTRY_SIZE: i32 = 48;
/** The PIT's GSI, and the IOAPIC pin the MADT's override names for it. */
const TIMER_GSI: u32 = 0;
export const TIMER_IOAPIC_PIN: u32 = 2;
/** The slave 8259's cascade: no device raises it. */
const CASCADE: u32 = 2;

/** A zeroed entry for `gsi` of `type`: where its union starts (16 bytes in). */
function newEntry(out: ByteBuf, gsi: u32, type: u32): usize {
  const at = out.length;
  for (let i = 0; i < ENTRY_SIZE; i++) out.byte(0);
  const p = out.ptr + <usize>at;
  store<u32>(p, gsi, 0);
  store<u32>(p, type, 4);
  return p + 16;
}

function entry(out: ByteBuf, gsi: u32, chip: u32, pin: u32): void {
  const u = newEntry(out, gsi, ROUTING_IRQCHIP);
  store<u32>(u, chip, 0);
  store<u32>(u, pin, 4);
}

/** An MSI route (kvm_irq_routing_msi: address low, address high, data). */
function msiEntry(out: ByteBuf, gsi: u32, addressLow: u32, addressHigh: u32, data: u32): void {
  const u = newEntry(out, gsi, ROUTING_MSI);
  store<u32>(u, addressLow, 0);
  store<u32>(u, addressHigh, 4);
  store<u32>(u, data, 8);
}

/** Writes the routing table (u32 count, u32 flags, the entries); returns the entry count. */
export function writeIrqRouting(out: ByteBuf): i32 {
  out.clear();
  for (let i = 0; i < 8; i++) out.byte(0);
  let count = 0;
  for (let gsi: u32 = 0; gsi < 16; gsi++) {
    if (gsi == CASCADE) continue;
    entry(out, gsi, gsi < 8 ? PIC_MASTER : PIC_SLAVE, gsi & 7);
    count++;
  }
  for (let gsi: u32 = 0; gsi < IOAPIC_PINS; gsi++) {
    if (gsi == TIMER_IOAPIC_PIN) continue;
    entry(out, gsi, IOAPIC, gsi == TIMER_GSI ? TIMER_IOAPIC_PIN : gsi);
    count++;
  }
  for (let i = 0; i < msiRouteCount(); i++) {
    if (!msiRouteLive(i)) continue;
    msiEntry(out, msiRouteGsi(i), msiRouteWord(i, 0), msiRouteWord(i, 1), msiRouteWord(i, 2));
    count++;
  }
  store<u32>(out.ptr, count, 0);
  return count;
}
