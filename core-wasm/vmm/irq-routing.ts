// Which interrupt-controller pin each GSI raises (struct kvm_irq_routing for KVM_SET_GSI_ROUTING).
// KVM's default table puts GSI 0 on IOAPIC pin 0, but the MADT (acpi.ts) tells the guest, as on
// every PC, that ISA IRQ 0 (the PIT) arrives on pin 2: without this table Linux finds no timer
// on the IOAPIC and falls back to the 8259's ExtINT path, which only the boot CPU receives.
import { ByteBuf } from "../util/bytes";

const ROUTING_IRQCHIP: u32 = 1;
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

function entry(out: ByteBuf, gsi: u32, chip: u32, pin: u32): void {
  const at = out.length;
  for (let i = 0; i < ENTRY_SIZE; i++) out.byte(0);
  const p = out.ptr + <usize>at;
  store<u32>(p, gsi, 0);
  store<u32>(p, ROUTING_IRQCHIP, 4);
  store<u32>(p, chip, 16);
  store<u32>(p, pin, 20);
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
  store<u32>(out.ptr, count, 0);
  return count;
}
