// Message-signalled interrupts the devices raised since the host last asked: each an address and
// data pair the host hands to KVM (KVM_SIGNAL_MSI) after the exit. No GSI routes are needed.
import { VmmEvent } from "../../abi/enums.gen";
import { ByteBuf } from "../../util/bytes";
import { raise } from "../devices/events";

/** address low, address high, data: three words per message. */
const pending = new ByteBuf(256);

export function signalMsi(addressLow: u32, addressHigh: u32, data: u32): void {
  pending.ensure(12);
  store<u32>(pending.ptr + <usize>pending.length, addressLow);
  store<u32>(pending.ptr + <usize>pending.length + 4, addressHigh);
  store<u32>(pending.ptr + <usize>pending.length + 8, data);
  pending.length += 12;
  raise(VmmEvent.MSI);
}

/** The messages raised since the last call (12 bytes each), appended to out. */
export function takeMsis(out: ByteBuf): void {
  out.raw(pending.ptr, pending.length);
  pending.length = 0;
}

export function clearMsis(): void {
  pending.length = 0;
}
