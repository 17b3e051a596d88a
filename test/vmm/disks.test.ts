// A VMM's disk images through the native shim (shim/disk.cc, src/vmm/disks.ts): the shim moves
// bytes between an image and "guest RAM" only at ranges inside it, and the QEMU-style lock bytes
// make two users of one image refuse each other as libvirt users expect — also against QEMU's
// own qemu-img where it is installed.
import test from "ava";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BlockOp, IOVEC_BYTES } from "../../src/host/core.js";
import { loadNativeShim } from "../../src/host/native.js";
import { closeDisks, openDisks, type DiskPlan } from "../../src/vmm/disks.js";
import { testIf } from "../support/gated.js";
import { tempDir } from "../support/temp.js";

const disk = loadNativeShim().disk;

function image(bytes = 8192): string {
  const path = join(tempDir("virtkit-disk"), "disk.raw");
  writeFileSync(path, Uint8Array.from({ length: bytes }, (_, i) => i & 0xff));
  return path;
}

/** A read-write disk as the core plans it: holds consistent read and write, shares write with no one. */
function plan(source: string, more: Partial<DiskPlan> = {}): DiskPlan {
  return { bus: 0, slot: 4, function: 0, target: "vda", source, format: "raw", readonly: false, writethrough: false, ignoreFlush: false, discard: false, direct: false, serial: "", backing: [], backingEnds: false, hold: [100, 101], refuse: [201], ...more };
}

function iovecs(ranges: [number, number][]): Uint8Array {
  const bytes = new Uint8Array(ranges.length * IOVEC_BYTES);
  const view = new DataView(bytes.buffer);
  ranges.forEach(([gpa, len], i) => {
    view.setFloat64(i * IOVEC_BYTES, gpa, true);
    view.setUint32(i * IOVEC_BYTES + 8, len, true);
  });
  return bytes;
}

test("the shim reads and writes an image at guest ranges, and refuses ranges outside guest RAM", (t) => {
  const path = image();
  const { handle, bytes } = disk.open(path, true, false);
  t.is(bytes, 8192);
  const ram = new ArrayBuffer(4096);
  const view = new Uint8Array(ram);
  t.is(disk.io(BlockOp.READ, handle, 512, ram, iovecs([[100, 10], [2000, 502]]), 2), 512);
  t.deepEqual([...view.subarray(100, 103)], [0, 1, 2], "byte 512 of the image is 512 & 0xff");
  t.is(view[2000], 10, "the second range continues at image byte 522");
  view.fill(0xee, 0, 512);
  t.is(disk.io(BlockOp.WRITE, handle, 4096, ram, iovecs([[0, 512]]), 1), 512);
  t.is(disk.io(BlockOp.FLUSH, handle, 0, ram, new Uint8Array(0), 0), 0);
  t.true(readFileSync(path).subarray(4096, 4608).every((b) => b === 0xee));
  t.is(disk.io(BlockOp.READ, handle, 0, ram, iovecs([[4000, 200]]), 1), -14, "EFAULT: past the end of guest RAM");
  t.is(disk.io(BlockOp.READ, handle, 8192, ram, iovecs([[0, 512]]), 1), -5, "EIO: past the end of the image");
  t.is(disk.io(BlockOp.ZERO, handle, 0, ram, new Uint8Array(0), 1024) === 0 || disk.io(BlockOp.DEALLOCATE, handle, 0, ram, new Uint8Array(0), 1024) === 0, true);
  t.true(readFileSync(path).subarray(0, 1024).every((b) => b === 0), "zeroed (or punched) bytes read back as zeros");
  disk.close(handle);
  t.throws(() => disk.io(BlockOp.FLUSH, handle, 0, ram, new Uint8Array(0), 0), { code: "EBADF" }, "only images the shim opened");
  const missing = t.throws(() => disk.open(join(path, "..", "missing.raw"), true, false), { code: "ENOENT" }) as NodeJS.ErrnoException;
  t.is(missing.syscall, "open");
});

test("an image one domain writes is refused to another, unless both share it", (t) => {
  const path = image();
  const first = openDisks(disk, [plan(path)]);
  t.throws(() => openDisks(disk, [plan(path)]), { message: `Failed to get "write" lock: Is another process using the image [${path}]?` });
  t.throws(() => openDisks(disk, [plan(path, { readonly: true, hold: [100], refuse: [201] })]), { message: `Failed to get shared "write" lock: Is another process using the image [${path}]?` }, "a reader that refuses writers");
  closeDisks(disk, first);
  const shared = [openDisks(disk, [plan(path, { refuse: [] })]), openDisks(disk, [plan(path, { refuse: [] })])];
  t.pass("<shareable/> on both: two writers");
  shared.forEach((d) => closeDisks(disk, d));
  const readers = [openDisks(disk, [plan(path, { readonly: true, hold: [100], refuse: [201] })]), openDisks(disk, [plan(path, { readonly: true, hold: [100], refuse: [201] })])];
  t.throws(() => openDisks(disk, [plan(path)]), { message: /Failed to get "write" lock/ }, "readers keep writers out");
  readers.forEach((d) => closeDisks(disk, d));
  closeDisks(disk, openDisks(disk, [plan(path)]));
});

test("a domain that fails to lock its second disk leaves the first closed and unlocked", (t) => {
  const [a, b] = [image(), image()];
  const holder = openDisks(disk, [plan(b)]);
  t.throws(() => openDisks(disk, [plan(a), plan(b)]));
  closeDisks(disk, holder);
  closeDisks(disk, openDisks(disk, [plan(a), plan(b)]));
  t.pass();
});

const qemuImg = spawnSync("qemu-img", ["--version"]).status === 0 ? undefined : "needs qemu-img (Debian's qemu-utils)";

testIf(qemuImg)("QEMU's own tools see a running domain's locks", (t) => {
  const path = image(1 << 20);
  const held = openDisks(disk, [plan(path)]);
  const write = spawnSync("qemu-io", ["-f", "raw", path, "-c", "read 0 512"], { encoding: "utf8" });
  t.not(write.status, 0);
  t.regex(write.stderr, /Failed to get "write" lock\nIs another process using the image/, "QEMU's words for the same conflict");
  t.regex(execFileSync("qemu-img", ["info", "-f", "raw", path], { encoding: "utf8" }), /virtual size: 1 MiB/, "a read-only look is allowed (QEMU 7 shares writing with readers)");
  closeDisks(disk, held);
  t.is(spawnSync("qemu-io", ["-f", "raw", path, "-c", "read 0 512"]).status, 0, "unlocked at close");
});

testIf(qemuImg)("an image QEMU holds for writing is refused to a domain", async (t) => {
  const path = image(1 << 20);
  // qemu-io keeps the image open read-write (QEMU's locks taken) until it reads "quit"
  const qemu = spawn("qemu-io", ["-f", "raw", path], { stdio: ["pipe", "pipe", "inherit"] });
  await new Promise<void>((resolve) => qemu.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("qemu-io>") && resolve()));
  try {
    // a writer that shares writing (QEMU's default for qemu-io) still keeps out whoever refuses it
    t.throws(() => openDisks(disk, [plan(path)]), { message: /Failed to get shared "write" lock/ });
    t.throws(() => openDisks(disk, [plan(path, { readonly: true, hold: [100], refuse: [201] })]), { message: /Failed to get shared "write" lock/ });
  } finally {
    qemu.stdin.end("quit\n");
    await new Promise((resolve) => qemu.on("exit", resolve));
  }
  closeDisks(disk, openDisks(disk, [plan(path)]));
});
