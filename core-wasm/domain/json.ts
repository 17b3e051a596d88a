// The canonical definition as JSON, for JS users: a few typed fields (sizes in KiB as numbers,
// vCPU counts) and, for everything else, a plain mirror of the XML: attributes become string
// properties, child elements become properties (arrays for repeatable ones), text becomes the
// value itself or `value` next to attributes, and an empty element becomes `true`.
import { ByteBuf } from "../util/bytes";
import { Doc, Kind, NONE } from "../xml/dom";
import { S } from "../xml/names.gen";
import { symbolPtr, symbolLen } from "../xml/symbols";
import { writeLibxml } from "../xml/writer";
import { sym } from "./context";
import { ParsedU64, parseU64 } from "./values";

let arrayNames: Set<i32> | null = null;

/** Where this module's calls to the number parsers leave their value. */
const parsed = new ParsedU64();

/** Elements that may repeat, always given as arrays (every device kind is one too). */
function isArrayName(name: i32): bool {
  if (arrayNames === null) {
    const s = new Set<i32>();
    const list = "boot initarg initenv vcpupin iothreadpin vcpusched iothreadsched cachetune memorytune cache monitor node memnode feature timer cell event entry seclabel listen channel host ip route tag certificate page iothread vcpu uid gid device sibling table".split(" ");
    for (let i = 0; i < list.length; i++) s.add(sym(list[i]));
    arrayNames = s;
  }
  return arrayNames!.has(name);
}

function str(out: ByteBuf, src: ByteBuf, off: i32, len: i32): void {
  out.byte(34);
  for (let i = 0; i < len; i++) {
    const c = <i32>src.at(off + i);
    if (c == 34 || c == 92) {
      out.byte(92);
      out.byte(c);
    } else if (c < 0x20) {
      out.str("\\u00");
      out.hex(<u64>c, 2);
    } else out.byte(c);
  }
  out.byte(34);
}

function key(out: ByteBuf, name: i32): void {
  out.byte(34);
  out.raw(symbolPtr(name), symbolLen(name));
  out.str("\":");
}

function textOf(d: Doc, n: i32): i32 {
  for (let c = d.firstOf(n); c != NONE; c = d.nextOf(c)) if (d.kindOf(c) == Kind.Text) return c;
  return NONE;
}

function hasElements(d: Doc, n: i32): bool {
  return d.firstElement(n) != NONE;
}

/** Writes element n's content as a JSON value. */
function value(out: ByteBuf, d: Doc, n: i32, devicesLike: bool): void {
  const t = textOf(d, n);
  const attrs = d.attrFirstOf(n) != NONE;
  const kids = hasElements(d, n);
  if (!attrs && !kids && !devicesLike) {
    if (t == NONE) out.str("true");
    else str(out, d.buf, d.valOffOf(t), d.valLenOf(t));
    return;
  }
  out.byte(123);
  let first = true;
  for (let a = d.attrFirstOf(n); a != NONE; a = d.aNextOf(a)) {
    if (!first) out.byte(44);
    first = false;
    key(out, d.aNameOf(a));
    str(out, d.buf, d.aOffOf(a), d.aLenOf(a));
  }
  if (t != NONE && !kids) {
    if (!first) out.byte(44);
    first = false;
    out.str("\"value\":");
    str(out, d.buf, d.valOffOf(t), d.valLenOf(t));
  }
  first = members(out, d, n, first, devicesLike);
  out.byte(125);
}

/** Writes the element children of n as members; returns whether none was written yet. */
function members(out: ByteBuf, d: Doc, n: i32, first: bool, devicesLike: bool): bool {
  for (let c = d.firstElement(n); c != NONE; c = d.nextElement(c)) {
    const name = d.nameOf(c);
    // Write each name once, at its first occurrence, gathering its siblings of the same name.
    let earlier = false;
    for (let p = d.firstElement(n); p != c; p = d.nextElement(p)) if (d.nameOf(p) == name) earlier = true;
    if (earlier) continue;
    if (!first) out.byte(44);
    first = false;
    key(out, name);
    const array = (devicesLike && name != S.emulator) || isArrayName(name) || d.nextNamed(c) != NONE;
    if (!array) {
      value(out, d, c, name == S.devices);
      continue;
    }
    out.byte(91);
    for (let s = c; s != NONE; s = d.nextNamed(s)) {
      if (s != c) out.byte(44);
      value(out, d, s, false);
    }
    out.byte(93);
  }
  return first;
}

function numberText(out: ByteBuf, d: Doc, n: i32): void {
  const t = textOf(d, n);
  if (t != NONE && parseU64(d.buf, d.valOffOf(t), d.valLenOf(t), parsed)) out.u64(parsed.value);
  else out.str("null");
}

const scratch = new ByteBuf(1024);

/** The whole definition. */
export function writeDomainJSON(out: ByteBuf, d: Doc): void {
  const root = d.root;
  out.byte(123);
  // The root always has its type attribute, so every later member can start with a comma.
  for (let a = d.attrFirstOf(root); a != NONE; a = d.aNextOf(a)) {
    if (a != d.attrFirstOf(root)) out.byte(44);
    key(out, d.aNameOf(a));
    if (d.aNameOf(a) == S.id && parseU64(d.buf, d.aOffOf(a), d.aLenOf(a), parsed)) out.u64(parsed.value);
    else str(out, d.buf, d.aOffOf(a), d.aLenOf(a));
  }
  for (let c = d.firstElement(root); c != NONE; c = d.nextElement(c)) {
    const name = d.nameOf(c);
    if (name == S.memory || name == S.currentMemory) {
      out.byte(44);
      key(out, name);
      numberText(out, d, c);
    } else if (name == S.maxMemory) {
      out.byte(44);
      key(out, name);
      out.str("{\"memory\":");
      numberText(out, d, c);
      const slots = d.attr(c, S.slots);
      if (slots != NONE && parseU64(d.buf, d.aOffOf(slots), d.aLenOf(slots), parsed)) {
        out.str(",\"slots\":");
        out.u64(parsed.value);
      }
      out.byte(125);
    } else if (name == S.vcpu) {
      out.str(",\"vcpu\":{\"max\":");
      numberText(out, d, c);
      out.str(",\"current\":");
      const cur = d.attr(c, S.current);
      if (cur != NONE && parseU64(d.buf, d.aOffOf(cur), d.aLenOf(cur), parsed)) out.u64(parsed.value);
      else numberText(out, d, c);
      for (let a = d.attrFirstOf(c); a != NONE; a = d.aNextOf(a)) {
        if (d.aNameOf(a) == S.current) continue;
        out.byte(44);
        key(out, d.aNameOf(a));
        str(out, d.buf, d.aOffOf(a), d.aLenOf(a));
      }
      out.byte(125);
    } else if (name == S.metadata) {
      scratch.clear();
      for (let m = d.firstElement(c); m != NONE; m = d.nextElement(m)) writeLibxml(scratch, d, m, 0, true);
      out.str(",\"metadata\":");
      str(out, scratch, 0, scratch.length);
    } else if (d.nextNamed(c) == NONE && !hasEarlier(d, root, c)) {
      out.byte(44);
      key(out, name);
      value(out, d, c, name == S.devices);
    } else if (!hasEarlier(d, root, c)) {
      out.byte(44);
      key(out, name);
      out.byte(91);
      for (let s = c; s != NONE; s = d.nextNamed(s)) {
        if (s != c) out.byte(44);
        value(out, d, s, false);
      }
      out.byte(93);
    }
  }
  out.byte(125);
}

function hasEarlier(d: Doc, parent: i32, c: i32): bool {
  const name = d.nameOf(c);
  for (let p = d.firstElement(parent); p != c; p = d.nextElement(p)) if (d.nameOf(p) == name) return true;
  return false;
}
