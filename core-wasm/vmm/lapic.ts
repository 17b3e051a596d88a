// Each vCPU's local APIC before it runs: LINT0 delivers the 8259 PIC's interrupts (ExtINT) and
// LINT1 is the NMI line, the PC wiring the MP and ACPI specifications assume (Linux checks its
// timer through it). The registers are struct kvm_lapic_state, 16 bytes apart.
const LVT_LINT0: i32 = 0x350;
const LVT_LINT1: i32 = 0x360;
const DELIVERY_EXTINT: u32 = 7;
const DELIVERY_NMI: u32 = 4;

function setDeliveryMode(lapic: usize, register: i32, mode: u32): void {
  const value = load<u32>(lapic + <usize>register);
  store<u32>(lapic + <usize>register, (value & ~0x700) | (mode << 8));
}

export function wireLocalApic(lapic: usize): void {
  setDeliveryMode(lapic, LVT_LINT0, DELIVERY_EXTINT);
  setDeliveryMode(lapic, LVT_LINT1, DELIVERY_NMI);
}
