// Reading numbers, units and UUIDs out of document slices with libvirt's rules.
import { ByteBuf } from "../util/bytes";
import { random_fill } from "../host";

/**
 * Where a number parser below leaves its value. The parsers return false on malformed text and
 * then leave it untouched. Each calling module owns its own (AssemblyScript has no tuples, and a
 * module-level object costs no allocation per call), so the value read after a call is the one
 * that call produced.
 */
export class ParsedU64 {
  value: u64 = 0;
}

export class ParsedI64 {
  value: i64 = 0;
}

/** parseI64's magnitude before the sign is applied. */
const magnitude = new ParsedU64();

@inline function isDigit(c: i32): bool {
  return c >= 48 && c <= 57;
}

/**
 * Parses an unsigned decimal integer as libvirt's virStrToLong_ullp does: optional leading
 * whitespace and '+', no sign '-', nothing after the digits.
 */
export function parseU64(b: ByteBuf, off: i32, len: i32, into: ParsedU64): bool {
  let i = 0;
  while (i < len && isSpaceByte(b.at(off + i))) i++;
  if (i < len && b.at(off + i) == 43) i++;
  if (i >= len) return false;
  let v: u64 = 0;
  const start = i;
  while (i < len && isDigit(b.at(off + i))) {
    const d = <u64>(b.at(off + i) - 48);
    if (v > (<u64>0xffffffffffffffff - d) / 10) return false;
    v = v * 10 + d;
    i++;
  }
  if (i == start || i != len) return false;
  into.value = v;
  return true;
}

/** Parses a signed decimal integer (virStrToLong_ll). */
export function parseI64(b: ByteBuf, off: i32, len: i32, into: ParsedI64): bool {
  let i = 0;
  while (i < len && isSpaceByte(b.at(off + i))) i++;
  let neg = false;
  if (i < len && (b.at(off + i) == 45 || b.at(off + i) == 43)) {
    neg = b.at(off + i) == 45;
    i++;
  }
  if (!parseU64(b, off + i, len - i, magnitude)) return false;
  const limit: u64 = neg ? <u64>0x8000000000000000 : <u64>0x7fffffffffffffff;
  if (magnitude.value > limit) return false;
  into.value = neg ? -(<i64>magnitude.value) : <i64>magnitude.value;
  return true;
}

/** Parses an unsigned integer in base 10, or base 16 with a 0x prefix (virStrToLong_uip with base 0). */
export function parseU64Auto(b: ByteBuf, off: i32, len: i32, into: ParsedU64): bool {
  let i = 0;
  while (i < len && isSpaceByte(b.at(off + i))) i++;
  if (i + 2 <= len && b.at(off + i) == 48 && (b.at(off + i + 1) | 32) == 120) {
    i += 2;
    let v: u64 = 0;
    const start = i;
    while (i < len) {
      const c = b.at(off + i) | 0;
      let d = -1;
      if (isDigit(c)) d = c - 48;
      else if ((c | 32) >= 97 && (c | 32) <= 102) d = (c | 32) - 87;
      if (d < 0) break;
      if (v > 0x0fffffffffffffff) return false;
      v = (v << 4) | <u64>d;
      i++;
    }
    if (i == start || i != len) return false;
    into.value = v;
    return true;
  }
  return parseU64(b, off, len, into);
}

@inline export function isSpaceByte(c: i32): bool {
  return c == 32 || c == 9 || c == 10 || c == 13 || c == 11 || c == 12;
}

function lowerAt(b: ByteBuf, i: i32): i32 {
  const c = <i32>b.at(i);
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Scale of the unit suffix (virScaleInteger): bytes per unit, or 0 for an unknown suffix. */
export function unitScale(b: ByteBuf, off: i32, len: i32, defaultScale: u64): u64 {
  if (len == 0) return defaultScale;
  const c0 = lowerAt(b, off);
  if (c0 == 98) {
    // b, byte, bytes
    if (len == 1) return 1;
    if (len == 4 && lowerAt(b, off + 1) == 121 && lowerAt(b, off + 2) == 116 && lowerAt(b, off + 3) == 101) return 1;
    if (len == 5 && lowerAt(b, off + 1) == 121 && lowerAt(b, off + 2) == 116 && lowerAt(b, off + 3) == 101 && lowerAt(b, off + 4) == 115) return 1;
    return 0;
  }
  let base: u64 = 0;
  if (len == 1) base = 1024;
  else if (len == 3 && lowerAt(b, off + 1) == 105 && lowerAt(b, off + 2) == 98) base = 1024;
  else if (len == 2 && lowerAt(b, off + 1) == 98) base = 1000;
  else return 0;
  let power = 0;
  if (c0 == 107) power = 1;
  else if (c0 == 109) power = 2;
  else if (c0 == 103) power = 3;
  else if (c0 == 116) power = 4;
  else if (c0 == 112) power = 5;
  else if (c0 == 101) power = 6;
  else return 0;
  let scale: u64 = 1;
  for (let i = 0; i < power; i++) scale *= base;
  return scale;
}

// ---- UUIDs -------------------------------------------------------------------------------------

export const uuidBytes = new StaticArray<u8>(16);

function hexValue(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/**
 * Parses a UUID as virUUIDParse does: 32 hex digits, '-' allowed between byte pairs, leading and
 * trailing spaces ignored. Fills uuidBytes.
 */
export function parseUUID(b: ByteBuf, off: i32, len: i32): bool {
  let i = 0;
  while (i < len && b.at(off + i) == 32) i++;
  for (let k = 0; k < 16; k++) {
    while (i < len && b.at(off + i) == 45) i++;
    if (i + 1 >= len) return false;
    const hi = hexValue(b.at(off + i));
    const lo = hexValue(b.at(off + i + 1));
    if (hi < 0 || lo < 0) return false;
    unchecked((uuidBytes[k] = <u8>((hi << 4) | lo)));
    i += 2;
  }
  while (i < len) {
    if (b.at(off + i) != 32) return false;
    i++;
  }
  return true;
}

/** Fills uuidBytes with a random version-4 UUID (virUUIDGenerate). */
export function generateUUID(): void {
  random_fill(changetype<usize>(uuidBytes), 16);
  unchecked((uuidBytes[6] = (uuidBytes[6] & 0x0f) | 0x40));
  unchecked((uuidBytes[8] = (uuidBytes[8] & 0x3f) | 0x80));
}

/** Appends uuidBytes in canonical 8-4-4-4-12 lowercase form. */
export function formatUUID(out: ByteBuf): void {
  for (let k = 0; k < 16; k++) {
    if (k == 4 || k == 6 || k == 8 || k == 10) out.byte(45);
    out.hex(<u64>unchecked(uuidBytes[k]), 2);
  }
}
