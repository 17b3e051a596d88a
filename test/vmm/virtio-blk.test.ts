// virtio-blk on PCI (core-wasm/vmm/virtio/blk.ts) driven as Linux's virtio_blk drives it, over
// fake guest RAM and a real raw image: reads and writes land at the right offsets in whole
// sectors, flushes reach the file, the device refuses what it must (outside the disk, writes to
// a read-only disk, unknown requests) with the status byte, and a chain with nowhere to report
// breaks only its queue. The core lists guest ranges; the bytes move in block_io (here node:fs).
import test from "ava";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { VmmEvent } from "../../src/host/core-abi.gen.js";
import { fileDisk, type FileDisk } from "../support/file-disk.js";
import { tempDir } from "../support/temp.js";
import { DATA, FakeGuest, NEEDS_RESET, USED, type GuestBuffer } from "../support/virtio-guest.js";

const SLOT = 4;
const SECTOR = 512;
const DISK_BYTES = 64 * SECTOR;
const [IN, OUT, FLUSH, GET_ID, DISCARD, WRITE_ZEROES] = [0, 1, 4, 8, 11, 13];
const [OK, IOERR, UNSUPP] = [0, 1, 2];
const [READONLY, WRITETHROUGH, IGNORE_FLUSH, DISCARD_UNMAP] = [1, 2, 4, 8];
const F = { SEG_MAX: 1 << 2, RO: 1 << 5, BLK_SIZE: 1 << 6, FLUSH: 1 << 9, CONFIG_WCE: 1 << 11, DISCARD: 1 << 13, WRITE_ZEROES: 1 << 14 };
const [HEADER, STATUS, PAYLOAD] = [DATA, DATA + 0x100, DATA + 0x1000];

/** A disk of 64 sectors, sector n filled with the byte n + 1. */
function image(): string {
  const path = join(tempDir("virtkit-blk"), "disk.raw");
  const bytes = new Uint8Array(DISK_BYTES);
  for (let s = 0; s < 64; s++) bytes.fill(s + 1, s * SECTOR, (s + 1) * SECTOR);
  writeFileSync(path, bytes);
  return path;
}

class BlkGuest extends FakeGuest {
  readonly disk: FileDisk;
  readonly fd: number;

  constructor(
    readonly path: string,
    flags = 0,
    serial = "",
  ) {
    const fd = openSync(path, "r+");
    super(SLOT, { kind: "virtio-blk", disk: { handle: fd, bytes: DISK_BYTES, flags, serial } });
    this.fd = fd;
    this.disk = fileDisk();
    this.core.blockIo = this.disk.io;
  }

  close(): void {
    closeSync(this.fd);
  }

  probed(): this {
    this.probe(SLOT);
    return this;
  }

  /** A request: its header, the chain's other buffers, the status byte; returns [status, used length]. */
  request(type: number, sector: number, middle: GuestBuffer[], head = 0): [number, number] {
    this.view.setUint32(HEADER, type, true);
    this.view.setUint32(HEADER + 4, 0, true);
    this.view.setBigUint64(HEADER + 8, BigInt(sector), true);
    this.ram[STATUS] = 0xff;
    const before = this.view.getUint16(USED + 2, true);
    this.post([[HEADER, 16, false], ...middle, [STATUS, 1, true]], head);
    const index = this.view.getUint16(USED + 2, true);
    if (index === before) return [-1, -1];
    const element = USED + 4 + 8 * ((index - 1) % 8);
    return [this.ram[STATUS], this.view.getUint32(element + 4, true)];
  }

  fileBytes(from: number, len: number): Uint8Array {
    return readFileSync(this.path).subarray(from, from + len);
  }
}

function setUp(flags = 0, serial = ""): BlkGuest {
  const g = new BlkGuest(image(), flags, serial);
  g.setUp(SLOT, F.FLUSH | F.BLK_SIZE | F.SEG_MAX);
  return g;
}

test("the function is a virtio block device that says its size, segments and sector size", (t) => {
  const g = new BlkGuest(image());
  t.is(g.config(SLOT, 0x00), 0x1042_1af4, "device 0x1040 + 2 (block)");
  t.is(g.config(SLOT, 0x08) >>> 8, 0x010000, "SCSI storage class, as QEMU's virtio-blk-pci");
  g.probe(SLOT);
  t.true(g.caps.has(4), "a device configuration structure");
  t.is(g.deviceConfig(0), 64, "capacity in sectors (low word)");
  t.is(g.deviceConfig(4), 0, "(high word)");
  t.is(g.deviceConfig(12), 254, "seg_max");
  t.is(g.deviceConfig(20), SECTOR, "blk_size");
  t.is(g.deviceConfig(32, 1), 1, "write-back cache");
  t.is(Number(g.offered() & 0xffffffffn), F.SEG_MAX | F.BLK_SIZE | F.FLUSH | F.CONFIG_WCE | F.WRITE_ZEROES);
  t.is(Number(new BlkGuest(g.path, READONLY).probed().offered() & 0xffffffffn), F.SEG_MAX | F.BLK_SIZE | F.FLUSH | F.CONFIG_WCE | F.RO, "read-only: RO, no write zeroes");
  t.true((new BlkGuest(g.path, DISCARD_UNMAP).probed().offered() & BigInt(F.DISCARD)) !== 0n, "discard='unmap' offers DISCARD");
  t.is(new BlkGuest(g.path, WRITETHROUGH).probed().deviceConfig(32, 1), 0, "cache='writethrough': no write-back");
});

test("a read fills the guest's buffers from the image at its sector, however the driver splits them", (t) => {
  const g = setUp();
  t.deepEqual(g.request(IN, 2, [[PAYLOAD, 2 * SECTOR]]), [OK, 2 * SECTOR + 1], "used length: the data and the status byte");
  t.true(g.ram.subarray(PAYLOAD, PAYLOAD + SECTOR).every((b) => b === 3), "sector 2");
  t.true(g.ram.subarray(PAYLOAD + SECTOR, PAYLOAD + 2 * SECTOR).every((b) => b === 4), "sector 3");
  t.deepEqual(g.disk.log, [`read 1024@1024`], "one read for the whole request");
  t.is(g.core.vmmEvents() & VmmEvent.MSI, VmmEvent.MSI, "and an interrupt");
  // the header in two pieces, the data in odd pieces, the status sharing the last data buffer
  g.ram.fill(0, PAYLOAD, PAYLOAD + 0x1000);
  g.view.setUint32(HEADER, IN, true);
  g.view.setBigUint64(HEADER + 8, 10n, true);
  g.post([[HEADER, 8, false], [HEADER + 8, 8, false], [PAYLOAD, 100], [PAYLOAD + 0x200, SECTOR - 100 + 1]], 3);
  t.is(g.ram[PAYLOAD + 0x200 + SECTOR - 100], OK, "status: the chain's last byte");
  t.true(g.ram.subarray(PAYLOAD, PAYLOAD + 100).every((b) => b === 11));
  t.true(g.ram.subarray(PAYLOAD + 0x200, PAYLOAD + 0x200 + SECTOR - 100).every((b) => b === 11));
});

test("a write reaches the image; a flush reaches the disk; GET_ID gives the serial", (t) => {
  const g = setUp(0, "WD-0123456789");
  g.ram.fill(0xab, PAYLOAD, PAYLOAD + SECTOR);
  t.deepEqual(g.request(OUT, 5, [[PAYLOAD, SECTOR, false]]), [OK, 1]);
  t.true(g.fileBytes(5 * SECTOR, SECTOR).every((b) => b === 0xab));
  t.is(g.fileBytes(6 * SECTOR, 1)[0], 7, "the next sector untouched");
  t.deepEqual(g.request(FLUSH, 0, []), [OK, 1]);
  t.deepEqual(g.disk.log, ["write 512@2560", "flush"]);
  t.deepEqual(g.request(GET_ID, 0, [[PAYLOAD, 20]]), [OK, 21]);
  t.is(Buffer.from(g.ram.subarray(PAYLOAD, PAYLOAD + 20)).toString("latin1"), "WD-0123456789\0\0\0\0\0\0\0");
});

test("cache modes: writethrough flushes after each write, unsafe never flushes; the guest may turn write-back off", (t) => {
  const through = setUp(WRITETHROUGH);
  through.request(OUT, 1, [[PAYLOAD, SECTOR, false]]);
  t.deepEqual(through.disk.log, ["write 512@512", "flush"]);
  const unsafe = setUp(IGNORE_FLUSH);
  t.deepEqual(unsafe.request(FLUSH, 0, []), [OK, 1]);
  t.deepEqual(unsafe.disk.log, [], "acknowledged without syncing");
  const g = setUp();
  g.deviceConfig(32, 1, 0);
  t.is(g.deviceConfig(32, 1), 0);
  g.request(OUT, 1, [[PAYLOAD, SECTOR, false]]);
  t.deepEqual(g.disk.log, ["write 512@512", "flush"], "the guest chose write-through");
});

test("what the device must refuse gets IOERR or UNSUPP, and the image keeps its bytes", (t) => {
  const g = setUp();
  const before = readFileSync(g.path);
  t.deepEqual(g.request(IN, 63, [[PAYLOAD, 2 * SECTOR]]), [IOERR, 1], "a read past the end");
  t.deepEqual(g.request(OUT, 64, [[PAYLOAD, SECTOR, false]]), [IOERR, 1], "a write past the end");
  t.deepEqual(g.request(IN, 0, [[PAYLOAD, 100]]), [IOERR, 1], "not whole sectors");
  t.deepEqual(g.request(IN, 2 ** 40, [[PAYLOAD, SECTOR]]), [IOERR, 1], "a sector far away");
  t.deepEqual(g.request(99, 0, []), [UNSUPP, 1], "an unknown request type");
  t.deepEqual(g.disk.log, [], "none reached the file");
  g.disk.failNext = 5;
  t.deepEqual(g.request(IN, 0, [[PAYLOAD, SECTOR]]), [IOERR, 1], "the host's EIO");
  const ro = new BlkGuest(g.path, READONLY);
  ro.setUp(SLOT, F.RO);
  t.deepEqual(ro.request(OUT, 0, [[PAYLOAD, SECTOR, false]]), [IOERR, 1], "a write to a read-only disk");
  t.deepEqual(ro.request(WRITE_ZEROES, 0, [[PAYLOAD, 16, false]]), [IOERR, 1]);
  t.deepEqual(readFileSync(g.path), before);
  t.is(g.view.getUint16(USED + 2, true), 6, "every request came back");
});

test("write zeroes and discard act on one segment; discard only when the domain asks for unmap", (t) => {
  const segment = (g: BlkGuest, sector: number, sectors: number, flags = 0) => {
    g.view.setBigUint64(PAYLOAD, BigInt(sector), true);
    g.view.setUint32(PAYLOAD + 8, sectors, true);
    g.view.setUint32(PAYLOAD + 12, flags, true);
  };
  const g = setUp();
  segment(g, 3, 2);
  t.deepEqual(g.request(WRITE_ZEROES, 0, [[PAYLOAD, 16, false]]), [OK, 1]);
  t.true(g.fileBytes(3 * SECTOR, 2 * SECTOR).every((b) => b === 0));
  t.is(g.fileBytes(5 * SECTOR, 1)[0], 6);
  t.deepEqual(g.request(DISCARD, 0, [[PAYLOAD, 16, false]]), [UNSUPP, 1], "DISCARD was not offered");
  segment(g, 10, 1, 1);
  g.request(WRITE_ZEROES, 0, [[PAYLOAD, 16, false]]);
  t.deepEqual(g.disk.log, ["zero 1024@1536", "zero 512@5120"], "unmap asked, but the domain did not allow it");
  const unmap = setUp(DISCARD_UNMAP);
  segment(unmap, 10, 1, 1);
  unmap.request(WRITE_ZEROES, 0, [[PAYLOAD, 16, false]]);
  segment(unmap, 20, 4);
  t.deepEqual(unmap.request(DISCARD, 0, [[PAYLOAD, 16, false]]), [OK, 1]);
  unmap.disk.failNext = 95; // EOPNOTSUPP: a file system that cannot deallocate
  t.deepEqual(unmap.request(DISCARD, 0, [[PAYLOAD, 16, false]]), [OK, 1], "discard is advisory");
  t.deepEqual(unmap.disk.log, ["deallocate 512@5120", "deallocate 2048@10240", "deallocate 2048@10240"]);
  unmap.disk.failNext = 95;
  segment(unmap, 30, 1);
  t.deepEqual(unmap.request(WRITE_ZEROES, 0, [[PAYLOAD, 16, false]]), [OK, 1], "zeroing falls back to a hole");
  t.deepEqual(unmap.disk.log.slice(3), ["zero 512@15360", "deallocate 512@15360"]);
  segment(unmap, 60, 8);
  t.deepEqual(unmap.request(DISCARD, 0, [[PAYLOAD, 16, false]]), [IOERR, 1], "a range past the end");
});

test("a chain with no status byte breaks the queue (DEVICE_NEEDS_RESET), not the VMM", (t) => {
  const g = setUp();
  g.post([[HEADER, 16, false], [PAYLOAD, SECTOR, false]]);
  t.is(g.common(20, 1) & NEEDS_RESET, NEEDS_RESET);
  t.is(g.view.getUint16(USED + 2, true), 0);
  const h = setUp();
  h.post([[HEADER, 16, false], [STATUS, 1, true], [PAYLOAD, SECTOR, false]]);
  t.is(h.common(20, 1) & NEEDS_RESET, NEEDS_RESET, "a buffer the device reads after one it writes");
  h.setUp(SLOT, F.FLUSH);
  t.deepEqual(h.request(IN, 0, [[PAYLOAD, SECTOR]]), [OK, SECTOR + 1], "works again after the reset");
});

test("without a host to run disk operations the request fails with IOERR", (t) => {
  const g = setUp();
  g.core.blockIo = undefined;
  t.deepEqual(g.request(IN, 0, [[PAYLOAD, SECTOR]]), [IOERR, 1]);
});
