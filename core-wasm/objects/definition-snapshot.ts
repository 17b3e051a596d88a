// A hosted node's persistent definitions as one blob the core reads back without parsing any XML:
// what a process opening a node with many definitions loads instead of re-reading and ruling each
// file (the host decides when the blob still matches the files; src/drivers/hosted/
// definition-snapshot.ts). A record holds a Definition's fields as Definition.fromDoc captured
// them, so loading one is copying, not parsing.
//
// Layout (the ABI's encoding: little-endian, strings as a u32 length then UTF-8):
//   magic, version, count, then per domain: name, uuid, memory KiB (f64), current memory KiB
//   (f64), max vCPUs, vCPUs, weight, OS type, on_reboot, canonical XML, has public XML (0/1)
//   and then that XML; last, an FNV-1a hash of everything before it.
import { Code, From, beginError } from "../errors";
import { WireReader, WireWriter } from "../abi/wire";
import { Definition } from "./definition";
import { DomainList } from "./domain-list";

const MAGIC: i32 = 0x5344_4b56; // "VKDS"
const VERSION: i32 = 1;

function fnv1a(ptr: usize, len: i32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i = 0; i < len; i++) h = (h ^ <u32>load<u8>(ptr + <usize>i)) * 0x01000193;
  return h;
}

/** Appends every persistent domain's configuration (its next boot's definition) to out. */
export function writeDefinitions(list: DomainList, out: WireWriter): void {
  const start = out.length;
  out.putI32(MAGIC);
  out.putI32(VERSION);
  const countAt = out.beginList();
  let count = 0;
  for (let i = 0; i < list.objects.length; i++) {
    const obj = list.objects[i];
    if (obj === null || !obj.persistent) continue;
    const def = obj.config;
    out.putString(def.nameUtf8);
    out.putUuid(def.uuidHi, def.uuidLo);
    out.putF64(<f64>def.memoryKiB);
    out.putF64(<f64>def.currentKiB);
    out.putI32(def.maxVcpus);
    out.putI32(def.vcpus);
    out.putI32(<i32>def.weight);
    out.putString(String.UTF8.encode(def.osType));
    out.putString(String.UTF8.encode(def.onReboot));
    out.putString(def.xml);
    out.putBool(def.publicXml !== null);
    if (def.publicXml !== null) out.putString(def.publicXml!);
    count++;
  }
  out.endList(countAt, count);
  out.putI32(<i32>fnv1a(out.ptr + <usize>start, out.length - start));
}

const reader = new WireReader();

function bytesAt(r: WireReader): ArrayBuffer {
  const n = r.length();
  const at = r.skip(n);
  const out = new ArrayBuffer(n);
  if (r.ok) memory.copy(changetype<usize>(out), at, <usize>n);
  return out;
}

/** A length-prefixed UTF-8 string, decoded where it lies. */
function textAt(r: WireReader): string {
  const n = r.length();
  const at = r.skip(n);
  return r.ok ? String.UTF8.decodeUnsafe(at, <usize>n) : "";
}

function i32At(r: WireReader): i32 {
  return load<i32>(r.skip(4));
}

/** A KiB count written as an f64 (0, with ok cleared, when it is not one: a conversion would trap). */
function kibAt(r: WireReader): u64 {
  const v = load<f64>(r.skip(8));
  if (v >= 0 && v <= 9007199254740991) return <u64>v;
  r.ok = false;
  return 0;
}

function uuidHalfAt(r: WireReader): u64 {
  return bswap<u64>(load<u64>(r.skip(8)));
}

function corrupt(): Array<Definition> | null {
  beginError(Code.INTERNAL_ERROR, From.NONE).str("the definitions snapshot is damaged");
  return null;
}

/**
 * The definitions in a blob writeDefinitions wrote (len bytes at ptr), or null with the error
 * set when it is not one: nothing is taken from a damaged blob.
 */
export function readDefinitions(ptr: usize, len: i32): Array<Definition> | null {
  if (len < 16 || <i32>fnv1a(ptr, len - 4) != load<i32>(ptr + <usize>(len - 4))) return corrupt();
  const r = reader.reset(ptr, len - 4);
  if (i32At(r) != MAGIC || i32At(r) != VERSION) return corrupt();
  const count = i32At(r);
  const defs = new Array<Definition>();
  for (let i = 0; i < count && r.ok; i++) {
    const def = new Definition();
    def.nameUtf8 = bytesAt(r);
    def.name = String.UTF8.decode(def.nameUtf8);
    def.uuidHi = uuidHalfAt(r);
    def.uuidLo = uuidHalfAt(r);
    def.memoryKiB = kibAt(r);
    def.currentKiB = kibAt(r);
    def.maxVcpus = i32At(r);
    def.vcpus = i32At(r);
    def.weight = <u32>i32At(r);
    def.osType = textAt(r);
    def.onReboot = textAt(r);
    def.xml = bytesAt(r);
    if (i32At(r) != 0) def.publicXml = bytesAt(r);
    defs.push(def);
  }
  if (!r.ok || r.pos != r.end) return corrupt();
  return defs;
}
