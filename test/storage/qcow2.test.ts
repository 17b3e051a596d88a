// qcow2 images as a guest reads them through virtio-blk (core-wasm/storage/qcow2/): images that
// qemu-img and qemu-io wrote (v2 and v3, small and default clusters, zero clusters, backing
// chains of raw and qcow2 files, a backing file smaller than the image above it) read back byte
// for byte as `qemu-img convert -O raw` reads them; damaged or unsupported images are refused at
// open with their reason, every file of the chain closed again. The chain is opened by the VMM's
// own code (src/vmm/disks.ts) over node:fs; the core reads the metadata and maps each request.
import { closeSync, fstatSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import type { DiskShim } from "../../src/host/native.js";
import { closeDisks, openDisks, type DiskPlan, type OpenedDisk } from "../../src/vmm/disks.js";
import { fileDisk } from "../support/file-disk.js";
import { testIf } from "../support/gated.js";
import { tempDir } from "../support/temp.js";
import { DATA, FakeGuest } from "../support/virtio-guest.js";

const qemuTest = testIf(spawnSync("qemu-img", ["--version"]).status === 0 && spawnSync("qemu-io", ["--version"]).status === 0 ? undefined : "needs qemu-img and qemu-io (Debian's qemu-utils)");
const SLOT = 4;
const READONLY = 1;
const F_FLUSH = 1 << 9;
const [HEADER, STATUS, PAYLOAD] = [DATA, DATA + 0x100, DATA + 0x1000];
const CHUNK = 64 * 1024;

const qemuImg = (...args: string[]) => execFileSync("qemu-img", args, { encoding: "utf8" });
/** qemu-io's commands on an image (each -c), as QEMU itself writes them. */
const qemuIo = (format: string, path: string, ...commands: string[]) => execFileSync("qemu-io", ["-f", format, path, ...commands.flatMap((c) => ["-c", c])], { encoding: "utf8" });

/** What the guest should read: QEMU's own reading of the image, as a raw file. */
function qemuReads(path: string): Uint8Array {
  const raw = `${path}.expected.raw`;
  qemuImg("convert", "-O", "raw", path, raw);
  return readFileSync(raw);
}

/** The disk shim over node:fs, counting the files it holds open. */
function fsShim(): DiskShim & { open_: Set<number> } {
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

function plan(source: string): DiskPlan {
  return { bus: 0, slot: SLOT, function: 0, target: "vda", source, format: "qcow2", readonly: true, writethrough: false, ignoreFlush: false, discard: false, direct: false, serial: "", hold: [100], refuse: [201] };
}

/** A guest with a read-only virtio disk whose image the VMM's code opened on the core first. */
class Qcow2Guest extends FakeGuest {
  shim!: ReturnType<typeof fsShim>;
  disks: OpenedDisk[] = [];

  /** Reads len bytes at offset with one request, its data in three buffers of odd sizes: [status, bytes]. */
  readAt(offset: number, len: number): [number, Uint8Array] {
    const a = Math.min(len, 1536);
    const b = Math.min(len - a, 2560);
    const buffers: [number, number, boolean][] = [[PAYLOAD, a, true]];
    if (b > 0) buffers.push([PAYLOAD + a, b, true]);
    if (len - a - b > 0) buffers.push([PAYLOAD + a + b, len - a - b, true]);
    this.view.setUint32(HEADER, 0, true);
    this.view.setUint32(HEADER + 4, 0, true);
    this.view.setBigUint64(HEADER + 8, BigInt(offset / 512), true);
    this.ram[STATUS] = 0xff;
    this.ram.fill(0xee, PAYLOAD, PAYLOAD + len);
    this.post([[HEADER, 16, false], ...buffers, [STATUS, 1, true]]);
    return [this.ram[STATUS], this.ram.slice(PAYLOAD, PAYLOAD + len)];
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

/** A guest on the image at path; throws what opening the image threw. */
function guestOn(path: string): Qcow2Guest {
  const shim = fsShim();
  const disk = { handle: -1, bytes: 0, flags: READONLY, serial: "" };
  let disks: OpenedDisk[] = [];
  const g = new Qcow2Guest(SLOT, { kind: "virtio-blk", disk }, (core) => {
    core.blockIo = shim.io;
    disks = openDisks(shim, [plan(path)], core);
    Object.assign(disk, { handle: disks[0].disk.handle, bytes: disks[0].disk.bytes });
  });
  g.shim = shim;
  g.disks = disks;
  g.setUp(SLOT, F_FLUSH);
  return g;
}

/** Whether two byte arrays are equal; else where the first difference is, for the message. */
function firstDifference(a: Uint8Array, b: Uint8Array): string {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  const i = a.findIndex((v, k) => v !== b[k]);
  return i < 0 ? "" : `byte ${i}: ${a[i]} vs ${b[i]}`;
}

qemuTest("a v3 image with 64 KiB clusters reads as QEMU reads it: data, zero clusters, unallocated clusters", (t) => {
  const path = join(tempDir("virtkit-qcow2"), "v3.qcow2");
  qemuImg("create", "-q", "-f", "qcow2", path, "8M");
  qemuIo("qcow2", path, "write -P 0x11 0 64k", "write -P 0x22 1M 4k", "write -P 0x33 1048064 1k", "write -P 0x44 3M 256k", "write -z 3200k 128k", "write -P 0x55 8372224 16k");
  const g = guestOn(path);
  t.is(g.capacity(), 8 << 20);
  t.is(firstDifference(g.readAll(), qemuReads(path)), "");
  // a request across data, a zero cluster and unallocated space, in one go
  const [status, bytes] = g.readAt((3 << 20) + 64 * 1024, 256 * 1024);
  t.is(status, 0);
  t.deepEqual([bytes[0], bytes[64 * 1024 - 1], bytes[64 * 1024], bytes[192 * 1024]], [0x44, 0x44, 0, 0]);
  g.close();
  t.deepEqual([...g.shim.open_], [], "every file closed");
});

qemuTest("a v2 image with 512-byte clusters (many L2 tables) reads as QEMU reads it", (t) => {
  const path = join(tempDir("virtkit-qcow2"), "v2.qcow2");
  qemuImg("create", "-q", "-f", "qcow2", "-o", "compat=0.10,cluster_size=512", path, "2M");
  qemuIo("qcow2", path, "write -P 0x61 0 1536", "write -P 0x62 300k 100k", "write -P 0x63 2096640 512");
  const g = guestOn(path);
  t.is(firstDifference(g.readAll(), qemuReads(path)), "");
  g.close();
});

qemuTest("a chain: qcow2 over qcow2 over a smaller raw file reads through every layer, zeros past the raw file's end", (t) => {
  const dir = tempDir("virtkit-qcow2");
  const base = join(dir, "base.raw");
  writeFileSync(base, Uint8Array.from({ length: 3 << 20 }, (_, i) => (i >> 9) & 0xff));
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", "base.raw", "-F", "raw", join(dir, "mid.qcow2"), "4M"], { cwd: dir });
  qemuIo("qcow2", join(dir, "mid.qcow2"), "write -P 0x71 64k 64k", "write -P 0x72 3M 64k");
  // the top names its backing file relative to its own directory, from elsewhere
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", "-b", "mid.qcow2", "-F", "qcow2", join(dir, "top.qcow2"), "5M"], { cwd: dir });
  qemuIo("qcow2", join(dir, "top.qcow2"), "write -P 0x81 68k 8k", "write -z 1M 8k", "write -P 0x82 4608k 4k");
  const g = guestOn(join(dir, "top.qcow2"));
  t.is(g.capacity(), 5 << 20);
  t.is(g.disks[0].backing.length, 2, "both files below are open");
  t.is(firstDifference(g.readAll(), qemuReads(join(dir, "top.qcow2"))), "");
  g.close();
  t.deepEqual([...g.shim.open_], [], "every file of the chain closed");
});

/** The image's file with `bytes` written at `offset`. */
function patch(path: string, offset: number, bytes: number[]): void {
  const all = readFileSync(path);
  all.set(bytes, offset);
  writeFileSync(path, all);
}

/** The u64 at offset of a file (big-endian), as qcow2 stores its numbers. */
function be64At(path: string, offset: number): number {
  const fd = openSync(path, "r");
  const b = Buffer.alloc(8);
  readSync(fd, b, 0, 8, offset);
  closeSync(fd);
  return Number(b.readBigUint64BE());
}

qemuTest("images that cannot be read are refused when the disk opens, with the reason, every file closed", (t) => {
  const dir = tempDir("virtkit-qcow2");
  const refused = (path: string, message: string | RegExp, why: string) => {
    const shim = fsShim();
    const g = new FakeGuest(SLOT);
    g.core.blockIo = shim.io;
    t.throws(() => openDisks(shim, [plan(path)], g.core), { message }, why);
    t.deepEqual([...shim.open_], [], `${why}: every file closed`);
  };
  const raw = join(dir, "plain.raw");
  writeFileSync(raw, new Uint8Array(65536));
  refused(raw, `Could not open '${raw}': Image is not in qcow2 format`, "a raw file called qcow2");

  const compressed = join(dir, "compressed.qcow2");
  const source = join(dir, "source.qcow2");
  qemuImg("create", "-q", "-f", "qcow2", source, "1M");
  qemuIo("qcow2", source, "write -P 0x5a 0 256k");
  qemuImg("convert", "-c", "-O", "qcow2", source, compressed);
  refused(compressed, `Could not open '${compressed}': compressed qcow2 clusters are not supported`, "compressed clusters");

  const damaged = join(dir, "damaged.qcow2");
  qemuImg("create", "-q", "-f", "qcow2", damaged, "1M");
  qemuIo("qcow2", damaged, "write -P 1 0 4k");
  const l1 = be64At(damaged, 40);
  patch(damaged, l1, [0x80, 0, 0, 0, 0x10, 0, 0, 0]);
  refused(damaged, /L2 table offset 0x10000000 in L1 entry 0 is past the end of the image/, "an L1 entry past the end");

  const base = join(dir, "base.raw");
  writeFileSync(base, new Uint8Array(1 << 20));
  const noFormat = join(dir, "noformat.qcow2");
  qemuImg("create", "-q", "-f", "qcow2", "-b", base, "-F", "raw", noFormat);
  // the backing format extension (0xE2792ACA) becomes one no one knows, which readers skip
  const header = readFileSync(noFormat);
  const at = header.indexOf(Buffer.from([0xe2, 0x79, 0x2a, 0xca]));
  patch(noFormat, at, [0x12, 0x34, 0x56, 0x78]);
  refused(noFormat, `format of backing image '${base}' of image '${noFormat}' was not specified in the image metadata (See https://libvirt.org/kbase/backing_chains.html for troubleshooting)`, "no backing format");

  const loop = join(dir, "loop.qcow2");
  qemuImg("create", "-q", "-f", "qcow2", loop, "1M");
  qemuImg("rebase", "-u", "-f", "qcow2", "-b", loop, "-F", "qcow2", loop);
  refused(loop, `backing store for ${loop} (${loop}) is self-referential`, "an image that backs itself");

  const missing = join(dir, "orphan.qcow2");
  qemuImg("create", "-q", "-f", "qcow2", "-b", join(dir, "gone.raw"), "-F", "raw", "-u", missing, "1M");
  refused(missing, /ENOENT/, "a backing file that is not there");
});
