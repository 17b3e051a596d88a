// The ports no device model owns (core-wasm/vmm/devices/legacy-ports.ts, and the default of the
// bus, io-bus.ts) through core.wasm's port-I/O exports. A Linux guest probes them while it boots:
// port B (0x61, the PIT's gate and speaker), the CMOS/RTC (0x70 index, 0x71 data), POST codes
// (0x80); PCI configuration's data port (0xcfc) answers nothing while no address is enabled. A read
// where no device answers sees all ones, as on a PC's ISA bus.
import test from "ava";
import { GuestPorts } from "../support/vmm-devices.js";

const PORT_B = 0x61;
const CMOS_INDEX = 0x70;
const CMOS_DATA = 0x71;
const PCI_ADDRESS = 0xcf8;
const PCI_DATA = 0xcfc;
const POST_CODE = 0x80;

test("port B and the CMOS data port read 0", (t) => {
  const ports = new GuestPorts();
  t.is(ports.inb(PORT_B), 0);
  ports.outb(CMOS_INDEX, 0x0a);
  t.is(ports.inb(CMOS_DATA), 0);
});

test("ports no device answers read all ones, as wide as the access", (t) => {
  const ports = new GuestPorts();
  t.is(ports.inb(POST_CODE), 0xff);
  t.is(ports.inb(CMOS_INDEX), 0xff);
  t.is(ports.in(PCI_DATA, 2), 0xffff);
  t.is(ports.in(PCI_DATA, 4), 0xffffffff);
  t.is(ports.in(0xffff, 1), 0xff);
});

test("writes to the quiet and unanswered ports change nothing and raise no event", (t) => {
  const ports = new GuestPorts();
  for (const port of [PORT_B, CMOS_INDEX, CMOS_DATA, POST_CODE]) ports.outb(port, 0x5a);
  ports.out(PCI_ADDRESS, 4, 0x80000000);
  ports.out(PCI_DATA, 4, 0x12345678);
  t.is(ports.events(), 0);
  t.is(ports.output(), "");
  t.is(ports.inb(PORT_B), 0);
  t.is(ports.inb(POST_CODE), 0xff);
});

test("ports just beside the devices' ranges belong to none of them", (t) => {
  const ports = new GuestPorts();
  for (const port of [0x3f7, 0x400, 0x5ff, 0x606, 0x62, 0x63, 0x65, 0x72]) t.is(ports.inb(port), 0xff, `port ${port.toString(16)}`);
});
