// Guest memory as the virtqueues see it: little-endian loads and stores at guest-physical
// addresses through the host's guest_read/guest_write, each checked: an address outside guest RAM
// sets `fault` (the device then stops using the queue) instead of trapping.
import { guest_read, guest_write } from "../../host";

const scratch = memory.data(16);

export class GuestMemory {
  /** Set by an access outside guest RAM; the device reports it and resets the fault. */
  fault: bool = false;

  read(gpa: u64, ptr: usize, len: u32): bool {
    if (len == 0) return true;
    if (guest_read(<f64>gpa, ptr, len) == 0) return true;
    this.fault = true;
    return false;
  }

  write(gpa: u64, ptr: usize, len: u32): bool {
    if (len == 0) return true;
    if (guest_write(<f64>gpa, ptr, len) == 0) return true;
    this.fault = true;
    return false;
  }

  u16(gpa: u64): u16 {
    return this.read(gpa, scratch, 2) ? load<u16>(scratch) : 0;
  }

  setU16(gpa: u64, v: u16): void {
    store<u16>(scratch, v);
    this.write(gpa, scratch, 2);
  }

  setU32(gpa: u64, v: u32): void {
    store<u32>(scratch, v);
    this.write(gpa, scratch, 4);
  }
}

export const guestMemory = new GuestMemory();
