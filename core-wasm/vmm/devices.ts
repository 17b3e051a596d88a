// The guest's port-I/O devices (what KVM leaves to userspace): a 16550A UART as COM1 (0x3f8-0x3ff,
// IRQ 4), the i8042 controller's reset line (0x64 ← 0xfe: the guest reboots), the ACPI PM1
// registers (acpi.ts: the power button, and S5 for power-off), and quiet answers for the legacy
// ports a Linux kernel probes (CMOS, PCI configuration, POST codes). The PIC, IOAPIC, LAPIC and
// PIT are KVM's in-kernel ones.
//
// After each exit the host asks what changed (vmmEvents): UART output to deliver, the IRQ 4 and
// SCI (IRQ 9) line levels, a reset or a power-off request.
import { ByteBuf } from "../util/bytes";
import { PM1A_CNT, PM1A_EVT, S5_SLP_TYP } from "./acpi";

export const EVENT_OUTPUT: i32 = 1;
export const EVENT_IRQ: i32 = 2;
export const EVENT_RESET: i32 = 4;
export const EVENT_POWEROFF: i32 = 8;
export const EVENT_SCI: i32 = 16;
/** In the events word: the IRQ 4 line's current level. */
export const IRQ_LEVEL: i32 = 256;
/** In the events word: the SCI line's current level. */
export const SCI_LEVEL: i32 = 512;

// PM1 registers (ACPI fixed hardware)
const PM1_PWRBTN: u32 = 1 << 8; // status and enable bit of the power button
const PM1_SCI_EN: u32 = 1; // control: the hardware is in ACPI mode
const PM1_SLP_EN: u32 = 1 << 13;

const COM1: u32 = 0x3f8;

// UART registers (offsets from the base) and bits
const IER_RDI: u8 = 1; // received data available
const IER_THRI: u8 = 2; // transmitter holding register empty
const IIR_NONE: u8 = 1;
const IIR_THRI: u8 = 2;
const IIR_RDI: u8 = 4;
const IIR_FIFO: u8 = 0xc0;
const LCR_DLAB: u8 = 0x80;
const LSR_DR: u8 = 1;
const LSR_THRE: u8 = 0x20;
const LSR_TEMT: u8 = 0x40;
const MCR_LOOP: u8 = 0x10;
const MSR_CTS_DSR_DCD: u8 = 0xb0;

class Uart {
  ier: u8 = 0;
  lcr: u8 = 0;
  mcr: u8 = 0;
  scr: u8 = 0;
  dll: u8 = 12; // 9600 baud until the guest says otherwise
  dlm: u8 = 0;
  fcr: u8 = 0;
  /** Set when the transmitter became empty and the guest has not yet read IIR since. */
  thriPending: bool = true;
  rx: ByteBuf = new ByteBuf(256);
  rxHead: i32 = 0;
  tx: ByteBuf = new ByteBuf(4096);

  get rxReady(): bool {
    return this.rxHead < this.rx.length;
  }

  /** The interrupt the UART asserts now (IIR's identification), or IIR_NONE. */
  pending(): u8 {
    if ((this.ier & IER_RDI) != 0 && this.rxReady) return IIR_RDI;
    if ((this.ier & IER_THRI) != 0 && this.thriPending) return IIR_THRI;
    return IIR_NONE;
  }

  read(offset: u32): u32 {
    const dlab = (this.lcr & LCR_DLAB) != 0;
    switch (offset) {
      case 0: {
        if (dlab) return this.dll;
        if (!this.rxReady) return 0;
        const b = this.rx.at(this.rxHead++);
        if (!this.rxReady) {
          this.rx.clear();
          this.rxHead = 0;
        }
        return b;
      }
      case 1:
        return dlab ? this.dlm : this.ier;
      case 2: {
        const id = this.pending();
        // reading IIR acknowledges a transmitter-empty interrupt
        if (id == IIR_THRI) this.thriPending = false;
        return <u32>(id | ((this.fcr & 1) != 0 ? IIR_FIFO : 0));
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5:
        return (this.rxReady ? LSR_DR : 0) | LSR_THRE | LSR_TEMT;
      case 6:
        return (this.mcr & MCR_LOOP) != 0 ? 0 : MSR_CTS_DSR_DCD;
      default:
        return this.scr;
    }
  }

  write(offset: u32, value: u8): void {
    const dlab = (this.lcr & LCR_DLAB) != 0;
    switch (offset) {
      case 0:
        if (dlab) {
          this.dll = value;
        } else {
          if ((this.mcr & MCR_LOOP) != 0) this.rx.byte(value);
          else this.tx.byte(value);
          this.thriPending = true; // the byte left at once: the holding register is empty again
        }
        break;
      case 1:
        if (dlab) {
          this.dlm = value;
        } else {
          // enabling the transmitter interrupt while it is empty raises it (as on a 16550)
          if ((value & IER_THRI) != 0 && (this.ier & IER_THRI) == 0) this.thriPending = true;
          this.ier = value & 0x0f;
        }
        break;
      case 2:
        this.fcr = value;
        if ((value & 2) != 0) {
          this.rx.clear();
          this.rxHead = 0;
        }
        break;
      case 3:
        this.lcr = value;
        break;
      case 4:
        this.mcr = value;
        break;
      case 7:
        this.scr = value;
        break;
      default:
        break;
    }
  }
}

const uart = new Uart();
let irqLevel = false;
let events: i32 = 0;
let pm1Status: u32 = 0;
let pm1Enable: u32 = 0;
let sciLevel = false;

/** The SCI follows the enabled PM1 status bits; a change is an event. */
function updateSci(): void {
  const level = (pm1Status & pm1Enable) != 0;
  if (level != sciLevel) {
    sciLevel = level;
    events |= EVENT_SCI;
  }
}

/** A byte of the PM1 block (event: status, enable; control: SCI_EN, SLP_EN always reads 0). */
function pmReadByte(port: u32): u32 {
  if (port < PM1A_EVT + 2) return (pm1Status >> ((port - PM1A_EVT) * 8)) & 0xff;
  if (port < PM1A_EVT + 4) return (pm1Enable >> ((port - PM1A_EVT - 2) * 8)) & 0xff;
  return port == PM1A_CNT ? PM1_SCI_EN : 0;
}

function pmWrite(port: u32, size: i32, value: u32): void {
  for (let i = 0; i < size; i++) {
    const p = port + <u32>i;
    const b = (value >> (i * 8)) & 0xff;
    const shift = (p - PM1A_EVT) * 8;
    if (p < PM1A_EVT + 2) pm1Status &= ~(b << shift); // write 1 to clear
    else if (p < PM1A_EVT + 4) pm1Enable = (pm1Enable & ~(0xff << (shift - 16))) | (b << (shift - 16));
  }
  if (port <= PM1A_CNT && port + <u32>size > PM1A_CNT) {
    const control = (value >> ((PM1A_CNT - port) * 8)) & 0xffff;
    if ((control & PM1_SLP_EN) != 0 && ((control >> 10) & 7) == S5_SLP_TYP) events |= EVENT_POWEROFF;
  }
  updateSci();
}

/** The power button is pressed: the guest hears it through the SCI, if it listens. */
export function pressPowerButton(): void {
  pm1Status |= PM1_PWRBTN;
  updateSci();
}

/** The IRQ 4 line follows the UART's pending interrupt; a change is an event. */
function updateIrq(): void {
  const level = uart.pending() != IIR_NONE && (uart.mcr & 8) != 0; // OUT2 gates the line to the PIC
  if (level != irqLevel) {
    irqLevel = level;
    events |= EVENT_IRQ;
  }
}

export function resetDevices(): void {
  const fresh = new Uart();
  uart.ier = fresh.ier;
  uart.lcr = fresh.lcr;
  uart.mcr = fresh.mcr;
  uart.scr = fresh.scr;
  uart.fcr = 0;
  uart.thriPending = true;
  uart.rx.clear();
  uart.rxHead = 0;
  irqLevel = false;
  events = 0;
  pm1Status = 0;
  pm1Enable = 0;
  sciLevel = false;
}

/** A port read of `size` bytes; all ones where no device answers. */
export function portIn(port: u32, size: i32): u32 {
  let value: u32 = size == 1 ? 0xff : size == 2 ? 0xffff : 0xffffffff;
  if (port >= COM1 && port < COM1 + 8) {
    value = uart.read(port - COM1);
    updateIrq();
  } else if (port >= PM1A_EVT && port < PM1A_CNT + 2) {
    value = 0;
    for (let i = 0; i < size; i++) value |= pmReadByte(port + <u32>i) << (i * 8);
  } else if (port == 0x64) {
    value = 0; // i8042 status: no data, input buffer empty
  } else if (port == 0x60 || port == 0x61 || port == 0x71) {
    value = 0;
  }
  return value;
}

export function portOut(port: u32, size: i32, value: u32): void {
  if (port >= COM1 && port < COM1 + 8) {
    uart.write(port - COM1, <u8>value);
    if (uart.tx.length > 0) events |= EVENT_OUTPUT;
    updateIrq();
  } else if (port >= PM1A_EVT && port < PM1A_CNT + 2) {
    pmWrite(port, size, value);
  } else if (port == 0x64 && (value & 0xff) == 0xfe) {
    events |= EVENT_RESET; // the i8042 pulses the CPU's reset line
  }
  void size;
}

/** Bytes typed at the console, for the guest to read from COM1. */
export function consoleInput(p: usize, len: i32): void {
  uart.rx.raw(p, len);
  updateIrq();
}

/** What changed since the last call (EVENT_* bits, IRQ_LEVEL when the line is high); clears them. */
export function takeEvents(): i32 {
  const e = events | (irqLevel ? IRQ_LEVEL : 0) | (sciLevel ? SCI_LEVEL : 0);
  events = 0;
  return e;
}

/** The UART's output since the last call, appended to out. */
export function takeOutput(out: ByteBuf): void {
  out.slice(uart.tx, 0, uart.tx.length);
  uart.tx.clear();
}

