// What the host must do on /dev/vhost-net and KVM so the kernel serves a NIC's rings, as records
// the host takes after the exit that decided it (vmmTakeVhost): hand the rings over at DRIVER_OK,
// route their interrupts as the guest programs and masks its vectors, take them back at reset.
// The host carries each record out with one or two shim calls, in order.
import { VhostOp, VmmEvent } from "../../abi/enums.gen";
import { ByteBuf } from "../../util/bytes";
import { raise } from "../devices/events";

// The record kinds (VhostOp, from the ABI table):
// FEATURES  the driver's features vhost takes part in (a), and the guest's RAM as vhost's memory table;
// RING      ring `index`: `value` entries, the next available one at `value2`, its parts at a, b, c (guest-physical);
// KICK      the guest's notifications of ring `index` (writes of `value` bytes, 0: any, at address a) reach vhost without an exit;
// CALL      ring `index`'s used buffers raise GSI `value` (-1: none while its vector is masked; vhost's signals wait);
// BACKEND   vhost serves ring `index` between guest RAM and tap `value` (-1: it stops);
// RELEASE   ring `index`'s notifications and interrupts come back to the VMM;
// ROUTES    the VM's GSI routing changed: the host sets vmmIrqRouting's table again;
// NOTIFY    the guest notified ring `index` where vhost does not listen: the host signals its kick.

/** op, vhost handle, ring index, value, value2, a word 0, then three f64: 48 bytes. */
export const VHOST_RECORD_BYTES: i32 = 48;

const program = new ByteBuf(512);

export function vhostRecord(op: VhostOp, vhost: i32, index: i32, value: i32, value2: i32, a: u64, b: u64, c: u64): void {
  program.ensure(VHOST_RECORD_BYTES);
  const p = program.ptr + <usize>program.length;
  store<i32>(p, <i32>op, 0);
  store<i32>(p, vhost, 4);
  store<i32>(p, index, 8);
  store<i32>(p, value, 12);
  store<i32>(p, value2, 16);
  store<i32>(p, 0, 20);
  store<f64>(p, <f64>a, 24);
  store<f64>(p, <f64>b, 32);
  store<f64>(p, <f64>c, 40);
  program.length += VHOST_RECORD_BYTES;
  raise(VmmEvent.VHOST);
}

/** The records since the last call, appended to out. */
export function takeVhostProgram(out: ByteBuf): void {
  out.raw(program.ptr, program.length);
  program.length = 0;
}

export function clearVhostProgram(): void {
  program.length = 0;
}
