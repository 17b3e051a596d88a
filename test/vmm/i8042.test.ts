// The i8042 keyboard controller (core-wasm/vmm/devices/i8042.ts) through core.wasm's port-I/O
// exports: only its reset line and an idle status. Linux's reboot=k writes the controller
// command 0xfe (pulse the CPU's reset line) to port 0x64 once the status says its input buffer is empty.
import test from "ava";
import { EVENT_RESET, GuestPorts } from "../support/vmm-devices.js";

const DATA = 0x60;
const STATUS_COMMAND = 0x64;
const PULSE_RESET = 0xfe;

test("command 0xfe to port 0x64 asks for a reset, once", (t) => {
  const ports = new GuestPorts();
  ports.outb(STATUS_COMMAND, PULSE_RESET);
  t.is(ports.events(), EVENT_RESET);
  t.is(ports.events(), 0);
});

test("only the command's low byte counts", (t) => {
  const ports = new GuestPorts();
  ports.out(STATUS_COMMAND, 2, 0x01fe);
  t.is(ports.events(), EVENT_RESET);
});

test("other controller commands, and 0xfe written to the data port, do nothing", (t) => {
  const ports = new GuestPorts();
  for (const command of [0x20, 0x60, 0xa7, 0xaa, 0xad, 0xd1, 0xf0, 0xff]) ports.outb(STATUS_COMMAND, command);
  ports.outb(DATA, PULSE_RESET);
  t.is(ports.events(), 0);
});

test("the status reads 0 (no output waiting, input buffer empty), and so does the data port", (t) => {
  const ports = new GuestPorts();
  t.is(ports.inb(STATUS_COMMAND), 0);
  t.is(ports.inb(DATA), 0);
  ports.outb(STATUS_COMMAND, 0x20); // "read the command byte": no answer is queued
  t.is(ports.inb(STATUS_COMMAND), 0);
  t.is(ports.inb(DATA), 0);
});
