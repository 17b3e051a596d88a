// A tap device for the VMM's virtio-net tests, in memory: net_io's operations (src/host/core.ts
// NetIo) over fake guest RAM, with the frames the guest sent, the frames waiting for it, the
// offloads it set and the wake-ups it asked for.
import { IOVEC_BYTES, NetOp, type NetIo } from "../../src/host/core.js";

const EAGAIN = 11;
const EFAULT = 14;

export class FakeTap {
  /** What the guest sent, each frame with its 12-byte virtio-net header. */
  readonly sent: Uint8Array[] = [];
  /** Frames (with their header) for the guest, first first. */
  readonly waiting: Uint8Array[] = [];
  offloads = -1;
  watches = 0;

  readonly io: NetIo = (op, _handle, memory, iovecs, count) => {
    if (op === NetOp.OFFLOAD) this.offloads = count;
    if (op === NetOp.WATCH) this.watches++;
    if (op !== NetOp.SEND && op !== NetOp.RECEIVE) return 0;
    const ranges = Array.from({ length: count }, (_, i) => {
      const v = new DataView(iovecs.buffer, iovecs.byteOffset + i * IOVEC_BYTES, IOVEC_BYTES);
      const [address, length] = [v.getFloat64(0, true), v.getUint32(8, true)];
      // as the shim: a range outside guest RAM fails the operation
      return address + length <= memory.byteLength ? new Uint8Array(memory, address, length) : undefined;
    });
    if (ranges.some((r) => r === undefined)) return -EFAULT;
    if (op === NetOp.SEND) {
      this.sent.push(new Uint8Array(Buffer.concat(ranges as Uint8Array[])));
      return this.sent.at(-1)!.length;
    }
    const frame = this.waiting.shift();
    if (!frame) return -EAGAIN;
    let at = 0;
    for (const r of ranges as Uint8Array[]) {
      const n = Math.min(r.length, frame.length - at);
      r.set(frame.subarray(at, at + n));
      at += n;
    }
    return at;
  };
}
