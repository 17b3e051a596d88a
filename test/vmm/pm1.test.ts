// The ACPI PM1 registers (core-wasm/vmm/devices/pm1.ts) through core.wasm's port-I/O exports: the
// PM1a event block at 0x600 (status, then enable, 16 bits each) and the PM1a control block at 0x604,
// as the FADT describes them. Bits are the ACPI specification's fixed-hardware ones: PWRBTN_STS and
// PWRBTN_EN are bit 8, SCI_EN bit 0, SLP_TYP bits 10-12, SLP_EN bit 13; the SCI is IRQ 9.
import test from "ava";
import { bootAgain, EVENT_POWEROFF, EVENT_SCI, GuestPorts, SCI_LEVEL } from "../support/vmm-devices.js";

const PM1_STATUS = 0x600;
const PM1_ENABLE = 0x602;
const PM1_CONTROL = 0x604;
const POWER_BUTTON = 1 << 8;
const SCI_EN = 1;
const SLP_EN = 1 << 13;
/** \_S5's SLP_TYP in the core's DSDT. */
const S5 = 5 << 10;

test("switched on: no status, nothing enabled, and already in ACPI mode (SCI_EN)", (t) => {
  const ports = new GuestPorts();
  t.is(ports.in(PM1_STATUS, 2), 0);
  t.is(ports.in(PM1_ENABLE, 2), 0);
  t.is(ports.in(PM1_CONTROL, 2), SCI_EN);
});

test("the power button sets its status bit; the SCI stays low while it is not enabled", (t) => {
  const ports = new GuestPorts();
  ports.pressPowerButton();
  t.is(ports.in(PM1_STATUS, 2), POWER_BUTTON);
  t.is(ports.events(), 0);
});

test("enabling a set status raises the SCI, and writing 1 to the status bit clears it and lowers the SCI", (t) => {
  const ports = new GuestPorts();
  ports.pressPowerButton();
  ports.out(PM1_ENABLE, 2, POWER_BUTTON);
  t.is(ports.in(PM1_ENABLE, 2), POWER_BUTTON);
  t.is(ports.events(), EVENT_SCI | SCI_LEVEL);
  ports.out(PM1_STATUS, 2, 0);
  t.is(ports.in(PM1_STATUS, 2), POWER_BUTTON, "writing 0 leaves a status bit alone");
  t.is(ports.events(), SCI_LEVEL);
  ports.out(PM1_STATUS, 2, POWER_BUTTON);
  t.is(ports.in(PM1_STATUS, 2), 0);
  t.is(ports.events(), EVENT_SCI);
});

test("a press while the guest listens raises the SCI at once; disabling lowers it", (t) => {
  const ports = new GuestPorts();
  ports.out(PM1_ENABLE, 2, POWER_BUTTON);
  t.is(ports.events(), 0);
  ports.pressPowerButton();
  t.is(ports.events(), EVENT_SCI | SCI_LEVEL);
  ports.out(PM1_ENABLE, 2, 0);
  t.is(ports.events(), EVENT_SCI);
});

test("the registers read and write a byte at a time too, and a 32-bit read at 0x600 spans status and enable", (t) => {
  const ports = new GuestPorts();
  ports.outb(PM1_ENABLE + 1, POWER_BUTTON >> 8);
  t.is(ports.inb(PM1_ENABLE), 0);
  t.is(ports.inb(PM1_ENABLE + 1), 1);
  ports.pressPowerButton();
  t.is(ports.inb(PM1_STATUS + 1), 1);
  t.is(ports.in(PM1_STATUS, 4), POWER_BUTTON | (POWER_BUTTON << 16));
  ports.outb(PM1_STATUS + 1, 1);
  t.is(ports.in(PM1_STATUS, 2), 0);
});

test("SLP_EN with \\_S5's sleep type powers off; SLP_EN itself reads back as 0", (t) => {
  const ports = new GuestPorts();
  ports.out(PM1_CONTROL, 2, SCI_EN | S5 | SLP_EN);
  t.is(ports.events(), EVENT_POWEROFF);
  t.is(ports.in(PM1_CONTROL, 2), SCI_EN);
});

test("a sleep type without SLP_EN, or another sleep type, does not power off", (t) => {
  const ports = new GuestPorts();
  ports.out(PM1_CONTROL, 2, SCI_EN | S5);
  ports.out(PM1_CONTROL, 2, SCI_EN | (1 << 10) | SLP_EN);
  ports.out(PM1_CONTROL, 2, SCI_EN | (7 << 10) | SLP_EN);
  t.is(ports.events(), 0);
});

test("a new boot plan switches PM1 back on: status and enable cleared, the SCI low", (t) => {
  const ports = new GuestPorts();
  ports.out(PM1_ENABLE, 2, POWER_BUTTON);
  ports.pressPowerButton();
  t.is(ports.events(), EVENT_SCI | SCI_LEVEL);
  bootAgain(ports);
  t.is(ports.events(), 0);
  t.is(ports.in(PM1_STATUS, 4), 0);
});
