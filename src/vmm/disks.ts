// The guest's disk images, opened by the VMM when the domain starts and kept (with their locks)
// until it ends, across guest reboots. Locks follow QEMU's byte layout, so virtkit domains, QEMU
// and qemu-img refuse each other's conflicting use of an image: byte 100 + p says "I hold
// permission p", byte 200 + p says "I share p with no one" (p: 0 consistent read, 1 write). The
// plan (the core) decides which bytes; this file takes them and checks for conflicts as QEMU does.
import { BlockOp, type Core } from "../host/core.js";
import type { DiskShim } from "../host/native.js";
import type { OpenDisk, PciDevice } from "./machine.js";

/** A disk of the plan (docs/control-protocol.md, "disk"). */
export interface DiskPlan {
  bus: number;
  slot: number;
  function: number;
  /** The guest's name for it (vda), as domblk* commands name it. */
  target: string;
  source: string;
  format: "raw" | "qcow2";
  readonly: boolean;
  writethrough: boolean;
  ignoreFlush: boolean;
  discard: boolean;
  /** O_DIRECT: cache='none' and 'directsync'. */
  direct: boolean;
  serial: string;
  /** The backing chain as the domain's <backingStore> gives it (the VMM follows the images' own names past it). */
  backing: { format: "raw" | "qcow2"; path: string }[];
  /** The <backingStore> chain ends where it says (an empty <backingStore/>): nothing below its last layer. */
  backingEnds: boolean;
  /** The lock bytes this VMM holds, and those whose holders it refuses. */
  hold: number[];
  refuse: number[];
}

/** core-wasm/vmm/virtio/blk.ts DISK_* */
const [READONLY, WRITETHROUGH, IGNORE_FLUSH, DISCARD] = [1, 2, 4, 8];
const PERMISSIONS = ["consistent read", "write", "write unchanged", "resize", "change children"];
const [HOLDS, REFUSES] = [100, 200];

export interface OpenedDisk {
  plan: DiskPlan;
  disk: OpenDisk;
  /** The files below it (its backing chain), each open read-only and locked as QEMU locks them. */
  backing: number[];
}

/** The core's side of an image format: it reads the image's metadata through block_io. */
export type ImageFormats = Pick<Core, "vmmImageOpen" | "vmmImageClose">;
/** core-wasm/operations/vmm.ts FORMAT_* */
const FORMATS = ["raw", "qcow2"];
/** QEMU's locks on a backing file: it reads, and no one else may write. */
const BACKING_LOCKS = { hold: [100], refuse: [201] };

/**
 * Opens and locks every disk of the plan, with the backing chain of each qcow2 image (the core
 * reads each header and names the next file); throws (closing what it opened) when one cannot be used.
 */
export function openDisks(shim: DiskShim, plans: DiskPlan[], formats?: ImageFormats): OpenedDisk[] {
  const opened: OpenedDisk[] = [];
  try {
    for (const plan of plans) {
      const { handle, bytes } = shim.open(plan.source, !plan.readonly, plan.direct);
      const disk: OpenedDisk = { plan, disk: { handle, bytes, flags: diskFlags(plan), serial: plan.serial }, backing: [] };
      opened.push(disk);
      lock(shim, handle, plan.source, plan);
      if (plan.format !== "raw") openChain(shim, disk, requireFormats(formats));
    }
    return opened;
  } catch (e) {
    closeDisks(shim, opened, formats);
    throw e;
  }
}

function requireFormats(formats: ImageFormats | undefined): ImageFormats {
  if (!formats) throw new Error("image formats other than raw need core.wasm");
  return formats;
}

/**
 * The top image, then the layers the domain's <backingStore> names, then each file below as the
 * images name them (the core reads each header), until the chain ends.
 */
function openChain(shim: DiskShim, opened: OpenedDisk, formats: ImageFormats): void {
  const { plan, disk } = opened;
  let next = imageOpen(formats, plan.source, disk.handle, disk.bytes, plan.format, -1, !plan.readonly);
  let upper = disk.handle;
  const below = (format: string, path: string) => {
    const { handle, bytes } = shim.open(path, false, plan.direct);
    opened.backing.push(handle);
    lock(shim, handle, path, BACKING_LOCKS);
    next = imageOpen(formats, path, handle, bytes, format, upper, false);
    upper = handle;
  };
  for (const layer of plan.backing) below(layer.format, layer.path);
  if (plan.backingEnds) next = "";
  while (next) {
    const [format, path] = next.split("\t");
    below(format, path);
  }
}

/** The core's vmmImageOpen, its error's own words thrown (they name the file). */
function imageOpen(formats: ImageFormats, path: string, handle: number, bytes: number, format: string, upper: number, writable: boolean): string {
  try {
    return formats.vmmImageOpen(path, handle, bytes, FORMATS.indexOf(format), upper, writable);
  } catch (e) {
    throw new Error((e as Error).message);
  }
}

export function closeDisks(shim: DiskShim, disks: OpenedDisk[], formats?: ImageFormats): void {
  for (const { disk, backing } of disks.splice(0)) {
    for (const handle of [disk.handle, ...backing]) {
      formats?.vmmImageClose(handle);
      shim.close(handle);
    }
  }
}

/** The guest's virtio-blk devices for the machine. */
export function diskDevices(disks: OpenedDisk[]): PciDevice[] {
  return disks.map(({ plan, disk }) => ({ kind: "virtio-blk", bus: plan.bus, slot: plan.slot, function: plan.function, disk }));
}

function diskFlags(plan: DiskPlan): number {
  return (plan.readonly ? READONLY : 0) | (plan.writethrough ? WRITETHROUGH : 0) | (plan.ignoreFlush ? IGNORE_FLUSH : 0) | (plan.discard ? DISCARD : 0);
}

/** A disk's counters as domblkstat reports them (libvirt's typed-parameter names, times in ns). */
export interface DiskStats {
  rd_operations: number;
  rd_bytes: number;
  wr_operations: number;
  wr_bytes: number;
  flush_operations: number;
  rd_total_times: number;
  wr_total_times: number;
  flush_total_times: number;
}

type DiskIo = DiskShim["io"];

/** Time spent in each disk's operations (reads, writes, flushes), across the guest's reboots. */
export class DiskTimes {
  private readonly byHandle = new Map<number, [bigint, bigint, bigint]>();

  /** `io`, timing each operation against its disk. */
  timed(io: DiskIo): DiskIo {
    return (op, handle, offset, ram, iovecs, count) => {
      const start = process.hrtime.bigint();
      const result = io(op, handle, offset, ram, iovecs, count);
      const times = this.byHandle.get(handle) ?? [0n, 0n, 0n];
      // reads; writes, zeroing and deallocation; flushes
      const kind = op === BlockOp.READ ? 0 : op === BlockOp.FLUSH ? 2 : 1;
      times[kind] += process.hrtime.bigint() - start;
      this.byHandle.set(handle, times);
      return result;
    };
  }

  /** Nanoseconds spent reading, writing and flushing the disk. */
  of(handle: number): [number, number, number] {
    const [read, write, flush] = this.byHandle.get(handle) ?? [0n, 0n, 0n];
    return [Number(read), Number(write), Number(flush)];
  }
}

/** QEMU's order: take the bytes, then look for a holder that refuses what this one holds, or holds what it refuses. */
function lock(shim: DiskShim, handle: number, path: string, { hold, refuse }: { hold: number[]; refuse: number[] }): void {
  for (const byte of [...hold, ...refuse]) shim.lock(handle, byte);
  for (const byte of hold) {
    const permission = byte - HOLDS;
    if (shim.heldElsewhere(handle, REFUSES + permission)) throw conflict(`Failed to get "${PERMISSIONS[permission]}" lock`, path);
  }
  for (const byte of refuse) {
    const permission = byte - REFUSES;
    if (shim.heldElsewhere(handle, HOLDS + permission)) throw conflict(`Failed to get shared "${PERMISSIONS[permission]}" lock`, path);
  }
}

function conflict(what: string, source: string): Error {
  return new Error(`${what}: Is another process using the image [${source}]?`);
}
