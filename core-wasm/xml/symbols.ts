// Interned element and attribute names. Every name the core knows gets a fixed id at start-up
// (names.gen.ts lists them); names met only in a user's document get temporary ids that are
// dropped when the next document is parsed, so unknown names cannot grow memory without bound.
import { ByteBuf } from "../util/bytes";
import { IntVec } from "../util/intvec";
import { SYMBOL_NAMES } from "./names.gen";

const names = new ByteBuf(16384);
const nameOff = new IntVec(1024);
const nameLen = new IntVec(1024);
let slots = new IntVec(4096); // open addressing: symbol id + 1, 0 = empty
let slotMask: i32 = 4095;
const tempSlots = new IntVec(64);
let permanentCount: i32 = 0;

@inline function hashBytes(p: usize, len: i32): u32 {
  let h: u32 = 2166136261;
  for (let i = 0; i < len; i++) h = (h ^ <u32>load<u8>(p + <usize>i)) * 16777619;
  return h;
}

@inline function sameBytes(a: usize, b: usize, len: i32): bool {
  for (let i = 0; i < len; i++) if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  return true;
}

function lookup(p: usize, len: i32, h: u32): i32 {
  let s = <i32>(h & <u32>slotMask);
  while (true) {
    const v = slots.get(s);
    if (v == 0) return -1 - s;
    const id = v - 1;
    if (nameLen.get(id) == len && sameBytes(names.ptr + <usize>nameOff.get(id), p, len)) return id;
    s = (s + 1) & slotMask;
  }
}

function rehash(): void {
  const size = (slotMask + 1) << 1;
  slots = new IntVec(size);
  slots.length = size;
  memory.fill(slots.ptr, 0, <usize>size << 2);
  slotMask = size - 1;
  tempSlots.clear();
  for (let id = 0; id < nameOff.length; id++) {
    const off = nameOff.get(id);
    const len = nameLen.get(id);
    const free = -1 - lookup(names.ptr + <usize>off, len, hashBytes(names.ptr + <usize>off, len));
    slots.set(free, id + 1);
    if (id >= permanentCount) tempSlots.push(free);
  }
}

/** Returns the id of the name held in len bytes at p, adding it if new. */
export function intern(p: usize, len: i32): i32 {
  const h = hashBytes(p, len);
  const found = lookup(p, len, h);
  if (found >= 0) return found;
  const id = nameOff.length;
  nameOff.push(names.length);
  nameLen.push(len);
  names.raw(p, len); // p never points into `names` itself
  if ((id + 1) * 2 > slotMask) {
    rehash();
  } else {
    slots.set(-1 - found, id + 1);
    if (id >= permanentCount) tempSlots.push(-1 - found);
  }
  return id;
}

// Names of up to 8 bytes (most element and attribute names) are looked up in a direct-mapped
// cache keyed by their bytes as one integer, which skips hashing and probing. Only permanent
// names are cached, so dropping a document's own names never leaves a stale entry.
const CACHE_SIZE: i32 = 1024;
const cacheKey = new StaticArray<u64>(CACHE_SIZE);
const cacheLen = new StaticArray<i32>(CACHE_SIZE);
const cacheId = new StaticArray<i32>(CACHE_SIZE);

/**
 * intern() for a name at p in a buffer that has at least 8 readable bytes from p on (the parser
 * guarantees this: documents sit in a buffer reserved at twice their size).
 */
export function internShort(p: usize, len: i32): i32 {
  if (len > 8 || len == 0) return intern(p, len);
  const key = load<u64>(p) & (len == 8 ? <u64>-1 : (<u64>1 << (<u64>len << 3)) - 1);
  const slot = <i32>((key * 0x9e3779b97f4a7c15) >> 54) & (CACHE_SIZE - 1);
  if (unchecked(cacheKey[slot]) == key && unchecked(cacheLen[slot]) == len) return unchecked(cacheId[slot]);
  const id = intern(p, len);
  if (id < permanentCount) {
    unchecked((cacheKey[slot] = key));
    unchecked((cacheLen[slot] = len));
    unchecked((cacheId[slot] = id));
  }
  return id;
}

/** Returns the id of a name without adding it, or -1. */
export function find(p: usize, len: i32): i32 {
  const r = lookup(p, len, hashBytes(p, len));
  return r >= 0 ? r : -1;
}

export function internString(s: string): i32 {
  const tmp = String.UTF8.encode(s);
  return intern(changetype<usize>(tmp), tmp.byteLength);
}

let sealed = false;

/**
 * Forgets the names added by earlier documents (called before each new one). The first call
 * seals the names every module registered at start-up as permanent.
 */
export function dropTemporaryNames(): void {
  if (!sealed) {
    sealNames();
    sealed = true;
  }
  if (nameOff.length == permanentCount) return;
  for (let i = 0; i < tempSlots.length; i++) slots.set(tempSlots.get(i), 0);
  tempSlots.clear();
  names.length = permanentCount > 0 ? nameOff.get(permanentCount - 1) + nameLen.get(permanentCount - 1) : 0;
  nameOff.length = permanentCount;
  nameLen.length = permanentCount;
}

/** Marks every name added so far as permanent. */
export function sealNames(): void {
  permanentCount = nameOff.length;
  tempSlots.clear();
}


/** The buffer holding every name, and where a symbol's name sits in it (for slice comparisons). */
export const symbolBytes = names;

@inline export function symbolOffset(id: i32): i32 {
  return nameOff.get(id);
}

@inline export function symbolLength(id: i32): i32 {
  return nameLen.get(id);
}

@inline export function symbolPtr(id: i32): usize {
  return names.ptr + <usize>nameOff.get(id);
}

@inline export function symbolLen(id: i32): i32 {
  return nameLen.get(id);
}


/** A name as a string (for messages that quote an element or attribute name). */
export function symbolText(id: i32): string {
  return String.UTF8.decodeUnsafe(names.ptr + <usize>nameOff.get(id), <usize>nameLen.get(id));
}

export function appendSymbol(out: ByteBuf, id: i32): void {
  out.raw(names.ptr + <usize>nameOff.get(id), nameLen.get(id));
}

// Fixed ids: id 0 is the empty name; the generated list follows in order.
function initSymbols(): void {
  slots.length = slots.cap;
  memory.fill(slots.ptr, 0, <usize>slots.cap << 2);
  intern(0, 0);
  let start = 0;
  const all = SYMBOL_NAMES;
  for (let i = 0; i <= all.length; i++) {
    if (i == all.length || all.charCodeAt(i) == 10) {
      if (i > start) internString(all.substring(start, i));
      start = i + 1;
    }
  }
}
initSymbols();
