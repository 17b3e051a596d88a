// The guest's COM1 (core-wasm/vmm/devices/uart.ts) through core.wasm's port-I/O exports: a 16550A
// at 0x3f8 on IRQ 4, as the guest's 8250 driver programs it. Register offsets and bits are the
// 16550A data sheet's; IRQ 4 reaches the PIC only while MCR's OUT2 is set, as on a PC.
import test from "ava";
import { bootAgain, EVENT_IRQ, EVENT_OUTPUT, GuestPorts, IRQ_LEVEL } from "../support/vmm-devices.js";

const COM1 = 0x3f8;
const [RBR_THR, IER, IIR_FCR, LCR, MCR, LSR, MSR, SCR] = [0, 1, 2, 3, 4, 5, 6, 7].map((offset) => COM1 + offset);
const [DLL, DLM] = [COM1, COM1 + 1];

const IER_RECEIVED = 0x01;
const IER_THR_EMPTY = 0x02;
const IIR_NONE = 0x01;
const IIR_THR_EMPTY = 0x02;
const IIR_RECEIVED = 0x04;
const IIR_FIFOS_ON = 0xc0;
const LCR_DLAB = 0x80;
const LCR_8N1 = 0x03;
const LSR_DATA_READY = 0x01;
const LSR_THR_EMPTY = 0x20;
const LSR_TRANSMITTER_EMPTY = 0x40;
const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;
const MSR_CTS_DSR_DCD = 0xb0;

test("bytes written to THR are the console's output, announced by the output event", (t) => {
  const ports = new GuestPorts();
  for (const c of "hi\n") ports.outb(RBR_THR, c.charCodeAt(0));
  t.is(ports.events(), EVENT_OUTPUT);
  t.is(ports.output(), "hi\n");
  t.is(ports.events(), 0);
  t.is(ports.output(), "");
});

test("the transmitter is always empty: LSR says THR and the shift register are free", (t) => {
  const ports = new GuestPorts();
  t.is(ports.inb(LSR), LSR_THR_EMPTY | LSR_TRANSMITTER_EMPTY);
  ports.outb(RBR_THR, 0x41);
  t.is(ports.inb(LSR), LSR_THR_EMPTY | LSR_TRANSMITTER_EMPTY);
});

test("with OUT2 set, enabling the THR-empty interrupt raises IRQ 4 until the guest reads IIR", (t) => {
  const ports = new GuestPorts();
  ports.outb(MCR, MCR_OUT2);
  t.is(ports.events(), 0);
  ports.outb(IER, IER_THR_EMPTY);
  t.is(ports.events(), EVENT_IRQ | IRQ_LEVEL);
  t.is(ports.inb(IIR_FCR), IIR_THR_EMPTY);
  t.is(ports.events(), EVENT_IRQ, "reading IIR acknowledged it: the line fell");
  t.is(ports.inb(IIR_FCR), IIR_NONE);
  ports.outb(RBR_THR, 0x41);
  t.is(ports.events(), EVENT_OUTPUT | EVENT_IRQ | IRQ_LEVEL, "the byte left at once: THR is empty again");
  t.is(ports.output(), "A");
});

test("the line stays up while the interrupt is pending, and the event only marks a change", (t) => {
  const ports = new GuestPorts();
  ports.outb(MCR, MCR_OUT2);
  ports.outb(IER, IER_THR_EMPTY);
  t.is(ports.events(), EVENT_IRQ | IRQ_LEVEL);
  ports.outb(SCR, 1);
  t.is(ports.events(), IRQ_LEVEL);
});

test("without OUT2 the interrupt shows in IIR but never reaches IRQ 4", (t) => {
  const ports = new GuestPorts();
  ports.outb(IER, IER_THR_EMPTY | IER_RECEIVED);
  ports.type("x");
  t.is(ports.events(), 0);
  t.is(ports.inb(IIR_FCR), IIR_RECEIVED);
});

test("console input waits in RBR: LSR's data-ready bit is set until the last byte is read", (t) => {
  const ports = new GuestPorts();
  ports.type("ab");
  t.is(ports.events(), 0, "no interrupt enabled");
  t.is(ports.inb(LSR), LSR_DATA_READY | LSR_THR_EMPTY | LSR_TRANSMITTER_EMPTY);
  t.is(ports.inb(RBR_THR), 0x61);
  t.is(ports.inb(LSR) & LSR_DATA_READY, LSR_DATA_READY);
  t.is(ports.inb(RBR_THR), 0x62);
  t.is(ports.inb(LSR) & LSR_DATA_READY, 0);
  t.is(ports.inb(RBR_THR), 0, "an empty receiver reads 0");
  ports.type("c");
  t.is(ports.inb(RBR_THR), 0x63, "the receiver takes input again once drained");
});

test("received data raises IRQ 4 when IER asks, and reading the last byte lowers it", (t) => {
  const ports = new GuestPorts();
  ports.outb(MCR, MCR_OUT2);
  ports.outb(IER, IER_RECEIVED);
  t.is(ports.events(), 0);
  ports.type("xy");
  t.is(ports.events(), EVENT_IRQ | IRQ_LEVEL);
  t.is(ports.inb(IIR_FCR), IIR_RECEIVED);
  t.is(ports.inb(RBR_THR), 0x78);
  t.is(ports.events(), IRQ_LEVEL, "one byte still waits");
  t.is(ports.inb(RBR_THR), 0x79);
  t.is(ports.events(), EVENT_IRQ);
});

test("received data outranks THR empty in IIR, and reading IIR then leaves THR empty pending", (t) => {
  const ports = new GuestPorts();
  ports.outb(IER, IER_RECEIVED | IER_THR_EMPTY);
  ports.type("z");
  t.is(ports.inb(IIR_FCR), IIR_RECEIVED);
  t.is(ports.inb(RBR_THR), 0x7a);
  t.is(ports.inb(IIR_FCR), IIR_THR_EMPTY);
  t.is(ports.inb(IIR_FCR), IIR_NONE);
});

test("IER keeps only its four interrupt-enable bits", (t) => {
  const ports = new GuestPorts();
  ports.outb(IER, 0xff);
  t.is(ports.inb(IER), 0x0f);
});

test("with DLAB set, offsets 0 and 1 are the divisor latch (9600 baud until set) and THR writes send nothing", (t) => {
  const ports = new GuestPorts();
  ports.outb(IER, IER_RECEIVED);
  ports.outb(LCR, LCR_DLAB);
  t.is(ports.inb(DLL), 12, "115200 / 12 = 9600 baud");
  t.is(ports.inb(DLM), 0);
  ports.outb(DLL, 1);
  ports.outb(DLM, 0);
  t.is(ports.inb(DLL), 1);
  t.is(ports.events(), 0);
  t.is(ports.output(), "");
  ports.outb(LCR, LCR_8N1);
  t.is(ports.inb(LCR), LCR_8N1);
  t.is(ports.inb(IER), IER_RECEIVED, "offset 1 is IER again");
  ports.outb(RBR_THR, 0x6f);
  t.is(ports.output(), "o");
  ports.outb(LCR, LCR_DLAB | LCR_8N1);
  t.is(ports.inb(DLL), 1, "the divisor stays set");
});

test("the scratch register and MCR keep what the guest writes", (t) => {
  const ports = new GuestPorts();
  ports.outb(SCR, 0x5a);
  ports.outb(MCR, 0x0b);
  t.is(ports.inb(SCR), 0x5a);
  t.is(ports.inb(MCR), 0x0b);
});

test("enabling the FIFOs shows in IIR's top bits, and FCR's receive reset drops waiting input", (t) => {
  const ports = new GuestPorts();
  t.is(ports.inb(IIR_FCR), IIR_NONE);
  ports.outb(IIR_FCR, 0x01);
  t.is(ports.inb(IIR_FCR), IIR_FIFOS_ON | IIR_NONE);
  ports.type("abc");
  ports.outb(IIR_FCR, 0x03);
  t.is(ports.inb(LSR) & LSR_DATA_READY, 0);
  t.is(ports.inb(RBR_THR), 0);
});

test("the modem lines say a terminal is there (CTS, DSR, DCD); in loopback THR comes back on RBR", (t) => {
  const ports = new GuestPorts();
  t.is(ports.inb(MSR), MSR_CTS_DSR_DCD);
  ports.outb(MCR, MCR_LOOP);
  t.is(ports.inb(MSR), 0, "looped back to MCR's modem outputs, all clear");
  ports.outb(RBR_THR, 0x55);
  t.is(ports.events(), 0);
  t.is(ports.output(), "", "nothing leaves in loopback");
  t.is(ports.inb(LSR) & LSR_DATA_READY, LSR_DATA_READY);
  t.is(ports.inb(RBR_THR), 0x55);
});

test("a new boot plan switches the UART back on: registers cleared, input dropped, IRQ 4 low", (t) => {
  const ports = new GuestPorts();
  ports.outb(MCR, MCR_OUT2);
  ports.outb(IER, IER_RECEIVED);
  ports.outb(SCR, 7);
  ports.outb(IIR_FCR, 0x01);
  ports.type("left over");
  t.is(ports.events(), EVENT_IRQ | IRQ_LEVEL);
  bootAgain(ports);
  t.is(ports.events(), 0);
  t.deepEqual([IER, IIR_FCR, LCR, MCR, LSR, SCR].map((port) => ports.inb(port)), [0, IIR_NONE, 0, 0, LSR_THR_EMPTY | LSR_TRANSMITTER_EMPTY, 0]);
  t.is(ports.inb(RBR_THR), 0);
});
