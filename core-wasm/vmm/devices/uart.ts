// A 16550A UART, the guest's COM1 (its serial console): what the guest transmits is the console's
// output at once (the transmitter is always empty), what is typed at the console waits in the
// receiver. Its interrupt drives IRQ 4 through MCR's OUT2, as on a PC.
import { ByteBuf } from "../../util/bytes";
import { raise, setLine } from "./events";
import { VmmEvent } from "../../abi/enums.gen";
import { PortDevice } from "./io-bus";

export const COM1: u32 = 0x3f8;
/** Its registers take 8 ports from the base. */
export const UART_PORTS: u32 = 8;

// registers (offsets from the base) and bits
const IER_RDI: u8 = 1; // received data available
const IER_THRI: u8 = 2; // transmitter holding register empty
const IIR_NONE: u8 = 1;
const IIR_THRI: u8 = 2;
const IIR_RDI: u8 = 4;
const IIR_FIFO: u8 = 0xc0;
const FCR_ENABLE: u8 = 1;
const FCR_CLEAR_RX: u8 = 2;
const LCR_DLAB: u8 = 0x80;
const LSR_DR: u8 = 1;
const LSR_THRE: u8 = 0x20;
const LSR_TEMT: u8 = 0x40;
const MCR_OUT2: u8 = 8;
const MCR_LOOP: u8 = 0x10;
const MSR_CTS_DSR_DCD: u8 = 0xb0;

export class Uart extends PortDevice {
  private ier: u8 = 0;
  private lcr: u8 = 0;
  private mcr: u8 = 0;
  private scr: u8 = 0;
  private dll: u8 = 12; // 9600 baud until the guest says otherwise
  private dlm: u8 = 0;
  private fcr: u8 = 0;
  /** Set when the transmitter became empty and the guest has not yet read IIR since. */
  private thriPending: bool = true;
  private rx: ByteBuf = new ByteBuf(256);
  private rxHead: i32 = 0;
  private tx: ByteBuf = new ByteBuf(4096);

  constructor(readonly base: u32) {
    super();
  }

  private get rxReady(): bool {
    return this.rxHead < this.rx.length;
  }

  /** The interrupt the UART asserts now (IIR's identification), or IIR_NONE. */
  private pending(): u8 {
    if ((this.ier & IER_RDI) != 0 && this.rxReady) return IIR_RDI;
    if ((this.ier & IER_THRI) != 0 && this.thriPending) return IIR_THRI;
    return IIR_NONE;
  }

  portIn(port: u32, size: i32): u32 {
    const value = this.read(port - this.base);
    this.updateIrq();
    return value;
  }

  portOut(port: u32, size: i32, value: u32): void {
    this.write(port - this.base, <u8>value);
    if (this.tx.length > 0) raise(VmmEvent.OUTPUT);
    this.updateIrq();
  }

  /** Bytes typed at the console, for the guest to read. */
  receive(p: usize, len: i32): void {
    this.rx.raw(p, len);
    this.updateIrq();
  }

  /** The output since the last call, appended to out. */
  takeOutput(out: ByteBuf): void {
    out.slice(this.tx, 0, this.tx.length);
    this.tx.clear();
  }

  /** Back to the state after power-on (the divisor, and output not yet taken, stay). */
  reset(): void {
    this.ier = 0;
    this.lcr = 0;
    this.mcr = 0;
    this.scr = 0;
    this.fcr = 0;
    this.thriPending = true;
    this.dropInput();
  }

  /** IRQ 4 follows the pending interrupt while OUT2 gates it to the PIC. */
  private updateIrq(): void {
    setLine(VmmEvent.IRQ_LEVEL, VmmEvent.IRQ, this.pending() != IIR_NONE && (this.mcr & MCR_OUT2) != 0);
  }

  private dropInput(): void {
    this.rx.clear();
    this.rxHead = 0;
  }

  private read(offset: u32): u32 {
    const dlab = (this.lcr & LCR_DLAB) != 0;
    switch (offset) {
      case 0: {
        if (dlab) return this.dll;
        if (!this.rxReady) return 0;
        const b = this.rx.at(this.rxHead++);
        if (!this.rxReady) this.dropInput();
        return b;
      }
      case 1:
        return dlab ? this.dlm : this.ier;
      case 2: {
        const id = this.pending();
        // reading IIR acknowledges a transmitter-empty interrupt
        if (id == IIR_THRI) this.thriPending = false;
        return <u32>(id | ((this.fcr & FCR_ENABLE) != 0 ? IIR_FIFO : 0));
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

  private write(offset: u32, value: u8): void {
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
        if ((value & FCR_CLEAR_RX) != 0) this.dropInput();
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
