// A qcow2 image's header (QEMU docs/interop/qcow2.txt; every number big-endian), read from the
// bytes of its first cluster and checked before any table is trusted. What this VMM cannot carry
// out is refused by name; the messages follow QEMU's where it has one.

export const MAGIC: u32 = 0x514649fb; // "QFI\xfb"
const V2_HEADER_BYTES: u32 = 72;
const V3_HEADER_BYTES: u32 = 104;
const EXT_END: u32 = 0;
const EXT_BACKING_FORMAT: u32 = 0xe2792aca;
const MAX_BACKING_NAME: u32 = 1023;
/** The most L1 entries this VMM caches (4 MiB of table: 256 TiB of guest at 64 KiB clusters). */
const MAX_L1_ENTRIES: u64 = 512 * 1024;

/** Incompatible feature bits (header offset 72). */
export const INCOMPAT_DIRTY: u64 = 1;
export const INCOMPAT_CORRUPT: u64 = 2;
const INCOMPAT_NAMES: string[] = ["dirty bit", "corrupt bit", "external data file", "compression type", "extended L2 entries"];

/** Big-endian loads (every qcow2 number is big-endian). */
export function be64(p: usize): u64 {
  return bswap<u64>(load<u64>(p));
}

export function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

export class Qcow2Header {
  version: u32 = 0;
  clusterBits: u32 = 0;
  size: u64 = 0;
  l1Entries: u32 = 0;
  l1Offset: u64 = 0;
  refcountTableOffset: u64 = 0;
  refcountTableClusters: u32 = 0;
  snapshots: u32 = 0;
  incompatible: u64 = 0;
  refcountOrder: u32 = 4;
  headerBytes: u32 = V2_HEADER_BYTES;
  backingName: string = "";
  /** The backing file's format from the header extension, "" when the image does not say. */
  backingFormat: string = "";
  /** Why the image cannot be used, "" when it can. */
  error: string = "";

  get clusterBytes(): u64 {
    return <u64>1 << this.clusterBits;
  }
}

function refused(h: Qcow2Header, message: string): Qcow2Header {
  h.error = message;
  return h;
}

/**
 * Reads a header from `len` bytes at ptr (the start of a file of fileBytes): with `whole`, the
 * image's first cluster, its extensions and backing file name read too; else only the fields.
 */
export function parseHeader(ptr: usize, len: u32, fileBytes: u64, whole: bool = true): Qcow2Header {
  const h = new Qcow2Header();
  if (len < V2_HEADER_BYTES || be32(ptr) != MAGIC) return refused(h, "Image is not in qcow2 format");
  h.version = be32(ptr + 4);
  if (h.version != 2 && h.version != 3) return refused(h, `Unsupported qcow2 version ${h.version}`);
  h.clusterBits = be32(ptr + 20);
  if (h.clusterBits < 9 || h.clusterBits > 21) return refused(h, `Unsupported cluster size: 2^${h.clusterBits}`);
  if (be32(ptr + 32) != 0) return refused(h, "encrypted qcow2 images are not supported");
  h.size = be64(ptr + 24);
  h.l1Entries = be32(ptr + 36);
  h.l1Offset = be64(ptr + 40);
  h.refcountTableOffset = be64(ptr + 48);
  h.refcountTableClusters = be32(ptr + 56);
  h.snapshots = be32(ptr + 60);
  if (h.version == 3) {
    if (len < V3_HEADER_BYTES) return refused(h, "qcow2 header too short");
    h.incompatible = be64(ptr + 72);
    h.refcountOrder = be32(ptr + 96);
    h.headerBytes = be32(ptr + 100);
    if (h.headerBytes < V3_HEADER_BYTES) return refused(h, "qcow2 header too short");
    if (<u64>h.headerBytes > h.clusterBytes) return refused(h, "qcow2 header exceeds cluster size");
    if (h.refcountOrder > 6) return refused(h, "Reference count entry width too large; may not exceed 64 bits");
  }
  const unsupported = h.incompatible & ~(INCOMPAT_DIRTY | INCOMPAT_CORRUPT);
  if (unsupported != 0) return refused(h, `Unsupported qcow2 feature(s): ${featureNames(unsupported)}`);
  const tableError = checkTables(h, fileBytes);
  if (tableError.length > 0) return refused(h, tableError);
  if (!whole) return h;
  const nameOffset = <u64>be64(ptr + 8);
  const nameBytes = be32(ptr + 16);
  if (nameOffset != 0) {
    if (nameBytes > MAX_BACKING_NAME) return refused(h, "Backing file name too long");
    if (nameOffset + <u64>nameBytes > <u64>len) return refused(h, "Invalid backing file offset");
    h.backingName = String.UTF8.decodeUnsafe(ptr + <usize>nameOffset, nameBytes);
  }
  const extensionsEnd = nameOffset != 0 ? <u32>nameOffset : len;
  const extensionError = readExtensions(h, ptr, extensionsEnd);
  if (extensionError.length > 0) return refused(h, extensionError);
  return h;
}

function featureNames(bits: u64): string {
  let names = "";
  for (let bit = 0; bit < 64; bit++) {
    if ((bits & (<u64>1 << bit)) == 0) continue;
    const name = bit < INCOMPAT_NAMES.length ? INCOMPAT_NAMES[bit] : `Unknown incompatible feature: ${bit}`;
    names += names.length > 0 ? `, ${name}` : name;
  }
  return names;
}

/** The L1 and refcount tables: aligned, inside the file, big enough for the image. */
function checkTables(h: Qcow2Header, fileBytes: u64): string {
  const cluster = h.clusterBytes;
  if (h.size > (<u64>1 << 56)) return "Image is too big";
  const l2Covers = (cluster / 8) * cluster;
  const needed = (h.size + l2Covers - 1) / l2Covers;
  if (<u64>h.l1Entries > MAX_L1_ENTRIES) return "Active L1 table too large";
  if (<u64>h.l1Entries < needed) return "L1 table is too small";
  if (h.l1Entries > 0 && (h.l1Offset % cluster != 0 || h.l1Offset == 0)) return "Invalid L1 table offset";
  if (h.l1Offset + <u64>h.l1Entries * 8 > fileBytes) return "L1 table is past the end of the image";
  if (h.refcountTableOffset % cluster != 0 || h.refcountTableOffset == 0) return "Invalid reference count table offset";
  if (h.refcountTableOffset + <u64>h.refcountTableClusters * cluster > fileBytes) return "Reference count table is past the end of the image";
  return "";
}

/** Header extensions {u32 type, u32 length, data padded to 8} from the header's end to `end`. */
function readExtensions(h: Qcow2Header, ptr: usize, end: u32): string {
  let at = h.headerBytes;
  while (at + 8 <= end) {
    const type = be32(ptr + <usize>at);
    const length = be32(ptr + <usize>at + 4);
    if (type == EXT_END) return "";
    if (length > end - at - 8) return "Invalid qcow2 header extension: it runs past the header";
    if (type == EXT_BACKING_FORMAT) h.backingFormat = String.UTF8.decodeUnsafe(ptr + <usize>at + 8, length);
    at += 8 + ((length + 7) & ~7);
  }
  return "";
}
