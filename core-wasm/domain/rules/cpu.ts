// vCPUs, iothreads, <cputune> and <numatune>. libvirt keeps pinning and scheduling per vCPU
// (or iothread), so ranges in the input come back out as one element per id, in id order.
import { Code, From } from "../../errors";
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { appendSymbol } from "../../xml/symbols";
import { Bitmap } from "../bitmap";
import {
  attrEnum, AttrNumber, attrOf, ctx, err, invalidAttr, missingAttr, putAttr, readEnum, readSigned, readUnsigned,
  setAttr, setAttrNumber, spanLen, spanOff, textSpan,
} from "../context";
import { ParsedI64, ParsedU64, parseI64, parseU64 } from "../values";
import { scaleToKiB, SizeKiB } from "./memory";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

/** Most vCPUs (and iothreads) a definition may declare: the size of libvirt's CPU masks. */
export const MAX_VCPUS: i32 = 4096;

const set = new Bitmap();
const seen = new Bitmap();
/** Where this module's calls to the number parsers leave their value. */
const parsed = new ParsedU64();
const parsedSigned = new ParsedI64();
const kib = new SizeKiB();

/** Parses attribute sym of n as a CPU/node set into `set`; reports libvirt's bitmap error. */
export function readBitmap(n: i32, sym: i32): bool {
  const d = ctx.d;
  const a = attrOf(n, sym);
  if (!set.parse(d.buf, d.aOffOf(a), d.aLenOf(a))) {
    const b = err(Code.INVALID_ARG, From.NONE);
    b.str("Failed to parse bitmap '");
    putAttr(b, n, sym);
    b.str("'");
    return false;
  }
  return true;
}

/** Rewrites attribute sym of n from `set` in canonical form. */
function writeBitmap(n: i32, sym: i32, bits: Bitmap): void {
  const d = ctx.d;
  const off = d.buf.length;
  bits.format(d.buf);
  d.setAttrSlice(n, sym, off, d.buf.length - off);
}

/** A cpuset that must not be empty ("Invalid value of 'cpuset': ..."). */
function readCpuset(n: i32, sym: i32): bool {
  if (!readBitmap(n, sym)) return false;
  if (set.isEmpty()) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("Invalid value of '");
    appendSymbol(b, sym);
    b.str("': ");
    putAttr(b, n, sym);
    return false;
  }
  writeBitmap(n, sym, set);
  return true;
}

/** <vcpu placement cpuset current>N</vcpu> and <vcpus>. */
export function checkVcpus(): bool {
  const d = ctx.d;
  let vcpu = d.child(ctx.root, S.vcpu);
  if (vcpu == NONE) {
    vcpu = d.addElement(ctx.root, S.vcpu);
    d.setText(vcpu, "1");
  }
  const vcpuText = textSpan(vcpu);
  let max: u64 = 1;
  if (spanLen(vcpuText) > 0) {
    if (!parseU64(d.buf, spanOff(vcpuText), spanLen(vcpuText), parsed) || parsed.value > 0xffffffff) {
      err(Code.XML_ERROR).str("maximum vcpus count must be an integer");
      return false;
    }
    max = parsed.value;
  }
  if (max == 0) {
    // libvirt accepts the count and then trips over its own NUMA consistency check
    err(Code.INTERNAL_ERROR).str("CPU IDs in <numa> exceed the <vcpu> count");
    return false;
  }
  if (max > <u64>MAX_VCPUS) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("maximum vCPU count ");
    b.u64(max);
    b.str(" exceeds the supported limit of ");
    b.u64(<u64>MAX_VCPUS);
    return false;
  }
  d.setTextU64(vcpu, max);
  ctx.maxVcpus = <i32>max;

  if (!readEnum(vcpu, S.placement, "static auto", attr)) return false;
  const auto = attr.value == 1;
  if (!attr.present) setAttr(vcpu, S.placement, "static");
  if (attrOf(vcpu, S.cpuset) != NONE) {
    if (auto) d.removeAttr(vcpu, S.cpuset); // libvirt ignores a cpuset with automatic placement
    else if (!readCpuset(vcpu, S.cpuset)) return false;
  }

  if (!readUnsigned(vcpu, S.current, attr)) return false;
  let current = attr.present ? attr.value : <i64>max;
  if (current > <i64>max) {
    err(Code.CONFIG_UNSUPPORTED).str("maximum vCPU count must not be less than current vCPU count");
    return false;
  }
  const individual = d.child(ctx.root, S.vcpus);
  if (individual != NONE) {
    let online = 0;
    for (let v = d.child(individual, S.vcpu); v != NONE; v = d.nextNamed(v)) {
      if (!readUnsigned(v, S.id, attr, true)) return false;
      if (attr.value >= <i64>max) {
        const b = err(Code.XML_ERROR);
        b.str("vcpu id '");
        b.u64(<u64>attr.value);
        b.str("' is out of range of maximum vcpu count");
        return false;
      }
      if (!readEnum(v, S.enabled, "yes no", attr, true)) return false;
      const enabled = attr.value == 0;
      if (enabled) online++;
      if (!readEnum(v, S.hotpluggable, "yes no", attr)) return false;
      if (!attr.present) setAttr(v, S.hotpluggable, enabled ? "no" : "yes");
      else if (!enabled && attr.value == 1) {
        const b = err(Code.CONFIG_UNSUPPORTED);
        b.str("vcpu '");
        putAttr(b, v, S.id);
        b.str("' is both offline and not hotpluggable");
        return false;
      }
      if (!readUnsigned(v, S.order, attr)) return false;
      if (attr.present && attr.value == 0) d.removeAttr(v, S.order);
    }
    // vCPUs the list leaves out are offline (and hotpluggable); libvirt lists every one, by id.
    seen.clearAll();
    for (let v = d.child(individual, S.vcpu); v != NONE; v = d.nextNamed(v)) seen.set(<i32>numericAttr(v, S.id));
    for (let id = 0; id < <i32>max; id++) {
      if (seen.get(id)) continue;
      const v = d.addElement(individual, S.vcpu);
      setAttrNumber(v, S.id, <u64>id);
      setAttr(v, S.enabled, "no");
      setAttr(v, S.hotpluggable, "yes");
    }
    sortByNumber(d, individual, S.vcpu, S.id);
    current = online;
  }
  if (auto && d.child(ctx.root, S.numatune) == NONE) {
    // automatic vCPU placement implies automatic memory placement
    const mem = d.addElement(d.addElement(ctx.root, S.numatune), S.memory);
    setAttr(mem, S.mode, "strict");
    setAttr(mem, S.placement, "auto");
  }
  if (current == <i64>max) d.removeAttr(vcpu, S.current);
  else setAttrNumber(vcpu, S.current, <u64>current);
  return true;
}

/** <iothreads>N</iothreads> and <iothreadids>: the count covers every declared id. */
let iothreadCount: i32 = 0;
const iothreadIds = new Bitmap();
export function checkIothreads(): bool {
  const d = ctx.d;
  iothreadIds.clearAll();
  iothreadCount = 0;
  const count = d.child(ctx.root, S.iothreads);
  if (count != NONE) {
    const countText = textSpan(count);
    if (spanLen(countText) > 0) {
      if (!parseU64(d.buf, spanOff(countText), spanLen(countText), parsed) || parsed.value > <u64>MAX_VCPUS) {
        const b = err(Code.XML_ERROR);
        b.str("invalid iothreads count '");
        b.slice(d.buf, spanOff(countText), spanLen(countText));
        b.str("'");
        return false;
      }
      iothreadCount = <i32>parsed.value;
    }
  }
  const ids = d.child(ctx.root, S.iothreadids);
  let n = 0;
  if (ids != NONE) {
    for (let t = d.child(ids, S.iothread); t != NONE; t = d.nextNamed(t)) {
      if (!readUnsigned(t, S.id, attr, true, true)) return false;
      if (attr.value >= <i64>MAX_VCPUS * 16) return invalidAttr(t, S.id, "Expected non-negative integer value");
      if (iothreadIds.get(<i32>attr.value)) {
        const b = err(Code.XML_ERROR);
        b.str("duplicate iothread id '");
        b.u64(<u64>attr.value);
        b.str("' found");
        return false;
      }
      iothreadIds.set(<i32>attr.value);
      n++;
    }
  }
  // Ids not given explicitly are the lowest unused numbers.
  for (let id = 1; n < iothreadCount && id < 4096; id++) {
    if (!iothreadIds.get(id)) {
      iothreadIds.set(id);
      n++;
    }
  }
  if (n > iothreadCount) {
    iothreadCount = n;
    const c = count != NONE ? count : d.addElement(ctx.root, S.iothreads);
    d.setTextU64(c, <u64>n);
  } else if (count != NONE) {
    if (iothreadCount == 0) d.remove(count);
    else d.setTextU64(count, <u64>iothreadCount);
  }
  return true;
}

// ---- <cputune> -----------------------------------------------------------------------------------

function tuneNumber(tune: i32, sym: i32, label: string, signed: bool, lo: i64, hi: i64, name: string): bool {
  const d = ctx.d;
  const el = d.child(tune, sym);
  if (el == NONE) return true;
  const text = textSpan(el);
  const ok = signed
    ? parseI64(d.buf, spanOff(text), spanLen(text), parsedSigned)
    : parseU64(d.buf, spanOff(text), spanLen(text), parsed) && parsed.value <= 0x7fffffffffffffff;
  if (!ok) {
    const b = err(Code.XML_ERROR);
    b.str("can't parse cputune ");
    b.str(label);
    b.str(" value");
    return false;
  }
  const v: i64 = signed ? parsedSigned.value : <i64>parsed.value;
  if (sym != S.shares && v == 0) {
    d.remove(el); // libvirt treats 0 as "not set" and does not write it
    return true;
  }
  if (lo > 0 && v > 0 && (v < lo || v > hi)) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("Value of cputune '");
    b.str(name);
    b.str("' must be in range [");
    b.u64(<u64>lo);
    b.str(", ");
    b.u64(<u64>hi);
    b.str("]");
    return false;
  }
  const off = d.buf.length;
  d.buf.i64(v);
  d.setTextSlice(el, off, d.buf.length - off);
  return true;
}

const PERIOD_MIN: i64 = 1000;
const PERIOD_MAX: i64 = 1000000;
const QUOTA_MIN: i64 = 1000;
const QUOTA_MAX: i64 = 17592186044415;

export function checkCputune(): bool {
  const d = ctx.d;
  const tune = d.child(ctx.root, S.cputune);
  if (tune == NONE) return true;
  if (!tuneNumber(tune, S.shares, "shares", false, 0, 0, "shares")) return false;
  if (!tuneNumber(tune, S.period, "period", false, PERIOD_MIN, PERIOD_MAX, "period")) return false;
  if (!tuneNumber(tune, S.quota, "quota", true, QUOTA_MIN, QUOTA_MAX, "quota")) return false;
  if (!tuneNumber(tune, S.global_period, "global period", false, PERIOD_MIN, PERIOD_MAX, "global_period")) return false;
  if (!tuneNumber(tune, S.global_quota, "global quota", true, QUOTA_MIN, QUOTA_MAX, "global_quota")) return false;
  if (!tuneNumber(tune, S.emulator_period, "emulator period", false, PERIOD_MIN, PERIOD_MAX, "emulator_period")) return false;
  if (!tuneNumber(tune, S.emulator_quota, "emulator quota", true, QUOTA_MIN, QUOTA_MAX, "emulator_quota")) return false;
  if (!tuneNumber(tune, S.iothread_period, "iothread period", false, PERIOD_MIN, PERIOD_MAX, "iothread_period")) return false;
  if (!tuneNumber(tune, S.iothread_quota, "iothread quota", true, QUOTA_MIN, QUOTA_MAX, "iothread_quota")) return false;
  if (!checkPins(tune)) return false;
  if (!checkSchedulers(tune)) return false;
  if (!checkResctrl(tune, S.cachetune)) return false;
  if (!checkResctrl(tune, S.memorytune)) return false;
  if (d.firstElement(tune) == NONE) d.remove(tune);
  return true;
}

/** vcpupin (sorted by vCPU), emulatorpin (one), iothreadpin (iothread must exist). */
function checkPins(tune: i32): bool {
  const d = ctx.d;
  seen.clearAll();
  for (let p = d.child(tune, S.vcpupin); p != NONE; ) {
    const nx = d.nextNamed(p);
    if (!readUnsigned(p, S.vcpu, attr, true)) return false;
    const vcpu = attr.value;
    if (vcpu >= <i64>ctx.maxVcpus) {
      const b = err(Code.CONFIG_UNSUPPORTED);
      b.str("vcpupin for vcpu '");
      b.u64(<u64>vcpu);
      b.str("' refers to a vCPU the domain does not have (it has ");
      b.u64(<u64>ctx.maxVcpus);
      b.str(")");
      return false;
    }
    if (seen.get(<i32>vcpu)) {
      const b = err(Code.INTERNAL_ERROR);
      b.str("duplicate vcpupin for vcpu '");
      b.u64(<u64>vcpu);
      b.str("'");
      return false;
    }
    seen.set(<i32>vcpu);
    if (attrOf(p, S.cpuset) == NONE) {
      err(Code.INTERNAL_ERROR).str("missing cpuset for vcpupin");
      return false;
    }
    if (!readCpuset(p, S.cpuset)) return false;
    p = nx;
  }
  sortByNumber(d, tune, S.vcpupin, S.vcpu);
  const emu = d.child(tune, S.emulatorpin);
  if (emu != NONE) {
    if (d.nextNamed(emu) != NONE) {
      err(Code.INTERNAL_ERROR).str("only one emulatorpin is supported");
      return false;
    }
    if (attrOf(emu, S.cpuset) == NONE) {
      err(Code.INTERNAL_ERROR).str("missing cpuset for emulatorpin");
      return false;
    }
    if (!readCpuset(emu, S.cpuset)) return false;
  }
  seen.clearAll();
  for (let p = d.child(tune, S.iothreadpin); p != NONE; p = d.nextNamed(p)) {
    if (!readUnsigned(p, S.iothread, attr, true, true)) return false;
    if (attr.value >= 4096 || !iothreadIds.get(<i32>attr.value)) {
      const b = err(Code.CONFIG_UNSUPPORTED);
      b.str("Cannot find 'iothread' : ");
      b.u64(<u64>attr.value);
      return false;
    }
    if (seen.get(<i32>attr.value)) {
      const b = err(Code.INTERNAL_ERROR);
      b.str("duplicate iothreadpin for same iothread '");
      b.u64(<u64>attr.value);
      b.str("'");
      return false;
    }
    seen.set(<i32>attr.value);
    if (attrOf(p, S.cpuset) == NONE) {
      err(Code.INTERNAL_ERROR).str("missing cpuset for iothreadpin");
      return false;
    }
    if (!readCpuset(p, S.cpuset)) return false;
  }
  return true;
}

/** Stable sort of the `name` children of parent by their numeric attribute `key` (insertion sort). */
function sortByNumber(d: Doc, parent: i32, name: i32, key: i32): void {
  let c = d.child(parent, name);
  while (c != NONE) {
    const nx = d.nextNamed(c);
    // move c before the first earlier sibling with a larger key
    const k = numericAttr(c, key);
    let target = NONE;
    for (let s = d.child(parent, name); s != c; s = d.nextNamed(s)) {
      if (numericAttr(s, key) > k) {
        target = s;
        break;
      }
    }
    if (target != NONE) {
      d.remove(c);
      d.insertBefore(parent, c, target);
    }
    c = nx;
  }
}

function numericAttr(n: i32, key: i32): i64 {
  const d = ctx.d;
  const a = attrOf(n, key);
  if (a == NONE || !parseU64(d.buf, d.aOffOf(a), d.aLenOf(a), parsed)) return 0x7fffffff;
  return <i64>parsed.value;
}

/** Scheduler of one vCPU/iothread (index = id): policy enum + 1 (0 none) and priority. */
const schedPolicy = new StaticArray<i32>(4096);
const schedPriority = new StaticArray<i32>(4096);
const SCHEDULERS = "none batch idle fifo rr";

/** Reads scheduler (and, for fifo/rr, priority); returns the policy index, or -1 with the error set. */
function readScheduler(n: i32): i32 {
  if (!readEnum(n, S.scheduler, SCHEDULERS, attr, true, true)) return -1;
  const policy = <i32>attr.value;
  if (policy >= 3) {
    if (!readSigned(n, S.priority, attr, true)) return -1;
  } else ctx.d.removeAttr(n, S.priority);
  return policy;
}

function checkSchedulers(tune: i32): bool {
  const d = ctx.d;
  const emu = d.child(tune, S.emulatorsched);
  if (emu != NONE) {
    if (d.nextNamed(emu) != NONE) {
      err(Code.XML_ERROR).str("only one emulatorsched is supported");
      return false;
    }
    if (readScheduler(emu) < 0) return false;
  }
  return expandScheduler(tune, S.vcpusched, S.vcpus, ctx.maxVcpus, false) && expandScheduler(tune, S.iothreadsched, S.iothreads, 4096, true);
}

/**
 * Reads every <vcpusched vcpus='set'> (or iothreadsched), records the scheduler per id, and
 * replaces them by one element per id in id order (libvirt stores these per vCPU/iothread).
 */
function expandScheduler(tune: i32, name: i32, setAttrSym: i32, limit: i32, iothreads: bool): bool {
  const d = ctx.d;
  let first = d.child(tune, name);
  if (first == NONE) return true;
  seen.clearAll();
  for (let s = first; s != NONE; s = d.nextNamed(s)) {
    if (attrOf(s, setAttrSym) == NONE) {
      const b = err(Code.XML_ERROR);
      b.str("Missing attribute '");
      appendSymbol(b, setAttrSym);
      b.str("' in element '");
      appendSymbol(b, name);
      b.str("'");
      return false;
    }
    if (!readBitmap(s, setAttrSym)) return false;
    if (set.isEmpty()) {
      const b = err(Code.CONFIG_UNSUPPORTED);
      b.str("'");
      appendSymbol(b, name);
      b.str("' scheduler bitmap '");
      putAttr(b, s, setAttrSym);
      b.str("' is empty");
      return false;
    }
    if (set.intersects(seen)) {
      const b = err(Code.XML_DETAIL);
      b.str("'");
      appendSymbol(b, name);
      b.str("' attributes '");
      appendSymbol(b, setAttrSym);
      b.str("' must not overlap");
      return false;
    }
    const policy = readScheduler(s);
    if (policy < 0) return false;
    const priority = attrOf(s, S.priority) != NONE ? <i32>numericSigned(s, S.priority) : 0;
    for (let id = set.next(0); id >= 0; id = set.next(id + 1)) {
      if (!iothreads && id >= limit) {
        const b = err(Code.CONFIG_UNSUPPORTED);
        b.str("vCPU '");
        b.u64(<u64>id);
        b.str("' is not present in domain definition");
        return false;
      }
      if (iothreads && !iothreadIds.get(id)) {
        const b = err(Code.CONFIG_UNSUPPORTED);
        b.str("Cannot find 'iothread' : ");
        b.u64(<u64>id);
        return false;
      }
      seen.set(id);
      unchecked((schedPolicy[id] = policy));
      unchecked((schedPriority[id] = priority));
    }
  }
  // Replace the originals by one element per id, at the place of the first one.
  const anchor = d.newElement(name);
  d.insertBefore(tune, anchor, first);
  for (let s = d.child(tune, name); s != NONE; ) {
    const nx = d.nextNamed(s);
    if (s != anchor) d.remove(s);
    s = nx;
  }
  let prev = anchor;
  for (let id = seen.next(0); id >= 0; id = seen.next(id + 1)) {
    const e = d.newElement(name);
    setAttrNumber(e, setAttrSym, <u64>id);
    const policy = unchecked(schedPolicy[id]);
    setAttr(e, S.scheduler, policy == 1 ? "batch" : policy == 2 ? "idle" : policy == 3 ? "fifo" : "rr");
    if (policy >= 3) {
      const off = d.buf.length;
      d.buf.i64(<i64>unchecked(schedPriority[id]));
      d.setAttrSlice(e, S.priority, off, d.buf.length - off);
    }
    d.insertAfter(tune, e, prev);
    prev = e;
  }
  d.remove(anchor);
  return true;
}

function numericSigned(n: i32, key: i32): i64 {
  const d = ctx.d;
  const a = attrOf(n, key);
  if (a == NONE || !parseI64(d.buf, d.aOffOf(a), d.aLenOf(a), parsedSigned)) return 0;
  return parsedSigned.value;
}

// ---- cachetune / memorytune (resctrl groups) -----------------------------------------------------

const groupSets = new Array<Bitmap>();
let groupCount: i32 = 0;
const groupVcpus = new Bitmap();

function groupSet(i: i32): Bitmap {
  while (groupSets.length <= i) groupSets.push(new Bitmap());
  return groupSets[i];
}

/**
 * cachetune and memorytune: vcpus is clipped to the vCPUs the domain has (a group left with none
 * is dropped, as libvirt does); overlapping groups and colliding allocations are errors.
 */
function checkResctrl(tune: i32, name: i32): bool {
  const d = ctx.d;
  if (name == S.cachetune) groupCount = 0;
  const label = name == S.cachetune ? "cachetune" : "memorytune";
  for (let g = d.child(tune, name); g != NONE; ) {
    const nx = d.nextNamed(g);
    if (attrOf(g, S.vcpus) == NONE) {
      const b = err(Code.XML_ERROR);
      b.str("Missing ");
      b.str(label);
      b.str(" attribute 'vcpus'");
      return false;
    }
    if (!set.parse(d.buf, d.aOffOf(attrOf(g, S.vcpus)), d.aLenOf(attrOf(g, S.vcpus)))) {
      const b = err(Code.XML_ERROR);
      b.str("Invalid ");
      b.str(label);
      b.str(" attribute 'vcpus' value '");
      putAttr(b, g, S.vcpus);
      b.str("'");
      return false;
    }
    set.truncate(ctx.maxVcpus);
    if (set.isEmpty()) {
      d.remove(g);
      g = nx;
      continue;
    }
    writeBitmap(g, S.vcpus, set);
    groupVcpus.copyFrom(set);
    // A memorytune with exactly a cachetune's vcpus joins that group; otherwise groups must not overlap.
    let joined = false;
    for (let i = 0; i < groupCount; i++) {
      const other = groupSet(i);
      if (other.equals(groupVcpus)) {
        if (name == S.cachetune) {
          err(Code.XML_ERROR).str("Identical vcpus in cachetunes found");
          return false;
        }
        joined = true;
      } else if (other.intersects(groupVcpus)) {
        err(Code.XML_ERROR).str("Overlapping vcpus in resctrls");
        return false;
      }
    }
    if (!joined) groupSet(groupCount++).copyFrom(groupVcpus);
    if (name == S.cachetune ? !checkCaches(g) : !checkMemoryNodes(g)) return false;
    if (!checkMonitors(g, name == S.cachetune)) return false;
    if (name == S.cachetune && d.child(g, S.cache) == NONE && d.child(g, S.monitor) == NONE) d.remove(g);
    if (ctx.inactive) d.removeAttr(g, S.id);
    else if (attrOf(g, S.id) == NONE) {
      const off = d.buf.length;
      d.buf.str("vcpus_");
      groupVcpus.format(d.buf);
      d.setAttrSlice(g, S.id, off, d.buf.length - off);
    }
    g = nx;
  }
  return true;
}

function checkCaches(g: i32): bool {
  const d = ctx.d;
  for (let c = d.child(g, S.cache); c != NONE; c = d.nextNamed(c)) {
    if (!readUnsigned(c, S.id, attr, true)) return false;
    const id = attr.value;
    if (!readUnsigned(c, S.level, attr, true)) return false;
    const level = attr.value;
    if (!readEnum(c, S.type, "both code data", attr, true)) return false;
    const type = attr.value;
    if (!readUnsigned(c, S.size, attr, true)) return false;
    if (!scaleToKiB(c, <u64>attr.value, S.unit, kib)) return false;
    writePrettySize(c, kib.value);
    for (let o = d.child(g, S.cache); o != c; o = d.nextNamed(o)) {
      if (numericAttr(o, S.id) != id || numericAttr(o, S.level) != level) continue;
      const otherType = d.attrIs(o, S.type, "both") ? 0 : d.attrIs(o, S.type, "code") ? 1 : 2;
      if (otherType == type || otherType == 0 || type == 0) {
        const b = err(Code.XML_ERROR, From.RESCTRL);
        b.str("Colliding cache allocations for cache level '");
        b.u64(<u64>level);
        b.str("' id '");
        b.u64(<u64>id);
        b.str("', type '");
        putAttr(b, c, S.type);
        b.str("'");
        return false;
      }
    }
  }
  return true;
}

/** size/unit in libvirt's "pretty" form: the largest binary unit that divides the size exactly. */
function writePrettySize(c: i32, sizeKiB: u64): void {
  let v = sizeKiB;
  let unit = 0;
  while (v != 0 && v % 1024 == 0 && unit < 4) {
    v /= 1024;
    unit++;
  }
  setAttrNumber(c, S.size, v);
  setAttr(c, S.unit, unit == 0 ? "KiB" : unit == 1 ? "MiB" : unit == 2 ? "GiB" : unit == 3 ? "TiB" : "PiB");
}

function checkMemoryNodes(g: i32): bool {
  const d = ctx.d;
  seen.clearAll();
  for (let n = d.child(g, S.node); n != NONE; n = d.nextNamed(n)) {
    if (!readUnsigned(n, S.id, attr, true)) return false;
    const id = attr.value;
    if (!readUnsigned(n, S.bandwidth, attr, true)) return false;
    if (id < 4096 && seen.get(<i32>id)) {
      const b = err(Code.XML_ERROR, From.RESCTRL);
      b.str("Memory Bandwidth already defined for node ");
      b.u64(<u64>id);
      return false;
    }
    if (id < 4096) seen.set(<i32>id);
  }
  // Check a memorytune joining a cachetune group whose vcpus differ: caught as overlap above.
  return true;
}

const monitorSet = new Bitmap();
function checkMonitors(g: i32, cache: bool): bool {
  const d = ctx.d;
  for (let m = d.child(g, S.monitor); m != NONE; m = d.nextNamed(m)) {
    if (cache) {
      if (!readUnsigned(m, S.level, attr)) return false;
      if (attr.present && attr.value != 3) {
        const b = err(Code.XML_ERROR);
        b.str("Invalid monitor cache level '");
        b.u64(<u64>attr.value);
        b.str("'");
        return false;
      }
    }
    if (attrOf(m, S.vcpus) == NONE) return missingAttr(m, S.vcpus);
    if (!readBitmap(m, S.vcpus)) return false;
    monitorSet.copyFrom(set);
    // A monitor watches vCPUs of its own group only.
    for (let b = monitorSet.next(0); b >= 0; b = monitorSet.next(b + 1)) {
      if (!groupVcpus.get(b)) {
        err(Code.INVALID_ARG).str("Monitor vcpus conflicts with allocation");
        return false;
      }
    }
    writeBitmap(m, S.vcpus, monitorSet);
  }
  return true;
}

/** <numatune>: mode defaults to strict; static placement needs a nodeset; nodesets canonical. */
export function checkNumatune(): bool {
  const d = ctx.d;
  const numa = d.child(ctx.root, S.numatune);
  if (numa == NONE) return true;
  const mem = d.child(numa, S.memory);
  if (mem != NONE) {
    if (!readEnum(mem, S.mode, "strict preferred interleave restrictive", attr)) return false;
    if (!attr.present) setAttr(mem, S.mode, "strict");
    if (!readEnum(mem, S.placement, "static auto", attr)) return false;
    const placementAuto = attr.present ? attr.value == 1 : attrOf(mem, S.nodeset) == NONE && attrIsAuto();
    if (placementAuto) {
      d.removeAttr(mem, S.nodeset);
      setAttr(mem, S.placement, "auto");
    } else {
      if (attrOf(mem, S.nodeset) == NONE) {
        err(Code.CONFIG_UNSUPPORTED).str("nodeset for NUMA memory tuning must be set if 'placement' is 'static'");
        return false;
      }
      if (!readCpuset(mem, S.nodeset)) return false;
      d.removeAttr(mem, S.placement);
    }
  }
  for (let n = d.child(numa, S.memnode); n != NONE; n = d.nextNamed(n)) {
    if (!readUnsigned(n, S.cellid, attr, true)) return false;
    if (!readEnum(n, S.mode, "strict preferred interleave restrictive", attr)) return false;
    if (!attr.present) setAttr(n, S.mode, "strict");
    if (attrOf(n, S.nodeset) != NONE && !readCpuset(n, S.nodeset)) return false;
  }
  return true;
}

function attrIsAuto(): bool {
  const vcpu = ctx.d.child(ctx.root, S.vcpu);
  return vcpu != NONE && ctx.d.attrIs(vcpu, S.placement, "auto");
}

/** NUMA cells in <cpu><numa>: memory normalised to KiB, their sum left in `total`. */
export function checkCpuNuma(total: SizeKiB): bool {
  const d = ctx.d;
  total.value = 0;
  const cpu = d.child(ctx.root, S.cpu);
  if (cpu == NONE) return true;
  const numa = d.child(cpu, S.numa);
  if (numa == NONE) return true;
  if (d.child(numa, S.cell) == NONE) {
    err(Code.XML_ERROR).str("NUMA topology defined without NUMA cells");
    return false;
  }
  let position: u64 = 0;
  for (let c = d.child(numa, S.cell); c != NONE; c = d.nextNamed(c)) {
    if (attrOf(c, S.id) == NONE) setAttrNumber(c, S.id, position);
    position++;
    const a = attrOf(c, S.memory);
    if (a == NONE) return missingAttr(c, S.memory);
    if (!parseU64(d.buf, d.aOffOf(a), d.aLenOf(a), parsed)) return invalidAttr(c, S.memory, "Expected non-negative integer value");
    if (!scaleToKiB(c, parsed.value, S.unit, kib)) return false;
    setAttrNumber(c, S.memory, kib.value);
    setAttr(c, S.unit, "KiB");
    total.value += kib.value;
    if (attrOf(c, S.cpus) != NONE) {
      if (!readBitmap(c, S.cpus)) return false;
      writeBitmap(c, S.cpus, set);
    }
  }
  return true;
}

const CPU_MODES = "custom host-model host-passthrough maximum";

/** <cpu>: with a model the mode is custom, matching exact, falling back allowed; topology gets dies/clusters. */
export function checkCpu(): bool {
  const d = ctx.d;
  const cpu = d.child(ctx.root, S.cpu);
  if (cpu == NONE) return true;
  const model = d.child(cpu, S.model);
  let mode = 0;
  if (attrOf(cpu, S.mode) != NONE) {
    mode = attrEnum(cpu, S.mode, CPU_MODES);
    if (mode < 0) {
      const b = err(Code.CONFIG_UNSUPPORTED, From.CPU);
      b.str("Invalid mode attribute '");
      putAttr(b, cpu, S.mode);
      b.str("'");
      return false;
    }
  } else if (model != NONE) setAttr(cpu, S.mode, "custom");
  if (mode == 0 && model != NONE) {
    if (attrOf(cpu, S.match) == NONE) setAttr(cpu, S.match, "exact");
    if (attrOf(model, S.fallback) == NONE) setAttr(model, S.fallback, "allow");
  } else if (mode != 0) d.removeAttr(cpu, S.match);
  const topology = d.child(cpu, S.topology);
  if (topology != NONE) {
    if (attrOf(topology, S.dies) == NONE) setAttr(topology, S.dies, "1");
    if (attrOf(topology, S.clusters) == NONE) setAttr(topology, S.clusters, "1");
  }
  return true;
}
