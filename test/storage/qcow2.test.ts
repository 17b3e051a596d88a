// qcow2 images as a guest reads them through virtio-blk (core-wasm/storage/qcow2/): images that
// qemu-img and qemu-io wrote (v2 and v3, small and default clusters, zero clusters, backing
// chains of raw and qcow2 files, a backing file smaller than the image above it, compressed
// clusters) read back byte for byte as `qemu-img convert -O raw` reads them, writes keep QEMU's
// check clean, and damaged or unsupported images are refused at open with their reason, every
// file of the chain closed again. The chain is opened by the VMM's own code (src/vmm/disks.ts)
// over node:fs; the core reads the metadata and maps each request.
import { closeSync, openSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import { constants, deflateRawSync } from "node:zlib";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openDisks } from "../../src/vmm/disks.js";
import { testIf } from "../support/gated.js";
import { CHUNK, fsShim, guestOn, plan } from "../support/qcow2-guest.js";
import { tempDir } from "../support/temp.js";
import { FakeGuest } from "../support/virtio-guest.js";

const qemuTest = testIf(spawnSync("qemu-img", ["--version"]).status === 0 && spawnSync("qemu-io", ["--version"]).status === 0 ? undefined : "needs qemu-img and qemu-io (Debian's qemu-utils)");
const SLOT = 4;
const qemuImg = (...args: string[]) => execFileSync("qemu-img", args, { encoding: "utf8" });
/** qemu-io's commands on an image (each -c), as QEMU itself writes them. */
const qemuIo = (format: string, path: string, ...commands: string[]) => execFileSync("qemu-io", ["-f", format, path, ...commands.flatMap((c) => ["-c", c])], { encoding: "utf8" });

/** What the guest should read: QEMU's own reading of the image, as a raw file. */
function qemuReads(path: string): Uint8Array {
  const raw = `${path}.expected.raw`;
  qemuImg("convert", "-O", "raw", path, raw);
  return readFileSync(raw);
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

qemuTest("a <backingStore> chain in the domain's XML is opened as given, over the image's own backing name; an empty one ends the chain", (t) => {
  const dir = tempDir("virtkit-qcow2");
  writeFileSync(join(dir, "base.raw"), new Uint8Array(1 << 20).fill(0x33));
  writeFileSync(join(dir, "other.raw"), new Uint8Array(1 << 20).fill(0x44));
  const top = join(dir, "top.qcow2");
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", "base.raw", "-F", "raw", top, "1M"], { cwd: dir });
  qemuIo("qcow2", top, "write -P 0x55 0 64k");
  const first = (g: ReturnType<typeof guestOn>) => [0, 65536].map((at) => g.readAt(at, 512)[1][0]);
  let g = guestOn(top);
  t.deepEqual(first(g), [0x55, 0x33], "the image's own backing file");
  g.close();
  g = guestOn(top, false, false, { backing: [{ format: "raw", path: join(dir, "other.raw") }], backingEnds: true });
  t.deepEqual(first(g), [0x55, 0x44], "the XML's backing file instead");
  t.deepEqual([...g.shim.open_].length, 2);
  g.close();
  g = guestOn(top, false, false, { backing: [], backingEnds: true });
  t.deepEqual(first(g), [0x55, 0], "no backing file: unallocated clusters read as zeros");
  t.is(g.disks[0].backing.length, 0);
  g.close();
});

/** The image's file with `bytes` written at `offset`. */
function patch(path: string, offset: number, bytes: number[]): void {
  const all = readFileSync(path);
  all.set(bytes, offset);
  writeFileSync(path, all);
}

const u64Bytes = (value: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(value);
  return b;
};

/** Guest cluster `index`'s L2 entry (its file offset and value) in an image of 64 KiB clusters. */
function compressedEntry(path: string, index: number): { at: number; value: bigint } {
  const l2 = be64At(path, be64At(path, 40)) & 0x00ff_ffff_ffff_fe00;
  const at = l2 + 8 * index;
  const fd = openSync(path, "r");
  const b = Buffer.alloc(8);
  readSync(fd, b, 0, 8, at);
  closeSync(fd);
  return { at, value: b.readBigUInt64BE() };
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
  writeFileSync(join(dir, "source.raw"), new Uint8Array(256 * 1024).fill(0x5a));
  qemuImg("convert", "-c", "-f", "raw", "-O", "qcow2", join(dir, "source.raw"), compressed);
  const entry = compressedEntry(compressed, 1);
  patch(compressed, entry.at, [...u64Bytes(entry.value | (1n << 63n))]);
  refused(compressed, /Compressed cluster in the L2 table at 0x[0-9a-f]+ has the copied flag set/, "a compressed cluster flagged as counted once");
  patch(compressed, entry.at, [...u64Bytes((entry.value & ~((1n << 54n) - 1n)) | 0x10000000n)]);
  refused(compressed, /Compressed cluster offset 0x10000000 in the L2 table at 0x[0-9a-f]+ is past the end of the image/, "a compressed stream past the end");
  // inside the file, but 201 sectors long from its last cluster's end: past the clusters the file has
  const lastSector = Math.floor((statSync(compressed).size - 1) / 512) * 512;
  patch(compressed, entry.at, [...u64Bytes((1n << 62n) | (200n << 54n) | BigInt(lastSector))]);
  refused(compressed, /Compressed cluster at 0x[0-9a-f]+ in the L2 table at 0x[0-9a-f]+ runs past the end of the image/, "a compressed stream whose sectors run past the last cluster");

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

/**
 * 4 MiB that compress in every way: text-like runs (dynamic codes), short patterns, noise that
 * does not compress (qemu-img then stores the cluster plain), zeros (left unallocated).
 */
function mixedContent(): Uint8Array {
  const bytes = new Uint8Array(4 << 20);
  const words = ["virtkit ", "domain ", "cluster ", "qcow2 ", "deflate ", "guest ", "refcount ", "sector "];
  const next = random(7);
  for (let at = 0; at < bytes.length; at += 64 * 1024) {
    const kind = (at >> 16) % 4;
    const end = at + 64 * 1024;
    if (kind === 0) for (let i = at; i < end; ) for (const c of words[Math.floor(next() * words.length)]) if (i < end) bytes[i++] = c.charCodeAt(0);
    if (kind === 1) for (let i = at; i < end; i++) bytes[i] = (i >> 7) & 0x0f;
    if (kind === 2) for (let i = at; i < end; i++) bytes[i] = Math.floor(next() * 256);
  }
  return bytes;
}

qemuTest("compressed images (qemu-img convert -c) read as QEMU reads them: 64 KiB, 4 KiB (v2) and 2 MiB clusters", (t) => {
  const dir = tempDir("virtkit-qcow2");
  const source = join(dir, "source.raw");
  writeFileSync(source, mixedContent());
  for (const options of ["cluster_size=65536", "compat=0.10,cluster_size=4096", "cluster_size=2097152"]) {
    const path = join(dir, `compressed-${options.replace(/\W/g, "_")}.qcow2`);
    qemuImg("convert", "-c", "-f", "raw", "-O", "qcow2", "-o", options, source, path);
    const g = guestOn(path);
    t.is(firstDifference(g.readAll(), qemuReads(path)), "", options);
    g.close();
  }
});

qemuTest("every kind of deflate block reads back (stored, fixed and dynamic codes); a damaged stream is an I/O error for its cluster only", (t) => {
  const dir = tempDir("virtkit-qcow2");
  const content = mixedContent().subarray(0, 1 << 20);
  writeFileSync(join(dir, "source.raw"), content);
  const path = join(dir, "streams.qcow2");
  qemuImg("convert", "-c", "-f", "raw", "-O", "qcow2", join(dir, "source.raw"), path);
  const cluster = (n: number) => content.subarray(n * 65536, (n + 1) * 65536);
  // guest clusters 0, 1, 4, 9: their streams replaced by zlib's, appended (unpadded) at the file's end
  const restream = (index: number, stream: Uint8Array) => {
    const at = statSync(path).size;
    writeFileSync(path, stream, { flag: "a" });
    const sectors = Math.ceil(((at % 512) + stream.length) / 512);
    patch(path, compressedEntry(path, index).at, [...u64Bytes((1n << 62n) | (BigInt(sectors - 1) << 54n) | BigInt(at))]);
  };
  restream(0, deflateRawSync(cluster(0), { level: 0 }));
  restream(1, deflateRawSync(cluster(1), { strategy: constants.Z_FIXED }));
  restream(4, deflateRawSync(cluster(4), { level: 9, memLevel: 9 }));
  // 4 KiB pieces, each a Huffman-coded block (short codes: a repeating pattern) ended by a sync
  // flush's empty stored block: bytes the decoder read ahead before a stored block are read again
  const pieces = Array.from({ length: 16 }, (_, i) => deflateRawSync(cluster(9).subarray(i * 4096, (i + 1) * 4096), { finishFlush: constants.Z_SYNC_FLUSH }));
  restream(9, Buffer.concat([...pieces, deflateRawSync(Buffer.alloc(0))]));
  const g = guestOn(path);
  t.is(firstDifference(g.readAll(), content), "", "stored, fixed, dynamic, and qemu-img's own");
  const broken = deflateRawSync(cluster(5));
  broken.fill(0xff, 100, 140);
  restream(5, broken);
  const h = guestOn(path);
  t.not(h.readAt(5 * 65536 + 4096, 4096)[0], 0, "the damaged cluster: an I/O error");
  t.deepEqual(h.readAt(4 * 65536, 65536), [0, cluster(4)], "the rest reads on");
  t.deepEqual(h.readAt(6 * 65536, 512), [0, cluster(6).subarray(0, 512)]);
  g.close();
  h.close();
});

qemuTest("writes, zeroes and discards over compressed clusters: each gets a cluster of its own, the streams are counted down, QEMU's check is clean", (t) => {
  const dir = tempDir("virtkit-qcow2");
  writeFileSync(join(dir, "source.raw"), mixedContent());
  for (const [options, cluster] of [["cluster_size=65536", 65536], ["compat=0.10,cluster_size=4096", 4096]] as const) {
    const path = join(dir, `written-${cluster}.qcow2`);
    qemuImg("convert", "-c", "-f", "raw", "-O", "qcow2", "-o", options, join(dir, "source.raw"), path);
    writeAndCompare(t, path, 4, 120, 3 * cluster, { cluster, discardZeroes: true });
  }
});

/** A deterministic sequence of numbers in [0, 1) (the same run every time). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** How a test image behaves: its cluster size, and whether a discarded whole cluster reads as zeros (v3, or no layer below). */
interface Layout {
  cluster: number;
  discardZeroes: boolean;
}

/**
 * Writes, write-zeroes (with and without unmap) and discards at random sector-aligned places
 * (within and across clusters), each mirrored into what QEMU read before (a discard zeroes the
 * whole clusters it covers where the image can say so, as QEMU's does); then QEMU's check finds
 * no error and no leak, and QEMU reads the image as the mirror.
 */
function writeAndCompare(t: import("ava").ExecutionContext, path: string, seed: number, steps: number, maxBytes: number, layout: Layout): void {
  const mirror = qemuReads(path);
  const g = guestOn(path, true, true);
  const next = random(seed);
  for (let i = 0; i < steps; i++) {
    const len = 512 * (1 + Math.floor(next() * (maxBytes / 512)));
    const offset = 512 * Math.floor(next() * ((mirror.length - len) / 512 + 1));
    const what = next();
    if (what < 0.15) {
      t.is(g.zeroAt(offset, len, what < 0.07), 0, `write-zeroes ${len}@${offset}`);
      mirror.fill(0, offset, offset + len);
    } else if (what < 0.25) {
      t.is(g.discardAt(offset, len), 0, `discard ${len}@${offset}`);
      const first = Math.ceil(offset / layout.cluster) * layout.cluster;
      const last = Math.floor((offset + len) / layout.cluster) * layout.cluster;
      if (layout.discardZeroes && first < last) mirror.fill(0, first, last);
    } else {
      const bytes = Uint8Array.from({ length: len }, (_, k) => (i * 31 + k) & 0xff);
      t.is(g.writeAt(offset, bytes), 0, `write ${len}@${offset}`);
      mirror.set(bytes, offset);
    }
  }
  t.is(g.flush(), 0);
  t.is(firstDifference(g.readAll(), mirror), "", "the guest reads back what it wrote");
  g.close();
  const check = spawnSync("qemu-img", ["check", "-f", "qcow2", path], { encoding: "utf8" });
  t.is(check.status, 0, check.stdout + check.stderr);
  t.regex(check.stdout, /No errors were found on the image/);
  t.notRegex(check.stdout, /leaked/);
  const expected = `${path}.mirror.raw`;
  writeFileSync(expected, mirror);
  const compare = spawnSync("qemu-img", ["compare", "-f", "qcow2", "-F", "raw", path, expected], { encoding: "utf8" });
  t.is(compare.status, 0, compare.stdout + compare.stderr);
}

qemuTest("writes, zeroes and discards on a v3 image: QEMU's check finds no error or leak, and QEMU reads what the guest wrote", (t) => {
  const path = join(tempDir("virtkit-qcow2"), "write-v3.qcow2");
  qemuImg("create", "-q", "-f", "qcow2", path, "8M");
  qemuIo("qcow2", path, "write -P 0x11 0 64k", "write -z 1M 128k");
  writeAndCompare(t, path, 1, 80, 200 * 1024, { cluster: 64 * 1024, discardZeroes: true });
});

qemuTest("writes, zeroes and discards on a v2 image of 512-byte clusters: new L2 tables and refcount blocks as the file grows", (t) => {
  const path = join(tempDir("virtkit-qcow2"), "write-v2.qcow2");
  qemuImg("create", "-q", "-f", "qcow2", "-o", "compat=0.10,cluster_size=512", path, "2M");
  writeAndCompare(t, path, 2, 100, 64 * 1024, { cluster: 512, discardZeroes: true });
});

qemuTest("writes to an overlay copy the rest of each new cluster from the layers below; the backing files stay as they were", (t) => {
  const dir = tempDir("virtkit-qcow2");
  const base = join(dir, "base.raw");
  writeFileSync(base, Uint8Array.from({ length: 3 << 20 }, (_, i) => (i >> 9) & 0xff));
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", "base.raw", "-F", "raw", join(dir, "mid.qcow2"), "4M"], { cwd: dir });
  qemuIo("qcow2", join(dir, "mid.qcow2"), "write -P 0x71 64k 64k");
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", join(dir, "top.qcow2"), "5M"], { cwd: dir });
  const before = [readFileSync(base), readFileSync(join(dir, "mid.qcow2"))];
  writeAndCompare(t, join(dir, "top.qcow2"), 3, 70, 24 * 1024, { cluster: 64 * 1024, discardZeroes: true });
  t.deepEqual([readFileSync(base), readFileSync(join(dir, "mid.qcow2"))], before);
});

qemuTest("a file that outgrows its refcount table gets a larger one: QEMU's check stays clean and reads what was written", (t) => {
  // 512-byte clusters: one table cluster names 64 blocks of 256 clusters, 8 MiB of file
  const path = join(tempDir("virtkit-qcow2"), "grow.qcow2");
  qemuImg("create", "-q", "-f", "qcow2", "-o", "cluster_size=512", path, "20M");
  const g = guestOn(path, true);
  const chunk = new Uint8Array(CHUNK);
  for (let at = 0; at < 20 << 20; at += CHUNK) t.is(g.writeAt(at, chunk.fill((at / CHUNK) & 0xff)), 0);
  g.close();
  const check = spawnSync("qemu-img", ["check", "-f", "qcow2", path], { encoding: "utf8" });
  t.is(check.status, 0, check.stdout + check.stderr);
  t.regex(check.stdout, /No errors were found on the image/);
  const header = readFileSync(path);
  t.deepEqual([header.readBigUInt64BE(48) > 512n, header.readUInt32BE(56)], [true, 4], `the table moved and grew to 4 clusters (20 MiB of file needs 3); file ${header.length} bytes`);
  const read = qemuReads(path);
  t.true([0, 5, 200, 319].every((n) => read[n * CHUNK] === (n & 0xff) && read[(n + 1) * CHUNK - 1] === (n & 0xff)));
});

const writer = fileURLToPath(new URL("../support/qcow2-writer.ts", import.meta.url));

/** Runs the writer on the image and kills it (SIGKILL) `afterMs` after it started writing. */
async function killMidWrite(path: string, seed: number, afterMs: number): Promise<void> {
  const child = spawn(process.execPath, ["--import", "tsx", writer, path, String(seed)], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  await new Promise<void>((resolve) => child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("WRITING") && resolve()));
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  child.kill("SIGKILL");
  await exited;
}

qemuTest("a VMM killed mid-write leaves an image that qemu-img check -r all repairs: leaks at most, never a corruption", async (t) => {
  const dir = tempDir("virtkit-qcow2");
  writeFileSync(join(dir, "base.raw"), Uint8Array.from({ length: 2 << 20 }, (_, i) => i & 0xff));
  const path = join(dir, "killed.qcow2");
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", "-b", "base.raw", "-F", "raw", path, "4M"], { cwd: dir });
  const created = statSync(path).size;
  for (const [i, afterMs] of [5, 30, 80, 150, 250, 400].entries()) {
    await killMidWrite(path, i + 1, afterMs);
    const repair = spawnSync("qemu-img", ["check", "-r", "all", "-f", "qcow2", path], { encoding: "utf8" });
    t.is(repair.status, 0, `killed after ${afterMs} ms: ${repair.stdout}${repair.stderr}`);
    t.notRegex(repair.stdout, /ERROR|[1-9]\d* corruptions/, `killed after ${afterMs} ms: nothing worse than leaks`);
    t.regex(spawnSync("qemu-img", ["check", "-f", "qcow2", path], { encoding: "utf8" }).stdout, /No errors were found on the image/);
  }
  t.true(statSync(path).size > created + (1 << 20), "the writers did write (the image grew by more than 1 MiB)");
});
