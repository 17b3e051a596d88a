// The VM's interrupt routing (KVM_SET_GSI_ROUTING) agrees with what the core's MADT tells the
// guest: the PIT (ISA IRQ 0) on IOAPIC pin 2, every other ISA IRQ on its own pin.
import test from "ava";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { bootRecords } from "../../src/vmm/machine.js";
import { exitLoopImage } from "../kvm/guest.js";

const core = new Core(coreModule(), new MockCoreImports(0));
const [PIC_MASTER, PIC_SLAVE, IOAPIC] = [0, 1, 2];

/** gsi → the [chip, pin] pairs it raises. */
function routing(): Map<number, [number, number][]> {
  const v = core.vmmIrqRouting();
  const count = v.getUint32(0, true);
  t_assert(v.byteLength === 8 + count * 48);
  const table = new Map<number, [number, number][]>();
  for (let i = 0; i < count; i++) {
    const e = 8 + i * 48;
    t_assert(v.getUint32(e + 4, true) === 1); // KVM_IRQ_ROUTING_IRQCHIP
    const gsi = v.getUint32(e, true);
    table.set(gsi, [...(table.get(gsi) ?? []), [v.getUint32(e + 16, true), v.getUint32(e + 20, true)]]);
  }
  return table;
}

function t_assert(ok: boolean): void {
  if (!ok) throw new Error("malformed routing table");
}

/** The MADT's interrupt source overrides (ISA IRQ → GSI) in the boot records of a tiny bzImage. */
function madtOverrides(vcpus: number): Map<number, number> {
  const kernel = exitLoopImage(1);
  const v = bootRecords(core, kernel, kernel.length, 0, "console=ttyS0", 64 << 20, vcpus);
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const text = Buffer.from(bytes).toString("latin1");
  const madt = text.indexOf("APIC");
  t_assert(madt >= 0);
  const length = v.getUint32(madt + 4, true);
  const overrides = new Map<number, number>();
  for (let e = madt + 44; e < madt + length; e += bytes[e + 1]) {
    if (bytes[e] === 2) overrides.set(bytes[e + 3], v.getUint32(e + 4, true));
  }
  return overrides;
}

test("the PIT's GSI raises the 8259's pin 0 and the IOAPIC pin the MADT names for IRQ 0", (t) => {
  const table = routing();
  const overrides = madtOverrides(2);
  t.is(overrides.get(0), 2);
  t.deepEqual(table.get(0), [[PIC_MASTER, 0], [IOAPIC, overrides.get(0)!]]);
  // no other GSI reaches the PIT's pin, and the slave PIC's cascade line is not a device's
  t.false([...table.entries()].some(([gsi, pins]) => gsi !== 0 && pins.some(([chip, pin]) => chip === IOAPIC && pin === 2)));
  t.is(table.get(2), undefined);
});

test("the other ISA IRQs and the SCI keep their own pins on both controllers", (t) => {
  const table = routing();
  t.deepEqual(table.get(4), [[PIC_MASTER, 4], [IOAPIC, 4]]); // the UART
  t.deepEqual(table.get(9), [[PIC_SLAVE, 1], [IOAPIC, 9]]); // the SCI
  t.is(madtOverrides(1).get(9), 9);
  for (let gsi = 16; gsi < 24; gsi++) t.deepEqual(table.get(gsi), [[IOAPIC, gsi]]);
});
