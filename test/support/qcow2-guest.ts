// A fake guest with one virtio disk whose image (and its backing chain) the VMM's own code opens
// (src/vmm/disks.ts) over node:fs, with core.wasm reading the format: what the qcow2 tests drive,
// in the test process or in a child (qcow2-writer.ts) that gets killed mid-write.
import { closeSync, fstatSync, openSync } from "node:fs";
import type { DiskShim } from "../../src/host/native.js";
import { closeDisks, openDisks, type DiskPlan, type OpenedDisk } from "../../src/vmm/disks.js";
import { fileDisk } from "./file-disk.js";
import { DATA, FakeGuest } from "./virtio-guest.js";

const SLOT = 4;
const READONLY = 1;
const F_FLUSH = 1 << 9;
const F_WRITE_ZEROES = 1 << 14;
const F_DISCARD = 1 << 13;
const DISK_DISCARD = 8;
const [IN, OUT, FLUSH, DISCARD, WRITE_ZEROES] = [0, 1, 4, 11, 13];
const [HEADER, STATUS, PAYLOAD] = [DATA, DATA + 0x100, DATA + 0x1000];
export const CHUNK = 64 * 1024;

/** The disk shim over node:fs, counting the files it holds open. */
export function fsShim(): DiskShim & { open_: Set<number> } {
  const io = fileDisk().io;
  const open_ = new Set<number>();
  return {
    open_,
    open: (path, writable) => {
      const handle = openSync(path, writable ? "r+" : "r");
      open_.add(handle);
      return { handle, bytes: fstatSync(handle).size };
    },
    close: (handle) => {
      open_.delete(handle);
      closeSync(handle);
    },
    lock: () => undefined,
    heldElsewhere: () => false,
    io,
  };
}

export function plan(source: string, readonly = true): DiskPlan {
  return { bus: 0, slot: SLOT, function: 0, target: "vda", source, format: "qcow2", readonly, writethrough: false, ignoreFlush: false, discard: false, direct: false, serial: "", backing: [], backingEnds: false, hold: [100], refuse: [201] };
}

/** A guest with a read-only virtio disk whose image the VMM's code opened on the core first. */
export class Qcow2Guest extends FakeGuest {
  shim!: ReturnType<typeof fsShim>;
  disks: OpenedDisk[] = [];

  /** One request of `type` at offset, its len data bytes at PAYLOAD in three buffers of odd sizes; its status. */
  private request(type: number, offset: number, len: number, deviceWrites: boolean): number {
    const a = Math.min(len, 1536);
    const b = Math.min(len - a, 2560);
    const buffers: [number, number, boolean][] = [[PAYLOAD, a, deviceWrites]];
    if (b > 0) buffers.push([PAYLOAD + a, b, deviceWrites]);
    if (len - a - b > 0) buffers.push([PAYLOAD + a + b, len - a - b, deviceWrites]);
    this.view.setUint32(HEADER, type, true);
    this.view.setUint32(HEADER + 4, 0, true);
    this.view.setBigUint64(HEADER + 8, BigInt(offset / 512), true);
    this.ram[STATUS] = 0xff;
    this.post([[HEADER, 16, false], ...buffers, [STATUS, 1, true]]);
    return this.ram[STATUS];
  }

  /** Reads len bytes at offset: [status, bytes]. */
  readAt(offset: number, len: number): [number, Uint8Array] {
    this.ram.fill(0xee, PAYLOAD, PAYLOAD + len);
    const status = this.request(IN, offset, len, true);
    return [status, this.ram.slice(PAYLOAD, PAYLOAD + len)];
  }

  /** Writes bytes at offset: the status. */
  writeAt(offset: number, bytes: Uint8Array): number {
    this.ram.set(bytes, PAYLOAD);
    return this.request(OUT, offset, bytes.length, false);
  }

  /** WRITE_ZEROES over len bytes at offset (one segment; `unmap` lets it deallocate): the status. */
  zeroAt(offset: number, len: number, unmap = false): number {
    return this.rangeRequest(WRITE_ZEROES, offset, len, unmap ? 1 : 0);
  }

  /** DISCARD over len bytes at offset (one segment): the status. */
  discardAt(offset: number, len: number): number {
    return this.rangeRequest(DISCARD, offset, len, 0);
  }

  private rangeRequest(type: number, offset: number, len: number, flags: number): number {
    const segment = new DataView(this.ram.buffer, PAYLOAD, 16);
    segment.setBigUint64(0, BigInt(offset / 512), true);
    segment.setUint32(8, len / 512, true);
    segment.setUint32(12, flags, true);
    this.view.setUint32(HEADER, type, true);
    this.view.setBigUint64(HEADER + 8, 0n, true);
    this.ram[STATUS] = 0xff;
    this.post([[HEADER, 16, false], [PAYLOAD, 16, false], [STATUS, 1, true]]);
    return this.ram[STATUS];
  }

  flush(): number {
    this.view.setUint32(HEADER, FLUSH, true);
    this.ram[STATUS] = 0xff;
    this.post([[HEADER, 16, false], [STATUS, 1, true]]);
    return this.ram[STATUS];
  }

  /** The whole disk, CHUNK bytes a request. */
  readAll(): Uint8Array {
    const bytes = new Uint8Array(this.capacity());
    for (let at = 0; at < bytes.length; at += CHUNK) {
      const [status, data] = this.readAt(at, Math.min(CHUNK, bytes.length - at));
      if (status !== 0) throw new Error(`read at ${at}: status ${status}`);
      bytes.set(data, at);
    }
    return bytes;
  }

  /** The disk's size as the guest sees it (its capacity field, in sectors). */
  capacity(): number {
    return (this.deviceConfig(0) + this.deviceConfig(4) * 2 ** 32) * 512;
  }

  close(): void {
    closeDisks(this.shim, this.disks, this.core);
  }
}

/**
 * A guest on the image at path (read-only unless `writable`; with `discard`, discard='unmap');
 * throws what opening the image threw.
 */
export function guestOn(path: string, writable = false, discard = false, chain: Pick<DiskPlan, "backing" | "backingEnds"> = { backing: [], backingEnds: false }): Qcow2Guest {
  const shim = fsShim();
  const disk = { handle: -1, bytes: 0, flags: (writable ? 0 : READONLY) | (discard ? DISK_DISCARD : 0), serial: "" };
  let disks: OpenedDisk[] = [];
  const g = new Qcow2Guest(SLOT, { kind: "virtio-blk", disk }, (core) => {
    core.blockIo = shim.io;
    disks = openDisks(shim, [{ ...plan(path, !writable), ...chain }], core);
    Object.assign(disk, { handle: disks[0].disk.handle, bytes: disks[0].disk.bytes });
  });
  g.shim = shim;
  g.disks = disks;
  g.setUp(SLOT, F_FLUSH | F_WRITE_ZEROES | (discard ? F_DISCARD : 0));
  return g;
}

