// The i8042 keyboard controller, as far as a guest without a keyboard uses it: its reset line
// (Linux's reboot=k sends command 0xfe, "pulse the CPU's reset line") and an idle status (no
// output waiting, input buffer empty, so the guest's wait before a command ends at once).
import { raise } from "./events";
import { VmmEvent } from "../../abi/enums.gen";
import { PortDevice } from "./io-bus";

export const I8042_DATA: u32 = 0x60;
export const I8042_COMMAND: u32 = 0x64;
const PULSE_RESET: u32 = 0xfe;

export class I8042 extends PortDevice {
  portIn(port: u32, size: i32): u32 {
    return 0;
  }

  portOut(port: u32, size: i32, value: u32): void {
    if (port == I8042_COMMAND && (value & 0xff) == PULSE_RESET) raise(VmmEvent.RESET);
  }
}
