// Memory sizes: every value is read with its unit (virScaleInteger's suffixes) and written back
// in KiB with unit='KiB', rounding bytes up; limits and errors as libvirt's virDomainParseMemory.
import { Code, From } from "../../errors";
import { NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { attrOf, ctx, enumIndex, err, hasText, putAttr, setAttr, spanLen, spanOff, textSpan } from "../context";
import { sliceEquals } from "../../util/bytes";
import { symbolBytes, symbolLength, symbolOffset } from "../../xml/symbols";
import { ParsedU64, parseU64, unitScale } from "../values";

/** libvirt's internal ceiling for sizes in KiB (LLONG_MAX bytes) and its "unlimited" limit value. */
const MAX_BYTES: u64 = 0x7fffffffffffffff;
const MAX_KIB: u64 = (MAX_BYTES + 1023) / 1024;
export const UNLIMITED_KIB: u64 = 9007199254740991;

/** Where this module's calls to the number parsers leave their value. */
const parsed = new ParsedU64();

/**
 * Where scaleToKiB leaves a size in KiB, and readMemory too, with whether the element had a value.
 * Each calling module owns its own at module level (no allocation per read).
 */
export class SizeKiB {
  present: bool = false;
  value: u64 = 0;
}

const kib = new SizeKiB();

/**
 * Reads element el's text scaled by its unit attribute (default KiB) into `into` and rewrites the
 * element as "<el unit='KiB'>N</el>". xpath names it in error messages.
 */
export function readMemory(el: i32, xpath: string, into: SizeKiB, unitSym: i32 = S.unit): bool {
  into.present = false;
  into.value = 0;
  if (el == NONE) return true;
  const text = textSpan(el);
  if (spanLen(text) == 0) return true;
  const d = ctx.d;
  if (!parseU64(d.buf, spanOff(text), spanLen(text), parsed)) {
    const b = err(Code.XML_ERROR, From.XML);
    b.str("Invalid value '");
    b.slice(d.buf, spanOff(text), spanLen(text));
    b.str("' for element or attribute '");
    b.str(xpath);
    b.str("'");
    return false;
  }
  const v = parsed.value;
  if (!scaleToKiB(el, v, unitSym, into)) return false;
  d.setTextU64(el, into.value);
  setAttr(el, unitSym, "KiB");
  into.present = true;
  return true;
}

/** Scales v by the unit in attribute unitSym of el (virScaleInteger), then to KiB (rounding up). */
export function scaleToKiB(el: i32, v: u64, unitSym: i32, into: SizeKiB): bool {
  const d = ctx.d;
  const u = attrOf(el, unitSym);
  let scale: u64 = 1024;
  if (u != NONE) {
    scale = unitScale(d.buf, d.aOffOf(u), d.aLenOf(u), 1024);
    if (scale == 0) {
      const b = err(Code.INVALID_ARG, From.NONE);
      b.str("unknown suffix '");
      putAttr(b, el, unitSym);
      b.str("'");
      return false;
    }
  }
  if (v != 0 && v > MAX_BYTES / scale) {
    const b = err(Code.OVERFLOW, From.NONE);
    b.str("value too large: ");
    b.u64(v);
    putAttr(b, el, unitSym);
    return false;
  }
  const bytes = v * scale;
  into.value = bytes / 1024 + (bytes % 1024 != 0 ? 1 : 0);
  if (into.value >= MAX_KIB) {
    err(Code.OVERFLOW).str("size value too large");
    return false;
  }
  return true;
}

/** <memory>, <currentMemory> and <maxMemory slots>: parsed here, reconciled in finishMemory. */
export function checkMemory(): bool {
  const d = ctx.d;
  const root = ctx.root;
  if (!readMemory(d.child(root, S.memory), "./memory[1]", kib)) return false;
  if (!readMemory(d.child(root, S.currentMemory), "./currentMemory[1]", kib)) return false;
  const max = d.child(root, S.maxMemory);
  if (!readMemory(max, "./maxMemory[1]", kib)) return false;
  if (max != NONE) {
    const slots = attrOf(max, S.slots);
    if (slots != NONE && !parseU64(d.buf, d.aOffOf(slots), d.aLenOf(slots), parsed)) {
      err(Code.XML_ERROR).str("Failed to parse memory slot count");
      return false;
    }
  }
  return checkMemtune() && checkMemoryBacking() && checkBlkiotune();
}

const BLKIO_FIELDS = "weight read_iops_sec write_iops_sec read_bytes_sec write_bytes_sec";
const BLKIO_LABELS: StaticArray<string> = ["weight", "read iops sec", "write iops sec", "read bytes sec", "write bytes sec"];

/**
 * <blkiotune>: numbers canonical; zero values mean "not set" and are not written, nor is a
 * <device> left with nothing set. Device paths must be given and distinct.
 */
function checkBlkiotune(): bool {
  const d = ctx.d;
  const tune = d.child(ctx.root, S.blkiotune);
  if (tune == NONE) return true;
  const weight = d.child(tune, S.weight);
  if (weight != NONE) {
    const weightText = textSpan(weight);
    if (!parseU64(d.buf, spanOff(weightText), spanLen(weightText), parsed) || parsed.value > 0xffffffff) {
      const b = err(Code.INTERNAL_ERROR);
      b.str("could not parse weight ");
      b.slice(d.buf, spanOff(weightText), spanLen(weightText));
      return false;
    }
    if (parsed.value == 0) d.remove(weight);
    else d.setTextU64(weight, parsed.value);
  }
  for (let dev = d.child(tune, S.device); dev != NONE; ) {
    const next = d.nextNamed(dev);
    const path = d.child(dev, S.path);
    if (path == NONE || !hasText(path)) {
      err(Code.CONFIG_UNSUPPORTED).str("missing per-device path");
      return false;
    }
    for (let other = d.child(tune, S.device); other != dev; other = d.nextNamed(other)) {
      const otherPath = d.child(other, S.path);
      const pathText = textSpan(path);
      const otherText = textSpan(otherPath);
      if (sliceEquals(d.buf, spanOff(pathText), spanLen(pathText), d.buf, spanOff(otherText), spanLen(otherText))) {
        const b = err(Code.CONFIG_UNSUPPORTED);
        b.str("duplicate blkio device path '");
        b.slice(d.buf, spanOff(pathText), spanLen(pathText));
        b.str("'");
        return false;
      }
    }
    let anySet = false;
    for (let f = d.firstElement(dev); f != NONE; ) {
      const nf = d.nextElement(f);
      const field = enumOfName(d.nameOf(f));
      if (field >= 0) {
        const fieldText = textSpan(f);
        if (!parseU64(d.buf, spanOff(fieldText), spanLen(fieldText), parsed)) {
          const b = err(Code.INTERNAL_ERROR);
          b.str("could not parse ");
          b.str(BLKIO_LABELS[field]);
          b.byte(32);
          b.slice(d.buf, spanOff(fieldText), spanLen(fieldText));
          return false;
        }
        if (parsed.value == 0) d.remove(f);
        else {
          d.setTextU64(f, parsed.value);
          anySet = true;
        }
      }
      f = nf;
    }
    if (!anySet) d.remove(dev);
    dev = next;
  }
  if (d.firstElement(tune) == NONE) d.remove(tune);
  return true;
}

function enumOfName(name: i32): i32 {
  return enumIndex(symbolBytes, symbolOffset(name), symbolLength(name), BLKIO_FIELDS);
}

function checkMemtune(): bool {
  const d = ctx.d;
  const tune = d.child(ctx.root, S.memtune);
  if (tune == NONE) return true;
  const limits: StaticArray<i32> = [S.hard_limit, S.soft_limit, S.swap_hard_limit];
  for (let i = 0; i < 3; i++) {
    const el = d.child(tune, limits[i]);
    if (el == NONE) continue;
    if (!readMemory(el, "./memtune/" + (i == 0 ? "hard_limit" : i == 1 ? "soft_limit" : "swap_hard_limit") + "[1]", kib)) return false;
    // libvirt stores "unlimited" as this ceiling and does not write the element back out.
    if (kib.present && kib.value >= UNLIMITED_KIB) d.remove(el);
  }
  const min = d.child(tune, S.min_guarantee);
  if (!readMemory(min, "./memtune/min_guarantee[1]", kib)) return false;
  if (min != NONE && kib.present && kib.value == 0) d.remove(min);
  if (d.firstElement(tune) == NONE) d.remove(tune);
  return true;
}

function checkMemoryBacking(): bool {
  const d = ctx.d;
  const backing = d.child(ctx.root, S.memoryBacking);
  if (backing == NONE) return true;
  const huge = d.child(backing, S.hugepages);
  if (huge != NONE) {
    for (let p = d.child(huge, S.page); p != NONE; p = d.nextNamed(p)) {
      const size = attrOf(p, S.size);
      if (size == NONE) {
        const b = err(Code.XML_ERROR, From.XML);
        b.str("missing element or attribute './@size'");
        return false;
      }
      if (!parseU64(d.buf, d.aOffOf(size), d.aLenOf(size), parsed)) {
        const b = err(Code.XML_ERROR, From.XML);
        b.str("Invalid value '");
        putAttr(b, p, S.size);
        b.str("' for element or attribute './@size'");
        return false;
      }
      if (!scaleToKiB(p, parsed.value, S.unit, kib)) return false;
      if (kib.value == 0) {
        err(Code.XML_DETAIL).str("hugepage size can't be zero");
        return false;
      }
      d.setAttrU64(p, S.size, kib.value);
      setAttr(p, S.unit, "KiB");
    }
  }
  return true;
}

/**
 * After devices are read: the total comes from the NUMA cells when there are any (plus memory
 * devices), <currentMemory> defaults to (and never exceeds) the total, and a domain needs memory.
 */
export function finishMemory(numaKiB: u64, hotplugKiB: u64): bool {
  const d = ctx.d;
  const root = ctx.root;
  let mem = d.child(root, S.memory);
  let total: u64 = 0;
  if (mem != NONE && readMemory(mem, "./memory[1]", kib)) total = kib.value;
  if (numaKiB > 0) total = numaKiB + hotplugKiB;
  else if (hotplugKiB > total) {
    err(Code.XML_ERROR).str("Total size of memory devices exceeds the total memory size");
    return false;
  }
  if (total - hotplugKiB == 0) {
    err(Code.XML_ERROR).str("Memory size must be specified via <memory> or in the <numa> configuration");
    return false;
  }
  if (mem == NONE) mem = d.addElement(root, S.memory);
  d.setTextU64(mem, total);
  setAttr(mem, S.unit, "KiB");

  let cur = d.child(root, S.currentMemory);
  if (cur == NONE) cur = d.addElement(root, S.currentMemory);
  const currentText = textSpan(cur);
  let current: u64 = 0;
  if (spanLen(currentText) > 0 && parseU64(d.buf, spanOff(currentText), spanLen(currentText), parsed)) current = parsed.value;
  if (current == 0 || current > total) d.setTextU64(cur, total);
  setAttr(cur, S.unit, "KiB");

  const max = d.child(root, S.maxMemory);
  if (max != NONE) {
    const maxText = textSpan(max);
    let maxKiB: u64 = 0;
    if (spanLen(maxText) > 0 && parseU64(d.buf, spanOff(maxText), spanLen(maxText), parsed)) maxKiB = parsed.value;
    if (maxKiB == 0) d.remove(max);
    else if (maxKiB < total) {
      err(Code.XML_ERROR).str("maximum memory size must be equal or greater than the actual memory size");
      return false;
    }
  } else if (attrOf(root, S.slots) != NONE) {
    err(Code.XML_ERROR).str("maximum memory size must be specified when specifying number of memory slots");
    return false;
  }
  return true;
}
