// Quiet answers for legacy ports a Linux guest reads while it boots, where all ones would mislead
// it: port B (0x61: PIT gate, speaker, NMI status) and the CMOS/RTC data port (0x71) read 0.
// Writes are dropped. Other probes (POST codes, …) need no device: the bus answers all ones and
// drops the writes.
import { PortDevice } from "./io-bus";

export const PORT_B: u32 = 0x61;
export const CMOS_DATA: u32 = 0x71;

export class QuietPorts extends PortDevice {
  portIn(port: u32, size: i32): u32 {
    return 0;
  }

  portOut(port: u32, size: i32, value: u32): void {}
}
