// The ACPI PM1 registers (fixed hardware, acpi.ts describes them to the guest): the PM1a event
// block (status u16, enable u16) and control block (u16). The power button sets its status bit;
// the SCI (IRQ 9) follows the enabled status bits; SLP_EN with \_S5's sleep type powers off.
import { PM1A_CNT, PM1A_EVT, S5_SLP_TYP } from "../acpi";
import { raise, setLine } from "./events";
import { VmmEvent } from "../../abi/enums.gen";
import { PortDevice } from "./io-bus";

/** The event block's 4 ports and the control block's 2. */
export const PM1_PORTS: u32 = PM1A_CNT + 2 - PM1A_EVT;

const PM1_PWRBTN: u32 = 1 << 8; // status and enable bit of the power button
const PM1_SCI_EN: u32 = 1; // control: the hardware is in ACPI mode
const PM1_SLP_EN: u32 = 1 << 13;

export class Pm1 extends PortDevice {
  private status: u32 = 0;
  private enable: u32 = 0;

  /** The power button is pressed: the guest hears it through the SCI, if it listens. */
  pressPowerButton(): void {
    this.status |= PM1_PWRBTN;
    this.updateSci();
  }

  /** Byte by byte: an access may start anywhere in the block. */
  portIn(port: u32, size: i32): u32 {
    let value: u32 = 0;
    for (let i = 0; i < size; i++) value |= this.readByte(port + <u32>i) << (i * 8);
    return value;
  }

  portOut(port: u32, size: i32, value: u32): void {
    for (let i = 0; i < size; i++) {
      const p = port + <u32>i;
      const b = (value >> (i * 8)) & 0xff;
      const shift = (p - PM1A_EVT) * 8;
      if (p < PM1A_EVT + 2) this.status &= ~(b << shift); // write 1 to clear
      else if (p < PM1A_EVT + 4) this.enable = (this.enable & ~(0xff << (shift - 16))) | (b << (shift - 16));
    }
    if (port <= PM1A_CNT && port + <u32>size > PM1A_CNT) {
      const control = (value >> ((PM1A_CNT - port) * 8)) & 0xffff;
      if ((control & PM1_SLP_EN) != 0 && ((control >> 10) & 7) == S5_SLP_TYP) raise(VmmEvent.POWEROFF);
    }
    this.updateSci();
  }

  reset(): void {
    this.status = 0;
    this.enable = 0;
  }

  /** Status, enable, then control (SCI_EN set, SLP_EN always reads 0). */
  private readByte(port: u32): u32 {
    if (port < PM1A_EVT + 2) return (this.status >> ((port - PM1A_EVT) * 8)) & 0xff;
    if (port < PM1A_EVT + 4) return (this.enable >> ((port - PM1A_EVT - 2) * 8)) & 0xff;
    return port == PM1A_CNT ? PM1_SCI_EN : 0;
  }

  private updateSci(): void {
    setLine(VmmEvent.SCI_LEVEL, VmmEvent.SCI, (this.status & this.enable) != 0);
  }
}
